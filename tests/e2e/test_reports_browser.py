"""The report pack page 统计台账 in Chromium against a real `salesdept demo` server: the director
chooses a month in 中文, sees the pack and downloads it as PDF (a real PDF) and as Excel (read by
content: a sheet a section, the page's totals as numbers); the filter's fields line up, and at
phone width the page does not scroll sideways and no name is squeezed to a character a line. The
same page in English. Screenshots (desktop 1366×900 and phone 390×844): screenshots/reports-*.png."""

import datetime
import re
from decimal import Decimal

import openpyxl
import pytest

from .conftest import DESKTOP, PHONE
from .test_achievement_browser import open_as_director
from .test_platform_browser import assert_fits_width

pytestmark = pytest.mark.browser

PAGE = "/reports/"
# Text cells of the pack's tables narrower than this (px) are names broken a character a line.
NARROW_TEXT_CELLS = """() => [...document.querySelectorAll('[data-testid=pack-table] td:not(.text-end)')]
  .filter(td => td.innerText.trim().length > 1 && td.getBoundingClientRect().width < 50)
  .map(td => td.innerText.trim()).slice(0, 10)"""


def month_before_last(today: datetime.date | None = None) -> str:
    """Two months back (the page's default is the last month that is over): 2026-10 in December."""
    first = (today or datetime.date.today()).replace(day=1)
    last_month = (first - datetime.timedelta(days=1)).replace(day=1)
    month = last_month - datetime.timedelta(days=1)
    return f"{month.year}-{month.month:02d}"


def number(text: str) -> Decimal:
    return Decimal(text.strip().replace(",", "").rstrip("%"))


def open_pack_page(page, language: str) -> None:
    open_as_director(page, PAGE, language)
    page.locator("[data-testid=pack-form]").wait_for()


def show_month(page, label: str) -> None:
    form = page.locator("[data-testid=pack-form]")
    form.locator("select[name=kind]").select_option("monthly")
    form.locator("input[name=period]").fill(label)
    form.locator("[data-testid=pack-show]").click()
    page.wait_for_url(re.compile(rf"period={label}"))
    page.locator("[data-testid=pack-section]").first.wait_for()


def assert_filters_line_up(page) -> None:
    form = page.locator("[data-testid=pack-form]")
    tops = [round(form.locator(f"[name={name}]").bounding_box()["y"]) for name in ("kind", "period")]
    button = round(form.locator("[data-testid=pack-show]").bounding_box()["y"])
    assert abs(tops[0] - tops[1]) <= 1, tops
    assert abs(button - tops[0]) <= 2, (button, tops)


def download(page, testid: str):
    with page.expect_download() as info:
        page.locator(f"[data-testid={testid}]").click()
    return info.value


def test_director_makes_the_monthly_pack_in_chinese_and_downloads_pdf_and_excel(new_page, shoot, demo_server):
    log_before = len(demo_server.output())
    errors = []
    label = month_before_last()
    # given the director, whose browser asks for Chinese, on the report pack page
    page = new_page(DESKTOP, locale="zh-CN")
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_pack_page(page, "zh")
    assert_filters_line_up(page)
    shoot(page, "reports-pack-zh-desktop")

    # when they choose a month and show it
    show_month(page, label)

    # then the month's pack is on the page, in Chinese
    assert page.locator("h1").inner_text().strip() == f"月度统计台账 {label}"
    assert page.locator("[data-testid=pack-meta]").inner_text().startswith(f"{label}-01 – ")
    sections = page.locator("[data-testid=pack-section] h2").all_inner_texts()
    assert len(sections) >= 5 and "分区域销售" in sections, sections
    first_totals = page.locator("[data-testid=pack-section]").first.locator("[data-testid=pack-totals]").first
    totals = first_totals.locator("td").all_inner_texts()
    assert totals[0].strip() == "合计", totals
    assert_filters_line_up(page)
    shoot(page, f"reports-pack-{label}-zh-desktop")

    # when they download the PDF: a PDF of that month
    pdf = download(page, "pack-pdf")
    assert pdf.suggested_filename == f"salesdept-report-{label}.pdf"
    with open(pdf.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"

    # when they download the Excel: a sheet a section, titled in Chinese, the figures numbers
    xlsx = download(page, "pack-xlsx")
    assert xlsx.suggested_filename == f"salesdept-report-{label}.xlsx"
    with open(xlsx.path(), "rb") as file:  # the download's temporary name has no .xlsx
        book = openpyxl.load_workbook(file)
    assert len(book.sheetnames) == len(sections), (book.sheetnames, sections)
    sheet = book.worksheets[0]
    assert sheet["A1"].value == f"月度统计台账 {label} · {sections[0]}"
    total_row = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "合计")
    assert isinstance(total_row[1], int | float), total_row
    # the workbook's total is the page's
    assert round(Decimal(str(total_row[1])), 2) == number(totals[1]), (total_row, totals)

    # at phone width the page does not scroll sideways and names keep their width
    phone = new_page(PHONE, locale="zh-CN")
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    open_pack_page(phone, "zh")
    shoot(phone, "reports-pack-zh-phone")
    show_month(phone, label)
    assert_fits_width(phone)
    assert phone.evaluate(NARROW_TEXT_CELLS) == []
    shoot(phone, f"reports-pack-{label}-zh-phone")

    assert not errors, errors
    log = demo_server.output()[log_before:]
    assert "Traceback" not in log, log[-3000:]


def test_report_pack_in_english_at_desktop_and_phone_width(new_page, shoot):
    label = month_before_last()
    for viewport, width in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = new_page(viewport, locale="en-US")
        open_pack_page(page, "en")
        assert page.locator("h1").inner_text().strip() == "Report pack"
        assert_fits_width(page)
        shoot(page, f"reports-pack-en-{width}")
        show_month(page, label)
        assert page.locator("h1").inner_text().strip() == f"Monthly report pack {label}"
        assert_fits_width(page)
        if viewport is DESKTOP:
            assert_filters_line_up(page)
        else:
            assert page.evaluate(NARROW_TEXT_CELLS) == []
        shoot(page, f"reports-pack-{label}-en-{width}")
