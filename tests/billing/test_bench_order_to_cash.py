"""The order-to-cash bench: its seeder picks one of sales1's customers and gives three goods and
their stock; the in-process workload runs complete orders (ship, invoice, pay) and reports phases and queries;
the invariants hold after it (the org fixture checks them)."""

import random

import pytest

from salesdept.bench import order_to_cash as bench
from salesdept.billing.models import Invoice, Payment
from salesdept.sales.models import SalesOrder
from salesdept.shipping.models import Shipment
from tests.billing.conftest import new_customer
from tests.warehouse.conftest import new_warehouse

pytestmark = pytest.mark.django_db


def test_complete_orders_through_the_services(org):
    new_warehouse(org.keeper)
    own = new_customer(org)  # the seeder picks one of sales1's customers
    own.credit_limit = 1
    own.save()
    params = bench.seed_order_to_cash(random.Random(3))
    assert params["o2c_customer"] == own.pk  # and lifts its credit limit for the chain
    figures = bench.measure_order_to_cash_service(params, 2)
    assert figures["requests"] == 2 and figures["errors"] == 0
    assert set(figures["phase_ms"]) == set(bench.PHASES)
    assert figures["queries_per_order"] > 0
    # 2 timed + 1 counted: each shipped, invoiced and paid in full
    assert SalesOrder.objects.filter(customer_id=params["o2c_customer"], status="confirmed").count() == 3
    assert Shipment.objects.filter(status="shipped").count() == 3
    invoices = Invoice.objects.filter(status="issued")
    assert invoices.count() == 3 and all(i.outstanding == 0 for i in invoices)
    assert Payment.objects.count() == 3
