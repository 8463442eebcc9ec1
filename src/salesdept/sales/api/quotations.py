"""API of quotations 报价 (S2): /api/v1/quotations.

Reads go through selectors.quotations (scope X1: out of scope is 404), writes through
services.quotations: 403 without the permission; 409 for a move the state does not allow
(invalid_transition, read_only for an older revision, expired, stale_version,
price_approval_needed naming the lines on send); 400 naming the field for bad input
(`lines.<i>.<field>` for a line). GET /quotations/{id}/pdf?lang=zh-hans|en prints it."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from salesdept.core.pagination import paginate
from salesdept.core.permissions import require
from salesdept.core.schemas import ErrorOut, Money, Quantity, StrictIn

from ..selectors import quotations as selectors
from ..services import quotations as services

router = Router(tags=["quotations"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
ChannelIn = Literal["direct", "dealer", "online", "project", "other"]
StatusIn = Literal["draft", "sent", "accepted", "rejected", "superseded", "cancelled", "expired"]
SortKey = Literal[
    "number", "-number", "quoted_on", "-quoted_on", "valid_until", "-valid_until",
    "customer", "-customer", "total_amount", "-total_amount", "status", "-status",
]  # fmt: skip
VERSION = Field(None, ge=1, description="The version you loaded; a stale one answers 409 stale_version")
Percent = Field(
    None, ge=0, le=100, max_digits=5, decimal_places=2, description="Discount % (or give unit_price)"
)


class QuotationFilterIn(Schema):
    q: str | None = Field(None, max_length=100, description="Number or customer")
    status: StatusIn | None = None
    customer: int | None = Field(None, ge=1)
    owner: int | None = Field(None, ge=1)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    current: bool | None = Field(None, description="true: only the newest revision of each quotation")
    sort: SortKey | None = Field(None, description="Default -quoted_on")


class QuotationLineOut(Schema):
    position: int
    product_id: int
    product_code: str
    product_name: str
    product_name_en: str
    description: str
    quantity: Quantity
    list_price: Money
    discount: Decimal
    unit_price: Money
    tax_rate: Decimal
    amount: Money

    @staticmethod
    def resolve_product_code(obj) -> str:
        return obj.product.code

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name

    @staticmethod
    def resolve_product_name_en(obj) -> str:
        return obj.product.name_en


class QuotationOut(Schema):
    id: int
    number: str
    base_number: str
    revision: int
    previous_id: int | None
    is_newest: bool
    customer_id: int
    customer_name: str
    inquiry_id: int | None
    channel: str
    quoted_on: dt.date
    valid_until: dt.date
    expired: bool
    payment_terms: str
    delivery_terms: str
    terms: str
    language: str
    status: str
    total_amount: Money
    owner_id: int
    owner: str
    notes: str
    lines: list[QuotationLineOut]
    created_by_id: int
    created_at: dt.datetime
    version: int = Field(..., description="Send it back with a change; a stale one answers 409")
    pdf_url: str
    actions: list[str]

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_owner(obj) -> str:
        return str(obj.owner)

    @staticmethod
    def resolve_expired(obj) -> bool:
        return bool(getattr(obj, "expired", services.is_expired(obj)))

    @staticmethod
    def resolve_is_newest(obj) -> bool:
        return bool(getattr(obj, "is_newest", True))

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())

    @staticmethod
    def resolve_pdf_url(obj) -> str:
        return f"/api/v1/quotations/{obj.pk}/pdf"

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        return services.quotation_allowed_actions(obj, context["request"].user)


class QuotationLineIn(StrictIn):
    product: int = Field(..., ge=1, description="Id of an active product")
    quantity: Quantity
    discount: Decimal | None = Percent
    unit_price: Money | None = Field(None, ge=0, description="Net unit price (or give discount)")
    description: str = Field("", max_length=300)


class QuotationIn(StrictIn):
    customer: int = Field(..., ge=1, description="Id of a customer you can see")
    channel: ChannelIn = "direct"
    quoted_on: dt.date | None = Field(None, description="Default today")
    valid_until: dt.date | None = Field(None, description="Default 30 days after quoted_on")
    payment_terms: str = Field("", max_length=5000)
    delivery_terms: str = Field("", max_length=5000)
    terms: str = Field("", max_length=5000)
    language: Literal["zh-hans", "en"] = "zh-hans"
    notes: str = Field("", max_length=5000)
    owner: int | None = Field(None, ge=1, description="Salesperson (managers, clerks)")
    lines: list[QuotationLineIn] = Field(..., min_length=1)


class QuotationPatch(StrictIn):
    version: int | None = VERSION
    customer: int = Field(None, ge=1)
    channel: ChannelIn = None
    quoted_on: dt.date = None
    valid_until: dt.date = None
    payment_terms: str = Field(None, max_length=5000)
    delivery_terms: str = Field(None, max_length=5000)
    terms: str = Field(None, max_length=5000)
    language: Literal["zh-hans", "en"] = None
    notes: str = Field(None, max_length=5000)
    owner: int = Field(None, ge=1)
    lines: list[QuotationLineIn] = Field(None, min_length=1, description="Replaces every line")


class VersionIn(StrictIn):
    version: int | None = VERSION


def _ids(data: dict) -> dict:
    for name in ("customer", "owner"):
        if name in data:
            data[f"{name}_id"] = data.pop(name)
    if data.get("lines") is not None:
        data["lines"] = [{**line, "product_id": line.pop("product")} for line in data["lines"]]
    return data


def _fresh(request, quotation_id: int):
    return selectors.quotation_get(user=request.user, quotation_id=quotation_id)


@router.get("", response={200: list[QuotationOut], **ERRORS})
@paginate
def list_quotations(request, filters: Query[QuotationFilterIn]):
    """Quotations you may see, newest first (the page's filters and sort; status=expired)."""
    require(request.user, "sales.view_quotation")
    rows = selectors.quotation_list(user=request.user, filters=filters.model_dump(exclude_none=True))
    return rows.prefetch_related("lines__product")


@router.get("/{quotation_id}", response={200: QuotationOut, **ERRORS})
def get_quotation(request, quotation_id: int):
    return _fresh(request, quotation_id)


@router.post("", response={201: QuotationOut, **ERRORS})
def create_quotation(request, payload: QuotationIn):
    """A draft quotation (QT-YYYY-NNNNNN, revision 1); list prices and tax rates from the catalog."""
    quotation = services.quotation_create(by=request.user, **_ids(payload.model_dump()))
    return Status(201, _fresh(request, quotation.pk))


@router.patch("/{quotation_id}", response={200: QuotationOut, **ERRORS})
def update_quotation(request, quotation_id: int, payload: QuotationPatch):
    """Change a draft (fields left out stay; `lines` replaces every line). Anything else is
    read-only (409 read_only): revise it."""
    data = _ids(payload.model_dump(exclude_unset=True))
    data["version"] = data.pop("version", None)
    services.quotation_update(by=request.user, quotation_id=quotation_id, **data)
    return _fresh(request, quotation_id)


def _version(payload) -> int | None:
    return payload.version if payload else None


@router.post("/{quotation_id}/send", response={200: QuotationOut, **ERRORS})
def send_quotation(request, quotation_id: int, payload: VersionIn | None = None):
    """Draft → sent; 409 price_approval_needed names the lines beyond your authority."""
    services.quotation_send(by=request.user, quotation_id=quotation_id, version=_version(payload))
    return _fresh(request, quotation_id)


@router.post("/{quotation_id}/revise", response={201: QuotationOut, **ERRORS})
def revise_quotation(request, quotation_id: int, payload: VersionIn | None = None):
    """A new revision (draft, `<base>-R<n>`); this one becomes superseded."""
    new = services.quotation_revise(by=request.user, quotation_id=quotation_id, version=_version(payload))
    return Status(201, _fresh(request, new.pk))


@router.post("/{quotation_id}/accept", response={200: QuotationOut, **ERRORS})
def accept_quotation(request, quotation_id: int, payload: VersionIn | None = None):
    """Sent → accepted (409 expired after valid_until)."""
    services.quotation_accept(by=request.user, quotation_id=quotation_id, version=_version(payload))
    return _fresh(request, quotation_id)


@router.post("/{quotation_id}/reject", response={200: QuotationOut, **ERRORS})
def reject_quotation(request, quotation_id: int, payload: VersionIn | None = None):
    """Sent → rejected (409 expired after valid_until)."""
    services.quotation_reject(by=request.user, quotation_id=quotation_id, version=_version(payload))
    return _fresh(request, quotation_id)


@router.post("/{quotation_id}/cancel", response={200: QuotationOut, **ERRORS})
def cancel_quotation(request, quotation_id: int, payload: VersionIn | None = None):
    """Draft or sent → cancelled."""
    services.quotation_cancel(by=request.user, quotation_id=quotation_id, version=_version(payload))
    return _fresh(request, quotation_id)


@router.get("/{quotation_id}/pdf", response={200: None, **ERRORS})
def quotation_pdf(request, quotation_id: int, lang: Literal["zh-hans", "en"] | None = None):
    """The quotation as PDF, in its print language or ?lang=zh-hans|en."""
    from ..views.quotations import pdf_for

    return pdf_for(request, _fresh(request, quotation_id), lang)
