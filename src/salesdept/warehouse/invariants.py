"""What must always be true of the stock (../shared/INVARIANTS.md), registered with
core.invariants (`salesdept manage check_invariants` and after every test flow).

- I3: per product × location, the book (`Stock.quantity`, `.value`) equals the sum of its moves;
  the last move's running balance (the card) equals the book; the lots and qualities add up to
  the book.
- I4: no stock row is negative (the database refuses it as well).
- I2: every move belongs to a posted (or reversed) document; a reversed document has its
  reversal, which is posted.
- I5: reserved ≤ on hand, per lot and per product × location, and each equals the sum of its
  reservations; the reservations are exactly what submitted adjustments take out.
- I11: the stock value (Σ Stock.value) equals the inventory account of the general ledger, in
  total and per product.

Each rule is one grouped query, never one per product."""

from decimal import Decimal

from django.db.models import F, Q, Sum

from salesdept.core.invariants import rule

from .models import (
    DocumentKind,
    Stock,
    StockDocument,
    StockDocumentLine,
    StockDocumentStatus,
    StockLot,
    StockMove,
    StockReservation,
)

LIMIT = 20  # lines reported per rule
SOURCE_STOCK_DOCUMENT = "warehouse.stockdocument"
CENT, MILLI = Decimal("0.01"), Decimal("0.001")


def _exact(total, places: Decimal) -> Decimal:
    """A database sum as a Decimal of the column's precision: SQLite adds decimals as floats, so a
    sum of many moves comes back as 0.30000000000000004 or -3.6E-12."""
    return Decimal(str(total or 0)).quantize(places)


@rule("I3")
def book_equals_sum_of_moves() -> list[str]:
    """Stock.quantity and .value = Σ moves of that product × location."""
    sums = {
        (r["product_id"], r["location_id"]): (r["q"], r["v"])
        for r in StockMove.objects.values("product_id", "location_id").annotate(
            q=Sum("quantity"), v=Sum("value")
        )
    }
    out = []
    for s in Stock.objects.values("product_id", "location_id", "quantity", "value").iterator():
        q, v = sums.pop((s["product_id"], s["location_id"]), (0, 0))
        q, v = _exact(q, MILLI), _exact(v, CENT)
        if s["quantity"] != q or s["value"] != v:
            out.append(
                f"product #{s['product_id']} at location #{s['location_id']}: book {s['quantity']} / "
                f"{s['value']}, moves add up to {q} / {v}"
            )
    out.extend(f"product #{p} at location #{loc}: moves but no stock row" for (p, loc) in sums)
    return out[:LIMIT]


@rule("I3")
def card_balance_equals_book() -> list[str]:
    """The running balance of the last move (the stock card) = the book."""
    bad = (
        Stock.objects.filter(last_move__isnull=False)
        .filter(~Q(last_move__balance=F("quantity")) | ~Q(last_move__balance_value=F("value")))
        .values("product_id", "location_id", "quantity", "last_move__balance")[:LIMIT]
    )
    out = [
        f"product #{r['product_id']} at location #{r['location_id']}: card balance "
        f"{r['last_move__balance']} ≠ book {r['quantity']}"
        for r in bad
    ]
    orphan = Stock.objects.filter(last_move__isnull=True).exclude(quantity=0).values("pk")[:LIMIT]
    out.extend(f"stock #{r['pk']} has a quantity but no move" for r in orphan)
    return out


@rule("I3")
def lots_add_up_to_book() -> list[str]:
    """Σ StockLot (lots × qualities) = Stock.quantity (compared in Python: see _exact)."""
    in_lots = {
        r["stock_id"]: _exact(r["q"], MILLI)
        for r in StockLot.objects.values("stock_id").annotate(q=Sum("quantity")).order_by()
    }
    out = []
    for s in Stock.objects.values("pk", "product_id", "location_id", "quantity").iterator():
        lots = in_lots.get(s["pk"], Decimal("0"))
        if lots != s["quantity"]:
            out.append(
                f"product #{s['product_id']} at location #{s['location_id']}: lots add up to {lots}, "
                f"book {s['quantity']}"
            )
    return out[:LIMIT]


