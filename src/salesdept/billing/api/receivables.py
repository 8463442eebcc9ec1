"""API of receivables (F3): /api/v1/receivables — aging 帐龄分析, monthly collections 月回款,
collection tasks 催款 and the credit-limit override of a draft order. Every figure is over the
rows the user may see (X1); the same selectors feed the pages and their exports."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from salesdept.core.pagination import paginate
from salesdept.core.schemas import ErrorOut, StrictIn

from ..selectors import payments as payment_selectors
from ..selectors import receivables as selectors
from ..services import collections as services

router = Router(tags=["receivables"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class AgingRowOut(Schema):
    key: int | None = Field(..., description="Customer, salesperson or region id; null on the totals row")
    label: str
    current: Decimal
    d1_30: Decimal
    d31_60: Decimal
    d61_90: Decimal
    d90_plus: Decimal
    total: Decimal
    invoices: int


class AgingOut(Schema):
    by: str
    as_of: dt.date
    rows: list[AgingRowOut]
    totals: AgingRowOut


class AgingIn(Schema):
    by: Literal["customer", "salesperson", "region"] = "customer"
    as_of: dt.date | None = Field(None, description="Default today")


def _row(r) -> dict:
    return {"key": r.key, "label": r.label, **r.buckets, "total": r.total, "invoices": r.invoices}


@router.get("/aging", response={200: AgingOut, **ERRORS})
def get_aging(request, params: Query[AgingIn]):
    """帐龄分析: outstanding by days past due (current, 1–30, 31–60, 61–90, over 90)."""
    report = selectors.aging(
        user=request.user, dimension=params.by, as_of=params.as_of or timezone.localdate()
    )
    return {
        "by": report.dimension,
        "as_of": report.as_of,
        "rows": [_row(r) for r in report.rows],
        "totals": _row(report.totals),
    }


class CollectionsRowOut(Schema):
    key: int | None
    label: str
    months: list[Decimal] = Field(..., description="January … December")
    total: Decimal


class CollectionsOut(Schema):
    year: int
    by: str
    rows: list[CollectionsRowOut]
    totals: CollectionsRowOut


class CollectionsIn(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="Default this year")
    by: Literal["region", "salesperson"] = "region"


@router.get("/collections", response={200: CollectionsOut, **ERRORS})
def get_collections(request, params: Query[CollectionsIn]):
    """月回款: payments received per month, per region or salesperson."""
    report = selectors.collections_by_month(
        user=request.user, year=params.year or timezone.localdate().year, dimension=params.by
    )
    return {
        "year": report.year,
        "by": report.dimension,
        "rows": report.rows,
        "totals": {"key": None, **report.totals},
    }


class TaskOut(Schema):
    id: int
    invoice_id: int
    invoice_number: str
    customer_id: int
    customer_name: str
    assigned_to_id: int
    escalated_to_id: int | None
    status: str
    due_on: dt.date
    created_on: dt.date
    escalated_on: dt.date | None
    notes: str

    @staticmethod
    def resolve_invoice_number(obj) -> str:
        return obj.invoice.number

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name


class TaskFilterIn(Schema):
    q: str | None = Field(None, max_length=100)
    status: Literal["open", "escalated", "done"] | None = None
    mine: bool | None = Field(None, description="Only tasks assigned or escalated to me")
    sort: (
        Literal[
            "due_on", "-due_on", "created_on", "-created_on", "customer", "-customer", "status", "-status"
        ]
        | None
    ) = None


class NoteIn(StrictIn):
    note: str = Field("", max_length=2000)


@router.get("/tasks", response={200: list[TaskOut], **ERRORS})
@paginate
def list_collection_tasks(request, filters: Query[TaskFilterIn]):
    """Collection tasks in the user's scope."""
    data = filters.model_dump(exclude_none=True)
    if data.get("mine"):
        data["mine"] = "1"
    else:
        data.pop("mine", None)
    return payment_selectors.collection_task_list(user=request.user, filters=data)


@router.post("/tasks/{task_id}/done", response={200: TaskOut, **ERRORS})
def complete_collection_task(request, task_id: int, payload: NoteIn | None = None):
    """Mark a collection task done, with a note of what was agreed."""
    task = services.collection_task_done(
        by=request.user, task_id=task_id, note=payload.note if payload else ""
    )
    return payment_selectors.collection_task_list(user=request.user).get(pk=task.pk)


class OverrideIn(StrictIn):
    note: str = Field(..., min_length=1, max_length=1900)


class OverrideOut(Schema):
    order_id: int
    number: str
    total_amount: Decimal


@router.post("/credit-overrides/{order_id}", response={200: OverrideOut, **ERRORS})
def approve_credit_override(request, order_id: int, payload: OverrideIn):
    """Let a draft order be confirmed beyond the customer's credit limit (finance, director)."""
    order = services.credit_override_approve(by=request.user, order_id=order_id, note=payload.note)
    return {"order_id": order.pk, "number": order.number, "total_amount": order.total_amount}
