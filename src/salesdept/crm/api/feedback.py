"""API of feedback, complaints and quality issues (C4): /api/v1/feedback.

Reads go through selectors.feedback (scope X1: out of scope is 404), writes through
services.feedback, which check permissions (403), states (409 invalid_transition) and input (400
naming the field). Each complaint lists the moves the caller may make now in `actions`."""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from salesdept.core.pagination import paginate
from salesdept.core.permissions import require
from salesdept.core.schemas import ErrorOut, StrictIn

from ..selectors import feedback as selectors
from ..services import feedback as services

router = Router(tags=["feedback"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Kind = Literal["feedback", "complaint", "quality"]
Department = Literal["sales", "quality", "production", "logistics", "finance", "service", "other"]
SortKey = Literal[
    "number", "-number", "received_on", "-received_on", "deadline", "-deadline",
    "status", "-status", "customer", "-customer", "kind", "-kind",
]  # fmt: skip


class FeedbackFilterIn(Schema):
    """The filters of the complaints page (crm/filters_feedback.py)."""

    q: str | None = Field(
        None, max_length=100, description="Number, subject, product, customer name or number"
    )
    kind: Kind | None = None
    status: Literal["open", "in_progress", "resolved", "confirmed", "active"] | None = Field(
        None, description="active: open or in progress"
    )
    department: Department | None = None
    assignee: int | None = Field(None, ge=1, description="Id of the responsible person")
    customer: int | None = Field(None, ge=1, description="Id of the customer")
    overdue: bool | None = Field(None, description="true: only those past their deadline, not yet resolved")
    received_from: date | None = None
    received_to: date | None = None
    sort: SortKey | None = Field(None, description="Default -received_on")


class FeedbackStepOut(Schema):
    action: str
    from_status: str
    to_status: str
    note: str
    by_id: int
    by: str
    at: datetime

    @staticmethod
    def resolve_by(obj) -> str:
        return str(obj.by)


class FeedbackOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    customer_id: int
    customer_name: str = Field(..., alias="customer.name")
    subject: str
    description: str
    received_on: date
    product_name: str
    department: str
    assignee_id: int | None
    assignee: str | None
    deadline: date
    overdue: bool
    resolution: str
    resolved_at: datetime | None
    resolved_by_id: int | None
    customer_response: str
    confirmed_at: datetime | None
    confirmed_by_id: int | None
    created_by_id: int
    created_at: datetime
    version: int = Field(..., description="Send it back with a move; a stale one answers 409")
    actions: list[str]

    @staticmethod
    def resolve_assignee(obj) -> str | None:
        return str(obj.assignee) if obj.assignee_id else None

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return bool(getattr(obj, "overdue", selectors.is_overdue(obj)))

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        return services.allowed_actions(obj, context["request"].user)


class FeedbackDetailOut(FeedbackOut):
    steps: list[FeedbackStepOut]

    @staticmethod
    def resolve_steps(obj) -> list:
        return list(obj.steps.all())


class FeedbackIn(StrictIn):
    customer: int = Field(..., ge=1, description="Id of a customer you can see")
    kind: Kind
    subject: str = Field(..., max_length=200)
    description: str = Field(..., max_length=10000)
    received_on: date
    deadline: date = Field(..., description="Not before received_on")
    product_name: str = Field("", max_length=200, description="Required for quality issues")
    department: Department | Literal[""] = Field(
        "", description="Default: quality for quality issues, else sales"
    )
    assignee: int | None = Field(None, ge=1, description="Someone else only with crm.route_feedback")


VERSION = Field(None, ge=1, description="The version you loaded; a stale one answers 409 stale_version")


class RouteIn(StrictIn):
    version: int | None = VERSION
    department: Department
    deadline: date
    assignee: int | None = Field(None, ge=1)
    note: str = Field("", max_length=2000)


class NoteIn(StrictIn):
    version: int | None = VERSION
    note: str = Field("", max_length=2000)


class ResolveIn(StrictIn):
    version: int | None = VERSION
    resolution: str = Field("", max_length=5000)


class ConfirmIn(StrictIn):
    version: int | None = VERSION
    customer_response: str = Field("", max_length=300)


class ReopenIn(StrictIn):
    version: int | None = VERSION
    reason: str = Field("", max_length=2000)


def _fresh(request, feedback_id: int):
    # Answer with the same shape as GET (steps, overdue, actions) after a write.
    return selectors.feedback_get(user=request.user, feedback_id=feedback_id)


def _may_read(request) -> None:
    # The scope rule says which complaints; the view permission says whether any. Without it a
    # role with a department-wide scope (the warehouse keeper, the administrator) would read
    # every complaint through the API although its pages answer 403.
    require(request.user, "crm.view_feedback")


@router.get("", response={200: list[FeedbackOut], **ERRORS})
@paginate
def list_feedback(request, filters: Query[FeedbackFilterIn]):
    """Complaints you may see, newest received first (the page's filters and sort)."""
    _may_read(request)
    return selectors.feedback_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.get("/{feedback_id}", response={200: FeedbackDetailOut, **ERRORS})
def get_feedback(request, feedback_id: int):
    """One complaint with its steps (oldest first)."""
    _may_read(request)
    return _fresh(request, feedback_id)


@router.post("", response={201: FeedbackDetailOut, **ERRORS})
def create_feedback(request, payload: FeedbackIn):
    """Log feedback, a complaint or a quality issue (status open, number FB-YYYY-NNNNNN)."""
    data = payload.model_dump()
    feedback = services.feedback_create(
        by=request.user,
        customer_id=data.pop("customer"),
        assignee_id=data.pop("assignee"),
        **data,
    )
    return Status(201, _fresh(request, feedback.pk))


@router.post("/{feedback_id}/route", response={200: FeedbackDetailOut, **ERRORS})
def route_feedback(request, feedback_id: int, payload: RouteIn):
    """Route to a department and person with a deadline (crm.route_feedback; open or in progress)."""
    services.feedback_route(
        by=request.user,
        feedback_id=feedback_id,
        department=payload.department,
        deadline=payload.deadline,
        assignee_id=payload.assignee,
        note=payload.note,
        version=payload.version,
    )
    return _fresh(request, feedback_id)


@router.post("/{feedback_id}/start", response={200: FeedbackDetailOut, **ERRORS})
def start_feedback(request, feedback_id: int, payload: NoteIn | None = None):
    """The assignee (or a router) starts work: open → in progress."""
    payload = payload or NoteIn()
    services.feedback_start(
        by=request.user, feedback_id=feedback_id, note=payload.note, version=payload.version
    )
    return _fresh(request, feedback_id)


@router.post("/{feedback_id}/resolve", response={200: FeedbackDetailOut, **ERRORS})
def resolve_feedback(request, feedback_id: int, payload: ResolveIn):
    """Record the resolution (required): open or in progress → resolved."""
    services.feedback_resolve(
        by=request.user, feedback_id=feedback_id, resolution=payload.resolution, version=payload.version
    )
    return _fresh(request, feedback_id)


@router.post("/{feedback_id}/confirm", response={200: FeedbackDetailOut, **ERRORS})
def confirm_feedback(request, feedback_id: int, payload: ConfirmIn):
    """The customer confirmed the resolution (their response required): resolved → confirmed."""
    services.feedback_confirm(
        by=request.user,
        feedback_id=feedback_id,
        customer_response=payload.customer_response,
        version=payload.version,
    )
    return _fresh(request, feedback_id)


@router.post("/{feedback_id}/reopen", response={200: FeedbackDetailOut, **ERRORS})
def reopen_feedback(request, feedback_id: int, payload: ReopenIn):
    """The resolution did not satisfy (reason required): resolved → in progress."""
    services.feedback_reopen(
        by=request.user, feedback_id=feedback_id, reason=payload.reason, version=payload.version
    )
    return _fresh(request, feedback_id)
