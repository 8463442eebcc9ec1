"""S5 / I12: for random contracts, lines, milestones, deliveries and orders (confirmed, draft,
cancelled), every column of the overview, the list and the statistics equals the sum of the
documents computed here in Python — with the documents of the fulfillment issue stood in for by
plugged sources (shipped = confirmed orders with a delivery date, paid = milestones marked
paid), so the nested subqueries are exercised too."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Case, F, OuterRef, Value, When
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesdept.sales.lines import line_amount
from salesdept.sales.models import SalesOrderLine
from salesdept.sales.selectors import fulfillment as ff

from .fixtures_fulfillment import make_contract, make_customer, make_order, make_product

TODAY = datetime.date(2026, 6, 15)
ZERO = Decimal("0")


def plugged_sources():
    shipped = SalesOrderLine.objects.filter(
        contract_line=OuterRef("pk"), order__status="confirmed", order__wanted_on__isnull=False
    )
    return {
        "line": {
            "shipped_qty": lambda: ff.sum_of(shipped, "quantity", ff.quantity_field()),
            "shipped_amount": lambda: ff.sum_of(shipped, "amount", ff.money_field()),
            "invoiced_qty": ff.zero_quantity,
            "invoiced_amount": ff.zero_money,
        },
        "milestone": {
            "paid": lambda: Case(
                When(days=1, then=F("amount")), default=Value(ZERO), output_field=ff.money_field()
            )
        },
    }


days = st.integers(min_value=-200, max_value=60).map(lambda d: TODAY + datetime.timedelta(days=d))
line_spec = st.tuples(
    st.integers(min_value=1, max_value=40),  # quantity
    st.integers(min_value=1, max_value=999_999).map(lambda c: Decimal(c) / 100),  # unit price
)
order_spec = st.tuples(
    st.sampled_from(["confirmed", "draft", "cancelled"]),
    st.booleans(),  # has a delivery date (= "shipped" through the plugged source)
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=3), st.integers(min_value=1, max_value=15)), max_size=3
    ),
)
contract_spec = st.fixed_dictionaries(
    {
        "owner": st.sampled_from(["sales1", "sales2", "sales3"]),
        "status": st.sampled_from(["signed", "signed", "archived", "draft", "cancelled"]),
        "signed_on": st.dates(min_value=datetime.date(2025, 11, 1), max_value=datetime.date(2026, 6, 30)),
        "lines": st.lists(line_spec, min_size=0, max_size=4),
        "milestones": st.lists(st.tuples(st.one_of(st.none(), days), st.booleans()), min_size=0, max_size=3),
        "deliveries": st.lists(
            st.tuples(st.integers(min_value=0, max_value=3), days, st.integers(min_value=1, max_value=10)),
            max_size=4,
        ),
        "orders": st.lists(order_spec, max_size=4),
    }
)


def build(org, products, customers, spec):
    owner = org.people[spec["owner"]]
    lines = [(products[i % len(products)], q, p) for i, (q, p) in enumerate(spec["lines"])]
    n = len(spec["milestones"])
    milestones = [(Decimal(100) / n if n else 100, due, 1 if paid else 0) for due, paid in spec["milestones"]]
    deliveries = [(i % len(lines), day, q) for i, day, q in spec["deliveries"]] if lines else []
    contract = make_contract(
        owner=owner,
        customer=customers[spec["owner"]],
        status=spec["status"],
        signed_on=spec["signed_on"],
        lines=lines,
        milestones=milestones,
        deliveries=deliveries,
    )
    # orders: never more (confirmed + draft) than contracted per line (I6)
    left = {cl.pk: cl.quantity for cl in contract.made_lines}
    expected_lines = {
        cl.pk: defaultdict(lambda: ZERO, contracted=cl.quantity, amount=cl.amount)
        for cl in contract.made_lines
    }
    for status, has_date, order_lines in spec["orders"]:
        picked = []
        for index, quantity in order_lines:
            if not contract.made_lines:
                break
            cl = contract.made_lines[index % len(contract.made_lines)]
            quantity = min(Decimal(quantity), left[cl.pk])
            if quantity <= 0:
                continue
            if status != "cancelled":
                left[cl.pk] -= quantity
            picked.append((cl, quantity))
        if not picked:
            continue
        make_order(contract, status=status, lines=picked, wanted_on=TODAY if has_date else None)
        if status == "confirmed":
            for cl, quantity in picked:
                e = expected_lines[cl.pk]
                e["ordered_qty"] += quantity
                e["ordered_amount"] += line_amount(quantity, cl.unit_price)
                if has_date:
                    e["shipped_qty"] += quantity
                    e["shipped_amount"] += line_amount(quantity, cl.unit_price)
    for cl in contract.made_lines:
        expected_lines[cl.pk]["due_qty"] = sum(
            (Decimal(q) for i, day, q in deliveries if contract.made_lines[i].pk == cl.pk and day < TODAY),
            ZERO,
        )
    ms = list(contract.milestones.order_by("position"))
    expected_ms = {
        m.pk: {"amount": m.amount, "paid": m.amount if m.days == 1 else ZERO, "due_on": m.due_on} for m in ms
    }
    return contract, expected_lines, expected_ms


def expected_state(contract, lines, milestones) -> str:
    if contract.status not in ("signed", "archived"):
        return "not_in_force"
    shipped = bool(lines) and all(e["shipped_qty"] >= e["contracted"] for e in lines.values())
    paid = all(m["paid"] >= m["amount"] for m in milestones.values())
    if shipped and paid:
        return "fulfilled"
    late_m = any(m["due_on"] and m["due_on"] < TODAY and m["paid"] < m["amount"] for m in milestones.values())
    late_l = any(e["due_qty"] > e["shipped_qty"] for e in lines.values())
    return "overdue" if late_m or late_l else "in_progress"


def period_start(period: str, day: datetime.date) -> datetime.date:
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return datetime.date(day.year, 1, 1)


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(contract_spec, min_size=1, max_size=6))
def test_every_column_adds_up(org, monkeypatch, specs):
    monkeypatch.setattr(ff, "FULFILLMENT_SOURCES", plugged_sources())
    with transaction.atomic():
        products = [make_product(name=n) for n in ("数控车床", "液压泵", "高压阀门")]
        customers = {name: make_customer(owner=org.people[name]) for name in ("sales1", "sales2", "sales3")}
        built = [build(org, products, customers, spec) for spec in specs]
        states = {}
        for contract, lines, milestones in built:
            o = ff.contract_overview(user=org.director, contract_id=contract.pk, today=TODAY)
            assert len(o.lines) == len(lines)
            for line in o.lines:
                e = lines[line.pk]
                for col in ("ordered_qty", "ordered_amount", "shipped_qty", "shipped_amount", "due_qty"):
                    assert getattr(line, col) == e[col], (col, getattr(line, col), e[col])
                assert line.invoiced_qty == 0 and line.invoiced_amount == 0
            for m in o.milestones:
                e = milestones[m.pk]
                assert m.paid == e["paid"] and m.outstanding == e["amount"] - e["paid"]
            state = expected_state(contract, lines, milestones)
            assert o.state == state
            states[contract.pk] = state
            assert o.totals.ordered_amount == sum((e["ordered_amount"] for e in lines.values()), ZERO)
            assert o.totals.paid_amount == sum((m["paid"] for m in milestones.values()), ZERO)

        # the list: the contracts in force, the same figures and the same state
        rows = {c.pk: c for c in ff.fulfillment_list(user=org.director, today=TODAY)}
        in_force = {c.pk: (c, lines, ms) for c, lines, ms in built if c.status in ("signed", "archived")}
        assert set(rows) == set(in_force)
        for pk, (contract, lines, milestones) in in_force.items():
            row = rows[pk]
            assert row.fulfillment_state == states[pk]
            assert row.ordered_amount == sum((e["ordered_amount"] for e in lines.values()), ZERO)
            assert row.shipped_amount == sum((e["shipped_amount"] for e in lines.values()), ZERO)
            assert row.invoiced_amount == 0
            paid = sum((m["paid"] for m in milestones.values()), ZERO)
            assert row.paid_amount == paid and row.outstanding_amount == contract.total_amount - paid
        for state in ("in_progress", "overdue", "fulfilled"):
            got = {
                c.pk for c in ff.fulfillment_list(user=org.director, filters={"state": state}, today=TODAY)
            }
            assert got == {pk for pk in in_force if states[pk] == state}

        # statistics: every cell and the totals equal the documents (I12)
        for year in (2025, 2026):
            for period in ("month", "quarter", "year"):
                for dimension in ("region", "salesperson"):
                    stats = ff.fulfillment_statistics(
                        user=org.director, period=period, year=year, dimension=dimension, today=TODAY
                    )
                    want = defaultdict(lambda: [0, ZERO, 0, ZERO, 0, ZERO])
                    for pk, (c, _lines, _ms) in in_force.items():
                        if c.signed_on.year != year:
                            continue
                        key = c.customer.region_id if dimension == "region" else c.owner_id
                        cell = want[(period_start(period, c.signed_on), key)]
                        cell[0] += 1
                        cell[1] += c.total_amount
                        if states[pk] == "fulfilled":
                            cell[2] += 1
                            cell[3] += c.total_amount
                        if states[pk] == "overdue":
                            cell[4] += 1
                            cell[5] += c.total_amount
                    got = {
                        (r.period, r.key): [
                            r.signed, r.amount, r.fulfilled, r.fulfilled_amount, r.overdue, r.overdue_amount
                        ]
                        for r in stats.rows
                    }  # fmt: skip
                    assert got == dict(want), (year, period, dimension)
                    t = stats.totals
                    assert [
                        t.signed,
                        t.amount,
                        t.fulfilled,
                        t.fulfilled_amount,
                        t.overdue,
                        t.overdue_amount,
                    ] == [
                        sum((cell[i] for cell in want.values()), 0 if i % 2 == 0 else ZERO) for i in range(6)
                    ]
        transaction.set_rollback(True)