@rule("I4")
def stock_never_negative() -> list[str]:
    out = [
        f"stock #{r['pk']} is negative: {r['quantity']}"
        for r in Stock.objects.filter(Q(quantity__lt=0) | Q(value__lt=0)).values("pk", "quantity")[:LIMIT]
    ]
    out.extend(
        f"stock lot #{r['pk']} is negative: {r['quantity']}"
        for r in StockLot.objects.filter(quantity__lt=0).values("pk", "quantity")[:LIMIT]
    )
    return out


@rule("I2")
def moves_belong_to_posted_documents() -> list[str]:
    """Moves only of posted (or since reversed) documents; a reversed one has a posted reversal."""
    done = [StockDocumentStatus.POSTED, StockDocumentStatus.REVERSED]
    stray = StockMove.objects.exclude(document__status__in=done).values("document__number").distinct()[:LIMIT]
    out = [f"stock document {r['document__number']} has moves but is not posted" for r in stray]
    unreversed = StockDocument.objects.filter(status=StockDocumentStatus.REVERSED).filter(
        Q(reversed_by__isnull=True) | ~Q(reversed_by__status=StockDocumentStatus.POSTED)
    )
    out.extend(
        f"stock document {n} is marked reversed without a posted reversal"
        for n in unreversed.values_list("number", flat=True)[:LIMIT]
    )
    return out


@rule("I5")
def reserved_adds_up_and_fits() -> list[str]:
    """Stock.reserved = Σ its lots' reserved = Σ their reservations, and never more than there is."""
    by_lot = {
        r["lot_row_id"]: _exact(r["q"], MILLI)
        for r in StockReservation.objects.values("lot_row_id").annotate(q=Sum("quantity")).order_by()
    }
    by_stock: dict[int, Decimal] = {}
    out = []
    for lot in StockLot.objects.values("pk", "stock_id", "quantity", "reserved").iterator():
        held = by_lot.pop(lot["pk"], Decimal("0"))
        by_stock[lot["stock_id"]] = by_stock.get(lot["stock_id"], Decimal("0")) + lot["reserved"]
        if lot["reserved"] != held:
            out.append(
                f"stock lot #{lot['pk']}: reserved {lot['reserved']}, its reservations add up to {held}"
            )
        if lot["reserved"] > lot["quantity"]:
            out.append(f"stock lot #{lot['pk']}: reserved {lot['reserved']} > on hand {lot['quantity']}")
    for s in Stock.objects.values("pk", "quantity", "reserved").iterator():
        lots = by_stock.get(s["pk"], Decimal("0"))
        if s["reserved"] != lots:
            out.append(f"stock #{s['pk']}: reserved {s['reserved']}, its lots add up to {lots}")
        if s["reserved"] > s["quantity"]:
            out.append(f"stock #{s['pk']}: reserved {s['reserved']} > on hand {s['quantity']}")
    return out[:LIMIT]


@rule("I5")
def reservations_agree_with_their_documents() -> list[str]:
    """A stock document holds stock only while it is a submitted adjustment, exactly what its
    negative lines take (product, location, lot, quality, quantity); every submitted adjustment
    holds it. A reservation of any other kind of document needs a rule of its own here."""
    out = []
    held = {}
    for r in StockReservation.objects.values(
        "source_type", "source_id", "line", "quantity",
        "lot_row__product_id", "lot_row__location_id", "lot_row__lot", "lot_row__quality",
    ).iterator():  # fmt: skip
        if r["source_type"] in RULED_ELSEWHERE:
            continue  # checked by the rule of that kind of document (below)
        if r["source_type"] != SOURCE_STOCK_DOCUMENT:
            out.append(f"reservation of {r['source_type']} #{r['source_id']}: no rule checks this kind")
            continue
        key = (r["source_id"], r["line"], r["lot_row__product_id"], r["lot_row__location_id"],
               r["lot_row__lot"], r["lot_row__quality"])  # fmt: skip
        held[key] = held.get(key, Decimal("0")) + r["quantity"]
    wanted = {}
    for line in StockDocumentLine.objects.filter(
        document__kind=DocumentKind.ADJUSTMENT,
        document__status=StockDocumentStatus.SUBMITTED,
        quantity__lt=0,
    ).values("document_id", "position", "product_id", "location_id", "lot", "quality", "quantity"):
        key = (line["document_id"], line["position"], line["product_id"], line["location_id"],
               line["lot"], line["quality"])  # fmt: skip
        wanted[key] = wanted.get(key, Decimal("0")) - line["quantity"]
    for key in sorted(set(held) | set(wanted)):
        if held.get(key, Decimal("0")) != wanted.get(key, Decimal("0")):
            out.append(
                f"stock document #{key[0]} line {key[1]}: reserved {held.get(key, 0)}, "
                f"its submitted adjustment takes {wanted.get(key, 0)}"
            )
    return out[:LIMIT]


