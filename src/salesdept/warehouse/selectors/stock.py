"""Reads of the stock (W2): the on-hand list (the book 帐 per product × location, with its split by
quality), one product's stock across locations, lots and quality, and the stock card 库存卡片 of one
product × location.

Everything is read from the stored figures that `ledger.post_moves()` keeps in the posting
transaction — `Stock` (quantity, value), `StockLot` (per lot and quality) and the running balance
of each `StockMove` — never by summing the move history, so the pages stay fast over millions of
moves. The stock card reads one product × location through the index `stockmove_card_idx`
(product, location, id): a page is one index range plus the count of that range, and the opening
balance of a page is its first move's balance minus that move's quantity (the running balance is
exact by construction, I3).

Permissions: on-hand lists need `warehouse.view_stock` (everyone who sells may look up stock);
stock values are shown only to those who may see the move ledger (`warehouse.view_stockmove`:
keeper, finance, director, clerk, auditor); the stock card needs `warehouse.view_stockmove`.
Stock is master data of the department (SCOPE None): who may see it sees every warehouse."""

from dataclasses import dataclass, field
from decimal import Decimal

import django_filters
from django import forms
from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from salesdept.catalog.models import MONEY, QUANTITY, Category, Product
from salesdept.core.errors import ValidationFailed
from salesdept.core.forms import sort_choices
from salesdept.core.pagination import Paginator
from salesdept.core.permissions import require

from ..models import Location, Quality, Stock, StockLot, StockMove, Warehouse

__all__ = [
    "CARD_PAGE_SIZE",
    "Card",
    "OnHandFilter",
    "ProductStock",
    "can_see_values",
    "card_moves",
    "card_rows",
    "onhand_list",
    "onhand_totals",
    "product_stock",
    "qty",
    "money",
    "stock_card",
]

VIEW_STOCK = "warehouse.view_stock"
VIEW_MOVES = "warehouse.view_stockmove"
ZERO = Decimal("0")
CARD_PAGE_SIZE = 50
QUALITIES = [Quality.ACCEPTED, Quality.PENDING, Quality.REJECTED]


def qty(value):
    """A quantity at its column's precision (SQLite hands computed sums back without their
    scale), None as None."""
    return None if value is None else Decimal(value).quantize(Decimal("0.001"))


def money(value):
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def can_see_values(user) -> bool:
    """Stock values (cost) are for those who see the ledger, not for every seller."""
    return user.has_perm(VIEW_MOVES)


def quantity_field() -> DecimalField:
    return DecimalField(**QUANTITY)


def money_field() -> DecimalField:
    return DecimalField(**MONEY)


def lot_quantity(quality: str):
    """Σ StockLot.quantity of the Stock row being annotated, of one quality (0 when none)."""
    total = (
        StockLot.objects.filter(stock=OuterRef("pk"), quality=quality)
        .order_by()
        .values("stock")
        .annotate(t=Sum("quantity"))
        .values("t")[:1]
    )
    return Coalesce(
        Subquery(total, output_field=quantity_field()), Value(ZERO), output_field=quantity_field()
    )


# --- the on-hand list ---------------------------------------------------------------------------

SORTS = {
    "product": ("product__code", "location__code", "pk"),
    "name": ("product__name", "product__code", "pk"),
    "location": ("location__warehouse__code", "location__code", "product__code", "pk"),
    "quantity": ("quantity", "pk"),
    "value": ("value", "pk"),
    "last_issue_on": ("last_issue_on", "pk"),
}
SORT_CHOICES = sort_choices(SORTS)


