"""API of shipments 发货单 (F1), mounted at /api/v1/shipments:

    GET   /shipments                   list (filters like the page, paged)
    POST  /shipments                   a draft from a confirmed order (201); lines default to
                                       everything still open, from the stock free there
    GET   /shipments/late              promised date passed, not delivered
    GET   /shipments/open-lines?order= per order line: ordered, shipped, held, open
    GET   /shipments/{id}              detail: lines, history, allowed actions
    PATCH /shipments/{id}              change a draft (PUT alike); a stale `version` answers 409
    POST  /shipments/{id}/submit|approve|reject|cancel   the two-person review (reject: note)
    POST  /shipments/{id}/deliver      {delivered_on, received_by}

The page and the API call the same services: what the page refuses (the preparer approving,
over-shipping, stock not free) the API refuses with the same code. Line refusals name the line
1-based (`lines.2.quantity`). Quantities and amounts are Decimal (JSON strings)."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from salesdept.core.events import history
from salesdept.core.pagination import paginate
from salesdept.core.schemas import ErrorOut, StrictIn

from ..selectors import shipments as selectors
from ..services import shipments as services

router = Router(tags=["shipments"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
StatusName = Literal["draft", "submitted", "shipped", "delivered", "cancelled"]
MethodName = Literal["own", "carrier", "pickup"]
SortKey = Literal[
    "number", "-number", "customer", "-customer", "promised_on", "-promised_on",
    "shipped_on", "-shipped_on", "amount", "-amount", "status", "-status",
]  # fmt: skip
Id = int | str  # checked by the service, which names the field (lines.N.location)
Number = Decimal | str


class ShipmentFilterIn(Schema):
    q: str | None = Field(None, max_length=100, description="Shipment, tracking or order number, customer")
    status: StatusName | None = None
    method: MethodName | None = None
    warehouse: int | None = Field(None, ge=1)
    customer: int | None = Field(None, ge=1)
    order: int | None = Field(None, ge=1)
    date_from: dt.date | None = Field(None, description="Promised on or after")
    date_to: dt.date | None = Field(None, description="Promised on or before")
    late: bool | None = Field(None, description="Only shipments past their promised date, not delivered")
    sort: SortKey | None = Field(None, description="Default -promised_on")


class LineIn(StrictIn):
    order_line: Id | None = Field(None, description="The order line shipped (not for gifts)")
    product: Id | None = Field(None, description="Gifts: the product; order lines: must be the line's")
    quantity: Number | None = Field(None, description="> 0; default what is still open on the order line")
    location: Id | None = Field(None, description="Where it is taken from (this shipment's warehouse)")
    lot: str = Field("", max_length=60, description="Lot or serial number (one serial = quantity 1)")
    is_gift: bool = Field(False, description="随车赠品: a gift or policy material, no order line, no amount")


class ShipmentIn(StrictIn):
    order: int = Field(..., ge=1, description="A confirmed sales order")
    warehouse: Id | None = None
    method: MethodName | None = None
    promised_on: dt.date | None = Field(None, description="Default: the order's delivery date, else today")
    carrier: str = Field(None, max_length=100)
    tracking_number: str = Field(None, max_length=100)
    ship_to: str = Field(None, max_length=300, description="Default: the customer's address")
    notes: str = Field(None, max_length=5000)
    lines: list[LineIn] | None = Field(None, max_length=500, description="Default: everything open")


class ShipmentPatch(StrictIn):
    version: int | None = Field(None, ge=1)
    warehouse: Id = None
    method: MethodName = None
    promised_on: dt.date = None
    carrier: str = Field(None, max_length=100)
    tracking_number: str = Field(None, max_length=100)
    ship_to: str = Field(None, max_length=300)
    notes: str = Field(None, max_length=5000)
    lines: list[LineIn] = Field(None, max_length=500, description="The whole list of lines")


class NoteIn(StrictIn):
    note: str = Field("", max_length=2000)


class DeliverIn(StrictIn):
    delivered_on: dt.date | None = None
    received_by: str = Field("", max_length=100)
    note: str = Field("", max_length=2000)


class ShipmentRowOut(Schema):
    id: int
    number: str
    status: str
    order_id: int
    order_number: str = Field(..., alias="order.number")
    customer_id: int
    customer_name: str = Field(..., alias="customer.name")
    warehouse_id: int
    warehouse_code: str = Field(..., alias="warehouse.code")
    method: str
    promised_on: dt.date
    shipped_on: dt.date | None
    delivered_on: dt.date | None
    carrier: str
    tracking_number: str
    amount: Decimal


class LineOut(Schema):
    id: int
    position: int
    order_line_id: int | None
    product_id: int
    product_code: str = Field(..., alias="product.code")
    product_name: str = Field(..., alias="product.name")
    quantity: Decimal
    location_id: int
    location_code: str = Field(..., alias="location.code")
    lot: str
    unit_price: Decimal
    amount: Decimal
    is_gift: bool
    cost: Decimal
    returned_quantity: Decimal


class EventOut(Schema):
    action: str
    actor_id: int
    at: dt.datetime
    from_status: str
    to_status: str
    note: str


class ShipmentOut(ShipmentRowOut):
    ship_to: str
    notes: str
    received_by: str
    stock_document_id: int | None
    prepared_by_id: int
    submitted_at: dt.datetime | None
    created_at: dt.datetime
    version: int
    lines: list[LineOut]
    history: list[EventOut]
    actions: list[str]

    @staticmethod
    def resolve_lines(obj):
        return selectors.shipment_lines(obj)

    @staticmethod
    def resolve_history(obj):
        return list(history(obj))

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        return services.shipment_allowed_actions(obj, context["request"].user)


class OpenLineOut(Schema):
    order_line: int
    position: int
    product_id: int
    product_code: str
    product_name: str
    unit_price: Decimal
    ordered: Decimal
    shipped: Decimal
    held: Decimal = Field(..., description="On shipments being prepared (draft, submitted)")
    open: Decimal


class OpenLinesOut(Schema):
    order_id: int
    order_number: str
    status: str
    lines: list[OpenLineOut]


def _data(payload, *, drop=()) -> dict:
    data = payload.model_dump(exclude_unset=True)
    for name in drop:
        data.pop(name, None)
    if data.get("lines") is not None:
        data["lines"] = [{k: v for k, v in row.items() if v is not None} for row in data["lines"]]
    return data


def _fresh(request, shipment_id: int):
    return selectors.shipment_get(user=request.user, shipment_id=shipment_id)


@router.get("", response={200: list[ShipmentRowOut], **ERRORS})
@paginate
def list_shipments(request, filters: Query[ShipmentFilterIn]):
    """Shipments you may see, latest promised date first."""
    return selectors.shipment_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.post("", response={201: ShipmentOut, **ERRORS})
def create_shipment(request, payload: ShipmentIn):
    """A draft shipment of a confirmed order; without `lines`, everything still open."""
    shipment = services.shipment_create(
        by=request.user, order_id=payload.order, data=_data(payload, drop=("order",))
    )
    return Status(201, _fresh(request, shipment.pk))


@router.get("/late", response={200: list[ShipmentRowOut], **ERRORS})
@paginate
def late_shipments(request, filters: Query[ShipmentFilterIn]):
    """Promised date passed and not delivered (draft, submitted or shipped), most overdue first."""
    return selectors.late_shipments(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.get("/open-lines", response={200: OpenLinesOut, **ERRORS})
def open_lines(request, order: int = Query(..., ge=1)):
    """What is still open on each line of an order: ordered − shipped − held by other shipments."""
    found, rows = selectors.open_lines(user=request.user, order_id=order)
    return {"order_id": found.pk, "order_number": found.number, "status": found.status, "lines": rows}


@router.get("/{shipment_id}", response={200: ShipmentOut, **ERRORS})
def get_shipment(request, shipment_id: int):
    return _fresh(request, shipment_id)


def _update(request, shipment_id: int, payload: ShipmentPatch):
    data = _data(payload)
    version = data.pop("version", None)
    services.shipment_update(by=request.user, shipment_id=shipment_id, data=data, version=version)
    return _fresh(request, shipment_id)


@router.patch("/{shipment_id}", response={200: ShipmentOut, **ERRORS})
def update_shipment(request, shipment_id: int, payload: ShipmentPatch):
    """Change a draft: the fields sent and, with `lines`, all its lines."""
    return _update(request, shipment_id, payload)


@router.put("/{shipment_id}", response={200: ShipmentOut, **ERRORS})
def replace_shipment(request, shipment_id: int, payload: ShipmentPatch):
    """As PATCH."""
    return _update(request, shipment_id, payload)


@router.post("/{shipment_id}/deliver", response={200: ShipmentOut, **ERRORS})
def deliver_shipment(request, shipment_id: int, payload: DeliverIn):
    """shipped → delivered: the date (≤ today, ≥ shipped) and who received it."""
    selectors.shipment_get(user=request.user, shipment_id=shipment_id)
    services.shipment_deliver(
        by=request.user,
        shipment_id=shipment_id,
        delivered_on=payload.delivered_on,
        received_by=payload.received_by,
        note=payload.note,
    )
    return _fresh(request, shipment_id)


ACTIONS = {
    "submit": services.shipment_submit,
    "approve": services.shipment_approve,
    "reject": services.shipment_reject,
    "cancel": services.shipment_cancel,
}


@router.post("/{shipment_id}/{action}", response={200: ShipmentOut, **ERRORS})
def act_on_shipment(
    request,
    shipment_id: int,
    action: Literal["submit", "approve", "reject", "cancel"],
    payload: NoteIn | None = None,
):
    """submit (reserves the stock) · approve (a second person; the last approval ships) ·
    reject (back to draft, a note required) · cancel (draft or submitted)."""
    selectors.shipment_get(user=request.user, shipment_id=shipment_id)  # 404 before 403 for the unseen
    ACTIONS[action](by=request.user, shipment_id=shipment_id, note=payload.note if payload else "")
    return _fresh(request, shipment_id)
