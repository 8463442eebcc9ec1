"""What a sales order counts in the statistics (stats.SalesFact), written in the order's own
posting transaction: confirming an order records one "ordered" fact per line, dated on the
order's date (订货日期, a local calendar day), with the cost of goods it is expected to take — the
product's moving average cost in stock at that moment (the shipment later books the actual
cost in the ledger); cancelling a confirmed order records the opposite facts on the same day,
so the month it was ordered in goes back exactly."""

from decimal import Decimal

from django.db.models import Sum

from salesdept.stats.models import Kind, SalesFact, Source
from salesdept.stats.services import negated, posted_fact, record_facts
from salesdept.warehouse.models import Stock

from ..models import SalesOrder

ZERO = Decimal("0")


def average_costs(product_ids) -> dict[int, Decimal]:
    """Each product's moving average unit cost over every location (value ÷ quantity in stock);
    products with nothing in stock are missing (their expected cost is 0)."""
    rows = (
        Stock.objects.filter(product_id__in=set(product_ids), quantity__gt=0)
        .values("product_id")
        .annotate(quantity=Sum("quantity"), value=Sum("value"))
        .order_by()
    )
    return {row["product_id"]: Decimal(row["value"]) / Decimal(row["quantity"]) for row in rows}


def record_order_confirmed(order: SalesOrder) -> None:
    """The ordered facts of a just-confirmed order (in its transaction)."""
    lines = list(order.lines.select_related("product").order_by("position", "pk"))
    costs = average_costs(line.product_id for line in lines)
    owner, customer = order.owner, order.customer
    record_facts(
        [
            posted_fact(
                kind=Kind.ORDERED,
                source=Source.ORDER,
                document=order,
                line=line.position,
                day=order.ordered_on,
                customer=customer,
                salesperson=owner,
                channel=order.channel,
                product=line.product,
                quantity=line.quantity,
                amount=line.amount,
                cost=costs.get(line.product_id, ZERO) * line.quantity,
            )
            for line in lines
        ]
    )


def record_order_cancelled(order: SalesOrder) -> None:
    """Take a cancelled order's ordered facts back (none if it was never confirmed)."""
    posted = SalesFact.objects.filter(source=Source.ORDER, source_id=order.pk, kind=Kind.ORDERED)
    record_facts(negated(posted))
