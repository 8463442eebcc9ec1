"""Order to cash with the real invoice services: an order shipped, invoiced (two-person review),
partly credited, paid with an overpayment; the receivable, the customer credit, the aging, the
statement and the collection tasks agree (I7, I12)."""

import datetime
from decimal import Decimal

from salesdept.billing.models import CollectionTask
from salesdept.billing.selectors import receivables as selectors
from salesdept.billing.services import credit_notes as credit_services
from salesdept.billing.services import invoices as invoice_services
from salesdept.billing.services.collections import collections_run
from salesdept.ledger import codes

from .conftest import next_invoice_no
from .fixtures_payments import balance, days, record, refresh, today


def test_invoice_credit_note_payment_and_credit(org, shipped_order, issue_invoice):
    # given an issued invoice of the whole order, overdue, and a credit note of one line
    order = shipped_order()
    invoice = issue_invoice(order)
    cust = invoice.customer
    first = invoice.lines.order_by("position").first()
    note = credit_services.credit_note_create(
        by=org.clerk, invoice_id=invoice.pk, data={"lines": [{"invoice_line_id": first.pk, "quantity": "1"}]}
    )
    invoice_services.invoice_submit(by=org.clerk, invoice_id=note.pk)
    invoice_services.invoice_approve(by=org.finance, invoice_id=note.pk, invoice_no=next_invoice_no())
    invoice = refresh(invoice)
    owed = invoice.total_amount - refresh(note).total_amount
    assert invoice.outstanding == owed
    assert balance(codes.RECEIVABLE, cust.pk) == owed
    # the collection run chases it once it is past due
    collections_run(today=invoice.due_on + datetime.timedelta(days=1), by=org.finance)
    assert CollectionTask.objects.filter(invoice=invoice, status="open").count() == 1
    # when the customer pays 100 more than owed
    payment = record(org.finance, cust, owed + Decimal("100.00"), reference="BK-FLOW")
    # then the invoice is paid, 100 stays their credit, the task is done
    invoice = refresh(invoice)
    assert invoice.outstanding == 0 and invoice.paid_amount == owed
    assert refresh(payment).unallocated == Decimal("100.00")
    assert balance(codes.RECEIVABLE, cust.pk) == 0
    assert balance(codes.CUSTOMER_ADVANCES, cust.pk) == Decimal("-100.00")
    assert CollectionTask.objects.get(invoice=invoice).status == "done"
    assert selectors.aging(user=org.finance, as_of=today()).rows == []
    statement = selectors.customer_statement(
        user=org.finance, customer_id=cust.pk, start=days(-400), end=today()
    )
    assert [line.kind for line in statement.lines] == ["invoice", "credit_note", "payment"]
    assert statement.closing == Decimal("-100.00")
