"""When a credit note 红字发票 corrects an invoice that was already paid (goods returned after
payment; a unit given back 退房), what was paid on it beyond what it still owes becomes the
customer's credit again: refundable, or allocated to the next invoice (换房: the new unit's).

`release_paid()` takes the allocations of the invoice back, newest first, until the invoice's
paid amount fits: each allocation shrinks (or goes), its payment's allocated amount with it, and
one entry moves the sum from the receivable to the customer's credit (Dr 1122 / Cr 2203). Called
by the credit note's approval, in its transaction, with the invoice locked."""

import datetime
from decimal import Decimal

from salesdept.core.arithmetic import moved
from salesdept.ledger import codes
from salesdept.ledger.services import Posting, post_entry

from ..models import Allocation, Invoice, Payment

ZERO = Decimal("0")


def release_paid(invoice: Invoice, amount: Decimal, *, by, on: datetime.date) -> Decimal:
    """Un-allocate up to `amount` paid on `invoice` (locked by the caller); returns how much."""
    if amount <= 0 or invoice.paid_amount <= 0:
        return ZERO
    left = min(amount, invoice.paid_amount)
    allocations = list(
        Allocation.objects.select_for_update().filter(invoice=invoice).order_by("-allocated_on", "-pk")
    )
    payments: dict[int, Decimal] = {}
    for allocation in allocations:
        if left <= 0:
            break
        take = min(left, allocation.amount)
        if take == allocation.amount:
            allocation.delete()
        else:
            Allocation.objects.filter(pk=allocation.pk).update(amount=moved(Allocation, "amount", -take))
        payments[allocation.payment_id] = payments.get(allocation.payment_id, ZERO) + take
        left -= take
    released = min(amount, invoice.paid_amount) - left
    for payment_id in sorted(payments):
        Payment.objects.filter(pk=payment_id).update(
            allocated_amount=moved(Payment, "allocated_amount", -payments[payment_id])
        )
    Invoice.objects.filter(pk=invoice.pk).update(paid_amount=moved(Invoice, "paid_amount", -released))
    invoice.paid_amount -= released
    post_entry(
        source=invoice,
        on=on,
        by=by,
        memo=f"Paid on {invoice.number} back to the customer's credit",
        lines=[
            Posting(codes.RECEIVABLE, debit=released, customer_id=invoice.customer_id),
            Posting(codes.CUSTOMER_ADVANCES, credit=released, customer_id=invoice.customer_id),
        ],
    )
    return released
