"""GET /api/v1/dashboard (issue 7): the panels of the page as JSON, scoped like the page — the
director's company panels, a salesperson's own, a keeper's stock — every panel computed, amounts
as Decimal strings, no chart specs; 401 without a sign-in."""

import datetime
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from salesdept.stats.selectors import sales_report
from salesdept.warehouse.services.stocktakes import stocktake_create
from salesdept.web import dashboards
from tests.api_helpers import API, assert_error, bearer, session
from tests.billing.fixtures_payments import customer
from tests.warehouse.fixtures_c import loc, make_product, make_warehouse, receive, rule
from tests.web.test_dashboards import COMPANY, MINE, STOCK, invoice, product, sales  # noqa: F401

D = Decimal


def test_director_gets_the_company_panels_with_every_figure(org, sales):  # noqa: F811
    today = timezone.localdate()
    sales(today)
    invoice(org, customer(org, org.sales1), "80.00", due_on=today - datetime.timedelta(days=40))
    response = bearer(org.director).get("/dashboard")
    assert response.status_code == 200, response.content[:500]
    panels = response.json()["panels"]
    assert set(panels) == COMPANY
    assert list(panels) == dashboards.panels_for(org.director)  # the page's order

    expected = dashboards.dashboard(org.director, today=today)
    # the aging is computed here too (the page loads it after itself)
    aging = panels["receivables_aging"]
    assert "deferred" not in aging
    assert aging["total"] == str(expected["receivables_aging"]["total"]) == "80.00"
    trend = panels["sales_trend"]
    ordered = [str(r["ordered"]) for r in expected["sales_trend"]["rows"]]
    assert [r["ordered"] for r in trend["rows"]] == ordered
    assert trend["rows"][0]["month"] == expected["sales_trend"]["rows"][0]["month"].isoformat()
    ranking = panels["region_ranking"]
    assert ranking["total"] == str(expected["region_ranking"]["total"])
    assert [r["key"] for r in ranking["rows"]] == [r["key"] for r in expected["region_ranking"]["rows"]]
    assert all(isinstance(r["amount"], str) for r in ranking["rows"])
    assert all("chart" not in panel for panel in panels.values())  # presentation only
    assert panels["contracts_waiting"]["count"] == 0 and panels["contracts_waiting"]["oldest"] == []


def test_salesperson_gets_only_their_own_figures(org, sales):  # noqa: F811
    today = timezone.localdate()
    sales(today)
    response = session(org.sales1).get("/dashboard")  # the browser's session works as well
    assert response.status_code == 200
    panels = response.json()["panels"]
    assert set(panels) == MINE  # never a company panel
    mine = panels["my_sales"]
    report = sales_report(
        org.sales1,
        dimension="salesperson",
        start=today.replace(month=1, day=1),
        end=today.replace(month=12, day=31),
        measures=("ordered_amount",),
    )
    assert mine["total"] == str(report.total["ordered_amount"])
    assert {r["amount"] for r in mine["rows"]} <= {"0.00", "1000.00"}  # never sales3's 300 nor 1300


def test_keeper_gets_the_stock_panels_with_their_records(org):
    east = make_warehouse("DASH-API")
    pump = make_product()
    receive(loc(east), pump, 4, by=org.keeper)
    rule(pump, east, 10, 50)
    stocktake = stocktake_create(by=org.keeper, kind="spot", warehouse_id=east.pk, product_ids=[pump.pk])
    panels = bearer(org.keeper).get("/dashboard").json()["panels"]
    assert set(panels) == STOCK
    [row] = panels["under_min"]["rows"]
    assert row["product_code"] == pump.code and D(row["to_order"]) == D("46") and D(row["on_hand"]) == D("4")
    assert [s["id"] for s in panels["counts_due"]["open"]] == [stocktake.pk]
    assert panels["counts_due"]["cycles"][0]["warehouse"]["id"] == east.pk


def test_a_user_without_panels_gets_none(org):
    assert bearer(org.admin).get("/dashboard").json() == {"panels": {}}


def test_without_a_sign_in_401(org):
    assert_error(Client().get(f"{API}/dashboard"), 401, "not_authenticated")
