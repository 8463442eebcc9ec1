"""What billing adds to the contract fulfillment overview 合同履行一览表 (S5): paid per payment
milestone. Payments are allocated to invoices, not milestones, so what was paid on the
contract's issued invoices is applied to its milestones in their order (a waterfall): a
milestone is paid once everything before it is."""

from django.db.models import F, OuterRef, Value
from django.db.models.functions import Greatest, Least

from salesdept.sales.models import PaymentMilestone
from salesdept.sales.selectors import fulfillment

from .models import Invoice, InvoiceKind, InvoiceStatus


def milestone_paid():
    """On a PaymentMilestone row: min(amount, max(0, paid on the contract − earlier milestones))."""
    money = fulfillment.money_field()
    paid = fulfillment.sum_of(
        Invoice.objects.filter(
            order__contract=OuterRef("contract"), kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED
        ),
        "paid_amount",
        money,
    )
    earlier = fulfillment.sum_of(
        PaymentMilestone.objects.filter(contract=OuterRef("contract"), position__lt=OuterRef("position")),
        "amount",
        money,
    )
    return Greatest(Least(paid - earlier, F("amount")), Value(fulfillment.ZERO), output_field=money)


def plug_in() -> None:
    fulfillment.FULFILLMENT_SOURCES["milestone"]["paid"] = milestone_paid
