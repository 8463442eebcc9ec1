"""Shipments (F1) through the services: prepared from a confirmed order (defaults, checks),
submitted (stock reserved), approved by a second person (stock issued, cost of goods posted,
shipped quantity moved), sent back, cancelled, delivered."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from salesdept.catalog.models import Product
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.ledger.models import JournalLine
from salesdept.shipping.invariants import shipped_equals_shipments
from salesdept.shipping.models import Shipment, ShipmentLine
from salesdept.shipping.selectors import shipments as selectors
from salesdept.shipping.services import shipments as services
from salesdept.warehouse.invariants import shipment_reservations_agree
from salesdept.warehouse.models import (
    DocumentKind,
    Purpose,
    Stock,
    StockDocument,
    StockMove,
    StockReservation,
)
from tests.warehouse.conftest import new_product

from .conftest import order_lines, refresh, row

TODAY = timezone.localdate


def refused(func, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as exc:
        func(**kwargs)
    return exc.value


def stock_of(product, location) -> Stock:
    return Stock.objects.get(product=product, location=location)


# --- create ----------------------------------------------------------------------------------


def test_create_from_order_takes_everything_open_by_default(org, wh, pump, valve, stock, make_order):
    # given an order of 5 pumps and 10 valves, the pumps on two shelves, the valves on one
    stock(pump, 3)
    stock(pump, 4, location=wh.a2)
    stock(valve, 10, location=wh.a2)
    wanted = TODAY() + datetime.timedelta(days=5)
    order = make_order([(pump, 5), (valve, 10)], wanted_on=wanted)
    # when the clerk prepares a shipment naming only the warehouse
    shipment = services.shipment_create(by=org.clerk, order_id=order.pk, data={"warehouse": wh.pk})
    # then every open line is on it, from where the stock is (the fullest shelf first)
    lines = list(shipment.lines.order_by("position"))
    pump_line, valve_line = order_lines(order)
    assert [(x.order_line_id, x.quantity, x.location_id) for x in lines] == [
        (pump_line.pk, Decimal("4"), wh.a2.pk),
        (pump_line.pk, Decimal("1"), wh.a1.pk),
        (valve_line.pk, Decimal("10"), wh.a2.pk),
    ]
    assert shipment.status == "draft" and shipment.prepared_by == org.clerk
    assert shipment.customer == order.customer and shipment.method == "own"
    assert shipment.promised_on == wanted
    assert shipment.ship_to == order.customer.address
    assert shipment.amount == Decimal("700.00")  # 5 × 100 + 10 × 20
    assert [x.unit_price for x in lines] == [Decimal("100.00"), Decimal("100.00"), Decimal("20.00")]
    assert shipment.number.startswith("SH-")
    # nothing moved yet: no reservation, no stock issued, nothing shipped
    assert not StockReservation.objects.exists()
    assert refresh(pump_line).shipped_quantity == 0


def test_promised_date_defaults_to_today_without_an_order_date(org, wh, pump, stock, make_order):
    stock(pump, 2)
    order = make_order([(pump, 2)])
    shipment = services.shipment_create(by=org.clerk, order_id=order.pk, data={"warehouse": wh.pk})
    assert shipment.promised_on == TODAY()


def test_open_quantity_counts_other_live_shipments(org, wh, pump, stock, make_order, ship):
    stock(pump, 10)
    order = make_order([(pump, 5)])
    (line,) = order_lines(order)
    ship(order, [row(line, 2, wh.a1)])
    ship(order, [row(line, 1, wh.a1)], state="submitted")
    cancelled = ship(order, [row(line, 2, wh.a1)])
    services.shipment_cancel(by=org.clerk, shipment_id=cancelled.pk)
    _order, rows = selectors.open_lines(user=org.clerk, order_id=order.pk)
    assert (rows[0]["ordered"], rows[0]["held"], rows[0]["open"]) == (
        Decimal("5"),
        Decimal("3"),
        Decimal("2"),
    )
    # a default shipment takes what is still open
    third = services.shipment_create(by=org.clerk, order_id=order.pk, data={"warehouse": wh.pk})
    assert [x.quantity for x in third.lines.all()] == [Decimal("2")]


def test_over_shipping_is_refused_naming_the_line(org, wh, pump, valve, stock, make_order, ship):
    stock(pump, 10)
    stock(valve, 10)
    order = make_order([(valve, 1), (pump, 5)])
    valve_line, pump_line = order_lines(order)
    # more than ordered on one shipment
    exc = refused(
        services.shipment_create,
        by=org.clerk,
        order_id=order.pk,
        data={"warehouse": wh.pk, "lines": [row(valve_line, 1, wh.a1), row(pump_line, 6, wh.a1)]},
    )
    assert exc.code == "over_shipping" and exc.status == 409
    assert "lines.2.quantity" in exc.fields and "5" in str(exc.message)
    # counting another draft shipment of the same line
    ship(order, [row(pump_line, 3, wh.a1)])
    exc = refused(
        services.shipment_create,
        by=org.clerk,
        order_id=order.pk,
        data={"warehouse": wh.pk, "lines": [row(pump_line, 3, wh.a1)]},
    )
    assert exc.code == "over_shipping" and "lines.1.quantity" in exc.fields
    assert "2" in str(exc.message)
    # two rows of the same order line add up
    exc = refused(
        services.shipment_create,
        by=org.clerk,
        order_id=order.pk,
        data={"warehouse": wh.pk, "lines": [row(pump_line, 1, wh.a1), row(pump_line, 2, wh.a1)]},
    )
    assert exc.code == "over_shipping"
    assert Shipment.objects.count() == 1 and ShipmentLine.objects.count() == 1


@pytest.mark.parametrize(
    ("line", "header", "field"),
    [
        ({"quantity": "-1"}, {}, "lines.1.quantity"),
        ({"quantity": "0"}, {}, "lines.1.quantity"),
        ({"quantity": "abc"}, {}, "lines.1.quantity"),
        ({"quantity": 1.5}, {}, "lines.1.quantity"),  # never a float
        ({"location": None}, {}, "lines.1.location"),
        ({"order_line": 999999}, {}, "lines.1.order_line"),
        ({"colour": "red"}, {}, "lines.1.colour"),
        ({}, {"method": "carrier"}, "carrier"),
        ({}, {"method": "drone"}, "method"),
        ({}, {"promised_on": "31.12.2026"}, "promised_on"),
        ({}, {"status": "shipped"}, "status"),
        ({}, {"tracking_number": "x" * 101}, "tracking_number"),
    ],
)
def test_bad_input_is_refused_naming_the_field(org, wh, pump, stock, make_order, line, header, field):
    stock(pump, 5)
    order = make_order([(pump, 5)])
    (order_line,) = order_lines(order)
    data = {"warehouse": wh.pk, "lines": [{**row(order_line, 2, wh.a1), **line}], **header}
    with pytest.raises(ValidationFailed) as exc:
        services.shipment_create(by=org.clerk, order_id=order.pk, data=data)
    assert exc.value.status == 400 and field in exc.value.fields, exc.value.fields
    assert not Shipment.objects.exists() and not ShipmentLine.objects.exists()


def test_line_product_must_be_the_order_lines(org, wh, pump, valve, stock, make_order):
    stock(pump, 5)
    order = make_order([(pump, 5)])
    (order_line,) = order_lines(order)
    with pytest.raises(ValidationFailed) as exc:
        services.shipment_create(
            by=org.clerk,
            order_id=order.pk,
            data={"warehouse": wh.pk, "lines": [row(order_line, 1, wh.a1, product=valve.pk)]},
        )
    assert "lines.1.product" in exc.value.fields and pump.name in str(exc.value.fields["lines.1.product"])


def test_location_of_another_warehouse_is_refused(org, wh, make_wh, pump, stock, make_order):
    other = make_wh()
    stock(pump, 5)
    order = make_order([(pump, 5)])
    (order_line,) = order_lines(order)
    with pytest.raises(ValidationFailed) as exc:
        services.shipment_create(
            by=org.clerk,
            order_id=order.pk,
            data={"warehouse": wh.pk, "lines": [row(order_line, 1, other.a1)]},
        )
    assert set(exc.value.fields) == {"lines.1.location"}


def test_only_confirmed_orders_visible_to_the_clerk_are_shipped(org, wh, pump, stock, make_order):
    stock(pump, 5)
    draft = make_order([(pump, 5)], confirm=False)
    exc = refused(services.shipment_create, by=org.clerk, order_id=draft.pk, data={"warehouse": wh.pk})
    assert exc.code == "order_not_confirmed"
    order = make_order([(pump, 5)])
    with pytest.raises(PermissionDenied):  # a salesperson reads shipments, the clerk prepares them
        services.shipment_create(by=org.sales1, order_id=order.pk, data={"warehouse": wh.pk})
    assert not Shipment.objects.exists()


def test_serial_products_ship_one_serial_per_line(org, wh, stock, make_order):
    cnc = new_product(kind=Product.Kind.SERIAL, name="数控系统", price="5000.00")
    for serial in ("SN-1", "SN-2", "SN-3"):
        stock(cnc, 1, lot=serial)
    order = make_order([(cnc, 2)])
    (line,) = order_lines(order)
    with pytest.raises(ValidationFailed) as exc:
        services.shipment_create(
            by=org.clerk, order_id=order.pk, data={"warehouse": wh.pk, "lines": [row(line, 2, wh.a1)]}
        )
    assert {"lines.1.lot", "lines.1.quantity"} <= set(exc.value.fields)
    with pytest.raises(ValidationFailed) as exc:
        services.shipment_create(
            by=org.clerk,
            order_id=order.pk,
            data={"warehouse": wh.pk, "lines": [row(line, 1, wh.a1, "SN-1"), row(line, 1, wh.a1, "SN-1")]},
        )
    assert "lines.2.lot" in exc.value.fields
    # by default: one line per free serial number
    shipment = services.shipment_create(by=org.clerk, order_id=order.pk, data={"warehouse": wh.pk})
    assert sorted(shipment.lines.values_list("lot", "quantity")) == [("SN-1", 1), ("SN-2", 1)]
    services.shipment_submit(by=org.clerk, shipment_id=shipment.pk)
    services.shipment_approve(by=org.finance, shipment_id=shipment.pk)
    assert refresh(line).shipped_quantity == 2
    assert stock_of(cnc, wh.a1).quantity == 1


def test_update_changes_a_draft_and_checks_the_version(org, wh, pump, stock, make_order, ship):
    stock(pump, 5)
    order = make_order([(pump, 5)])
    (line,) = order_lines(order)
    shipment = ship(order, [row(line, 2, wh.a1)])
    updated = services.shipment_update(
        by=org.clerk,
        shipment_id=shipment.pk,
        version=shipment.version,
        data={
            "tracking_number": "SF123",
            "method": "carrier",
            "carrier": "顺丰",
            "lines": [row(line, 4, wh.a1)],
        },
    )
    assert updated.version == shipment.version + 1 and updated.amount == Decimal("400.00")
    assert list(updated.lines.values_list("quantity", flat=True)) == [Decimal("4")]
    exc = refused(
        services.shipment_update,
        by=org.clerk,
        shipment_id=shipment.pk,
        version=shipment.version,
        data={"notes": "late edit"},
    )
    assert exc.code == "stale_version" and exc.status == 409
    assert refresh(shipment).notes == ""


# --- submit: reservations --------------------------------------------------------------------


def test_submit_reserves_the_stock_of_every_line(org, wh, pump, stock, make_order, ship):
    stock(pump, 5)
    order = make_order([(pump, 3)])
    (line,) = order_lines(order)
    shipment = ship(order, [row(line, 3, wh.a1)], state="submitted")
    assert shipment.status == "submitted"
    level = stock_of(pump, wh.a1)
    assert (level.quantity, level.reserved) == (Decimal("5"), Decimal("3"))
    assert shipment_reservations_agree() == []
    # a draft cannot be edited once submitted
    exc = refused(services.shipment_update, by=org.clerk, shipment_id=shipment.pk, data={"notes": "x"})
    assert exc.code == "read_only"


def test_a_second_shipment_cannot_submit_the_last_unit(org, wh, pump, stock, make_order, ship):
    stock(pump, 1)
    first_order, second_order = make_order([(pump, 1)]), make_order([(pump, 1)])
    (first_line,) = order_lines(first_order)
    (second_line,) = order_lines(second_order)
    ship(first_order, [row(first_line, 1, wh.a1)], state="submitted")
    second = ship(second_order, [row(second_line, 1, wh.a1)])
    exc = refused(services.shipment_submit, by=org.clerk, shipment_id=second.pk)
    assert exc.code == "insufficient_stock" and exc.status == 409
    assert "Line 1" in str(exc.message)
    assert refresh(second).status == "draft"
    assert stock_of(pump, wh.a1).reserved == 1


# --- approve: the two-person rule and the shipping itself ------------------------------------


def test_the_preparer_cannot_approve_even_as_superuser(org, wh, pump, stock, make_order, ship):
    stock(pump, 2)
    order = make_order([(pump, 2)])
    (line,) = order_lines(order)
    shipment = ship(order, [row(line, 2, wh.a1)], state="submitted")
    exc = refused(services.shipment_approve, by=org.clerk, shipment_id=shipment.pk)
    assert exc.code == "own_document"
    org.clerk.is_superuser = True
    org.clerk.save(update_fields=["is_superuser"])
    exc = refused(services.shipment_approve, by=refresh(org.clerk), shipment_id=shipment.pk)
    assert exc.code == "own_document"
    # a salesperson holds no approval permission
    exc = refused(services.shipment_approve, by=org.sales1, shipment_id=shipment.pk)
    assert exc.code == "not_your_step" and exc.status == 403
    assert refresh(shipment).status == "submitted" and refresh(line).shipped_quantity == 0


@pytest.mark.parametrize("approver", ["manager1", "finance"])
def test_approval_issues_the_stock_and_moves_the_shipped_quantity(
    org, wh, pump, valve, stock, make_order, ship, approver
):
    stock(pump, 5, unit_cost="60.00")
    stock(valve, 10, unit_cost="8.00")
    order = make_order([(pump, 5), (valve, 10)])
    pump_line, valve_line = order_lines(order)
    shipment = ship(order, [row(pump_line, 3, wh.a1), row(valve_line, 10, wh.a1)], state="submitted")
    approved = services.shipment_approve(by=getattr(org, approver), shipment_id=shipment.pk)
    shipment = refresh(approved)
    assert shipment.status == "shipped" and shipment.shipped_on == TODAY()
    # stock left through one posted sale issue whose source is the shipment
    issue = shipment.stock_document
    assert issue.kind == DocumentKind.ISSUE and issue.purpose == Purpose.SALE and issue.status == "posted"
    assert (issue.source_type, issue.source_id, issue.customer_id) == (
        "shipping.shipment",
        shipment.pk,
        order.customer_id,
    )
    assert stock_of(pump, wh.a1).quantity == 2 and stock_of(pump, wh.a1).reserved == 0
    assert stock_of(valve, wh.a1).quantity == 0
    moves = StockMove.objects.filter(document=issue)
    assert sorted(moves.values_list("quantity", flat=True)) == [Decimal("-10"), Decimal("-3")]
    # each line's cost of goods, and the ledger: Dr 6401 cost of sales / Cr 1405 inventory
    costs = dict(shipment.lines.values_list("product_id", "cost"))
    assert costs == {pump.pk: Decimal("180.00"), valve.pk: Decimal("80.00")}
    entry_lines = JournalLine.objects.filter(
        entry__source_type="warehouse.stockdocument", entry__source_id=issue.pk
    )
    assert sum(x.debit for x in entry_lines.filter(account__code="6401")) == Decimal("260.00")
    assert sum(x.credit for x in entry_lines.filter(account__code="1405")) == Decimal("260.00")
    # the order lines' shipped quantity moved
    assert refresh(pump_line).shipped_quantity == 3 and refresh(valve_line).shipped_quantity == 10
    assert shipped_equals_shipments() == []
    assert not StockReservation.objects.exists()
    # the log: created, submitted, approved (one review step) → shipped
    actions = list(shipment.events.values_list("action", flat=True))
    assert actions == ["create", "submit", "approve_step", "approve"]


def test_approval_rechecks_what_is_open(org, wh, pump, stock, make_order, ship):
    """A shipment of a line that another shipment has shipped meanwhile cannot over-ship (the
    quantities were edited around the service, as a broken import might)."""
    stock(pump, 5)
    order = make_order([(pump, 2)])
    (line,) = order_lines(order)
    first = ship(order, [row(line, 2, wh.a1)], state="submitted")
    type(line).objects.filter(pk=line.pk).update(shipped_quantity=1)
    exc = refused(services.shipment_approve, by=org.finance, shipment_id=first.pk)
    assert exc.code == "over_shipping"
    type(line).objects.filter(pk=line.pk).update(shipped_quantity=0)
    assert refresh(first).status == "submitted" and stock_of(pump, wh.a1).quantity == 5


def test_gifts_leave_on_their_own_issue_with_no_amount(org, wh, pump, brochure, stock, make_order, ship):
    stock(pump, 2, unit_cost="50.00")
    stock(brochure, 100, location=wh.samples, unit_cost="1.50")
    order = make_order([(pump, 2)])
    (line,) = order_lines(order)
    gift = {"is_gift": True, "product": brochure.pk, "quantity": "10", "location": wh.samples.pk}
    shipment = ship(order, [row(line, 2, wh.a1), gift], state="shipped")
    assert shipment.amount == Decimal("200.00")
    gift_line = shipment.lines.get(is_gift=True)
    assert gift_line.amount == 0 and gift_line.order_line_id is None and gift_line.cost == Decimal("15.00")
    issues = StockDocument.objects.filter(source_type="shipping.shipment", source_id=shipment.pk)
    assert sorted(issues.values_list("purpose", flat=True)) == ["gift", "sale"]
    assert stock_of(brochure, wh.samples).quantity == 90
    gift_issue = issues.get(purpose="gift")
    expense = JournalLine.objects.filter(
        entry__source_id=gift_issue.pk, entry__source_type="warehouse.stockdocument"
    )
    assert sum(x.debit for x in expense.filter(account__code="6601")) == Decimal("15.00")


def test_gift_lines_are_checked(org, wh, pump, brochure, stock, make_order):
    stock(pump, 2)
    order = make_order([(pump, 2)])
    (line,) = order_lines(order)
    bad = {"is_gift": True, "order_line": line.pk, "quantity": "1", "location": wh.samples.pk}
    with pytest.raises(ValidationFailed) as exc:
        services.shipment_create(
            by=org.clerk, order_id=order.pk, data={"warehouse": wh.pk, "lines": [row(line, 1, wh.a1), bad]}
        )
    assert {"lines.2.order_line", "lines.2.product"} <= set(exc.value.fields)
    only_gifts = {"is_gift": True, "product": brochure.pk, "quantity": "1", "location": wh.samples.pk}
    with pytest.raises(ValidationFailed) as exc:
        services.shipment_create(
            by=org.clerk, order_id=order.pk, data={"warehouse": wh.pk, "lines": [only_gifts]}
        )
    assert "lines" in exc.value.fields


# --- reject, cancel --------------------------------------------------------------------------


def test_reject_needs_a_reason_and_releases_the_stock(org, wh, pump, stock, make_order, ship):
    stock(pump, 2)
    order = make_order([(pump, 2)])
    (line,) = order_lines(order)
    shipment = ship(order, [row(line, 2, wh.a1)], state="submitted")
    exc = refused(services.shipment_reject, by=org.finance, shipment_id=shipment.pk)
    assert exc.code == "reason_required" and exc.status == 400
    exc = refused(services.shipment_reject, by=org.clerk, shipment_id=shipment.pk, note="自己退回")
    assert exc.code == "own_document"
    services.shipment_reject(by=org.finance, shipment_id=shipment.pk, note="地址不全")
    assert refresh(shipment).status == "draft"
    assert stock_of(pump, wh.a1).reserved == 0 and not StockReservation.objects.exists()
    # corrected and submitted again; the order quantity is still held by it
    services.shipment_update(by=org.clerk, shipment_id=shipment.pk, data={"ship_to": "上海市张江路1号"})
    services.shipment_submit(by=org.clerk, shipment_id=shipment.pk)
    assert stock_of(pump, wh.a1).reserved == 2


@pytest.mark.parametrize("state", ["draft", "submitted"])
def test_cancel_releases_stock_and_order_quantities(org, wh, pump, stock, make_order, ship, state):
    stock(pump, 2)
    order = make_order([(pump, 2)])
    (line,) = order_lines(order)
    shipment = ship(order, [row(line, 2, wh.a1)], state=state)
    services.shipment_cancel(by=org.clerk, shipment_id=shipment.pk, note="客户改期")
    assert refresh(shipment).status == "cancelled"
    assert stock_of(pump, wh.a1).reserved == 0
    # the whole line is open again
    again = services.shipment_create(by=org.clerk, order_id=order.pk, data={"warehouse": wh.pk})
    assert [x.quantity for x in again.lines.all()] == [Decimal("2")]


def test_a_shipped_shipment_cannot_be_cancelled(org, wh, pump, stock, make_order, ship):
    stock(pump, 1)
    order = make_order([(pump, 1)])
    (line,) = order_lines(order)
    shipment = ship(order, [row(line, 1, wh.a1)], state="shipped")
    exc = refused(services.shipment_cancel, by=org.clerk, shipment_id=shipment.pk)
    assert exc.code == "invalid_transition"


# --- deliver ---------------------------------------------------------------------------------


def test_delivery_confirmation_is_checked(org, wh, pump, stock, make_order, ship):
    stock(pump, 1)
    order = make_order([(pump, 1)])
    (line,) = order_lines(order)
    draft = ship(order, [row(line, 1, wh.a1)])
    exc = refused(
        services.shipment_deliver, by=org.keeper, shipment_id=draft.pk, delivered_on=TODAY(), received_by="王"
    )
    assert exc.code == "invalid_transition"
    services.shipment_submit(by=org.clerk, shipment_id=draft.pk)
    services.shipment_approve(by=org.finance, shipment_id=draft.pk)
    tomorrow = TODAY() + datetime.timedelta(days=1)
    yesterday = TODAY() - datetime.timedelta(days=1)
    for day, receiver, field in (
        (tomorrow, "王", "delivered_on"),
        (yesterday, "王", "delivered_on"),  # before it was shipped (today)
        (None, "王", "delivered_on"),
        (TODAY(), "", "received_by"),
        (TODAY(), "x" * 101, "received_by"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            services.shipment_deliver(
                by=org.keeper, shipment_id=draft.pk, delivered_on=day, received_by=receiver
            )
        assert field in exc.value.fields
    assert refresh(draft).status == "shipped"
    with pytest.raises(PermissionDenied):
        services.shipment_deliver(by=org.sales1, shipment_id=draft.pk, delivered_on=TODAY(), received_by="王")
    delivered = services.shipment_deliver(
        by=org.keeper, shipment_id=draft.pk, delivered_on=TODAY(), received_by="王经理"
    )
    delivered = refresh(delivered)
    assert (delivered.status, delivered.delivered_on, delivered.received_by) == (
        "delivered",
        TODAY(),
        "王经理",
    )


# --- lists -----------------------------------------------------------------------------------


def test_late_shipments_are_those_promised_before_today_and_not_delivered(
    org, wh, pump, stock, make_order, ship
):
    stock(pump, 10)
    order = make_order([(pump, 10)])
    (line,) = order_lines(order)
    past = TODAY() - datetime.timedelta(days=3)
    late_draft = ship(order, [row(line, 1, wh.a1)], promised_on=past)
    late_shipped = ship(order, [row(line, 1, wh.a1)], promised_on=past, state="shipped")
    delivered = ship(order, [row(line, 1, wh.a1)], promised_on=past, state="shipped")
    services.shipment_deliver(by=org.keeper, shipment_id=delivered.pk, delivered_on=TODAY(), received_by="王")
    on_time = ship(order, [row(line, 1, wh.a1)], promised_on=TODAY())
    cancelled = ship(order, [row(line, 1, wh.a1)], promised_on=past)
    services.shipment_cancel(by=org.clerk, shipment_id=cancelled.pk)
    late = set(selectors.late_shipments(user=org.clerk).values_list("pk", flat=True))
    assert late == {late_draft.pk, late_shipped.pk}
    flagged = set(
        selectors.shipment_list(user=org.clerk, filters={"late": True}).values_list("pk", flat=True)
    )
    assert flagged == late and on_time.pk not in flagged


def test_scope_follows_the_orders_salesperson(org, wh, pump, stock, make_order, ship):
    stock(pump, 4)
    mine = ship(make_order([(pump, 2)]), state="draft", warehouse=wh.pk)
    theirs = ship(make_order([(pump, 2)], owner=org.sales2), state="draft", warehouse=wh.pk)
    assert set(selectors.shipment_list(user=org.sales1).values_list("pk", flat=True)) == {mine.pk}
    assert set(selectors.shipment_list(user=org.sales2).values_list("pk", flat=True)) == {theirs.pk}
    assert set(selectors.shipment_list(user=org.manager1).values_list("pk", flat=True)) == {
        mine.pk,
        theirs.pk,
    }
    with pytest.raises(Http404):
        selectors.shipment_get(user=org.sales2, shipment_id=mine.pk)
    with pytest.raises(Http404):
        selectors.open_lines(user=org.sales2, order_id=mine.order_id)
    # manager2 (another team) may approve shipments but does not see this one
    services.shipment_submit(by=org.clerk, shipment_id=mine.pk)
    with pytest.raises(Http404):
        services.shipment_approve(by=org.manager2, shipment_id=mine.pk)


def test_two_lines_of_one_product_are_not_offered_the_same_stock_twice(org, wh, pump, stock, make_order):
    stock(pump, 4)
    stock(pump, 2, location=wh.a2)
    order = make_order([(pump, 3), (pump, 3)])
    shipment = services.shipment_create(by=org.clerk, order_id=order.pk, data={"warehouse": wh.pk})
    taken = {}
    for line in shipment.lines.all():
        taken[line.location_id] = taken.get(line.location_id, 0) + line.quantity
    assert taken == {wh.a1.pk: 4, wh.a2.pk: 2}
    services.shipment_submit(by=org.clerk, shipment_id=shipment.pk)  # all of it can be reserved
    assert refresh(shipment).status == "submitted"
