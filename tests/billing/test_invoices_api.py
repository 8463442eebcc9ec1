"""The invoice API (/api/v1/invoices): the same services as the pages — the same refusals, the
same scope, Decimal amounts, the check and what is invoiceable."""

from decimal import Decimal

from salesdept.billing.models import Invoice
from tests.api_helpers import assert_error, bearer

from .conftest import next_invoice_no, refresh


def lines_of(order):
    return list(order.lines.order_by("position"))


def test_create_submit_approve_through_the_api(org, shipped_order):
    order = shipped_order(fraction="0.5")
    clerk, finance = bearer(org.clerk), bearer(org.finance)
    r = clerk.get("/invoices/invoiceable", {"order": order.pk})
    assert r.status_code == 200
    assert [Decimal(x["invoiceable"]) for x in r.json()] == [Decimal("5"), Decimal("2"), Decimal("1")]
    r = clerk.post(
        "/invoices", {"order": order.pk, "lines": [{"order_line": lines_of(order)[0].pk, "quantity": "2"}]}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "draft" and Decimal(body["total_amount"]) == Decimal("2260.00")
    assert body["actions"][:2] == ["edit", "submit"]
    pk = body["id"]
    r = clerk.patch(f"/invoices/{pk}", {"version": 1, "notes": "分批开票"})
    assert r.status_code == 200 and r.json()["version"] == 2
    assert clerk.post(f"/invoices/{pk}/submit").status_code == 200
    assert_error(clerk.post(f"/invoices/{pk}/approve", {"invoice_no": "1"}), 409, "own_document")
    assert_error(
        bearer(org.manager1).post(f"/invoices/{pk}/approve", {"invoice_no": "1"}), 403, "not_your_step"
    )
    assert_error(finance.post(f"/invoices/{pk}/approve", {"invoice_no": ""}), 400, "invalid", {"invoice_no"})
    number = next_invoice_no()
    r = finance.post(f"/invoices/{pk}/approve", {"invoice_no": number})
    assert r.status_code == 200 and r.json()["status"] == "issued" and r.json()["invoice_no"] == number
    assert Decimal(r.json()["outstanding"]) == Decimal("2260.00")
    r = finance.get("/invoices", {"q": number})
    assert [x["id"] for x in r.json()["items"]] == [pk]


def test_preparer_cannot_approve_via_api_what_the_page_refuses(org, shipped_order):
    order = shipped_order()
    finance = bearer(org.finance)
    r = finance.post("/invoices", {"order": order.pk})
    pk = r.json()["id"]
    finance.post(f"/invoices/{pk}/submit")
    assert_error(finance.post(f"/invoices/{pk}/approve", {"invoice_no": "1"}), 409, "own_document")
    assert refresh(Invoice.objects.get(pk=pk)).status == "submitted"


def test_mismatch_and_check_via_api(org, shipped_order):
    order = shipped_order()
    clerk, finance = bearer(org.clerk), bearer(org.finance)
    rows = [{"order_line": x.pk} for x in lines_of(order)]
    rows[2]["unit_price"] = "1999.99"
    pk = clerk.post("/invoices", {"order": order.pk, "lines": rows}).json()["id"]
    check = clerk.get(f"/invoices/{pk}/check").json()
    assert check["ok"] is False and [x["ok"] for x in check["lines"]] == [True, True, False]
    assert check["lines"][2]["problems"][0]["code"] == "price_mismatch"
    clerk.post(f"/invoices/{pk}/submit")
    body = assert_error(
        finance.post(f"/invoices/{pk}/approve", {"invoice_no": "X1"}), 409, "invoice_mismatch"
    )
    assert [m["line"] for m in body["extra"]["mismatches"]] == [3]
    # fixed by the preparer after a rejection, it goes through
    finance.post(f"/invoices/{pk}/reject", {"note": "单价错误"})
    rows[2]["unit_price"] = "2000.00"
    assert clerk.patch(f"/invoices/{pk}", {"lines": rows}).status_code == 200
    clerk.post(f"/invoices/{pk}/submit")
    assert finance.post(f"/invoices/{pk}/approve", {"invoice_no": "X1"}).status_code == 200


def test_over_invoicing_and_bad_input_via_api(org, shipped_order):
    order = shipped_order(fraction="0.5")
    clerk = bearer(org.clerk)
    first = lines_of(order)[0]
    body = assert_error(
        clerk.post("/invoices", {"order": order.pk, "lines": [{"order_line": first.pk, "quantity": "5.5"}]}),
        409,
        "over_invoicing",
    )
    assert "lines.1.quantity" in body["fields"]
    r = clerk.post("/invoices", {"order": order.pk, "lines": [{"order_line": first.pk, "quantity": "NaN"}]})
    assert r.status_code in (400, 422)
    r = clerk.post("/invoices", {"order": order.pk, "status": "issued"})
    assert r.status_code in (400, 422)
    assert_error(
        clerk.post("/invoices", {"order": order.pk, "invoiced_on": "2026-05-05", "due_on": "2026-05-01"}),
        400,
        "invalid",
        {"due_on"},
    )
    assert not Invoice.objects.exists()


def test_scope_via_api(org, shipped_order, issue_invoice):
    order = shipped_order(owner=org.sales1)
    issued = issue_invoice(order)
    own, other = bearer(org.sales1), bearer(org.sales2)
    assert [x["id"] for x in own.get("/invoices").json()["items"]] == [issued.pk]
    assert other.get("/invoices").json()["items"] == []
    assert other.get(f"/invoices/{issued.pk}").status_code == 404
    assert other.get(f"/invoices/{issued.pk}/check").status_code == 404
    assert other.get("/invoices/invoiceable", {"order": order.pk}).status_code == 404
    assert other.post(f"/invoices/{issued.pk}/credit-notes", {}).status_code in (403, 404)
    assert own.post("/invoices", {"order": order.pk}).status_code == 403


def test_credit_note_via_api(org, shipped_order, issue_invoice):
    order = shipped_order()
    invoice = issue_invoice(order)
    lines = list(invoice.lines.order_by("position"))
    clerk, finance = bearer(org.clerk), bearer(org.finance)
    r = clerk.post(
        f"/invoices/{invoice.pk}/credit-notes", {"lines": [{"invoice_line": lines[1].pk, "quantity": "1"}]}
    )
    assert r.status_code == 201, r.content
    note = r.json()
    assert (
        note["kind"] == "credit_note"
        and note["corrects_id"] == invoice.pk
        and note["number"].startswith("IV-")
    )
    assert Decimal(note["total_amount"]) == Decimal("56.50")
    clerk.post(f"/invoices/{note['id']}/submit")
    r = finance.post(f"/invoices/{note['id']}/approve", {"invoice_no": next_invoice_no()})
    assert r.status_code == 200 and r.json()["status"] == "issued"
    r = finance.get(f"/invoices/{invoice.pk}")
    assert Decimal(r.json()["credited_amount"]) == Decimal("56.50")
    assert Decimal(r.json()["outstanding"]) == invoice.total_amount - Decimal("56.50")
    assert_error(clerk.post(f"/invoices/{note['id']}/credit-notes", {}), 409, "not_creditable")
