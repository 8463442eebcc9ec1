"""API of payments 回款 (F3): /api/v1/payments.

POST records a payment and allocates it (oldest due first by default, by hand, or not at all);
the same customer and reference twice answers 409 duplicate_payment naming the payment, and a
retry with the same Idempotency-Key header answers the first response again (nothing is recorded
twice). POST /{id}/allocate applies what is left of a payment (the customer's credit)."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from salesdept.core.pagination import paginate
from salesdept.core.schemas import ErrorOut, Money, StrictIn

from ..selectors import payments as selectors
from ..services import payments as services

router = Router(tags=["payments"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
SortKey = Literal[
    "number", "-number", "customer", "-customer", "received_on", "-received_on", "amount", "-amount",
    "allocated_amount", "-allocated_amount",
]  # fmt: skip
MethodName = Literal["bank", "cash", "acceptance", "other"]


class PaymentFilterIn(Schema):
    q: str | None = Field(None, max_length=100, description="Payment number, reference, customer")
    customer: int | None = Field(None, ge=1)
    method: MethodName | None = None
    unallocated: bool | None = Field(None, description="Only payments with credit left to allocate")
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: SortKey | None = Field(None, description="Default -received_on")


class AllocationOut(Schema):
    id: int
    invoice_id: int
    invoice_number: str
    amount: Decimal
    allocated_on: dt.date

    @staticmethod
    def resolve_invoice_number(obj) -> str:
        return obj.invoice.number


class PaymentRowOut(Schema):
    id: int
    number: str
    customer_id: int
    customer_name: str
    received_on: dt.date
    amount: Decimal
    allocated_amount: Decimal
    unallocated: Decimal
    method: str
    reference: str

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name


class PaymentOut(PaymentRowOut):
    notes: str
    recorded_by_id: int
    created_at: dt.datetime
    allocations: list[AllocationOut]

    @staticmethod
    def resolve_allocations(obj):
        return selectors.payment_allocations(obj)


class AllocationIn(StrictIn):
    invoice_id: int = Field(..., ge=1)
    amount: Money = Field(..., gt=0)


class PaymentIn(StrictIn):
    customer: int = Field(..., ge=1)
    received_on: dt.date
    amount: Money = Field(..., gt=0)
    method: MethodName = "bank"
    reference: str = Field("", max_length=100, description="Bank reference; unique per customer")
    notes: str = Field("", max_length=5000)
    allocation: Literal["oldest", "manual", "none"] = "oldest"
    allocations: list[AllocationIn] = Field([], max_length=500, description="With allocation=manual")


class AllocateIn(StrictIn):
    allocation: Literal["oldest", "manual"] = "oldest"
    allocations: list[AllocationIn] = Field([], max_length=500, description="With allocation=manual")


def _rows(items: list[AllocationIn]) -> list[dict]:
    return [{"invoice_id": a.invoice_id, "amount": a.amount} for a in items]


@router.get("", response={200: list[PaymentRowOut], **ERRORS})
@paginate
def list_payments(request, filters: Query[PaymentFilterIn]):
    """Payments of the customers the user may see."""
    return selectors.payment_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.post("", response={201: PaymentOut, **ERRORS})
def record_payment(request, payload: PaymentIn):
    """Record a payment and allocate it; 409 duplicate_payment for a reference already recorded."""
    payment = services.payment_record(
        by=request.user,
        data={**payload.model_dump(exclude={"allocations"}), "allocations": _rows(payload.allocations)},
    )
    return Status(201, selectors.payment_get(user=request.user, payment_id=payment.pk))


@router.get("/{payment_id}", response={200: PaymentOut, **ERRORS})
def get_payment(request, payment_id: int):
    return selectors.payment_get(user=request.user, payment_id=payment_id)


@router.post("/{payment_id}/allocate", response={200: PaymentOut, **ERRORS})
def allocate_payment(request, payment_id: int, payload: AllocateIn | None = None):
    """Allocate what is left of the payment: oldest due first, or by hand."""
    payload = payload or AllocateIn()
    allocations = _rows(payload.allocations) if payload.allocation == "manual" else "oldest"
    services.payment_allocate(by=request.user, payment_id=payment_id, allocations=allocations)
    return selectors.payment_get(user=request.user, payment_id=payment_id)
