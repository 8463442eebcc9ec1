"""What must always be true of shipments (../shared/INVARIANTS.md), registered with
core.invariants (`salesdept manage check_invariants` and after every test flow).

- I6: per order line, the shipped quantity equals what its lines on shipped or delivered
  shipments add up to, minus what came back (the order line's returned quantity), and is never
  more than ordered.
- I6 (documents): every shipped or delivered shipment has its posted stock issue (whose source
  is the shipment); a shipment not shipped has none.

(I5 for shipment reservations — stock reserved = the lines of submitted shipments — lives with
the other reservation rules in warehouse/invariants.py.)

Each rule is a few grouped queries, never one per document."""

from decimal import Decimal

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from salesdept.core.invariants import rule
from salesdept.sales.models import SalesOrderLine
from salesdept.stats.models import Kind, Source
from salesdept.stats.selectors import document_fact_mismatches
from salesdept.warehouse.models import StockDocument, StockDocumentStatus

from .models import ReturnAuthorisation, ReturnLine, Shipment, ShipmentLine, ShipmentStatus

LIMIT = 20
SOURCE = "shipping.shipment"
DONE = (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)
MILLI = Decimal("0.001")


def _exact(total) -> Decimal:
    return Decimal(str(total or 0)).quantize(MILLI)


@rule("I6")
def shipped_equals_shipments() -> list[str]:
    """SalesOrderLine.shipped_quantity = Σ its shipped/delivered shipment lines − returned, ≤ ordered."""
    sums = {
        r["order_line_id"]: _exact(r["q"])
        for r in ShipmentLine.objects.filter(shipment__status__in=DONE, order_line__isnull=False)
        .values("order_line_id")
        .annotate(q=Sum("quantity"))
        .order_by()
    }
    out = []
    rows = SalesOrderLine.objects.filter(
        Q(shipped_quantity__gt=0) | Q(returned_quantity__gt=0) | Q(pk__in=list(sums))
    ).values("pk", "order__number", "position", "quantity", "shipped_quantity", "returned_quantity")
    for r in rows.iterator():
        expected = sums.get(r["pk"], Decimal("0")) - r["returned_quantity"]
        if r["shipped_quantity"] != expected:
            out.append(
                f"order {r['order__number']} line {r['position']} (#{r['pk']}): shipped "
                f"{r['shipped_quantity']}, its shipments add up to {expected} (after returns)"
            )
        if r["shipped_quantity"] > r["quantity"]:
            out.append(
                f"order {r['order__number']} line {r['position']} (#{r['pk']}): shipped "
                f"{r['shipped_quantity']} > ordered {r['quantity']}"
            )
    return out[:LIMIT]


@rule("I6")
def shipped_shipments_have_their_stock_issue() -> list[str]:
    """A shipped or delivered shipment points to a posted stock issue whose source is it; no
    other shipment has a stock issue of its own."""
    posted = {
        r["source_id"]: r["n"]
        for r in StockDocument.objects.filter(source_type=SOURCE, status=StockDocumentStatus.POSTED)
        .values("source_id")
        .annotate(n=Count("pk"))
        .order_by()
    }
    out = []
    wrong_link = (
        Shipment.objects.filter(status__in=DONE)
        .filter(
            Q(stock_document__isnull=True)
            | ~Q(stock_document__source_type=SOURCE)
            | ~Q(stock_document__source_id=F("pk"))
            | ~Q(stock_document__status=StockDocumentStatus.POSTED)
        )
        .values_list("number", flat=True)[:LIMIT]
    )
    out.extend(f"shipment {n} is shipped without its posted stock issue" for n in wrong_link)
    done = dict(Shipment.objects.filter(status__in=DONE).values_list("pk", "number"))
    out.extend(f"shipment {n} is shipped but no posted stock document has it as source"
               for pk, n in done.items() if pk not in posted)  # fmt: skip
    strays = (
        Shipment.objects.exclude(status__in=DONE).filter(pk__in=list(posted)).values_list("number", flat=True)
    )
    out.extend(f"shipment {n} is not shipped but stock was issued for it" for n in strays[:LIMIT])
    return out[:LIMIT]


@rule("I6")
def shipment_amount_adds_up() -> list[str]:
    """Shipment.amount = Σ its lines' amounts (gifts carry none)."""
    zero = Value(Decimal("0"), output_field=Shipment._meta.get_field("amount"))
    rows = (
        Shipment.objects.annotate(lines_total=Coalesce(Sum("lines__amount"), zero))
        .values("number", "amount", "lines_total")
        .iterator()
    )
    out = []
    for r in rows:
        if r["amount"] != Decimal(str(r["lines_total"])).quantize(Decimal("0.01")):
            out.append(
                f"shipment {r['number']}: amount {r['amount']}, its lines add up to {r['lines_total']}"
            )
    gifts = (
        ShipmentLine.objects.filter(is_gift=True).exclude(amount=0).values_list("shipment__number", flat=True)
    )
    out.extend(f"shipment {n}: a gift line carries an amount" for n in gifts[:LIMIT])
    return out[:LIMIT]


# --- I12 -----------------------------------------------------------------------------------


def _sold_quantities(lines) -> dict:
    rows = lines.values_list("pk_of").annotate(total=Sum("quantity")).order_by()
    return {pk: _exact(total) for pk, total in rows}


@rule("I12")
def shipped_facts_equal_the_shipments() -> list[str]:
    """The statistics count the sold quantity (lines of an order line, no gifts) of every
    shipment that left, and minus that of every return received."""
    zero = Decimal("0.000")
    shipped = _sold_quantities(
        ShipmentLine.objects.filter(order_line__isnull=False, is_gift=False).annotate(pk_of=F("shipment_id"))
    )
    left = {ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED}
    expected = {
        pk: (number, shipped.get(pk, zero) if status in left else zero)
        for pk, number, status in Shipment.objects.values_list("pk", "number", "status")
    }
    problems = document_fact_mismatches(
        source=Source.SHIPMENT, kind=Kind.SHIPPED, expected=expected, column="quantity"
    )
    returned = _sold_quantities(
        ReturnLine.objects.filter(
            shipment_line__order_line__isnull=False, shipment_line__is_gift=False
        ).annotate(pk_of=F("authorisation_id"))
    )
    expected = {
        pk: (number, -returned.get(pk, zero) if received_on is not None else zero)
        for pk, number, received_on in ReturnAuthorisation.objects.values_list("pk", "number", "received_on")
    }
    return problems + document_fact_mismatches(
        source=Source.RETURN, kind=Kind.SHIPPED, expected=expected, column="quantity"
    )
