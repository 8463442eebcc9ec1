"""Payments 回款 through the service: allocation oldest first and by hand, overpayment as credit,
duplicates, bad input, permissions; ledger postings (I1, I7)."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connections

from salesdept.billing.models import Allocation, Payment
from salesdept.billing.services.payments import payment_allocate, payment_record
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.ledger import codes

from .fixtures_payments import balance, customer, days, invoice, record, refresh, today

D = Decimal


def test_record_allocates_oldest_due_first_across_three_invoices(org):
    # given three invoices whose due dates are not in creation order
    cust = customer(org)
    late = invoice(org, cust, "300.00", due_on=days(20), invoiced_on=days(-10))
    oldest = invoice(org, cust, "100.00", due_on=days(-5), invoiced_on=days(-40))
    middle = invoice(org, cust, "200.00", due_on=days(5), invoiced_on=days(-30))
    # when 400 arrive
    payment = record(org.finance, cust, "400.00", reference="BK-1")
    # then the oldest due is paid first, the last one partly
    assert [(a.invoice_id, a.amount) for a in Allocation.objects.filter(payment=payment).order_by("pk")] == [
        (oldest.pk, D("100.00")),
        (middle.pk, D("200.00")),
        (late.pk, D("100.00")),
    ]
    assert [refresh(i).paid_amount for i in (oldest, middle, late)] == [D("100.00"), D("200.00"), D("100.00")]
    payment = refresh(payment)
    assert payment.allocated_amount == D("400.00") and payment.unallocated == 0
    assert payment.number.startswith(f"PM-{today().year}-")
    assert balance(codes.RECEIVABLE, cust.pk) == D("200.00")
    assert balance(codes.BANK) == D("400.00")
    assert balance(codes.CUSTOMER_ADVANCES, cust.pk) == 0


def test_due_date_tie_goes_to_the_earlier_invoice_date_then_pk(org):
    cust = customer(org)
    b = invoice(org, cust, "50.00", due_on=days(-1), invoiced_on=days(-3))
    a = invoice(org, cust, "50.00", due_on=days(-1), invoiced_on=days(-9))
    payment = record(org.finance, cust, "60.00")
    assert list(payment.allocations.order_by("pk").values_list("invoice_id", "amount")) == [
        (a.pk, D("50.00")),
        (b.pk, D("10.00")),
    ]


def test_manual_allocation_within_limits(org):
    cust = customer(org)
    first = invoice(org, cust, "100.00", due_on=days(-30))
    second = invoice(org, cust, "100.00", due_on=days(-10))
    payment = record(
        org.finance,
        cust,
        "150.00",
        allocation="manual",
        allocations=[
            {"invoice_id": second.pk, "amount": "100.00"},
            {"invoice_id": first.pk, "amount": "20.00"},
        ],
    )
    assert refresh(second).paid_amount == D("100.00")
    assert refresh(first).paid_amount == D("20.00")
    assert refresh(payment).unallocated == D("30.00")
    assert balance(codes.CUSTOMER_ADVANCES, cust.pk) == D("-30.00")  # a credit of 30


@pytest.mark.parametrize(
    "rows, status, code, field",
    [
        ([("first", "100.01")], 409, "over_allocation", "allocations.1.amount"),
        ([("first", "80.00"), ("second", "80.00")], 400, "invalid", "allocations"),  # Σ > payment
        ([("other", "10.00")], 400, "invalid", "allocations.1.invoice_id"),  # not this customer's
        ([("first", "10.00"), ("first", "5.00")], 400, "invalid", "allocations.2.invoice_id"),
        ([("first", "0")], 400, "invalid", "allocations.1.amount"),
        ([], 400, "invalid", "allocations"),
    ],
)
def test_manual_allocation_limits_are_refused_and_nothing_is_written(org, rows, status, code, field):
    cust = customer(org)
    invoices = {
        "first": invoice(org, cust, "100.00", due_on=days(-3)),
        "second": invoice(org, cust, "100.00", due_on=days(-2)),
        "other": invoice(org, customer(org), "100.00", due_on=days(-2)),
    }
    before = balance(codes.BANK)
    with pytest.raises(DomainError) as refused:
        record(
            org.finance,
            cust,
            "150.00",
            allocation="manual",
            allocations=[{"invoice_id": invoices[k].pk, "amount": a} for k, a in rows],
        )
    assert (refused.value.status, refused.value.code) == (status, code)
    assert field in refused.value.fields
    assert Payment.objects.count() == 0 and Allocation.objects.count() == 0
    assert all(refresh(i).paid_amount == 0 for i in invoices.values())
    assert balance(codes.BANK) == before


def test_overpayment_becomes_credit_and_is_later_allocated_to_a_new_invoice(org):
    # given an invoice of 100 and a payment of 250
    cust = customer(org)
    invoice(org, cust, "100.00", due_on=days(-1))
    payment = record(org.finance, cust, "250.00", reference="BK-OVER")
    assert refresh(payment).unallocated == D("150.00")
    assert balance(codes.CUSTOMER_ADVANCES, cust.pk) == D("-150.00")
    # nothing left to allocate to: refused, nothing changes
    with pytest.raises(DomainError) as refused:
        payment_allocate(by=org.finance, payment_id=payment.pk)
    assert refused.value.code == "nothing_to_allocate"
    # when a new invoice of 120 is issued and the credit allocated
    new = invoice(org, cust, "120.00", due_on=days(30))
    payment_allocate(by=org.finance, payment_id=payment.pk)
    # then it is paid from the credit, 30 credit remain
    assert refresh(new).paid_amount == D("120.00")
    assert refresh(payment).unallocated == D("30.00")
    assert balance(codes.CUSTOMER_ADVANCES, cust.pk) == D("-30.00")
    assert balance(codes.RECEIVABLE, cust.pk) == 0


def test_manual_allocation_of_credit_is_limited_to_what_is_left(org):
    cust = customer(org)
    payment = record(org.finance, cust, "50.00", allocation="none")
    inv = invoice(org, cust, "80.00", due_on=days(3))
    with pytest.raises(ValidationFailed) as refused:
        payment_allocate(
            by=org.finance, payment_id=payment.pk, allocations=[{"invoice_id": inv.pk, "amount": "60"}]
        )
    assert "allocations" in refused.value.fields
    payment_allocate(
        by=org.finance, payment_id=payment.pk, allocations=[{"invoice_id": inv.pk, "amount": "50"}]
    )
    assert refresh(inv).paid_amount == D("50.00")
    with pytest.raises(DomainError) as again:
        payment_allocate(by=org.finance, payment_id=payment.pk)
    assert again.value.code == "nothing_to_allocate"


def test_same_customer_and_reference_twice_is_refused_naming_the_first(org):
    cust = customer(org)
    first = record(org.finance, cust, "10.00", reference="BK-777")
    with pytest.raises(DomainError) as refused:
        record(org.finance, cust, "10.00", reference="BK-777")
    assert refused.value.status == 409 and refused.value.code == "duplicate_payment"
    assert first.number in str(refused.value.message)
    assert refused.value.extra["number"] == first.number
    assert Payment.objects.count() == 1
    # the same reference from another customer is another payment; no reference never collides
    record(org.finance, customer(org), "10.00", reference="BK-777")
    record(org.finance, cust, "10.00")
    record(org.finance, cust, "10.00")
    assert Payment.objects.count() == 4


@pytest.mark.parametrize(
    "data, field",
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"received_on": days(1)}, "received_on"),
        ({"received_on": "2026-13-01"}, "received_on"),
        ({"method": "bitcoin"}, "method"),
        ({"allocation": "newest"}, "allocation"),
        ({"reference": "x" * 101}, "reference"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(org, data, field):
    cust = customer(org)
    invoice(org, cust, "100.00", due_on=days(-1))
    with pytest.raises(ValidationFailed) as refused:
        record(org.finance, cust, data.pop("amount", "10.00"), **data)
    assert field in refused.value.fields
    assert Payment.objects.count() == 0


def test_unknown_customer_is_400(org):
    with pytest.raises(ValidationFailed) as refused:
        payment_record(by=org.finance, data={"customer": 999999, "received_on": today(), "amount": "1"})
    assert "customer" in refused.value.fields


def test_salesperson_cannot_record_or_allocate(org):
    cust = customer(org)
    with pytest.raises(PermissionDenied):
        record(org.sales1, cust, "10.00")
    payment = record(org.finance, cust, "10.00")
    with pytest.raises(PermissionDenied):
        payment_allocate(by=org.sales1, payment_id=payment.pk)
    with pytest.raises(PermissionDenied):
        record(org.clerk, cust, "10.00")


def test_closed_period_refuses_the_payment(org):
    from salesdept.ledger.services import period_close

    cust = customer(org)
    last_month = today().replace(day=1) - __import__("datetime").timedelta(days=1)
    period_close(year=last_month.year, month=last_month.month, by=org.finance)
    with pytest.raises(DomainError) as refused:
        record(org.finance, cust, "10.00", received_on=last_month)
    assert refused.value.code == "period_closed"
    assert Payment.objects.count() == 0


@pytest.mark.postgres_only(reason="real concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_with_the_same_reference_record_exactly_one(org):
    # given an open invoice
    cust = customer(org)
    inv = invoice(org, cust, "100.00", due_on=days(-1))
    barrier = threading.Barrier(2)
    results: list = []

    def submit():
        try:
            barrier.wait(timeout=10)
            payment = record(org.finance, cust, "100.00", reference="BK-RACE")
            results.append(("ok", payment.number))
        except DomainError as exc:
            results.append((exc.code, exc.extra.get("number")))
        finally:
            connections.close_all()

    # when two people submit the same bank slip at once
    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    # then exactly one is recorded; the other is told which payment has it
    assert sorted(r[0] for r in results) == ["duplicate_payment", "ok"], results
    winner = next(r[1] for r in results if r[0] == "ok")
    assert next(r[1] for r in results if r[0] != "ok") == winner
    assert Payment.objects.filter(customer=cust).count() == 1
    assert refresh(inv).paid_amount == D("100.00")
    assert balance(codes.BANK) == D("100.00")
