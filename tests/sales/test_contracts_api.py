"""Contracts and orders over real HTTP (/api/v1/contracts, /api/v1/orders): the whole life of a
contract, refusals with their status and code, scope per role, bad input."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.api_helpers import assert_error, bearer, session

from .conftest import PDF_BYTES


def _body(data: dict) -> dict:
    """contract_data(...) → the API body (customer, lines with product, dates as text)."""
    return {
        "customer": data["customer_id"],
        "title": data["title"],
        "lines": [
            {
                "product": line["product_id"],
                "quantity": str(line["quantity"]),
                "discount": str(line["discount"]),
            }
            for line in data["lines"]
        ],
        "milestones": [{**m, "percent": str(m["percent"])} for m in data["milestones"]],
        "deliveries": [
            {"line": d["line"], "planned_on": d["planned_on"].isoformat(), "quantity": str(d["quantity"])}
            for d in data["deliveries"]
        ],
    }


@pytest.fixture
def created(org, contract_data):
    def make(owner=None, lines=(("1000.00", "10"),)):
        owner = owner or org.sales1
        r = bearer(owner).post("/contracts", _body(contract_data(owner, lines)))
        assert r.status_code == 201, r.content
        return r.json()

    return make


def _sign(client, contract_id, **extra):
    data = {"signed_on": timezone.localdate().isoformat(), **extra}
    return client.client.post(
        f"/api/v1/contracts/{contract_id}/sign", data, headers=client.headers
    )  # multipart


def test_life_of_a_contract_over_http(org, created):
    body = created(lines=[("150000.00", "1")])
    cid = body["id"]
    assert body["status"] == "draft" and Decimal(body["total_amount"]) == Decimal("150000.00")
    assert [m["amount"] for m in body["milestones"]] == ["45000.00", "105000.00"]
    assert "submit" in body["actions"] and "edit" in body["actions"]
    sales, manager, finance, clerk = (
        bearer(org.sales1),
        bearer(org.manager1),
        bearer(org.finance),
        bearer(org.clerk),
    )
    r = sales.post(f"/contracts/{cid}/submit")
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    assert [s["state"] for s in r.json()["review_route"]] == ["next", "todo"]
    # the preparer may not approve; finance is not the first step
    assert_error(sales.post(f"/contracts/{cid}/approve"), 409, "own_document")
    assert_error(finance.post(f"/contracts/{cid}/approve"), 403, "not_your_step")
    # waiting-for-my-review filter
    assert [c["id"] for c in manager.get("/contracts", {"waiting": "true"}).json()["items"]] == [cid]
    assert manager.get("/contracts", {"waiting": "true"}).json()["count"] == 1
    assert finance.get("/contracts", {"waiting": "true"}).json()["count"] == 0
    r = manager.post(f"/contracts/{cid}/approve", {"note": "同意"})
    assert r.json()["review_route"][0]["state"] == "done" and r.json()["review_route"][0]["note"] == "同意"
    assert_error(manager.post(f"/contracts/{cid}/approve"), 409, "already_approved")
    assert finance.post(f"/contracts/{cid}/approve").json()["status"] == "approved"
    # signing: the back office, with the signed copy
    assert_error(
        _sign(sales, cid, signed_copy=SimpleUploadedFile("s.pdf", PDF_BYTES)), 403, "permission_denied"
    )
    assert_error(_sign(clerk, cid), 400, "invalid", {"signed_copy"})
    r = _sign(
        clerk, cid, signed_copy=SimpleUploadedFile("签字版.pdf", PDF_BYTES, content_type="application/pdf")
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "signed" and r.json()["signed_copy_url"]
    assert clerk.get(f"/contracts/{cid}/signed-copy").status_code == 200
    r = clerk.post(f"/contracts/{cid}/register", {"registration_number": "HT-2026-0001"})
    assert r.json()["registration_number"] == "HT-2026-0001"
    # orders from its delivery schedule
    delivery = r.json()["deliveries"][0]
    r = sales.post("/orders/from-contract", {"contract": cid, "deliveries": [delivery["id"]]})
    assert r.status_code == 201, r.content
    order = r.json()
    assert order["contract_id"] == cid and Decimal(order["total_amount"]) == Decimal("150000.00")
    assert_error(
        sales.post("/orders/from-contract", {"contract": cid, "deliveries": [delivery["id"]]}),
        409,
        "over_contract",
    )
    assert sales.post(f"/orders/{order['id']}/confirm").json()["status"] == "confirmed"
    assert clerk.post(f"/contracts/{cid}/archive").json()["status"] == "archived"


def test_scope_per_role(org, created):
    cid = created(owner=org.sales1)["id"]
    assert bearer(org.sales1).get(f"/contracts/{cid}").status_code == 200
    assert bearer(org.sales2).get(f"/contracts/{cid}").status_code == 404  # same team, not theirs
    assert bearer(org.manager1).get(f"/contracts/{cid}").status_code == 200  # their team
    assert bearer(org.manager2).get(f"/contracts/{cid}").status_code == 404  # other team
    assert bearer(org.sales3).get(f"/contracts/{cid}").status_code == 404
    for person in (org.director, org.finance, org.clerk, org.auditor, org.regional_east):
        assert bearer(person).get(f"/contracts/{cid}").status_code == 200, person
    assert bearer(org.sales3).get("/contracts").json()["count"] == 0
    assert bearer(org.auditor).get("/contracts").json()["count"] == 1
    assert_error(bearer(org.auditor).post(f"/contracts/{cid}/submit"), 403, "permission_denied")
    assert_error(bearer(org.keeper).get("/contracts"), 403, "permission_denied")


def test_bad_input(org, created, contract_data):
    client = bearer(org.sales1)
    body = _body(contract_data(org.sales1))
    r = client.post("/contracts", {**body, "status": "approved"})
    assert r.status_code == 422  # unknown field refused
    r = client.post("/contracts", {**body, "lines": [{**body["lines"][0], "quantity": "NaN"}]})
    assert r.status_code == 422
    r = client.post("/contracts", {**body, "milestones": [{"percent": "50", "trigger": "signing"}]})
    assert_error(r, 400, "invalid", {"milestones"})
    cid = created()["id"]
    stale = client.patch(f"/contracts/{cid}", {"version": 99, "title": "x"})
    assert_error(stale, 409, "stale_version")
    assert client.get("/contracts", {"amount_min": "10", "amount_max": "1"}).status_code in (400, 422)


def test_reject_needs_reason_and_amend_over_http(org, created):
    cid = created()["id"]
    sales, manager = session(org.sales1), bearer(org.manager1)
    sales.post(f"/contracts/{cid}/submit")
    assert_error(manager.post(f"/contracts/{cid}/reject"), 400, "reason_required")
    assert manager.post(f"/contracts/{cid}/reject", {"note": "付款条件不对"}).json()["status"] == "draft"


def test_attachments(org, created):
    cid = created()["id"]
    client = bearer(org.sales1)
    post = client.client.post(
        f"/api/v1/contracts/{cid}/attachments",
        {"title": "技术协议", "file": SimpleUploadedFile("tech.pdf", PDF_BYTES)},
        headers=client.headers,
    )
    assert post.status_code == 201, post.content
    aid = post.json()["id"]
    assert client.get(f"/contracts/{cid}/attachments/{aid}").status_code == 200
    bad = client.client.post(
        f"/api/v1/contracts/{cid}/attachments",
        {"file": SimpleUploadedFile("x.exe", b"MZ")},
        headers=client.headers,
    )
    assert_error(bad, 400, "invalid", {"file"})
    assert client.delete(f"/contracts/{cid}/attachments/{aid}").status_code == 204


def test_direct_order_api(org, make_customer, make_product):
    client = bearer(org.sales1)
    product = make_product(price="100.00")
    r = client.post(
        "/orders",
        {
            "customer": make_customer().pk,
            "lines": [{"product": product.pk, "quantity": "2", "discount": "3"}],
            "wanted_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["total_amount"] == "194.00" and r.json()["contract_id"] is None
    assert client.post(f"/orders/{r.json()['id']}/confirm").json()["status"] == "confirmed"
    assert client.get("/orders", {"kind": "direct"}).json()["count"] == 1
    assert bearer(org.sales3).get(f"/orders/{r.json()['id']}").status_code == 404
