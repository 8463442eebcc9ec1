"""帐、物、卡相符 — the book, the goods and the card agree (W2).

For every product × location (a `Stock` row):

- the book 帐 is `Stock.quantity` and `Stock.value`, kept by every posting;
- the card 卡 is the running balance of its last move (`Stock.last_move.balance` and
  `balance_value`); nothing when it never moved;
- the goods 物 are the last count carried forward: the latest stocktake line(s) with a counted
  quantity, of a stocktake that was not cancelled (latest by count date, then by stocktake),
  plus the moves after the count (`book_move_id`):

      goods = counted + (book now − book at the count) − variance already posted
            = book now + Σ (counted − book_quantity) of the counted lines − posted variance

  where the posted variance is what the stocktake's adjustment moved at this product × location
  while that adjustment stands posted (a reversed adjustment no longer counts). So a count whose
  variance was approved and posted agrees with the book, and a variance that was not (yet)
  posted shows as a difference of exactly that variance. A product × location never counted has
  no goods figure and is judged on book against card only.

The report is one query over `Stock` (the card read by primary key from `last_move_id`, the
count through correlated subqueries on indexed columns: stocktake lines by (product, location),
moves by document), so it never sums or joins the move history: fast over millions of moves (a
join of Stock to the ledger made PostgreSQL hash the whole move table: 1.5 s at 1M moves). It lists the rows
where the three disagree (or all rows with `show="all"`); the drill-down of one row lists the
moves since the last count through the card index (product, location, id).

Permission: `warehouse.view_stockmove` and `warehouse.view_stocktake` (keeper, finance, director,
clerk, auditor)."""

from dataclasses import dataclass
from decimal import Decimal

import django_filters
from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from salesdept.catalog.models import MONEY, QUANTITY
from salesdept.core.errors import ValidationFailed
from salesdept.core.forms import sort_choices
from salesdept.core.models import Status
from salesdept.core.pagination import Paginator
from salesdept.core.permissions import require

from ..models import Stock, StockDocumentStatus, StockMove, Stocktake, StocktakeLine, Warehouse
from .stock import in_and_out

__all__ = [
    "Drilldown",
    "ReconciliationFilter",
    "drilldown",
    "counts_without_book",
    "drilldown_rows",
    "moves_since",
    "reconciliation",
    "reconciliation_row",
]

PERMISSIONS = ("warehouse.view_stockmove", "warehouse.view_stocktake")
ZERO = Decimal("0")
QTY = Decimal("0.001")
CENT = Decimal("0.01")


def _qty() -> DecimalField:
    return DecimalField(**QUANTITY)


def _money() -> DecimalField:
    return DecimalField(**MONEY)


def _sum(queryset, name: str):
    """Σ `name` over `queryset` as a scalar subquery (0 when no rows)."""
    total = queryset.order_by().annotate(_t=Sum(name)).values("_t")[:1]
    return Coalesce(Subquery(total, output_field=_qty()), Value(ZERO), output_field=_qty())


def annotations() -> dict:
    """The expressions on a Stock row: card, last count and goods."""
    latest = (
        StocktakeLine.objects.filter(
            product_id=OuterRef("product_id"),
            location_id=OuterRef("location_id"),
            counted_quantity__isnull=False,
        )
        .exclude(stocktake__status=Status.CANCELLED)
        .order_by("-stocktake__counted_on", "-stocktake_id")
        .values("stocktake_id")[:1]
    )
    lines_of_count = StocktakeLine.objects.filter(
        stocktake_id=OuterRef("count_id"),
        product_id=OuterRef("product_id"),
        location_id=OuterRef("location_id"),
        counted_quantity__isnull=False,
    ).values("stocktake_id")
    adjustment = Stocktake.objects.filter(
        pk=OuterRef(OuterRef("count_id")), adjustment__status=StockDocumentStatus.POSTED
    ).values("adjustment_id")[:1]
    last = StockMove.objects.filter(pk=OuterRef("last_move_id"))
    # Read through the document index: product and location are compared as expressions
    # (id + 0), which no index matches, so SQLite does not walk the whole card of the product
    # × location instead (1,000 moves a row at 1M moves); PostgreSQL picks the document anyway.
    posted_moves = (
        StockMove.objects.filter(document_id=Subquery(adjustment))
        .annotate(_p=F("product_id") + 0, _l=F("location_id") + 0)
        .filter(_p=OuterRef("product_id"), _l=OuterRef("location_id"))
        .values("document_id")
    )
    return {
        # the card through a lookup by primary key per row, never a join of the whole ledger
        "card_quantity": Coalesce(Subquery(last.values("balance")[:1]), Value(ZERO), output_field=_qty()),
        "card_value": Coalesce(
            Subquery(last.values("balance_value")[:1]), Value(ZERO), output_field=_money()
        ),
        "count_id": Subquery(latest),
        "count_variance": _sum(
            lines_of_count, ExpressionWrapper(F("counted_quantity") - F("book_quantity"), output_field=_qty())
        ),
        # never counted: nothing posted to look up
        "posted_variance": Case(
            When(Q(count_id__isnull=True), then=Value(ZERO)),
            default=_sum(posted_moves, "quantity"),
            output_field=_qty(),
        ),
    }


