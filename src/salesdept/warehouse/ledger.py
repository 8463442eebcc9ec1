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

Stock reserved for a document not yet posted (I5: `reserve()`, given back by `release()`) is
not available to anyone else: an outflow takes only what is there and not reserved. A document
that holds stock releases it in the transaction that posts it, just before post_moves().
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, models, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.catalog.models import Product
from salesdept.core.errors import DomainError
from salesdept.ledger import codes
from salesdept.ledger.services import Posting, post_entry

from .models import (
    MoveKind,
    Purpose,
    Quality,
    Stock,
    StockDocument,
    StockDocumentLine,
    StockLot,
    StockMove,
    StockReservation,
)

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
    position: int, *, product, location, lot: str, quality: str, available, wanted, reserved=ZERO
) -> DomainError:
    """The refusal of line `position` that would take more than the stock holds (`available`:
    what is there and not reserved for another document)."""
    values = {
        "pos": position,
        "available": available.normalize() if available else 0,
        "product": product.name,
        "quality": Quality(quality).label,
        "lot": f", {lot}" if lot else "",
        "location": location,
        "wanted": wanted.normalize(),
        "reserved": reserved.normalize(),
    }
    if reserved:
        message = (
            _(
                "Line %(pos)s: only %(available)s of %(product)s (%(quality)s%(lot)s) at %(location)s are "
                "free, %(reserved)s more are reserved for documents awaiting approval; %(wanted)s wanted."
            )
            % values
        )
    else:
        message = (
            _(
                "Line %(pos)s: only %(available)s of %(product)s (%(quality)s%(lot)s) at %(location)s; "
                "%(wanted)s wanted. Stock never goes negative."
            )
            % values
        )
    return DomainError(
        "insufficient_stock",
        message,
        fields={f"lines.{position}.quantity": message},
        extra={
            "line": position,
            "product": product.code,
            "location": str(location),
            "lot": lot,
            "quality": quality,
            "available": str(available),
            "reserved": str(reserved),
            "wanted": str(wanted),
        },
    )


def _require_transaction(what: str) -> None:
    # stock changes only with the document that causes them: the caller's transaction
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{what}() must run inside the transaction that changes the document.")


def _locked(model, columns: tuple[str, ...], keys: list[tuple]):
    """The rows of `model` whose `columns` match one of `keys`, locked (FOR UPDATE on PostgreSQL;
    SQLite's IMMEDIATE transaction already holds the write lock) in id order. A row-value
    `(a, b) IN (VALUES (%s, %s), …)` both databases plan as index lookups; one ORM condition per
    key would cost more Python than the query itself."""
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = (
        f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)} "
        f"WHERE ({', '.join(columns)}) IN (VALUES {', '.join([row] * len(keys))}) ORDER BY id{lock}"
    )
    return model.objects.raw(sql, [value for key in keys for value in key])


def _lock_or_create(model, columns: tuple[str, ...], keys: list[tuple], new) -> dict[tuple, models.Model]:
    """The rows of `model` for `keys` (sorted), locked: those that exist first, in id order, then
    the missing ones, made with `new(key)` (INSERT … ON CONFLICT DO NOTHING waits for anyone
    inserting the same row) and locked. Every posting locks in this order, so none deadlock."""

    def key_of(row) -> tuple:
        return tuple(getattr(row, name) for name in columns)

    rows = {key_of(r): r for r in _locked(model, columns, keys)}
    missing = [key for key in keys if key not in rows]
    if missing:
        model.objects.bulk_create([new(key) for key in missing], ignore_conflicts=True)
        rows.update({key_of(r): r for r in _locked(model, columns, missing)})
    return rows


def _lock_stock(keys: set[tuple[int, int]]) -> dict[tuple[int, int], Stock]:
    return _lock_or_create(
        Stock, ("product_id", "location_id"), sorted(keys), lambda k: Stock(product_id=k[0], location_id=k[1])
    )


def _lots(stocks: dict, keys: set[tuple[int, int, str, str]]) -> dict[tuple, StockLot]:
    # Locked under the Stock rows already held, so this never waits on another posting.
    return _lock_or_create(
        StockLot,
        ("product_id", "location_id", "lot", "quality"),
        sorted(keys),
        lambda k: StockLot(stock=stocks[k[:2]], product_id=k[0], location_id=k[1], lot=k[2], quality=k[3]),
    )


