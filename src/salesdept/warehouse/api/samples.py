"""API of samples (W5): /api/v1/sample-loans (scoped: a salesperson sees the samples they hold)
and /api/v1/received-samples (样品的登记、查收、核实). Reads through selectors.samples, writes
through services.samples (403 without the permission or for verifying one's own registration,
409 for a move the state does not allow, 400 naming the field)."""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from salesdept.core.pagination import paginate
from salesdept.core.permissions import require
from salesdept.core.schemas import ErrorOut, Quantity, StrictIn

from ..selectors import samples as selectors
from ..services import samples as services

router = Router(tags=["samples"])

LoanSort = Literal[
    "issued_on", "-issued_on", "due_back", "-due_back", "product", "-product", "holder", "-holder",
    "status", "-status",
]  # fmt: skip
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class LoanFilterIn(Schema):
    q: str | None = Field(None, max_length=100, description="Product, customer, holder or issue number")
    status: Literal["out", "closed", "overdue"] | None = None
    holder: int | None = Field(None, ge=1)
    sort: LoanSort | None = None


class LoanOut(Schema):
    id: int
    product_id: int
    product_code: str
    product_name: str
    holder_id: int | None
    holder: str | None
    customer_id: int | None
    customer_name: str | None
    issue_document_id: int
    issue_number: str
    quantity: Quantity
    returned: Quantity
    consumed: Quantity
    outstanding: Quantity
    issued_on: dt.date
    due_back: dt.date | None
    overdue: bool
    status: str
    notes: str

    @staticmethod
    def resolve_product_code(obj) -> str:
        return obj.product.code

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name

    @staticmethod
    def resolve_holder(obj) -> str | None:
        return str(obj.holder) if obj.holder_id else None

    @staticmethod
    def resolve_customer_name(obj) -> str | None:
        return obj.customer.name if obj.customer_id else None

    @staticmethod
    def resolve_issue_document_id(obj) -> int:
        return obj.issue_line.document_id

    @staticmethod
    def resolve_issue_number(obj) -> str:
        return obj.issue_line.document.number

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return bool(getattr(obj, "overdue", selectors.is_overdue(obj)))


class ConsumeIn(StrictIn):
    quantity: Quantity
    note: str = Field("", max_length=300)


class ReceivedFilterIn(Schema):
    q: str | None = Field(None, max_length=100, description="Sender, description or customer")
    status: Literal["registered", "checked", "verified", "returned", "disposed"] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: Literal["received_on", "-received_on", "sender", "-sender", "status", "-status"] | None = None


class ReceivedOut(Schema):
    id: int
    received_on: dt.date
    sender: str
    customer_id: int | None
    product_id: int | None
    description: str
    quantity: Quantity
    location_id: int | None
    status: str
    registered_by_id: int
    checked_by_id: int | None
    checked_at: dt.datetime | None
    verified_by_id: int | None
    verified_at: dt.datetime | None
    notes: str
    actions: list[str]

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        return services.received_allowed_actions(obj, context["request"].user)


class ReceivedIn(StrictIn):
    received_on: dt.date | None = Field(None, description="Default today; never in the future")
    sender: str = Field(..., max_length=200)
    customer: int | None = Field(None, ge=1)
    product: int | None = Field(None, ge=1)
    description: str = Field(..., max_length=300)
    quantity: Quantity
    location: int | None = Field(None, ge=1, description="Where it is kept")
    notes: str = Field("", max_length=5000)


class ReceivedPatch(StrictIn):
    received_on: dt.date = None
    sender: str = Field(None, max_length=200)
    customer: int | None = Field(None, ge=1)
    product: int | None = Field(None, ge=1)
    description: str = Field(None, max_length=300)
    quantity: Quantity = None
    location: int | None = Field(None, ge=1)
    notes: str = Field(None, max_length=5000)


class NoteIn(StrictIn):
    note: str = Field("", max_length=1000)


@router.get("/sample-loans", response={200: list[LoanOut], **ERRORS})
@paginate
def list_loans(request, filters: Query[LoanFilterIn]):
    """Samples and materials out, in your scope, newest first; ?status=overdue for the late ones."""
    require(request.user, "warehouse.view_sampleloan")
    return selectors.loan_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.get("/sample-loans/{loan_id}", response={200: LoanOut, **ERRORS})
def get_loan(request, loan_id: int):
    return selectors.loan_get(user=request.user, loan_id=loan_id)


@router.post("/sample-loans/{loan_id}/consume", response={200: LoanOut, **ERRORS})
def consume_loan(request, loan_id: int, payload: ConsumeIn):
    """Record part of a loan as given away or used up; the loan closes when nothing is out."""
    services.loan_consume(by=request.user, loan_id=loan_id, quantity=payload.quantity, note=payload.note)
    return selectors.loan_get(user=request.user, loan_id=loan_id)


@router.get("/received-samples", response={200: list[ReceivedOut], **ERRORS})
@paginate
def list_received(request, filters: Query[ReceivedFilterIn]):
    """Samples received from customers and suppliers, newest first."""
    require(request.user, "warehouse.view_receivedsample")
    return selectors.received_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.get("/received-samples/{sample_id}", response={200: ReceivedOut, **ERRORS})
def get_received(request, sample_id: int):
    return selectors.received_get(user=request.user, sample_id=sample_id)


@router.post("/received-samples", response={201: ReceivedOut, **ERRORS})
def register_received(request, payload: ReceivedIn):
    """Register a sample on arrival (登记)."""
    sample = services.received_register(by=request.user, data=payload.model_dump(exclude_none=True))
    return Status(201, selectors.received_get(user=request.user, sample_id=sample.pk))


@router.patch("/received-samples/{sample_id}", response={200: ReceivedOut, **ERRORS})
def update_received(request, sample_id: int, payload: ReceivedPatch):
    """Correct a registration before it is checked (fields left out stay)."""
    services.received_update(
        by=request.user, sample_id=sample_id, data=payload.model_dump(exclude_unset=True)
    )
    return selectors.received_get(user=request.user, sample_id=sample_id)


RECEIVED_ACTIONS = {
    "check": services.received_check,
    "verify": services.received_verify,
    "return": services.received_return,
    "dispose": services.received_dispose,
}


@router.post("/received-samples/{sample_id}/{action}", response={200: ReceivedOut, **ERRORS})
def received_action(
    request,
    sample_id: int,
    action: Literal["check", "verify", "return", "dispose"],
    payload: NoteIn | None = None,
):
    """check (查收), verify (核实, not by the registrar), return to the sender or dispose (a note)."""
    RECEIVED_ACTIONS[action](by=request.user, sample_id=sample_id, note=(payload or NoteIn()).note)
    return selectors.received_get(user=request.user, sample_id=sample_id)
