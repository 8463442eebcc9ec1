"""The achievement page's Excel export (?format=xlsx): exactly the table the page shows — the
same filters, scope and order —, figures as numeric cells, the rates as numbers in a percent
format, headers in the reader's language."""

import io
import re
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from .conftest import YEAR
from .test_achievement_views import client_for, row_ids, today_nov_15, world  # noqa: F401

URL = "/planning/achievement/"
QUERY = {"year": YEAR, "period": "month", "index": 11}
HEADERS = ["Region, team, person or category", "Level", "Measure", "Target", "Actual", "Achievement rate"]


def sheet_of(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].endswith('.xlsx"')
    return load_workbook(io.BytesIO(response.content)).active


def test_the_export_is_the_pages_table_with_numbers(world, today_nov_15):  # noqa: F811
    client = client_for(world.org.director)
    page = client.get(URL, {**QUERY, "sort": "-ratio"}).content.decode()
    assert 'data-testid="export-xlsx"' in page and "format=xlsx" in page
    sheet = sheet_of(client.get(URL, {**QUERY, "sort": "-ratio", "format": "xlsx"}))
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    assert header[:6] == HEADERS
    body = rows[1:]
    assert len(body) == len(row_ids(page)) == 11  # every line the page lists, nothing more
    company = next(r for r in body if r[0].value == "Whole company" and r[2].value == "Sales amount")
    target, actual, ratio = company[3], company[4], company[5]
    assert isinstance(target.value, int | float) and D(str(actual.value)) == D("810.05")
    assert isinstance(ratio.value, float) and round(ratio.value, 4) == 0.81 and ratio.number_format == "0.0%"
    # the page's order (-ratio), the line without a target last
    ratios = [r[5].value for r in body]
    assert [x for x in ratios if x is not None] == sorted((x for x in ratios if x is not None), reverse=True)
    assert ratios[-1] is None
    # the figures are what the page shows: its ratios, in its order
    shown = [D(v) for v in re.findall(r'data-testid="ratio">([\d.]+)%', page)]
    assert [round(D(str(x)) * 100, 1) for x in ratios[:-1]] == shown


def test_a_salespersons_export_holds_only_their_lines(world, today_nov_15):  # noqa: F811
    org = world.org
    sheet = sheet_of(client_for(org.sales1).get(URL, {"period": "month", "format": "xlsx"}))
    subjects = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert subjects == [str(org.sales1)] * 2
    values = [v for row in sheet.iter_rows(min_row=2, values_only=True) for v in row]
    assert "Whole company" not in values and str(org.sales3) not in values


def test_the_filters_apply(world, today_nov_15):  # noqa: F811
    client = client_for(world.org.director)
    sheet = sheet_of(
        client.get(URL, {**QUERY, "level": "salesperson", "measure": "amount", "format": "xlsx"})
    )
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [str(world.org.sales1)]


@pytest.mark.parametrize(
    ("language", "headers"),
    [
        ("en", HEADERS),
        ("zh-hans", ["区域、小组、人员或产品类别", "层级", "指标", "目标", "实际", "达成率"]),
    ],
)
def test_headers_in_the_readers_language(world, today_nov_15, language, headers):  # noqa: F811
    sheet = sheet_of(client_for(world.org.director, language).get(URL, {**QUERY, "format": "xlsx"}))
    assert [c.value for c in next(sheet.iter_rows(max_row=1))][:6] == headers


def test_an_unknown_format_shows_the_page_with_a_message(world, today_nov_15):  # noqa: F811
    r = client_for(world.org.director).get(URL, {**QUERY, "format": "pdf"})
    assert r.status_code == 200 and "Choose CSV or XLSX." in r.content.decode()
