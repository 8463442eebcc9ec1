"""Invoice pages (F2): the registry with filters and export, the form from an order (a changed
price can be entered and is then shown ✗), the detail page's check and review actions, scope."""

from decimal import Decimal

from salesdept.billing.models import Invoice
from salesdept.billing.services import invoices as services
from tests.api_helpers import session

from .conftest import next_invoice_no, refresh


def lines_of(order):
    return list(order.lines.order_by("position"))


def text(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_create_from_order_with_a_changed_price_shows_the_mismatch(org, shipped_order):
    order = shipped_order()
    clerk = session(org.clerk).client
    page = clerk.get(f"/billing/invoices/new/?order={order.pk}")
    assert page.status_code == 200
    first, second, third = lines_of(order)
    assert f'name="qty-{first.pk}" value="10"' in page.content.decode()
    post = {
        "order": order.pk,
        "invoiced_on": "2026-06-01",
        f"qty-{first.pk}": "10",
        f"price-{first.pk}": "1130.00",
        f"qty-{second.pk}": "4",
        f"price-{second.pk}": "50.00",  # not the order's 56.50
        f"qty-{third.pk}": "",
        f"price-{third.pk}": "2000.00",
    }
    r = clerk.post("/billing/invoices/new/", post)
    assert r.status_code == 302
    invoice = Invoice.objects.get(order=order)
    assert invoice.lines.count() == 2
    detail = clerk.get(r["Location"]).content.decode()
    assert 'data-ok="0"' in detail and 'data-ok="1"' in detail and "✗" in detail
    assert "56.50" in detail  # the order's price named in the problem
    services.invoice_submit(by=org.clerk, invoice_id=invoice.pk)
    finance = session(org.finance).client
    page = finance.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert 'data-action="approve"' in page and "disabled" in page
    r = finance.post(f"/billing/invoices/{invoice.pk}/approve/", {"invoice_no": next_invoice_no()})
    assert r.status_code == 409 and "Line 2" in r.content.decode()
    assert refresh(invoice).status == "submitted"


def test_over_invoicing_on_the_form_names_the_line(org, shipped_order):
    order = shipped_order(fraction="0.5")
    first = lines_of(order)[0]
    clerk = session(org.clerk).client
    r = clerk.post(
        "/billing/invoices/new/", {"order": order.pk, "invoiced_on": "2026-06-01", f"qty-{first.pk}": "9"}
    )
    assert r.status_code == 409 and "table-danger" in r.content.decode()
    assert not Invoice.objects.exists()
    r = clerk.post(
        "/billing/invoices/new/", {"order": order.pk, "invoiced_on": "2026-06-01", f"qty-{first.pk}": "x"}
    )
    assert r.status_code == 400 and not Invoice.objects.exists()


def test_review_through_the_page_preparer_cannot_approve(org, shipped_order):
    order = shipped_order()
    invoice = services.invoice_create(by=org.finance, order_id=order.pk, data={})
    finance = session(org.finance).client
    r = finance.post(f"/billing/invoices/{invoice.pk}/submit/")
    assert r.status_code == 302 and refresh(invoice).status == "submitted"
    page = finance.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert 'data-action="approve"' not in page  # no button for the preparer
    r = finance.post(f"/billing/invoices/{invoice.pk}/approve/", {"invoice_no": "1"})
    assert r.status_code == 409 and refresh(invoice).status == "submitted"
    director = session(org.director).client
    r = director.post(f"/billing/invoices/{invoice.pk}/approve/", {"invoice_no": ""})
    assert r.status_code == 400 and refresh(invoice).status == "submitted"
    r = director.post(f"/billing/invoices/{invoice.pk}/approve/", {"invoice_no": "04409999"})
    assert r.status_code == 302
    invoice = refresh(invoice)
    assert invoice.status == "issued" and invoice.invoice_no == "04409999"
    page = finance.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert 'data-action="credit_note"' in page


def test_reject_needs_a_reason_cancel_asks_first(org, shipped_order):
    order = shipped_order()
    invoice = services.invoice_create(by=org.clerk, order_id=order.pk, data={})
    clerk = session(org.clerk).client
    page = clerk.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert "data-confirm" in page and 'data-action="cancel"' in page
    services.invoice_submit(by=org.clerk, invoice_id=invoice.pk)
    finance = session(org.finance).client
    assert finance.post(f"/billing/invoices/{invoice.pk}/reject/", {"note": ""}).status_code == 400
    assert finance.post(f"/billing/invoices/{invoice.pk}/reject/", {"note": "单价不对"}).status_code == 302
    assert refresh(invoice).status == "draft"
    assert clerk.post(f"/billing/invoices/{invoice.pk}/cancel/").status_code == 302
    assert refresh(invoice).status == "cancelled"


def test_edit_a_draft(org, shipped_order):
    order = shipped_order()
    invoice = services.invoice_create(by=org.clerk, order_id=order.pk, data={})
    first = lines_of(order)[0]
    clerk = session(org.clerk).client
    assert clerk.get(f"/billing/invoices/{invoice.pk}/edit/").status_code == 200
    r = clerk.post(
        f"/billing/invoices/{invoice.pk}/edit/",
        {"invoiced_on": "2026-06-01", "version": invoice.version, f"qty-{first.pk}": "3"},
    )
    assert r.status_code == 302
    invoice = refresh(invoice)
    assert invoice.lines.count() == 1 and invoice.total_amount == Decimal("3390.00")


def test_registry_filters_and_export(org, shipped_order, issue_invoice):
    order = shipped_order()
    issued = issue_invoice(order, lines=[{"order_line_id": lines_of(order)[0].pk}], invoice_no="04401234")
    draft = services.invoice_create(by=org.clerk, order_id=order.pk, data={})
    client = session(org.finance).client
    page = client.get("/billing/invoices/").content.decode()
    assert issued.number in page and draft.number in page and "04401234" in page
    page = client.get("/billing/invoices/", {"q": "04401234"}).content.decode()
    assert issued.number in page and draft.number not in page
    page = client.get("/billing/invoices/", {"status": "draft"}).content.decode()
    assert issued.number not in page and draft.number in page
    csv = text(client.get("/billing/invoices/", {"format": "csv"}))
    assert issued.number in csv and "04401234" in csv
    xlsx = client.get("/billing/invoices/", {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    assert (
        client.get("/billing/invoices/", {"date_from": "2026-02-01", "date_to": "2026-01-01"}).status_code
        == 200
    )


def test_scope_sales2_cannot_see_sales1s_invoices(org, shipped_order, issue_invoice):
    order = shipped_order(owner=org.sales1)
    issued = issue_invoice(order)
    own = session(org.sales1).client
    assert issued.number in own.get("/billing/invoices/").content.decode()
    assert own.get(f"/billing/invoices/{issued.pk}/").status_code == 200
    other = session(org.sales2).client
    assert issued.number not in other.get("/billing/invoices/").content.decode()
    assert issued.number not in text(other.get("/billing/invoices/", {"format": "csv"}))
    assert other.get(f"/billing/invoices/{issued.pk}/").status_code == 404
    assert other.post(f"/billing/invoices/{issued.pk}/approve/").status_code == 404
    # salespeople read, they do not prepare
    assert own.get(f"/billing/invoices/new/?order={order.pk}").status_code == 403
    assert session(org.keeper).client.get("/billing/invoices/").status_code == 403


def test_credit_note_through_the_pages(org, shipped_order, issue_invoice):
    order = shipped_order()
    invoice = issue_invoice(order)
    lines = list(invoice.lines.order_by("position"))
    clerk = session(org.clerk).client
    assert clerk.get(f"/billing/invoices/{invoice.pk}/credit-note/").status_code == 200
    r = clerk.post(
        f"/billing/invoices/{invoice.pk}/credit-note/",
        {"invoiced_on": "2026-06-01", f"qty-{lines[0].pk}": "11"},
    )
    assert r.status_code == 409 and not Invoice.objects.filter(kind="credit_note").exists()
    r = clerk.post(
        f"/billing/invoices/{invoice.pk}/credit-note/",
        {"invoiced_on": "2099-01-01", f"qty-{lines[0].pk}": "2", f"amount-{lines[1].pk}": "10.00"},
    )
    assert r.status_code == 302
    note = Invoice.objects.get(kind="credit_note")
    assert note.corrects == invoice and note.total_amount == Decimal("2270.00")
    page = clerk.get(f"/billing/invoices/{note.pk}/").content.decode()
    assert 'data-ok="0"' not in page and "✓" in page
