"""Role dashboards (issue 7): each role sees its panels and no other's (a salesperson never a
company total nor another's figures), every figure equals the selector behind it, the reads are
bounded, and every panel renders its empty state without data — in English and 中文."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from salesdept.accounts.models import User
from salesdept.billing.selectors.receivables import aging
from salesdept.planning import services as plan_services
from salesdept.planning.selectors import achievement_summary
from salesdept.sales.selectors.contracts import contract_list
from salesdept.stats.selectors import sales_report
from salesdept.stats.services import record_facts
from salesdept.warehouse.selectors.levels import under_min
from salesdept.warehouse.services.stocktakes import stocktake_create
from salesdept.web import dashboards
from tests.billing.fixtures_payments import customer
from tests.billing.fixtures_payments import invoice as bare_invoice
from tests.stats.conftest import fact
from tests.warehouse.fixtures_c import loc, make_product, make_warehouse, receive, rule

D = Decimal
TODAY = datetime.date(2026, 6, 15)
COMPANY = {"sales_vs_plan", "sales_trend", "region_ranking", "receivables_aging", "contracts_waiting"}
MINE = {"my_target", "my_sales", "my_overdue"}
STOCK = {"under_min", "counts_due"}


def client_for(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def chart_spec(html: str, chart_id: str) -> dict:
    found = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no JSON for {chart_id}"
    return json.loads(found.group(1))


@pytest.fixture
def product(org):
    from salesdept.catalog.models import Category, Product

    category, _ = Category.objects.get_or_create(code="dash-test", defaults={"name": "看板测试"})
    return Product.objects.create(
        code="DASH-1", name="看板产品", category=category, list_price=D("100"), tax_rate=D("13")
    )


@pytest.fixture
def sales(org, product):
    """Facts of sales1 (East/Shanghai) and sales3 (South/Guangdong) over this year and last,
    relative to `today`: returns (sales1's customer, sales3's customer)."""

    def make(today):
        a, b = customer(org, org.sales1), customer(org, org.sales3)
        facts = []
        for n, (cust, amount) in enumerate([(a, "1000.00"), (b, "300.00")]):
            for months_back in (0, 1, 5, 12, 13):
                month = dashboards._months_back(today.replace(day=1), months_back)
                day = month.replace(day=min(today.day, 28))
                facts.append(
                    fact(cust, product, day=day, amount=amount, number=f"SO-{n}-{months_back}", line="1")
                )
                facts.append(
                    fact(
                        cust,
                        product,
                        kind="invoiced",
                        day=day,
                        amount=str(D(amount) / 2),
                        number=f"IV-{n}-{months_back}",
                        line="1",
                    )
                )
        record_facts(facts)
        return a, b

    return make


@pytest.fixture
def director2(org):
    user = User.objects.create(username="director2", display_name="Second director")
    user.groups.add(Group.objects.get(name="director"))
    return user


def invoice(org, cust, total, **kwargs):
    """An issued invoice (billing's fixture, which records the facts its posting would: I12)."""
    return bare_invoice(org, cust, total, **kwargs)


def approve_plan(org, director2, year, targets):
    plan = plan_services.plan_create(by=org.director, year=year, title=f"{year} plan", targets=targets)
    plan_services.plan_submit(by=org.director, plan_id=plan.pk)
    plan_services.plan_approve(by=director2, plan_id=plan.pk)
    return plan


# --- who sees which panel -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("director", COMPANY),
        ("sales1", MINE),
        ("manager1", MINE),
        ("regional_east", MINE),
        ("keeper", STOCK),
        # sees every row and reads sales, receivables and contracts; the contracts in review are
        # the director's overview (finance sees those waiting for its own step in its to-dos)
        ("finance", COMPANY - {"contracts_waiting"}),
        ("admin", set()),
    ],
)
def test_each_role_gets_its_panels(org, username, expected):
    assert set(dashboards.panels_for(getattr(org, username))) == expected


