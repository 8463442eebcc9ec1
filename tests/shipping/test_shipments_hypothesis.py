"""Random sequences of shipment steps (create, submit, approve, send back, cancel) against one
order and a little stock: whatever happens, shipped ≤ ordered and equals the shipped shipments
(I6), the stock reserved is exactly what submitted shipments hold (I5), stock never goes negative
— every invariant holds after every step; refusals leave nothing behind."""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesdept.core import invariants
from salesdept.core.errors import DomainError
from salesdept.shipping.models import Shipment
from salesdept.shipping.services import shipments as services
from salesdept.warehouse.models import Stock
from tests.warehouse.conftest import new_product, new_warehouse, post_receipt

from .conftest import order_lines, row

step = st.one_of(
    st.tuples(st.just("create"), st.integers(1, 4)),
    st.tuples(st.sampled_from(["submit", "approve", "reject", "cancel"]), st.integers(0, 5)),
)


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(on_hand=st.integers(1, 6), ordered=st.integers(1, 6), steps=st.lists(step, min_size=1, max_size=12))
def test_any_sequence_keeps_the_invariants(org, make_order, on_hand, ordered, steps):
    with transaction.atomic():
        wh = new_warehouse(org.keeper)
        pump = new_product(name="随机泵")
        post_receipt(org.keeper, wh.a1, pump, on_hand)
        order = make_order([(pump, ordered)])
        (line,) = order_lines(order)
        made: list[int] = []
        for action, n in steps:
            try:
                with transaction.atomic():
                    if action == "create":
                        shipment = services.shipment_create(
                            by=org.clerk,
                            order_id=order.pk,
                            data={"warehouse": wh.pk, "lines": [row(line, n, wh.a1)]},
                        )
                        made.append(shipment.pk)
                    elif made:
                        pk = made[n % len(made)]
                        if action == "submit":
                            services.shipment_submit(by=org.clerk, shipment_id=pk)
                        elif action == "approve":
                            services.shipment_approve(by=org.finance, shipment_id=pk)
                        elif action == "reject":
                            services.shipment_reject(by=org.manager1, shipment_id=pk, note="退回")
                        else:
                            services.shipment_cancel(by=org.clerk, shipment_id=pk)
            except DomainError:
                pass
            assert invariants.run({"I4", "I5", "I6", "I10"}) == []
            line.refresh_from_db()
            shipped = sum(
                (s.lines.get().quantity for s in Shipment.objects.filter(pk__in=made, status="shipped")),
                Decimal(0),
            )
            assert line.shipped_quantity == shipped <= ordered
            level = Stock.objects.get(product=pump, location=wh.a1)
            assert level.quantity == on_hand - shipped and 0 <= level.reserved <= level.quantity
        transaction.set_rollback(True)
