"""Writes of stocktakes 盘点 (W3): a spot check of one product, the cycle count of the products
proposed for this week, or the month-end full count.

    stocktake_create   snapshot of the book (帐) per product × location × lot × quality, taken
                       under the same Stock row locks the ledger uses, so the snapshot is one
                       consistent moment; `book_move_id` is the last move then
    stocktake_count    counted quantities (who, when); only while the stocktake is a draft
    stocktake_add_line goods found where the book has none (book 0)
    stocktake_submit / _approve / _reject / _cancel    core.workflow, two-person review;
                       nobody who counted a line may approve it (403 own_count), nor the preparer
    on the final approval the variance (counted − book, lines without one skipped) is posted as
    an adjustment document (purpose "count") in the same transaction and linked as
    `stocktake.adjustment`.

The variance is posted against today's stock: moves after the snapshot are already in the book,
so counted − book-at-snapshot is still the right correction."""

import datetime
import math
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.catalog.models import Product
from salesdept.core import review, workflow
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.events import log
from salesdept.core.numbering import next_number
from salesdept.core.permissions import require

from ..ledger import Change, post_moves
from ..models import (
    DocumentKind,
    Location,
    MoveKind,
    Purpose,
    Quality,
    Stock,
    StockDocument,
    StockDocumentLine,
    StockDocumentStatus,
    StockLot,
    StockRule,
    Stocktake,
    StocktakeLine,
    Warehouse,
)
from . import inputs

__all__ = [
    "OWN_COUNT",
    "cycle_proposal",
    "stocktake_add_line",
    "stocktake_allowed_actions",
    "stocktake_approve",
    "stocktake_cancel",
    "stocktake_count",
    "stocktake_create",
    "stocktake_for_update",
    "stocktake_reject",
    "stocktake_submit",
]

ZERO = Decimal("0")
OWN_COUNT = _("Someone who counted this stocktake cannot approve its variance.")


def own_count() -> DomainError:
    return DomainError("own_count", OWN_COUNT, status=403)


def counters(stocktake: Stocktake) -> set[int]:
    """Everyone who counted a line — now, or in an earlier round before it was sent back (every
    count is logged as an edit of the stocktake)."""
    now = set(stocktake.lines.exclude(counted_by=None).values_list("counted_by_id", flat=True).distinct())
    return now | set(stocktake.events.filter(action="edit").values_list("actor_id", flat=True).distinct())


def stocktake_allowed_actions(stocktake: Stocktake, user) -> list[str]:
    """The workflow moves `user` may make now (the engine's list, without "approve" for anyone
    who counted), plus "count" while the stocktake is a draft and `user` may change it."""
    actions = workflow.allowed_actions(stocktake, user)
    if "approve" in actions and user.pk in counters(stocktake):
        actions.remove("approve")
    if (
        stocktake.status in stocktake.EDITABLE_STATES
        and user.is_active
        and user.has_perm("warehouse.change_stocktake")
    ):
        actions.insert(0, "count")
    return actions


def stocktake_for_update(*, stocktake_id: int, user) -> Stocktake:
    """The stocktake, locked (404 when unknown)."""
    return get_object_or_404(Stocktake.objects.select_for_update(of=("self",)), pk=stocktake_id)


# --- the cycle proposal ----------------------------------------------------------------------


def last_counts(warehouse_id: int, product_ids=None) -> dict[int, datetime.date]:
    """Product id → the date of its last approved count in the warehouse."""
    qs = StocktakeLine.objects.filter(
        stocktake__warehouse_id=warehouse_id, stocktake__status=Stocktake.TRANSITIONS["approve"].target
    )
    if product_ids is not None:
        qs = qs.filter(product_id__in=product_ids)
    return dict(
        qs.values("product_id").annotate(last=Max("stocktake__counted_on")).values_list("product_id", "last")
    )