def count_annotations() -> dict:
    """For display (evaluated only for the rows shown): the last count's number, date and Σ
    counted quantity at this product × location."""
    count = Stocktake.objects.filter(pk=OuterRef("count_id"))
    lines_of_count = StocktakeLine.objects.filter(
        stocktake_id=OuterRef("count_id"),
        product_id=OuterRef("product_id"),
        location_id=OuterRef("location_id"),
        counted_quantity__isnull=False,
    ).values("stocktake_id")
    return {
        "count_number": Subquery(count.values("number")[:1]),
        "count_on": Subquery(count.values("counted_on")[:1]),
        "counted": _sum(lines_of_count, "counted_quantity"),
    }


def _with_goods(qs: QuerySet) -> QuerySet:
    qs = qs.annotate(**annotations())
    qs = qs.annotate(
        # rounded to the quantity's precision: SQLite sums decimals as floats (0.7 − 0.1 − 0.6 ≠ 0)
        unposted=Round(
            ExpressionWrapper(F("count_variance") - F("posted_variance"), output_field=_qty()),
            3,
            output_field=_qty(),
        ),
    ).annotate(
        goods_quantity=Case(
            When(count_id__isnull=True, then=Value(None)),
            default=ExpressionWrapper(F("quantity") + F("unposted"), output_field=_qty()),
            output_field=_qty(),
        ),
        differs=Case(
            When(~Q(card_quantity=F("quantity")) | ~Q(card_value=F("value")), then=Value(True)),
            When(Q(count_id__isnull=False) & ~Q(unposted=0), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )
    return qs.annotate(**count_annotations())


SORTS = {
    "product": ("product__code", "location__code", "pk"),
    "location": ("location__warehouse__code", "location__code", "product__code", "pk"),
    "book": ("quantity", "pk"),
    "difference": ("unposted", "pk"),
}
SORT_CHOICES = sort_choices(SORTS)
SHOW_CHOICES = [("differences", _("Only differences")), ("all", _("All products"))]


class ReconciliationFilter(django_filters.FilterSet):
    """warehouse id; location id; q product code or name; show differences (default) | all;
    sort product, location, book, difference (prefix - for descending)."""

    warehouse = django_filters.ModelChoiceFilter(
        label=_("Warehouse"),
        queryset=Warehouse.objects.filter(is_active=True),
        field_name="location__warehouse",
        empty_label=_("All"),
    )
    location = django_filters.NumberFilter(label=_("Location"), field_name="location_id", min_value=1)
    q = django_filters.CharFilter(label=_("Product"), method="filter_q", max_length=100)
    show = django_filters.ChoiceFilter(
        label=_("Rows to show"), choices=SHOW_CHOICES, method="filter_show", empty_label=None
    )
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=SORT_CHOICES, method="filter_sort")

    class Meta:
        model = Stock
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(product__code__icontains=value)
            | Q(product__name__icontains=value)
            | Q(product__name_en__icontains=value)
        )

    def filter_show(self, queryset, name, value):
        return queryset  # applied in reconciliation() after the annotations

    def filter_sort(self, queryset, name, value):
        return queryset  # applied in reconciliation() after the annotations


def reconciliation(*, user, filters=None) -> QuerySet[Stock]:
    """Stock rows with `card_quantity`, `card_value`, `count_id`, `goods_quantity` (None when
    never counted), `unposted` (goods − book) and `differs`; only the rows that differ unless
    filters["show"] == "all". One query (plus the count for paging)."""
    require(user, *PERMISSIONS)
    filters = filters if filters is not None else {}
    filterset = ReconciliationFilter(filters, queryset=Stock.objects.all())
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    qs = _with_goods(filterset.qs.select_related("product", "location__warehouse"))
    if filterset.form.cleaned_data.get("show") != "all":
        qs = qs.filter(differs=True)
    else:
        qs = qs.filter(Q(quantity__gt=0) | Q(last_move_id__isnull=False) | Q(count_id__isnull=False))
    sort = filterset.form.cleaned_data.get("sort") or "product"
    fields = SORTS[sort.lstrip("-")]
    return qs.order_by(*(f"-{f}" for f in fields) if sort.startswith("-") else fields)


