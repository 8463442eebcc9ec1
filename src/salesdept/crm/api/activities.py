"""API of follow-ups, the phone log (C3) and the reminders (X7), mounted at /api/v1/:
/activities…, /phone-calls…, /reminders….

Reads go through crm/selectors (scope X1: out of scope is 404), writes through
crm/services/activities.py, which check permissions (403), state (409 not_planned) and input
(400 naming the field)."""

from datetime import date, datetime
from typing import Literal

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from salesdept.core.pagination import paginate
from salesdept.core.schemas import ErrorOut, StrictIn

from ..selectors import activities as selectors
from ..selectors import reminders as reminder_selectors
from ..services import activities as services

router = Router(tags=["follow-ups"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Kind = Literal["call", "visit", "message", "meeting"]
ActivityStatus = Literal["planned", "done", "cancelled"]
SortKey = Literal[
    "due_on", "-due_on", "customer", "-customer", "owner", "-owner", "status", "-status",
    "kind", "-kind", "done_at", "-done_at",
]  # fmt: skip
Day = date  # a field below is named "date"


# --- schemas ---------------------------------------------------------------------------------


class ActivityFilterIn(Schema):
    """The filters of the follow-up list page (crm/filters_activities.py)."""

    q: str | None = Field(
        None, max_length=100, description="Subject, result, customer or lead name, customer number"
    )
    status: ActivityStatus | None = None
    kind: Kind | None = None
    owner: int | None = Field(None, ge=1, description="Id of the salesperson")
    customer: int | None = Field(None, ge=1, description="Id of the customer")
    lead: int | None = Field(None, ge=1, description="Id of the lead")
    due_from: date | None = Field(None, description="First due day, inclusive")
    due_to: date | None = Field(None, description="Last due day, inclusive")
    sort: SortKey | None = Field(None, description="Default -due_on (latest due first)")


class ActivityOut(Schema):
    id: int
    kind: str
    status: str
    customer_id: int | None
    customer_name: str | None
    lead_id: int | None
    lead_name: str | None
    region_id: int
    subject: str
    due_on: date
    done_at: datetime | None
    result: str
    next_step: str
    owner_id: int
    owner: str
    follows_id: int | None
    created_by_id: int
    created_at: datetime

    @staticmethod
    def resolve_customer_name(obj) -> str | None:
        return obj.customer.name if obj.customer_id else None

    @staticmethod
    def resolve_lead_name(obj) -> str | None:
        return obj.lead.name if obj.lead_id else None

    @staticmethod
    def resolve_owner(obj) -> str:
        return str(obj.owner)


class ActivityLoggedOut(ActivityOut):
    next_follow_up: ActivityOut | None = Field(
        None, description="The next planned follow-up of this customer (lead): new, or one already planned"
    )
    next_created: bool = Field(False, description="Whether logging created next_follow_up")

    @staticmethod
    def resolve_next_follow_up(obj):
        return getattr(obj, "next_follow_up", None)

    @staticmethod
    def resolve_next_created(obj) -> bool:
        return getattr(obj, "next_created", False)


class ActivityIn(StrictIn):
    customer_id: int | None = Field(None, ge=1, description="The customer, or give lead_id")
    lead_id: int | None = Field(None, ge=1)
    kind: Kind = "call"
    subject: str = Field("", max_length=200, description="Empty: the kind and the customer's name")
    due_on: date | None = None
    owner_id: int | None = Field(None, ge=1, description="Empty: the customer's (lead's) salesperson")


class ActivityPatch(StrictIn):
    # A field left out stays unchanged; null is refused.
    kind: Kind = None
    subject: str = Field(None, min_length=1, max_length=200)
    due_on: date = None
    owner_id: int = Field(None, ge=1)


class ActivityLogIn(StrictIn):
    result: str = Field("", max_length=5000, description="Required: what came of it")
    next_step: str = Field("", max_length=300)
    next_due_on: date | None = Field(None, description="Empty: by the customer's tier revisit rule")
    kind: Kind | None = Field(None, description="What it turned out to be, if not as planned")
    done_at: datetime | None = Field(None, description="Default: now")


class ActivityCancelIn(StrictIn):
    reason: str = Field("", max_length=1000, description="Required")


class TeamOverdueOut(Schema):
    owner_id: int
    owner: str
    count: int
    oldest: date


class CustomerOverdueOut(Schema):
    id: int
    code: str
    name: str
    tier: str
    revisit_days: int
    last_contact_on: date | None
    contact_day: date = Field(..., description="Last contact, or the day the customer was created")
    revisit_due: date
    owner_id: int
    owner: str

    @staticmethod
    def resolve_tier(obj) -> str:
        return obj.tier.code

    @staticmethod
    def resolve_revisit_days(obj) -> int:
        return obj.tier.revisit_days

    @staticmethod
    def resolve_revisit_due(obj) -> date:
        return selectors.revisit_due(obj)

    @staticmethod
    def resolve_owner(obj) -> str:
        return str(obj.owner)


class PhoneCallFilterIn(Schema):
    q: str | None = Field(None, max_length=100, description="Caller, number, topic, result or customer name")
    date_from: date | None = None
    date_to: date | None = None
    handed_to: int | None = Field(None, ge=1)
    sort: Literal["called_at", "-called_at", "caller", "-caller"] | None = Field(
        None, description="Default -called_at"
    )


class PhoneCallOut(Schema):
    id: int
    called_at: datetime
    caller: str
    number: str
    customer_id: int | None
    customer_name: str | None
    topic: str
    result: str
    handed_to_id: int | None
    handed_to: str | None
    taken_by_id: int
    created_at: datetime

    @staticmethod
    def resolve_customer_name(obj) -> str | None:
        return obj.customer.name if obj.customer_id else None

    @staticmethod
    def resolve_handed_to(obj) -> str | None:
        return str(obj.handed_to) if obj.handed_to_id else None


class PhoneCallIn(StrictIn):
    called_at: datetime | None = Field(None, description="Default: now")
    caller: str = Field("", max_length=100)
    number: str = Field("", max_length=50)
    customer_id: int | None = Field(None, ge=1, description="Empty: matched by the phone number")
    topic: str = Field("", max_length=300)
    result: str = Field("", max_length=300)
    handed_to_id: int | None = Field(None, ge=1)


class PhoneCallPatch(StrictIn):
    called_at: datetime = None
    caller: str = Field(None, max_length=100)
    number: str = Field(None, max_length=50)
    customer_id: int | None = Field(None, ge=1)
    topic: str = Field(None, max_length=300)
    result: str = Field(None, max_length=300)
    handed_to_id: int | None = Field(None, ge=1)


class ReminderItemOut(Schema):
    """One row of a reminder list, whatever its kind."""

    type: str = Field(..., description="activity | feedback | customer_document")
    id: int
    title: str
    date: Day = Field(..., description="Due date, deadline or expiry date")
    customer_id: int | None
    customer: str | None
    person: str | None = Field(None, description="Salesperson or responsible person")


class ReminderListOut(Schema):
    count: int = Field(..., description="How many; stops at 1000 (then capped is true)")
    capped: bool
    items: list[ReminderItemOut]


class RemindersOut(Schema):
    day: date
    follow_ups_due: ReminderListOut | None = None
    follow_ups_overdue: ReminderListOut | None = None
    complaints_past_deadline: ReminderListOut | None = None
    documents_expiring: ReminderListOut | None = None


def reminder_item(obj) -> dict:
    label = obj._meta.model_name
    if label == "activity":
        who = obj.customer or obj.lead
        return {
            "type": "activity", "id": obj.pk, "title": obj.subject, "date": obj.due_on,
            "customer_id": obj.customer_id, "customer": who.name, "person": str(obj.owner),
        }  # fmt: skip
    if label == "feedback":
        return {
            "type": "feedback", "id": obj.pk, "title": f"{obj.number} {obj.subject}", "date": obj.deadline,
            "customer_id": obj.customer_id, "customer": obj.customer.name,
            "person": str(obj.assignee) if obj.assignee_id else None,
        }  # fmt: skip
    return {
        "type": "customer_document", "id": obj.pk, "title": f"{obj.get_kind_display()} {obj.number}".strip(),
        "date": obj.expires_on, "customer_id": obj.customer_id, "customer": obj.customer.name, "person": None,
    }  # fmt: skip


# --- follow-ups ------------------------------------------------------------------------------


@router.get("/activities", response={200: list[ActivityOut], 400: ErrorOut, 403: ErrorOut, 422: ErrorOut})
@paginate
def list_activities(request, filters: Query[ActivityFilterIn]):
    """Follow-ups in the caller's scope, filtered and sorted like the list page."""
    return selectors.activity_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.post("/activities", response={201: ActivityOut, **ERRORS})
def create_activity(request, payload: ActivityIn):
    """Plan a follow-up of a customer or lead the caller can see (crm.add_activity)."""
    activity = services.activity_plan(by=request.user, data=payload.model_dump())
    return Status(201, selectors.activity_get(user=request.user, activity_id=activity.pk))


@router.get("/activities/today", response={200: list[ActivityOut], 403: ErrorOut})
@paginate
def list_activities_today(request):
    """The caller's own planned follow-ups due today or overdue, oldest first."""
    return selectors.today_list(user=request.user, day=timezone.localdate())


@router.get("/activities/team-overdue", response={200: list[TeamOverdueOut], 403: ErrorOut})
def list_team_overdue(request):
    """Overdue follow-ups in the caller's scope by salesperson (managers, supervisors, regional
    managers, director); empty for someone who sees only their own."""
    groups = selectors.team_overdue(user=request.user, day=timezone.localdate())
    return [
        {"owner_id": g["owner"].pk, "owner": str(g["owner"]), "count": g["count"], "oldest": g["oldest"]}
        for g in groups
    ]


@router.get("/activities/customers-overdue", response={200: list[CustomerOverdueOut], 403: ErrorOut})
@paginate
def list_customers_overdue(request):
    """Active customers past their tier's revisit days with no follow-up planned, longest first."""
    return selectors.customers_overdue_by_rule(user=request.user, day=timezone.localdate())


@router.get("/activities/{activity_id}", response={200: ActivityOut, 403: ErrorOut, 404: ErrorOut})
def get_activity(request, activity_id: int):
    return selectors.activity_get(user=request.user, activity_id=activity_id)


@router.patch("/activities/{activity_id}", response={200: ActivityOut, **ERRORS})
def update_activity(request, activity_id: int, payload: ActivityPatch):
    """Change a planned follow-up (kind, subject, due date, salesperson)."""
    services.activity_update(
        by=request.user, activity_id=activity_id, data=payload.model_dump(exclude_unset=True)
    )
    return selectors.activity_get(user=request.user, activity_id=activity_id)


@router.post("/activities/{activity_id}/log", response={200: ActivityLoggedOut, **ERRORS})
def log_activity(request, activity_id: int, payload: ActivityLogIn):
    """Log a planned follow-up with its result; answers the next follow-up it scheduled (or the
    one already planned)."""
    activity = services.activity_log(by=request.user, activity_id=activity_id, **payload.model_dump())
    return activity


@router.post("/activities/{activity_id}/cancel", response={200: ActivityOut, **ERRORS})
def cancel_activity(request, activity_id: int, payload: ActivityCancelIn):
    services.activity_cancel(by=request.user, activity_id=activity_id, reason=payload.reason)
    return selectors.activity_get(user=request.user, activity_id=activity_id)


# --- phone log -------------------------------------------------------------------------------


@router.get(
    "/phone-calls",
    response={200: list[PhoneCallOut], 400: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    tags=["phone log"],
)
@paginate
def list_phone_calls(request, filters: Query[PhoneCallFilterIn]):
    """The phone log (电话接听记录) in the caller's scope, newest first."""
    return selectors.phone_call_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.post("/phone-calls", response={201: PhoneCallOut, **ERRORS}, tags=["phone log"])
def create_phone_call(request, payload: PhoneCallIn):
    """Log an incoming call (the clerk: crm.add_phonecall). Without customer_id the number is
    matched to a visible customer's or contact's phone."""
    data = payload.model_dump(exclude_unset=True)
    call = services.phone_call_create(by=request.user, data=data)
    return Status(201, selectors.phone_call_get(user=request.user, call_id=call.pk))


@router.get(
    "/phone-calls/{call_id}", response={200: PhoneCallOut, 403: ErrorOut, 404: ErrorOut}, tags=["phone log"]
)
def get_phone_call(request, call_id: int):
    return selectors.phone_call_get(user=request.user, call_id=call_id)


@router.patch("/phone-calls/{call_id}", response={200: PhoneCallOut, **ERRORS}, tags=["phone log"])
def update_phone_call(request, call_id: int, payload: PhoneCallPatch):
    services.phone_call_update(by=request.user, call_id=call_id, data=payload.model_dump(exclude_unset=True))
    return selectors.phone_call_get(user=request.user, call_id=call_id)


# --- reminders (X7) --------------------------------------------------------------------------


@router.get("/reminders", response=RemindersOut, tags=["reminders"])
def list_reminders(request):
    """The dashboard's reminders: each list the caller may see with its count and first 10 rows."""
    day = timezone.localdate()
    found = reminder_selectors.reminders(user=request.user, day=day, first=10)
    out = {"day": day}
    for kind, value in found.items():
        out[kind] = {**value, "items": [reminder_item(x) for x in value["items"]]}
    return out


@router.get("/reminders/{kind}", response={200: list[ReminderItemOut], 404: ErrorOut}, tags=["reminders"])
@paginate
def list_reminder(request, kind: str):
    """One reminder list in full: follow_ups_due, follow_ups_overdue, complaints_past_deadline or
    documents_expiring (within 30 days, expired ones first)."""
    if kind not in reminder_selectors.KINDS:
        raise Http404
    if not request.user.has_perm(reminder_selectors.PERMISSIONS[kind]):
        raise Http404
    rows = reminder_selectors.reminder_list(user=request.user, kind=kind, day=timezone.localdate())
    return _ReminderRows(rows)


class _ReminderRows:
    """A queryset seen through reminder_item, sliced lazily by the paginator."""

    def __init__(self, queryset):
        self.queryset = queryset

    def __getitem__(self, key):
        return [reminder_item(x) for x in self.queryset[key]]

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()
