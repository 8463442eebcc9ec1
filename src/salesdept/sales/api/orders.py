"""API of sales orders (S4): /api/v1/orders.

Orders come from a signed contract (its planned deliveries or chosen lines), from an accepted
quotation or directly for a small sale. Confirming checks the price policy for lines no contract
approved, the credit hook, and that no contract line is ordered beyond its contracted quantity
(409 over_contract naming the line)."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from salesdept.core.pagination import paginate
from salesdept.core.schemas import ErrorOut, Money, Quantity, StrictIn

from ..selectors import orders as selectors
from ..services import orders as services

router = Router(tags=["orders"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
SortKey = Literal[
    "number", "-number", "customer", "-customer", "ordered_on", "-ordered_on", "wanted_on", "-wanted_on",
    "total_amount", "-total_amount", "status", "-status",
]  # fmt: skip
ChannelName = Literal["direct", "dealer", "online", "project", "other"]


class OrderFilterIn(Schema):
    q: str | None = Field(None, max_length=100, description="Order number, contract number, customer")
    status: Literal["draft", "confirmed", "cancelled"] | None = None
    kind: Literal["contract", "direct"] | None = None
    contract: int | None = Field(None, ge=1)
    customer: int | None = Field(None, ge=1)
    owner: int | None = Field(None, ge=1)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: SortKey | None = Field(None, description="Default -ordered_on")


class OrderLineOut(Schema):
    id: int
    position: int
    product_id: int
    product_code: str
    product_name: str
    description: str
    quantity: Decimal
    list_price: Decimal
    discount: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal
    contract_line_id: int | None
    delivery_id: int | None

    @staticmethod
    def resolve_product_code(obj) -> str:
        return obj.product.code

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name


class OrderRowOut(Schema):
    id: int
    number: str
    status: str
    customer_id: int
    customer_name: str
    contract_id: int | None
    contract_number: str | None
    owner_id: int
    owner: str
    channel: str
    ordered_on: dt.date
    wanted_on: dt.date | None
    total_amount: Decimal

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_contract_number(obj) -> str | None:
        return obj.contract.number if obj.contract_id else None

    @staticmethod
    def resolve_owner(obj) -> str:
        return str(obj.owner)


class OrderOut(OrderRowOut):
    notes: str
    prepared_by_id: int
    confirmed_at: dt.datetime | None
    created_at: dt.datetime
    version: int
    lines: list[OrderLineOut]
    actions: list[str]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.select_related("product"))

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        return services.order_allowed_actions(obj, context["request"].user)


class ContractLineIn(StrictIn):
    contract_line: int | None = Field(None, ge=1)
    delivery: int | None = Field(
        None, ge=1, description="A planned delivery (its line and, by default, quantity)"
    )
    quantity: Quantity | None = Field(None, gt=0)


class ProductLineIn(StrictIn):
    id: int | None = Field(None, ge=1)
    product: int = Field(..., ge=1)
    quantity: Quantity = Field(..., gt=0)
    discount: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False)
    unit_price: Money | None = Field(None, ge=0)
    description: str = Field("", max_length=300)


class FromContractIn(StrictIn):
    contract: int = Field(..., ge=1)
    deliveries: list[int] = Field([], description="Ids of planned deliveries to order")
    lines: list[ContractLineIn] = []
    ordered_on: dt.date | None = None
    wanted_on: dt.date | None = None
    notes: str = Field("", max_length=5000)


class DirectIn(StrictIn):
    customer: int = Field(..., ge=1)
    channel: ChannelName = "direct"
    lines: list[ProductLineIn]
    ordered_on: dt.date | None = None
    wanted_on: dt.date | None = None
    notes: str = Field("", max_length=5000)


class FromQuotationIn(StrictIn):
    quotation: int = Field(..., ge=1)
    wanted_on: dt.date | None = None


class OrderPatch(StrictIn):
    version: int | None = Field(None, ge=1)
    ordered_on: dt.date = None
    wanted_on: dt.date | None = None
    notes: str = Field(None, max_length=5000)
    channel: ChannelName = None
    contract_lines: list[ContractLineIn] = Field(None, description="Contract orders: the whole list of lines")
    lines: list[ProductLineIn] = Field(None, description="Direct orders: the whole list of lines")


class ConfirmIn(StrictIn):
    version: int | None = Field(None, ge=1)
    note: str = Field("", max_length=2000)


class NoteIn(StrictIn):
    note: str = Field("", max_length=2000)


def _contract_rows(rows) -> list[dict]:
    return [
        {"contract_line_id": r.contract_line, "delivery_id": r.delivery, "quantity": r.quantity} for r in rows
    ]


def _product_rows(rows) -> list[dict]:
    out = []
    for r in rows:
        d = r.model_dump()
        d["product_id"] = d.pop("product")
        if d.get("id") is None:
            d.pop("id")
        out.append(d)
    return out


def _fresh(request, order_id: int):
    return selectors.order_get(user=request.user, order_id=order_id)


@router.get("", response={200: list[OrderRowOut], **ERRORS})
@paginate
def list_orders(request, filters: Query[OrderFilterIn]):
    """Orders you may see, newest first."""
    return selectors.order_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.post("/from-contract", response={201: OrderOut, **ERRORS})
def create_order_from_contract(request, payload: FromContractIn):
    """A draft order against a signed contract (planned deliveries and/or lines)."""
    order = services.order_create_from_contract(
        by=request.user,
        contract_id=payload.contract,
        delivery_ids=payload.deliveries,
        lines=_contract_rows(payload.lines),
        ordered_on=payload.ordered_on,
        wanted_on=payload.wanted_on,
        notes=payload.notes,
    )
    return Status(201, _fresh(request, order.pk))


@router.post("", response={201: OrderOut, **ERRORS})
def create_order(request, payload: DirectIn):
    """A direct order for a small sale (no contract)."""
    order = services.order_create(
        by=request.user,
        customer_id=payload.customer,
        channel=payload.channel,
        lines=_product_rows(payload.lines),
        ordered_on=payload.ordered_on,
        wanted_on=payload.wanted_on,
        notes=payload.notes,
    )
    return Status(201, _fresh(request, order.pk))


@router.post("/from-quotation", response={201: OrderOut, **ERRORS})
def create_order_from_quotation(request, payload: FromQuotationIn):
    """A direct order from an accepted quotation."""
    order = services.order_create_from_quotation(
        by=request.user, quotation_id=payload.quotation, wanted_on=payload.wanted_on
    )
    return Status(201, _fresh(request, order.pk))


@router.get("/{order_id}", response={200: OrderOut, **ERRORS})
def get_order(request, order_id: int):
    return _fresh(request, order_id)


@router.patch("/{order_id}", response={200: OrderOut, **ERRORS})
def update_order(request, order_id: int, payload: OrderPatch):
    """Change a draft order; a stale `version` answers 409 stale_version."""
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    lines = None
    if payload.contract_lines is not None:
        lines = _contract_rows(payload.contract_lines)
    elif payload.lines is not None:
        lines = _product_rows(payload.lines)
    data.pop("contract_lines", None)
    data.pop("lines", None)
    services.order_update(by=request.user, order_id=order_id, version=version, lines=lines, **data)
    return _fresh(request, order_id)


@router.post("/{order_id}/confirm", response={200: OrderOut, **ERRORS})
def confirm_order(request, order_id: int, payload: ConfirmIn | None = None):
    """draft → confirmed (price policy, credit hook, ordered ≤ contracted)."""
    services.order_confirm(
        by=request.user,
        order_id=order_id,
        version=payload.version if payload else None,
        note=payload.note if payload else "",
    )
    return _fresh(request, order_id)


@router.post("/{order_id}/cancel", response={200: OrderOut, **ERRORS})
def cancel_order(request, order_id: int, payload: NoteIn | None = None):
    """Cancel a draft or confirmed order."""
    services.order_cancel(by=request.user, order_id=order_id, note=payload.note if payload else "")
    return _fresh(request, order_id)
