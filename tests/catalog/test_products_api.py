"""Products, categories and price lists through /api/v1 (S1): workflow, permissions per role,
bad input (400 naming the field, nothing written), price_for precedence."""

import datetime
from decimal import Decimal

import pytest

from salesdept.catalog.models import Category, PriceList, PriceListItem, Product
from salesdept.catalog.selectors.products import price_for
from tests.api_helpers import assert_error, bearer

from .fixtures_catalog import make_category, make_product

D = Decimal


def product_body(**over):
    body = {
        "code": "VAL-DN50",
        "name": "闸阀 DN50",
        "name_en": "Gate valve DN50",
        "kind": "goods",
        "category": make_category().pk,
        "list_price": "1200.00",
        "floor_price": "1000.00",
    }
    body.update(over)
    return body


def test_clerk_creates_updates_deactivates_product(org):
    api = bearer(org.clerk)
    r = api.post("/products", product_body())
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["code"] == "VAL-DN50" and data["uom"] == "件" and data["tax_rate"] == "13.00"
    assert data["list_price"] == "1200.00" and data["version"] == 1
    pid = data["id"]
    r = api.patch(f"/products/{pid}", {"version": 1, "list_price": "1300.00"})
    assert r.status_code == 200, r.content
    assert r.json()["list_price"] == "1300.00" and r.json()["version"] == 2
    assert_error(api.patch(f"/products/{pid}", {"version": 1, "spec": "x"}), 409, "stale_version")
    r = api.post(f"/products/{pid}/deactivate", {"version": 2})
    assert r.status_code == 200 and r.json()["is_active"] is False


def test_unit_kind_requires_place_and_area_and_defaults(org):
    api = bearer(org.admin)
    body = product_body(code="APT-1-1203", name="1号楼 12层 1203室", kind="unit", floor_price=None)
    for missing in ("building", "unit_number", "area"):
        full = {**body, "building": "1号楼", "floor": "12", "unit_number": "1203", "area": "89.50"}
        full.pop(missing)
        assert_error(api.post("/products", full), 400, "invalid", {missing})
    assert not Product.objects.exists()
    r = api.post(
        "/products", {**body, "building": "1号楼", "floor": "12", "unit_number": "1203", "area": "89.50"}
    )
    assert r.status_code == 201, r.content
    assert r.json()["uom"] == "套" and r.json()["tax_rate"] == "9.00" and r.json()["area"] == "89.50"
    # the same unit twice is refused
    r = api.post(
        "/products",
        {
            **body,
            "code": "APT-DUP",
            "building": "1号楼",
            "floor": "12",
            "unit_number": "1203",
            "area": "89.50",
        },
    )
    assert_error(r, 400, "invalid", {"unit_number"})


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"code": ""}, "code"),
        ({"name": "  "}, "name"),
        ({"floor_price": "1200.01"}, "floor_price"),
        ({"list_price": "-1"}, "list_price"),
        ({"category": 999999}, "category"),
        ({"tax_rate": "100.01"}, "tax_rate"),
    ],
)
def test_bad_product_input_names_field_and_writes_nothing(org, over, field):
    r = bearer(org.clerk).post("/products", product_body(**over))
    assert r.status_code in (400, 422), r.content
    body = r.json()["error"]
    assert any(field in k for k in body["fields"]), body
    assert not Product.objects.exists()


def test_duplicate_code_refused(org):
    make_product("VAL-DN50")
    assert_error(bearer(org.clerk).post("/products", product_body(code="val-dn50")), 400, "invalid", {"code"})
    assert Product.objects.count() == 1


def test_unknown_field_refused(org):
    r = bearer(org.clerk).post("/products", product_body(version=7))
    assert_error(r, 422, r.json()["error"]["code"])


@pytest.mark.parametrize("persona", ["sales1", "manager1", "director", "finance", "keeper", "auditor"])
def test_readers_cannot_write_products(org, persona):
    api = bearer(getattr(org, persona))
    assert api.get("/products").status_code == 200
    assert_error(api.post("/products", product_body()), 403, "permission_denied")
    assert not Product.objects.exists()


def test_list_search_filters_sort_pagination(org):
    pumps = make_category("PUMP", "泵", "Pumps")
    sub = Category.objects.create(code="PUMP-C", name="离心泵", parent=pumps)
    motors = make_category("MOT", "电机", "Motors")
    make_product("P-1", category=pumps, name="多级泵", list_price="500", floor_price=None)
    make_product("P-2", category=sub, name="离心泵 IS80", list_price="900", floor_price=None)
    make_product(
        "M-1", category=motors, name="三相异步电机", list_price="700", floor_price=None, is_active=False
    )
    api = bearer(org.sales1)
    codes = lambda r: [p["code"] for p in r.json()["items"]]  # noqa: E731
    assert codes(api.get("/products")) == ["M-1", "P-1", "P-2"]
    assert codes(api.get("/products", {"q": "离心"})) == ["P-2"]
    assert codes(api.get("/products", {"category": pumps.pk})) == ["P-1", "P-2"]
    assert codes(api.get("/products", {"active": "true"})) == ["P-1", "P-2"]
    assert codes(api.get("/products", {"sort": "-list_price"})) == ["P-2", "M-1", "P-1"]
    r = api.get("/products", {"page_size": 2, "page": 2})
    assert r.json()["count"] == 3 and codes(r) == ["P-2"]
    assert api.get("/products", {"kind": "car"}).status_code == 422


