"""API of leads and opportunities (C2), mounted at /api/v1/leads: leads (list, get, create,
patch, move, win), the visitor reception log (/visits) and conversion rates (/conversion).

Reads go through selectors.leads (scope rule X1: a lead outside the caller's scope answers 404);
writes through services.leads, which check permissions and validate (400 naming the field)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status

from salesdept.core.errors import ValidationFailed
from salesdept.core.pagination import paginate
from salesdept.core.schemas import ErrorOut, Money, StrictIn

from ..models import Source
from ..selectors import leads as selectors
from ..services import leads as services

router = Router(tags=["leads"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
SourceCode = Literal[tuple(Source.values)]  # type: ignore[valid-type]
WIN_OWN_FIELDS = {"note", "customer_id", "version"}


# --- schemas -----------------------------------------------------------------------------------


class StageChangeOut(Schema):
    from_stage: str | None = Field(None, alias="from_stage.code")
    to_stage: str = Field(..., alias="to_stage.code")
    note: str
    by_id: int
    by_name: str
    at: datetime

    @staticmethod
    def resolve_by_name(obj) -> str:
        return str(obj.by)


class LeadOut(Schema):
    id: int
    code: str
    name: str
    contact_name: str
    phone: str
    email: str
    source: str
    stage: str = Field(..., alias="stage.code")
    stage_name: str
    outcome: str = Field(..., alias="stage.outcome")
    expected_amount: Decimal | None
    expected_on: date | None
    region_id: int
    owner_id: int
    owner_name: str
    customer_id: int | None
    lost_reason: str
    notes: str
    version: int
    created_at: datetime
    stage_changed_at: datetime | None
    closed_at: datetime | None

    @staticmethod
    def resolve_stage_name(obj) -> str:
        return str(obj.stage)

    @staticmethod
    def resolve_owner_name(obj) -> str:
        return str(obj.owner)


class LeadDetailOut(LeadOut):
    history: list[StageChangeOut]


class LeadFilterIn(Schema):
    q: str | None = Field(None, max_length=100)
    stage: str | None = Field(None, max_length=20)
    source: str | None = Field(None, max_length=20)
    owner: int | None = None
    region: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    status: Literal["open", "won", "lost"] | None = None
    sort: str | None = Field(None, max_length=20)


class LeadIn(StrictIn):
    name: str = Field(..., min_length=1, max_length=200)
    contact_name: str = Field("", max_length=100)
    phone: str = Field("", max_length=50)
    email: str = Field("", max_length=254)
    source: SourceCode = "other"
    stage: str | None = Field(None, max_length=20, description="An open stage; default the first (new)")
    expected_amount: Money | None = None
    expected_on: date | None = None
    region_id: int | None = Field(None, description="Default: the salesperson's region")
    owner_id: int | None = Field(None, description="Default: me")
    notes: str = Field("", max_length=5000)


class LeadPatch(StrictIn):
    # A field left out stays unchanged; `version` is the one loaded (a stale one answers 409).
    version: int
    name: str = Field(None, min_length=1, max_length=200)
    contact_name: str = Field(None, max_length=100)
    phone: str = Field(None, max_length=50)
    email: str = Field(None, max_length=254)
    source: SourceCode = None
    expected_amount: Money | None = None
    expected_on: date | None = None
    region_id: int = None
    owner_id: int = None
    notes: str = Field(None, max_length=5000)


class LeadMoveIn(StrictIn):
    stage: str = Field(..., min_length=1, max_length=20)
    note: str = Field("", max_length=300)
    lost_reason: str = Field("", max_length=300, description="Required when moving to a lost stage")
    version: int | None = None


class WinCustomerIn(StrictIn):
    """The new customer's data; anything left out comes from the lead."""

    name: str | None = Field(None, max_length=200)
    kind: Literal["company", "person"] | None = None
    phone: str | None = Field(None, max_length=50)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=300)
    industry: str | None = Field(None, max_length=100)
    tax_id: str | None = Field(None, max_length=30)
    tier_id: int | None = None
    region_id: int | None = None


class LeadWinIn(StrictIn):
    customer_id: int | None = Field(None, description="Link this existing customer")
    customer: WinCustomerIn | None = Field(None, description="Or create a customer (default: from the lead)")
    allow_duplicate: bool = Field(
        False, description="Create the customer although it looks like an existing one"
    )
    note: str = Field("", max_length=300)
    version: int | None = None


class VisitOut(Schema):
    id: int
    visited_at: datetime
    visitor_name: str
    company: str
    phone: str
    people: int
    purpose: str
    notes: str
    received_by_id: int
    received_by_name: str
    customer_id: int | None
    lead_id: int | None
    lead_code: str | None = Field(None, alias="lead.code")

    @staticmethod
    def resolve_received_by_name(obj) -> str:
        return str(obj.received_by)


class VisitFilterIn(Schema):
    q: str | None = Field(None, max_length=100)
    received_by: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    has_lead: bool | None = None
    sort: str | None = Field(None, max_length=20)


class VisitIn(StrictIn):
    visitor_name: str = Field(..., min_length=1, max_length=100)
    purpose: str = Field(..., min_length=1, max_length=300)
    visited_at: datetime | None = Field(None, description="Default: now")
    company: str = Field("", max_length=200)
    phone: str = Field("", max_length=50)
    people: int = Field(1, ge=1, le=10_000)
    notes: str = Field("", max_length=5000)
    received_by_id: int | None = Field(None, description="Default: me")
    customer_id: int | None = None
    create_lead: bool = Field(False, description="Also create a lead (source: walk-in visit) from this visit")
    lead_region_id: int | None = Field(None, description="The new lead's region; default the receiver's")