@rule("I11")
def stock_value_equals_inventory_account() -> list[str]:
    """Σ Stock.value (every product × location) = the inventory account's balance (1405, Σ debit
    − Σ credit) in the general ledger, in total and per product (the lines carry the product).
    Two grouped queries; compared as exact cents (SQLite sums decimals as floats)."""
    from salesdept.ledger import codes
    from salesdept.ledger.models import JournalLine

    stock = {
        r["product_id"]: _exact(r["v"], CENT)
        for r in Stock.objects.values("product_id").annotate(v=Sum("value")).order_by()
    }
    booked = {
        r["product_id"]: _exact(r["d"], CENT) - _exact(r["c"], CENT)
        for r in JournalLine.objects.filter(account__code=codes.INVENTORY)
        .values("product_id")
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .order_by()
    }
    out = []
    total_stock = sum(stock.values(), Decimal("0.00"))
    total_booked = sum(booked.values(), Decimal("0.00"))
    if total_stock != total_booked:
        out.append(f"stock value {total_stock} ≠ inventory account {codes.INVENTORY} balance {total_booked}")
    zero = Decimal("0.00")
    for product_id in sorted(set(stock) | set(booked), key=lambda p: (p is None, p or 0)):
        value, balance = stock.get(product_id, zero), booked.get(product_id, zero)
        if value != balance:
            who = f"product #{product_id}" if product_id is not None else "lines without a product"
            out.append(f"{who}: stock value {value} ≠ inventory account balance {balance}")
            if len(out) >= LIMIT:
                break
    return out


# --- I5 for shipments (F1): a submitted shipment holds exactly its lines' stock ---------------

SOURCE_SHIPMENT = "shipping.shipment"
RULED_ELSEWHERE = {SOURCE_SHIPMENT}


@rule("I5")
def shipment_reservations_agree() -> list[str]:
    """Reservations of shipments are exactly the lines of SUBMITTED shipments (product, location,
    lot, accepted quality, quantity, by line); a shipment in any other state holds nothing. The
    shipping app is above the warehouse: its model is looked up by name, never imported."""
    from django.apps import apps

    if not apps.is_installed("salesdept.shipping"):
        return []
    ShipmentLine = apps.get_model("shipping", "ShipmentLine")
    held: dict[tuple, Decimal] = {}
    for r in StockReservation.objects.filter(source_type=SOURCE_SHIPMENT).values(
        "source_id", "line", "quantity",
        "lot_row__product_id", "lot_row__location_id", "lot_row__lot", "lot_row__quality",
    ).iterator():  # fmt: skip
        key = (r["source_id"], r["line"], r["lot_row__product_id"], r["lot_row__location_id"],
               r["lot_row__lot"], r["lot_row__quality"])  # fmt: skip
        held[key] = held.get(key, Decimal("0")) + r["quantity"]
    wanted: dict[tuple, Decimal] = {}
    for line in ShipmentLine.objects.filter(shipment__status="submitted").values(
        "shipment_id", "position", "product_id", "location_id", "lot", "quantity"
    ):
        key = (line["shipment_id"], line["position"], line["product_id"], line["location_id"],
               line["lot"], "accepted")  # fmt: skip
        wanted[key] = wanted.get(key, Decimal("0")) + line["quantity"]
    out = []
    for key in sorted(set(held) | set(wanted)):
        if _exact(held.get(key), MILLI) != _exact(wanted.get(key), MILLI):
            out.append(
                f"shipment #{key[0]} line {key[1]}: reserved {held.get(key, 0)}, "
                f"the submitted shipment takes {wanted.get(key, 0)}"
            )
    return out[:LIMIT]
