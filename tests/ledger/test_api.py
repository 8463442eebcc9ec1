"""/api/v1/ledger over real HTTP: trial balance, accounts, account lines with running balance,
entries, periods (close: 201, 409 period_already_closed, 403 without the permission, 400 bad
month); every read 403 for a salesperson; the one error body."""

from decimal import Decimal

import pytest

from salesdept.ledger import codes
from salesdept.ledger.models import Period
from tests.api_helpers import assert_error, bearer, session

from .conftest import issue, receive

D = Decimal


@pytest.fixture
def stocked(org, wh, goods, customer):
    receive(org, wh.a1, goods, 10, unit_cost="10.00")
    issue(org, wh.a1, goods, 4, to=customer)
    return goods, customer


def test_trial_balance(org, stocked, today):
    api = bearer(org.finance)
    r = api.get("/ledger/trial-balance")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["from"] == today.replace(day=1).isoformat() and body["balanced"] is True
    assert body["totals"]["debit"] == body["totals"]["credit"] == "140.00"
    inventory = next(row for row in body["rows"] if row["code"] == codes.INVENTORY)
    assert (inventory["debit"], inventory["credit"], inventory["closing"]) == ("100.00", "40.00", "60.00")
    assert inventory["kind"] == "asset"
    r = api.get("/ledger/trial-balance", {"from": "2020-01-01", "to": "2020-01-31"})
    assert r.status_code == 200 and r.json()["rows"] == [] and r.json()["to"] == "2020-01-31"
    assert_error(
        api.get("/ledger/trial-balance", {"from": "2026-02-01", "to": "2026-01-01"}),
        400,
        "invalid",
        {"date_to"},
    )
    assert_error(api.get("/ledger/trial-balance", {"from": "someday"}), 422, "validation_error", {"from"})


def test_accounts(org, stocked):
    r = bearer(org.auditor).get("/ledger/accounts")
    assert r.status_code == 200
    accounts = {a["code"]: a for a in r.json()}
    assert (
        accounts[codes.INVENTORY]["balance"] == "60.00" and accounts[codes.INVENTORY]["debit_normal"] is True
    )
    assert (
        accounts[codes.PAYABLE]["balance"] == "-100.00" and accounts[codes.PAYABLE]["name_zh"] == "应付账款"
    )


def test_account_lines(org, stocked):
    goods, customer = stocked
    api = bearer(org.finance)
    r = api.get(f"/ledger/accounts/{codes.INVENTORY}/lines", {"page_size": 1})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["opening"], body["closing"], body["count"], body["pages"]) == ("0.00", "60.00", 2, 2)
    assert [x["balance"] for x in body["items"]] == ["100.00"]
    r = api.get(f"/ledger/accounts/{codes.INVENTORY}/lines", {"page_size": 1, "page": 2})
    body = r.json()
    assert body["brought_forward"] == "100.00" and [x["balance"] for x in body["items"]] == ["60.00"]
    assert body["items"][0]["credit"] == "40.00" and body["items"][0]["product_id"] == goods.pk
    assert (
        api.get(f"/ledger/accounts/{codes.INVENTORY}/lines", {"page_size": 1, "page": 3}).json()["items"]
        == []
    )
    r = api.get(f"/ledger/accounts/{codes.COST_OF_SALES}/lines", {"customer": customer.pk})
    assert [x["debit"] for x in r.json()["items"]] == ["40.00"] and r.json()["customer_id"] == customer.pk
    r = api.get(f"/ledger/accounts/{codes.INVENTORY}/lines", {"product": goods.pk + 999})
    assert_error(r, 404, "not_found")
    assert_error(api.get("/ledger/accounts/0000/lines"), 404, "not_found")
    assert_error(
        api.get(f"/ledger/accounts/{codes.INVENTORY}/lines", {"page_size": 100000}), 422, "validation_error"
    )


def test_entries(org, stocked):
    api = bearer(org.director)
    r = api.get("/ledger/entries")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["count"] == 2
    entry = body["items"][0]
    assert entry["source_type"] == "warehouse.stockdocument" and len(entry["lines"]) == 2
    assert {x["account"] for x in entry["lines"]} == {codes.INVENTORY, codes.COST_OF_SALES}
    assert api.get("/ledger/entries", {"account": codes.PAYABLE}).json()["count"] == 1
    assert api.get("/ledger/entries", {"q": entry["source_number"]}).json()["count"] == 1
    assert api.get("/ledger/entries", {"from": "2020-01-01", "to": "2020-12-31"}).json()["count"] == 0
    assert_error(api.get("/ledger/entries", {"source_type": "bogus"}), 400, "invalid", {"source_type"})


@pytest.mark.parametrize(
    "path",
    ["/ledger/trial-balance", "/ledger/accounts", f"/ledger/accounts/{codes.BANK}/lines",
     "/ledger/entries", "/ledger/periods"],
)  # fmt: skip
def test_reads_are_refused_to_a_salesperson(org, path):
    assert_error(bearer(org.sales1).get(path), 403, "permission_denied")
    assert_error(bearer(org.keeper).get(path), 403, "permission_denied")


def test_close_period(org):
    api = bearer(org.finance)
    r = api.post("/ledger/periods", {"year": 2026, "month": 10})
    assert r.status_code == 201, r.content
    assert r.json()["year"] == 2026 and r.json()["month"] == 10 and r.json()["closed_by"]
    assert_error(api.post("/ledger/periods", {"year": 2026, "month": 10}), 409, "period_already_closed")
    assert_error(api.post("/ledger/periods", {"year": 2026, "month": 13}), 400, "invalid_period", {"month"})
    assert_error(api.post("/ledger/periods", {"year": 2026}), 422, "validation_error", {"month"})
    assert_error(
        api.post("/ledger/periods", {"year": 2026, "month": 11, "by": 1}), 422, "validation_error", {"by"}
    )
    assert_error(
        bearer(org.auditor).post("/ledger/periods", {"year": 2026, "month": 11}), 403, "permission_denied"
    )
    assert_error(
        bearer(org.sales1).post("/ledger/periods", {"year": 2026, "month": 11}), 403, "permission_denied"
    )
    r = bearer(org.auditor).get("/ledger/periods")
    assert r.status_code == 200 and [(p["year"], p["month"]) for p in r.json()] == [(2026, 10)]
    assert Period.objects.count() == 1


def test_close_period_through_the_session_needs_csrf(org):
    client = session(org.finance, enforce_csrf_checks=True)
    assert_error(client.post("/ledger/periods", {"year": 2026, "month": 9}), 403, "csrf_failed")
    assert not Period.objects.exists()