class OnHandFilter(django_filters.FilterSet):
    """Filters of the on-hand list (page, API and export alike).

    warehouse  id;  location  id;  category  id;  q  product code or name (Chinese or English);
    quality    accepted | pending | rejected: only rows holding stock of that quality;
    show_zero  also rows whose quantity is 0 (by default only stock on hand is listed);
    sort       product, name, location, quantity, value, last_issue_on (prefix - for descending)."""

    warehouse = django_filters.ModelChoiceFilter(
        label=_("Warehouse"),
        queryset=Warehouse.objects.filter(is_active=True),
        field_name="location__warehouse",
        empty_label=_("All"),
    )
    location = django_filters.NumberFilter(label=_("Location"), field_name="location_id", min_value=1)
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        queryset=Category.objects.all(),
        field_name="product__category",
        empty_label=_("All"),
    )
    q = django_filters.CharFilter(label=_("Product"), method="filter_q", max_length=100)
    quality = django_filters.ChoiceFilter(
        label=_("Quality"), choices=Quality.choices, method="filter_quality", empty_label=_("All")
    )
    show_zero = django_filters.BooleanFilter(
        label=_("Also show zero stock"), method="filter_show_zero", widget=forms.CheckboxInput
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

    def filter_quality(self, queryset, name, value):
        if not value:
            return queryset
        held = StockLot.objects.filter(stock=OuterRef("pk"), quality=value, quantity__gt=0)
        return queryset.filter(Exists(held))

    def filter_show_zero(self, queryset, name, value):
        return queryset  # applied in onhand_list (the default hides zero rows)

    def filter_sort(self, queryset, name, value):
        fields = SORTS[value.lstrip("-")]
        return queryset.order_by(*(f"-{f}" for f in fields) if value.startswith("-") else fields)


def _valid(filterset) -> None:
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})


def onhand_list(*, user, filters=None) -> QuerySet[Stock]:
    """Stock rows (product × location) `user` may see, filtered and sorted, each annotated with
    its quantity per quality (`accepted`, `pending`, `rejected`); by product code unless `sort`.
    Rows with nothing on hand are left out unless `show_zero`."""
    require(user, VIEW_STOCK)
    filters = filters if filters is not None else {}
    base = Stock.objects.select_related("product", "location__warehouse").annotate(
        accepted=lot_quantity(Quality.ACCEPTED),
        pending=lot_quantity(Quality.PENDING),
        rejected=lot_quantity(Quality.REJECTED),
    )
    filterset = OnHandFilter(filters, queryset=base)
    _valid(filterset)
    qs = filterset.qs
    if not filterset.form.cleaned_data.get("show_zero"):
        qs = qs.filter(quantity__gt=0)
    if not filters.get("sort"):
        qs = qs.order_by("product__code", "location__warehouse__code", "location__code", "pk")
    return qs


def onhand_totals(rows: QuerySet[Stock]) -> dict:
    """Σ quantity and value of the filtered rows (one aggregate query)."""
    totals = rows.order_by().aggregate(quantity=Sum("quantity"), value=Sum("value"))
    return {
        "quantity": Decimal(totals["quantity"] or 0).quantize(Decimal("0.001")),
        "value": Decimal(totals["value"] or 0).quantize(Decimal("0.01")),
    }


# --- one product across locations -------------------------------------------------------------


@dataclass
class ProductStock:
    product: Product
    rows: list  # Stock rows (with accepted/pending/rejected) holding or having held stock
    lots: list  # StockLot rows with quantity > 0
    quantity: Decimal = ZERO
    value: Decimal = ZERO
    by_quality: dict = field(default_factory=dict)
    by_warehouse: list = field(default_factory=list)