def cycle_proposal(warehouse: Warehouse | int, *, on: datetime.date | None = None) -> dict:
    """Which products to count in the week of `on` so that every product with stock in the
    warehouse is counted within `warehouse.cycle_days`: the products ordered by their last
    approved count (never counted first, then the oldest; product code breaks ties), of which
    this week's share is ceil(n × 7 / cycle_days).

    Returns {"warehouse", "on", "total", "share", "products": [Product with `last_counted`
    (date or None) and `days_since` (None: never)], "rest": the other products in the same order}."""
    if not isinstance(warehouse, Warehouse):
        warehouse = get_object_or_404(Warehouse, pk=warehouse)
    on = on or timezone.localdate()
    product_ids = set(
        Stock.objects.filter(location__warehouse=warehouse, quantity__gt=0)
        .exclude(product__kind=Product.Kind.SERVICE)
        .values_list("product_id", flat=True)
    )
    counted = last_counts(warehouse.pk, product_ids)
    products = list(Product.objects.filter(pk__in=product_ids))
    for p in products:
        p.last_counted = counted.get(p.pk)
        p.days_since = (on - p.last_counted).days if p.last_counted else None
    products.sort(key=lambda p: (p.last_counted is not None, p.last_counted or datetime.date.min, p.code))
    total = len(products)
    cycle = max(int(warehouse.cycle_days or 1), 1)
    share = min(total, math.ceil(total * 7 / cycle)) if total else 0
    return {
        "warehouse": warehouse,
        "on": on,
        "total": total,
        "share": share,
        "cycle_days": cycle,
        "products": products[:share],
        "rest": products[share:],
    }


# --- creating: the snapshot ------------------------------------------------------------------


def _location(warehouse: Warehouse, location_id) -> Location | None:
    if location_id in (None, ""):
        return None
    pk = inputs.ident(location_id, "location")
    location = Location.objects.filter(pk=pk, warehouse=warehouse).first()
    if location is None:
        raise ValidationFailed({"location": _("Choose a location of this warehouse.")})
    return location


def _default_location(warehouse: Warehouse, location: Location | None) -> Location | None:
    if location is not None:
        return location
    return (
        warehouse.locations.filter(is_active=True, kind=Location.Kind.STORAGE).order_by("code").first()
        or warehouse.locations.filter(is_active=True).order_by("code").first()
    )


def _products(raw, field: str = "products") -> list[Product]:
    ids = []
    for i, value in enumerate(raw or []):
        ids.append(inputs.ident(value, f"{field}.{i}"))
    found = {p.pk: p for p in Product.objects.filter(pk__in=ids)}
    for i, pk in enumerate(ids):
        product = found.get(pk)
        if product is None:
            raise ValidationFailed({f"{field}.{i}": _("Choose an existing product.")})
        if product.kind == Product.Kind.SERVICE:
            raise ValidationFailed({f"{field}.{i}": _("A service carries no stock and is not counted.")})
    return [found[pk] for pk in dict.fromkeys(ids)]


