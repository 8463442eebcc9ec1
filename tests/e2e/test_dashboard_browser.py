"""The director's dashboard (issue 7) in Chromium against a real `salesdept demo` server, in 中文:
the ECharts charts draw, a chart's "Table" switch shows the same figures as a table, and the page
fits a phone; from a figure the director opens the statistics report, switches it to quarterly by
region and downloads the Excel (numbers stay numbers). Screenshots (desktop 1366×900 and phone
390×844) go to screenshots/."""

import re

import openpyxl
import pytest

from .conftest import DESKTOP, PHONE
from .test_platform_browser import sign_in

pytestmark = pytest.mark.browser

PANELS = ("sales-vs-plan", "sales-trend", "region-ranking", "receivables-aging", "contracts-waiting")


def open_dashboard(page) -> None:
    sign_in(page, "director")
    page.wait_for_url(re.compile(r"/$"))
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    for panel in PANELS:
        page.locator(f"[data-testid=panel-{panel}]").wait_for()
    # ECharts drew the trend on a canvas, and the table moved out of sight (kept for screen readers)
    page.locator("[data-testid=panel-sales-trend] [data-chart] canvas").first.wait_for()
    # the aging panel arrives after the page (htmx) and draws its chart too
    page.locator("[data-testid=panel-receivables-aging][data-loaded] [data-chart] canvas").first.wait_for()
    page.wait_for_function(
        "() => document.querySelector('#trend-table').classList.contains('visually-hidden')"
    )


def test_director_dashboard_in_chinese_draws_charts_and_switches_to_tables(new_page, shoot, demo_server):
    log_before = len(demo_server.output())
    # given the director, whose browser asks for Chinese
    page = new_page(DESKTOP, locale="zh-CN")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # when they open the dashboard
    open_dashboard(page)

    # then every chart is drawn
    charts = page.locator("[data-chart]")
    assert charts.count() >= 3
    for i in range(charts.count()):
        assert charts.nth(i).locator("canvas").count() >= 1, f"chart {i} was not drawn"
    shoot(page, "dashboard-director-zh-desktop")

    # when they switch the trend card to its table
    trend = page.locator("[data-testid=panel-sales-trend]")
    toggle = trend.locator("[data-testid=chart-toggle]")
    toggle.click()

    # then the table shows (12 months) and the chart hides; the switch says it is pressed
    table = trend.locator("[data-testid=trend-table]")
    table.wait_for(state="visible")
    assert table.locator("tbody tr").count() == 12
    assert not trend.locator("[data-chart]").is_visible()
    assert toggle.get_attribute("aria-pressed") == "true"
    # a month's figure links to the statistics report behind it
    assert "/stats/sales/?period=month" in table.locator("tbody a").first.get_attribute("href")
    shoot(page, "dashboard-director-zh-table-desktop")

    # and back to the chart
    toggle.click()
    trend.locator("[data-chart] canvas").first.wait_for(state="visible")
    assert toggle.get_attribute("aria-pressed") == "false"

    # at phone width the page fits the screen and the charts are redrawn to it
    phone = new_page(PHONE, locale="zh-CN")
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    open_dashboard(phone)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    width = phone.locator("[data-testid=panel-sales-trend] [data-chart] canvas").first.bounding_box()["width"]
    assert 0 < width <= PHONE["width"]
    shoot(phone, "dashboard-director-zh-phone")
    phone.locator("[data-testid=panel-region-ranking] [data-testid=chart-toggle]").click()
    phone.locator("[data-testid=regions-table]").wait_for(state="visible")
    shoot(phone, "dashboard-director-zh-table-phone")

    # when the director goes from the dashboard to the statistics report, makes it quarterly by
    # region and downloads the Excel
    page.locator("[data-testid=panel-sales-trend] [data-testid=chart-toggle]").click()
    page.locator("[data-testid=trend-table] tbody a").first.click()
    page.wait_for_url(re.compile(r"/stats/sales/"))
    filters = page.locator("[data-testid=report-filters]")
    filters.locator("select[name=period]").select_option("quarter")
    filters.locator("select[name=dimension]").select_option("region")
    filters.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"period=quarter"))
    assert "dimension=region" in page.url
    # then the table has the quarter's three months, by region, in Chinese
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "区域" in page.locator("table").first.inner_text()
    shoot(page, "stats-quarter-by-region-zh-desktop")
    with page.expect_download() as download:
        page.locator("[data-testid=export-xlsx]").click()
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(path, "rb") as file:  # the download's temporary name has no .xlsx (openpyxl reads by name)
        sheet = openpyxl.load_workbook(file).active
    # the header, then one row per region and the totals row: the first month's figures are numbers
    firsts = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert len(firsts) >= 2 and all(isinstance(v, int | float) for v in firsts), firsts[:10]

    assert not errors, errors
    log = demo_server.output()[log_before:]
    assert "Traceback" not in log, log[-3000:]
