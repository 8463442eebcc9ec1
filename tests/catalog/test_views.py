"""The catalog pages (S1): lists with search/filters/sort/export, detail, forms, categories,
price lists with items, discount authority, price approvals; permissions per role."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from salesdept.catalog.models import (
    Category,
    DiscountAuthority,
    PriceApproval,
    PriceList,
    PriceListItem,
    Product,
)
from salesdept.catalog.services.pricing import price_approval_request

from .fixtures_catalog import make_category, make_product, make_quotation


def text_of(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_product_list_search_filter_sort_export_empty(org):
    c = browser(org.sales1)
    r = c.get(reverse("catalog:product_list"))
    assert r.status_code == 200 and b'data-testid="empty-state"' in r.content
    pumps = make_category("PUMP", "泵", "Pumps")
    make_product("P-1", category=pumps, name="多级泵", list_price="500", floor_price=None)
    make_product("P-2", category=pumps, name="离心泵", list_price="900", floor_price=None)
    r = c.get(reverse("catalog:product_list"), {"q": "离心"})
    assert (
        r.status_code == 200
        and "离心泵" in r.content.decode()
        and 'data-code="P-1"' not in r.content.decode()
    )
    r = c.get(reverse("catalog:product_list"), {"sort": "-list_price"})
    html = r.content.decode()
    assert html.index('data-code="P-2"') < html.index('data-code="P-1"')
    r = c.get(reverse("catalog:product_list"), {"q": "泵", "format": "csv"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    body = text_of(r)
    assert "P-1" in body and "离心泵" in body
    r = c.get(reverse("catalog:product_list"), {"format": "xlsx"})
    assert r.status_code == 200 and "spreadsheet" in r["Content-Type"]
    r = c.get(reverse("catalog:product_list"), {"q": "nothing-like-this"})
    assert b"No products match these filters." in r.content
    assert c.get(reverse("catalog:product_list"), {"kind": "bogus"}).status_code == 200
    assert b"product-new" not in c.get(reverse("catalog:product_list")).content  # salesperson cannot add


def test_product_detail_shows_unit_fields_and_prices(org):
    product = make_product(
        "APT-1-1203", kind="unit", building="1号楼", floor="12", unit_number="1203", area=Decimal("89.50"),
        floor_price=None, uom="套",
    )  # fmt: skip
    pl = PriceList.objects.create(
        code="PL-S", name="华南价", region=org.regions["south"], valid_from="2026-01-01"
    )
    PriceListItem.objects.create(price_list=pl, product=product, price=Decimal("950.00"))
    r = browser(org.sales3).get(product.get_absolute_url())
    html = r.content.decode()
    assert (
        r.status_code == 200 and "1号楼" in html and "89.50" in html and "950.00" in html and "华南价" in html
    )
    assert "action-deactivate" not in html


def test_clerk_creates_product_through_form(org):
    category = make_category()
    c = browser(org.clerk)
    url = reverse("catalog:product_create")
    assert c.get(url).status_code == 200
    data = {
        "code": "APT-2-0801",
        "name": "2号楼 8层 0801室",
        "kind": "unit",
        "category": category.pk,
        "list_price": "1200000",
    }
    r = c.post(url, data)
    assert r.status_code == 400 and "building" in r.context["form"].errors
    assert not Product.objects.exists()
    r = c.post(url, {**data, "building": "2号楼", "floor": "8", "unit_number": "0801", "area": "120.30"})
    assert r.status_code == 302
    product = Product.objects.get()
    assert product.uom == "套" and product.tax_rate == Decimal("9.00") and product.area == Decimal("120.30")
    # edit with a stale version is refused, nothing changes
    edit = reverse("catalog:product_edit", args=[product.pk])
    r = c.post(
        edit,
        {**data, "building": "2号楼", "unit_number": "0801", "area": "120.30", "version": 5, "name": "改"},
    )
    assert r.status_code == 400
    assert Product.objects.get().name == "2号楼 8层 0801室"
    r = c.post(
        edit,
        {**data, "building": "2号楼", "unit_number": "0801", "area": "120.30", "version": 1, "name": "改"},
    )
    assert r.status_code == 302 and Product.objects.get().name == "改"
    r = c.post(reverse("catalog:product_deactivate", args=[product.pk]), {"version": 2})
    assert r.status_code == 302 and not Product.objects.get().is_active


def test_unit_fields_fragment_follows_kind(org):
    c = browser(org.clerk)
    r = c.get(reverse("catalog:product_unit_fields"), {"kind": "unit"}, headers={"HX-Request": "true"})
    assert (
        r.status_code == 200
        and b'id="unit-fields"' in r.content
        and b"hidden" not in r.content.split(b">")[0]
    )
    r = c.get(reverse("catalog:product_unit_fields"), {"kind": "goods"})
    assert b"hidden" in r.content.split(b">")[0]
    form = c.get(reverse("catalog:product_create")).content.decode()
    assert 'hx-get="/catalog/products/unit-fields/"' in form


@pytest.mark.parametrize(
    ("persona", "status"),
    [("sales1", 403), ("manager1", 403), ("auditor", 403), ("clerk", 200), ("admin", 200)],
)
def test_product_form_permission(org, persona, status):
    assert browser(getattr(org, persona)).get(reverse("catalog:product_create")).status_code == status


def test_categories_page(org):
    parent = make_category("PUMP", "泵", "Pumps")
    c = browser(org.clerk)
    r = c.post(reverse("catalog:category_list"), {"code": "PUMP-C", "name": "离心泵", "parent": parent.pk})
    assert r.status_code == 302 and Category.objects.filter(code="PUMP-C", parent=parent).exists()
    r = c.post(reverse("catalog:category_list"), {"code": "pump", "name": "重复"})
    assert r.status_code == 400 and "code" in r.context["form"].errors
    html = browser(org.sales1).get(reverse("catalog:category_list")).content.decode()
    assert "离心泵" in html and 'data-testid="category-form"' not in html
    assert (
        browser(org.sales1).post(reverse("catalog:category_list"), {"code": "X", "name": "x"}).status_code
        == 403
    )
    r = c.post(
        reverse("catalog:category_edit", args=[parent.pk]), {"code": "PUMP", "name": "水泵", "sort_order": 1}
    )
    assert r.status_code == 302 and Category.objects.get(pk=parent.pk).name == "水泵"


def test_price_list_pages_and_items(org):
    product = make_product()
    c = browser(org.clerk)
    r = c.post(
        reverse("catalog:price_list_create"),
        {
            "code": "PL-D",
            "name": "经销商价",
            "channel": "dealer",
            "valid_from": "2026-01-01",
            "valid_to": "2025-01-01",
        },
    )
    assert r.status_code == 400 and "valid_to" in r.context["form"].errors and not PriceList.objects.exists()
    r = c.post(
        reverse("catalog:price_list_create"),
        {
            "code": "PL-D",
            "name": "经销商价",
            "channel": "dealer",
            "valid_from": "2026-01-01",
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    pl = PriceList.objects.get()
    detail = reverse("catalog:price_list_detail", args=[pl.pk])
    assert c.post(detail, {"product": product.pk, "price": "930.00"}).status_code == 302
    assert PriceListItem.objects.get().price == Decimal("930.00")
    assert c.post(detail, {"product": product.pk, "price": "-1"}).status_code == 400
    html = browser(org.sales1).get(detail).content.decode()
    assert "930.00" in html and "item-form" not in html
    assert browser(org.sales1).post(detail, {"product": product.pk, "price": "1"}).status_code == 403
    assert c.get(detail, {"format": "csv"}).status_code == 200
    assert browser(org.sales1).get(reverse("catalog:price_list_list")).status_code == 200
    assert c.get(reverse("catalog:price_list_list"), {"format": "xlsx"}).status_code == 200
    remove = reverse("catalog:price_list_item_remove", args=[pl.pk, product.pk])
    assert browser(org.sales1).post(remove).status_code == 403
    assert c.post(remove).status_code == 302 and not PriceListItem.objects.exists()


def test_discount_authority_page(org):
    url = reverse("catalog:discount_authority")
    html = browser(org.sales1).get(url).content.decode()
    assert 'data-role="salesperson"' in html and "<form" not in html.split('data-testid="authority-table"')[1]
    assert browser(org.sales1).post(url, {"role": "salesperson", "max_discount": "9"}).status_code == 403
    assert browser(org.manager1).post(url, {"role": "salesperson", "max_discount": "9"}).status_code == 403
    c = browser(org.director)
    assert c.post(url, {"role": "salesperson", "max_discount": "120"}).status_code == 400
    assert DiscountAuthority.objects.get(role="salesperson").max_discount == Decimal("5.00")
    assert c.post(url, {"role": "salesperson", "max_discount": "6.5"}).status_code == 302
    assert DiscountAuthority.objects.get(role="salesperson").max_discount == Decimal("6.50")
    assert browser(org.admin).get(url).status_code == 200


def test_price_approvals_page_decide_and_withdraw(org):
    product = make_product(list_price="1000.00", floor_price=None)
    quote = make_quotation(org.sales1, [(product, "8")])
    approval = price_approval_request(by=org.sales1, doc=quote, reason="老客户续约")
    url = reverse("catalog:price_approval_list")
    html = browser(org.sales1).get(url).content.decode()
    assert 'data-testid="my-requests"' in html and f'data-id="{approval.pk}"' in html
    assert 'data-testid="to-decide"' not in html and 'data-testid="withdraw"' in html
    manager = browser(org.manager1)
    html = manager.get(url).content.decode()
    assert 'data-testid="approve"' in html and "老客户续约" in html
    assert "data-confirm=" in html
    decide = reverse("catalog:price_approval_decide", args=[approval.pk])
    # reject without a note is refused
    manager.post(decide, {"decision": "reject", "note": ""})
    assert PriceApproval.objects.get().status == "pending"
    # the salesperson cannot decide (no permission)
    assert browser(org.sales1).post(decide, {"decision": "approve"}).status_code == 403
    assert manager.post(decide, {"decision": "reject", "note": "折扣过大"}).status_code == 302
    assert PriceApproval.objects.get().status == "rejected"
    assert "折扣过大" in browser(org.sales1).get(url).content.decode()
    again = price_approval_request(by=org.sales1, doc=quote, reason="再次申请")
    assert (
        browser(org.sales1).post(reverse("catalog:price_approval_withdraw", args=[again.pk])).status_code
        == 302
    )
    assert PriceApproval.objects.get(pk=again.pk).status == "withdrawn"
    r = browser(org.sales1).get(url, {"format": "csv"})
    assert r.status_code == 200 and "再次申请" in text_of(r)


def test_pages_need_login_and_view_permission(org):
    assert Client().get(reverse("catalog:product_list")).status_code == 302
    # the warehouse keeper reads the catalog but has no price approvals
    keeper = browser(org.keeper)
    assert keeper.get(reverse("catalog:product_list")).status_code == 200
    assert keeper.get(reverse("catalog:price_approval_list")).status_code == 403


def test_price_request_page(org):
    product = make_product(list_price="1000.00", floor_price="990.00")
    quote = make_quotation(org.sales1, [(product, "8"), (product, "2")])
    url = reverse("catalog:price_approval_request", args=["quotation", quote.pk])
    c = browser(org.sales1)
    r = c.get(url)
    html = r.content.decode()
    assert r.status_code == 200 and 'data-kind="over_authority"' in html and 'data-kind="under_floor"' in html
    assert 'value="8.00"' in html or 'value="8"' in html
    r = c.post(url, {"reason": "", "discount": "8"})
    assert r.status_code == 400 and not PriceApproval.objects.exists()
    r = c.post(url, {"reason": "年度框架客户", "discount": "8", "below_floor": "on"})
    assert r.status_code == 302
    approval = PriceApproval.objects.get()
    assert approval.discount == Decimal("8.00") and approval.below_floor and approval.document == quote
    # another team's salesperson cannot even open it
    assert browser(org.sales3).get(url).status_code == 404
    assert (
        browser(org.sales1).get(reverse("catalog:price_approval_request", args=["invoice", 1])).status_code
        == 404
    )