@dataclass
class Unbooked:
    """Goods a count found where the book never had a row (nothing ever moved there)."""

    product: object
    location: object
    stocktake: Stocktake
    counted: Decimal


def counts_without_book(*, user, filters=None) -> list[Unbooked]:
    """The other half of the report: product × locations that have no `Stock` row at all (never
    moved) but whose last count found something — a difference no Stock row can carry until the
    variance is posted. Filtered by warehouse, location and product like the report. One query
    (the counted lines without a book row, anti-joined on the unique product × location index)."""
    require(user, *PERMISSIONS)
    filters = filters if filters is not None else {}
    filterset = ReconciliationFilter(filters, queryset=StocktakeLine.objects.none())
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    data = filterset.form.cleaned_data
    lines = (
        StocktakeLine.objects.filter(counted_quantity__isnull=False)
        .exclude(stocktake__status=Status.CANCELLED)
        .filter(
            ~Exists(
                Stock.objects.filter(product_id=OuterRef("product_id"), location_id=OuterRef("location_id"))
            )
        )
        .select_related("product", "location__warehouse", "stocktake")
        .order_by("product_id", "location_id", "-stocktake__counted_on", "-stocktake_id")
    )
    if data.get("warehouse"):
        lines = lines.filter(location__warehouse=data["warehouse"])
    if data.get("location"):
        lines = lines.filter(location_id=data["location"])
    if q := (data.get("q") or "").strip():
        lines = lines.filter(
            Q(product__code__icontains=q) | Q(product__name__icontains=q) | Q(product__name_en__icontains=q)
        )
    found: dict[tuple, Unbooked] = {}
    for line in lines:
        key = (line.product_id, line.location_id)
        latest = found.get(key)
        if latest is None:
            found[key] = Unbooked(line.product, line.location, line.stocktake, line.counted_quantity)
        elif latest.stocktake.pk == line.stocktake_id:
            latest.counted += line.counted_quantity
    return sorted(
        (u for u in found.values() if u.counted > 0),
        key=lambda u: (u.product.code, u.location.warehouse.code, u.location.code),
    )


def reconciliation_row(*, user, product_id: int, location_id: int) -> Stock:
    """The report's row of one product × location (404 when it never had stock)."""
    require(user, *PERMISSIONS)
    qs = _with_goods(Stock.objects.select_related("product", "location__warehouse"))
    return get_object_or_404(qs, product_id=product_id, location_id=location_id)


def moves_since(*, product_id: int, location_id: int, since: int | None):
    """The moves of the product × location after move `since` (all when None), ledger order."""
    moves = StockMove.objects.filter(product_id=product_id, location_id=location_id)
    if since is not None:
        moves = moves.filter(id__gt=since)
    return moves


def drilldown_rows(*, user, product_id: int, location_id: int):
    """Every move since the last count (the drill-down's export), after the same checks."""
    row = reconciliation_row(user=user, product_id=product_id, location_id=location_id)
    since = None
    if row.count_id:
        since = max(
            (
                b or 0
                for b in StocktakeLine.objects.filter(
                    stocktake_id=row.count_id, product_id=product_id, location_id=location_id
                ).values_list("book_move_id", flat=True)
            ),
            default=0,
        )
    return (
        moves_since(product_id=product_id, location_id=location_id, since=since)
        .select_related("document")
        .order_by("id")
    )


@dataclass
class Drilldown:
    """One product × location: the report row, its last count's lines and the moves since the
    count (all moves when it was never counted), paged newest last."""

    row: Stock
    count_lines: list
    page: object
    since_move_id: int | None
    moved_since: Decimal


def drilldown(*, user, product_id: int, location_id: int, page=None, page_size: int = 50) -> Drilldown:
    row = reconciliation_row(user=user, product_id=product_id, location_id=location_id)
    lines = []
    since = None
    if row.count_id:
        lines = list(
            StocktakeLine.objects.filter(
                stocktake_id=row.count_id, product_id=product_id, location_id=location_id
            )
            .select_related("counted_by")
            .order_by("lot", "quality", "pk")
        )
        since = max((line.book_move_id or 0 for line in lines), default=0)
    moves = moves_since(product_id=product_id, location_id=location_id, since=since)
    paginator = Paginator(moves.select_related("document").order_by("id"), page_size)
    if page in (None, "", "last"):
        page = paginator.num_pages
    page_obj = paginator.get_page(page)
    in_and_out(page_obj.object_list)
    # moved since the count: the book now minus the balance just before the first move since
    first = moves.order_by("id").values("balance", "quantity").first()
    moved = row.quantity - (first["balance"] - first["quantity"]) if first else ZERO
    return Drilldown(row=row, count_lines=lines, page=page_obj, since_move_id=since, moved_since=moved)
