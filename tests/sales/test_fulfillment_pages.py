"""S5 through HTTP: the 合同履行一览表 page and API, the overview, the statistics, the exports
(numbers stay numbers, totals row) and the statement PDF (Chinese product names), per role."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.api_helpers import assert_error, bearer, session

from .fixtures_fulfillment import make_contract, make_customer, make_order, make_product

D = Decimal
YEAR = 2026


@pytest.fixture
def book(org):
    """Contracts of sales1 (east-sh), sales2 (east-js, same team) and sales3 (south, other team)."""
    p1, p2 = make_product(name="数控车床"), make_product(name="液压泵")
    made = {}
    for name, month in (("sales1", 2), ("sales2", 3), ("sales3", 5)):
        owner = org.people[name]
        c = make_contract(
            owner=owner,
            customer=make_customer(owner=owner),
            signed_on=datetime.date(YEAR, month, 10),
            lines=[(p1, 10, "1000.00"), (p2, 3, "99.90")],
            milestones=[(30, datetime.date(YEAR, month, 20)), (70, None)],
            deliveries=[(0, datetime.date(YEAR + 1, 1, 10), 10)],
        )
        make_order(c, lines=[(c.made_lines[0], 4)])
        made[name] = c
    make_contract(owner=org.sales1, status="draft", lines=[(p1, 1, "5.00")])  # not in the list
    return made


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:500]
    return {row["id"] for row in response.json()["items"]}


ROLE_SEES = {
    "sales1": {"sales1"},
    "sales2": {"sales2"},
    "manager1": {"sales1", "sales2"},
    "regional_east": {"sales1", "sales2"},
    "manager2": {"sales3"},
    "director": {"sales1", "sales2", "sales3"},
    "finance": {"sales1", "sales2", "sales3"},
    "sales3": {"sales3"},
    "auditor": {"sales1", "sales2", "sales3"},
}


@pytest.mark.parametrize("role", sorted(ROLE_SEES))
def test_scope_per_role_list_overview_statistics(org, book, role):
    user = org.people[role]
    api = bearer(user)
    want = {book[name].pk for name in ROLE_SEES[role]}
    assert ids(api.get("/fulfillment/", {"page_size": 200})) == want
    for name, contract in book.items():
        r = api.get(f"/fulfillment/{contract.pk}")
        assert r.status_code == (200 if contract.pk in want else 404), (role, name)
    stats = api.get("/fulfillment/statistics", {"period": "year", "year": YEAR, "dimension": "salesperson"})
    assert stats.status_code == 200
    assert stats.json()["totals"]["signed"] == len(want)
    assert D(stats.json()["totals"]["amount"]) == sum((book[n].total_amount for n in ROLE_SEES[role]), D(0))


def test_clerk_sees_all_keeper_is_refused(org, book):
    assert ids(bearer(org.clerk).get("/fulfillment/", {"page_size": 200})) == {c.pk for c in book.values()}
    keeper = bearer(org.keeper)  # no sales.view_contract
    assert_error(keeper.get("/fulfillment/"), 403, "permission_denied")
    assert_error(keeper.get(f"/fulfillment/{book['sales1'].pk}"), 403, "permission_denied")
    assert_error(keeper.get("/fulfillment/statistics"), 403, "permission_denied")
    assert session(org.keeper).client.get("/sales/fulfillment/").status_code == 403


def test_overview_json(org, book):
    c = book["sales1"]
    body = bearer(org.sales1).get(f"/fulfillment/{c.pk}").json()
    assert body["number"] == c.number and body["state"] in ("in_progress", "overdue")
    first = body["lines"][0]
    assert first["product_name"] == "数控车床"
    assert D(first["contracted_qty"]) == 10 and D(first["ordered_qty"]) == 4
    assert D(first["ordered_amount"]) == D("4000.00") and D(first["shipped_qty"]) == 0
    assert [m["state"] for m in body["milestones"]][1] == "not_yet_due"
    assert D(body["totals"]["outstanding_amount"]) == c.total_amount
    assert isinstance(body["totals"]["contracted_amount"], str)  # Decimal as a string, never a float


def test_list_filters_and_bad_filter(org, book):
    api = bearer(org.director)
    assert ids(api.get("/fulfillment/", {"owner": org.sales3.pk})) == {book["sales3"].pk}
    assert ids(api.get("/fulfillment/", {"region": org.regions["east"].pk})) == {
        book["sales1"].pk,
        book["sales2"].pk,
    }
    got = ids(api.get("/fulfillment/", {"signed_from": f"{YEAR}-03-01", "signed_to": f"{YEAR}-04-30"}))
    assert got == {book["sales2"].pk}
    assert ids(api.get("/fulfillment/", {"customer": book["sales1"].customer_id})) == {book["sales1"].pk}
    assert ids(api.get("/fulfillment/", {"state": "fulfilled"})) == set()
    rows = api.get("/fulfillment/", {"sort": "amount"}).json()["items"]
    assert [D(r["total_amount"]) for r in rows] == sorted(D(r["total_amount"]) for r in rows)
    assert_error(api.get("/fulfillment/", {"sort": "nonsense"}), 400, "invalid", {"sort"})
    assert_error(api.get("/fulfillment/", {"state": "nonsense"}), 422, "validation_error", {"state"})
    bad = api.get("/fulfillment/statistics", {"period": "week", "year": YEAR})
    assert_error(bad, 422, "validation_error", {"period"})


def test_pages_render(org, book):
    client = session(org.manager1).client
    r = client.get("/sales/fulfillment/")
    assert r.status_code == 200
    text = r.content.decode()
    assert book["sales1"].number in text and book["sales3"].number not in text
    assert 'data-testid="fulfillment-row"' in text
    r = client.get(f"/sales/fulfillment/{book['sales1'].pk}/")
    assert r.status_code == 200 and "数控车床" in r.content.decode()
    assert 'data-state="overdue"' in r.content.decode()  # the first milestone's date has passed
    assert client.get(f"/sales/fulfillment/{book['sales3'].pk}/").status_code == 404
    r = client.get(
        "/sales/fulfillment/statistics/", {"period": "quarter", "year": YEAR, "dimension": "salesperson"}
    )
    assert r.status_code == 200 and 'data-testid="statistics-totals"' in r.content.decode()
    assert (
        client.get(
            "/sales/fulfillment/", {"signed_from": "2026-05-01", "signed_to": "2026-01-01"}
        ).status_code
        == 400
    )


def test_list_export_numbers_stay_numbers(org, book):
    client = session(org.director).client
    r = client.get("/sales/fulfillment/export/", {"format": "xlsx", "sort": "number"})
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 3
    header = rows[0]
    amount = header.index("Contract amount")
    ordered = header.index("Ordered")
    by_number = {row[0]: row for row in rows[1:]}
    c = book["sales1"]
    assert isinstance(by_number[c.number][amount], int | float)
    assert D(str(by_number[c.number][amount])) == c.total_amount
    assert D(str(by_number[c.number][ordered])) == D("4000")
    r = client.get("/sales/fulfillment/export/", {"format": "csv"})
    lines = list(csv.reader(io.StringIO(r.getvalue().decode("utf-8-sig"))))
    assert len(lines) == 4


def test_statistics_export_has_totals_row(org, book):
    client = session(org.director).client
    r = client.get(
        "/sales/fulfillment/statistics/",
        {"period": "month", "year": YEAR, "dimension": "region", "format": "xlsx"},
    )
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    body, total = rows[1:-1], rows[-1]
    assert total[1] == "Total"
    assert total[2] == sum(row[2] for row in body) == 3
    assert isinstance(total[3], int | float)
    assert D(str(total[3])) == sum((c.total_amount for c in book.values()), D(0))
    assert abs(total[3] - sum(row[3] for row in body)) < 0.005


def test_statement_pdf_has_chinese_names(org, book):
    c = book["sales1"]
    r = session(org.sales1).client.get(f"/sales/fulfillment/{c.pk}/statement.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages).replace("\n", "")
    assert "数控车床" in text and "液压泵" in text and c.number in text
    r = bearer(org.sales1).get(f"/fulfillment/{c.pk}/statement.pdf", {"lang": "en"})
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    assert "Outstanding" in text
    assert bearer(org.sales3).get(f"/fulfillment/{c.pk}/statement.pdf").status_code == 404