def test_a_user_with_several_roles_gets_the_union(org):
    user = org.director
    user.groups.add(Group.objects.get(name="warehouse_keeper"))
    user = User.objects.get(pk=user.pk)  # permissions are cached per instance
    assert set(dashboards.panels_for(user)) == COMPANY | STOCK


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_pages_show_each_roles_panels_and_empty_states_without_data(org, language):
    director = client_for(org.director, language).get("/")
    assert director.status_code == 200
    html = director.content.decode()
    for testid in (
        "sales-vs-plan",
        "sales-trend",
        "region-ranking",
        "receivables-aging",
        "contracts-waiting",
    ):
        assert f'data-testid="panel-{testid}"' in html
    assert 'data-testid="panel-my-sales"' not in html and 'data-testid="panel-under-min"' not in html
    assert html.count('data-testid="empty-state"') >= 4  # trend, ranking, aging, contracts (+ to-dos)
    assert 'data-testid="no-plan"' in html
    assert "echarts.min.js" in html and "charts.js" in html

    sales1 = client_for(org.sales1, language).get("/").content.decode()
    for testid in ("my-target", "my-sales", "my-overdue"):
        assert f'data-testid="panel-{testid}"' in sales1
    for testid in ("sales-vs-plan", "sales-trend", "region-ranking", "receivables-aging", "under-min"):
        assert f'data-testid="panel-{testid}"' not in sales1

    keeper = client_for(org.keeper, language).get("/").content.decode()
    assert 'data-testid="panel-under-min"' in keeper and 'data-testid="panel-counts-due"' in keeper
    assert 'data-testid="panel-sales-trend"' not in keeper and 'data-testid="panel-my-sales"' not in keeper

    admin = client_for(org.admin, language).get("/").content.decode()
    assert "data-chart" not in admin and "echarts.min.js" not in admin  # no panel, no chart library


# --- the figures equal the selectors behind them --------------------------------------------------


def test_director_trend_and_ranking_equal_the_sales_report(org, sales):
    sales(TODAY)
    data = dashboards.director_dashboard(org.director, today=TODAY)
    assert set(data) == COMPANY

    trend = data["sales_trend"]
    months = [r["month"] for r in trend["rows"]]
    assert (
        len(months) == 12
        and months[0] == datetime.date(2025, 6, 1)
        and months[-1] == datetime.date(2026, 5, 1)
    )
    for row in trend["rows"]:
        month = row["month"]
        end = dashboards._month_end(month)
        report = sales_report(
            org.director,
            dimension="channel",
            start=month,
            end=end,
            measures=("ordered_amount", "invoiced_amount"),
            use_totals=False,
        )
        assert row["ordered"] == report.total["ordered_amount"]
        assert row["invoiced"] == report.total["invoiced_amount"]
        assert row["ordered_before"] == report.previous_year["ordered_amount"]
        assert row["invoiced_before"] == report.previous_year["invoiced_amount"]
    # May 2026 (one month back) holds both salespeople's orders; June 2025 (12 back) too
    by_month = {r["month"]: r for r in trend["rows"]}
    assert by_month[datetime.date(2026, 5, 1)]["ordered"] == D("1300.00")
    assert by_month[datetime.date(2026, 5, 1)]["invoiced"] == D("650.00")
    assert by_month[datetime.date(2026, 5, 1)]["ordered_before"] == D("1300.00")  # May 2025 (13 back)
    assert trend["chart"]["series"][0]["data"] == [float(r["ordered"]) for r in trend["rows"]]

    ranking = data["region_ranking"]
    report = sales_report(
        org.director,
        dimension="region",
        start=datetime.date(2026, 1, 1),
        end=TODAY,
        measures=("ordered_amount",),
        use_totals=False,
    )
    assert {r["key"]: r["amount"] for r in ranking["rows"]} == {
        row.key: row.total["ordered_amount"] for row in report.rows
    }
    assert {r["key"]: r["before"] for r in ranking["rows"]} == {
        row.key: row.previous_year["ordered_amount"] for row in report.rows
    }
    assert [r["amount"] for r in ranking["rows"]] == [D("3000.00"), D("900.00")]  # Jan, May, June
    assert ranking["total"] == report.total["ordered_amount"]
    assert ranking["rows"][0]["label"] == str(org.sales1.region)

    # without a plan the sales-vs-plan cards show the ordered amounts of the period
    periods = {p["key"]: p for p in data["sales_vs_plan"]["periods"]}
    assert not data["sales_vs_plan"]["has_plan"]
    assert periods["month"]["actual"] == D("1300.00")
    assert periods["quarter"]["actual"] == D("2600.00")  # May and June
    assert periods["year"]["actual"] == D("3900.00")