def _prepared(field, value):
    # Decimals go to both drivers as they are (already to scale); the rest as Django prepares them.
    if isinstance(value, Decimal):
        return value
    return field.get_db_prep_save(value, connection)


def _update(model, fields: list[str], rows) -> None:
    """Write `fields` of `rows` in one `UPDATE … FROM (VALUES (id, …), …)` (SQLite ≥ 3.33 and
    PostgreSQL): `bulk_update()` builds a CASE expression per field through the ORM, and one
    UPDATE per row costs a round trip each on PostgreSQL."""
    rows = list(rows)
    if not rows:
        return
    fields = [model._meta.get_field(f) for f in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    if connection.vendor == "postgresql":  # VALUES needs its column types there (NULL dates …)
        slots = ["%s", *(f"CAST(%s AS {f.cast_db_type(connection)})" for f in fields)]
    else:
        slots = ["%s"] * (len(fields) + 1)
    row = "(" + ", ".join(slots) + ")"
    assignments = ", ".join(f"{quote(f.column)} = v.column{i}" for i, f in enumerate(fields, start=2))
    params = []
    for r in rows:
        params += [r.pk, *(_prepared(f, getattr(r, f.attname)) for f in fields)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(rows))}) AS v "
            f"WHERE {table}.id = v.column1",
            params,
        )


