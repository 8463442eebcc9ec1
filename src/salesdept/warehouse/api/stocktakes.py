"""API of stocktakes 盘点 (W3): /api/v1/stocktakes.

Reads go through selectors.stocktakes, writes through services.stocktakes: 403 without the
permission (and 403 own_count for a counter approving their own count), 409 for a move the state
does not allow or a stale version, 400 naming the field for bad input (`counts.<i>.<field>`)."""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from salesdept.core.pagination import paginate
from salesdept.core.pdf import pdf_response
from salesdept.core.permissions import require
from salesdept.core.schemas import ErrorOut, Money, Quantity, StrictIn

from ..selectors import stocktakes as selectors
from ..services import stocktakes as services

router = Router(tags=["stocktakes"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
KindIn = Literal["spot", "cycle", "full"]
SortKey = Literal[
    "number", "-number", "counted_on", "-counted_on", "warehouse", "-warehouse", "kind", "-kind",
    "status", "-status",
]  # fmt: skip
VERSION = Field(None, ge=1, description="The version you loaded; a stale one answers 409 stale_version")


class StocktakeFilterIn(Schema):
    q: str | None = Field(None, max_length=100, description="Number or notes")
    status: Literal["draft", "submitted", "approved", "cancelled"] | None = None
    kind: KindIn | None = None
    warehouse: int | None = Field(None, ge=1)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: SortKey | None = Field(None, description="Default -counted_on")


class StocktakeLineOut(Schema):
    id: int
    product_id: int
    product_code: str
    product_name: str
    location_id: int
    location: str
    lot: str
    quality: str
    book_quantity: Quantity | None = Field(None, description="Only for those who may see the book")
    counted_quantity: Quantity | None
    variance: Quantity | None
    counted_by_id: int | None
    counted_at: dt.datetime | None
    note: str

    @staticmethod
    def resolve_product_code(obj) -> str:
        return obj.product.code

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name

    @staticmethod
    def resolve_location(obj) -> str:
        return obj.location.code


class StocktakeOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    warehouse_id: int
    location_id: int | None
    counted_on: dt.date
    notes: str
    prepared_by_id: int
    adjustment_id: int | None
    lines: list[StocktakeLineOut]
    version: int = Field(..., description="Send it back with counts; a stale one answers 409")
    actions: list[str]
    created_at: dt.datetime

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        return services.stocktake_allowed_actions(obj, context["request"].user)


class StocktakeRowOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    warehouse_id: int
    location_id: int | None
    counted_on: dt.date
    line_count: int
    counted_count: int
    variance_count: int
    adjustment_id: int | None


class StocktakeIn(StrictIn):
    kind: KindIn
    warehouse: int = Field(..., ge=1)
    location: int | None = Field(None, ge=1, description="Count one location only")
    products: list[int] = Field(
        default_factory=list, description="spot: exactly one; cycle: default this week's proposal; full: none"
    )
    counted_on: dt.date | None = Field(None, description="Default today")
    notes: str = Field("", max_length=5000)


class CountIn(StrictIn):
    line: int = Field(..., ge=1)
    counted_quantity: Quantity | None = Field(..., description="null clears the count")
    note: str | None = Field(None, max_length=200)


class CountsIn(StrictIn):
    version: int | None = VERSION
    counts: list[CountIn] = Field(..., min_length=1)


class FoundLineIn(StrictIn):
    version: int | None = VERSION
    product: int = Field(..., ge=1)
    location: int = Field(..., ge=1)
    lot: str = Field("", max_length=60)
    quality: Literal["pending", "accepted", "rejected"] = "accepted"
    counted_quantity: Quantity
    note: str = Field("", max_length=200)


class NoteIn(StrictIn):
    note: str = Field("", max_length=2000)


class VarianceLineOut(Schema):
    line_id: int
    product_code: str
    location: str
    lot: str
    quality: str
    book_quantity: Quantity
    counted_quantity: Quantity
    variance: Quantity
    unit_cost: Money
    variance_value: Money


class VarianceOut(Schema):
    stocktake_id: int
    posted: bool
    line_count: int
    counted_count: int
    gain: Money
    loss: Money
    net: Money
    rows: list[VarianceLineOut]


class ProposedOut(Schema):
    product_id: int
    product_code: str
    product_name: str
    last_counted: dt.date | None
    days_since: int | None


class ProposalOut(Schema):
    warehouse_id: int
    on: dt.date
    cycle_days: int
    total: int
    share: int
    products: list[ProposedOut]


def _fresh(request, stocktake_id: int):
    stocktake = selectors.stocktake_get(user=request.user, stocktake_id=stocktake_id)
    if not request.user.has_perm("warehouse.view_stock"):
        for line in stocktake.lines.all():
            line.book_quantity = None
    return stocktake


def _proposed(p) -> dict:
    return {
        "product_id": p.pk,
        "product_code": p.code,
        "product_name": p.name,
        "last_counted": p.last_counted,
        "days_since": p.days_since,
    }


@router.get("", response={200: list[StocktakeRowOut], **ERRORS})
@paginate
def list_stocktakes(request, filters: Query[StocktakeFilterIn]):
    """Stocktakes, newest count first, with how many lines are counted and differ."""
    require(request.user, "warehouse.view_stocktake")
    return selectors.stocktake_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.get("/proposal", response={200: ProposalOut, **ERRORS})
def cycle_proposal(request, warehouse: int, on: dt.date | None = None):
    """This week's cycle count of a warehouse: the products counted longest ago (never first),
    ceil(n × 7 / cycle_days) of them."""
    data = selectors.proposal(user=request.user, warehouse_id=warehouse, on=on)
    return {
        "warehouse_id": data["warehouse"].pk,
        "on": data["on"],
        "cycle_days": data["cycle_days"],
        "total": data["total"],
        "share": data["share"],
        "products": [_proposed(p) for p in data["products"]],
    }


@router.get("/{stocktake_id}", response={200: StocktakeOut, **ERRORS})
def get_stocktake(request, stocktake_id: int):
    """One stocktake with its lines (the book quantities only with the view permission of the book)."""
    return _fresh(request, stocktake_id)


@router.post("", response={201: StocktakeOut, **ERRORS})
def create_stocktake(request, payload: StocktakeIn):
    """Start a stocktake: the book is snapshotted now."""
    stocktake = services.stocktake_create(
        by=request.user,
        kind=payload.kind,
        warehouse_id=payload.warehouse,
        location_id=payload.location,
        product_ids=payload.products,
        counted_on=payload.counted_on,
        notes=payload.notes,
    )
    return Status(201, _fresh(request, stocktake.pk))


@router.post("/{stocktake_id}/counts", response={200: StocktakeOut, **ERRORS})
def enter_counts(request, stocktake_id: int, payload: CountsIn):
    """Enter counted quantities (a draft only)."""
    counts = []
    for c in payload.counts:
        row = {"line": c.line, "counted_quantity": c.counted_quantity}
        if c.note is not None:
            row["note"] = c.note
        counts.append(row)
    services.stocktake_count(
        by=request.user, stocktake_id=stocktake_id, counts=counts, version=payload.version
    )
    return _fresh(request, stocktake_id)


@router.post("/{stocktake_id}/lines", response={201: StocktakeOut, **ERRORS})
def add_found_line(request, stocktake_id: int, payload: FoundLineIn):
    """Goods found where the book has none: a counted line with book 0."""
    data = payload.model_dump()
    services.stocktake_add_line(
        by=request.user,
        stocktake_id=stocktake_id,
        product_id=data.pop("product"),
        location_id=data.pop("location"),
        **data,
    )
    return Status(201, _fresh(request, stocktake_id))


@router.get("/{stocktake_id}/variance", response={200: VarianceOut, **ERRORS})
def variance(request, stocktake_id: int):
    """The lines that differ, valued at the average cost (once posted: as posted)."""
    report = selectors.variance_report(user=request.user, stocktake_id=stocktake_id)
    return {
        "stocktake_id": stocktake_id,
        "posted": report["posted"],
        "line_count": report["line_count"],
        "counted_count": report["counted_count"],
        "gain": report["gain"],
        "loss": report["loss"],
        "net": report["net"],
        "rows": [
            {
                "line_id": x.pk,
                "product_code": x.product.code,
                "location": x.location.code,
                "lot": x.lot,
                "quality": x.quality,
                "book_quantity": x.book_quantity,
                "counted_quantity": x.counted_quantity,
                "variance": x.variance,
                "unit_cost": x.unit_cost,
                "variance_value": x.variance_value,
            }
            for x in report["rows"]
        ],
    }


@router.get("/{stocktake_id}/sheet", response={200: None, **ERRORS})
def count_sheet(request, stocktake_id: int, lang: Literal["zh-hans", "en"] | None = None, book: bool = False):
    """The count sheet as PDF — blind (no book quantities) unless ?book=true."""
    pdf = selectors.count_sheet_pdf(
        user=request.user, stocktake_id=stocktake_id, language=lang, show_book=book
    )
    return pdf_response(pdf, f"count-sheet-{stocktake_id}.pdf")


# Last: "/{id}/{action}" would otherwise catch GET /{id}/variance and /{id}/sheet (405).
ACTIONS = {
    "submit": services.stocktake_submit,
    "approve": services.stocktake_approve,
    "reject": services.stocktake_reject,
    "cancel": services.stocktake_cancel,
}


@router.post("/{stocktake_id}/{action}", response={200: StocktakeOut, **ERRORS})
def stocktake_action(
    request,
    stocktake_id: int,
    action: Literal["submit", "approve", "reject", "cancel"],
    payload: NoteIn | None = None,
):
    """submit (every line counted), approve (a second person, not a counter: the final approval
    posts the variance), reject (a reason), cancel (a draft)."""
    ACTIONS[action](by=request.user, stocktake_id=stocktake_id, note=(payload or NoteIn()).note)
    return _fresh(request, stocktake_id)
