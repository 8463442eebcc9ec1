"""API of the contract fulfillment overview 合同履行一览表 (S5), mounted at /api/v1/fulfillment:
the list (GET /), the fulfillment statistics (/statistics), one contract's overview (/{id}) and
its customer statement PDF (/{id}/statement.pdf).

Reads go through selectors.fulfillment (scope rule X1: a contract outside the caller's scope
answers 404). Amounts and quantities are Decimal (JSON strings), never floats."""

from datetime import date
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from salesdept.core.pagination import paginate
from salesdept.core.schemas import ErrorOut

from ..selectors import fulfillment as selectors

router = Router(tags=["fulfillment"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- schemas -----------------------------------------------------------------------------------


class FulfillmentRowOut(Schema):
    id: int
    number: str
    registration_number: str
    title: str
    status: str
    customer_id: int
    customer_name: str = Field(..., alias="customer.name")
    region_id: int = Field(..., alias="customer.region_id")
    owner_id: int
    owner_name: str
    signed_on: date | None
    total_amount: Decimal
    ordered_amount: Decimal
    shipped_amount: Decimal
    invoiced_amount: Decimal
    paid_amount: Decimal
    outstanding_amount: Decimal
    state: str = Field(..., alias="fulfillment_state", description="in_progress | overdue | fulfilled")

    @staticmethod
    def resolve_owner_name(obj) -> str:
        return str(obj.owner)


class FulfillmentFilterIn(Schema):
    q: str | None = Field(None, max_length=100)
    state: Literal["in_progress", "overdue", "fulfilled"] | None = None
    customer: int | None = None
    owner: int | None = None
    region: int | None = None
    signed_from: date | None = None
    signed_to: date | None = None
    sort: str | None = Field(None, max_length=20, description=" | ".join(selectors.SORTS))


class LineOut(Schema):
    id: int
    position: int
    product_id: int
    product_code: str = Field(..., alias="product.code")
    product_name: str = Field(..., alias="product.name")
    description: str
    unit: str = Field(..., alias="product.uom")
    unit_price: Decimal
    contracted_qty: Decimal = Field(..., alias="quantity")
    contracted_amount: Decimal = Field(..., alias="amount")
    ordered_qty: Decimal
    ordered_amount: Decimal
    shipped_qty: Decimal
    shipped_amount: Decimal
    invoiced_qty: Decimal
    invoiced_amount: Decimal
    due_qty: Decimal = Field(..., description="Quantity of its deliveries planned before today")
    late: bool


class MilestoneOut(Schema):
    id: int
    position: int
    label: str
    percent: Decimal
    trigger: str
    due_on: date | None
    amount: Decimal
    paid: Decimal
    outstanding: Decimal
    state: str = Field(..., description="paid | overdue | due | not_yet_due")


class DeliveryOut(Schema):
    id: int
    line_id: int
    planned_on: date
    quantity: Decimal


class TotalsOut(Schema):
    contracted_amount: Decimal
    ordered_amount: Decimal
    shipped_amount: Decimal
    invoiced_amount: Decimal
    paid_amount: Decimal
    outstanding_amount: Decimal


class OverviewOut(Schema):
    id: int
    number: str
    registration_number: str
    title: str
    status: str
    customer_id: int
    customer_name: str
    owner_id: int
    owner_name: str
    signed_on: date | None
    state: str = Field(..., description="in_progress | overdue | fulfilled | not_in_force")
    today: date
    totals: TotalsOut
    lines: list[LineOut]
    milestones: list[MilestoneOut]
    deliveries: list[DeliveryOut]


class StatisticsRowOut(Schema):
    key: str | None
    label: str
    period: date | None
    period_label: str
    signed: int
    amount: Decimal
    fulfilled: int
    fulfilled_amount: Decimal
    rate: Decimal = Field(..., description="fulfilled / signed contracts in percent, 0.1 precision")
    amount_rate: Decimal = Field(..., description="fulfilled / signed amount in percent, 0.1 precision")
    overdue: int
    overdue_amount: Decimal

    @staticmethod
    def resolve_key(obj) -> str | None:
        return None if obj.key is None else str(obj.key)


class StatisticsOut(Schema):
    period: str
    dimension: str
    year: int
    rows: list[StatisticsRowOut]
    totals: StatisticsRowOut


def overview_body(o: selectors.Overview) -> dict:
    c = o.contract
    return {
        "id": c.pk,
        "number": c.number,
        "registration_number": c.registration_number,
        "title": c.title,
        "status": c.status,
        "customer_id": c.customer_id,
        "customer_name": c.customer.name,
        "owner_id": c.owner_id,
        "owner_name": str(c.owner),
        "signed_on": c.signed_on,
        "state": o.state,
        "today": o.today,
        "totals": {
            "contracted_amount": o.totals.contracted_amount,
            "ordered_amount": o.totals.ordered_amount,
            "shipped_amount": o.totals.shipped_amount,
            "invoiced_amount": o.totals.invoiced_amount,
            "paid_amount": o.totals.paid_amount,
            "outstanding_amount": o.totals.outstanding_amount,
        },
        "lines": o.lines,
        "milestones": o.milestones,
        "deliveries": o.deliveries,
    }


# --- endpoints ---------------------------------------------------------------------------------


@router.get("/", response=list[FulfillmentRowOut])
@paginate
def list_fulfillment(request, filters: Query[FulfillmentFilterIn]):
    """合同履行一览表: signed and archived contracts I may see with their ordered, shipped,
    invoiced, paid and outstanding amounts and state; filtered like the page; newest signing first
    unless `sort`."""
    return selectors.fulfillment_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.get("/statistics", response={200: StatisticsOut, **ERRORS})
def get_statistics(
    request,
    period: Literal["month", "quarter", "year"] = "month",
    year: int | None = Query(None, ge=1900, le=2999, description="Signing year (default: this year)"),
    dimension: Literal["region", "salesperson"] = "region",
):
    """Fulfillment statistics per signing period and region (the customer's) or salesperson:
    contracts signed, amount, fulfilled (count, amount), fulfillment rate, overdue (count,
    amount), with totals; over the contracts I may see."""
    return selectors.fulfillment_statistics(
        user=request.user, period=period, year=year or timezone.localdate().year, dimension=dimension
    )


@router.get("/{contract_id}", response={200: OverviewOut, **ERRORS})
def get_overview(request, contract_id: int):
    """One contract: each line with contracted, ordered, shipped and invoiced quantities and
    amounts; each payment milestone with paid, outstanding and state; the contract's state."""
    return overview_body(selectors.contract_overview(user=request.user, contract_id=contract_id))


@router.get("/{contract_id}/statement.pdf", response={200: None, **ERRORS})
def get_statement(request, contract_id: int, lang: Literal["en", "zh-hans"] | None = None):
    """The customer statement 合同履行情况确认函 as PDF (in the contract's print language unless
    `lang`)."""
    from ..views.fulfillment import statement_pdf_response

    return statement_pdf_response(request, contract_id, language=lang)