def _snapshot(stocktake: Stocktake, *, product_ids: set[int] | None, zero_lines_for: set[int]) -> int:
    """Write the lines: every lot × quality with stock at the warehouse (or location) of the
    products (None: all), under the Stock row locks; products in `zero_lines_for` without any
    stock there get a line with book 0 at the stocktake's (or the warehouse's first) location."""
    where = Q(location__warehouse_id=stocktake.warehouse_id)
    if stocktake.location_id:
        where &= Q(location_id=stocktake.location_id)
    if product_ids is not None:
        where &= Q(product_id__in=product_ids)
    where &= ~Q(product__kind=Product.Kind.SERVICE)
    # Lock the book rows in id order, as ledger.post_moves does: no posting runs in between.
    stocks = {
        (s.product_id, s.location_id): s
        for s in Stock.objects.select_for_update(of=("self",)).filter(where).order_by("pk")
    }
    lots = StockLot.objects.filter(where, quantity__gt=0).order_by(
        "product_id", "location_id", "lot", "quality"
    )
    lines = []
    seen = set()
    for lot in lots:
        stock = stocks.get((lot.product_id, lot.location_id))
        seen.add(lot.product_id)
        lines.append(
            StocktakeLine(
                stocktake=stocktake,
                product_id=lot.product_id,
                location_id=lot.location_id,
                lot=lot.lot,
                quality=lot.quality,
                book_quantity=lot.quantity,
                book_move_id=stock.last_move_id if stock else None,
            )
        )
    missing = zero_lines_for - seen
    if missing:
        location = _default_location(stocktake.warehouse, stocktake.location)
        if location is None:
            raise ValidationFailed({"location": _("The warehouse has no location to count at.")})
        for product_id in sorted(missing):
            stock = stocks.get((product_id, location.pk))
            lines.append(
                StocktakeLine(
                    stocktake=stocktake,
                    product_id=product_id,
                    location=location,
                    quality=Quality.ACCEPTED,
                    book_quantity=ZERO,
                    book_move_id=stock.last_move_id if stock else None,
                )
            )
    StocktakeLine.objects.bulk_create(lines)
    return len(lines)


@transaction.atomic
def stocktake_create(
    *,
    by,
    kind: str,
    warehouse_id,
    location_id=None,
    product_ids=None,
    counted_on=None,
    notes: str = "",
) -> Stocktake:
    """Start a stocktake (number PD-YYYY-NNNNNN, draft) and snapshot the book.

    spot   one product (`product_ids` = [id]), at the moment of the call;
    cycle  the given products, or this week's cycle proposal when none are given;
    full   every product with stock in the warehouse (or location), and every product with a
           stock rule there (counted at book 0 where there is none).
    Bad input raises ValidationFailed naming the field (`kind`, `warehouse`, `products.0` …)."""
    require(by, "warehouse.add_stocktake")
    kind = inputs.choice(kind, "kind", Stocktake.Kind)
    warehouse = Warehouse.objects.filter(pk=inputs.ident(warehouse_id, "warehouse"), is_active=True).first()
    if warehouse is None:
        raise ValidationFailed({"warehouse": _("Choose an active warehouse.")})
    location = _location(warehouse, location_id)
    counted_on = inputs.date(counted_on or timezone.localdate(), "counted_on")
    notes = inputs.text({"notes": notes}, "notes", max_length=5000)
    products = _products(product_ids)
    if kind == Stocktake.Kind.SPOT and len(products) != 1:
        raise ValidationFailed({"products": _("A spot check counts exactly one product.")})
    if kind == Stocktake.Kind.FULL and products:
        raise ValidationFailed({"products": _("A full count takes every product; do not choose any.")})
    if kind == Stocktake.Kind.CYCLE and not products:
        products = cycle_proposal(warehouse, on=counted_on)["products"]
        if not products:
            raise ValidationFailed({"products": _("Nothing to count: the warehouse holds no stock.")})
    stocktake = Stocktake.objects.create(
        number=next_number(Stocktake.NUMBER_PREFIX),
        prepared_by=by,
        kind=kind,
        warehouse=warehouse,
        location=location,
        counted_on=counted_on,
        notes=notes,
    )
    if kind == Stocktake.Kind.FULL:
        ruled = set(
            StockRule.objects.filter(warehouse=warehouse)
            .exclude(product__kind=Product.Kind.SERVICE)
            .values_list("product_id", flat=True)
        )
        count = _snapshot(stocktake, product_ids=None, zero_lines_for=ruled)
    else:
        ids = {p.pk for p in products}
        count = _snapshot(stocktake, product_ids=ids, zero_lines_for=ids)
    if not count:
        raise ValidationFailed({"warehouse": _("Nothing to count: no stock and no stock rules here.")})
    log(stocktake, "create", by=by)
    return stocktake


# --- counting --------------------------------------------------------------------------------