def test_aging_and_contracts_equal_their_selectors(org):
    today = timezone.localdate()
    a, b = customer(org, org.sales1), customer(org, org.sales3)
    invoice(org, a, "100.00", due_on=today - datetime.timedelta(days=10))
    invoice(org, a, "50.00", due_on=today - datetime.timedelta(days=100))
    invoice(org, b, "20.00", due_on=today + datetime.timedelta(days=5))
    from salesdept.sales.models import Contract

    Contract.objects.filter(customer=b).update(status="submitted")  # one waits for review

    data = dashboards.director_dashboard(org.director, today=today)
    report = aging(user=org.director, dimension="customer", as_of=today)
    panel = data["receivables_aging"]
    assert {b["key"]: b["amount"] for b in panel["buckets"]} == report.totals.buckets
    assert panel["total"] == report.totals.total == D("170.00")
    assert panel["overdue"] == D("150.00")
    contracts = data["contracts_waiting"]
    waiting = contract_list(user=org.director, filters={"status": "submitted"})
    assert contracts["count"] == waiting.count() == 1
    assert contracts["amount"] == D("20.00")
    assert [c.pk for c in contracts["oldest"]] == [c.pk for c in waiting]

    # sales1's overdue receivables: their own invoices only (sales3's is not due anyway)
    mine = dashboards.dashboard(org.sales1, today=today)["my_overdue"]
    assert mine["total"] == D("150.00")
    assert [c["label"] for c in mine["customers"]] == [a.name]
    sales3 = dashboards.dashboard(org.sales3, today=today)["my_overdue"]
    assert sales3["total"] == D("0.00") and sales3["empty"]


def test_salesperson_sees_only_their_own_figures(org, sales):
    today = timezone.localdate()
    sales(today)
    data = dashboards.dashboard(org.sales1, today=today)
    assert set(data) == MINE
    mine = data["my_sales"]
    report = sales_report(
        org.sales1,
        dimension="salesperson",
        start=today.replace(month=1, day=1),
        end=today.replace(month=12, day=31),
        measures=("ordered_amount",),
    )
    assert [r.key for r in report.rows] == [str(org.sales1.pk)]
    assert mine["total"] == report.total["ordered_amount"]
    assert all(r["amount"] in (D("0.00"), D("1000.00")) for r in mine["rows"])  # never 1300 (company)

    # the page: sales1's figures, not sales3's nor the company's
    html = client_for(org.sales1).get("/").content.decode()
    spec = chart_spec(html, "chart-my-sales")
    assert max(spec["series"][0]["data"]) == 1000.0
    assert "1,300.00" not in html  # the company's month
    assert 'data-testid="panel-region-ranking"' not in html


def test_sales_vs_plan_and_my_target_follow_the_approved_plan(org, sales, director2):
    today = timezone.localdate()
    sales(today)
    approve_plan(
        org,
        director2,
        today.year,
        [
            {"level": "company", "measure": "amount", "year_total": "120000.00"},
            {"level": "salesperson", "subject": org.sales1.pk, "measure": "amount", "year_total": "24000.00"},
        ],
    )
    director = dashboards.director_dashboard(org.director, today=today)["sales_vs_plan"]
    expected = achievement_summary(user=org.director, on=today)
    assert director["has_plan"]
    for period in director["periods"]:
        row = expected[period["key"]]
        assert period["row"] == row
        assert period["actual"] == row["actual"]
        assert row["target"] > 0
    mine = dashboards.dashboard(org.sales1, today=today)["my_target"]
    expected = achievement_summary(user=org.sales1, on=today)
    assert [p["row"] for p in mine["periods"]] == [expected[k] for k in ("month", "quarter", "year")]
    assert mine["periods"][2]["row"]["target"] == D("24000.00")  # their own line, not the company's

    html = client_for(org.sales1, "zh-hans").get("/").content.decode()
    assert 'data-testid="panel-my-target"' in html and 'data-testid="no-plan"' not in html
    assert "24,000.00" in html or "24000.00" in html
    # the target links to its achievement page
    assert reverse("planning:achievement") + f"?year={today.year}&amp;period=year" in html