def test_categories_api(org):
    api = bearer(org.clerk)
    r = api.post("/categories", {"code": "CAR", "name": "乘用车", "name_en": "Cars"})
    assert r.status_code == 201, r.content
    cid = r.json()["id"]
    r = api.post("/categories", {"code": "CAR-EV", "name": "新能源", "parent": cid})
    assert r.status_code == 201 and r.json()["parent_id"] == cid
    assert_error(api.patch(f"/categories/{cid}", {"parent": r.json()["id"]}), 400, "invalid", {"parent"})
    assert_error(api.post("/categories", {"code": "car", "name": "x"}), 400, "invalid", {"code"})
    assert bearer(org.sales1).get("/categories").json()["count"] == 2
    assert_error(bearer(org.sales1).post("/categories", {"code": "X", "name": "x"}), 403, "permission_denied")


def test_price_list_with_items(org):
    product = make_product()
    api = bearer(org.clerk)
    body = {
        "code": "PL-DEALER",
        "name": "经销商价",
        "channel": "dealer",
        "region": org.regions["south"].pk,
        "valid_from": "2026-01-01",
        "valid_to": "2025-12-31",
    }
    assert_error(api.post("/price-lists", body), 400, "invalid", {"valid_to"})
    assert not PriceList.objects.exists()
    body["valid_to"] = "2026-12-31"
    r = api.post("/price-lists", body)
    assert r.status_code == 201, r.content
    plid = r.json()["id"]
    r = api.put(f"/price-lists/{plid}/items/{product.pk}", {"price": "950.00"})
    assert r.status_code == 200 and r.json()["items"][0]["price"] == "950.00"
    r = api.put(f"/price-lists/{plid}/items/{product.pk}", {"price": "940.00"})
    assert [i["price"] for i in r.json()["items"]] == ["940.00"]
    assert bearer(org.sales3).get(f"/price-lists/{plid}").json()["items"][0]["product_code"] == "P-100"
    assert_error(
        bearer(org.sales3).put(f"/price-lists/{plid}/items/{product.pk}", {"price": "1"}),
        403,
        "permission_denied",
    )
    assert api.delete(f"/price-lists/{plid}/items/{product.pk}").status_code == 204
    assert not PriceListItem.objects.exists()
    assert_error(api.delete(f"/price-lists/{plid}/items/{product.pk}"), 404, "not_found")


def _list(
    code, price, product, *, channel="", region=None, valid_from="2026-01-01", valid_to=None, active=True
):
    pl = PriceList.objects.create(
        code=code,
        name=code,
        channel=channel,
        region=region,
        valid_from=datetime.date.fromisoformat(valid_from),
        valid_to=datetime.date.fromisoformat(valid_to) if valid_to else None,
        is_active=active,
    )
    PriceListItem.objects.create(price_list=pl, product=product, price=D(price))
    return pl


def test_price_for_precedence(org):
    product = make_product(list_price="1000.00", floor_price=None)
    south, gd, east = org.regions["south"], org.regions["south-gd"], org.regions["east"]
    on = datetime.date(2026, 6, 1)
    assert price_for(product, on=on) == D("1000.00")
    _list("GEN", "990", product)
    assert price_for(product, channel="dealer", region=gd, on=on) == D("990.00")
    _list("CH", "980", product, channel="dealer")
    assert price_for(product, channel="dealer", region=gd, on=on) == D("980.00")
    assert price_for(product, channel="direct", region=gd, on=on) == D("990.00")
    _list("RG", "970", product, region=south)  # 华南 covers 广东
    assert price_for(product, channel="dealer", region=gd, on=on) == D("970.00")
    assert price_for(product, channel="dealer", region=east, on=on) == D("980.00")
    _list("BOTH", "960", product, channel="dealer", region=south)
    assert price_for(product, channel="dealer", region=gd, on=on) == D("960.00")
    # newer list of the same rank wins; expired, future and inactive lists never count
    _list("BOTH2", "955", product, channel="dealer", region=south, valid_from="2026-03-01")
    _list("OLD", "1", product, channel="dealer", region=gd, valid_from="2025-01-01", valid_to="2025-12-31")
    _list("FUT", "2", product, channel="dealer", region=gd, valid_from="2026-07-01")
    _list("OFF", "3", product, channel="dealer", region=gd, active=False)
    assert price_for(product, channel="dealer", region=gd, on=on) == D("955.00")
    assert price_for(product, channel="dealer", region=gd, on=datetime.date(2026, 2, 1)) == D("960.00")
    r = bearer(org.sales3).get(
        f"/products/{product.pk}/price", {"channel": "dealer", "region_id": gd.pk, "on": "2026-06-01"}
    )
    assert r.status_code == 200 and r.json()["price"] == "955.00" and r.json()["list_price"] == "1000.00"
    assert_error(
        bearer(org.sales3).get(f"/products/{product.pk}/price", {"region_id": 999999}),
        400,
        "invalid",
        {"region_id"},
    )