def _locked_draft(stocktake_id: int, *, by, version) -> Stocktake:
    stocktake = stocktake_for_update(stocktake_id=stocktake_id, user=by)
    workflow.check_editable(stocktake, by=by, version=None if version in (None, "") else int(version))
    return stocktake


def _bump(stocktake: Stocktake, *, by) -> None:
    stocktake.version += 1
    stocktake.save(update_fields=["version", "updated_at"])
    review.record_edit(stocktake, by=by)


def _counted(value, field: str, product: Product):
    quantity = inputs.decimal(value, field, required=False)
    if quantity is not None and product.kind in (Product.Kind.SERIAL, Product.Kind.UNIT) and quantity > 1:
        raise ValidationFailed({field: _("A serial number is one piece: count 0 or 1.")})
    return quantity


@transaction.atomic
def stocktake_count(*, by, stocktake_id: int, counts: list[dict], version=None) -> Stocktake:
    """Enter counted quantities: `counts` = [{line (id), counted_quantity (≥ 0, or None to
    clear), note}]. A changed quantity records who counted it and when. Only a draft may be
    counted (409 read_only after submission); a stale `version` answers 409 stale_version.
    Errors name `counts.<i>.<field>`."""
    require(by, "warehouse.change_stocktake")
    stocktake = _locked_draft(stocktake_id, by=by, version=version)
    lines = {line.pk: line for line in stocktake.lines.select_related("product")}
    now = timezone.now()
    changed = []
    for i, raw in enumerate(counts or []):
        if not isinstance(raw, dict):
            raise ValidationFailed({f"counts.{i}": _("Enter a line and its counted quantity.")})
        line = lines.get(inputs.ident(raw.get("line"), f"counts.{i}.line"))
        if line is None:
            raise ValidationFailed({f"counts.{i}.line": _("This line is not part of the stocktake.")})
        quantity = _counted(raw.get("counted_quantity"), f"counts.{i}.counted_quantity", line.product)
        note = (
            inputs.text(raw, f"counts.{i}.note", max_length=200, key="note") if "note" in raw else line.note
        )
        if quantity != line.counted_quantity or note != line.note:
            if quantity != line.counted_quantity:
                line.counted_quantity = quantity
                line.counted_by = by if quantity is not None else None
                line.counted_at = now if quantity is not None else None
            line.note = note
            changed.append(line)
    if changed:
        StocktakeLine.objects.bulk_update(changed, ["counted_quantity", "counted_by", "counted_at", "note"])
        _bump(stocktake, by=by)
    return stocktake


@transaction.atomic
def stocktake_add_line(
    *,
    by,
    stocktake_id: int,
    product_id,
    location_id,
    counted_quantity,
    lot: str = "",
    quality: str = Quality.ACCEPTED,
    note: str = "",
    version=None,
) -> StocktakeLine:
    """Record goods found where the book has none: a line with book 0 (the book's actual
    figure when that lot and quality do have stock there) and the counted quantity."""
    require(by, "warehouse.change_stocktake")
    stocktake = _locked_draft(stocktake_id, by=by, version=version)
    product = _products([product_id], field="product")[0] if product_id not in (None, "") else None
    if product is None:
        raise ValidationFailed({"product": _("This field is required.")})
    if location_id in (None, ""):
        raise ValidationFailed({"location": _("This field is required.")})
    location = _location(stocktake.warehouse, location_id)
    if stocktake.location_id and location.pk != stocktake.location_id:
        raise ValidationFailed(
            {"location": _("This stocktake counts only %(location)s.") % {"location": stocktake.location}}
        )
    lot = inputs.text({"lot": lot}, "lot", max_length=60)
    if product.kind in (Product.Kind.SERIAL, Product.Kind.UNIT) and not lot:
        raise ValidationFailed({"lot": _("Enter the serial number.")})
    quality = inputs.choice(quality, "quality", Quality, default=Quality.ACCEPTED)
    quantity = _counted(counted_quantity, "counted_quantity", product)
    if quantity is None:
        raise ValidationFailed({"counted_quantity": _("This field is required.")})
    note = inputs.text({"note": note}, "note", max_length=200)
    if stocktake.lines.filter(product=product, location=location, lot=lot, quality=quality).exists():
        raise ValidationFailed({"product": _("This product, location, lot and quality is already a line.")})
    stock = Stock.objects.select_for_update(of=("self",)).filter(product=product, location=location).first()
    book = StockLot.objects.filter(product=product, location=location, lot=lot, quality=quality).first()
    try:
        with transaction.atomic():
            line = StocktakeLine.objects.create(
                stocktake=stocktake,
                product=product,
                location=location,
                lot=lot,
                quality=quality,
                book_quantity=book.quantity if book else ZERO,
                book_move_id=stock.last_move_id if stock else None,
                counted_quantity=quantity,
                counted_by=by,
                counted_at=timezone.now(),
                note=note,
            )
    except IntegrityError:
        raise ValidationFailed(
            {"product": _("This product, location, lot and quality is already a line.")}
        ) from None
    _bump(stocktake, by=by)
    return line


