"""Stock levels (W4): products under their minimum with the quantity to bring them to the maximum,
turnover days per product over a period, and slow-moving stock (呆滞物料) — all optionally of one
warehouse.

- Under min: one row per `StockRule` (product × warehouse). On hand counts the *accepted* stock
  of the warehouse (Σ StockLot of quality accepted at its locations): pending and rejected stock
  cannot be issued. Listed when on hand < minimum; to order = maximum − on hand. One query.
- Turnover days over [date_from, date_to] (n = days in the period, both ends included):
  opening = stock at the start of date_from, closing = stock at the end of date_to, both read
  back from the stored book (Σ Stock now − Σ moves dated after the point), so only the moves
  from date_from on are summed (index on moved_on); issued = the net outflow of moves of kind
  issue in the period (a reversed issue cancels out); average stock = (opening + closing) / 2,
  daily issue = issued / n, turnover days = average stock / daily issue (none when nothing was
  issued). Two queries (one GROUP BY over the moves of the period, one over Stock).
- Slow-moving: per product, stock on hand whose last issue (Stock.last_issue_on, kept by the
  posting) is more than N days ago — or that was never issued and came in (first move at that
  location) more than N days ago — with quantity and value. One GROUP BY over Stock.

Permissions: under-min needs `warehouse.view_stockrule`; turnover and slow-moving show stock
values and need `warehouse.view_stockmove` (keeper, finance, director, clerk, auditor)."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.catalog.models import QUANTITY, Product
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from ..models import MoveKind, Quality, Stock, StockLot, StockMove, StockRule, Warehouse

__all__ = [
    "MAX_PERIOD_DAYS",
    "SLOW_SORTS",
    "TURNOVER_SORTS",
    "UNDER_MIN_SORTS",
    "SlowRow",
    "TurnoverRow",
    "slow_moving",
    "turnover",
    "under_min",
]

ZERO = Decimal("0")
QTY = Decimal("0.001")
CENT = Decimal("0.01")
DAYS = Decimal("0.1")
MAX_PERIOD_DAYS = 3660  # ten years: a period longer than that is a typing mistake


def _qty() -> DecimalField:
    return DecimalField(**QUANTITY)


def _q(value) -> Decimal:
    return Decimal(value or 0).quantize(QTY, rounding=ROUND_HALF_UP)


def _m(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def _warehouse(warehouse_id) -> Warehouse | None:
    if warehouse_id in (None, ""):
        return None
    try:
        pk = int(warehouse_id)
    except (TypeError, ValueError):
        pk = 0
    warehouse = Warehouse.objects.filter(pk=pk).first()
    if warehouse is None:
        raise ValidationFailed({"warehouse": _("Choose a warehouse from the list.")})
    return warehouse


# --- under min ----------------------------------------------------------------------------------


UNDER_MIN_SORTS = {
    "product": ("product__code", "warehouse__code", "pk"),
    "warehouse": ("warehouse__code", "product__code", "pk"),
    "on_hand": ("on_hand", "pk"),
    "to_order": ("to_order", "pk"),
}
SLOW_SORTS = ("idle_days", "product", "quantity", "value")


def under_min(
    *, user, warehouse_id=None, q: str = "", include_all: bool = False, sort: str = ""
) -> QuerySet[StockRule]:
    """Stock rules whose accepted stock in the warehouse is under the minimum, each with
    `on_hand` and `to_order` (= maximum − on hand); by warehouse and product unless `sort`
    (UNDER_MIN_SORTS, prefix - for descending). `include_all` lists every rule (the page's
    switch)."""
    require(user, "warehouse.view_stockrule")
    warehouse = _warehouse(warehouse_id)
    on_hand = (
        StockLot.objects.filter(
            product_id=OuterRef("product_id"),
            location__warehouse_id=OuterRef("warehouse_id"),
            quality=Quality.ACCEPTED,
        )
        .order_by()
        .values("product_id")
        .annotate(t=Sum("quantity"))
        .values("t")[:1]
    )
    qs = StockRule.objects.select_related("product", "warehouse").annotate(
        # rounded to the quantity's precision: SQLite sums decimals as floats
        on_hand=Round(
            Coalesce(Subquery(on_hand, output_field=_qty()), Value(ZERO), output_field=_qty()),
            3,
            output_field=_qty(),
        )
    )
    qs = qs.annotate(
        to_order=Case(
            When(
                on_hand__lt=F("max_quantity"),
                then=ExpressionWrapper(F("max_quantity") - F("on_hand"), output_field=_qty()),
            ),
            default=Value(ZERO),
            output_field=_qty(),
        )
    )
    if warehouse:
        qs = qs.filter(warehouse=warehouse)
    if q := (q or "").strip():
        qs = qs.filter(
            Q(product__code__icontains=q) | Q(product__name__icontains=q) | Q(product__name_en__icontains=q)
        )
    if not include_all:
        qs = qs.filter(on_hand__lt=F("min_quantity"))
    fields = UNDER_MIN_SORTS.get((sort or "").lstrip("-"), UNDER_MIN_SORTS["warehouse"])
    return qs.order_by(*(f"-{f}" for f in fields) if (sort or "").startswith("-") else fields)


# --- turnover -----------------------------------------------------------------------------------


@dataclass
class TurnoverRow:
    product: Product
    opening: Decimal
    closing: Decimal
    issued: Decimal
    days: int

    @property
    def average(self) -> Decimal:
        return _q((self.opening + self.closing) / 2)

    @property
    def daily_issue(self) -> Decimal:
        return _q(self.issued / self.days) if self.days else ZERO

    @property
    def turnover_days(self) -> Decimal | None:
        """Average stock ÷ average daily issue, 0.1 day precision; None when nothing was issued."""
        if self.issued <= 0:
            return None
        return ((self.opening + self.closing) / 2 * self.days / self.issued).quantize(
            DAYS, rounding=ROUND_HALF_UP
        )


TURNOVER_SORTS = ("product", "turnover_days", "issued", "average")


def turnover(
    *,
    user,
    date_from: datetime.date,
    date_to: datetime.date,
    warehouse_id=None,
    q: str = "",
    sort: str = "product",
) -> list[TurnoverRow]:
    """Turnover days per product over the period (see the module docstring): every product that
    had stock or moves in it. Two queries plus one for the products."""
    require(user, "warehouse.view_stockmove")
    if date_from > date_to:
        raise ValidationFailed({"date_to": _("The end date must not be before the start date.")})
    days = (date_to - date_from).days + 1
    if days > MAX_PERIOD_DAYS:
        raise ValidationFailed({"date_from": _("Choose a period of at most ten years.")})
    warehouse = _warehouse(warehouse_id)
    moves = StockMove.objects.filter(moved_on__gte=date_from)
    stock = Stock.objects.all()
    if warehouse:
        moves = moves.filter(location__warehouse=warehouse)
        stock = stock.filter(location__warehouse=warehouse)
    if q := (q or "").strip():
        match = (
            Q(product__code__icontains=q) | Q(product__name__icontains=q) | Q(product__name_en__icontains=q)
        )
        moves = moves.filter(match)
        stock = stock.filter(match)
    since = {
        r["product_id"]: r
        for r in moves.order_by()
        .values("product_id")
        .annotate(
            after_start=Sum("quantity"),
            after_end=Sum("quantity", filter=Q(moved_on__gt=date_to)),
            issued=Sum("quantity", filter=Q(kind=MoveKind.ISSUE, moved_on__lte=date_to)),
        )
    }
    now = {
        r["product_id"]: r["q"]
        for r in stock.order_by().values("product_id").annotate(q=Sum("quantity")).filter(Q(q__gt=0))
    }
    ids = set(since) | set(now)
    products = Product.objects.in_bulk(ids)
    rows = []
    for pid in ids:
        current = _q(now.get(pid))
        s = since.get(pid, {})
        opening = current - _q(s.get("after_start"))
        closing = current - _q(s.get("after_end"))
        issued = -_q(s.get("issued"))
        if opening == 0 and closing == 0 and issued == 0 and not s:
            continue
        rows.append(
            TurnoverRow(product=products[pid], opening=opening, closing=closing, issued=issued, days=days)
        )
    key = (sort or "product").lstrip("-")
    reverse = (sort or "").startswith("-")
    if key == "turnover_days":
        # no issue at all sorts as the slowest
        rows.sort(key=lambda r: (r.turnover_days is None, r.turnover_days or ZERO, r.product.code))
        if reverse:
            rows.reverse()
    elif key in ("issued", "average"):
        rows.sort(key=lambda r: (getattr(r, key), r.product.code), reverse=reverse)
    else:
        rows.sort(key=lambda r: r.product.code, reverse=reverse)
    return rows


# --- slow-moving --------------------------------------------------------------------------------


@dataclass
class SlowRow:
    product: Product
    quantity: Decimal
    value: Decimal
    idle_since: datetime.date | None
    last_issue_on: datetime.date | None
    today: datetime.date

    @property
    def idle_days(self) -> int | None:
        return (self.today - self.idle_since).days if self.idle_since else None


def slow_moving(
    *,
    user,
    days: int = 90,
    warehouse_id=None,
    q: str = "",
    today: datetime.date | None = None,
    sort: str = "-idle_days",
) -> list[SlowRow]:
    """Products with stock on hand and no issue for more than `days` days (never issued: came in
    more than `days` days ago), with quantity and value; longest idle first unless `sort`
    (SLOW_SORTS, prefix - for descending). One query plus one for the products."""
    require(user, "warehouse.view_stockmove")
    if days is None or days < 1 or days > MAX_PERIOD_DAYS:
        raise ValidationFailed({"days": _("Enter a number of days between 1 and 3660.")})
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=days)
    warehouse = _warehouse(warehouse_id)
    first_move = (
        StockMove.objects.filter(product_id=OuterRef("product_id"), location_id=OuterRef("location_id"))
        .order_by("id")
        .values("moved_on")[:1]
    )
    stock = Stock.objects.filter(quantity__gt=0)
    if warehouse:
        stock = stock.filter(location__warehouse=warehouse)
    if q := (q or "").strip():
        stock = stock.filter(
            Q(product__code__icontains=q) | Q(product__name__icontains=q) | Q(product__name_en__icontains=q)
        )
    grouped = (
        stock.order_by()
        .values("product_id")
        .annotate(
            quantity=Sum("quantity"),
            value=Sum("value"),
            last_issue=Max("last_issue_on"),
            idle_since=Max(Coalesce("last_issue_on", Subquery(first_move, output_field=DateField()))),
        )
        .filter(idle_since__lt=cutoff)
    )
    data = list(grouped)
    products = Product.objects.in_bulk([r["product_id"] for r in data])
    rows = [
        SlowRow(
            product=products[r["product_id"]],
            quantity=_q(r["quantity"]),
            value=_m(r["value"]),
            idle_since=_date(r["idle_since"]),
            last_issue_on=_date(r["last_issue"]),
            today=today,
        )
        for r in data
    ]
    key = (sort or "").lstrip("-")
    descending = (sort or "-").startswith("-")
    if key == "product":
        rows.sort(key=lambda r: r.product.code, reverse=descending)
    elif key in ("quantity", "value"):
        rows.sort(key=lambda r: (getattr(r, key), r.product.code), reverse=descending)
    else:  # idle days: the longest idle (earliest date) first when descending
        rows.sort(key=lambda r: (r.idle_since or datetime.date.min, r.product.code), reverse=not descending)
    return rows


def _date(value):
    if isinstance(value, str):  # SQLite hands an aggregate over dates back as text
        return datetime.date.fromisoformat(value[:10])
    if isinstance(value, datetime.datetime):
        return value.date()
    return value
