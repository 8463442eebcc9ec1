"""API of returns 退货单 (F5), mounted at /api/v1/returns:

    GET   /returns                       list (q, status, customer, shipment, sort; paged)
    POST  /returns                       a draft return of a shipped shipment (201):
                                         {shipment, reason, lines: [{shipment_line, quantity}]}
    GET   /returns/returnable?shipment=  per shipment line: shipped, returned, returnable
    GET   /returns/{id}                  detail: lines, history, allowed actions
    POST  /returns/{id}/submit|approve|reject|cancel   the two-person review (reject: note)

The approval receives the goods back into stock (pending inspection) and moves the returned
quantities; the credit note is made from the approved return in billing."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from salesdept.core.events import history
from salesdept.core.pagination import paginate
from salesdept.core.schemas import ErrorOut, StrictIn

from ..selectors import returns as selectors
from ..services import returns as services

router = Router(tags=["returns"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
StatusName = Literal["draft", "submitted", "received", "cancelled"]


class ReturnFilterIn(Schema):
    q: str | None = Field(None, max_length=100)
    status: StatusName | None = None
    customer: int | None = Field(None, ge=1)
    shipment: int | None = Field(None, ge=1)
    sort: str | None = Field(None, max_length=20)


class ReturnLineIn(StrictIn):
    shipment_line: int | str | None = None
    quantity: Decimal | str | None = None


class ReturnIn(StrictIn):
    shipment: int = Field(..., ge=1)
    reason: str = Field("", max_length=5000)
    lines: list[ReturnLineIn] = Field(..., max_length=500)


class NoteIn(StrictIn):
    note: str = Field("", max_length=2000)


class ReturnRowOut(Schema):
    id: int
    number: str
    status: str
    shipment_id: int
    shipment_number: str = Field(..., alias="shipment.number")
    order_id: int
    order_number: str = Field(..., alias="order.number")
    customer_id: int
    customer_name: str = Field(..., alias="customer.name")
    amount: Decimal
    received_on: dt.date | None
    created_at: dt.datetime


class ReturnLineOut(Schema):
    id: int
    position: int
    shipment_line_id: int
    product_id: int = Field(..., alias="shipment_line.product_id")
    product_name: str = Field(..., alias="shipment_line.product.name")
    quantity: Decimal
    amount: Decimal


class EventOut(Schema):
    action: str
    actor_id: int
    at: dt.datetime
    from_status: str
    to_status: str
    note: str


class ReturnOut(ReturnRowOut):
    reason: str
    stock_document_id: int | None
    prepared_by_id: int
    version: int
    lines: list[ReturnLineOut]
    history: list[EventOut]
    actions: list[str]

    @staticmethod
    def resolve_lines(obj):
        return selectors.return_lines(obj)

    @staticmethod
    def resolve_history(obj):
        return list(history(obj))

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        return services.return_allowed_actions(obj, context["request"].user)


class ReturnableLineOut(Schema):
    shipment_line: int
    position: int
    product_code: str
    product_name: str
    is_gift: bool
    shipped: Decimal
    returned: Decimal
    returnable: Decimal


class ReturnableOut(Schema):
    shipment_id: int
    shipment_number: str
    lines: list[ReturnableLineOut]


@router.get("", response={200: list[ReturnRowOut], **ERRORS})
@paginate
def list_returns(request, filters: Query[ReturnFilterIn]):
    return selectors.return_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.post("", response={201: ReturnOut, **ERRORS})
def create_return(request, payload: ReturnIn):
    data = {"reason": payload.reason, "lines": [row.model_dump(exclude_none=True) for row in payload.lines]}
    authorisation = services.return_create(by=request.user, shipment_id=payload.shipment, data=data)
    return Status(201, selectors.return_get(user=request.user, return_id=authorisation.pk))


@router.get("/returnable", response={200: ReturnableOut, **ERRORS})
def returnable(request, shipment: int = Query(..., ge=1)):
    found, rows = selectors.returnable_lines(user=request.user, shipment_id=shipment)
    return {"shipment_id": found.pk, "shipment_number": found.number, "lines": rows}


@router.get("/{return_id}", response={200: ReturnOut, **ERRORS})
def get_return(request, return_id: int):
    return selectors.return_get(user=request.user, return_id=return_id)


ACTIONS = {
    "submit": services.return_submit,
    "approve": services.return_approve,
    "reject": services.return_reject,
    "cancel": services.return_cancel,
}


@router.post("/{return_id}/{action}", response={200: ReturnOut, **ERRORS})
def act_on_return(
    request,
    return_id: int,
    action: Literal["submit", "approve", "reject", "cancel"],
    payload: NoteIn | None = None,
):
    """submit · approve (a second person; the last approval receives the goods) · reject (a note
    required) · cancel (drafts)."""
    selectors.return_get(user=request.user, return_id=return_id)  # 404 before 403 for the unseen
    ACTIONS[action](by=request.user, return_id=return_id, note=payload.note if payload else "")
    return selectors.return_get(user=request.user, return_id=return_id)
