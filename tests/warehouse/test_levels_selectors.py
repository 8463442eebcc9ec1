"""Stock levels (W4) checked against figures worked out by hand: products under their minimum
with the quantity to bring them to the maximum (accepted stock of the warehouse only), turnover
days over a period, slow-moving stock with its value; scoped by warehouse, with permissions,
bad input and query budgets."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from salesdept.core.errors import ValidationFailed
from salesdept.core.numbering import next_number
from salesdept.warehouse.ledger import Change, post_moves
from salesdept.warehouse.models import (
    DocumentKind,
    MoveKind,
    Quality,
    StockDocument,
    StockDocumentLine,
    StockDocumentStatus,
)
from salesdept.warehouse.selectors import levels as selectors

from .fixtures_c import *  # noqa: F403  (the fixtures wh)
from .fixtures_c import adjust, issue, loc, make_product, post, receive, rule

D = Decimal
DAY = datetime.date(2026, 3, 1)


def on(n: int) -> datetime.date:
    return DAY + datetime.timedelta(days=n)


# --- under min -----------------------------------------------------------------------------------


def test_under_min_counts_accepted_stock_of_the_warehouse_and_gives_the_quantity_to_max(org, wh):
    east, west = wh
    pump, valve, motor = make_product(), make_product(), make_product()
    receive(loc(east), pump, 4, by=org.keeper, on=DAY)  # accepted, A-01
    receive(loc(east, "B-01"), pump, 2, by=org.keeper, on=DAY)  # accepted, B-01: 6 in all
    receive(loc(east), pump, 5, by=org.keeper, on=DAY, quality=Quality.PENDING)  # cannot be issued
    receive(loc(east, "QC"), pump, 3, by=org.keeper, on=DAY, quality=Quality.REJECTED)
    receive(loc(west), pump, 100, by=org.keeper, on=DAY)  # another warehouse
    receive(loc(east), valve, 20, by=org.keeper, on=DAY)
    rule(pump, east, 10, 50)  # 6 < 10 → order 44
    rule(valve, east, 10, 30)  # 20 ≥ 10 → fine
    rule(motor, east, 1, 8)  # nothing at all → order 8
    rule(pump, west, 10, 120)  # 100 ≥ 10 → fine
    rows = list(selectors.under_min(user=org.keeper))
    assert [(r.product_id, r.warehouse_id, r.on_hand, r.to_order) for r in rows] == [
        (pump.pk, east.pk, D("6"), D("44")),
        (motor.pk, east.pk, D("0"), D("8")),
    ]  # by warehouse, then product code
    every = {
        (r.product_id, r.warehouse_id): (r.on_hand, r.to_order)
        for r in selectors.under_min(user=org.keeper, include_all=True)
    }
    assert every[(valve.pk, east.pk)] == (D("20"), D("10"))
    assert every[(pump.pk, west.pk)] == (D("100"), D("20"))
    assert [r.product_id for r in selectors.under_min(user=org.keeper, warehouse_id=west.pk)] == []
    assert [r.product_id for r in selectors.under_min(user=org.keeper, q=motor.code)] == [motor.pk]


def test_under_min_with_fractions_exactly_at_the_minimum_is_not_listed(org, wh):
    east, _west = wh
    cable = make_product()
    receive(loc(east), cable, D("0.7"), by=org.keeper, on=DAY)
    receive(loc(east, "B-01"), cable, D("0.2"), by=org.keeper, on=DAY)
    receive(loc(east, "B-01"), cable, D("0.1"), by=org.keeper, on=DAY, lot="L2")
    rule(cable, east, D("1.0"), D("2.5"))
    assert list(selectors.under_min(user=org.keeper)) == []
    (r,) = selectors.under_min(user=org.keeper, include_all=True)
    assert r.on_hand == D("1") and r.to_order == D("1.5")


def test_under_min_above_max_orders_nothing(org, wh):
    east, _west = wh
    pump = make_product()
    receive(loc(east), pump, 60, by=org.keeper, on=DAY)
    rule(pump, east, 10, 50)
    (r,) = selectors.under_min(user=org.keeper, include_all=True)
    assert r.to_order == 0


def test_under_min_permission_and_bad_warehouse(org, wh):
    with pytest.raises(PermissionDenied):
        selectors.under_min(user=org.sales1)
    with pytest.raises(ValidationFailed) as info:
        selectors.under_min(user=org.keeper, warehouse_id="999999")
    assert "warehouse" in info.value.fields


def test_under_min_is_one_query(org, wh, django_assert_max_num_queries):
    east, west = wh
    for i in range(8):
        p = make_product()
        receive(loc(east), p, i, by=org.keeper, on=DAY) if i else None
        rule(p, east if i % 2 else west, 5, 10)
    with django_assert_max_num_queries(3):  # 2 permission reads + the list
        rows = [
            (r.product.code, r.warehouse.code, r.to_order)
            for r in selectors.under_min(user=org.keeper, include_all=True)
        ]
    assert len(rows) == 8


# --- turnover ------------------------------------------------------------------------------------


def test_turnover_days_by_hand(org, wh):
    """Period 1–10 March (10 days). Before it: 100 in. In it: −20 (3rd), +30 (5th), −40 (8th),
    a −2 correction (9th, not an issue). After it: −5 (15th).
    opening 100, closing 100 − 20 + 30 − 40 − 2 = 68, average 84, issued 60, daily 6,
    turnover days 84 / 6 = 14.0."""
    east, west = wh
    pump = make_product()
    a = loc(east)
    receive(a, pump, 100, by=org.keeper, on=DAY - datetime.timedelta(days=9))
    issue(a, pump, 20, by=org.keeper, on=on(2))
    receive(a, pump, 30, by=org.keeper, on=on(4))
    issue(a, pump, 40, by=org.keeper, on=on(7))
    adjust(a, pump, -2, by=org.keeper, on=on(8))
    issue(a, pump, 5, by=org.keeper, on=on(14))
    receive(loc(west), pump, 1000, by=org.keeper, on=on(1))  # another warehouse
    (row,) = selectors.turnover(user=org.keeper, date_from=DAY, date_to=on(9), warehouse_id=east.pk)
    assert (row.opening, row.closing, row.average, row.issued, row.days) == (
        D("100"),
        D("68"),
        D("84"),
        D("60"),
        10,
    )
    assert row.daily_issue == D("6") and row.turnover_days == D("14.0")
    # all warehouses: the west's 1000 came in on the 2nd → opening 100, closing 1068
    (both,) = selectors.turnover(user=org.keeper, date_from=DAY, date_to=on(9))
    assert (both.opening, both.closing, both.issued) == (D("100"), D("1068"), D("60"))
    assert both.turnover_days == D("97.3")  # 584 / 6 = 97.33…


def test_turnover_counts_stock_at_several_locations_and_nets_reversed_issues(org, wh):
    """Two locations of one warehouse, a 4-day period: 10 + 10 before it; −4 and −4 issued in it,
    the second issue reversed (its mirror move keeps the kind "issue": +4) and a customer return
    of 1 (kind return: not an issue). Issued 4; opening 20, closing 20 − 8 + 4 + 1 = 17,
    average 18.5, daily issue 1, turnover 18.5 days."""
    east, _west = wh
    pump = make_product()
    receive(loc(east), pump, 10, by=org.keeper, on=DAY - datetime.timedelta(days=1))
    receive(loc(east, "B-01"), pump, 10, by=org.keeper, on=DAY - datetime.timedelta(days=1))
    issue(loc(east), pump, 4, by=org.keeper, on=on(1))
    second = issue(loc(east, "B-01"), pump, 4, by=org.keeper, on=on(2))
    mirror_of(second, by=org.keeper, on=on(2))
    post(DocumentKind.RETURN, loc(east), [(pump, D("1"))], by=org.keeper, on=on(3))
    (row,) = selectors.turnover(user=org.keeper, date_from=DAY, date_to=on(3), warehouse_id=east.pk)
    assert (row.opening, row.closing, row.issued, row.days) == (D("20"), D("17"), D("4"), 4)
    assert row.average == D("18.5") and row.daily_issue == D("1") and row.turnover_days == D("18.5")


def mirror_of(document, *, by, on):
    """The moves a reversal posts: the same kind, the opposite quantity (documents.document_reverse)."""
    with transaction.atomic():
        reversal = StockDocument.objects.create(
            number=next_number(StockDocument.NUMBER_PREFIX, year=on.year),
            prepared_by=by,
            kind=document.kind,
            purpose=document.purpose,
            warehouse=document.warehouse,
            moved_on=on,
            status=StockDocumentStatus.POSTED,
            reverses=document,
        )
        changes = []
        for move in document.moves.order_by("-pk"):
            line = StockDocumentLine.objects.create(
                document=reversal,
                product_id=move.product_id,
                quantity=-move.quantity,
                location_id=move.location_id,
            )
            changes.append(
                Change(line, -move.quantity, move.kind, location_id=move.location_id, quality=move.quality)
            )
        post_moves(reversal, changes, by=by)
        StockDocument.objects.filter(pk=document.pk).update(status=StockDocumentStatus.REVERSED)
    assert {m.kind for m in reversal.moves.all()} == {MoveKind.ISSUE}


def test_turnover_without_issues_has_no_turnover_days_and_sorts_last(org, wh):
    east, _west = wh
    idle, busy = make_product(), make_product()
    receive(loc(east), idle, 5, by=org.keeper, on=DAY)
    receive(loc(east), busy, 5, by=org.keeper, on=DAY)
    issue(loc(east), busy, 5, by=org.keeper, on=on(1))
    rows = selectors.turnover(user=org.keeper, date_from=DAY, date_to=on(4), sort="turnover_days")
    assert [r.product.pk for r in rows] == [busy.pk, idle.pk]
    assert rows[1].turnover_days is None and rows[1].issued == 0
    # busy: opening 0 (came in on the first day), closing 0, issued 5 → 0 days
    assert rows[0].turnover_days == D("0.0")


def test_turnover_refuses_bad_periods_and_needs_the_ledger_permission(org):
    with pytest.raises(ValidationFailed) as info:
        selectors.turnover(user=org.keeper, date_from=on(5), date_to=DAY)
    assert "date_to" in info.value.fields
    with pytest.raises(ValidationFailed):
        selectors.turnover(user=org.keeper, date_from=datetime.date(1990, 1, 1), date_to=DAY)
    with pytest.raises(PermissionDenied):
        selectors.turnover(user=org.sales1, date_from=DAY, date_to=on(1))


def test_turnover_reads_a_bounded_number_of_queries(org, wh, django_assert_max_num_queries):
    east, _west = wh
    for i in range(8):
        p = make_product()
        receive(loc(east), p, 10, by=org.keeper, on=DAY)
        issue(loc(east), p, i + 1, by=org.keeper, on=on(2))
    with django_assert_max_num_queries(5):  # 2 permission reads + moves, stock, products
        rows = [
            (r.product.name, r.turnover_days)
            for r in selectors.turnover(user=org.keeper, date_from=DAY, date_to=on(9))
        ]
    assert len(rows) == 8


# --- slow-moving ---------------------------------------------------------------------------------


def test_slow_moving_by_hand(org, wh):
    """Today 1 July, 90 days: the cut-off is 2 April.
    pump: last issued 1 March → slow (122 days idle), 6 left at 10.00 = 60.00;
    valve: issued 20 June → not slow; motor: never issued, came in 1 January → slow (181 days);
    pipe: never issued, came in 20 June → not slow; gone: nothing left → not listed."""
    east, west = wh
    today = datetime.date(2026, 7, 1)
    pump, valve, motor, pipe, gone = (make_product() for _ in range(5))
    receive(loc(east), pump, 10, "10.00", by=org.keeper, on=datetime.date(2026, 2, 1))
    issue(loc(east), pump, 4, by=org.keeper, on=datetime.date(2026, 3, 1))
    receive(loc(east), valve, 10, by=org.keeper, on=datetime.date(2026, 2, 1))
    issue(loc(east), valve, 1, by=org.keeper, on=datetime.date(2026, 6, 20))
    receive(loc(west), motor, 3, "100.00", by=org.keeper, on=datetime.date(2026, 1, 1))
    receive(loc(east), pipe, 3, by=org.keeper, on=datetime.date(2026, 6, 20))
    receive(loc(east), gone, 3, by=org.keeper, on=datetime.date(2026, 1, 1))
    issue(loc(east), gone, 3, by=org.keeper, on=datetime.date(2026, 1, 2))
    rows = selectors.slow_moving(user=org.keeper, days=90, today=today)
    assert [(r.product.pk, r.quantity, r.value, r.last_issue_on, r.idle_days) for r in rows] == [
        (motor.pk, D("3.000"), D("300.00"), None, 181),
        (pump.pk, D("6.000"), D("60.00"), datetime.date(2026, 3, 1), 122),
    ]
    assert [
        r.product.pk
        for r in selectors.slow_moving(user=org.keeper, days=90, today=today, warehouse_id=east.pk)
    ] == [pump.pk]
    assert [r.product.pk for r in selectors.slow_moving(user=org.keeper, days=150, today=today)] == [motor.pk]


def test_slow_moving_takes_the_latest_issue_of_any_location(org, wh):
    east, _west = wh
    today = datetime.date(2026, 7, 1)
    pump = make_product()
    receive(loc(east), pump, 5, by=org.keeper, on=datetime.date(2026, 1, 1))
    receive(loc(east, "B-01"), pump, 5, by=org.keeper, on=datetime.date(2026, 1, 1))
    issue(loc(east, "B-01"), pump, 1, by=org.keeper, on=datetime.date(2026, 6, 30))
    assert selectors.slow_moving(user=org.keeper, days=30, today=today) == []


def test_slow_moving_refuses_bad_days_and_needs_the_ledger_permission(org):
    for bad in (0, -1, 100000):
        with pytest.raises(ValidationFailed) as info:
            selectors.slow_moving(user=org.keeper, days=bad)
        assert "days" in info.value.fields
    with pytest.raises(PermissionDenied):
        selectors.slow_moving(user=org.sales1)


def test_under_min_and_slow_moving_sort(org, wh):
    east, _west = wh
    today = datetime.date(2026, 7, 1)
    a, b = make_product(), make_product()
    receive(loc(east), a, 1, "100.00", by=org.keeper, on=datetime.date(2026, 1, 1))
    receive(loc(east), b, 5, "1.00", by=org.keeper, on=datetime.date(2026, 3, 1))
    rule(a, east, 10, 20)  # to order 19
    rule(b, east, 10, 40)  # to order 35
    assert [r.product_id for r in selectors.under_min(user=org.keeper, sort="-to_order")] == [b.pk, a.pk]
    assert [r.product_id for r in selectors.under_min(user=org.keeper, sort="to_order")] == [a.pk, b.pk]
    slow = selectors.slow_moving(user=org.keeper, days=30, today=today)
    assert [r.product.pk for r in slow] == [a.pk, b.pk]  # the longest idle first
    assert [
        r.product.pk for r in selectors.slow_moving(user=org.keeper, days=30, today=today, sort="idle_days")
    ] == [
        b.pk,
        a.pk,
    ]
    assert [
        r.product.pk for r in selectors.slow_moving(user=org.keeper, days=30, today=today, sort="-value")
    ] == [
        a.pk,
        b.pk,
    ]