# --- review and posting ----------------------------------------------------------------------


@transaction.atomic
def stocktake_submit(*, by, stocktake_id: int, note: str = "") -> Stocktake:
    """Submit a draft whose every line is counted (400 naming `lines.<i>.counted_quantity`)."""
    require(by, "warehouse.change_stocktake")
    stocktake = stocktake_for_update(stocktake_id=stocktake_id, user=by)
    if stocktake.status in stocktake.EDITABLE_STATES:
        uncounted = {}
        for i, line in enumerate(stocktake.lines.select_related("product", "location")):
            if line.counted_quantity is None:
                uncounted[f"lines.{i}.counted_quantity"] = _(
                    "Line %(n)s (%(product)s at %(location)s) is not counted yet."
                ) % {
                    "n": i + 1,
                    "product": line.product.code,
                    "location": line.location,
                }
        if uncounted:
            raise ValidationFailed(uncounted, _("Count every line before submitting."))
    workflow.apply(stocktake, "submit", by=by, note=note)
    return stocktake


@transaction.atomic
def stocktake_approve(*, by, stocktake_id: int, note: str = "") -> Stocktake:
    """A review step by a second person — never the preparer (own_document), never anyone who
    counted a line (403 own_count). The final approval posts the variance as an adjustment in
    this transaction and links it; a variance the stock can no longer take (moved meanwhile)
    refuses the approval (409 insufficient_stock) and nothing changes."""
    stocktake = stocktake_for_update(stocktake_id=stocktake_id, user=by)
    if by.pk in counters(stocktake) and by.pk != stocktake.prepared_by_id:
        raise own_count()
    if workflow.apply(stocktake, "approve", by=by, note=note):
        stocktake.adjustment = post_variance(stocktake, by=by)
        stocktake.save(update_fields=["adjustment", "updated_at"])
    return stocktake


@transaction.atomic
def stocktake_reject(*, by, stocktake_id: int, note: str = "") -> Stocktake:
    """Send the stocktake back to draft with a reason (required) to count again."""
    stocktake = stocktake_for_update(stocktake_id=stocktake_id, user=by)
    workflow.apply(stocktake, "reject", by=by, note=note)
    return stocktake


@transaction.atomic
def stocktake_cancel(*, by, stocktake_id: int, note: str = "") -> Stocktake:
    """Withdraw a draft stocktake (nothing is posted)."""
    require(by, "warehouse.change_stocktake")
    stocktake = stocktake_for_update(stocktake_id=stocktake_id, user=by)
    workflow.apply(stocktake, "cancel", by=by, note=note)
    return stocktake


def variance_lines(stocktake: Stocktake) -> list[StocktakeLine]:
    return [
        line
        for line in stocktake.lines.select_related("product", "location").order_by("pk")
        if line.counted_quantity is not None and line.counted_quantity != line.book_quantity
    ]


