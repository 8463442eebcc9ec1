"""API of the stock (W2), mounted at /api/v1/warehouse/stock: the on-hand list (GET /, filtered like the
page, paged) and its totals (/totals), one product across locations, lots and quality
(/products/{product_id}), the stock card of a product × location (/card/{product_id}/{location_id},
a page of moves with the stored running balance, the newest last by default, and the opening
balance of the page) and its PDF (/card/{product_id}/{location_id}/card.pdf).

Reads go through selectors.stock. Quantities and values are Decimal (JSON strings); values are
left out (null) for callers who may not see the ledger."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema
from pydantic import PlainSerializer

from salesdept.core.pagination import MAX_PAGE_SIZE, paginate
from salesdept.core.schemas import ErrorOut

from ..selectors import stock as selectors

router = Router(tags=["stock"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

# Figures out as strings at the column's precision on every database (SQLite hands sums back
# without their scale): quantities 0.001, money 0.01.
Qty = Annotated[
    Decimal, PlainSerializer(lambda v: str(Decimal(v).quantize(Decimal("0.001"))), return_type=str)
]
Amount = Annotated[
    Decimal, PlainSerializer(lambda v: str(Decimal(v).quantize(Decimal("0.01"))), return_type=str)
]


class StockRowOut(Schema):
    id: int
    product_id: int
    product_code: str = Field(..., alias="product.code")
    product_name: str = Field(..., alias="product.name")
    unit: str = Field(..., alias="product.uom")
    warehouse_id: int = Field(..., alias="location.warehouse_id")
    warehouse_code: str = Field(..., alias="location.warehouse.code")
    location_id: int
    location_code: str = Field(..., alias="location.code")
    quantity: Qty
    reserved: Qty = Field(..., description="held by documents awaiting approval (I5)")
    available: Qty = Field(..., description="quantity − reserved")
    accepted: Qty
    pending: Qty
    rejected: Qty
    value: Amount | None = Field(None, description="null unless the caller may see the ledger")
    last_issue_on: date | None

    @staticmethod
    def resolve_available(obj) -> Decimal:
        return obj.quantity - obj.reserved


class StockFilterIn(Schema):
    warehouse: int | None = None
    location: int | None = None
    category: int | None = None
    q: str | None = Field(None, max_length=100)
    quality: Literal["accepted", "pending", "rejected"] | None = None
    show_zero: bool | None = None
    sort: str | None = Field(None, max_length=20, description=" | ".join(selectors.SORTS))


class TotalsOut(Schema):
    quantity: Qty
    value: Amount | None


class LotOut(Schema):
    location_id: int
    warehouse_code: str = Field(..., alias="location.warehouse.code")
    location_code: str = Field(..., alias="location.code")
    lot: str
    quality: str
    quantity: Qty
    reserved: Qty


class LocationStockOut(Schema):
    location_id: int
    warehouse_code: str = Field(..., alias="location.warehouse.code")
    location_code: str = Field(..., alias="location.code")
    quantity: Qty
    reserved: Qty
    accepted: Qty
    pending: Qty
    rejected: Qty
    value: Amount | None = None


class ProductStockOut(Schema):
    product_id: int
    product_code: str
    product_name: str
    unit: str
    quantity: Qty
    value: Amount | None
    by_quality: dict[str, Qty]
    locations: list[LocationStockOut]
    lots: list[LotOut]


class MoveOut(Schema):
    id: int
    moved_on: date
    document_id: int
    document_number: str = Field(..., alias="document.number")
    kind: str
    lot: str
    quality: str
    quantity: Qty = Field(..., description="signed: + in, − out")
    value: Amount
    balance: Qty
    balance_value: Amount


class CardOut(Schema):
    product_id: int
    product_code: str
    location_id: int
    location_code: str
    warehouse_code: str
    page: int
    pages: int
    count: int
    opening: Qty
    opening_value: Amount
    closing: Qty
    closing_value: Amount
    total_in: Qty
    total_out: Qty
    book_quantity: Qty
    book_value: Amount
    moves: list[MoveOut]


def _filters(filters: StockFilterIn) -> dict:
    data = filters.model_dump(exclude_none=True)
    if data.get("show_zero") is False:
        data.pop("show_zero")
    return data


def _hide_values(request, rows):
    if not selectors.can_see_values(request.user):
        for r in rows:
            r.value = None
    return rows


@router.get("/", response=list[StockRowOut])
@paginate
def list_stock(request, filters: Query[StockFilterIn]):
    """Stock on hand per product × location (only rows with stock unless show_zero), with the
    split by quality; by product code unless `sort`."""
    rows = selectors.onhand_list(user=request.user, filters=_filters(filters))
    if selectors.can_see_values(request.user):
        return rows
    return _ValueHidden(rows)


class _ValueHidden:
    """A queryset wrapper that blanks `value` on the rows of the page (sellers see no cost)."""

    def __init__(self, qs):
        self.qs = qs

    def __getitem__(self, item):
        rows = self.qs[item]
        rows = list(rows) if isinstance(item, slice) else [rows]
        for r in rows:
            r.value = None
        return rows if isinstance(item, slice) else rows[0]

    def count(self):
        return self.qs.count()

    def __len__(self):
        return self.qs.count()


@router.get("/totals", response={200: TotalsOut, **ERRORS})
def stock_totals(request, filters: Query[StockFilterIn]):
    """Σ quantity and value of the rows the list would give."""
    totals = selectors.onhand_totals(selectors.onhand_list(user=request.user, filters=_filters(filters)))
    if not selectors.can_see_values(request.user):
        totals["value"] = None
    return totals


@router.get("/products/{product_id}", response={200: ProductStockOut, **ERRORS})
def product_stock(request, product_id: int, warehouse: int | None = None):
    """One product at every location (optionally of one warehouse): quantity per quality, value,
    and the lots and serial numbers on hand."""
    s = selectors.product_stock(user=request.user, product_id=product_id, warehouse_id=warehouse)
    values = selectors.can_see_values(request.user)
    _hide_values(request, s.rows)
    return {
        "product_id": s.product.pk,
        "product_code": s.product.code,
        "product_name": s.product.name,
        "unit": s.product.uom,
        "quantity": s.quantity,
        "value": s.value if values else None,
        "by_quality": {str(k): v for k, v in s.by_quality.items()},
        "locations": s.rows,
        "lots": s.lots,
    }


@router.get("/card/{product_id}/{location_id}", response={200: CardOut, **ERRORS})
def stock_card(
    request,
    product_id: int,
    location_id: int,
    page: int | None = Query(None, ge=1, le=1_000_000, description="default: the last page (newest moves)"),
    page_size: int = Query(selectors.CARD_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
):
    """The stock card 库存卡片: a page of the moves of the product at the location, oldest first
    within the page, with the opening balance before its first move and the closing after its
    last; the last page unless `page`."""
    card = selectors.stock_card(
        user=request.user, product_id=product_id, location_id=location_id, page=page, page_size=page_size
    )
    return {
        "product_id": card.product.pk,
        "product_code": card.product.code,
        "location_id": card.location.pk,
        "location_code": card.location.code,
        "warehouse_code": card.location.warehouse.code,
        "page": card.page.number,
        "pages": card.page.paginator.num_pages,
        "count": card.page.paginator.count,
        "opening": card.opening,
        "opening_value": card.opening_value,
        "closing": card.closing,
        "closing_value": card.closing_value,
        "total_in": card.total_in,
        "total_out": card.total_out,
        "book_quantity": card.stock.quantity if card.stock else Decimal("0"),
        "book_value": card.stock.value if card.stock else Decimal("0"),
        "moves": card.moves,
    }


@router.get("/card/{product_id}/{location_id}/card.pdf", response={200: None, **ERRORS})
def stock_card_pdf(
    request,
    product_id: int,
    location_id: int,
    page: int | None = Query(None, ge=1, le=1_000_000),
    lang: Literal["en", "zh-hans"] | None = None,
):
    """The card page (default: the last) as PDF."""
    from ..views.stock import card_pdf_response

    return card_pdf_response(request, product_id, location_id, page=page, language=lang)
