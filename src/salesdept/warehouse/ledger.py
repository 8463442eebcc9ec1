"""The one way stock changes (W1, I2–I4): `post_moves()` writes a posted document's moves.

Callers (the posting services of this app, later shipments and returns) build a list of
`Change`s inside their own transaction and call `post_moves()` once. It

1. makes sure a `Stock` row exists for every product × location touched (INSERT … ON CONFLICT
   DO NOTHING) and locks them in id order — a row that always exists, locked in a fixed order, so
   two people issuing the last unit queue on it and no two postings deadlock (on SQLite the
   transaction is IMMEDIATE, so writers queue anyway); serial-tracked and unique-unit products
   also lock their product row, so one serial number cannot come in twice at two locations;
2. applies the changes in order, refusing (DomainError 409 `insufficient_stock`, naming the line,
   the product, the location, the lot and what is there) anything that would take more than the
   lot and quality hold — nothing is written then, the caller's transaction rolls back;
3. values every outflow at the moving average cost of that product × location (the last unit
   takes the rest of the value, so value reaches 0 with quantity), and every transfer or quality
   change carries the value it took out into its destination;
4. appends one `StockMove` per change with the running balance of the product × location (the
   stock card) and saves the new `Stock` and `StockLot` figures.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from salesdept.catalog.models import Product
from salesdept.core.errors import DomainError

from .models import MoveKind, Quality, Stock, StockDocument, StockDocumentLine, StockLot, StockMove

CENT = Decimal("0.01")
ZERO = Decimal("0")
ONE_PER_SERIAL = {Product.Kind.SERIAL, Product.Kind.UNIT}


@dataclass
class Change:
    """One change of stock, from one document line.

    quantity > 0 brings stock in at `location` (lot, quality) valued at `value` (None: at the
    current average cost there, 0 when there is none); quantity < 0 takes it out, valued at the
    average cost. With `to_location` and/or `to_quality` set, `quantity` (> 0) moves from
    (location, quality) to (to_location or location, to_quality or quality) with its value: two
    moves, `kind` for the way out and `in_kind` for the way in."""

    line: StockDocumentLine
    quantity: Decimal
    kind: str
    location_id: int | None = None
    lot: str | None = None
    quality: str | None = None
    value: Decimal | None = None
    to_location_id: int | None = None
    to_quality: str | None = None
    in_kind: str | None = None

    def __post_init__(self):
        self.location_id = self.location_id or self.line.location_id
        self.lot = self.line.lot if self.lot is None else self.lot
        self.quality = self.quality or self.line.quality

    @property
    def is_relocation(self) -> bool:
        return self.to_location_id is not None or self.to_quality is not None


def _money(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def insufficient(
    line: StockDocumentLine, *, product, location, lot: str, quality: str, available, wanted
) -> DomainError:
    """The refusal of a line that would take more than the stock holds."""
    message = _(
        "Line %(pos)s: only %(available)s of %(product)s (%(quality)s%(lot)s) at %(location)s; "
        "%(wanted)s wanted. Stock never goes negative."
    ) % {
        "pos": line.position,
        "available": available.normalize() if available else 0,
        "product": product.name,
        "quality": Quality(quality).label,
        "lot": f", {lot}" if lot else "",
        "location": location,
        "wanted": wanted.normalize(),
    }
    return DomainError(
        "insufficient_stock",
        message,
        fields={f"lines.{line.position}.quantity": message},
        extra={
            "line": line.position,
            "product": product.code,
            "location": str(location),
            "lot": lot,
            "quality": quality,
            "available": str(available),
            "wanted": str(wanted),
        },
    )


def _lock_stock(keys: set[tuple[int, int]]) -> dict[tuple[int, int], Stock]:
    Stock.objects.bulk_create(
        [Stock(product_id=p, location_id=loc) for p, loc in sorted(keys)], ignore_conflicts=True
    )
    where = Q()
    for product_id, location_id in keys:
        where |= Q(product_id=product_id, location_id=location_id)
    rows = (
        Stock.objects.select_for_update().filter(where).select_related("product", "location").order_by("pk")
    )
    return {(s.product_id, s.location_id): s for s in rows}


def _lots(stocks: dict, keys: set[tuple[int, int, str, str]]) -> dict[tuple, StockLot]:
    StockLot.objects.bulk_create(
        [
            StockLot(stock=stocks[(p, loc)], product_id=p, location_id=loc, lot=lot, quality=q)
            for p, loc, lot, q in sorted(keys)
        ],
        ignore_conflicts=True,
    )
    where = Q()
    for p, loc, lot, q in keys:
        where |= Q(product_id=p, location_id=loc, lot=lot, quality=q)
    # Locked under the Stock rows already held, so this never waits on another posting.
    return {
        (r.product_id, r.location_id, r.lot, r.quality): r
        for r in StockLot.objects.select_for_update().filter(where)
    }


def _split(changes: list[Change]) -> list[tuple[Change, int, str, Decimal, str]]:
    """Each change as its single moves: (change, location, quality, signed quantity, kind)."""
    out = []
    for c in changes:
        if c.is_relocation:
            out.append((c, c.location_id, c.quality, -c.quantity, c.kind))
            out.append(
                (
                    c,
                    c.to_location_id or c.location_id,
                    c.to_quality or c.quality,
                    c.quantity,
                    c.in_kind or c.kind,
                )
            )
        else:
            out.append((c, c.location_id, c.quality, c.quantity, c.kind))
    return out


def post_moves(
    document: StockDocument, changes: list[Change], *, by, record_line_values: bool = True
) -> list[StockMove]:
    """Apply `changes` of `document` (being posted by `by`, inside the caller's transaction) to
    the stock and append their moves. Raises DomainError and writes nothing when any line would
    take more than there is. `record_line_values=False` leaves the lines' `value` alone (a quality
    inspection moves stock of a line posted earlier)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("post_moves() must run inside the transaction that posts the document.")
    single = _split(changes)
    if not single:
        return []
    product_ids = {c.line.product_id for c in changes}
    serial_ids = set(
        Product.objects.filter(pk__in=product_ids, kind__in=ONE_PER_SERIAL).values_list("pk", flat=True)
    )
    if serial_ids:  # lock the products first (always before Stock rows: a fixed order)
        list(Product.objects.select_for_update().filter(pk__in=serial_ids).order_by("pk").values_list("pk"))
    stocks = _lock_stock({(c.line.product_id, loc) for c, loc, _q, _n, _k in single})
    lots = _lots(stocks, {(c.line.product_id, loc, c.lot, q) for c, loc, q, _n, _k in single})

    moves: list[StockMove] = []
    carried: dict[int, Decimal] = {}  # id(change) → value taken out, for its way in
    for change, location_id, quality, quantity, kind in single:
        product_id = change.line.product_id
        stock = stocks[(product_id, location_id)]
        lot_row = lots[(product_id, location_id, change.lot, quality)]
        if quantity < 0:
            wanted = -quantity
            if lot_row.quantity < wanted:
                raise insufficient(
                    change.line,
                    product=stock.product,
                    location=stock.location,
                    lot=change.lot,
                    quality=quality,
                    available=lot_row.quantity,
                    wanted=wanted,
                )
            if wanted == stock.quantity:
                value = -stock.value
            else:
                value = -_money(stock.value * wanted / stock.quantity)
            carried[id(change)] = -value
        else:
            if change.is_relocation:
                value = carried.pop(id(change))
            elif change.value is not None:
                value = _money(change.value)
            elif stock.quantity > 0:
                value = _money(stock.value * quantity / stock.quantity)
            else:
                value = ZERO
        stock.quantity += quantity
        stock.value += value
        lot_row.quantity += quantity
        if quantity < 0 and kind == MoveKind.ISSUE:
            stock.last_issue_on = max(stock.last_issue_on or document.moved_on, document.moved_on)
        moves.append(
            StockMove(
                product_id=product_id,
                location_id=location_id,
                lot=change.lot,
                quality=quality,
                kind=kind,
                quantity=quantity,
                value=value,
                balance=stock.quantity,
                balance_value=stock.value,
                moved_on=document.moved_on,
                document=document,
                line=change.line,
                created_by=by,
            )
        )
    StockMove.objects.bulk_create(moves)
    last = {}
    for move in moves:
        last[(move.product_id, move.location_id)] = move
    for key, move in last.items():
        stocks[key].last_move = move
    Stock.objects.bulk_update(list(stocks.values()), ["quantity", "value", "last_move", "last_issue_on"])
    StockLot.objects.bulk_update(list(lots.values()), ["quantity"])
    if serial_ids:
        _refuse_duplicate_serials(serial_ids, changes)
    if record_line_values:
        _set_line_values(changes, moves)
    return moves