def _found_costs(stocktake: Stocktake, lines: list[StocktakeLine]) -> dict[int, Decimal]:
    """Line id → unit cost for goods found at a location that holds none of the product: the
    product's average cost over the warehouse (elsewhere the ledger takes the location's own)."""
    found = [x for x in lines if x.counted_quantity > x.book_quantity]
    if not found:
        return {}
    stocks = Stock.objects.filter(
        product_id__in={x.product_id for x in found}, location__warehouse_id=stocktake.warehouse_id
    ).values_list("product_id", "location_id", "quantity", "value")
    held, totals = set(), {}
    for product_id, location_id, quantity, value in stocks:
        if quantity > 0:
            held.add((product_id, location_id))
        q, v = totals.get(product_id, (ZERO, ZERO))
        totals[product_id] = (q + quantity, v + value)
    costs = {}
    for x in found:
        q, v = totals.get(x.product_id, (ZERO, ZERO))
        if (x.product_id, x.location_id) not in held and q > 0:
            costs[x.pk] = (v / q).quantize(Decimal("0.01"))
    return costs


def post_variance(stocktake: Stocktake, *, by) -> StockDocument | None:
    """Post counted − book of every line with a variance as one adjustment (purpose "count"),
    through the documents service when it is there, else straight through the ledger. None when
    nothing differs."""
    lines = variance_lines(stocktake)
    if not lines:
        return None
    costs = _found_costs(stocktake, lines)
    data = {
        "kind": DocumentKind.ADJUSTMENT,
        "purpose": Purpose.COUNT,
        "warehouse": stocktake.warehouse_id,
        "moved_on": timezone.localdate(),
        "reference": stocktake.number,
        "notes": str(_("Variance of stocktake %(number)s") % {"number": stocktake.number}),
        "lines": [
            {
                "product": line.product_id,
                "lot": line.lot,
                "quantity": line.counted_quantity - line.book_quantity,
                "location": line.location_id,
                "quality": line.quality,
                "notes": line.note,
                **({"unit_cost": costs[line.pk]} if line.pk in costs else {}),
            }
            for line in lines
        ],
    }
    try:
        from .documents import post_document
    except ImportError:
        post_document = None
    if post_document is not None:
        return post_document(by=by, data=data, source=stocktake)
    return _post_directly(stocktake, data, by=by)


def _post_directly(stocktake: Stocktake, data: dict, *, by) -> StockDocument:
    """The adjustment written here when the documents service is not available."""
    now = timezone.now()
    document = StockDocument.objects.create(
        number=next_number(StockDocument.NUMBER_PREFIX),
        prepared_by=stocktake.prepared_by,
        status=StockDocumentStatus.POSTED,
        kind=data["kind"],
        purpose=data["purpose"],
        warehouse_id=data["warehouse"],
        moved_on=data["moved_on"],
        reference=data["reference"],
        notes=data["notes"],
        source_type="warehouse.stocktake",
        source_id=stocktake.pk,
        posted_at=now,
        posted_by=by,
    )
    lines = StockDocumentLine.objects.bulk_create(
        [
            StockDocumentLine(
                document=document,
                position=i + 1,
                product_id=x["product"],
                lot=x["lot"],
                quantity=x["quantity"],
                unit_cost=x.get("unit_cost"),
                location_id=x["location"],
                quality=x["quality"],
                notes=x["notes"],
            )
            for i, x in enumerate(data["lines"])
        ]
    )
    post_moves(
        document,
        [
            Change(
                line=line,
                quantity=line.quantity,
                kind=MoveKind.ADJUSTMENT,
                value=None if line.unit_cost is None else line.unit_cost * line.quantity,
            )
            for line in lines
        ],
        by=by,
    )
    log(document, "post", by=by, before=StockDocumentStatus.DRAFT, note=stocktake.number)
    return document
