"""API of inquiries 询盘 (S2): /api/v1/inquiries.

Reads go through selectors.inquiries (scope X1: out of scope is 404), writes through
services.inquiries (403 without the permission, 409 for a move the state does not allow or a
stale version, 400 naming the field for bad input — `lines.<i>.<field>` for a line)."""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from salesdept.core.pagination import paginate
from salesdept.core.permissions import require
from salesdept.core.schemas import ErrorOut, Quantity, StrictIn

from ..selectors import inquiries as selectors
from ..services import inquiries as services
from .quotations import QuotationOut
from .quotations import _fresh as _fresh_quotation

router = Router(tags=["inquiries"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
ChannelIn = Literal["direct", "dealer", "online", "project", "other"]
SortKey = Literal[
    "number", "-number", "received_on", "-received_on", "respond_by", "-respond_by",
    "customer", "-customer", "status", "-status",
]  # fmt: skip
VERSION = Field(None, ge=1, description="The version you loaded; a stale one answers 409 stale_version")


class InquiryFilterIn(Schema):
    q: str | None = Field(None, max_length=100, description="Number, customer or contact person")
    status: Literal["open", "quoted", "closed", "overdue"] | None = None
    customer: int | None = Field(None, ge=1)
    owner: int | None = Field(None, ge=1)
    channel: ChannelIn | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: SortKey | None = Field(None, description="Default -received_on")


class InquiryLineOut(Schema):
    position: int
    product_id: int | None
    product_code: str | None
    product_name: str | None
    description: str
    quantity: Quantity

    @staticmethod
    def resolve_product_code(obj) -> str | None:
        return obj.product.code if obj.product_id else None

    @staticmethod
    def resolve_product_name(obj) -> str | None:
        return obj.product.name if obj.product_id else None


class InquiryOut(Schema):
    id: int
    number: str
    customer_id: int
    customer_name: str
    contact_name: str
    channel: str
    received_on: dt.date
    respond_by: dt.date
    wanted_on: dt.date | None
    overdue: bool
    status: str
    close_reason: str
    owner_id: int
    owner: str
    notes: str
    lines: list[InquiryLineOut]
    quotation_ids: list[int]
    created_by_id: int
    created_at: dt.datetime
    version: int = Field(..., description="Send it back with a change; a stale one answers 409")
    actions: list[str]

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_owner(obj) -> str:
        return str(obj.owner)

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return bool(getattr(obj, "overdue", selectors.is_overdue(obj)))

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())

    @staticmethod
    def resolve_quotation_ids(obj) -> list[int]:
        return [q.pk for q in obj.quotations.all()]

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        return services.inquiry_allowed_actions(obj, context["request"].user)


class InquiryLineIn(StrictIn):
    product: int | None = Field(None, ge=1, description="Id of an active product (or give a description)")
    description: str = Field("", max_length=300)
    quantity: Quantity


class InquiryIn(StrictIn):
    customer: int = Field(..., ge=1, description="Id of a customer you can see")
    contact_name: str = Field("", max_length=100)
    channel: ChannelIn = "direct"
    received_on: dt.date | None = Field(None, description="Default today")
    respond_by: dt.date | None = Field(None, description="Default 3 days after received_on")
    wanted_on: dt.date | None = None
    notes: str = Field("", max_length=5000)
    owner: int | None = Field(
        None, ge=1, description="Salesperson (managers, clerks); default: you / the customer's owner"
    )
    lines: list[InquiryLineIn] = Field(..., min_length=1)


class InquiryPatch(StrictIn):
    version: int | None = VERSION
    customer: int = Field(None, ge=1)
    contact_name: str = Field(None, max_length=100)
    channel: ChannelIn = None
    received_on: dt.date = None
    respond_by: dt.date = None
    wanted_on: dt.date | None = None
    notes: str = Field(None, max_length=5000)
    owner: int = Field(None, ge=1)
    lines: list[InquiryLineIn] = Field(None, min_length=1, description="Replaces every line")


class InquiryCloseIn(StrictIn):
    version: int | None = VERSION
    reason: str = Field("", max_length=300)


class InquiryQuoteIn(StrictIn):
    version: int | None = VERSION
    valid_until: dt.date | None = Field(None, description="Default 30 days from today")
    language: Literal["zh-hans", "en"] = "zh-hans"


def _ids(data: dict) -> dict:
    for name in ("customer", "owner"):
        if name in data:
            data[f"{name}_id"] = data.pop(name)
    if data.get("lines") is not None:
        data["lines"] = [{**line, "product_id": line.pop("product", None)} for line in data["lines"]]
    return data


def _fresh(request, inquiry_id: int):
    return selectors.inquiry_get(user=request.user, inquiry_id=inquiry_id)


@router.get("", response={200: list[InquiryOut], **ERRORS})
@paginate
def list_inquiries(request, filters: Query[InquiryFilterIn]):
    """Inquiries you may see, newest first (the page's filters and sort)."""
    require(request.user, "sales.view_inquiry")
    return selectors.inquiry_list(
        user=request.user, filters=filters.model_dump(exclude_none=True)
    ).prefetch_related("lines__product", "quotations")


@router.get("/{inquiry_id}", response={200: InquiryOut, **ERRORS})
def get_inquiry(request, inquiry_id: int):
    return _fresh(request, inquiry_id)


@router.post("", response={201: InquiryOut, **ERRORS})
def create_inquiry(request, payload: InquiryIn):
    """Register an inquiry (number INQ-YYYY-NNNNNN, open)."""
    inquiry = services.inquiry_create(by=request.user, **_ids(payload.model_dump()))
    return Status(201, _fresh(request, inquiry.pk))


@router.patch("/{inquiry_id}", response={200: InquiryOut, **ERRORS})
def update_inquiry(request, inquiry_id: int, payload: InquiryPatch):
    """Change an open inquiry (fields left out stay; `lines` replaces every line)."""
    data = _ids(payload.model_dump(exclude_unset=True))
    data["version"] = data.pop("version", None)
    services.inquiry_update(by=request.user, inquiry_id=inquiry_id, **data)
    return _fresh(request, inquiry_id)


@router.post("/{inquiry_id}/close", response={200: InquiryOut, **ERRORS})
def close_inquiry(request, inquiry_id: int, payload: InquiryCloseIn):
    """Close an open or quoted inquiry with a reason (required)."""
    services.inquiry_close(
        by=request.user, inquiry_id=inquiry_id, reason=payload.reason, version=payload.version
    )
    return _fresh(request, inquiry_id)


@router.post("/{inquiry_id}/quote", response={201: QuotationOut, **ERRORS})
def quote_inquiry(request, inquiry_id: int, payload: InquiryQuoteIn | None = None):
    """Draft a quotation from the inquiry's lines (catalog prices); the inquiry becomes quoted.
    A line without a product answers 400 naming it."""
    payload = payload or InquiryQuoteIn()
    quotation = services.inquiry_quote(by=request.user, inquiry_id=inquiry_id, **payload.model_dump())
    return Status(201, _fresh_quotation(request, quotation.pk))