def _append(moves: list[StockMove]) -> None:
    """INSERT the moves in one statement and take their ids (RETURNING, in the order given), as
    bulk_create() would, at a fraction of its Python cost; moves are only ever written here."""
    fields = [f for f in StockMove._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    params = []
    for move in moves:
        move.created_at = now
        params += [_prepared(f, getattr(move, f.attname)) for f in fields]
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(StockMove._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES {', '.join([row] * len(moves))} RETURNING id",
            params,
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    for move, pk in zip(moves, ids, strict=True):
        move.pk = pk
        move._state.adding = False
        move._state.db = connection.alias


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
    _require_transaction("post_moves")
    single = _split(changes)
    if not single:
        return []
    serial_ids = _serial_products(changes)
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
            if lot_row.quantity - lot_row.reserved < wanted:  # I4, and I5: not what others hold
                raise insufficient(
                    change.line.position,
                    product=stock.product,
                    location=stock.location,
                    lot=change.lot,
                    quality=quality,
                    available=lot_row.quantity - lot_row.reserved,
                    wanted=wanted,
                    reserved=lot_row.reserved,
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
    _append(moves)
    last = {}
    for move in moves:
        last[(move.product_id, move.location_id)] = move
    for key, move in last.items():
        stocks[key].last_move = move
    _update(Stock, ["quantity", "value", "last_move", "last_issue_on"], stocks.values())
    _update(StockLot, ["quantity"], lots.values())
    if serial_ids:
        _refuse_duplicate_serials(serial_ids, changes)
    if record_line_values:
        _set_line_values(changes, moves)
    _post_value(document, moves, by=by)
    return moves


# I11: what a document's moves add to or take from the stock value, the general ledger's
# inventory account gains or loses against this account (stock in: Dr inventory / Cr it).
CONTRA_ACCOUNT = {
    Purpose.PURCHASE: codes.PAYABLE,
    Purpose.SUPPLIER_RETURN: codes.PAYABLE,
    Purpose.SALE: codes.COST_OF_SALES,
    Purpose.CUSTOMER_RETURN: codes.COST_OF_SALES,
    Purpose.INTERNAL: codes.SELLING_EXPENSES,
    Purpose.SAMPLE: codes.SELLING_EXPENSES,
    Purpose.SAMPLE_RETURN: codes.SELLING_EXPENSES,
    Purpose.GIFT: codes.SELLING_EXPENSES,
}


def _post_value(document: StockDocument, moves: list[StockMove], *, by) -> None:
    """Post the value the moves add or take (per product; transfers and quality changes net to
    nothing) to the ledger, dated like the document, in this transaction (I11)."""
    by_product: dict[int, Decimal] = defaultdict(Decimal)
    for move in moves:
        by_product[move.product_id] += move.value
    contra = CONTRA_ACCOUNT.get(document.purpose, codes.STOCK_DIFFERENCES)
    lines = []
    for product_id, value in sorted(by_product.items()):
        if value:
            lines.append(Posting(codes.INVENTORY, debit=value, product_id=product_id))
            lines.append(
                Posting(contra, credit=value, product_id=product_id, customer_id=document.customer_id)
            )
    if lines:
        post_entry(
            source=document, on=document.moved_on, lines=lines, by=by, memo=document.get_purpose_display()
        )


def _serial_products(changes: list[Change]) -> set[int]:
    """The serial-tracked and unique-unit products among the changes (from the lines' products
    where loaded, else one query)."""
    serial, unknown = set(), set()
    for c in changes:
        if StockDocumentLine.product.is_cached(c.line):
            if c.line.product.kind in ONE_PER_SERIAL:
                serial.add(c.line.product_id)
        else:
            unknown.add(c.line.product_id)
    if unknown:
        serial |= set(
            Product.objects.filter(pk__in=unknown, kind__in=ONE_PER_SERIAL).values_list("pk", flat=True)
        )
    return serial


# --- reservations (I5) ----------------------------------------------------------------------


@dataclass
class Hold:
    """Stock to reserve for line `position` of a document: `quantity` (> 0) of a product at a
    location, of a lot ('' when not tracked) and quality."""

    position: int
    product_id: int
    location_id: int
    lot: str
    quality: str
    quantity: Decimal


def _source_key(source) -> tuple[str, int]:
    return f"{source._meta.app_label}.{source._meta.model_name}", source.pk


def reserve(source, holds: list[Hold], *, by) -> list[StockReservation]:
    """Reserve `holds` for `source` (a document not yet posted, locked by the caller, inside its
    transaction): each takes what is there and not yet reserved, or the whole call is refused
    (DomainError 409 `insufficient_stock` naming the line; nothing written). Locks as
    post_moves() does, in the same order."""
    _require_transaction("reserve")
    if not holds:
        return []
    stocks = _lock_stock({(h.product_id, h.location_id) for h in holds})
    lots = _lots(stocks, {(h.product_id, h.location_id, h.lot, h.quality) for h in holds})
    source_type, source_id = _source_key(source)
    rows = []
    for h in holds:
        stock = stocks[(h.product_id, h.location_id)]
        lot_row = lots[(h.product_id, h.location_id, h.lot, h.quality)]
        free = lot_row.quantity - lot_row.reserved
        if free < h.quantity:
            raise insufficient(
                h.position,
                product=stock.product,
                location=stock.location,
                lot=h.lot,
                quality=h.quality,
                available=free,
                wanted=h.quantity,
                reserved=lot_row.reserved,
            )
        lot_row.reserved += h.quantity
        stock.reserved += h.quantity
        rows.append(
            StockReservation(
                lot_row=lot_row,
                quantity=h.quantity,
                source_type=source_type,
                source_id=source_id,
                line=h.position,
                created_by=by,
            )
        )
    _update(Stock, ["reserved"], stocks.values())
    _update(StockLot, ["reserved"], lots.values())
    return StockReservation.objects.bulk_create(rows)


def release(source) -> None:
    """Give back everything `source` holds (rejected, cancelled, or about to be posted: the
    caller posts right after, in the same transaction). Nothing held: nothing to do."""
    _require_transaction("release")
    source_type, source_id = _source_key(source)
    held = list(
        StockReservation.objects.filter(source_type=source_type, source_id=source_id).values_list(
            "pk",
            "quantity",
            "lot_row__product_id",
            "lot_row__location_id",
            "lot_row__lot",
            "lot_row__quality",
        )
    )
    if not held:
        return
    stocks = _lock_stock({(p, loc) for _pk, _q, p, loc, _lot, _quality in held})
    lots = _lots(stocks, {(p, loc, lot, quality) for _pk, _q, p, loc, lot, quality in held})
    for _pk, quantity, p, loc, lot, quality in held:
        stocks[(p, loc)].reserved -= quantity
        lots[(p, loc, lot, quality)].reserved -= quantity
    StockReservation.objects.filter(pk__in=[row[0] for row in held]).delete()
    _update(Stock, ["reserved"], stocks.values())
    _update(StockLot, ["reserved"], lots.values())


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
    _update(StockDocumentLine, ["value"], [lines[pk] for pk in totals])
