"""API of quotations and inquiries (S2) over real HTTP: workflow, revisions, expiry, price
policy (409 naming the line), scope (404), bad input (400 naming the field, nothing written),
PDF download."""

import datetime
import io

import pytest
from django.utils import timezone

from salesdept.audit.models import Signal
from salesdept.sales.models import Inquiry, Quotation
from tests.api_helpers import assert_error, bearer, session

from .fixtures_quotes import *  # noqa: F403

TODAY = timezone.localdate


@pytest.fixture
def body(q_customer, q_product):
    def make(owner, *, discount="0", name=None, **extra):
        customer = q_customer(owner=owner)
        product = q_product(price="1000.00", name=name)
        return {
            "customer": customer.pk,
            "lines": [{"product": product.pk, "quantity": "2", "discount": discount}],
            **extra,
        }

    return make


def test_create_send_accept_over_the_api(org, body):
    api = bearer(org.sales1)
    r = api.post("/quotations", body(org.sales1, discount="5", payment_terms="预付30%"))
    assert r.status_code == 201, r.content
    q = r.json()
    assert q["status"] == "draft" and q["total_amount"] == "1900.00" and q["revision"] == 1
    assert q["lines"][0]["list_price"] == "1000.00" and q["lines"][0]["unit_price"] == "950.00"
    assert set(q["actions"]) >= {"edit", "send", "revise", "cancel"}
    r = api.post(f"/quotations/{q['id']}/send", {"version": q["version"]})
    assert r.status_code == 200 and r.json()["status"] == "sent"
    r = api.post(f"/quotations/{q['id']}/accept")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    listed = api.get("/quotations", {"status": "accepted"}).json()
    assert [x["id"] for x in listed["items"]] == [q["id"]]


def test_price_policy_409_names_the_line_and_records_a_signal(org, body):
    api = bearer(org.sales1)
    q = api.post("/quotations", body(org.sales1, discount="6")).json()
    r = api.post(f"/quotations/{q['id']}/send")
    error = assert_error(r, 409, "price_approval_needed")
    assert "line 1" in error["message"] and error["extra"]["issues"][0]["position"] == 1
    assert Quotation.objects.get(pk=q["id"]).status == "draft"
    assert Signal.objects.filter(object_id=q["id"], kind="over_authority", actor=org.sales1).count() == 1


def test_revise_and_read_only_old_revision(org, body):
    api = bearer(org.sales1)
    q = api.post("/quotations", body(org.sales1)).json()
    api.post(f"/quotations/{q['id']}/send")
    r = api.post(f"/quotations/{q['id']}/revise")
    assert r.status_code == 201
    v2 = r.json()
    assert v2["number"] == f"{q['number']}-R2" and v2["previous_id"] == q["id"] and v2["status"] == "draft"
    old = api.get(f"/quotations/{q['id']}").json()
    assert old["status"] == "superseded" and old["is_newest"] is False and old["actions"] == []
    assert_error(api.patch(f"/quotations/{q['id']}", {"notes": "x"}), 409, "read_only")
    r = api.patch(
        f"/quotations/{v2['id']}",
        {
            "version": v2["version"],
            "lines": [{"product": v2["lines"][0]["product_id"], "quantity": "3", "unit_price": "900.00"}],
        },
    )
    assert (
        r.status_code == 200
        and r.json()["total_amount"] == "2700.00"
        and r.json()["lines"][0]["discount"] == "10.00"
    )
    assert_error(
        api.patch(f"/quotations/{v2['id']}", {"version": v2["version"], "notes": "stale"}),
        409,
        "stale_version",
    )
    current = api.get("/quotations", {"current": "true"}).json()
    assert [x["id"] for x in current["items"]] == [v2["id"]]


def test_expired_is_refused_and_filterable(org, body):
    api = bearer(org.sales1)
    q = api.post("/quotations", body(org.sales1)).json()
    api.post(f"/quotations/{q['id']}/send")
    Quotation.objects.filter(pk=q["id"]).update(valid_until=TODAY() - datetime.timedelta(days=2))
    got = api.get(f"/quotations/{q['id']}").json()
    assert got["expired"] is True and "accept" not in got["actions"]
    error = assert_error(api.post(f"/quotations/{q['id']}/accept"), 409, "expired")
    assert "expired" in error["message"]
    assert [x["id"] for x in api.get("/quotations", {"status": "expired"}).json()["items"]] == [q["id"]]
    assert api.get("/quotations", {"status": "sent"}).json()["count"] == 1


