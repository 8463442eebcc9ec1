"""Sales statistics (P2, I12): facts and their monthly totals are written together; the totals
equal the facts for every dimension and month; a report reads the same figures from either."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesdept.stats.models import Dimension, Kind, SalesFact, SalesTotal, Source
from salesdept.stats.selectors import sales_report, totals_mismatches
from salesdept.stats.services import record_facts

from .conftest import fact

D = Decimal
MARCH = datetime.date(2026, 3, 1)


def cell(dimension, key, month=MARCH) -> SalesTotal:
    return SalesTotal.objects.get(dimension=dimension, key=str(key), month=month)


def test_facts_and_their_monthly_totals_are_written_together(world):
    a, b = world.customers
    p1, p2, p3 = world.products
    record_facts(
        [
            fact(a, p1, amount="100.10", cost="60.05", quantity="2", number="SO-1", line="1"),
            fact(a, p3, amount="50.20", cost="20.00", quantity="1", number="SO-1", line="2"),
            fact(b, p1, amount="10.00", cost="9.00", number="SO-2", day=datetime.date(2026, 3, 31)),
        ]
    )
    record_facts([fact(a, p1, kind=Kind.SHIPPED, amount="100.10", quantity="2", source=Source.SHIPMENT)])
    assert SalesFact.objects.count() == 4
    shanghai = cell("customer", a.pk)
    assert (shanghai.ordered_amount, shanghai.ordered_quantity, shanghai.cost) == (
        D("150.30"),
        D("3"),
        D("80.05"),
    )
    assert shanghai.orders == 1  # one order, two lines
    assert (shanghai.shipped_amount, shanghai.shipped_quantity) == (D("100.10"), D("2"))
    tools = cell("category", p1.category_id)
    assert (tools.ordered_amount, tools.orders) == (D("110.10"), 2)  # two orders had tools
    assert cell("channel", "direct").ordered_amount == D("160.30")
    assert totals_mismatches() == []
    call_command("verify_summaries")


def test_a_total_that_differs_from_the_facts_is_named_and_fails_the_check(world):
    a, _b = world.customers
    record_facts([fact(a, world.products[0], amount="100.00")])
    SalesTotal.objects.filter(dimension="region").update(ordered_amount=D("99.99"))
    problems = totals_mismatches()
    assert len(problems) == 1 and problems[0].startswith(f"region {a.region_id} 2026-03 ordered_amount")
    with pytest.raises(CommandError):
        call_command("verify_summaries")
    SalesTotal.objects.filter(dimension="region").update(
        ordered_amount=D("100.00")
    )  # the teardown checks I12


def test_a_report_compares_the_year_before_and_the_period_before(world):
    a, _b = world.customers
    p = world.products[0]
    record_facts(
        [
            fact(a, p, amount="300.00", number="SO-Q2", day=datetime.date(2026, 5, 10)),
            fact(a, p, amount="200.00", number="SO-Q1", day=datetime.date(2026, 2, 10)),
            fact(a, p, amount="100.00", number="SO-LY", day=datetime.date(2025, 6, 30)),
            fact(a, p, amount="7.00", number="SO-OUT", day=datetime.date(2026, 7, 1)),
        ]
    )
    report = sales_report(
        world.org.director,
        dimension="salesperson",
        start=datetime.date(2026, 4, 1),
        end=datetime.date(2026, 6, 30),
    )
    assert report.from_totals
    assert [m.month for m in report.months] == [4, 5, 6]
    assert (report.total["ordered_amount"], report.previous_year["ordered_amount"]) == (
        D("300.00"),
        D("100.00"),
    )
    assert report.previous_period["ordered_amount"] == D("200.00")  # the quarter before
    assert report.total["orders"] == 1 and report.total["average_order"] == D("300.00")
    (row,) = report.rows
    assert row.key == str(world.org.sales1.pk)
    assert row.months[datetime.date(2026, 5, 1)]["gross_margin"] == D("240.00")


def test_a_salesperson_reads_only_their_own_facts_never_the_totals(world):
    a, b = world.customers
    record_facts([fact(a, world.products[0], amount="10.00"), fact(b, world.products[0], amount="20.00")])
    mine = sales_report(world.org.sales1, dimension="customer", start=MARCH, end=datetime.date(2026, 3, 31))
    assert not mine.from_totals
    assert [r.key for r in mine.rows] == [str(a.pk)] and mine.total["ordered_amount"] == D("10.00")
    everyone = sales_report(
        world.org.director, dimension="customer", start=MARCH, end=datetime.date(2026, 3, 31)
    )
    assert everyone.total["ordered_amount"] == D("30.00")


days = st.dates(min_value=datetime.date(2024, 11, 1), max_value=datetime.date(2026, 2, 28))
cents = st.integers(min_value=-50_000, max_value=5_000_000)
facts = st.tuples(
    st.sampled_from(list(Kind)),
    days,
    cents,
    st.integers(0, 1),
    st.integers(0, 2),
    st.integers(1, 4),
    st.booleans(),
)


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=st.lists(st.lists(facts, min_size=1, max_size=6), min_size=1, max_size=5))
def test_random_facts_keep_the_totals_equal_to_the_facts_and_every_report_agrees(world, batches):
    with transaction.atomic():
        written = []
        for n, batch in enumerate(batches):
            made = [
                fact(
                    world.customers[ci],
                    None if kind == Kind.COLLECTED else world.products[pi],
                    kind=kind,
                    day=day,
                    amount=str(D(c) / 100),
                    cost=str(D(abs(c)) / 200),
                    quantity=str(q),
                    number=f"SO-{n}-{ci}-{day:%Y%m%d}",  # an order has one date
                    channel="direct" if direct else "dealer",
                )
                for kind, day, c, ci, pi, q, direct in batch
            ]
            record_facts(made)
            written.extend(made)
        assert totals_mismatches() == []
        start, end = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
        for dimension in Dimension:
            quick = sales_report(world.org.director, dimension=dimension, start=start, end=end)
            slow = sales_report(
                world.org.director, dimension=dimension, start=start, end=end, use_totals=False
            )
            assert quick.from_totals and not slow.from_totals
            assert quick.total == slow.total and quick.previous_year == slow.previous_year
            assert {r.key: r.total for r in quick.rows} == {r.key: r.total for r in slow.rows}
            # I12: the report's total is the sum of the facts it covers
            for kind, measure in ((Kind.ORDERED, "ordered_amount"), (Kind.COLLECTED, "collected_amount")):
                covered = sum((f.amount for f in written if f.kind == kind and start <= f.day <= end), D("0"))
                assert quick.total[measure] == covered
        transaction.set_rollback(True)
