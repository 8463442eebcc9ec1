"""The contract and order pages through the test client (full middleware, real URLs): list with
filters and export, the form with its line / milestone / delivery editors, detail with the
review route and buttons, signing with the upload, orders from the delivery schedule, the PDF."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from salesdept.sales.models import Contract, SalesOrder

from .conftest import PDF_BYTES, refresh


def client_for(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _management(prefix, total):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_list_filters_sort_and_export(org, make_contract):
    signed = make_contract(lines=[("300000.00", "1")], state="signed")
    draft = make_contract(lines=[("10.00", "1")])
    client = client_for(org.sales1)
    r = client.get("/sales/contracts/")
    assert r.status_code == 200
    assert signed.number in r.content.decode() and draft.number in r.content.decode()
    r = client.get("/sales/contracts/", {"status": "signed"})
    assert signed.number in r.content.decode() and draft.number not in r.content.decode()
    r = client.get("/sales/contracts/", {"amount_min": "1000", "sort": "-total_amount"})
    assert draft.number not in r.content.decode()
    today = timezone.localdate().isoformat()
    r = client.get("/sales/contracts/", {"signed_from": today, "signed_to": today})
    assert signed.number in r.content.decode() and draft.number not in r.content.decode()
    r = client.get("/sales/contracts/", {"format": "csv"})
    assert r.status_code == 200 and signed.number in b"".join(r.streaming_content).decode("utf-8-sig")
    r = client.get("/sales/contracts/", {"format": "xlsx"})
    assert r.status_code == 200
    assert client_for(org.sales3).get("/sales/contracts/").content.decode().count(signed.number) == 0
    assert client_for(org.keeper).get("/sales/contracts/").status_code == 403


def test_create_through_the_form(org, make_customer, make_product):
    customer, product = make_customer(), make_product(price="500.00", name="液压泵")
    client = client_for(org.sales1)
    assert client.get("/sales/contracts/new/").status_code == 200
    day = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    data = {
        "title": "液压泵采购合同",
        "customer": customer.pk,
        "channel": "direct",
        "language": "zh-hans",
        **_management("lines", 2),
        "lines-0-product": product.pk,
        "lines-0-quantity": "4",
        "lines-0-discount": "0",
        **_management("milestones", 2),
        "milestones-0-label": "预付款",
        "milestones-0-percent": "30",
        "milestones-0-trigger": "signing",
        "milestones-1-label": "尾款",
        "milestones-1-percent": "70",
        "milestones-1-trigger": "delivery",
        "milestones-1-days": "30",
        **_management("deliveries", 1),
        "deliveries-0-line": "1",
        "deliveries-0-planned_on": day,
        "deliveries-0-quantity": "4",
    }
    r = client.post("/sales/contracts/new/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    contract = Contract.objects.get()
    assert (
        contract.total_amount == 2000
        and contract.milestones.count() == 2
        and contract.deliveries.count() == 1
    )
    # shares not adding up: the page answers 400 and says so next to the milestones
    bad = {**data, "milestones-1-percent": "60"}
    r = client.post("/sales/contracts/new/", bad)
    assert r.status_code == 400
    assert "100" in r.content.decode()
    # a line's error sits on that line
    bad = {**data, "lines-0-quantity": "-3"}
    r = client.post("/sales/contracts/new/", bad)
    assert r.status_code == 400


def test_detail_shows_route_history_and_buttons(org, make_contract):
    contract = make_contract(lines=[("200000.00", "1")], state="submitted")
    page = client_for(org.manager1, "zh-hans").get(f"/sales/contracts/{contract.pk}/").content.decode()
    assert 'data-action="approve"' in page and 'data-state="next"' in page
    own = client_for(org.sales1).get(f"/sales/contracts/{contract.pk}/").content.decode()
    assert 'data-action="approve"' not in own
    r = client_for(org.manager1).post(f"/sales/contracts/{contract.pk}/approve/", {"note": "价格合理"})
    assert r.status_code == 302
    page = client_for(org.finance).get(f"/sales/contracts/{contract.pk}/").content.decode()
    assert "价格合理" in page and 'data-state="done"' in page
    # the preparer posting approve anyway: refused with 409 and the reason shown
    r = client_for(org.sales1).post(f"/sales/contracts/{contract.pk}/approve/")
    assert r.status_code == 409
    assert client_for(org.sales3).get(f"/sales/contracts/{contract.pk}/").status_code == 404


def test_sign_page_requires_the_file(org, make_contract):
    contract = make_contract(state="approved")
    client = client_for(org.clerk)
    assert client.get(f"/sales/contracts/{contract.pk}/sign/").status_code == 200
    r = client.post(f"/sales/contracts/{contract.pk}/sign/", {"signed_on": timezone.localdate().isoformat()})
    assert r.status_code == 400 and refresh(contract).status == "approved"
    r = client.post(
        f"/sales/contracts/{contract.pk}/sign/",
        {
            "signed_on": timezone.localdate().isoformat(),
            "signed_copy": SimpleUploadedFile("s.pdf", PDF_BYTES),
        },
    )
    assert r.status_code == 302 and refresh(contract).status == "signed"
    assert client_for(org.sales1).get(f"/sales/contracts/{contract.pk}/sign/").status_code == 403


def test_orders_from_the_schedule_page(org, make_contract):
    contract = make_contract(lines=[("100.00", "6")], state="signed")
    delivery = contract.deliveries.get()
    client = client_for(org.sales1)
    assert client.get(f"/sales/contracts/{contract.pk}/orders/new/").status_code == 200
    r = client.post(
        f"/sales/contracts/{contract.pk}/orders/new/", {f"pick-{delivery.pk}": "1", f"qty-{delivery.pk}": "7"}
    )
    assert r.status_code == 409 and not SalesOrder.objects.exists()
    r = client.post(
        f"/sales/contracts/{contract.pk}/orders/new/", {f"pick-{delivery.pk}": "1", f"qty-{delivery.pk}": "4"}
    )
    assert r.status_code == 302
    order = SalesOrder.objects.get()
    assert client.get(f"/sales/orders/{order.pk}/").status_code == 200
    assert client.get("/sales/orders/").status_code == 200
    assert client.post(f"/sales/orders/{order.pk}/confirm/").status_code == 302
    assert refresh(order).status == "confirmed"


def test_direct_order_form(org, make_customer, make_product):
    customer, product = make_customer(), make_product(price="80.00")
    client = client_for(org.sales1)
    assert client.get("/sales/orders/new/").status_code == 200
    r = client.post(
        "/sales/orders/new/",
        {
            "customer": customer.pk,
            "channel": "direct",
            "ordered_on": timezone.localdate().isoformat(),
            **_management("lines", 1),
            "lines-0-product": product.pk,
            "lines-0-quantity": "2",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert SalesOrder.objects.get().total_amount == 160


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pdf_has_the_chinese_product_names(org, make_contract, language):
    from pypdf import PdfReader

    contract = make_contract(lines=[("12345.60", "1")], state="signed")
    name = contract.lines.get().product.name
    r = client_for(org.sales1).get(f"/sales/contracts/{contract.pk}/pdf/", {"language": language})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    assert name in text
    assert contract.customer.name in text
    assert "壹万贰仟叁佰肆拾伍元陆角整" in text
    assert client_for(org.sales3).get(f"/sales/contracts/{contract.pk}/pdf/").status_code == 404


def test_dashboard_lists_contracts_waiting_for_my_step(org, make_contract):
    contract = make_contract(lines=[("150000.00", "1")], state="submitted")
    assert contract.number in client_for(org.manager1).get("/").content.decode()
    assert contract.number not in client_for(org.finance).get("/").content.decode()
    client_for(org.manager1).post(f"/sales/contracts/{contract.pk}/approve/")
    assert contract.number in client_for(org.finance).get("/").content.decode()
    assert contract.number not in client_for(org.manager1).get("/").content.decode()
    page = client_for(org.finance).get("/sales/contracts/", {"waiting": "on"}).content.decode()
    assert contract.number in page
