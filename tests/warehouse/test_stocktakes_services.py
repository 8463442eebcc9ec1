"""Stocktakes 盘点 (W3) through their services: snapshot, counting, two-person review of the
variance (the preparer and every counter refused), the posted adjustment, bad input."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.models import Status
from salesdept.warehouse.models import (
    DocumentKind,
    Purpose,
    Quality,
    Stock,
    StockDocumentStatus,
    StockLot,
    StockMove,
    StockRule,
)
from salesdept.warehouse.services import stocktakes as st

from .fixtures_b import approve, count_all, new_stocktake  # noqa: F401


def book(product, location, quality=Quality.ACCEPTED, lot=""):
    row = StockLot.objects.filter(product=product, location=location, quality=quality, lot=lot).first()
    return row.quantity if row else Decimal("0")


# --- snapshot --------------------------------------------------------------------------------


def test_full_count_snapshots_every_lot_and_quality_with_the_last_move(org, wh, make_product, receive):
    # given stock of two products at two locations, one of them pending inspection
    a, b = make_product(), make_product()
    receive(wh.a1, a, 10)
    receive(wh.a2, a, 3, quality=Quality.PENDING)
    receive(wh.a2, b, 5, lot="L-1")
    # when the keeper starts a full count
    take = new_stocktake(org.keeper, wh, kind="full")
    # then there is one line per product × location × lot × quality with the book then
    lines = {(x.product_id, x.location_id, x.lot, x.quality): x for x in take.lines.all()}
    assert set(lines) == {
        (a.pk, wh.a1.pk, "", Quality.ACCEPTED),
        (a.pk, wh.a2.pk, "", Quality.PENDING),
        (b.pk, wh.a2.pk, "L-1", Quality.ACCEPTED),
    }
    assert lines[(a.pk, wh.a1.pk, "", Quality.ACCEPTED)].book_quantity == 10
    stock = Stock.objects.get(product=a, location=wh.a1)
    assert lines[(a.pk, wh.a1.pk, "", Quality.ACCEPTED)].book_move_id == stock.last_move_id
    assert take.number.startswith("PD-") and take.status == Status.DRAFT
    assert all(x.counted_quantity is None for x in lines.values())


def test_full_count_of_one_location_and_products_with_a_rule(org, wh, make_product, receive):
    a, ruled = make_product(), make_product()
    receive(wh.a1, a, 4)
    receive(wh.a2, a, 6)
    StockRule.objects.create(product=ruled, warehouse=wh.warehouse, min_quantity=1, max_quantity=5)
    take = new_stocktake(org.keeper, wh, kind="full", location=wh.a2)
    rows = sorted((x.product_id, x.location_id, x.book_quantity) for x in take.lines.all())
    assert rows == sorted([(a.pk, wh.a2.pk, Decimal("6")), (ruled.pk, wh.a2.pk, Decimal("0"))])


def test_spot_check_counts_one_product_at_issue_time(org, wh, make_product, receive):
    a, other = make_product(), make_product()
    receive(wh.a1, a, 7)
    receive(wh.a1, other, 2)
    take = new_stocktake(org.keeper, wh, kind="spot", products=[a])
    assert [(x.product_id, x.book_quantity) for x in take.lines.all()] == [(a.pk, Decimal("7"))]
    # later moves do not change the snapshot
    receive(wh.a1, a, 1)
    assert take.lines.get().book_quantity == 7


def test_spot_check_of_a_product_without_stock_counts_it_at_book_zero(org, wh, make_product):
    a = make_product()
    take = new_stocktake(org.keeper, wh, kind="spot", products=[a])
    line = take.lines.get()
    assert (line.product_id, line.book_quantity, line.location_id) == (a.pk, 0, wh.a1.pk)


@pytest.mark.parametrize(
    ("kind", "products", "field"),
    [("spot", 0, "products"), ("spot", 2, "products"), ("full", 1, "products"), ("weekly", 0, "kind")],
)
def test_bad_kind_or_products_are_refused_naming_the_field(
    org, wh, make_product, receive, kind, products, field
):
    items = [make_product() for _ in range(products)]
    receive(wh.a1, make_product(), 1)
    with pytest.raises(ValidationFailed) as exc:
        new_stocktake(org.keeper, wh, kind=kind, products=items)
    assert field in exc.value.fields


def test_service_products_and_foreign_locations_are_refused(org, wh, make_wh, service_product, goods):
    with pytest.raises(ValidationFailed) as exc:
        new_stocktake(org.keeper, wh, kind="spot", products=[service_product])
    assert "products.0" in exc.value.fields
    other = make_wh()
    with pytest.raises(ValidationFailed) as exc:
        new_stocktake(org.keeper, wh, kind="spot", products=[goods], location=other.a1)
    assert "location" in exc.value.fields


def test_an_empty_warehouse_has_nothing_to_count(org, wh):
    with pytest.raises(ValidationFailed):
        new_stocktake(org.keeper, wh, kind="full")
    with pytest.raises(ValidationFailed):
        new_stocktake(org.keeper, wh, kind="cycle")


def test_only_the_warehouse_may_start_a_stocktake(org, wh, goods, receive):
    receive(wh.a1, goods, 1)
    for person in (org.sales1, org.auditor, org.finance):
        with pytest.raises(PermissionDenied):
            new_stocktake(person, wh, kind="full")


# --- counting --------------------------------------------------------------------------------


def test_counting_records_who_and_when_and_refuses_a_stale_version(org, wh, goods, receive):
    receive(wh.a1, goods, 10)
    take = new_stocktake(org.keeper, wh, kind="spot", products=[goods])
    line = take.lines.get()
    version = take.version
    st.stocktake_count(
        by=org.keeper,
        stocktake_id=take.pk,
        counts=[{"line": line.pk, "counted_quantity": "9"}],
        version=version,
    )
    line.refresh_from_db()
    assert (line.counted_quantity, line.counted_by, line.variance) == (
        Decimal("9"),
        org.keeper,
        Decimal("-1"),
    )
    assert line.counted_at is not None
    # a second browser tab still holding the old version is refused, nothing changes
    with pytest.raises(DomainError) as exc:
        st.stocktake_count(
            by=org.keeper,
            stocktake_id=take.pk,
            counts=[{"line": line.pk, "counted_quantity": "8"}],
            version=version,
        )
    assert exc.value.code == "stale_version"
    line.refresh_from_db()
    assert line.counted_quantity == 9


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"counted_quantity": "-1"}, "counts.0.counted_quantity"),
        ({"counted_quantity": "abc"}, "counts.0.counted_quantity"),
        ({"counted_quantity": "1.0001"}, "counts.0.counted_quantity"),
        ({"counted_quantity": 1.5}, "counts.0.counted_quantity"),
        ({"line": 999999, "counted_quantity": "1"}, "counts.0.line"),
        ({"line": "x", "counted_quantity": "1"}, "counts.0.line"),
    ],
)
def test_bad_counts_are_refused_naming_the_line(org, wh, goods, receive, entry, field):
    receive(wh.a1, goods, 3)
    take = new_stocktake(org.keeper, wh, kind="spot", products=[goods])
    entry = {"line": take.lines.get().pk, **entry}
    with pytest.raises(ValidationFailed) as exc:
        st.stocktake_count(by=org.keeper, stocktake_id=take.pk, counts=[entry])
    assert field in exc.value.fields
    assert take.lines.get().counted_quantity is None


def test_a_serial_number_counts_zero_or_one(org, wh, serial_product, receive):
    receive(wh.a1, serial_product, 1, lot="SN-1")
    take = new_stocktake(org.keeper, wh, kind="spot", products=[serial_product])
    with pytest.raises(ValidationFailed):
        st.stocktake_count(
            by=org.keeper, stocktake_id=take.pk, counts=[{"line": take.lines.get().pk, "counted_quantity": 2}]
        )


def test_counting_is_refused_after_submission(org, wh, goods, receive):
    receive(wh.a1, goods, 3)
    take = new_stocktake(org.keeper, wh, kind="spot", products=[goods])
    count_all(org.keeper, take)
    st.stocktake_submit(by=org.keeper, stocktake_id=take.pk)
    with pytest.raises(DomainError) as exc:
        st.stocktake_count(
            by=org.keeper, stocktake_id=take.pk, counts=[{"line": take.lines.get().pk, "counted_quantity": 1}]
        )
    assert exc.value.code == "read_only"
    with pytest.raises(DomainError):
        st.stocktake_add_line(
            by=org.keeper, stocktake_id=take.pk, product_id=goods.pk, location_id=wh.a2.pk, counted_quantity=1
        )


def test_goods_found_where_the_book_has_none_get_a_line(org, wh, make_product, receive):
    a, found = make_product(), make_product()
    receive(wh.a1, a, 2)
    take = new_stocktake(org.keeper, wh, kind="full")
    line = st.stocktake_add_line(
        by=org.keeper,
        stocktake_id=take.pk,
        product_id=found.pk,
        location_id=wh.a2.pk,
        counted_quantity="3",
        note="在二号货架发现",
    )
    assert (line.book_quantity, line.counted_quantity, line.counted_by) == (0, 3, org.keeper)
    # the same product × location × lot × quality twice is refused
    with pytest.raises(ValidationFailed) as exc:
        st.stocktake_add_line(
            by=org.keeper,
            stocktake_id=take.pk,
            product_id=found.pk,
            location_id=wh.a2.pk,
            counted_quantity="1",
        )
    assert "product" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        st.stocktake_add_line(
            by=org.keeper, stocktake_id=take.pk, product_id=found.pk, location_id=None, counted_quantity="1"
        )
    assert "location" in exc.value.fields


def test_submit_needs_every_line_counted(org, wh, make_product, receive):
    a, b = make_product(), make_product()
    receive(wh.a1, a, 2)
    receive(wh.a1, b, 2)
    take = new_stocktake(org.keeper, wh, kind="full")
    first = take.lines.first()
    st.stocktake_count(
        by=org.keeper, stocktake_id=take.pk, counts=[{"line": first.pk, "counted_quantity": 2}]
    )
    with pytest.raises(ValidationFailed) as exc:
        st.stocktake_submit(by=org.keeper, stocktake_id=take.pk)
    assert list(exc.value.fields) == ["lines.1.counted_quantity"]
    take.refresh_from_db()
    assert take.status == Status.DRAFT


# --- review and posting ----------------------------------------------------------------------


@pytest.fixture
def counted(org, wh, make_product, receive):
    """A submitted full count by the keeper: a 10 → 8 (missing 2), b 5 → 5, c found 4 at A-01-02."""
    a, b, c = make_product(), make_product(), make_product()
    receive(wh.a1, a, 10, unit_cost="12.50")
    receive(wh.a1, b, 5)
    take = new_stocktake(org.keeper, wh, kind="full")
    count_all(org.keeper, take, {(a.pk, wh.a1.pk): 8})
    st.stocktake_add_line(
        by=org.keeper, stocktake_id=take.pk, product_id=c.pk, location_id=wh.a2.pk, counted_quantity=4
    )
    st.stocktake_submit(by=org.keeper, stocktake_id=take.pk)
    take.refresh_from_db()
    return take, a, b, c


def test_variance_is_posted_only_on_approval_by_a_second_person(org, wh, counted):
    take, a, b, c = counted
    moves_before = StockMove.objects.count()
    assert book(a, wh.a1) == 10  # nothing posted on submission
    # the preparer (who also counted) cannot approve it
    with pytest.raises(DomainError) as exc:
        approve(org.keeper, take)
    assert exc.value.code == "own_document"
    assert StockMove.objects.count() == moves_before
    # finance approves: the adjustment moves the stock to the counted quantities
    approve(org.finance, take)
    take.refresh_from_db()
    assert take.status == Status.APPROVED
    adjustment = take.adjustment
    assert adjustment.kind == DocumentKind.ADJUSTMENT and adjustment.purpose == Purpose.COUNT
    assert adjustment.status == StockDocumentStatus.POSTED
    assert adjustment.source_id == take.pk and adjustment.source_type.endswith("stocktake")
    assert sorted((x.product_id, x.quantity) for x in adjustment.lines.all()) == sorted(
        [(a.pk, Decimal("-2")), (c.pk, Decimal("4"))]
    )  # b had no variance: skipped
    assert book(a, wh.a1) == 8 and book(b, wh.a1) == 5 and book(c, wh.a2) == 4
    assert Stock.objects.get(product=a, location=wh.a1).value == Decimal("100.00")
    assert StockMove.objects.count() == moves_before + 2


def test_a_counter_who_did_not_prepare_is_refused_with_own_count(org, wh, goods, receive):
    receive(wh.a1, goods, 6)
    # the director prepares nothing; the keeper prepares, finance counts a line
    take = new_stocktake(org.keeper, wh, kind="spot", products=[goods])
    from django.contrib.auth.models import Permission

    org.finance.user_permissions.add(Permission.objects.get(codename="change_stocktake"))
    finance = type(org.finance).objects.get(pk=org.finance.pk)
    st.stocktake_count(
        by=finance, stocktake_id=take.pk, counts=[{"line": take.lines.get().pk, "counted_quantity": 5}]
    )
    st.stocktake_submit(by=org.keeper, stocktake_id=take.pk)
    with pytest.raises(DomainError) as exc:
        approve(finance, take)
    assert (exc.value.code, exc.value.status) == ("own_count", 403)
    take.refresh_from_db()
    assert "approve" not in st.stocktake_allowed_actions(take, finance)
    assert "approve" in st.stocktake_allowed_actions(take, org.director)
    # the director, who neither prepared nor counted, approves
    approve(org.director, take)
    assert book(goods, wh.a1) == 5


def test_a_salesperson_or_auditor_cannot_approve(org, counted):
    take = counted[0]
    for person in (org.sales1, org.auditor):
        with pytest.raises(DomainError) as exc:
            approve(person, take)
        assert exc.value.status == 403


def test_reject_sends_it_back_to_count_again_and_nothing_is_posted(org, wh, counted):
    take, a, *_ = counted
    with pytest.raises(DomainError) as exc:
        st.stocktake_reject(by=org.finance, stocktake_id=take.pk, note="")
    assert exc.value.code == "reason_required"
    st.stocktake_reject(by=org.finance, stocktake_id=take.pk, note="请复盘 A-01-01")
    take.refresh_from_db()
    assert take.status == Status.DRAFT and take.adjustment is None
    assert book(a, wh.a1) == 10
    count_all(org.keeper, take, {(a.pk, wh.a1.pk): 9})
    st.stocktake_submit(by=org.keeper, stocktake_id=take.pk)
    approve(org.finance, take)
    assert book(a, wh.a1) == 9


def test_no_variance_posts_no_adjustment(org, wh, goods, receive):
    receive(wh.a1, goods, 6)
    take = new_stocktake(org.keeper, wh, kind="spot", products=[goods])
    count_all(org.keeper, take)
    st.stocktake_submit(by=org.keeper, stocktake_id=take.pk)
    approve(org.finance, take)
    take.refresh_from_db()
    assert take.status == Status.APPROVED and take.adjustment is None


def test_a_loss_the_stock_can_no_longer_take_refuses_the_approval(org, wh, goods, receive):
    from salesdept.warehouse.services.documents import post_document

    receive(wh.a1, goods, 5)
    take = new_stocktake(org.keeper, wh, kind="spot", products=[goods])
    count_all(org.keeper, take, {(goods.pk, wh.a1.pk): 0})  # all 5 missing
    st.stocktake_submit(by=org.keeper, stocktake_id=take.pk)
    # meanwhile 3 are issued, so only 2 are left to write off
    post_document(
        by=org.keeper,
        data={
            "kind": DocumentKind.ISSUE,
            "purpose": Purpose.INTERNAL,
            "warehouse": wh.pk,
            "lines": [{"product": goods.pk, "quantity": "3", "location": wh.a1.pk}],
        },
    )
    with pytest.raises(DomainError) as exc:
        approve(org.finance, take)
    assert exc.value.code == "insufficient_stock"
    take.refresh_from_db()
    assert take.status == Status.SUBMITTED and take.adjustment is None
    assert book(goods, wh.a1) == 2


def test_cancel_a_draft_only(org, wh, goods, receive):
    receive(wh.a1, goods, 1)
    take = new_stocktake(org.keeper, wh, kind="spot", products=[goods])
    with pytest.raises(PermissionDenied):
        st.stocktake_cancel(by=org.auditor, stocktake_id=take.pk)
    st.stocktake_cancel(by=org.keeper, stocktake_id=take.pk)
    take.refresh_from_db()
    assert take.status == Status.CANCELLED
    with pytest.raises(DomainError) as exc:
        st.stocktake_submit(by=org.keeper, stocktake_id=take.pk)
    assert exc.value.code == "invalid_transition"


# --- cycle proposal --------------------------------------------------------------------------


def test_cycle_proposal_puts_never_counted_first_and_takes_this_weeks_share(org, wh, make_product, receive):
    today = timezone.localdate()
    wh.warehouse.cycle_days = 28
    wh.warehouse.save()
    products = [make_product() for _ in range(10)]
    for p in products:
        receive(wh.a1, p, 1)
    proposal = st.cycle_proposal(wh.warehouse, on=today)
    assert proposal["total"] == 10 and proposal["share"] == 3  # ceil(10 × 7 / 28)
    assert all(p.last_counted is None for p in proposal["products"])


def test_cycle_counts_cover_every_product_within_the_cycle(org, wh, make_product, receive):
    today = timezone.localdate()
    # given 23 products with stock and a 56-day cycle (8 weeks)
    wh.warehouse.cycle_days = 56
    wh.warehouse.save()
    products = [make_product() for _ in range(23)]
    for p in products:
        receive(wh.a1, p, 2)
    counted_on: dict[int, datetime.date] = {}
    start = today - datetime.timedelta(days=56)
    # when every week the proposed products are counted and approved
    for week in range(8):
        day = start + datetime.timedelta(days=7 * week)
        take = new_stocktake(org.keeper, wh, kind="cycle", counted_on=day)
        assert take.lines.count() == 3  # ceil(23 × 7 / 56)
        count_all(org.keeper, take)
        st.stocktake_submit(by=org.keeper, stocktake_id=take.pk)
        approve(org.finance, take)
        for line in take.lines.all():
            counted_on.setdefault(line.product_id, day)
    # then every product was counted within the cycle, and the next proposal starts over with the oldest
    assert set(counted_on) == {p.pk for p in products}
    nxt = st.cycle_proposal(wh.warehouse, on=today)
    assert nxt["products"][0].last_counted == start


def test_someone_who_counted_in_an_earlier_round_still_cannot_approve(org, wh, goods, receive):
    from django.contrib.auth.models import Permission

    receive(wh.a1, goods, 6)
    take = new_stocktake(org.keeper, wh, kind="spot", products=[goods])
    org.finance.user_permissions.add(Permission.objects.get(codename="change_stocktake"))
    finance = type(org.finance).objects.get(pk=org.finance.pk)
    line = take.lines.get()
    # finance counts first, is sent back, and the keeper recounts the same line
    st.stocktake_count(by=finance, stocktake_id=take.pk, counts=[{"line": line.pk, "counted_quantity": 4}])
    st.stocktake_submit(by=org.keeper, stocktake_id=take.pk)
    st.stocktake_reject(by=org.director, stocktake_id=take.pk, note="复盘")
    st.stocktake_count(by=org.keeper, stocktake_id=take.pk, counts=[{"line": line.pk, "counted_quantity": 5}])
    st.stocktake_submit(by=org.keeper, stocktake_id=take.pk)
    line.refresh_from_db()
    assert line.counted_by == org.keeper
    with pytest.raises(DomainError) as exc:
        approve(finance, take)
    assert exc.value.code == "own_count"
    approve(org.director, take)
    assert book(goods, wh.a1) == 5
