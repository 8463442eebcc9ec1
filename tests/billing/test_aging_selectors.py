"""Aging 帐龄分析: bucket boundaries, dimensions, scope (X1), drill-down, totals (I12), the query
budget; monthly collections 月回款; the statement of account."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from salesdept.billing.selectors import receivables as selectors
from salesdept.core.errors import ValidationFailed

from .fixtures_payments import customer, days, invoice, record, today

D = Decimal
# days past due → bucket
BOUNDARIES = [
    (-5, "current"),
    (0, "current"),
    (1, "d1_30"),
    (30, "d1_30"),
    (31, "d31_60"),
    (60, "d31_60"),
    (61, "d61_90"),
    (90, "d61_90"),
    (91, "d90_plus"),
]


def test_buckets_at_the_boundaries(org):
    # given one invoice per boundary, each of a distinct amount, as of today
    cust = customer(org)
    for i, (past_due, _bucket) in enumerate(BOUNDARIES):
        invoice(org, cust, D(10**i), due_on=days(-past_due), invoiced_on=days(-past_due - 10))
    # when
    report = selectors.aging(user=org.finance, dimension="customer", as_of=today())
    # then each amount lands in its bucket
    expected = {k: D(0) for k in selectors.BUCKET_KEYS}
    for i, (_past_due, bucket) in enumerate(BOUNDARIES):
        expected[bucket] += D(10**i)
    assert len(report.rows) == 1
    row = report.rows[0]
    assert row.buckets == expected
    assert row.total == sum(expected.values()) and row.invoices == len(BOUNDARIES)
    assert report.totals.buckets == expected
    # the drill-down agrees invoice by invoice
    drill = selectors.aging_invoices(user=org.finance, dimension="customer", key=cust.pk, as_of=today())
    assert sorted((i.days_past_due, i.bucket) for i in drill) == sorted(BOUNDARIES)


def test_no_due_date_counts_from_the_invoice_date_and_paid_or_future_invoices_drop_out(org):
    cust = customer(org)
    invoice(org, cust, "100.00", due_on=None, invoiced_on=days(-45))
    paid = invoice(org, cust, "70.00", due_on=days(-200), invoiced_on=days(-220))
    record(
        org.finance, cust, "70.00", allocation="manual", allocations=[{"invoice_id": paid.pk, "amount": "70"}]
    )
    invoice(org, cust, "5.00", due_on=days(10), invoiced_on=days(1))  # after the as-of date
    report = selectors.aging(user=org.finance, as_of=today())
    assert report.rows[0].buckets["d31_60"] == D("100.00")
    assert report.totals.total == D("100.00")


def test_partly_paid_invoice_shows_what_is_outstanding(org):
    cust = customer(org)
    invoice(org, cust, "100.00", due_on=days(-40))
    record(org.finance, cust, "30.00")
    report = selectors.aging(user=org.finance, as_of=today())
    assert report.rows[0].buckets["d31_60"] == D("70.00")


def test_dimensions_group_and_total(org):
    a, b = customer(org, org.sales1), customer(org, org.sales3)
    invoice(org, a, "100.00", due_on=days(-1))
    invoice(org, a, "50.00", due_on=days(-100))
    invoice(org, b, "20.00", due_on=days(-61), owner=org.sales3)
    by_person = selectors.aging(user=org.finance, dimension="salesperson", as_of=today())
    assert {r.key: r.total for r in by_person.rows} == {org.sales1.pk: D("150.00"), org.sales3.pk: D("20.00")}
    by_region = selectors.aging(user=org.finance, dimension="region", as_of=today())
    assert {r.key: r.total for r in by_region.rows} == {
        org.sales1.region_id: D("150.00"),
        org.sales3.region_id: D("20.00"),
    }
    for report in (by_person, by_region):
        assert report.totals.total == D("170.00")
        for k in selectors.BUCKET_KEYS:
            assert report.totals.buckets[k] == sum(r.buckets[k] for r in report.rows)
    with pytest.raises(ValidationFailed):
        selectors.aging(user=org.finance, dimension="product", as_of=today())


def test_scope_salesperson_sees_own_manager_team_director_all(org):
    mine, colleague, south = customer(org, org.sales1), customer(org, org.sales2), customer(org, org.sales3)
    invoice(org, mine, "1.00", due_on=days(-1))
    invoice(org, colleague, "2.00", due_on=days(-1))
    invoice(org, south, "4.00", due_on=days(-1))

    def seen(user):
        return selectors.aging(user=user, as_of=today()).totals.total

    assert seen(org.sales1) == D("1.00")
    assert seen(org.sales3) == D("4.00")
    assert seen(org.manager1) == D("3.00")
    assert seen(org.director) == D("7.00")
    assert seen(org.finance) == D("7.00")
    # the drill-down into another's customer shows nothing
    assert selectors.aging_invoices(user=org.sales1, dimension="customer", key=south.pk, as_of=today()) == []
    with pytest.raises(PermissionDenied):
        selectors.aging(user=org.keeper, as_of=today())


def test_aging_runs_in_one_query(org, django_assert_max_num_queries):
    for n in range(5):
        invoice(org, customer(org), "10.00", due_on=days(-10 * n))
    org.finance.has_perm("billing.view_receivables")  # warm the permission cache
    with django_assert_max_num_queries(2):
        report = selectors.aging(user=org.finance, as_of=today())
    assert len(report.rows) == 5


def test_monthly_collections_by_region_and_salesperson_with_scope(org):
    year = today().year
    a, b = customer(org, org.sales1), customer(org, org.sales3)
    jan = datetime.date(year, 1, 15)
    if jan > today():
        pytest.skip("needs a January in the past")
    record(org.finance, a, "100.00", received_on=jan)
    record(org.finance, a, "50.00", received_on=today())
    record(org.finance, b, "7.00", received_on=jan)
    record(org.finance, b, "9.00", received_on=datetime.date(year - 1, 12, 31))  # last year
    report = selectors.collections_by_month(user=org.finance, year=year, dimension="salesperson")
    rows = {r["key"]: r for r in report.rows}
    assert rows[org.sales1.pk]["months"][0] == D("100.00")
    assert rows[org.sales1.pk]["months"][today().month - 1] == D("50.00") + (
        D("100.00") if today().month == 1 else 0
    )
    assert rows[org.sales1.pk]["total"] == D("150.00")
    assert report.totals["total"] == D("157.00")
    region = selectors.collections_by_month(user=org.finance, year=year, dimension="region")
    assert {r["key"]: r["total"] for r in region.rows} == {
        org.sales1.region_id: D("150.00"),
        org.sales3.region_id: D("7.00"),
    }
    mine = selectors.collections_by_month(user=org.sales1, year=year, dimension="region")
    assert mine.totals["total"] == D("150.00")


def test_statement_of_account_running_balance(org):
    cust = customer(org)
    start = days(-60)
    invoice(org, cust, "500.00", due_on=days(-70), invoiced_on=days(-90))  # before: opening 500
    record(org.finance, cust, "200.00", received_on=days(-80))  # before: opening 300
    invoice(org, cust, "100.00", due_on=days(-5), invoiced_on=days(-30))
    record(org.finance, cust, "450.00", received_on=days(-10), reference="BK-S")
    st = selectors.customer_statement(user=org.finance, customer_id=cust.pk, start=start, end=today())
    assert st.opening == D("300.00")
    assert [(x.kind, x.debit, x.credit, x.balance) for x in st.lines] == [
        ("invoice", D("100.00"), 0, D("400.00")),
        ("payment", 0, D("450.00"), D("-50.00")),
    ]
    assert st.closing == D("-50.00")  # a credit of 50
    with pytest.raises(ValidationFailed):
        selectors.customer_statement(user=org.finance, customer_id=cust.pk, start=today(), end=start)
