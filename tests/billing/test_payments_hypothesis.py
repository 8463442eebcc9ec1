"""Hypothesis over random sequences of invoices, payments and allocations (oldest first, by
hand, kept as credit, allocated later): after every step, per customer, the receivable in the
ledger = invoiced − credited − paid (allocated) = Σ outstanding, the customer credit account =
Σ unallocated, every journal entry balances (I1), and each invoice was paid exactly as a model
of the oldest-first rule computed in Python. Refusals change nothing."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesdept.billing import invariants as billing_rules
from salesdept.billing.models import Invoice, Payment
from salesdept.billing.services.payments import payment_allocate
from salesdept.core import invariants
from salesdept.core.errors import DomainError
from salesdept.ledger import codes
from salesdept.ledger.models import JournalEntry, JournalLine

from .fixtures_payments import balance, customer, days, invoice, record

ZERO = Decimal("0")
cents = st.integers(min_value=1, max_value=500_00).map(lambda c: Decimal(c) / 100)
action = st.one_of(
    st.tuples(st.just("invoice"), st.integers(0, 1), cents, st.integers(-120, 30), st.integers(0, 60)),
    st.tuples(st.just("pay"), st.integers(0, 1), cents, st.sampled_from(["oldest", "oldest", "none"])),
    st.tuples(st.just("allocate"), st.integers(0, 20)),
    st.tuples(st.just("manual"), st.integers(0, 20), st.integers(0, 20), cents),
)


class Model:
    """What the books should say, kept in Python."""

    def __init__(self):
        self.invoices: dict[int, dict] = {}  # pk → customer, total, paid, due, invoiced, pk
        self.payments: dict[int, dict] = {}  # pk → customer, amount, allocated

    def open_oldest_first(self, cust):
        rows = [i for i in self.invoices.values() if i["customer"] == cust and i["total"] > i["paid"]]
        return sorted(rows, key=lambda i: (i["due"] or i["invoiced"], i["invoiced"], i["pk"]))

    def allocate(self, cust, available):
        left = available
        for inv in self.open_oldest_first(cust):
            if left <= 0:
                break
            amount = min(left, inv["total"] - inv["paid"])
            inv["paid"] += amount
            left -= amount
        return available - left


def check(model: Model, customers) -> None:
    for inv in Invoice.objects.all():
        assert inv.paid_amount == model.invoices[inv.pk]["paid"], inv.number
    for p in Payment.objects.all():
        assert p.allocated_amount == model.payments[p.pk]["allocated"], p.number
    for cust in customers:
        invoiced = sum((i["total"] for i in model.invoices.values() if i["customer"] == cust.pk), ZERO)
        paid = sum((i["paid"] for i in model.invoices.values() if i["customer"] == cust.pk), ZERO)
        credited = ZERO  # no credit notes in this model
        outstanding = Invoice.objects.filter(customer=cust).aggregate(s=Sum("total_amount"))["s"] or ZERO
        outstanding -= Invoice.objects.filter(customer=cust).aggregate(s=Sum("paid_amount"))["s"] or ZERO
        assert balance(codes.RECEIVABLE, cust.pk) == invoiced - credited - paid == outstanding
        unallocated = sum(
            (p["amount"] - p["allocated"] for p in model.payments.values() if p["customer"] == cust.pk), ZERO
        )
        assert -balance(codes.CUSTOMER_ADVANCES, cust.pk) == unallocated
    total = JournalLine.objects.aggregate(d=Sum("debit"), c=Sum("credit"))
    assert (total["d"] or ZERO) == (total["c"] or ZERO)
    for entry in JournalEntry.objects.all():
        sums = entry.lines.aggregate(d=Sum("debit"), c=Sum("credit"))
        assert sums["d"] == sums["c"], entry


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(action, min_size=1, max_size=10))
def test_random_invoices_payments_and_allocations_keep_the_books(org, steps):
    with transaction.atomic():
        customers = [customer(org, org.sales1), customer(org, org.sales3)]
        model = Model()
        for step in steps:
            kind = step[0]
            if kind == "invoice":
                _k, c, amount, due, age = step
                cust = customers[c]
                inv = invoice(org, cust, amount, due_on=days(due), invoiced_on=days(-age))
                model.invoices[inv.pk] = {
                    "customer": cust.pk, "total": amount, "paid": ZERO, "due": days(due),
                    "invoiced": days(-age), "pk": inv.pk,
                }  # fmt: skip
            elif kind == "pay":
                _k, c, amount, mode = step
                cust = customers[c]
                payment = record(org.finance, cust, amount, allocation=mode)
                allocated = model.allocate(cust.pk, amount) if mode == "oldest" else ZERO
                model.payments[payment.pk] = {"customer": cust.pk, "amount": amount, "allocated": allocated}
            elif kind == "allocate" and model.payments:
                pk = sorted(model.payments)[step[1] % len(model.payments)]
                p = model.payments[pk]
                left = p["amount"] - p["allocated"]
                can = left > 0 and model.open_oldest_first(p["customer"])
                try:
                    payment_allocate(by=org.finance, payment_id=pk, on=datetime.date.today())
                except DomainError as exc:
                    assert not can and exc.code == "nothing_to_allocate"
                else:
                    assert can
                    p["allocated"] += model.allocate(p["customer"], left)
            elif kind == "manual" and model.payments and model.invoices:
                _k, pi, ii, amount = step
                pk = sorted(model.payments)[pi % len(model.payments)]
                p = model.payments[pk]
                inv = model.invoices[sorted(model.invoices)[ii % len(model.invoices)]]
                rows = [{"invoice_id": inv["pk"], "amount": amount}]
                ok = (
                    p["amount"] - p["allocated"] >= amount
                    and inv["customer"] == p["customer"]
                    and inv["total"] - inv["paid"] >= amount
                )
                try:
                    payment_allocate(by=org.finance, payment_id=pk, allocations=rows)
                except DomainError:
                    assert not ok
                else:
                    assert ok
                    inv["paid"] += amount
                    p["allocated"] += amount
            check(model, customers)
        assert invariants.run({"I1", "I9"}) == []
        # I7 rules of payments and receivables (the invoice-total rule compares sums of SQLite
        # REAL values exactly, so it is left to the org fixture's final run)
        for check_rule in (
            billing_rules.payment_allocations_add_up,
            billing_rules.customer_credit_equals_unallocated_payments,
            billing_rules.paid_is_the_allocations,
            billing_rules.receivable_account_is_the_outstanding,
        ):
            assert check_rule() == [], check_rule.__name__
        transaction.set_rollback(True)
