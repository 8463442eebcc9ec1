"""Two approvers issue two invoices for the same shipped rest at the same moment, each on their
own connection: the order row lock queues them, exactly one is issued and the other is refused
(over_invoicing) with nothing of it written."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connections

from salesdept.billing.models import Invoice
from salesdept.billing.selectors import invoices as selectors
from salesdept.billing.services import invoices as services
from salesdept.core.errors import DomainError


def at_once(calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcome: dict[int, str] = {}

    def work(i, call) -> None:
        try:
            barrier.wait(timeout=30)
            call()
            outcome[i] = "ok"
        except DomainError as exc:
            outcome[i] = exc.code
        except Exception as exc:  # surfaced by the assertion
            outcome[i] = repr(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(calls)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=90)
    return sorted(outcome.values())


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
