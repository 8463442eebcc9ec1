"""Reads of stocktakes (W3): the list, one stocktake with its lines, the variance report (lines
that differ, valued at the average cost of the product at that location), the cycle-count
proposal and the count sheet PDF (blind by default: no book quantities)."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdept.core.errors import ValidationFailed
from salesdept.core.pdf import render_pdf
from salesdept.core.permissions import require

from ..filters_stocktakes import StocktakeFilter
from ..models import Stock, Stocktake, Warehouse
from ..services.stocktakes import cycle_proposal

__all__ = ["count_sheet_pdf", "proposal", "stocktake_get", "stocktake_list", "variance_report"]

CENT = Decimal("0.01")


def stocktake_list(*, user, filters=None) -> QuerySet[Stocktake]:
    """Stocktakes, newest count first, each annotated `line_count`, `counted_count` and
    `variance_count`. A bad filter raises ValidationFailed."""
    require(user, "warehouse.view_stocktake")
    base = (
        Stocktake.objects.select_related("warehouse", "location", "prepared_by", "adjustment")
        .annotate(
            line_count=Count("lines"),
            counted_count=Count("lines", filter=Q(lines__counted_quantity__isnull=False)),
            variance_count=Count(
                "lines",
                filter=Q(lines__counted_quantity__isnull=False)
                & ~Q(lines__counted_quantity=F("lines__book_quantity")),
            ),
        )
        .order_by("-counted_on", "-pk")
    )
    filterset = StocktakeFilter(filters if filters is not None else {}, queryset=base)
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def stocktake_get(*, user, stocktake_id: int) -> Stocktake:
    """One stocktake with its lines (product, location, counter) loaded; 404 when unknown."""
    require(user, "warehouse.view_stocktake")
    qs = Stocktake.objects.select_related(
        "warehouse", "location", "prepared_by", "adjustment"
    ).prefetch_related("lines__product", "lines__location", "lines__counted_by")
    return get_object_or_404(qs, pk=stocktake_id)


def _unit_costs(stocktake: Stocktake) -> dict[tuple[int, int], Decimal]:
    """Average cost per product × location (value ÷ quantity of the book now); where nothing is
    left there, the product's average over the warehouse."""
    keys = list(stocktake.lines.values_list("product_id", "location_id"))
    product_ids = {p for p, _loc in keys}
    rows = Stock.objects.filter(product_id__in=product_ids, location__warehouse_id=stocktake.warehouse_id)
    costs, totals = {}, {}
    for s in rows.values("product_id", "location_id", "quantity", "value"):
        if s["quantity"] > 0:
            costs[(s["product_id"], s["location_id"])] = s["value"] / s["quantity"]
        q, v = totals.get(s["product_id"], (Decimal(0), Decimal(0)))
        totals[s["product_id"]] = (q + s["quantity"], v + s["value"])
    for p, loc in keys:
        if (p, loc) not in costs:
            q, v = totals.get(p, (Decimal(0), Decimal(0)))
            costs[(p, loc)] = v / q if q > 0 else Decimal(0)
    return costs


VARIANCE_SORTS = {
    "location": lambda x: (x.location.code, x.product.code),
    "product": lambda x: (x.product.code, x.location.code),
    "variance": lambda x: (x.variance, x.pk),
    "value": lambda x: (x.variance_value, x.pk),
}


def variance_report(*, user, stocktake_id: int, sort: str | None = None) -> dict:
    """The lines with a variance (counted − book ≠ 0), each with `variance`, `unit_cost` (the
    average cost) and `variance_value`; totals of gains, losses and the net, and how many lines
    were counted. Once posted, the values are those the adjustment posted. `sort`: location
    (default), product, variance or value, "-" for descending."""
    stocktake = stocktake_get(user=user, stocktake_id=stocktake_id)
    costs = _unit_costs(stocktake)
    posted = {}
    if stocktake.adjustment_id:
        for line in stocktake.adjustment.lines.all():
            posted[(line.product_id, line.location_id, line.lot, line.quality)] = line.value
    rows, gain, loss = [], Decimal(0), Decimal(0)
    lines = list(stocktake.lines.all())
    for line in lines:
        if line.counted_quantity is None or line.counted_quantity == line.book_quantity:
            continue
        line.unit_cost = costs.get((line.product_id, line.location_id), Decimal(0)).quantize(
            CENT, ROUND_HALF_UP
        )
        key = (line.product_id, line.location_id, line.lot, line.quality)
        if key in posted:
            value = posted[key] if line.variance > 0 else -posted[key]
        else:
            value = (line.variance * costs.get((line.product_id, line.location_id), Decimal(0))).quantize(
                CENT, ROUND_HALF_UP
            )
        line.variance_value = value
        if value >= 0:
            gain += value
        else:
            loss += value
        rows.append(line)
    key = (sort or "").lstrip("-")
    if key in VARIANCE_SORTS:
        rows.sort(key=VARIANCE_SORTS[key], reverse=(sort or "").startswith("-"))
    return {
        "stocktake": stocktake,
        "rows": rows,
        "line_count": len(lines),
        "counted_count": sum(1 for x in lines if x.counted_quantity is not None),
        "gain": gain,
        "loss": loss,
        "net": gain + loss,
        "posted": bool(stocktake.adjustment_id),
    }


def proposal(*, user, warehouse_id, on: datetime.date | None = None) -> dict:
    """The cycle-count proposal of a warehouse for the week of `on` (services.cycle_proposal)."""
    require(user, "warehouse.view_stocktake")
    warehouse = get_object_or_404(Warehouse, pk=warehouse_id)
    return cycle_proposal(warehouse, on=on or timezone.localdate())


def count_sheet_pdf(
    *, user, stocktake_id: int, language: str | None = None, show_book: bool = False
) -> bytes:
    """The printable count sheet: every line with an empty box for the counted quantity. Blind
    (no book quantities) unless `show_book`, which needs the view permission of the book."""
    stocktake = stocktake_get(user=user, stocktake_id=stocktake_id)
    if show_book:
        require(user, "warehouse.view_stock")
    return render_pdf(
        "pdf/count_sheet.html",
        {
            "stocktake": stocktake,
            "lines": list(stocktake.lines.all()),
            "show_book": show_book,
            "title": _("Count sheet"),
            "signatures": [_("Counted by"), _("Checked by"), _("Warehouse keeper")],
        },
        language=language,
    )
