"""Two approvers issue two invoices for the same shipped rest at the same moment, each on their
own connection: the order row lock queues them, exactly one is issued and the other is refused
(over_invoicing) with nothing of it written."""

import time
from decimal import Decimal

import pytest

from salesdept.billing.models import Invoice
from salesdept.billing.selectors import invoices as selectors
from salesdept.billing.services import invoices as services
from tests.concurrency import at_once


@pytest.fixture
def slow_check(monkeypatch):
    """Pause before the check reads the order lines, so approvals without the order lock would
    both see the rest as invoiceable."""
    check = selectors.invoice_check

    def slow(invoice):
        time.sleep(0.3)
        return check(invoice)

    monkeypatch.setattr(selectors, "invoice_check", slow)


@pytest.mark.postgres_only(reason="real row locks between connections")
@pytest.mark.django_db(transaction=True)
def test_two_approvals_of_the_same_rest_one_wins(org, shipped_order, slow_check):
    order = shipped_order()
    first = order.lines.order_by("position").first()
    drafts = []
    for _ in range(2):
        invoice = services.invoice_create(
            by=org.clerk, order_id=order.pk, data={"lines": [{"order_line_id": first.pk}]}
        )
        services.invoice_submit(by=org.clerk, invoice_id=invoice.pk)
        drafts.append(invoice)
    outcome = at_once(
        [
            lambda: services.invoice_approve(by=org.finance, invoice_id=drafts[0].pk, invoice_no="C-1"),
            lambda: services.invoice_approve(by=org.director, invoice_id=drafts[1].pk, invoice_no="C-2"),
        ]
    )
    assert outcome == ["ok", "over_invoicing"]
    first.refresh_from_db()
    assert first.invoiced_quantity == Decimal("10")
    assert Invoice.objects.filter(status="issued").count() == 1
    assert Invoice.objects.filter(status="submitted").count() == 1
