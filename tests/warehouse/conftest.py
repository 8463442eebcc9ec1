"""Shared fixtures of the warehouse tests (owned by the documents tests; other warehouse tests
import these and keep their own in fixtures_<name>.py).

Set-up goes through the services (warehouse_create, post_document) so every test starts from
stock the ledger wrote; products and customers are written straight with the models."""

import itertools
from dataclasses import dataclass
from decimal import Decimal

import pytest

from salesdept.catalog.models import Category, Product
from salesdept.crm.models import Customer
from salesdept.crm.text import normalize_name, pinyin_key
from salesdept.warehouse.models import DocumentKind, Location, Quality, Warehouse

_counter = itertools.count(1)


@dataclass
class WarehouseSet:
    """A warehouse with its locations: a1, a2 (storage), samples, qc (quarantine)."""

    warehouse: Warehouse
    a1: Location
    a2: Location
    samples: Location
    qc: Location

    @property
    def pk(self) -> int:
        return self.warehouse.pk


def new_warehouse(by, *, code=None, name=None) -> WarehouseSet:
    from salesdept.warehouse.services.setup import location_create, warehouse_create

    n = next(_counter)
    warehouse = warehouse_create(
        by=by,
        data={"code": code or f"WT{n:03d}", "name": name or f"测试仓库{n}", "name_en": f"Test warehouse {n}"},
    )
    a1 = location_create(by=by, data={"warehouse": warehouse.pk, "code": "A-01-01", "name": "一号货架"})
    a2 = location_create(by=by, data={"warehouse": warehouse.pk, "code": "A-01-02", "name": "二号货架"})
    samples = location_create(
        by=by,
        data={"warehouse": warehouse.pk, "code": "S-01", "name": "样品区", "kind": Location.Kind.SAMPLES},
    )
    qc = Location.objects.get(warehouse=warehouse, kind=Location.Kind.QUARANTINE)
    return WarehouseSet(warehouse, a1, a2, samples, qc)


@pytest.fixture
def wh(org) -> WarehouseSet:
    """A warehouse made by the keeper, with locations A-01-01, A-01-02, S-01 and QC."""
    return new_warehouse(org.keeper)


@pytest.fixture
def make_wh(org):
    """make_wh(code=…) → another WarehouseSet."""
    return lambda **kw: new_warehouse(org.keeper, **kw)


def new_product(*, kind=Product.Kind.GOODS, name=None, price="100.00", **fields) -> Product:
    n = next(_counter)
    category, _ = Category.objects.get_or_create(code="wh-test", defaults={"name": "仓库测试类别"})
    return Product.objects.create(
        code=f"WHP-{n:05d}",
        name=name or f"仓库测试物料{n}",
        name_en=f"Warehouse test item {n}",
        category=category,
        uom="件",
        kind=kind,
        list_price=Decimal(price),
        tax_rate=Decimal("13"),
        **fields,
    )


@pytest.fixture
def make_product(db):
    """make_product(kind=Product.Kind.SERIAL, name=…)"""
    return new_product


@pytest.fixture
def goods(db) -> Product:
    return new_product(name="液压泵")


@pytest.fixture
def serial_product(db) -> Product:
    return new_product(kind=Product.Kind.SERIAL, name="数控系统")


@pytest.fixture
def service_product(db) -> Product:
    return new_product(kind=Product.Kind.SERVICE, name="安装调试服务")


@pytest.fixture
def customer(org) -> Customer:
    n = next(_counter)
    name = f"仓库测试客户{n:05d}有限公司"
    return Customer.objects.create(
        code=f"WH-C-{n:06d}",
        name=name,
        name_normalized=normalize_name(name),
        name_pinyin=pinyin_key(name),
        region=org.sales1.region or org.regions["east"],
        owner=org.sales1,
        created_by=org.sales1,
        tax_id=f"91310000WH{n:08d}",
    )


def post_receipt(
    by, location, product, quantity, *, unit_cost="10.00", quality=Quality.ACCEPTED, lot="", **data
):
    """Post a receipt of `quantity` × `product` at `location` (accepted by default) → document."""
    from salesdept.warehouse.services.documents import post_document

    line = {
        "product": product.pk,
        "quantity": str(quantity),
        "location": location.pk,
        "quality": quality,
        "lot": lot,
    }
    if unit_cost is not None:
        line["unit_cost"] = str(unit_cost)
    return post_document(
        by=by,
        data={"kind": DocumentKind.RECEIPT, "warehouse": location.warehouse_id, "lines": [line], **data},
    )


@pytest.fixture
def receive(org):
    """receive(location, product, quantity, unit_cost="10.00", quality="accepted", lot="") →
    a posted receipt made by the keeper."""
    return lambda location, product, quantity, **kw: post_receipt(
        org.keeper, location, product, quantity, **kw
    )


def line_data(product, quantity, location, **extra) -> dict:
    """One line of document data (ids and text, as the API receives it)."""
    row = {"product": product.pk, "quantity": str(quantity), "location": location.pk}
    for key, value in extra.items():
        row[key] = value.pk if hasattr(value, "pk") else value
    return row
