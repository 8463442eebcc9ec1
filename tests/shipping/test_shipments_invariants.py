"""The shipment invariants find what they guard: each rule is broken on purpose (around the
services, as a bad import or a bug would) and must report it; the data is put back afterwards so
the org fixture's full check passes."""

from decimal import Decimal

from salesdept.sales.models import SalesOrderLine
from salesdept.shipping.invariants import (
    shipment_amount_adds_up,
    shipped_equals_shipments,
    shipped_shipments_have_their_stock_issue,
)
from salesdept.shipping.models import Shipment, ShipmentLine
from salesdept.warehouse.invariants import (
    reservations_agree_with_their_documents,
    shipment_reservations_agree,
)
from salesdept.warehouse.models import StockReservation

from .conftest import order_lines, row


def test_i6_shipped_quantity_must_match_the_shipments(org, wh, pump, stock, make_order, ship):
    stock(pump, 5)
    order = make_order([(pump, 5)])
    (line,) = order_lines(order)
    ship(order, [row(line, 2, wh.a1)], state="shipped")
    assert shipped_equals_shipments() == []
    SalesOrderLine.objects.filter(pk=line.pk).update(shipped_quantity=3)
    assert any("shipped 3" in v for v in shipped_equals_shipments())
    SalesOrderLine.objects.filter(pk=line.pk).update(shipped_quantity=2)
    assert shipped_equals_shipments() == []


def test_i6_a_shipped_shipment_needs_its_stock_issue(org, wh, pump, stock, make_order, ship):
    stock(pump, 5)
    order = make_order([(pump, 5)])
    (line,) = order_lines(order)
    shipped = ship(order, [row(line, 2, wh.a1)], state="shipped")
    draft = ship(order, [row(line, 1, wh.a1)])
    assert shipped_shipments_have_their_stock_issue() == []
    Shipment.objects.filter(pk=shipped.pk).update(stock_document=None)
    assert any(shipped.number in v for v in shipped_shipments_have_their_stock_issue())
    Shipment.objects.filter(pk=shipped.pk).update(stock_document=shipped.stock_document)
    # a draft whose number a posted issue names as source
    shipped.stock_document.__class__.objects.filter(pk=shipped.stock_document_id).update(source_id=draft.pk)
    found = shipped_shipments_have_their_stock_issue()
    assert any(draft.number in v for v in found) and any(shipped.number in v for v in found)
    shipped.stock_document.__class__.objects.filter(pk=shipped.stock_document_id).update(source_id=shipped.pk)
    assert shipped_shipments_have_their_stock_issue() == []


def test_i6_amount_adds_up(org, wh, pump, stock, make_order, ship):
    stock(pump, 5)
    order = make_order([(pump, 5)])
    (line,) = order_lines(order)
    shipment = ship(order, [row(line, 2, wh.a1)])
    assert shipment_amount_adds_up() == []
    Shipment.objects.filter(pk=shipment.pk).update(amount=Decimal("1.00"))
    assert shipment_amount_adds_up() != []
    Shipment.objects.filter(pk=shipment.pk).update(amount=shipment.amount)


def test_i5_shipment_reservations_agree_with_submitted_lines(org, wh, pump, stock, make_order, ship):
    stock(pump, 5)
    order = make_order([(pump, 5)])
    (line,) = order_lines(order)
    shipment = ship(order, [row(line, 2, wh.a1)], state="submitted")
    assert shipment_reservations_agree() == []
    # the stock documents' rule leaves shipment reservations to this one
    assert reservations_agree_with_their_documents() == []
    ShipmentLine.objects.filter(shipment=shipment).update(quantity=3)
    assert any("line 1" in v for v in shipment_reservations_agree())
    ShipmentLine.objects.filter(shipment=shipment).update(quantity=2)
    # a shipment sent back to draft behind the service's back still holds stock
    Shipment.objects.filter(pk=shipment.pk).update(status="draft")
    assert shipment_reservations_agree() != []
    Shipment.objects.filter(pk=shipment.pk).update(status="submitted")
    assert shipment_reservations_agree() == [] and StockReservation.objects.count() == 1
