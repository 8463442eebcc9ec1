"""F5 end to end: goods of a paid invoice come back (退货/退房); the credit note made from the
received return gives what was paid on them back to the customer's credit, which pays the next
invoice (换货/换房). The ledger balances and the receivable equals what is outstanding."""

from decimal import Decimal

import pytest

from salesdept.billing.models import Invoice, InvoiceKind, InvoiceStatus, Payment
from salesdept.billing.services import credit_notes, invoices, payments
from salesdept.core.errors import DomainError
from salesdept.ledger.selectors.balances import customer_receivable
from salesdept.shipping.models import Shipment
from salesdept.shipping.services import returns

from .conftest import next_invoice_no, refresh

pytestmark = pytest.mark.django_db


def receive_back(org, order, quantity):
    shipment = Shipment.objects.filter(order=order, status="shipped").order_by("pk").first()
    line = shipment.lines.order_by("position").first()
    ra = returns.return_create(
        by=org.clerk,
        shipment_id=shipment.pk,
        data={
            "reason": "退房: 客户改选另一套",
            "lines": [{"shipment_line": line.pk, "quantity": str(quantity)}],
        },
    )
    returns.return_submit(by=org.clerk, return_id=ra.pk)
    returns.return_approve(by=org.manager1, return_id=ra.pk)
    return refresh(ra), line


def approve(org, note):
    invoices.invoice_submit(by=org.clerk, invoice_id=note.pk)
    invoices.invoice_approve(by=org.finance, invoice_id=note.pk, invoice_no=next_invoice_no())
    return refresh(note)


def test_a_credit_note_from_a_return_of_a_paid_invoice_gives_the_payment_back_as_credit(
    org, shipped_order, issue_invoice
):
    order = shipped_order()
    invoice = issue_invoice(order)
    paid = payments.payment_record(
        by=org.finance,
        data={
            "customer": order.customer_id,
            "received_on": invoice.invoiced_on,
            "amount": str(invoice.total_amount),
        },
    )
    assert refresh(invoice).outstanding == 0
    ra, line = receive_back(org, order, 2)  # 2 of line 1 at 1130.00
    [note] = credit_notes.credit_note_from_return(by=org.clerk, return_id=ra.pk)
    assert note.kind == InvoiceKind.CREDIT_NOTE and note.corrects_id == invoice.pk
    assert note.return_authorisation_id == ra.pk and note.total_amount == Decimal("2260.00")
    note = approve(org, note)
    invoice = refresh(invoice)
    assert note.status == InvoiceStatus.ISSUED
    assert invoice.credited_amount == Decimal("2260.00") and invoice.outstanding == 0
    assert invoice.paid_amount == invoice.total_amount - Decimal("2260.00")
    assert refresh(paid).allocated_amount == invoice.paid_amount  # 2260.00 is the customer's credit
    assert customer_receivable(order.customer_id) == Decimal("-2260.00")
    # the order line: invoiced back to what the customer kept
    order_line = refresh(line.order_line)
    assert order_line.invoiced_quantity == order_line.shipped_quantity == order_line.quantity - 2


def test_the_credit_pays_the_next_invoice(org, shipped_order, issue_invoice):
    order = shipped_order()
    invoice = issue_invoice(order)
    payment = payments.payment_record(
        by=org.finance,
        data={
            "customer": order.customer_id,
            "received_on": invoice.invoiced_on,
            "amount": str(invoice.total_amount),
        },
    )
    ra, _line = receive_back(org, order, 1)
    [note] = credit_notes.credit_note_from_return(by=org.clerk, return_id=ra.pk)
    approve(org, note)
    second = issue_invoice(shipped_order(customer=order.customer))
    payments.payment_allocate(by=org.finance, payment_id=payment.pk)
    assert refresh(second).paid_amount == Decimal("1130.00")
    assert refresh(payment).unallocated == 0


def test_a_return_is_credited_once_and_only_when_received(org, shipped_order, issue_invoice):
    order = shipped_order()
    issue_invoice(order)
    ra, _line = receive_back(org, order, 1)
    credit_notes.credit_note_from_return(by=org.clerk, return_id=ra.pk)
    with pytest.raises(DomainError) as exc:
        credit_notes.credit_note_from_return(by=org.clerk, return_id=ra.pk)
    assert exc.value.code == "already_credited"
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).count() == 1
    assert Payment.objects.count() == 0


def test_nothing_to_credit_when_the_returned_goods_were_not_invoiced(org, shipped_order):
    order = shipped_order()
    ra, line = receive_back(org, order, 1)
    assert credit_notes.credit_note_from_return(by=org.clerk, return_id=ra.pk) == []
    assert refresh(line.order_line).shipped_quantity == line.order_line.quantity - 1
