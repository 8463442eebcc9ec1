"""What invoices, credit notes and payments count in the statistics (stats.SalesFact), written
in their own posting transaction: an issued invoice records one "invoiced" fact per line on its
invoice date, a credit note 红字发票 the opposite; a payment received 回款 records one "collected"
fact on the day it came in, for the customer's salesperson (cash is collected from a customer,
before it is allocated to any invoice)."""

from salesdept.stats.models import Kind, Source
from salesdept.stats.services import posted_fact, record_facts

from ..models import Invoice, InvoiceKind, Payment


def record_invoiced(invoice: Invoice) -> None:
    """The invoiced facts of a just-issued invoice or credit note (in its approval's transaction)."""
    sign = -1 if invoice.kind == InvoiceKind.CREDIT_NOTE else 1
    order = invoice.order
    lines = invoice.lines.select_related("product").order_by("position", "pk")
    record_facts(
        [
            posted_fact(
                kind=Kind.INVOICED,
                source=Source.INVOICE,
                document=invoice,
                line=line.position,
                day=invoice.invoiced_on,
                customer=invoice.customer,
                salesperson=order.owner,
                channel=order.channel,
                product=line.product,
                quantity=sign * line.quantity,
                amount=sign * line.amount,
            )
            for line in lines
        ]
    )


def record_collected(payment: Payment) -> None:
    """The collected fact of a payment just recorded."""
    customer = payment.customer
    record_facts(
        [
            posted_fact(
                kind=Kind.COLLECTED,
                source=Source.PAYMENT,
                document=payment,
                day=payment.received_on,
                customer=customer,
                salesperson=customer.owner,
                amount=payment.amount,
            )
        ]
    )
