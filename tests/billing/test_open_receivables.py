"""The open-receivables summary (billing/outstanding.py): what the issued invoices still owe, per
due date and invoice date, kept by the postings in their own transaction — an invoice issued, a
payment allocated, a credit note approved (also when the invoice was paid already) — so that the
company aging on the director's dashboard reads it instead of every open invoice. It equals the
invoices after every step (I12, verify_summaries; the org fixture also runs every invariant at
the end of each test), and a user who sees only part of the invoices gets their own figures."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from salesdept.billing.models import OpenReceivable
from salesdept.billing.outstanding import rebuild, summary_mismatches
from salesdept.billing.selectors.receivables import aging, aging_totals
from salesdept.billing.services import credit_notes as credit_services
from salesdept.billing.services import invoices as services
from tests.concurrency import at_once

from .conftest import next_invoice_no, refresh
from .fixtures_payments import customer, days, invoice, record, today

D = Decimal


def kept() -> dict:
    return {
        (r.due_on, r.invoiced_on): (r.outstanding_cents, r.invoices)
        for r in OpenReceivable.objects.all()
        if r.outstanding_cents or r.invoices
    }


def key(inv) -> tuple:
    return (inv.due_on or inv.invoiced_on, inv.invoiced_on)


def cents(amount) -> int:
    return int(D(amount) * 100)


def same_as_the_report(user) -> None:
    """The summary's totals = the aging report's totals row, bucket by bucket (both read as `user`)."""
    fast = aging_totals(user=user, as_of=today())
    report = aging(user=user, dimension="customer", as_of=today()).totals
    assert (fast.buckets, fast.total, fast.invoices) == (report.buckets, report.total, report.invoices)


def test_the_summary_follows_issue_payment_and_credit_notes(org, shipped_order, issue_invoice):
    # an invoice issued through the services adds its total, one open invoice
    inv = issue_invoice(shipped_order())
    assert kept() == {key(inv): (cents(inv.total_amount), 1)}
    same_as_the_report(org.director)
    # a partial payment takes its amount off; the invoice is still open
    record(org.finance, inv.customer, "100.00")
    assert kept() == {key(inv): (cents(inv.total_amount) - 10000, 1)}
    # a credit note on part of it takes the credit off
    line = inv.lines.order_by("position").first()
    note = credit_services.credit_note_create(
        by=org.clerk, invoice_id=inv.pk, data={"lines": [{"invoice_line_id": line.pk, "amount": "113.00"}]}
    )
    services.invoice_submit(by=org.clerk, invoice_id=note.pk)
    services.invoice_approve(by=org.finance, invoice_id=note.pk, invoice_no=next_invoice_no())
    owed = refresh(inv).outstanding
    assert kept() == {key(inv): (cents(owed), 1)}
    assert summary_mismatches() == []
    same_as_the_report(org.director)
    # paid in full: nothing open is left, and the invoice is no longer counted
    record(org.finance, inv.customer, str(owed))
    assert kept() == {}
    # a credit note on the paid invoice: what it paid beyond the rest goes back to credit, and
    # the invoice still owes nothing
    note = credit_services.credit_note_create(
        by=org.clerk, invoice_id=inv.pk, data={"lines": [{"invoice_line_id": line.pk, "amount": "50.00"}]}
    )
    services.invoice_submit(by=org.clerk, invoice_id=note.pk)
    services.invoice_approve(by=org.finance, invoice_id=note.pk, invoice_no=next_invoice_no())
    assert refresh(inv).outstanding == 0
    assert kept() == {} and summary_mismatches() == []


def test_buckets_by_due_date_and_rebuild_gives_the_same_rows(org):
    cust = customer(org)
    invoice(org, cust, "100.00", due_on=days(5), invoiced_on=days(-10))  # current
    invoice(org, cust, "200.00", due_on=days(-10), invoiced_on=days(-40))  # 1–30
    invoice(org, cust, "300.00", due_on=days(-45), invoiced_on=days(-75))  # 31–60
    invoice(org, cust, "400.00", due_on=days(-120), invoiced_on=days(-150))  # over 90
    record(org.finance, cust, "50.00")  # off the oldest due first
    totals = aging_totals(user=org.director, as_of=today())
    assert totals.buckets == {
        "current": D("100.00"),
        "d1_30": D("200.00"),
        "d31_60": D("300.00"),
        "d61_90": D("0.00"),
        "d90_plus": D("350.00"),
    }
    assert (totals.total, totals.invoices) == (D("950.00"), 4)
    same_as_the_report(org.director)
    before = kept()
    assert rebuild() == 4 and kept() == before


def test_a_scoped_user_gets_their_invoices_not_the_company_summary(org):
    mine = customer(org, owner=org.sales1)
    theirs = customer(org, owner=org.sales2)
    invoice(org, mine, "100.00", due_on=days(-3))
    invoice(org, theirs, "900.00", due_on=days(-3))
    manager = org.manager1  # regional manager: the region's customers only
    if not manager.has_perm("billing.view_receivables"):
        pytest.skip("the regional manager does not read receivables in this role set")
    same_as_the_report(manager)
    assert aging_totals(user=org.director, as_of=today()).total == D("1000.00")


def test_a_summary_that_differs_is_named_and_fails_verify_summaries(org):
    cust = customer(org)
    inv = invoice(org, cust, "100.00", due_on=days(-3), invoiced_on=days(-20))
    OpenReceivable.objects.update(outstanding_cents=F("outstanding_cents") + 1)
    problems = summary_mismatches()
    assert problems == [
        f"open receivables due {inv.due_on} invoiced {inv.invoiced_on}: summary 100.01 in 1 invoice(s) "
        "≠ invoices 100.00 in 1"
    ]
    with pytest.raises(CommandError):
        call_command("verify_summaries")
    rebuild()  # the teardown checks every invariant
    call_command("verify_summaries")


@pytest.mark.postgres_only(reason="real concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_on_the_same_due_date_lose_nothing(org):
    # two customers' invoices share a due date and an invoice date: one summary row
    first, second = customer(org), customer(org)
    a = invoice(org, first, "100.00", due_on=days(-3), invoiced_on=days(-30))
    b = invoice(org, second, "200.00", due_on=days(-3), invoiced_on=days(-30))
    assert kept() == {key(a): (30000, 2)}
    outcome = at_once(
        [
            lambda: record(org.finance, first, "100.00", reference="BK-A"),
            lambda: record(org.finance, second, "50.00", reference="BK-B"),
        ]
    )
    assert outcome == ["ok", "ok"]
    assert kept() == {key(b): (15000, 1)}
    assert summary_mismatches() == []
