"""The report pack 统计台账 as files and as a page: the PDF read back with pypdf (Chinese labels,
the totals, only the user's own figures for a salesperson), `salesdept report` writing the files
and refusing a bad period or user, and /reports/ (the form, the preview, the downloads, bad
input, the permission). PDFs take a moment each: few of them here."""

import io

from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from salesdept.cli import main

from .conftest import client_for

MONTH = {"kind": "monthly", "period": "2026-10"}


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


# --- the page -----------------------------------------------------------------------------------


def test_the_page_offers_the_last_month_and_is_in_the_menu(sales):
    r = client_for(sales.org.director).get("/reports/")
    assert r.status_code == 200
    page = r.content.decode()
    assert 'href="/reports/"' in page  # the menu entry
    form = r.context["form"]
    assert form["kind"].value() == "monthly" and form["period"].value()
    assert r.context["pack"] is None


def test_the_page_shows_the_pack_and_links_the_downloads(sales):
    r = client_for(sales.org.director).get("/reports/", MONTH)
    assert r.status_code == 200
    page = r.content.decode()
    assert 'data-key="region"' in page and "1,734.56" in page
    assert "format=pdf" in page and "format=xlsx" in page
    assert sales.customers[0].name in page


def test_the_page_downloads_the_workbook(sales):
    r = client_for(sales.org.director).get("/reports/", {**MONTH, "format": "xlsx"})
    assert r.status_code == 200
    assert r["Content-Disposition"] == 'attachment; filename="salesdept-report-2026-10.xlsx"'
    book = load_workbook(io.BytesIO(r.content))
    assert "Sales by region" in book.sheetnames


def test_a_bad_period_on_the_page_answers_400_naming_it(sales):
    r = client_for(sales.org.director).get(
        "/reports/", {"kind": "monthly", "period": "2026-13", "format": "pdf"}
    )
    assert r.status_code == 400
    assert r["Content-Type"].startswith("text/html")
    assert "not a month" in r.context["form"].errors["period"][0]
    r = client_for(sales.org.director).get("/reports/", {"kind": "weekly", "period": "2026-10"})
    assert r.status_code == 400 and "kind" in r.context["form"].errors


def test_without_the_statistics_permission_the_page_is_refused(sales):
    keeper = client_for(sales.org.keeper)
    assert keeper.get("/reports/", MONTH).status_code == 403
    assert keeper.get("/reports/", {**MONTH, "format": "xlsx"}).status_code == 403
    assert 'href="/reports/"' not in keeper.get("/").content.decode()


# --- the PDF ------------------------------------------------------------------------------------


def test_the_pdf_prints_chinese_labels_and_the_totals(sales):
    a, b = sales.customers
    r = client_for(sales.org.director, "zh-hans").get(reverse("reports:pack"), {**MONTH, "format": "pdf"})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert "salesdept-report-2026-10.pdf" in r["Content-Disposition"]
    reader = PdfReader(io.BytesIO(r.content))
    box = reader.pages[0].mediabox
    assert box.width > box.height  # A4 landscape
    text = pdf_text(r.content)
    for label in ("区域", "销售员", "合计", "客户", "2026-10"):
        assert label in text, label
    assert a.name in text and b.name in text
    assert "1,734.56" in text and "1,234.56" in text and "333.6%" in text


def test_a_salesperson_s_pdf_holds_only_their_figures(sales):
    a, b = sales.customers
    r = client_for(sales.org.sales1).get("/reports/", {**MONTH, "format": "pdf"})
    assert r.status_code == 200
    text = pdf_text(r.content)
    assert a.name in text and "1,234.56" in text
    assert b.name not in text and "1,734.56" not in text and "500.00" not in text
    assert str(sales.org.sales3) not in text


# --- the command line ---------------------------------------------------------------------------


def test_the_command_writes_the_files(sales, tmp_path, capsys):
    out = tmp_path / "packs"
    assert main(["report", "monthly", "2026-10", "--out", str(out), "--user", "director"]) == 0
    pdf, xlsx = out / "salesdept-report-2026-10.pdf", out / "salesdept-report-2026-10.xlsx"
    assert pdf.is_file() and xlsx.is_file()
    assert "Wrote" in capsys.readouterr().out
    assert "1,734.56" in pdf_text(pdf.read_bytes())
    book = load_workbook(xlsx)
    assert book.sheetnames[0] == "Sales by region"
    # a quarter, as Excel only, for the only director when no user is named
    assert main(["report", "quarterly", "2026-Q4", "--out", str(out), "--format", "xlsx"]) == 0
    assert (out / "salesdept-report-2026-Q4.xlsx").is_file()
    assert not (out / "salesdept-report-2026-Q4.pdf").exists()


def test_the_command_refuses_a_bad_period_or_user(sales, tmp_path, capsys):
    assert main(["report", "monthly", "2026-13", "--out", str(tmp_path), "--user", "director"]) == 2
    err = capsys.readouterr().err
    assert "2026-13" in err and "not a month" in err
    assert main(["report", "quarterly", "2026-Q5", "--out", str(tmp_path)]) == 2
    assert "not a quarter" in capsys.readouterr().err
    assert main(["report", "yearly", "2026", "--out", str(tmp_path), "--user", "nobody"]) == 2
    assert "no active user named 'nobody'" in capsys.readouterr().err
    assert (
        main(["report", "yearly", "2026", "--out", str(tmp_path), "--user", "keeper", "--format", "xlsx"])
        == 2
    )
    assert "may not see" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_command_needs_a_user_when_there_is_not_one_director(sales, tmp_path, capsys):
    from django.contrib.auth.models import Group

    from salesdept.accounts.models import User

    User.objects.create(username="director2").groups.add(Group.objects.get(name="director"))
    assert main(["report", "yearly", "2026", "--out", str(tmp_path), "--format", "xlsx"]) == 2
    assert "--user is required" in capsys.readouterr().err