def test_the_aging_panel_loads_after_the_page_and_only_for_those_who_see_it(org):
    today = timezone.localdate()
    invoice(org, customer(org, org.sales1), "80.00", due_on=today - datetime.timedelta(days=40))
    page = client_for(org.director).get("/").content.decode()
    # the page holds a placeholder that htmx replaces with the panel
    url = reverse("web:dashboard_panel", args=["receivables_aging"])
    assert f'hx-get="{url}"' in page and 'id="aging-table"' not in page

    fragment = client_for(org.director).get(url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "<html" not in html and 'id="aging-table"' in html and "data-loaded" in html
    assert chart_spec(html, "chart-aging")["series"][0]["data"] == [0.0, 0.0, 80.0, 0.0, 0.0]
    assert fragment.context["p"]["total"] == aging(user=org.director, as_of=today).totals.total

    whole = client_for(org.director).get(url)  # without htmx: a page of its own
    assert whole.status_code == 200 and "<html" in whole.content.decode()
    assert client_for(org.sales1).get(url).status_code == 404  # not a company figure for them
    assert client_for(org.director).get(reverse("web:dashboard_panel", args=["nope"])).status_code == 404
    assert Client().get(url).status_code == 302  # sign in first


# --- warehouse -----------------------------------------------------------------------------------


def test_keeper_sees_under_min_stock_and_counts_due(org):
    east = make_warehouse("DASH-E")
    pump, valve = make_product(), make_product()
    receive(loc(east), pump, 4, by=org.keeper)
    receive(loc(east), valve, 40, by=org.keeper)
    rule(pump, east, 10, 50)  # under: order 46
    rule(valve, east, 10, 30)  # fine
    stocktake_create(by=org.keeper, kind="spot", warehouse_id=east.pk, product_ids=[valve.pk])

    data = dashboards.dashboard(org.keeper)
    assert set(data) == STOCK
    panel = data["under_min"]
    assert panel["count"] == under_min(user=org.keeper).count() == 1
    assert [(r.product_id, r.to_order) for r in panel["rows"]] == [(pump.pk, D("46"))]
    counts = data["counts_due"]
    assert counts["open_count"] == 1
    assert [c["warehouse"].pk for c in counts["cycles"]] == [east.pk] and counts["cycles"][0]["share"] >= 1

    html = client_for(org.keeper).get("/").content.decode()
    assert chart_spec(html, "chart-under-min")["categories"] == [pump.code]
    assert 'data-testid="open-stocktakes"' in html


# --- bounded reads -------------------------------------------------------------------------------


def test_director_dashboard_reads_a_bounded_number_of_queries(org, sales, django_assert_max_num_queries):
    sales(TODAY)
    with django_assert_max_num_queries(16):
        first = dashboards.director_dashboard(org.director, today=TODAY)
    # more customers, regions and facts: the same number of queries
    for user in (org.sales5, org.sales6, org.sales4):
        record_facts([fact(customer(org, user), None, day=TODAY, amount="10.00", number=f"X-{user.pk}")])
    with django_assert_max_num_queries(16):
        again = dashboards.director_dashboard(org.director, today=TODAY)
    assert len(again["region_ranking"]["rows"]) > len(first["region_ranking"]["rows"])


def test_the_page_is_a_bounded_number_of_queries_per_role(org, sales, django_assert_max_num_queries):
    sales(timezone.localdate())
    for user, budget in ((org.director, 60), (org.sales1, 50), (org.keeper, 50)):
        client = client_for(user)
        with django_assert_max_num_queries(budget):
            assert client.get("/").status_code == 200


def test_charts_have_a_table_with_the_same_numbers_and_links_to_the_lists(org, sales):
    sales(timezone.localdate())
    html = client_for(org.director).get("/").content.decode()
    spec = chart_spec(html, "chart-trend")
    assert len(spec["categories"]) == 12 and len(spec["series"]) == 4
    assert 'data-chart="chart-trend"' in html and 'id="trend-table"' in html
    assert 'aria-controls="trend-table"' in html  # the Table switch
    assert "/stats/sales/?period=month" in html  # a month's figure opens the statistics report
    assert "/stats/sales/facts/?dimension=region" in html  # a region's figure opens its facts
    regions = chart_spec(html, "chart-regions")
    assert regions["series"][0]["data"] == sorted(regions["series"][0]["data"], reverse=True)