def product_stock(*, user, product_id: int, warehouse_id: int | None = None) -> ProductStock:
    """One product's stock at every location (optionally of one warehouse): the book per
    location with its split by quality, and the lots and serial numbers on hand. Three queries."""
    require(user, VIEW_STOCK)
    product = get_object_or_404(Product.objects.select_related("category"), pk=product_id)
    stock = Stock.objects.filter(product=product).filter(Q(quantity__gt=0) | Q(last_move__isnull=False))
    lots = StockLot.objects.filter(product=product, quantity__gt=0)
    if warehouse_id:
        stock = stock.filter(location__warehouse_id=warehouse_id)
        lots = lots.filter(location__warehouse_id=warehouse_id)
    rows = list(
        stock.select_related("location__warehouse")
        .annotate(
            accepted=lot_quantity(Quality.ACCEPTED),
            pending=lot_quantity(Quality.PENDING),
            rejected=lot_quantity(Quality.REJECTED),
        )
        .order_by("location__warehouse__code", "location__code")
    )
    lot_rows = list(
        lots.select_related("location__warehouse").order_by(
            "location__warehouse__code", "location__code", "lot", "quality"
        )
    )
    by_quality = {q: sum((getattr(r, q) for r in rows), ZERO) for q in QUALITIES}
    warehouses: dict[int, dict] = {}
    for r in rows:
        w = warehouses.setdefault(
            r.location.warehouse_id, {"warehouse": r.location.warehouse, "quantity": ZERO, "value": ZERO}
        )
        w["quantity"] += r.quantity
        w["value"] += r.value
    return ProductStock(
        product=product,
        rows=rows,
        lots=lot_rows,
        quantity=sum((r.quantity for r in rows), ZERO),
        value=sum((r.value for r in rows), ZERO),
        by_quality=by_quality,
        by_warehouse=list(warehouses.values()),
    )


# --- the stock card 库存卡片 ---------------------------------------------------------------------


def in_and_out(moves) -> list:
    """The moves with `qty_in` / `qty_out` (positive, None on the other side) for the card."""
    rows = list(moves)
    for m in rows:
        m.qty_in = m.quantity if m.quantity > 0 else None
        m.qty_out = -m.quantity if m.quantity < 0 else None
    return rows


@dataclass
class Card:
    """One page of the stock card of a product at a location: `page` (a Django Page of
    StockMove, oldest first), the opening balance before its first move and the closing balance
    after its last, the page's totals in and out, and the book (`stock`) now."""

    product: Product
    location: Location
    stock: Stock | None
    page: object
    opening: Decimal = ZERO
    opening_value: Decimal = ZERO
    closing: Decimal = ZERO
    closing_value: Decimal = ZERO
    total_in: Decimal = ZERO
    total_out: Decimal = ZERO

    @property
    def moves(self) -> list:
        return list(self.page.object_list)


def card_moves(*, product_id: int, location_id: int) -> QuerySet[StockMove]:
    """The moves of one product × location in ledger order (index stockmove_card_idx)."""
    return StockMove.objects.filter(product_id=product_id, location_id=location_id).order_by("id")


def card_rows(*, user, product_id: int, location_id: int) -> QuerySet[StockMove]:
    """Every move of the card (for the export), after the same checks as the page."""
    require(user, VIEW_MOVES)
    get_object_or_404(Product, pk=product_id)
    get_object_or_404(Location, pk=location_id)
    return card_moves(product_id=product_id, location_id=location_id).select_related("document")


def stock_card(
    *, user, product_id: int, location_id: int, page: int | str | None = None, page_size: int = CARD_PAGE_SIZE
) -> Card:
    """The stock card: every move of the product at the location with date, document, kind, in,
    out and the stored running balance, `page_size` a page, the newest last; without `page` (or
    with "last") the last page — the most recent moves. Four queries: product, location and book,
    count, the page with its documents."""
    require(user, VIEW_MOVES)
    product = get_object_or_404(Product, pk=product_id)
    location = get_object_or_404(Location.objects.select_related("warehouse"), pk=location_id)
    stock = Stock.objects.filter(product_id=product_id, location_id=location_id).first()
    moves = card_moves(product_id=product_id, location_id=location_id).select_related("document")
    paginator = Paginator(moves, page_size)
    if page in (None, "", "last"):
        page = paginator.num_pages
    page_obj = paginator.get_page(page)
    card = Card(product=product, location=location, stock=stock, page=page_obj)
    rows = in_and_out(page_obj.object_list)
    if rows:
        first, last = rows[0], rows[-1]
        card.opening = first.balance - first.quantity
        card.opening_value = first.balance_value - first.value
        card.closing = last.balance
        card.closing_value = last.balance_value
        card.total_in = sum((m.quantity for m in rows if m.quantity > 0), ZERO)
        card.total_out = sum((-m.quantity for m in rows if m.quantity < 0), ZERO)
    return card
