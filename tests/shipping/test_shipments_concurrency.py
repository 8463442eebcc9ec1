"""Shipments under concurrency, each call on its own PostgreSQL connection (threads released by
a barrier): two shipments of two orders submitted at once for the last unit — the stock row lock
of the reservation lets exactly one through; two approvers approving the same shipment at once —
the shipment row lock lets exactly one ship it (one stock issue, the shipped quantity moved once)."""

import time
from functools import partial

import pytest

from salesdept.shipping.services import shipments as services
from salesdept.warehouse.models import Stock, StockDocument, StockReservation
from tests.concurrency import at_once
from tests.warehouse.conftest import new_product, new_warehouse, post_receipt

from .conftest import order_lines, refresh, row

pytestmark = pytest.mark.postgres_only(
    reason="row locks of select_for_update: SQLite serialises whole transactions"
)


@pytest.fixture
def slow(monkeypatch):
    """Widen the race: pause after the shipment was read and before the order and stock rows are
    locked, so two calls without row locks would both see the last unit / a submitted shipment."""
    lock_order = services._lock_order

    def slow_lock(order_id, **kwargs):
        time.sleep(0.3)
        return lock_order(order_id, **kwargs)

    monkeypatch.setattr(services, "_lock_order", slow_lock)


@pytest.mark.django_db(transaction=True)
def test_two_shipments_submitted_at_once_for_the_last_unit_one_wins(org, make_order, slow):
    wh = new_warehouse(org.keeper)
    for _ in range(3):
        pump = new_product(name="最后一台泵")
        post_receipt(org.keeper, wh.a1, pump, 1)
        shipments = []
        for _order in range(2):
            order = make_order([(pump, 1)])
            (line,) = order_lines(order)
            shipments.append(
                services.shipment_create(
                    by=org.clerk, order_id=order.pk, data={"warehouse": wh.pk, "lines": [row(line, 1, wh.a1)]}
                )
            )
        calls = [partial(services.shipment_submit, by=org.clerk, shipment_id=s.pk) for s in shipments]
        assert at_once(calls) == ["insufficient_stock", "ok"]
        assert sorted(refresh(s).status for s in shipments) == ["draft", "submitted"]
        level = Stock.objects.get(product=pump, location=wh.a1)
        assert (level.quantity, level.reserved) == (1, 1)
        assert StockReservation.objects.filter(lot_row__product=pump).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_ship_the_shipment_once(org, make_order, slow):
    wh = new_warehouse(org.keeper)
    for _ in range(3):
        pump = new_product(name="双人复核泵")
        post_receipt(org.keeper, wh.a1, pump, 3)
        order = make_order([(pump, 2)])
        (line,) = order_lines(order)
        shipment = services.shipment_create(
            by=org.clerk, order_id=order.pk, data={"warehouse": wh.pk, "lines": [row(line, 2, wh.a1)]}
        )
        services.shipment_submit(by=org.clerk, shipment_id=shipment.pk)
        calls = [
            partial(services.shipment_approve, by=approver, shipment_id=shipment.pk)
            for approver in (org.finance, org.manager1)
        ]
        assert at_once(calls) == ["invalid_transition", "ok"]
        shipment = refresh(shipment)
        assert shipment.status == "shipped"
        assert (
            StockDocument.objects.filter(source_type="shipping.shipment", source_id=shipment.pk).count() == 1
        )
        assert refresh(line).shipped_quantity == 2
        assert Stock.objects.get(product=pump, location=wh.a1).quantity == 1
        assert list(shipment.events.filter(action="approve_step").values_list("action", flat=True)) == [
            "approve_step"
        ]
