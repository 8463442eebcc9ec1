"""The stock pages and API (W2): the on-hand list with totals and export (the same rows as the
page; values only for who sees the ledger), one product's stock, the stock card page with its
opening balance, export and PDF — in English and 简体中文, at phone width (responsive classes),
with permissions and query budgets."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client

from tests.api_helpers import assert_error, bearer

from .fixtures_c import *  # noqa: F403  (the fixtures wh)
from .fixtures_c import issue, loc, make_product, receive

D = Decimal
DAY = datetime.date(2026, 3, 1)


def client_for(user, lang: str = "en") -> Client:
    client = Client(headers={"accept-language": lang})
    client.force_login(user)
    return client


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def stocked(org, wh):
    east, west = wh
    pump, valve = make_product("液压泵甲"), make_product("高压阀门乙")
    receive(loc(east), pump, 10, "5.00", by=org.keeper, on=DAY)
    issue(loc(east), pump, 3, by=org.keeper, on=DAY + datetime.timedelta(days=1))
    receive(loc(west), valve, 2, "50.00", by=org.keeper, on=DAY)
    return east, west, pump, valve


# --- the on-hand list ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, words", [("en", ["Stock on hand", "Export CSV", "Filter"]), ("zh-hans", ["导出 CSV", "筛选"])]
)
def test_stock_list_page_in_both_languages(org, stocked, lang, words):
    response = client_for(org.keeper, lang).get("/warehouse/stock/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'lang="{lang}"' in html
    for word in words:
        assert word in html
    assert html.count('data-testid="stock-row"') == 2
    assert "液压泵甲" in html and "高压阀门乙" in html
    assert 'data-testid="stock-totals"' in html and "135.00" in html  # 35.00 + 100.00
    assert 'data-testid="card-link"' in html
    assert "d-none d-md-table-cell" in html  # the quality columns fold away on a phone


def test_stock_list_filters_and_empty_state(org, stocked):
    east, west, pump, valve = stocked
    client = client_for(org.keeper)
    html = client.get("/warehouse/stock/", {"warehouse": west.pk}).content.decode()
    assert html.count('data-testid="stock-row"') == 1 and "高压阀门乙" in html
    html = client.get("/warehouse/stock/", {"q": "no such thing"}).content.decode()
    assert 'data-testid="empty-state"' in html and "No stock matches these filters." in html
    response = client.get("/warehouse/stock/", {"quality": "bogus"})
    assert response.status_code == 200 and 'data-testid="empty-state"' in response.content.decode()
    assert client.get("/warehouse/stock/", {"quality": "bogus", "format": "csv"}).status_code == 400


def test_stock_list_export_has_the_rows_of_the_page_and_values_only_for_the_ledger(org, stocked):
    east, west, pump, valve = stocked
    rows = csv_rows(client_for(org.keeper).get("/warehouse/stock/", {"format": "csv", "warehouse": east.pk}))
    assert rows[0][-1] == "Value" and len(rows) == 2
    assert rows[1][0] == pump.code and rows[1][5] == "7.000" and rows[1][-1] == "35.00"
    seller = csv_rows(client_for(org.sales1).get("/warehouse/stock/", {"format": "csv"}))
    assert "Value" not in seller[0] and len(seller) == 3
    html = client_for(org.sales1).get("/warehouse/stock/").content.decode()
    assert "35.00" not in html and 'data-testid="card-link"' not in html
    xlsx = client_for(org.keeper).get("/warehouse/stock/", {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")


def test_stock_list_page_query_budget(org, wh, django_assert_max_num_queries):
    east, _west = wh
    for i in range(15):
        receive(loc(east), make_product(), i + 1, by=org.keeper, on=DAY)
    client = client_for(org.keeper)
    client.get("/warehouse/stock/")  # warm the session
    with django_assert_max_num_queries(14):
        response = client.get("/warehouse/stock/", {"sort": "-quantity"})
    assert response.content.decode().count('data-testid="stock-row"') == 15


def test_stock_pages_need_a_sign_in(db):
    response = Client().get("/warehouse/stock/")
    assert response.status_code == 302 and "login" in response["Location"]


# --- one product ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_product_stock_page(org, stocked, lang):
    east, west, pump, valve = stocked
    response = client_for(org.keeper, lang).get(f"/warehouse/stock/product/{pump.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="product-location-row"') == 1 and "液压泵甲" in html
    assert client_for(org.keeper).get("/warehouse/stock/product/999999/").status_code == 404


# --- the stock card ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang, word", [("en", "Opening balance"), ("zh-hans", "导出 CSV")])
def test_card_page(org, stocked, lang, word):
    east, west, pump, valve = stocked
    response = client_for(org.keeper, lang).get(f"/warehouse/card/{pump.pk}/{loc(east).pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert word in html
    assert html.count('data-testid="card-row"') == 2
    document = response.context["card"].moves[0].document
    assert f'href="{document.get_absolute_url()}"' in html and document.number in html


def test_card_page_opens_the_last_page_with_the_balance_brought_forward(org, wh):
    east, _west = wh
    a = loc(east)
    pump = make_product()
    receive(a, pump, 100, by=org.keeper, on=DAY)
    for _i in range(55):  # 56 moves: page 1 = the receipt and 49 issues (→ 51), page 2 the last 6
        issue(a, pump, 1, by=org.keeper, on=DAY)
    client = client_for(org.keeper)
    response = client.get(f"/warehouse/card/{pump.pk}/{a.pk}/")
    card = response.context["card"]
    assert card.page.number == 2 and card.opening == D("51") and card.closing == D("45")
    html = response.content.decode()
    assert "Brought forward" in html and html.count('data-testid="card-row"') == 6
    first = client.get(f"/warehouse/card/{pump.pk}/{a.pk}/", {"page": 1}).context["card"]
    assert first.opening == 0 and first.closing == D("51")


def test_card_export_and_pdf(org, stocked):
    east, west, pump, valve = stocked
    client = client_for(org.keeper)
    rows = csv_rows(client.get(f"/warehouse/card/{pump.pk}/{loc(east).pk}/", {"format": "csv"}))
    assert [r[5:8] for r in rows[1:]] == [["10.000", "", "10.000"], ["", "3.000", "7.000"]]
    assert client.get(f"/warehouse/card/{pump.pk}/{loc(east).pk}/", {"format": "pdf"}).status_code == 400
    for lang in ("en", "zh-hans"):
        pdf = client.get(f"/warehouse/card/{pump.pk}/{loc(east).pk}/card.pdf", {"lang": lang})
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")


def test_card_page_is_for_the_ledger_readers(org, stocked):
    east, west, pump, valve = stocked
    assert client_for(org.sales1).get(f"/warehouse/card/{pump.pk}/{loc(east).pk}/").status_code == 403
    assert client_for(org.sales1).get(f"/warehouse/card/{pump.pk}/{loc(east).pk}/card.pdf").status_code == 403
    assert client_for(org.auditor).get(f"/warehouse/card/{pump.pk}/{loc(east).pk}/").status_code == 200
    assert client_for(org.keeper).get(f"/warehouse/card/999999/{loc(east).pk}/").status_code == 404


def test_card_page_query_budget(org, wh, django_assert_max_num_queries):
    east, _west = wh
    a = loc(east)
    pump = make_product()
    receive(a, pump, 100, by=org.keeper, on=DAY)
    for _i in range(40):
        issue(a, pump, 1, by=org.keeper, on=DAY)
    client = client_for(org.keeper)
    client.get(f"/warehouse/card/{pump.pk}/{a.pk}/")
    with django_assert_max_num_queries(14):
        response = client.get(f"/warehouse/card/{pump.pk}/{a.pk}/", {"page": 1})
    assert response.content.decode().count('data-testid="card-row"') == 41


# --- API -----------------------------------------------------------------------------------------


def test_api_stock_list_totals_and_values(org, stocked):
    east, west, pump, valve = stocked
    keeper = bearer(org.keeper)
    body = keeper.get("/warehouse/stock/").json()
    assert body["count"] == 2
    first = body["items"][0]
    assert first["product_code"] == pump.code and first["quantity"] == "7.000" and first["value"] == "35.00"
    assert first["accepted"] == "7.000" and first["warehouse_code"] == "WC-EAST"
    assert keeper.get("/warehouse/stock/", {"warehouse": west.pk}).json()["count"] == 1
    assert keeper.get("/warehouse/stock/totals").json() == {"quantity": "9.000", "value": "135.00"}
    seller = bearer(org.sales1)
    assert [i["value"] for i in seller.get("/warehouse/stock/").json()["items"]] == [None, None]
    assert seller.get("/warehouse/stock/totals").json()["value"] is None
    assert_error(keeper.get("/warehouse/stock/", {"quality": "bogus"}), 422, "validation_error")
    assert_error(keeper.get("/warehouse/stock/", {"sort": "price"}), 400, "invalid", {"sort"})


def test_api_product_stock(org, stocked):
    east, west, pump, valve = stocked
    body = bearer(org.keeper).get(f"/warehouse/stock/products/{pump.pk}").json()
    assert body["quantity"] == "7.000" and body["by_quality"]["accepted"] == "7.000"
    assert [loc_["location_code"] for loc_ in body["locations"]] == ["A-01"]
    assert bearer(org.sales1).get(f"/warehouse/stock/products/{pump.pk}").json()["value"] is None
    assert_error(bearer(org.keeper).get("/warehouse/stock/products/999999"), 404, "not_found")


def test_api_card(org, stocked):
    east, west, pump, valve = stocked
    keeper = bearer(org.keeper)
    body = keeper.get(f"/warehouse/stock/card/{pump.pk}/{loc(east).pk}").json()
    assert body["count"] == 2 and body["page"] == 1 and body["opening"] == "0.000"
    assert [(m["quantity"], m["balance"]) for m in body["moves"]] == [
        ("10.000", "10.000"),
        ("-3.000", "7.000"),
    ]
    assert body["closing"] == body["book_quantity"] == "7.000"
    paged = keeper.get(f"/warehouse/stock/card/{pump.pk}/{loc(east).pk}", {"page_size": 1}).json()
    assert paged["page"] == 2 and paged["opening"] == "10.000" and paged["closing"] == "7.000"
    assert_error(
        bearer(org.sales1).get(f"/warehouse/stock/card/{pump.pk}/{loc(east).pk}"), 403, "permission_denied"
    )
    assert_error(
        keeper.get(f"/warehouse/stock/card/{pump.pk}/{loc(east).pk}", {"page_size": 100000}),
        422,
        "validation_error",
    )
    pdf = keeper.get(f"/warehouse/stock/card/{pump.pk}/{loc(east).pk}/card.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
