"""The ledger pages: trial balance (period picker, totals, CSV/XLSX with numeric cells), journal,
account ledger, customer and product ledgers with their search boxes, and the periods page with
its two-step close — for finance, the director and the auditor; 403 for everyone else; in
English and 简体中文, at phone width."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from salesdept.ledger import codes
from salesdept.ledger.models import Period

from .conftest import issue, receive

D = Decimal


def client_for(user, lang: str = "en") -> Client:
    client = Client(headers={"accept-language": lang})
    client.force_login(user)
    return client


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def stocked(org, wh, goods, customer):
    receive(org, wh.a1, goods, 10, unit_cost="10.00")
    issue(org, wh.a1, goods, 4, to=customer)
    return goods, customer


PAGES = ["/ledger/", "/ledger/journal/", f"/ledger/accounts/{codes.INVENTORY}/", "/ledger/customers/",
         "/ledger/products/", "/ledger/periods/"]  # fmt: skip


@pytest.mark.parametrize("url", PAGES)
def test_pages_are_for_finance_director_and_auditor_only(org, stocked, url):
    for user in (org.finance, org.director, org.auditor):
        assert client_for(user).get(url).status_code == 200, (user, url)
    for user in (org.sales1, org.manager1, org.clerk, org.keeper):
        assert client_for(user).get(url).status_code == 403, (user, url)
    assert Client().get(url).status_code == 302  # to the sign-in page


@pytest.mark.parametrize(
    "lang, words",
    [("en", ["Trial balance", "Debits equal credits", "Opening balance", "Export XLSX"]),
     ("zh-hans", ["导出 CSV", "导出 XLSX"])],
)  # fmt: skip
def test_trial_balance_page(org, stocked, lang, words):
    html = client_for(org.finance, lang).get("/ledger/").content.decode()
    assert f'lang="{lang}"' in html
    for word in words:
        assert word in html
    assert html.count('data-testid="tb-row"') == 3  # 1405, 2202, 6401
    assert 'data-testid="tb-total-debit">140.00<' in html and 'data-testid="tb-total-credit">140.00<' in html
    assert f'href="/ledger/accounts/{codes.INVENTORY}/?date_from=' in html
    assert "d-none d-md-table-cell" in html  # the opening columns fold away on a phone


def test_trial_balance_bad_month_is_400_and_refuses_export(org, stocked):
    client = client_for(org.finance)
    response = client.get("/ledger/", {"month": "2026-13"})
    assert response.status_code == 400 and "Enter a month as YYYY-MM." in response.content.decode()
    assert client.get("/ledger/", {"month": "2026-13", "format": "csv"}).status_code == 400
    assert client.get("/ledger/", {"format": "pdf"}).status_code == 400


def test_trial_balance_export_is_numeric(org, stocked):
    client = client_for(org.finance)
    rows = csv_rows(client.get("/ledger/", {"format": "csv"}))
    assert rows[0][:3] == ["Account code", "Account", "Opening debit"]
    assert [r[0] for r in rows[1:]] == [codes.INVENTORY, codes.PAYABLE, codes.COST_OF_SALES, ""]
    assert rows[-1][1] == "Total" and rows[-1][4] == rows[-1][5] == "140.00"
    response = client.get("/ledger/", {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][0] == codes.INVENTORY
    assert isinstance(values[1][4], int | float) and values[1][4] == 100 and values[1][5] == 40
    assert values[-1][1] == "Total" and values[-1][4] == values[-1][5] == 140


def test_journal_page_filters_and_export(org, stocked):
    goods, customer = stocked
    client = client_for(org.finance)
    html = client.get("/ledger/journal/").content.decode()
    assert html.count('data-testid="journal-entry"') == 2 and html.count('data-testid="journal-line"') == 4
    assert "WH-" in html
    html = client.get("/ledger/journal/", {"account": codes.PAYABLE}).content.decode()
    assert html.count('data-testid="journal-entry"') == 1
    html = client.get("/ledger/journal/", {"q": "no such document"}).content.decode()
    assert "No entries match these filters." in html
    response = client.get("/ledger/journal/", {"source_type": "bogus"})
    assert response.status_code == 200 and 'data-testid="empty-state"' in response.content.decode()
    assert client.get("/ledger/journal/", {"source_type": "bogus", "format": "csv"}).status_code == 400
    rows = csv_rows(client.get("/ledger/journal/", {"format": "csv"}))
    assert len(rows) == 5 and rows[0][-2:] == ["Debit", "Credit"]
    assert sorted(r[5] for r in rows[1:]) == sorted(
        [codes.INVENTORY, codes.PAYABLE, codes.INVENTORY, codes.COST_OF_SALES]
    )
    sheet = load_workbook(io.BytesIO(client.get("/ledger/journal/", {"format": "xlsx"}).content)).active
    amounts = [r[9] or r[10] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(a, int | float) for a in amounts) and sorted(amounts) == [40, 40, 100, 100]


def test_account_ledger_page(org, stocked):
    goods, customer = stocked
    client = client_for(org.finance)
    html = client.get(f"/ledger/accounts/{codes.INVENTORY}/").content.decode()
    assert html.count('data-testid="ledger-row"') == 2
    assert 'data-testid="ledger-closing">60.00<' in html
    html = client.get(f"/ledger/accounts/{codes.COST_OF_SALES}/", {"customer": customer.pk}).content.decode()
    assert html.count('data-testid="ledger-row"') == 1 and customer.name in html
    assert client.get("/ledger/accounts/0000/").status_code == 404
    rows = csv_rows(client.get(f"/ledger/accounts/{codes.INVENTORY}/", {"format": "csv"}))
    assert [r[-1] for r in rows[1:]] == ["100.00", "60.00"]


def test_customer_ledger_page_with_search(org, stocked):
    goods, customer = stocked
    client = client_for(org.finance, "zh-hans")
    html = client.get("/ledger/customers/").content.decode()
    assert 'data-testid="empty-state"' in html and 'lang="zh-hans"' in html
    html = client.get("/ledger/customers/", {"q": customer.name[:8]}).content.decode()
    assert f'href="?customer={customer.pk}' in html
    response = client.get("/ledger/customers/", {"customer": customer.pk})
    assert response.status_code == 200 and customer.name in response.content.decode()
    assert client.get("/ledger/customers/", {"customer": customer.pk + 999}).status_code == 404
    assert client.get("/ledger/customers/", {"format": "csv"}).status_code == 400
    assert (
        csv_rows(client.get("/ledger/customers/", {"customer": customer.pk, "format": "csv"}))[0][0] == "日期"
    )


def test_product_ledger_page(org, stocked):
    goods, customer = stocked
    client = client_for(org.auditor)
    html = client.get("/ledger/products/", {"q": goods.code}).content.decode()
    assert f'href="?product={goods.pk}' in html
    html = client.get("/ledger/products/", {"product": goods.pk}).content.decode()
    assert html.count('data-testid="ledger-row"') == 3 and 'data-testid="ledger-closing">60.00<' in html
    html = client.get("/ledger/products/", {"q": "没有这种东西"}).content.decode()
    assert 'data-testid="pick-none"' in html


def test_periods_page_closes_a_month_in_two_steps(org):
    client = client_for(org.finance)
    html = client.get("/ledger/periods/").content.decode()
    assert 'data-testid="close-form"' in html and "No month is closed yet." in html
    response = client.post("/ledger/periods/", {"month": "2026-10"})
    assert response.status_code == 200 and 'data-testid="close-confirm"' in response.content.decode()
    assert not Period.objects.exists()  # asked, not yet closed
    response = client.post("/ledger/periods/", {"month": "2026-10", "confirm": "yes"})
    assert (
        response.status_code == 302
        and Period.objects.filter(year=2026, month=10, closed_by=org.finance).exists()
    )
    html = client.get("/ledger/periods/").content.decode()
    assert 'data-period="2026-10"' in html
    response = client.post("/ledger/periods/", {"month": "2026-10", "confirm": "yes"})
    assert response.status_code == 409 and "already closed" in response.content.decode()
    response = client.post("/ledger/periods/", {"month": "2026-99", "confirm": "yes"})
    assert response.status_code == 400 and "Enter a month as YYYY-MM." in response.content.decode()
    assert Period.objects.count() == 1


def test_periods_page_is_read_only_for_the_auditor(org):
    client = client_for(org.auditor)
    html = client.get("/ledger/periods/").content.decode()
    assert 'data-testid="close-form"' not in html
    assert client.post("/ledger/periods/", {"month": "2026-10", "confirm": "yes"}).status_code == 403
    assert (
        client_for(org.director).post("/ledger/periods/", {"month": "2026-10", "confirm": "yes"}).status_code
        == 403
    )
    assert not Period.objects.exists()