class ConversionRowOut(Schema):
    key: str | None
    label: str
    period: date | None = None
    period_label: str
    created: int
    won: int
    lost: int
    open: int
    rate: Decimal = Field(..., description="won / created in percent, 0.1 precision; 0 when created = 0")

    @staticmethod
    def resolve_key(obj) -> str | None:
        return None if obj.key is None else str(obj.key)


class ConversionOut(Schema):
    group_by: str
    period: str
    start: date
    end: date
    rows: list[ConversionRowOut]
    groups: list[ConversionRowOut]
    totals: ConversionRowOut


# --- leads -------------------------------------------------------------------------------------


def _lead_detail(request, lead_id: int):
    lead = selectors.lead_get(user=request.user, lead_id=lead_id)
    lead.history = selectors.lead_history(user=request.user, lead_id=lead_id)
    return lead


@router.get("/", response=list[LeadOut])
@paginate
def list_leads(request, filters: Query[LeadFilterIn]):
    """Leads I may see (X1), filtered like the lead list page; newest first unless `sort`."""
    return selectors.lead_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.post("/", response={201: LeadDetailOut, **ERRORS})
def create_lead(request, payload: LeadIn):
    """Create a lead (number LD-YYYY-NNNNNN) in an open stage; its history starts there."""
    data = payload.model_dump(exclude_none=True)
    lead = services.lead_create(by=request.user, data=data)
    return Status(201, _lead_detail(request, lead.pk))


# --- visitor reception (before /{lead_id} so the paths read in order) --------------------------


@router.get("/visits", response=list[VisitOut])
@paginate
def list_visits(request, filters: Query[VisitFilterIn]):
    """The visitor reception log (来访接待) I may see, newest first."""
    return selectors.visit_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.post("/visits", response={201: VisitOut, **ERRORS})
def create_visit(request, payload: VisitIn):
    """Record a visitor; with `create_lead` also create and link a lead."""
    data = payload.model_dump(exclude_none=True, exclude={"create_lead"})
    visit = services.visit_create(by=request.user, data=data, create_lead=payload.create_lead)
    return Status(201, selectors.visit_get(user=request.user, visit_id=visit.pk))


@router.get("/visits/{visit_id}", response={200: VisitOut, **ERRORS})
def get_visit(request, visit_id: int):
    return selectors.visit_get(user=request.user, visit_id=visit_id)


# --- conversion rate ---------------------------------------------------------------------------


@router.get("/conversion", response={200: ConversionOut, **ERRORS})
def get_conversion(
    request,
    group_by: str = Query("owner", max_length=20, description="owner | team | source"),
    period: str = Query("month", max_length=20, description="month | quarter | year"),
    start: date | None = Query(None, description="First creation day (default: 1 January this year)"),
    end: date | None = Query(None, description="Last creation day (default: today)"),
):
    """成交率: per group and period, the leads created, won, lost and still open, the rate, and
    totals; computed from the stage history over the leads I may see."""
    today = timezone.localdate()
    return selectors.conversion_rates(
        user=request.user,
        group_by=group_by,
        period=period,
        start=start or today.replace(month=1, day=1),
        end=end or today,
    )


# --- one lead ----------------------------------------------------------------------------------


@router.get("/{lead_id}", response={200: LeadDetailOut, **ERRORS})
def get_lead(request, lead_id: int):
    """One lead with its stage history (oldest first)."""
    return _lead_detail(request, lead_id)


@router.patch("/{lead_id}", response={200: LeadDetailOut, **ERRORS})
def update_lead(request, lead_id: int, payload: LeadPatch):
    """Change the fields given (not the stage: see /move)."""
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    services.lead_update(by=request.user, lead_id=lead_id, data=data, version=payload.version)
    return _lead_detail(request, lead_id)


@router.post("/{lead_id}/move", response={200: LeadDetailOut, **ERRORS})
def move_lead(request, lead_id: int, payload: LeadMoveIn):
    """Move to another open or lost stage (lost needs `lost_reason`; reopening needs `note`)."""
    services.lead_move(
        by=request.user,
        lead_id=lead_id,
        stage_code=payload.stage,
        note=payload.note,
        lost_reason=payload.lost_reason,
        version=payload.version,
    )
    return _lead_detail(request, lead_id)


@router.post("/{lead_id}/win", response={200: LeadDetailOut, **ERRORS})
def win_lead(request, lead_id: int, payload: LeadWinIn):
    """Win the lead: link `customer_id` or create a customer from the lead (fields in `customer`
    override it). A likely duplicate answers 409 `duplicate_customer` with the matches in
    `extra.duplicates`; send `allow_duplicate` or link one of them."""
    if payload.customer_id is not None and payload.customer is not None:
        raise ValidationFailed({"customer_id": _("Link a customer or create one, not both.")})
    customer_data = payload.customer.model_dump(exclude_none=True) if payload.customer else None
    try:
        services.lead_win(
            by=request.user,
            lead_id=lead_id,
            customer_id=payload.customer_id,
            customer_data=customer_data,
            allow_duplicate=payload.allow_duplicate,
            note=payload.note,
            version=payload.version,
        )
    except ValidationFailed as exc:
        # the new customer's fields are named as the client sent them: customer.<field>
        exc.fields = {(k if k in WIN_OWN_FIELDS else f"customer.{k}"): v for k, v in exc.fields.items()}
        raise
    return _lead_detail(request, lead_id)