def _refuse_duplicate_serials(serial_ids: set[int], changes: list[Change]) -> None:
    """A serial number (or a unique unit) is at most one piece, in one place."""
    lots = {(c.line.product_id, c.lot) for c in changes if c.line.product_id in serial_ids}
    where = Q()
    for product_id, lot in lots:
        where |= Q(product_id=product_id, lot=lot)
    over = (
        StockLot.objects.filter(where)
        .values("product_id", "lot")
        .annotate(total=Sum("quantity"))
        .filter(total__gt=1)
        .order_by("product_id", "lot")
        .first()
    )
    if over is not None:
        line = next(
            c.line for c in changes if (c.line.product_id, c.lot) == (over["product_id"], over["lot"])
        )
        message = _("Line %(pos)s: %(lot)s is already in stock; a serial number is one piece.") % {
            "pos": line.position,
            "lot": over["lot"] or line.product.code,
        }
        raise DomainError(
            "serial_in_stock",
            message,
            fields={f"lines.{line.position}.lot": message},
            extra={"line": line.position},
        )


def _set_line_values(changes: list[Change], moves: list[StockMove]) -> None:
    """Record on each line the value it moved (the way out for transfers and quality changes)."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for change, move in zip(_split(changes), moves, strict=True):
        c = change[0]
        if not c.is_relocation or move.quantity < 0:
            totals[c.line.pk] += abs(move.value)
    lines = {c.line.pk: c.line for c in changes}
    for pk, value in totals.items():
        lines[pk].value = value
    StockDocumentLine.objects.bulk_update(list(lines.values()), ["value"])
