"""The on-hand list, one product's stock and the stock card (W2): running balances, paging with
the opening balance of the page, filters, totals, permissions and query budgets."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from salesdept.core.errors import ValidationFailed
from salesdept.warehouse.models import Quality
from salesdept.warehouse.selectors import stock as selectors

from .fixtures_c import *  # noqa: F403  (the fixtures wh)
from .fixtures_c import issue, loc, make_product, receive

D = Decimal
DAY = datetime.date(2026, 3, 1)


def days(n: int) -> datetime.date:
    return DAY + datetime.timedelta(days=n)


# --- the stock card ------------------------------------------------------------------------------


def test_card_shows_every_move_with_running_balance(org, wh):
    east, _west = wh
    a = loc(east)
    pump = make_product()
    receive(a, pump, 10, "5.00", by=org.keeper, on=DAY)
    issue(a, pump, 3, by=org.keeper, on=days(1))
    receive(a, pump, 4, "8.00", by=org.keeper, on=days(2))
    card = selectors.stock_card(user=org.keeper, product_id=pump.pk, location_id=a.pk)
    moves = card.moves
    assert [m.quantity for m in moves] == [D("10"), D("-3"), D("4")]
    assert [(m.qty_in, m.qty_out) for m in moves] == [(D("10"), None), (None, D("3")), (D("4"), None)]
    assert [m.balance for m in moves] == [D("10"), D("7"), D("11")]
    # average cost 5.00: 3 out at 15.00, then 4 in at 32.00 → 35 + 32 = 67
    assert [m.balance_value for m in moves] == [D("50.00"), D("35.00"), D("67.00")]
    assert card.opening == 0 and card.opening_value == 0
    assert card.closing == D("11") and card.closing_value == D("67.00")
    assert card.total_in == D("14") and card.total_out == D("3")
    assert card.stock.quantity == card.closing and card.stock.value == card.closing_value


def test_card_of_one_location_leaves_out_other_locations_and_products(org, wh):
    east, west = wh
    pump, valve = make_product(), make_product()
    receive(loc(east), pump, 5, by=org.keeper, on=DAY)
    receive(loc(east, "B-01"), pump, 7, by=org.keeper, on=DAY)
    receive(loc(west), pump, 9, by=org.keeper, on=DAY)
    receive(loc(east), valve, 11, by=org.keeper, on=DAY)
    card = selectors.stock_card(user=org.keeper, product_id=pump.pk, location_id=loc(east).pk)
    assert [m.balance for m in card.moves] == [D("5")]


def test_card_pages_newest_last_with_the_opening_balance_of_each_page(org, wh):
    east, _west = wh
    a = loc(east)
    pump = make_product()
    receive(a, pump, 100, "2.00", by=org.keeper, on=DAY)
    for i in range(6):  # balances 100, 90, 80, 70, 60, 50, 40
        issue(a, pump, 10, by=org.keeper, on=days(i + 1))
    last = selectors.stock_card(user=org.keeper, product_id=pump.pk, location_id=a.pk, page_size=3)
    assert last.page.number == 3 and last.page.paginator.num_pages == 3  # the newest by default
    assert [m.balance for m in last.moves] == [D("40")]
    assert last.opening == D("50") and last.opening_value == D("100.00")
    assert last.closing == D("40") and last.closing_value == D("80.00")
    middle = selectors.stock_card(user=org.keeper, product_id=pump.pk, location_id=a.pk, page=2, page_size=3)
    assert [m.balance for m in middle.moves] == [D("70"), D("60"), D("50")]
    assert middle.opening == D("80") and middle.total_out == D("30") and middle.total_in == 0
    first = selectors.stock_card(user=org.keeper, product_id=pump.pk, location_id=a.pk, page=1, page_size=3)
    assert first.opening == 0 and [m.balance for m in first.moves] == [D("100"), D("90"), D("80")]
    # each page opens where the previous one closed
    assert first.closing == middle.opening and middle.closing == last.opening
    # a page past the end shows the last page, garbage the first (Django's get_page)
    assert (
        selectors.stock_card(
            user=org.keeper, product_id=pump.pk, location_id=a.pk, page=99, page_size=3
        ).page.number
        == 3
    )
    assert (
        selectors.stock_card(
            user=org.keeper, product_id=pump.pk, location_id=a.pk, page="x", page_size=3
        ).page.number
        == 1
    )


def test_card_without_moves_is_empty(org, wh):
    east, _west = wh
    pump = make_product()
    card = selectors.stock_card(user=org.keeper, product_id=pump.pk, location_id=loc(east).pk)
    assert card.moves == [] and card.stock is None and card.opening == 0 and card.closing == 0


def test_card_needs_the_ledger_permission_and_real_ids(org, wh):
    east, _west = wh
    pump = make_product()
    receive(loc(east), pump, 1, by=org.keeper, on=DAY)
    with pytest.raises(PermissionDenied):
        selectors.stock_card(user=org.sales1, product_id=pump.pk, location_id=loc(east).pk)
    with pytest.raises(Http404):
        selectors.stock_card(user=org.keeper, product_id=999999, location_id=loc(east).pk)
    with pytest.raises(Http404):
        selectors.stock_card(user=org.keeper, product_id=pump.pk, location_id=999999)
    assert selectors.stock_card(user=org.auditor, product_id=pump.pk, location_id=loc(east).pk).closing == 1


def test_card_page_reads_a_bounded_number_of_queries(org, wh, django_assert_max_num_queries):
    east, _west = wh
    a = loc(east)
    pump = make_product()
    receive(a, pump, 100, by=org.keeper, on=DAY)
    for i in range(30):
        issue(a, pump, 1, by=org.keeper, on=days(i % 5))
    with django_assert_max_num_queries(7):  # 2 permission reads + 5
        card = selectors.stock_card(
            user=org.keeper, product_id=pump.pk, location_id=a.pk, page=1, page_size=25
        )
        numbers = [m.document.number for m in card.moves]
    assert len(numbers) == 25


# --- the on-hand list ----------------------------------------------------------------------------


def test_onhand_list_splits_by_quality_and_hides_zero_rows(org, wh):
    east, west = wh
    pump, valve, gone = make_product("液压泵"), make_product("高压阀门"), make_product("减速电机")
    receive(loc(east), pump, 6, "10.00", by=org.keeper, on=DAY)
    receive(loc(east), pump, 4, "10.00", by=org.keeper, on=DAY, quality=Quality.PENDING)
    receive(loc(west), valve, 2, "50.00", by=org.keeper, on=DAY)
    receive(loc(east), gone, 3, by=org.keeper, on=DAY)
    issue(loc(east), gone, 3, by=org.keeper, on=days(1))
    rows = list(selectors.onhand_list(user=org.keeper, filters={}))
    assert [(r.product.code, r.quantity, r.accepted, r.pending, r.rejected) for r in rows] == [
        (pump.code, D("10"), D("6"), D("4"), D("0")),
        (valve.code, D("2"), D("2"), D("0"), D("0")),
    ]
    with_zero = selectors.onhand_list(user=org.keeper, filters={"show_zero": "on"})
    assert gone.code in [r.product.code for r in with_zero]
    totals = selectors.onhand_totals(selectors.onhand_list(user=org.keeper, filters={}))
    assert totals == {"quantity": D("12.000"), "value": D("200.00")}


def test_onhand_filters_and_sort(org, wh):
    east, west = wh
    pump, valve = make_product("液压泵"), make_product("高压阀门")
    receive(loc(east), pump, 6, by=org.keeper, on=DAY)
    receive(loc(east, "B-01"), pump, 1, by=org.keeper, on=DAY, quality=Quality.REJECTED)
    receive(loc(west), valve, 2, by=org.keeper, on=DAY)

    def codes(**filters):
        return [
            (r.product.code, r.location.code) for r in selectors.onhand_list(user=org.keeper, filters=filters)
        ]

    assert codes(warehouse=str(west.pk)) == [(valve.code, "A-01")]
    assert codes(location=str(loc(east, "B-01").pk)) == [(pump.code, "B-01")]
    assert codes(q="阀门") == [(valve.code, "A-01")]
    assert codes(q=pump.code.lower()) == [(pump.code, "A-01"), (pump.code, "B-01")]
    assert codes(q="Hydraulic") != []  # the English name too
    assert codes(quality="rejected") == [(pump.code, "B-01")]
    assert codes(sort="-quantity") == [(pump.code, "A-01"), (valve.code, "A-01"), (pump.code, "B-01")]
    assert codes(sort="quantity")[0] == (pump.code, "B-01")


@pytest.mark.parametrize(
    "filters, field",
    [({"quality": "broken"}, "quality"), ({"warehouse": "999999"}, "warehouse"), ({"sort": "price"}, "sort")],
)
def test_onhand_refuses_bad_filters_naming_the_field(org, filters, field):
    with pytest.raises(ValidationFailed) as info:
        selectors.onhand_list(user=org.keeper, filters=filters)
    assert field in info.value.fields


def test_onhand_needs_the_stock_permission(org, wh):
    selectors.onhand_list(user=org.sales1, filters={})  # every seller may look up stock
    assert not selectors.can_see_values(org.sales1) and selectors.can_see_values(org.keeper)
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        selectors.onhand_list(user=AnonymousUser(), filters={})


def test_onhand_list_reads_a_bounded_number_of_queries(org, wh, django_assert_max_num_queries):
    east, west = wh
    for i in range(12):
        receive(loc(east if i % 2 else west), make_product(), i + 1, by=org.keeper, on=DAY)
    with django_assert_max_num_queries(3):  # 2 permission reads + the list
        rows = list(selectors.onhand_list(user=org.keeper, filters={"sort": "-value"}))
        text = [(r.product.name, r.location.warehouse.code, r.accepted) for r in rows]
    assert len(text) == 12


# --- one product ---------------------------------------------------------------------------------


def test_product_stock_across_locations_lots_and_quality(org, wh):
    east, west = wh
    pump = make_product()
    receive(loc(east), pump, 5, "10.00", by=org.keeper, on=DAY, lot="L-1")
    receive(loc(east), pump, 2, "10.00", by=org.keeper, on=DAY, lot="L-2", quality=Quality.PENDING)
    receive(loc(west), pump, 3, "20.00", by=org.keeper, on=DAY, lot="L-1")
    s = selectors.product_stock(user=org.keeper, product_id=pump.pk)
    assert s.quantity == D("10") and s.value == D("130.00")
    assert s.by_quality == {Quality.ACCEPTED: D("8"), Quality.PENDING: D("2"), Quality.REJECTED: D("0")}
    assert [(r.location.warehouse.code, r.quantity) for r in s.rows] == [
        ("WC-EAST", D("7")),
        ("WC-WEST", D("3")),
    ]
    assert [(lot.location.warehouse.code, lot.lot, lot.quality, lot.quantity) for lot in s.lots] == [
        ("WC-EAST", "L-1", "accepted", D("5")),
        ("WC-EAST", "L-2", "pending", D("2")),
        ("WC-WEST", "L-1", "accepted", D("3")),
    ]
    assert [(w["warehouse"].code, w["quantity"]) for w in s.by_warehouse] == [
        ("WC-EAST", D("7")),
        ("WC-WEST", D("3")),
    ]
    only_west = selectors.product_stock(user=org.keeper, product_id=pump.pk, warehouse_id=west.pk)
    assert only_west.quantity == D("3") and len(only_west.lots) == 1
    with pytest.raises(Http404):
        selectors.product_stock(user=org.keeper, product_id=999999)
