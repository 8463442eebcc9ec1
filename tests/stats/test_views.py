"""The sales statistics report page 销售统计报表 (P2) and its drill-down through the test client
(full middleware, real URLs), in English and Chinese: a quarter by region with its months, totals,
year on year (同比) and period on period (环比); sorting; bad input on the fields (400, never 500);
scope per persona; the facts behind a figure with links to their documents; the XLSX export with
numbers as numbers and the totals row; refusal without the permission."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from salesdept.stats.models import Source
from salesdept.stats.services import negated, record_facts
from salesdept.stats.tables import SOURCE_PAGES, percent_change

from .conftest import fact

D = Decimal
QUARTER = {"period": "quarter", "year": "2026", "quarter": "2", "dimension": "region"}


def client_for(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def sales(world):
    """sales1's customer (a, Shanghai) and sales3's (b, Guangdong): Q2 2026, the year before
    (Q2 2025) and the period before (Q1 2026)."""
    a, b = world.customers
    p = world.products[0]
    record_facts(
        [
            fact(a, p, amount="1000.00", number="SO-A", day=datetime.date(2026, 4, 2)),
            fact(a, p, amount="500.00", number="SO-A2", day=datetime.date(2026, 5, 10)),
            fact(b, p, amount="250.50", number="SO-B", day=datetime.date(2026, 5, 3)),
            fact(a, p, amount="400.00", number="SO-LY", day=datetime.date(2025, 4, 9)),
            fact(a, p, amount="300.00", number="SO-Q1", day=datetime.date(2026, 1, 15)),
        ]
    )
    return world


def rows_by_key(response) -> dict:
    return {row.key: row for row in response.context["table"].rows}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_page_renders_with_defaults_in_both_languages(sales, language):
    # when: the page is opened without parameters
    r = client_for(sales.org.director, language).get("/stats/sales/")
    # then: this year by region, ordered amount
    assert r.status_code == 200
    page = r.content.decode()
    assert f'lang="{language}"' in page
    form = r.context["form"]
    assert (form["period"].value(), form["dimension"].value(), form["measure"].value()) == (
        "year",
        "region",
        "ordered_amount",
    )
    assert 'href="/stats/sales/"' in page  # the menu entry
    if language == "zh-hans":
        assert "区域" in page  # the dimension's label, translated
    else:
        assert "Sales statistics" in page


def test_quarter_by_region_shows_months_totals_and_changes(sales):
    a, b = sales.customers
    r = client_for(sales.org.director).get("/stats/sales/", QUARTER)
    assert r.status_code == 200
    table = r.context["table"]
    assert [m.isoformat() for m in table.months] == ["2026-04-01", "2026-05-01", "2026-06-01"]
    rows = rows_by_key(r)
    shanghai, guangdong = rows[str(a.region_id)], rows[str(b.region_id)]
    assert [c.value for c in shanghai.cells] == [D("1000.00"), D("500.00"), D("0.00")]
    assert (shanghai.total, shanghai.previous_year, shanghai.yoy) == (D("1500.00"), D("400.00"), D("275.0"))
    assert (shanghai.previous_period, shanghai.vs_previous) == (D("300.00"), D("400.0"))
    assert (guangdong.total, guangdong.previous_year, guangdong.yoy) == (D("250.50"), D("0.00"), None)
    totals = table.totals
    assert [c.value for c in totals.cells] == [D("1000.00"), D("750.50"), D("0.00")]
    assert (totals.total, totals.previous_year, totals.yoy) == (D("1750.50"), D("400.00"), D("337.6"))
    assert totals.vs_previous == D("483.5")  # (1750.50 − 300) / 300
    page = r.content.decode()
    assert page.count('data-testid="report-row"') == 2 and 'data-testid="report-totals"' in page
    assert "YoY %%" not in page
    for text in ("2026-04", "2026-06", "1,500.00", "1,750.50", "+275.0%", "+337.6%", "—", "YoY %"):
        assert text in page, text
    assert str(sales.org.regions["east-sh"]) in page


def test_month_and_year_have_one_and_twelve_columns(sales):
    client = client_for(sales.org.director)
    month = client.get("/stats/sales/", {"period": "month", "year": "2026", "month": "5"})
    assert len(month.context["table"].months) == 1
    assert month.context["table"].totals.total == D("750.50")
    year = client.get("/stats/sales/", {"period": "year", "year": "2026"})
    assert len(year.context["table"].months) == 12


def test_orders_measure_is_a_whole_number(sales):
    r = client_for(sales.org.director).get("/stats/sales/", {**QUARTER, "measure": "orders"})
    assert r.status_code == 200
    assert r.context["table"].totals.total == 3
    assert r.context["table"].number_format == "0g"


def test_the_totals_row_averages_from_the_sums_not_the_averages(sales):
    r = client_for(sales.org.director).get("/stats/sales/", {**QUARTER, "measure": "average_order"})
    assert r.status_code == 200
    may = r.context["table"].totals.cells[1].value
    assert may == D("375.25")  # (500.00 + 250.50) / 2 orders, not 500.00 + 250.50


def test_rows_sort_by_total_label_and_yoy(sales):
    a, b = sales.customers
    client = client_for(sales.org.director)
    order = {
        sort: [
            row.key for row in client.get("/stats/sales/", {**QUARTER, "sort": sort}).context["table"].rows
        ]
        for sort in ("-total", "total", "yoy", "-yoy")
    }
    big, small = str(a.region_id), str(b.region_id)
    assert order["-total"] == [big, small] and order["total"] == [small, big]
    assert order["yoy"] == [big, small] == order["-yoy"]  # no year before: last either way
    labels = [
        row.label for row in client.get("/stats/sales/", {**QUARTER, "sort": "label"}).context["table"].rows
    ]
    assert labels == sorted(labels)
    # an unknown sort falls back to the largest first
    assert [r.key for r in client.get("/stats/sales/", {**QUARTER, "sort": "x"}).context["table"].rows] == [
        big,
        small,
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"period": "month", "year": "2026", "month": "13"}, "month"),
        ({"period": "range", "start": "2026-05-01", "end": "2026-04-01"}, "end"),
        ({"period": "quarter", "year": "2026", "quarter": "5"}, "quarter"),
        ({"period": "year", "year": "20260"}, "year"),
        ({"period": "range", "start": "not a date", "end": "2026-04-01"}, "start"),
        ({"dimension": "planet"}, "dimension"),
        ({"measure": "happiness"}, "measure"),
    ],
)
def test_bad_input_is_answered_400_with_the_error_on_the_field(sales, query, field):
    r = client_for(sales.org.director).get("/stats/sales/", query)
    assert r.status_code == 400
    assert field in r.context["form"].errors
    page = r.content.decode()
    assert "is-invalid" in page and 'data-testid="empty-state"' in page
    # an export of a bad report is not attempted either
    assert client_for(sales.org.director).get("/stats/sales/", {**query, "format": "xlsx"}).status_code == 400


def test_a_field_the_period_does_not_read_is_ignored(sales):
    r = client_for(sales.org.director).get("/stats/sales/", {**QUARTER, "month": "13", "start": "nonsense"})
    assert r.status_code == 200 and r.context["table"].totals.total == D("1750.50")


def test_a_salesperson_sees_only_their_own_rows(sales):
    org = sales.org
    r = client_for(org.sales1).get("/stats/sales/", {**QUARTER, "dimension": "salesperson"})
    assert r.status_code == 200
    assert list(rows_by_key(r)) == [str(org.sales1.pk)]
    assert r.context["table"].totals.total == D("1500.00")
    assert "SO-B" not in r.content.decode() and str(org.sales3) not in r.content.decode()
    # the drill-down of another salesperson's member shows nothing of theirs
    facts = {
        "dimension": "salesperson",
        "key": str(org.sales3.pk),
        "start": "2026-04-01",
        "end": "2026-06-30",
        "measure": "ordered_amount",
    }
    mine = client_for(org.sales1).get("/stats/sales/facts/", facts)
    assert mine.status_code == 200
    assert "SO-B" not in mine.content.decode() and 'data-testid="empty-state"' in mine.content.decode()
    theirs = client_for(org.director).get("/stats/sales/facts/", facts)
    assert "SO-B" in theirs.content.decode()


def test_a_figure_links_to_the_facts_behind_it(sales):
    a, _b = sales.customers
    client = client_for(sales.org.director)
    shanghai = rows_by_key(client.get("/stats/sales/", QUARTER))[str(a.region_id)]
    april = shanghai.cells[0].url
    assert (
        april.startswith("/stats/sales/facts/?") and "start=2026-04-01" in april and "end=2026-04-30" in april
    )
    assert shanghai.cells[2].url == ""  # June: nothing to list
    page = client.get(april).content.decode()
    assert page.count('data-testid="fact-row"') == 1 and "SO-A" in page and "SO-A2" not in page
    quarter = client.get(shanghai.total_url).content.decode()
    assert quarter.count('data-testid="fact-row"') == 2 and "SO-A2" in quarter and "SO-LY" not in quarter


def test_the_drill_down_links_a_fact_to_its_document(world):
    a, _b = world.customers
    order = fact(a, world.products[0], amount="80.00", number="SO-LINKED", day=datetime.date(2026, 4, 8))
    order.source_id = 4242
    old = fact(
        a,
        world.products[0],
        amount="70.00",
        number="HIS-1",
        day=datetime.date(2026, 4, 9),
        source=Source.HISTORY,
    )
    record_facts([order, old])
    r = client_for(world.org.director).get(
        "/stats/sales/facts/",
        {"dimension": "customer", "key": str(a.pk), "start": "2026-04-01", "end": "2026-04-30"},
    )
    assert r.status_code == 200
    page = r.content.decode()
    assert f'href="{reverse("sales:order_detail", args=[4242])}"' in page
    assert page.count('data-testid="fact-document"') == 1  # the historical line has no page
    assert "HIS-1" in page and a.name in page and world.products[0].name in page
    record_facts(negated([order]))  # no order 4242 exists: I12 (facts = documents) holds again


@pytest.mark.parametrize("source", sorted(SOURCE_PAGES))
def test_every_linked_source_has_a_page(source):
    assert reverse(SOURCE_PAGES[source], args=[1])


def test_the_drill_down_is_paginated(world):
    a, _b = world.customers
    p = world.products[0]
    record_facts(
        [fact(a, p, number=f"SO-P{n:03d}", day=datetime.date(2026, 4, 1 + n % 28)) for n in range(55)]
    )
    query = {"dimension": "region", "key": str(a.region_id), "start": "2026-04-01", "end": "2026-04-30"}
    client = client_for(world.org.director)
    first = client.get("/stats/sales/facts/", query).content.decode()
    assert first.count('data-testid="fact-row"') == 50 and 'data-testid="pagination"' in first
    second = client.get("/stats/sales/facts/", {**query, "page": "2"}).content.decode()
    assert second.count('data-testid="fact-row"') == 5


@pytest.mark.parametrize(
    "query",
    [
        {"dimension": "region", "key": "abc", "start": "2026-04-01", "end": "2026-04-30"},
        {"dimension": "region", "key": "1", "start": "2026-05-01", "end": "2026-04-30"},
        {"dimension": "planet", "key": "1", "start": "2026-04-01", "end": "2026-04-30"},
        {"dimension": "region", "key": "1"},
    ],
)
def test_a_bad_drill_down_is_answered_400(sales, query):
    r = client_for(sales.org.director).get("/stats/sales/facts/", query)
    assert r.status_code == 400 and 'data-testid="facts-errors"' in r.content.decode()


def test_xlsx_export_has_numbers_and_the_totals_row(sales):
    r = client_for(sales.org.director).get("/stats/sales/", {**QUARTER, "format": "xlsx"})
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header == (
        "Region",
        "2026-04",
        "2026-05",
        "2026-06",
        "Total",
        "Year before",
        "YoY %",
        "Period before",
        "vs. period before %",
    )
    assert len(rows) == 1 + 2 + 1
    totals = rows[-1]
    assert totals[0] == "Total"
    for value in totals[1:]:
        assert isinstance(value, int | float) and not isinstance(value, bool), totals
    assert totals[4] == pytest.approx(1750.50) and totals[5] == pytest.approx(400)
    assert totals[6] == pytest.approx(337.6) and totals[8] == pytest.approx(483.5)
    first = rows[1]
    assert first[0] == str(sales.org.regions["east-sh"])
    assert all(isinstance(v, int | float) for v in first[1:6]) and first[4] == pytest.approx(1500)


def test_csv_export_has_the_totals_row(sales):
    r = client_for(sales.org.director).get("/stats/sales/", {**QUARTER, "format": "csv"})
    assert r.status_code == 200
    text = b"".join(r.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[-1][0] == "Total" and rows[-1][4] == "1750.50"


def test_a_role_without_sales_figures_is_refused(sales):
    keeper = client_for(sales.org.keeper)
    assert keeper.get("/stats/sales/").status_code == 403
    assert keeper.get("/stats/sales/facts/", {"dimension": "region", "key": "1"}).status_code == 403
    assert keeper.get("/stats/sales/", {**QUARTER, "format": "xlsx"}).status_code == 403
    assert 'href="/stats/sales/"' not in keeper.get("/").content.decode()


def test_the_report_page_has_a_query_budget(sales, django_assert_max_num_queries):
    client = client_for(sales.org.director)
    client.get("/stats/sales/", QUARTER)  # warm the session and permission caches
    with django_assert_max_num_queries(8):
        assert client.get("/stats/sales/", {**QUARTER, "dimension": "customer"}).status_code == 200


def test_percent_change():
    assert percent_change(D("150"), D("100")) == D("50.0")
    assert percent_change(D("50"), D("150")) == D("-66.7")
    assert percent_change(D("10"), D("0")) is None
    assert percent_change(D("50"), D("-100")) == D("150.0")  # from a net return to a sale: up
