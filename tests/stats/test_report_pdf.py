"""The sales statistics report 销售统计报表 printed (?format=pdf, stats/printing.py): the page's
table — members × months, the totals row, 同比 and 环比 — on A4 landscape in Chinese, with the
period, dimension and measure in the title and who printed it; scoped like the page. The PDFs
are read back with pypdf."""

import datetime
import io

from pypdf import PdfReader

from salesdept.stats.printing import period_label
from salesdept.stats.services import record_facts

from .conftest import fact
from .test_views import QUARTER, client_for, sales  # noqa: F401  (the page's own fixture)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_period_labels():
    d = datetime.date
    assert period_label(d(2026, 1, 1), d(2026, 12, 31)) == "2026"
    assert period_label(d(2026, 4, 1), d(2026, 6, 30)) == "2026 Q2"
    assert period_label(d(2026, 5, 1), d(2026, 5, 31)) == "2026-05"
    assert period_label(d(2026, 2, 1), d(2026, 4, 30)) == "2026-02-01 – 2026-04-30"
    assert period_label(d(2026, 1, 1), d(2026, 3, 15)) == "2026-01-01 – 2026-03-15"


def test_the_pdf_prints_the_page_s_table_in_chinese(sales):  # noqa: F811
    a, b = sales.customers
    r = client_for(sales.org.director, "zh-hans").get("/stats/sales/", {**QUARTER, "format": "pdf"})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert "sales-statistics-20260401-20260630.pdf" in r["Content-Disposition"]
    reader = PdfReader(io.BytesIO(r.content))
    box = reader.pages[0].mediabox
    assert box.width > box.height  # A4 landscape
    text = pdf_text(r.content)
    # the title: report, period, dimension; the column headers; the members and the totals row
    for label in ("销售统计报表", "2026 Q2", "区域", "合计", "同比", "2026-04", "2026-05", "2026-06"):
        assert label in text, label
    assert str(a.region) in text and str(b.region) in text
    # Q2 2026: 1,750.50 (a 1,500.00 + b 250.50); a year before 400.00: +337.6 %; Q1 300.00: +483.5 %
    assert "1,750.50" in text and "1,500.00" in text and "250.50" in text
    assert "+337.6%" in text and "+483.5%" in text
    assert str(sales.org.director) in text  # printed by


def test_a_salesperson_s_pdf_holds_only_their_rows(sales):  # noqa: F811
    org = sales.org
    r = client_for(org.sales1).get("/stats/sales/", {**QUARTER, "dimension": "salesperson", "format": "pdf"})
    assert r.status_code == 200
    text = pdf_text(r.content)
    assert str(org.sales1) in text and "1,500.00" in text
    assert str(org.sales3) not in text and "250.50" not in text and "1,750.50" not in text


def test_a_long_range_prints_the_totals_without_the_month_columns(world):
    a, _b = world.customers
    p = world.products[0]
    record_facts([fact(a, p, amount="10.00", number="SO-1", day=datetime.date(2025, 3, 5))])
    query = {"period": "range", "start": "2024-01-01", "end": "2026-06-30", "dimension": "customer"}
    r = client_for(world.org.director).get("/stats/sales/", {**query, "format": "pdf"})
    assert r.status_code == 200
    text = pdf_text(r.content)
    assert a.name in text and "10.00" in text
    assert "2025-03" not in text  # 30 months: no column each
    assert "too many months" in text


def test_the_page_links_the_pdf_with_its_own_query(sales):  # noqa: F811
    r = client_for(sales.org.director).get("/stats/sales/", QUARTER)
    page = r.content.decode()
    assert 'data-testid="export-pdf"' in page
    assert "period=quarter&amp;year=2026&amp;quarter=2&amp;dimension=region&amp;format=pdf" in page
