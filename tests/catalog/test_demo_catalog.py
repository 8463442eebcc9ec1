"""The catalog demo data (S1): products for the three industries, price lists, repeatable."""

import random
from decimal import Decimal

from django.utils import timezone

from salesdept.catalog.models import PriceList, Product
from salesdept.catalog.selectors.products import price_for
from salesdept.demo import catalog as demo_catalog
from salesdept.demo.load import DemoContext, load_org


def _ctx() -> DemoContext:
    ctx = DemoContext(rng=random.Random(1), say=lambda m: None)
    load_org(ctx)
    return ctx


def test_demo_catalog_loads_three_industries(org):
    ctx = _ctx()
    demo_catalog.load(ctx)
    assert 35 <= Product.objects.count() <= 45
    kinds = set(Product.objects.values_list("kind", flat=True))
    assert kinds == {"goods", "serial", "unit", "service"}
    assert set(Product.objects.filter(kind="unit").values_list("tax_rate", flat=True)) == {Decimal("9.00")}
    assert set(Product.objects.filter(kind__in=["goods", "serial"]).values_list("tax_rate", flat=True)) == {
        Decimal("13.00")
    }
    apt = Product.objects.get(building="1号楼", unit_number="1203")
    assert apt.area == Decimal("89.50") and apt.uom == "套" and "12层" in apt.name
    assert all(p.floor_price <= p.list_price for p in Product.objects.all())
    assert PriceList.objects.count() == 3
    car = Product.objects.filter(kind="serial").first()
    gd = org.regions["south-gd"]
    today = timezone.localdate()
    promo = price_for(car, channel="dealer", region=gd, on=today)
    dealer = price_for(car, channel="dealer", region=org.regions["east"], on=today)
    assert promo < dealer < car.list_price
    assert promo >= car.floor_price
    # a second load changes nothing
    before = Product.objects.count()
    demo_catalog.load(ctx)
    assert Product.objects.count() == before


def test_demo_catalog_pages_render_in_chinese(org):
    from django.test import Client
    from django.urls import reverse

    demo_catalog.load(_ctx())
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(org.clerk)
    client.cookies["django_language"] = "zh-hans"
    r = client.get(reverse("catalog:product_list"), {"page_size": 50})
    assert r.status_code == 200 and "锦程花园" in r.content.decode()
    apt = Product.objects.get(building="1号楼", unit_number="1203")
    assert "89.50" in client.get(apt.get_absolute_url()).content.decode()
    for pl in PriceList.objects.all():
        assert client.get(reverse("catalog:price_list_detail", args=[pl.pk])).status_code == 200
    assert client.get(reverse("catalog:category_list")).status_code == 200
