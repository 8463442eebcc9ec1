"""Fixtures of the shipment tests: a warehouse with stock (through the warehouse services), a
confirmed order of sales1 (through the sales services), and a helper that ships through the
shipping services. Products and customers are written straight with the models."""

import itertools
from decimal import Decimal

import pytest

from salesdept.catalog.models import Product
from salesdept.crm.models import Customer
from salesdept.crm.text import normalize_name, pinyin_key
from salesdept.sales.services import orders as order_services
from salesdept.shipping.services import shipments as services
from tests.warehouse.conftest import WarehouseSet, new_product, new_warehouse, post_receipt

_counter = itertools.count(1)

__all__ = ["WarehouseSet"]


def refresh(obj):
    obj.refresh_from_db()
    return obj


def new_customer(owner, *, address="上海市浦东新区张江路100号") -> Customer:
    n = next(_counter)
    name = f"发货测试客户{n:05d}有限公司"
    return Customer.objects.create(
        code=f"SH-C-{n:06d}",
        name=name,
        name_normalized=normalize_name(name),
        name_pinyin=pinyin_key(name),
        region=owner.region,
        owner=owner,
        created_by=owner,
        tax_id=f"91310000SH{n:08d}",
        address=address,
    )


@pytest.fixture
def wh(org) -> WarehouseSet:
    return new_warehouse(org.keeper)


@pytest.fixture
def make_wh(org):
    return lambda **kw: new_warehouse(org.keeper, **kw)


@pytest.fixture
def pump(db) -> Product:
    return new_product(name="液压泵", price="100.00")


@pytest.fixture
def valve(db) -> Product:
    return new_product(name="截止阀", price="20.00")


@pytest.fixture
def brochure(db) -> Product:
    return new_product(name="产品画册", price="0.00")


@pytest.fixture
def stock(org, wh):
    """stock(product, quantity, location=wh.a1, unit_cost="10.00", lot="") → a posted receipt."""

    def receive(product, quantity, location=None, **kw):
        return post_receipt(org.keeper, location or wh.a1, product, quantity, **kw)

    return receive


@pytest.fixture
def make_order(org):
    """make_order([(product, qty), …], owner=org.sales1, wanted_on=None) → a confirmed direct order."""

    def make(lines, *, owner=None, wanted_on=None, customer=None, confirm=True):
        owner = owner or org.sales1
        customer = customer or new_customer(owner)
        order = order_services.order_create(
            by=owner,
            customer_id=customer.pk,
            lines=[{"product_id": p.pk, "quantity": str(q)} for p, q in lines],
            wanted_on=wanted_on,
        )
        if confirm:
            order_services.order_confirm(by=owner, order_id=order.pk)
        return refresh(order)

    return make


def order_lines(order) -> list:
    return list(order.lines.order_by("position", "pk"))


@pytest.fixture
def ship(org):
    """ship(order, lines=[{order_line, quantity, location, lot}], state="draft"|"submitted"|"shipped",
    **header) → the shipment, prepared by the clerk and approved by finance."""

    def make(order, lines=None, *, state="draft", by=None, **header):
        data = dict(header)
        if lines is not None:
            data["lines"] = lines
        shipment = services.shipment_create(by=by or org.clerk, order_id=order.pk, data=data)
        if state in ("submitted", "shipped", "delivered"):
            services.shipment_submit(by=by or org.clerk, shipment_id=shipment.pk)
        if state in ("shipped", "delivered"):
            services.shipment_approve(by=org.finance, shipment_id=shipment.pk)
        return refresh(shipment)

    return make


def row(order_line, quantity, location, lot="", **more) -> dict:
    return {
        "order_line": order_line.pk,
        "quantity": str(quantity),
        "location": location.pk,
        "lot": lot,
        **more,
    }


ZERO = Decimal("0")
