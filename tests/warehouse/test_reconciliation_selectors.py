"""帐、物、卡相符 (W2): the report finds a real unposted count difference (and keeps finding it
after later moves), does not flag a count whose variance was posted, ignores cancelled counts,
judges by the latest count, shows a card that disagrees with the book, and drills down to the
moves since the count — in a bounded number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from salesdept.core.errors import ValidationFailed
from salesdept.warehouse.models import DocumentKind, MoveKind, Purpose, Stock, StockDocumentStatus, Stocktake
from salesdept.warehouse.selectors import reconciliation as selectors

from .fixtures_c import *  # noqa: F403  (the fixtures wh)
from .fixtures_c import count, issue, loc, make_product, post, receive

D = Decimal
DAY = datetime.date(2026, 3, 1)


def days(n: int) -> datetime.date:
    return DAY + datetime.timedelta(days=n)


def rows(user, **filters) -> dict:
    return {
        (r.product.code, r.location.code): r for r in selectors.reconciliation(user=user, filters=filters)
    }


def post_variance(stocktake: Stocktake, quantity, *, by, on) -> None:
    """What the stocktake approval does: post counted − book as an adjustment linked to it."""
    line = stocktake.lines.get()
    document = post(
        DocumentKind.ADJUSTMENT,
        line.location,
        [(line.product, D(quantity))],
        by=by,
        on=on,
        purpose=Purpose.COUNT,
    )
    stocktake.adjustment = document
    stocktake.save(update_fields=["adjustment"])


def test_an_unposted_count_difference_is_found_and_survives_later_moves(org, wh):
    east, _west = wh
    a = loc(east)
    pump = make_product()
    receive(a, pump, 10, "5.00", by=org.keeper, on=DAY)
    take = count(a, pump, 8, by=org.keeper, on=days(1))  # two missing, not posted
    r = rows(org.keeper)[(pump.code, "A-01")]
    assert r.differs and r.quantity == D("10") and r.card_quantity == D("10")
    assert r.goods_quantity == D("8") and r.unposted == D("-2") and r.count_id == take.pk
    assert r.count_number == take.number and r.counted == D("8")
    # later moves change book and goods alike: the difference stays −2
    issue(a, pump, 3, by=org.keeper, on=days(2))
    receive(a, pump, 5, "5.00", by=org.keeper, on=days(3))
    r = rows(org.keeper)[(pump.code, "A-01")]
    assert (r.quantity, r.goods_quantity, r.unposted) == (D("12"), D("10"), D("-2"))


def test_a_posted_variance_is_not_flagged(org, wh):
    east, _west = wh
    a = loc(east)
    pump = make_product()
    receive(a, pump, 10, "5.00", by=org.keeper, on=DAY)
    take = count(a, pump, 13, by=org.keeper, on=days(1), status="submitted")
    assert rows(org.keeper)[(pump.code, "A-01")].unposted == D("3")
    post_variance(take, 3, by=org.finance, on=days(1))
    issue(a, pump, 4, by=org.keeper, on=days(2))
    assert (pump.code, "A-01") not in rows(org.keeper)
    r = rows(org.keeper, show="all")[(pump.code, "A-01")]
    assert (r.quantity, r.card_quantity, r.goods_quantity, r.unposted, r.differs) == (
        D("9"),
        D("9"),
        D("9"),
        D("0"),
        False,
    )


def test_a_reversed_variance_counts_as_unposted_again(org, wh):
    east, _west = wh
    a = loc(east)
    pump = make_product()
    receive(a, pump, 10, by=org.keeper, on=DAY)
    take = count(a, pump, 7, by=org.keeper, on=days(1), status="submitted")
    post_variance(take, -3, by=org.finance, on=days(1))
    assert (pump.code, "A-01") not in rows(org.keeper)
    reversal = post(DocumentKind.ADJUSTMENT, a, [(pump, D("3"))], by=org.keeper, on=days(2))
    reversal.reverses = take.adjustment
    reversal.save(update_fields=["reverses"])
    take.adjustment.status = StockDocumentStatus.REVERSED
    take.adjustment.save(update_fields=["status"])
    r = rows(org.keeper)[(pump.code, "A-01")]
    assert (r.quantity, r.goods_quantity, r.unposted) == (D("10"), D("7"), D("-3"))


def test_the_latest_count_decides_and_cancelled_counts_are_ignored(org, wh):
    east, _west = wh
    a = loc(east)
    pump = make_product()
    receive(a, pump, 10, by=org.keeper, on=DAY)
    count(a, pump, 6, by=org.keeper, on=days(1))  # an old count that disagreed
    count(a, pump, 10, by=org.keeper, on=days(5))  # the latest agrees
    count(a, pump, 1, by=org.keeper, on=days(9), status="cancelled")  # withdrawn
    count(a, pump, None, by=org.keeper, on=days(10))  # started, nothing counted yet
    assert (pump.code, "A-01") not in rows(org.keeper)
    assert rows(org.keeper, show="all")[(pump.code, "A-01")].goods_quantity == D("10")


def test_never_counted_stock_has_no_goods_figure_and_is_not_flagged(org, wh):
    east, _west = wh
    pump = make_product()
    receive(loc(east), pump, 4, by=org.keeper, on=DAY)
    assert rows(org.keeper) == {}
    r = rows(org.keeper, show="all")[(pump.code, "A-01")]
    assert r.count_id is None and r.goods_quantity is None and not r.differs


def test_a_card_that_disagrees_with_the_book_is_flagged(org, wh):
    east, _west = wh
    a = loc(east)
    pump = make_product()
    receive(a, pump, 4, "2.50", by=org.keeper, on=DAY)
    stock = Stock.objects.get(product=pump, location=a)
    Stock.objects.filter(pk=stock.pk).update(quantity=D("5"), value=D("12.50"))  # a broken book
    try:
        r = rows(org.keeper)[(pump.code, "A-01")]
        assert r.differs and (r.quantity, r.card_quantity) == (D("5"), D("4"))
        assert (r.value, r.card_value) == (D("12.50"), D("10.00"))
    finally:
        Stock.objects.filter(pk=stock.pk).update(quantity=D("4"), value=D("10.00"))
    assert rows(org.keeper) == {}


def test_filters_by_warehouse_location_and_product(org, wh):
    east, west = wh
    pump, valve = make_product("液压泵"), make_product("高压阀门")
    for w in (east, west):
        receive(loc(w), pump, 5, by=org.keeper, on=DAY)
        receive(loc(w, "B-01"), valve, 5, by=org.keeper, on=DAY)
        count(loc(w), pump, 4, by=org.keeper, on=days(1))
        count(loc(w, "B-01"), valve, 6, by=org.keeper, on=days(1))
    assert len(rows(org.keeper)) == 2  # keyed by product × location code: east and west share codes
    assert len(list(selectors.reconciliation(user=org.keeper, filters={}))) == 4
    west_rows = list(selectors.reconciliation(user=org.keeper, filters={"warehouse": str(west.pk)}))
    assert {r.location.warehouse_id for r in west_rows} == {west.pk} and len(west_rows) == 2
    assert [r.product_id for r in selectors.reconciliation(user=org.keeper, filters={"q": "阀门"})] == [
        valve.pk
    ] * 2
    by_diff = list(selectors.reconciliation(user=org.keeper, filters={"sort": "-difference"}))
    assert [r.unposted for r in by_diff] == [D("1"), D("1"), D("-1"), D("-1")]
    with pytest.raises(ValidationFailed) as info:
        selectors.reconciliation(user=org.keeper, filters={"show": "some"})
    assert "show" in info.value.fields


def test_drilldown_lists_the_moves_since_the_count(org, wh):
    east, _west = wh
    a = loc(east)
    pump = make_product()
    receive(a, pump, 10, by=org.keeper, on=DAY)
    issue(a, pump, 1, by=org.keeper, on=DAY)
    take = count(a, pump, 8, by=org.keeper, on=days(1))
    out = issue(a, pump, 3, by=org.keeper, on=days(2))
    back = receive(a, pump, 2, by=org.keeper, on=days(3))
    d = selectors.drilldown(user=org.keeper, product_id=pump.pk, location_id=a.pk)
    assert d.row.count_id == take.pk and [line.counted_quantity for line in d.count_lines] == [D("8")]
    moves = list(d.page.object_list)
    assert [(m.document_id, m.kind, m.qty_in, m.qty_out, m.balance) for m in moves] == [
        (out.pk, MoveKind.ISSUE, None, D("3"), D("6")),
        (back.pk, MoveKind.RECEIPT, D("2"), None, D("8")),
    ]
    assert d.moved_since == D("-1") and d.row.goods_quantity == D("7") and d.row.quantity == D("8")


def test_drilldown_of_a_never_counted_row_lists_every_move(org, wh):
    east, _west = wh
    a = loc(east)
    pump = make_product()
    receive(a, pump, 10, by=org.keeper, on=DAY)
    issue(a, pump, 4, by=org.keeper, on=days(1))
    d = selectors.drilldown(user=org.keeper, product_id=pump.pk, location_id=a.pk)
    assert d.since_move_id is None and d.count_lines == [] and d.moved_since == D("6")
    assert len(d.page.object_list) == 2
    with pytest.raises(Http404):
        selectors.drilldown(user=org.keeper, product_id=pump.pk, location_id=loc(east, "B-01").pk)


def test_the_report_needs_ledger_and_stocktake_permissions(org, wh):
    with pytest.raises(PermissionDenied):
        selectors.reconciliation(user=org.sales1, filters={})
    with pytest.raises(PermissionDenied):
        selectors.drilldown(user=org.manager1, product_id=1, location_id=1)
    for user in (org.keeper, org.auditor, org.finance, org.director):
        selectors.reconciliation(user=user, filters={})


def test_the_report_is_one_query_whatever_the_number_of_rows(org, wh, django_assert_max_num_queries):
    east, west = wh
    for i in range(10):
        p = make_product()
        w = east if i % 2 else west
        receive(loc(w), p, 10, by=org.keeper, on=DAY)
        issue(loc(w), p, 1, by=org.keeper, on=days(1))
        take = count(loc(w), p, 8, by=org.keeper, on=days(2), status="submitted")
        if i % 3 == 0:
            post_variance(take, -1, by=org.finance, on=days(2))
    with django_assert_max_num_queries(3):  # 2 permission reads + the report
        report = [(r.product.name, r.location.warehouse.code, r.goods_quantity, r.count_number) for r in
                  selectors.reconciliation(user=org.keeper, filters={"show": "all"})]  # fmt: skip
    assert len(report) == 10
    assert len(list(selectors.reconciliation(user=org.keeper, filters={}))) == 6


def test_through_the_stocktake_services_an_approved_count_agrees_and_a_pending_one_shows(org, wh):
    """The real flow (stocktakes service): the keeper counts a full count of the warehouse, the
    variance shows while it waits for review, and agrees once finance approves (the approval
    posts the adjustment)."""
    from salesdept.warehouse.services import stocktakes

    east, _west = wh
    a = loc(east)
    pump, valve = make_product(), make_product()
    receive(a, pump, 10, "5.00", by=org.keeper, on=DAY)
    receive(a, valve, 4, "5.00", by=org.keeper, on=DAY)
    take = stocktakes.stocktake_create(by=org.keeper, kind=Stocktake.Kind.FULL, warehouse_id=east.pk)
    found = {line.product_id: line for line in take.lines.all()}
    stocktakes.stocktake_count(
        by=org.keeper,
        stocktake_id=take.pk,
        counts=[
            {"line": found[pump.pk].pk, "counted_quantity": "7"},
            {"line": found[valve.pk].pk, "counted_quantity": "4"},
        ],
    )
    stocktakes.stocktake_submit(by=org.keeper, stocktake_id=take.pk)
    r = rows(org.keeper)
    assert set(r) == {(pump.code, "A-01")} and r[(pump.code, "A-01")].unposted == D("-3")
    stocktakes.stocktake_approve(by=org.finance, stocktake_id=take.pk)
    take.refresh_from_db()
    assert take.adjustment is not None and take.adjustment.status == StockDocumentStatus.POSTED
    assert rows(org.keeper) == {}
    after = rows(org.keeper, show="all")[(pump.code, "A-01")]
    assert (after.quantity, after.card_quantity, after.goods_quantity) == (D("7"), D("7"), D("7"))


def test_goods_counted_where_the_book_never_had_a_row_show_apart(org, wh):
    east, west = wh
    pump, valve = make_product(), make_product()
    count(loc(east, "B-01"), pump, 3, by=org.keeper, on=DAY)  # found 3 where nothing ever moved
    count(loc(west), valve, 2, by=org.keeper, on=DAY)
    count(loc(west), valve, 0, by=org.keeper, on=days(1))  # a later count found nothing there
    count(loc(east), valve, 5, by=org.keeper, on=DAY, status="cancelled")  # withdrawn
    assert rows(org.keeper, show="all") == {}  # no book row to carry them
    (u,) = selectors.counts_without_book(user=org.keeper)
    assert (u.product.pk, u.location.code, u.counted) == (pump.pk, "B-01", D("3"))
    assert selectors.counts_without_book(user=org.keeper, filters={"warehouse": str(west.pk)}) == []
    with pytest.raises(PermissionDenied):
        selectors.counts_without_book(user=org.sales1)


def test_fractional_counts_that_agree_are_not_flagged(org, wh):
    """0.7 in, 0.1 out, counted 0.6: no difference, also where the database sums floats."""
    east, _west = wh
    a = loc(east)
    cable = make_product()
    receive(a, cable, D("0.7"), by=org.keeper, on=DAY)
    issue(a, cable, D("0.1"), by=org.keeper, on=DAY)
    count(a, cable, D("0.6"), by=org.keeper, on=days(1))
    issue(a, cable, D("0.3"), by=org.keeper, on=days(2))
    assert rows(org.keeper) == {}
    r = rows(org.keeper, show="all")[(cable.code, "A-01")]
    assert r.unposted == 0 and r.goods_quantity == D("0.3")
