"""What shipments and returns count in the statistics (stats.SalesFact), written in their own
posting transaction: an approved shipment records one "shipped" fact per sold line (gifts carry
no sale), dated on the day it left; an approved return records the opposite on the day the goods
came back. The amount is the order line's price for the quantity (tax included, as the order's)."""

from decimal import ROUND_HALF_UP, Decimal

from salesdept.sales.models import SalesOrder
from salesdept.stats.models import Kind, Source
from salesdept.stats.services import posted_fact, record_facts

from ..models import ReturnAuthorisation, Shipment

CENT = Decimal("0.01")


def _amount(order_line, quantity: Decimal) -> Decimal:
    if quantity == order_line.quantity:
        return order_line.amount
    return (order_line.amount * quantity / order_line.quantity).quantize(CENT, ROUND_HALF_UP)


def _facts(document, order: SalesOrder, lines, *, source: str, day, sign: int) -> list:
    return [
        posted_fact(
            kind=Kind.SHIPPED,
            source=source,
            document=document,
            line=position,
            day=day,
            customer=order.customer,
            salesperson=order.owner,
            channel=order.channel,
            product=order_line.product,
            quantity=sign * quantity,
            amount=sign * _amount(order_line, quantity),
        )
        for position, order_line, quantity in lines
    ]


def record_shipped(shipment: Shipment, order: SalesOrder) -> None:
    """The shipped facts of a shipment that just left (in its approval's transaction)."""
    lines = shipment.lines.filter(order_line__isnull=False, is_gift=False).select_related(
        "order_line__product"
    )
    rows = [(line.position, line.order_line, line.quantity) for line in lines.order_by("position", "pk")]
    record_facts(_facts(shipment, order, rows, source=Source.SHIPMENT, day=shipment.shipped_on, sign=1))


def record_returned(authorisation: ReturnAuthorisation, order: SalesOrder) -> None:
    """The returned goods taken off the shipped facts, on the day they came back."""
    lines = authorisation.lines.filter(
        shipment_line__order_line__isnull=False, shipment_line__is_gift=False
    ).select_related("shipment_line__order_line__product")
    rows = [
        (line.position, line.shipment_line.order_line, line.quantity)
        for line in lines.order_by("position", "pk")
    ]
    record_facts(
        _facts(authorisation, order, rows, source=Source.RETURN, day=authorisation.received_on, sign=-1)
    )
