"""The 帐、物、卡相符 pages and API: the report lists the real unposted difference and not the
posted one, the switch shows all rows, the drill-down lists the moves since the count; export
with the same rows; both languages; permissions; query budget."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client

from tests.api_helpers import assert_error, bearer

from .fixtures_c import *  # noqa: F403  (the fixtures wh)
from .fixtures_c import count, issue, loc, make_product, receive
from .test_reconciliation_selectors import post_variance

D = Decimal
DAY = datetime.date(2026, 3, 1)


def client_for(user, lang: str = "en") -> Client:
    client = Client(headers={"accept-language": lang})
    client.force_login(user)
    return client


@pytest.fixture
def counted(org, wh):
    """pump: 10 in, counted 8, not posted (a real difference of −2), then 1 issued;
    valve: 5 in, counted 6, the +1 posted; motor: never counted."""
    east, _west = wh
    a = loc(east)
    pump, valve, motor = make_product("液压泵甲"), make_product("高压阀门乙"), make_product("减速电机丙")
    receive(a, pump, 10, by=org.keeper, on=DAY)
    receive(a, valve, 5, by=org.keeper, on=DAY)
    receive(a, motor, 3, by=org.keeper, on=DAY)
    count(a, pump, 8, by=org.keeper, on=DAY + datetime.timedelta(days=1))
    take = count(a, valve, 6, by=org.keeper, on=DAY + datetime.timedelta(days=1), status="submitted")
    post_variance(take, 1, by=org.finance, on=DAY + datetime.timedelta(days=1))
    issue(a, pump, 1, by=org.keeper, on=DAY + datetime.timedelta(days=2))
    return a, pump, valve, motor


@pytest.mark.parametrize("lang, word", [("en", "Book, goods and card"), ("zh-hans", "导出 CSV")])
def test_report_lists_only_the_real_difference(org, counted, lang, word):
    a, pump, valve, motor = counted
    response = client_for(org.keeper, lang).get("/warehouse/reconciliation/")
    assert response.status_code == 200
    html = response.content.decode()
    assert word in html and "帐、物、卡相符" in html
    assert html.count('data-testid="reconciliation-row"') == 1
    assert f'data-product="{pump.code}"' in html and "-2" in html
    everything = client_for(org.keeper).get("/warehouse/reconciliation/", {"show": "all"}).content.decode()
    assert everything.count('data-testid="reconciliation-row"') == 3 and "Not counted" in everything


def test_report_empty_state_when_everything_agrees(org, wh):
    east, _west = wh
    receive(loc(east), make_product(), 4, by=org.keeper, on=DAY)
    html = client_for(org.keeper).get("/warehouse/reconciliation/").content.decode()
    assert 'data-testid="empty-state"' in html and "agree everywhere" in html
    assert 'data-testid="unbooked"' not in html
    stray = make_product()
    count(loc(east, "B-01"), stray, 2, by=org.keeper, on=DAY)  # goods where the book never was
    html = client_for(org.keeper).get("/warehouse/reconciliation/").content.decode()
    assert html.count('data-testid="unbooked-row"') == 1 and f'data-product="{stray.code}"' in html
    body = bearer(org.keeper).get("/warehouse/reconciliation/unbooked").json()
    assert [(u["product_code"], u["counted"]) for u in body] == [(stray.code, "2.000")]


def test_report_export_has_the_rows_of_the_page(org, counted):
    a, pump, valve, motor = counted
    response = client_for(org.keeper).get("/warehouse/reconciliation/", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == pump.code
    header = rows[0]
    row = dict(zip(header, rows[1], strict=True))
    assert row["Book quantity"] == "9.000" and row["Goods (last count carried forward)"].startswith("7")
    assert row["Difference goods − book"].startswith("-2")
    assert (
        client_for(org.keeper).get("/warehouse/reconciliation/", {"show": "x", "format": "csv"}).status_code
        == 400
    )


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_drilldown_page(org, counted, lang):
    a, pump, valve, motor = counted
    response = client_for(org.keeper, lang).get(f"/warehouse/reconciliation/{pump.pk}/{a.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="move-row"') == 1  # the issue after the count
    assert 'data-testid="count-lines"' in html
    export = client_for(org.keeper).get(f"/warehouse/reconciliation/{pump.pk}/{a.pk}/", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][6] == "1.000" and rows[1][7] == "9.000"  # out 1, balance 9
    assert client_for(org.keeper).get(f"/warehouse/reconciliation/999999/{a.pk}/").status_code == 404


def test_reconciliation_pages_are_for_ledger_and_stocktake_readers(org, counted):
    a, pump, valve, motor = counted
    assert client_for(org.sales1).get("/warehouse/reconciliation/").status_code == 403
    assert client_for(org.manager1).get(f"/warehouse/reconciliation/{pump.pk}/{a.pk}/").status_code == 403
    assert client_for(org.auditor).get("/warehouse/reconciliation/").status_code == 200


def test_report_page_query_budget(org, wh, django_assert_max_num_queries):
    east, _west = wh
    for _i in range(12):
        p = make_product()
        receive(loc(east), p, 10, by=org.keeper, on=DAY)
        count(loc(east), p, 9, by=org.keeper, on=DAY)
    client = client_for(org.keeper)
    client.get("/warehouse/reconciliation/")
    with django_assert_max_num_queries(14):
        response = client.get("/warehouse/reconciliation/", {"sort": "-difference"})
    assert response.content.decode().count('data-testid="reconciliation-row"') == 12


def test_api_report_and_drilldown(org, counted):
    a, pump, valve, motor = counted
    keeper = bearer(org.keeper)
    body = keeper.get("/warehouse/reconciliation/").json()
    assert body["count"] == 1
    (row,) = body["items"]
    assert (
        row["product_code"] == pump.code
        and row["book_quantity"] == "9.000"
        and row["card_quantity"] == "9.000"
    )
    assert row["goods_quantity"] == "7.000" and row["difference"] == "-2.000" and row["differs"] is True
    assert row["counted"] == "8.000"
    everything = keeper.get("/warehouse/reconciliation/", {"show": "all"}).json()
    by_code = {r["product_code"]: r for r in everything["items"]}
    assert by_code[motor.code]["goods_quantity"] is None and by_code[motor.code]["difference"] is None
    assert by_code[valve.code]["difference"] == "0.000" and by_code[valve.code]["differs"] is False
    d = keeper.get(f"/warehouse/reconciliation/{pump.pk}/{a.pk}").json()
    assert d["count"] == 1 and d["moved_since"] == "-1.000" and d["moves"][0]["quantity"] == "-1.000"
    assert [line["counted_quantity"] for line in d["count_lines"]] == ["8.000"]
    assert_error(keeper.get("/warehouse/reconciliation/", {"show": "some"}), 422, "validation_error")
    assert_error(bearer(org.sales1).get("/warehouse/reconciliation/"), 403, "permission_denied")
