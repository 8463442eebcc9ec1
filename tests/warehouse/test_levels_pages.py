"""The stock level pages and API (W4): under minimum, turnover days and slow-moving stock — the
figures of the selectors on the page, in the export and the API, in both languages, with bad
input shown on the form and permissions."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tests.api_helpers import assert_error, bearer

from .fixtures_c import *  # noqa: F403  (the fixtures wh)
from .fixtures_c import issue, loc, make_product, receive, rule

D = Decimal


def client_for(user, lang: str = "en") -> Client:
    client = Client(headers={"accept-language": lang})
    client.force_login(user)
    return client


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


@pytest.fixture
def levels(org, wh):
    """pump: 6 accepted of min 10 / max 50 (order 44), last issued 120 days ago;
    valve: 20 of min 10, issued 3 days ago (10 days ago 30 came in, then 10 out)."""
    east, west = wh
    today = timezone.localdate()
    pump, valve = make_product("液压泵甲"), make_product("高压阀门乙")
    receive(loc(east), pump, 10, "10.00", by=org.keeper, on=today - datetime.timedelta(days=200))
    issue(loc(east), pump, 4, by=org.keeper, on=today - datetime.timedelta(days=120))
    receive(loc(east), valve, 30, "2.00", by=org.keeper, on=today - datetime.timedelta(days=10))
    issue(loc(east), valve, 10, by=org.keeper, on=today - datetime.timedelta(days=3))
    rule(pump, east, 10, 50)
    rule(valve, east, 10, 40)
    return east, west, pump, valve


@pytest.mark.parametrize("lang, word", [("en", "Under minimum"), ("zh-hans", "导出 CSV")])
def test_under_min_page(org, levels, lang, word):
    east, west, pump, valve = levels
    response = client_for(org.keeper, lang).get("/warehouse/levels/")
    assert response.status_code == 200
    html = response.content.decode()
    assert word in html and html.count('data-testid="under-min-row"') == 1 and "液压泵甲" in html
    assert ">44 <" in html.replace("\n", "")
    every = client_for(org.keeper).get("/warehouse/levels/", {"all": "on"}).content.decode()
    assert every.count('data-testid="under-min-row"') == 2
    rows = csv_rows(client_for(org.keeper).get("/warehouse/levels/", {"format": "csv"}))
    assert len(rows) == 2 and rows[1][1] == pump.code and rows[1][-1] == "44.000"
    empty = client_for(org.keeper).get("/warehouse/levels/", {"warehouse": west.pk}).content.decode()
    assert 'data-testid="empty-state"' in empty


@pytest.mark.parametrize("lang, word", [("en", "Turnover days"), ("zh-hans", "导出 CSV")])
def test_turnover_page(org, levels, lang, word):
    """The last 10 days: the valve's 30 came in the day before them: opening 30, closing 20,
    average 25, issued 10 → 1 a day → 25.0 days; pump: 6 all along, nothing issued."""
    east, west, pump, valve = levels
    today = timezone.localdate()
    query = {"date_from": (today - datetime.timedelta(days=9)).isoformat(), "date_to": today.isoformat()}
    response = client_for(org.keeper, lang).get("/warehouse/levels/turnover/", query)
    assert response.status_code == 200
    html = response.content.decode()
    assert word in html and html.count('data-testid="turnover-row"') == 2
    rows = {
        r[0]: r
        for r in csv_rows(
            client_for(org.keeper).get("/warehouse/levels/turnover/", {**query, "format": "csv"})
        )[1:]
    }
    assert rows[valve.code][3:] == ["30.000", "20.000", "25.000", "10.000", "1.000", "25.0"]
    assert rows[pump.code][-1] == ""
    bad = client_for(org.keeper).get(
        "/warehouse/levels/turnover/", {"date_from": "2026-05-01", "date_to": "2026-04-01"}
    )
    assert "The end date must not be before the start date." in bad.content.decode()
    assert (
        client_for(org.keeper)
        .get("/warehouse/levels/turnover/", {"date_from": "x", "format": "csv"})
        .status_code
        == 400
    )


@pytest.mark.parametrize("lang, word", [("en", "Slow-moving stock"), ("zh-hans", "导出 CSV")])
def test_slow_moving_page(org, levels, lang, word):
    east, west, pump, valve = levels
    response = client_for(org.keeper, lang).get("/warehouse/levels/slow-moving/")
    assert response.status_code == 200
    html = response.content.decode()
    assert word in html and html.count('data-testid="slow-row"') == 1 and "液压泵甲" in html
    rows = csv_rows(client_for(org.keeper).get("/warehouse/levels/slow-moving/", {"format": "csv"}))
    assert rows[1][0] == pump.code and rows[1][3:5] == ["6.000", "60.00"] and rows[1][-1] == "120"
    more = client_for(org.keeper).get("/warehouse/levels/slow-moving/", {"days": "2"}).content.decode()
    assert more.count('data-testid="slow-row"') == 2
    bad = client_for(org.keeper).get("/warehouse/levels/slow-moving/", {"days": "0"}).content.decode()
    assert "is-invalid" in bad


def test_level_pages_sort_and_total(org, levels):
    east, west, pump, valve = levels
    client = client_for(org.keeper)
    html = client.get("/warehouse/levels/", {"all": "on", "sort": "-to_order"}).content.decode()
    assert html.index(f'data-product="{pump.code}"') < html.index(f'data-product="{valve.code}"')  # 44 > 20
    html = client.get("/warehouse/levels/", {"all": "on", "sort": "to_order"}).content.decode()
    assert html.index(f'data-product="{valve.code}"') < html.index(f'data-product="{pump.code}"')
    html = client.get("/warehouse/levels/slow-moving/", {"days": "2", "sort": "-value"}).content.decode()
    assert html.index(f'data-product="{pump.code}"') < html.index(f'data-product="{valve.code}"')  # 60 > 40
    assert 'data-testid="slow-totals"' in html and "100.00" in html
    html = client.get("/warehouse/levels/turnover/", {"sort": "-turnover_days"}).content.decode()
    assert 'data-testid="turnover-row"' in html and "is-invalid" not in html
    bad = client.get("/warehouse/levels/", {"sort": "price"}).content.decode()
    assert "Please correct the filters." in bad and 'data-testid="under-min-row"' not in bad


def test_level_pages_permissions(org, levels):
    seller = client_for(org.sales1)
    for url in ("/warehouse/levels/", "/warehouse/levels/turnover/", "/warehouse/levels/slow-moving/"):
        assert seller.get(url).status_code == 403
        assert client_for(org.auditor).get(url).status_code == 200


def test_api_levels(org, levels):
    east, west, pump, valve = levels
    keeper = bearer(org.keeper)
    body = keeper.get("/warehouse/levels/under-min").json()
    assert (
        body["count"] == 1
        and body["items"][0]["to_order"] == "44.000"
        and body["items"][0]["on_hand"] == "6.000"
    )
    assert keeper.get("/warehouse/levels/under-min", {"all": "true"}).json()["count"] == 2
    today = timezone.localdate()
    turnover = keeper.get(
        "/warehouse/levels/turnover",
        {"date_from": (today - datetime.timedelta(days=9)).isoformat(), "date_to": today.isoformat()},
    ).json()
    by_code = {r["product_code"]: r for r in turnover["items"]}
    assert by_code[valve.code]["turnover_days"] == "25.0" and by_code[pump.code]["turnover_days"] is None
    slow = keeper.get("/warehouse/levels/slow-moving", {"days": 90}).json()
    assert [(r["product_code"], r["value"], r["idle_days"]) for r in slow["items"]] == [
        (pump.code, "60.00", 120)
    ]
    assert_error(keeper.get("/warehouse/levels/slow-moving", {"days": 0}), 422, "validation_error")
    assert_error(
        keeper.get("/warehouse/levels/turnover", {"date_from": "2026-05-01", "date_to": "2026-04-01"}),
        400,
        "invalid",
    )
    assert_error(bearer(org.sales1).get("/warehouse/levels/turnover"), 403, "permission_denied")
    assert_error(
        keeper.get("/warehouse/levels/under-min", {"warehouse": 999999}), 400, "invalid", {"warehouse"}
    )
