"""API of 帐、物、卡相符 (W2), mounted at /api/v1/warehouse/reconciliation: the report (GET /, the product ×
location rows where the book, the card and the goods disagree, or all with show=all; paged) and
the drill-down of one row (/{product_id}/{location_id}: the row, the last count's lines and a page
of the moves since the count). Reads go through selectors.reconciliation."""

from datetime import date
from typing import Literal

from ninja import Field, Query, Router, Schema

from salesdept.core.pagination import paginate
from salesdept.core.schemas import ErrorOut

from ..selectors import reconciliation as selectors
from .stock import Amount, MoveOut, Qty

router = Router(tags=["reconciliation"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class RowOut(Schema):
    product_id: int
    product_code: str = Field(..., alias="product.code")
    product_name: str = Field(..., alias="product.name")
    warehouse_code: str = Field(..., alias="location.warehouse.code")
    location_id: int
    location_code: str = Field(..., alias="location.code")
    book_quantity: Qty = Field(..., alias="quantity")
    book_value: Amount = Field(..., alias="value")
    card_quantity: Qty
    card_value: Amount
    count_id: int | None = Field(None, description="the last count (stocktake id); null: never counted")
    count_number: str | None
    count_on: date | None
    counted: Qty | None = None
    goods_quantity: Qty | None = Field(None, description="last count + moves since; null: never counted")
    difference: Qty | None = Field(None, description="goods − book (null: never counted)")
    differs: bool

    @staticmethod
    def resolve_counted(obj):
        return obj.counted if obj.count_id else None

    @staticmethod
    def resolve_difference(obj):
        return obj.unposted if obj.count_id else None


class FilterIn(Schema):
    warehouse: int | None = None
    location: int | None = None
    q: str | None = Field(None, max_length=100)
    show: Literal["differences", "all"] | None = None
    sort: str | None = Field(None, max_length=20, description=" | ".join(selectors.SORTS))


class CountLineOut(Schema):
    id: int
    stocktake_id: int
    lot: str
    quality: str
    book_quantity: Qty
    counted_quantity: Qty | None
    variance: Qty | None
    book_move_id: int | None


class DrilldownOut(Schema):
    row: RowOut
    count_lines: list[CountLineOut]
    since_move_id: int | None = Field(None, description="moves after this id are listed")
    moved_since: Qty
    page: int
    pages: int
    count: int
    moves: list[MoveOut]


@router.get("/", response=list[RowOut])
@paginate
def list_reconciliation(request, filters: Query[FilterIn]):
    """Per product × location: book, card, last count, goods and their difference; only the rows
    where they disagree unless show=all."""
    return selectors.reconciliation(user=request.user, filters=filters.model_dump(exclude_none=True))


class UnbookedOut(Schema):
    product_id: int = Field(..., alias="product.pk")
    product_code: str = Field(..., alias="product.code")
    product_name: str = Field(..., alias="product.name")
    location_id: int = Field(..., alias="location.pk")
    location_code: str = Field(..., alias="location.code")
    warehouse_code: str = Field(..., alias="location.warehouse.code")
    stocktake_id: int = Field(..., alias="stocktake.pk")
    stocktake_number: str = Field(..., alias="stocktake.number")
    counted_on: date = Field(..., alias="stocktake.counted_on")
    counted: Qty


@router.get("/unbooked", response={200: list[UnbookedOut], **ERRORS})
def unbooked(request, filters: Query[FilterIn]):
    """Goods the last count found at product × locations the book has never had a row for
    (nothing moved there): differences the report's rows cannot carry until they are posted."""
    return selectors.counts_without_book(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.get("/{product_id}/{location_id}", response={200: DrilldownOut, **ERRORS})
def drilldown(request, product_id: int, location_id: int, page: int | None = Query(None, ge=1, le=1_000_000)):
    """One product × location: the report row, the last count's lines and the moves since the
    count (all moves when never counted), 50 a page, the newest last."""
    d = selectors.drilldown(user=request.user, product_id=product_id, location_id=location_id, page=page)
    return {
        "row": d.row,
        "count_lines": d.count_lines,
        "since_move_id": d.since_move_id,
        "moved_since": d.moved_since,
        "page": d.page.number,
        "pages": d.page.paginator.num_pages,
        "count": d.page.paginator.count,
        "moves": list(d.page.object_list),
    }
