"""Set-up of the statistics tests: customers and products written straight with the models;
facts go through stats.services.record_facts (the one way they are written)."""

import datetime
import itertools
from decimal import Decimal

import pytest

from salesdept.catalog.models import Category, Product
from salesdept.crm.models import Customer
from salesdept.crm.text import normalize_name
from salesdept.stats.models import Kind, SalesFact, Source

_counter = itertools.count(1)


@pytest.fixture
def world(org):
    """Two customers (sales1's in Shanghai, sales3's elsewhere) and three products in two
    categories: world.customers, world.products."""
    tools, _ = Category.objects.get_or_create(code="st-tools", defaults={"name": "工具"})
    parts, _ = Category.objects.get_or_create(code="st-parts", defaults={"name": "配件"})
    products = [
        Product.objects.create(
            code=f"ST-{n}",
            name=f"产品{n}",
            category=category,
            list_price=Decimal("100"),
            tax_rate=Decimal("13"),
        )
        for n, category in ((1, tools), (2, tools), (3, parts))
    ]
    customers = []
    for owner in (org.sales1, org.sales3):
        n = next(_counter)
        name = f"统计测试客户{n:04d}有限公司"
        customers.append(
            Customer.objects.create(
                code=f"ST-C-{n:05d}",
                name=name,
                name_normalized=normalize_name(name),
                region=owner.region or org.regions["east"],
                owner=owner,
                created_by=owner,
            )
        )

    class World:
        pass

    w = World()
    w.org, w.customers, w.products = org, customers, products
    return w


def fact(
    customer,
    product,
    *,
    kind=Kind.ORDERED,
    day=datetime.date(2026, 3, 5),
    amount="100.00",
    quantity="1",
    cost="60.00",
    number="SO-1",
    line="1",
    channel="direct",
    source=Source.ORDER,
) -> SalesFact:
    owner = customer.owner
    return SalesFact(
        kind=kind,
        day=day,
        source=source,
        number=number,
        line=line,
        region_id=customer.region_id,
        salesperson_id=owner.pk,
        team_id=owner.team_id,
        customer_id=customer.pk,
        product_id=product.pk if product is not None else None,
        category_id=product.category_id if product is not None else None,
        channel=channel,
        quantity=Decimal(quantity),
        amount=Decimal(amount),
        cost=Decimal(cost),
    )
