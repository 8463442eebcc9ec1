"""The aging bench: its seeder writes blocks of issued, open invoices with their contracts, orders
and journal entries so that every invariant holds (the org fixture checks them after the test),
and the aging workload sees every one of them in each grouping."""

import random
from decimal import Decimal

import pytest
from django.utils import timezone

from salesdept.bench import receivables as bench
from salesdept.billing.models import Invoice
from salesdept.billing.selectors.receivables import aging
from salesdept.ledger.selectors.balances import customer_receivable
from salesdept.sales.models import Contract
from tests.billing.conftest import new_customer

pytestmark = pytest.mark.django_db


def test_seeded_invoices_are_consistent_open_books(org, monkeypatch):
    monkeypatch.setattr(bench, "sizes", lambda: {"invoices": 2 * bench.BLOCK})
    customers = [new_customer(org), new_customer(org, owner=org.sales2)]
    params = bench.seed_receivables(random.Random(5))
    assert params["aging_invoices"] == 2 * bench.BLOCK
    # the statistics workload's count of contracts signed in its year includes these contracts
    year = params["sales_statistics_year"]
    assert params["sales_signed_in_year"] == Contract.objects.filter(signed_on__year=year).count() > 0
    issued = Invoice.objects.filter(status="issued", kind="invoice")
    assert issued.count() == 2 * bench.BLOCK
    assert issued.values("invoice_no").distinct().count() == 2 * bench.BLOCK
    # the ledger owes what the invoices say, customer by customer
    for customer in customers:
        owed = sum((i.outstanding for i in issued.filter(customer=customer)), Decimal("0"))
        assert customer_receivable(customer.pk) == owed
    report = aging(user=org.finance, dimension="customer", as_of=timezone.localdate())
    assert report.totals.invoices == 2 * bench.BLOCK
    assert report.totals.total == sum((i.total_amount for i in issued), Decimal("0"))


def test_the_workload_counts_a_report_missing_invoices_as_an_error(org, monkeypatch):
    monkeypatch.setattr(bench, "sizes", lambda: {"invoices": bench.BLOCK})
    new_customer(org)
    params = bench.seed_receivables(random.Random(6))
    times, errors = bench.measure_aging_service(params, 3)
    assert len(times) == 3 and errors == 0
    _times, errors = bench.measure_aging_service(
        {**params, "aging_invoices": params["aging_invoices"] + 1}, 3
    )
    assert errors == 3


def test_the_counter_rules_speak_up_over_many_invoices(org, monkeypatch):
    """paid = Σ allocations and credited = Σ issued credit notes are checked without a subquery
    per invoice; a counter off by a cent on one of a thousand invoices is still found."""
    from salesdept.billing import invariants as rules

    monkeypatch.setattr(bench, "sizes", lambda: {"invoices": bench.BLOCK})
    new_customer(org)
    bench.seed_receivables(random.Random(7))
    assert rules.paid_is_the_allocations() == [] and rules.credited_is_the_issued_credit_notes() == []
    one = Invoice.objects.order_by("pk")[500]
    Invoice.objects.filter(pk=one.pk).update(paid_amount=Decimal("0.01"))
    assert rules.paid_is_the_allocations() == [f"invoice {one.number}: paid 0.01 ≠ allocated 0.00"]
    Invoice.objects.filter(pk=one.pk).update(paid_amount=0, credited_amount=Decimal("0.01"))
    assert rules.credited_is_the_issued_credit_notes() == [
        f"invoice {one.number}: credited 0.01 ≠ its issued credit notes 0.00"
    ]
    Invoice.objects.filter(pk=one.pk).update(credited_amount=0)
