"""S5: the fulfillment overview, list and statistics read from the documents (I12), by scope."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import OuterRef
from django.http import Http404

from salesdept.sales.models import SalesOrderLine
from salesdept.sales.selectors import fulfillment as ff

from .fixtures_fulfillment import make_contract, make_order, make_product

TODAY = datetime.date(2026, 6, 15)
D = Decimal


@pytest.fixture
def products(db):
    return [make_product(name=n) for n in ("数控车床", "液压泵", "高压阀门")]


def test_overview_counts_confirmed_orders_only(org, products):
    c = make_contract(
        owner=org.sales1,
        signed_on=datetime.date(2026, 3, 1),
        lines=[(products[0], 10, "100.00"), (products[1], 4, "250.50")],
        milestones=[(30, datetime.date(2026, 3, 10)), (70, None)],
        deliveries=[(0, datetime.date(2026, 5, 1), 5), (0, datetime.date(2026, 7, 1), 5)],
    )
    l1, l2 = c.made_lines
    make_order(c, status="confirmed", lines=[(l1, 3), (l2, 1)])
    make_order(c, status="draft", lines=[(l1, 2)])
    make_order(c, status="cancelled", lines=[(l1, 5)])
    o = ff.contract_overview(user=org.sales1, contract_id=c.pk, today=TODAY)
    lines = {line.pk: line for line in o.lines}
    assert lines[l1.pk].ordered_qty == D("3") and lines[l1.pk].ordered_amount == D("300.00")
    assert lines[l2.pk].ordered_qty == D("1") and lines[l2.pk].ordered_amount == D("250.50")
    assert lines[l1.pk].shipped_qty == 0 and lines[l1.pk].invoiced_amount == 0
    assert lines[l1.pk].due_qty == D("5")
    assert o.totals.ordered_amount == D("550.50")
    assert [m.state for m in o.milestones] == ["overdue", "not_yet_due"]
    assert o.state == ff.State.OVERDUE
    assert o.totals.outstanding_amount == c.total_amount


def test_overview_out_of_scope_is_404(org, products):
    c = make_contract(owner=org.sales1, lines=[(products[0], 1, "10.00")])
    with pytest.raises(Http404):
        ff.contract_overview(user=org.sales3, contract_id=c.pk)
    assert ff.contract_overview(user=org.manager1, contract_id=c.pk).contract == c


def test_plugged_sources_drive_state(org, products, monkeypatch):
    """A source plugged into FULFILLMENT_SOURCES (here: "shipped" = ordered and confirmed,
    "paid" = the milestone's amount when due) is read by the overview, the list and the
    statistics alike, through nested subqueries."""
    ordered = SalesOrderLine.objects.filter(contract_line=OuterRef("pk"), order__status="confirmed")
    sources = {
        "line": {
            **ff.FULFILLMENT_SOURCES["line"],
            "shipped_qty": lambda: ff.sum_of(ordered, "quantity", ff.quantity_field()),
            "shipped_amount": lambda: ff.sum_of(ordered, "amount", ff.money_field()),
        },
        "milestone": {"paid": lambda: ff.F("amount")},
    }
    monkeypatch.setattr(ff, "FULFILLMENT_SOURCES", sources)
    full = make_contract(
        owner=org.sales1,
        signed_on=datetime.date(2026, 2, 1),
        lines=[(products[0], 2, "10.00")],
        milestones=[(100, datetime.date(2026, 2, 5))],
        deliveries=[(0, datetime.date(2026, 3, 1), 2)],
    )
    make_order(full, lines=[(full.made_lines[0], 2)])
    part = make_contract(
        owner=org.sales1,
        signed_on=datetime.date(2026, 2, 1),
        lines=[(products[0], 2, "10.00")],
        milestones=[(100, datetime.date(2026, 2, 5))],
        deliveries=[(0, datetime.date(2026, 3, 1), 2)],
    )
    make_order(part, lines=[(part.made_lines[0], 1)])
    assert ff.contract_overview(user=org.sales1, contract_id=full.pk, today=TODAY).state == "fulfilled"
    assert ff.contract_overview(user=org.sales1, contract_id=part.pk, today=TODAY).state == "overdue"
    rows = {c.pk: c for c in ff.fulfillment_list(user=org.sales1, today=TODAY)}
    assert rows[full.pk].fulfillment_state == "fulfilled" and rows[full.pk].shipped_amount == D("20.00")
    assert rows[part.pk].fulfillment_state == "overdue" and rows[part.pk].paid_amount == D("20.00")
    stats = ff.fulfillment_statistics(
        user=org.sales1, period="year", year=2026, dimension="region", today=TODAY
    )
    assert (stats.totals.signed, stats.totals.fulfilled, stats.totals.overdue) == (2, 1, 1)