def test_bad_input_400_names_the_field_and_writes_nothing(org, body):
    api = bearer(org.sales1)
    data = body(org.sales1)
    data["lines"][0]["quantity"] = "0"
    assert_error(api.post("/quotations", data), 400, "invalid", {"lines.0.quantity"})
    data = body(org.sales1, valid_until="2020-01-01", quoted_on="2020-02-01")
    assert_error(api.post("/quotations", data), 400, "invalid", {"valid_until"})
    r = api.post("/quotations", {**body(org.sales1), "status": "accepted"})
    assert r.status_code == 422
    assert not Quotation.objects.exists()


def test_scope_404_and_permissions_403(org, body):
    q = bearer(org.sales3).post("/quotations", body(org.sales3)).json()
    assert_error(bearer(org.sales1).get(f"/quotations/{q['id']}"), 404, "not_found")
    assert_error(bearer(org.sales1).post(f"/quotations/{q['id']}/send"), 404, "not_found")
    assert bearer(org.sales1).get("/quotations").json()["count"] == 0
    assert bearer(org.manager2).get(f"/quotations/{q['id']}").status_code == 200
    assert bearer(org.auditor).get(f"/quotations/{q['id']}").status_code == 200
    assert_error(bearer(org.auditor).post(f"/quotations/{q['id']}/send"), 403, "permission_denied")
    assert_error(bearer(org.finance).post("/quotations", body(org.sales1)), 403, "permission_denied")


def test_pdf_in_chinese_and_english(org, body):
    api = session(org.sales1)
    q = api.post("/quotations", body(org.sales1, name="液压挖掘机豪华型")).json()
    r = api.get(f"/quotations/{q['id']}/pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages).replace("\n", "")
    assert "液压挖掘机豪华型" in text and q["number"] in text
    assert "贰仟元整" in text  # 2 × 1000.00 in capital figures
    r = api.get(f"/quotations/{q['id']}/pdf", {"lang": "en"})
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages).replace("\n", " ")
    assert "Quotation" in text and "Hydraulic excavator" in text
    assert bearer(org.sales3).get(f"/quotations/{q['id']}/pdf").status_code == 404


def test_inquiry_api_create_quote_close(org, q_customer, q_product):
    api = bearer(org.sales1)
    customer, product = q_customer(owner=org.sales1), q_product(price="500.00")
    r = api.post(
        "/inquiries",
        {
            "customer": customer.pk,
            "contact_name": "王工",
            "lines": [{"product": product.pk, "quantity": "4"}, {"description": "安装服务", "quantity": "1"}],
        },
    )
    assert r.status_code == 201, r.content
    inquiry = r.json()
    assert inquiry["status"] == "open" and len(inquiry["lines"]) == 2
    error = assert_error(api.post(f"/inquiries/{inquiry['id']}/quote"), 400, "invalid", {"lines.1.product"})
    assert "安装服务" in error["fields"]["lines.1.product"]
    r = api.patch(
        f"/inquiries/{inquiry['id']}",
        {"version": inquiry["version"], "lines": [{"product": product.pk, "quantity": "4"}]},
    )
    assert r.status_code == 200
    r = api.post(f"/inquiries/{inquiry['id']}/quote", {"language": "en"})
    assert r.status_code == 201 and r.json()["total_amount"] == "2000.00" and r.json()["language"] == "en"
    assert api.get(f"/inquiries/{inquiry['id']}").json()["status"] == "quoted"
    assert_error(api.post(f"/inquiries/{inquiry['id']}/close", {"reason": ""}), 400, "invalid", {"reason"})
    assert (
        api.post(f"/inquiries/{inquiry['id']}/close", {"reason": "客户另选供应商"}).json()["status"]
        == "closed"
    )
    assert_error(bearer(org.sales3).get(f"/inquiries/{inquiry['id']}"), 404, "not_found")
    assert_error(
        api.post("/inquiries", {"customer": customer.pk, "lines": [{"quantity": "1"}]}),
        400,
        "invalid",
        {"lines.0.product"},
    )
    assert Inquiry.objects.count() == 1
    overdue = api.post(
        "/inquiries",
        {
            "customer": customer.pk,
            "lines": [{"description": "旧询盘", "quantity": "1"}],
            "received_on": str(TODAY() - datetime.timedelta(days=9)),
            "respond_by": str(TODAY() - datetime.timedelta(days=2)),
        },
    ).json()
    assert overdue["overdue"] is True
    assert [x["id"] for x in api.get("/inquiries", {"status": "overdue"}).json()["items"]] == [overdue["id"]]
