"""Fixtures of the inquiry and quotation tests (import them explicitly:
`from .fixtures_quotes import *`). Set-up writes customers and products straight with the
models; inquiries and quotations under test go through the services."""

import itertools
from decimal import Decimal

import pytest

from salesdept.catalog.models import Category, Product
from salesdept.crm.models import Customer
from salesdept.crm.text import normalize_name, pinyin_key

__all__ = ["q_customer", "q_product", "q_quotation"]

_counter = itertools.count(1)


@pytest.fixture
def q_customer(org):
    """q_customer(owner=org.sales1, name=…)"""

    def make(*, owner=None, name=None, region=None, **fields):
        n = next(_counter)
        owner = owner or org.sales1
        name = name or f"报价测试客户{n:05d}有限公司"
        return Customer.objects.create(
            code=f"QT-T-{n:06d}",
            name=name,
            name_normalized=normalize_name(name),
            name_pinyin=pinyin_key(name),
            region=region or owner.region or org.regions["east"],
            owner=owner,
            created_by=owner,
            tax_id=fields.pop("tax_id", f"91310000QT{n:08d}"),
            **fields,
        )

    return make


@pytest.fixture
def q_product(db):
    """q_product(price="1000.00", floor=None, name="液压挖掘机")"""

    def make(*, price="1000.00", floor=None, name=None, tax="13", **fields):
        n = next(_counter)
        category, _ = Category.objects.get_or_create(code="qt-test", defaults={"name": "报价测试类别"})
        return Product.objects.create(
            code=f"QTP-{n:05d}",
            name=name or f"液压挖掘机{n}型",
            name_en=fields.pop("name_en", f"Hydraulic excavator {n}"),
            category=category,
            uom="台",
            list_price=Decimal(price),
            floor_price=Decimal(floor) if floor is not None else None,
            tax_rate=Decimal(tax),
            **fields,
        )

    return make


@pytest.fixture
def q_quotation(q_customer, q_product):
    """q_quotation(by, lines=[(product, qty, discount)], customer=None) → a draft via the service."""
    from salesdept.sales.services.quotations import quotation_create

    def make(by, lines=None, *, customer=None, **kwargs):
        customer = customer or q_customer(owner=by if by.has_perm("sales.add_quotation") else None)
        if lines is None:
            lines = [(q_product(), "2", "0")]
        return quotation_create(
            by=by,
            customer_id=customer.pk,
            lines=[{"product_id": p.pk, "quantity": Decimal(q), "discount": Decimal(d)} for p, q, d in lines],
            **kwargs,
        )

    return make
