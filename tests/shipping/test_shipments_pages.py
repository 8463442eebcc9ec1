"""Pages of shipments in English and 简体中文: the clerk prepares a shipment from a confirmed
order (open lines pre-filled), submits it; a second person approves it on the page (the preparer
does not even see the button, and a forged POST is refused); sending back needs a reason;
delivery is confirmed with a form; lists, the late list and exports follow the scope rule."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from salesdept.shipping.models import Shipment
from salesdept.shipping.services import shipments as services
from tests.api_helpers import bearer

from .conftest import order_lines, refresh, row


def client_for(user, lang: str = "en") -> Client:
    client = Client(headers={"accept-language": lang})
    client.force_login(user)
    return client


def formset(prefix: str, rows: list[dict], extra_empty: int = 1) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows) + extra_empty),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "500",
    }
    for i, r in enumerate(rows):
        for key, value in r.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def text(response) -> str:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


def header(wh, **more) -> dict:
    today = timezone.localdate().isoformat()
    return {"warehouse": wh.pk, "method": "own", "promised_on": today, "ship_to": "上海", "notes": "", **more}


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_create_page_prefills_the_open_lines(org, wh, pump, valve, stock, make_order, lang):
    stock(pump, 5)
    stock(valve, 2, location=wh.a2)
    order = make_order([(pump, 3), (valve, 4)])
    response = client_for(org.clerk, lang).get("/shipping/shipments/new/", {"order": order.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}"' in html and order.number in html
    assert 'data-testid="open-lines"' in html and 'data-testid="formset-gifts"' in html
    # the pump from A-01-01 (3), the valves: 2 from A-01-02 and 2 without a source yet
    assert 'name="lines-0-quantity" value="3"' in html
    assert 'name="lines-1-quantity" value="2"' in html and 'name="lines-2-quantity" value="2"' in html
    assert f'<option value="{wh.a2.pk}" selected' in html


def test_clerk_creates_submits_and_a_second_person_approves(org, wh, pump, stock, make_order):
    stock(pump, 5)
    order = make_order([(pump, 3)])
    (line,) = order_lines(order)
    clerk = client_for(org.clerk)
    data = {
        "order": order.pk,
        **header(wh, tracking_number="SF001"),
        **formset("lines", [{"order_line": line.pk, "quantity": "3", "location": wh.a1.pk}]),
        **formset("gifts", []),
    }
    response = clerk.post(f"/shipping/shipments/new/?order={order.pk}", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    shipment = Shipment.objects.get()
    assert response["Location"] == f"/shipping/shipments/{shipment.pk}/"
    html = clerk.get(response["Location"]).content.decode()
    assert 'data-action="submit"' in html and 'data-action="cancel"' in html
    assert clerk.post(f"/shipping/shipments/{shipment.pk}/submit/").status_code == 302
    # the preparer gets no approve button, and a forged POST is refused with the core's rule
    html = clerk.get(f"/shipping/shipments/{shipment.pk}/").content.decode()
    assert 'data-action="approve"' not in html and 'data-status="submitted"' in html
    refused = clerk.post(f"/shipping/shipments/{shipment.pk}/approve/")
    assert refused.status_code == 409 and "cannot approve" in refused.content.decode()
    assert refresh(shipment).status == "submitted"
    # the manager approves
    manager = client_for(org.manager1)
    html = manager.get(f"/shipping/shipments/{shipment.pk}/").content.decode()
    assert 'data-action="approve"' in html and 'data-action="reject"' in html
    assert manager.post(f"/shipping/shipments/{shipment.pk}/approve/", {"note": "OK"}).status_code == 302
    assert refresh(shipment).status == "shipped" and refresh(line).shipped_quantity == 3
    html = manager.get(f"/shipping/shipments/{shipment.pk}/").content.decode()
    assert 'data-status="shipped"' in html and 'data-testid="document-history"' in html


def test_bad_input_comes_back_next_to_the_line(org, wh, pump, stock, make_order):
    stock(pump, 5)
    order = make_order([(pump, 3)])
    (line,) = order_lines(order)
    data = {
        "order": order.pk,
        **header(wh),
        **formset("lines", [{"order_line": line.pk, "quantity": "4", "location": wh.a1.pk}]),
        **formset("gifts", []),
    }
    response = client_for(org.clerk).post(f"/shipping/shipments/new/?order={order.pk}", data)
    assert response.status_code == 409
    assert "only 3 of order line 1 are still open" in response.content.decode()
    data["method"] = "carrier"
    data["lines-0-quantity"] = "2"
    response = client_for(org.clerk).post(f"/shipping/shipments/new/?order={order.pk}", data)
    assert response.status_code == 400 and "carrier" in response.content.decode()
    assert not Shipment.objects.exists()


def test_edit_page_saves_a_draft(org, wh, pump, stock, make_order, ship):
    stock(pump, 5)
    order = make_order([(pump, 3)])
    (line,) = order_lines(order)
    shipment = ship(order, [row(line, 1, wh.a1)])
    clerk = client_for(org.clerk)
    html = clerk.get(f"/shipping/shipments/{shipment.pk}/edit/").content.decode()
    assert 'name="lines-0-quantity" value="1"' in html
    data = {
        **header(wh, version=shipment.version),
        **formset("lines", [{"order_line": line.pk, "quantity": "3", "location": wh.a1.pk}]),
        **formset("gifts", []),
    }
    assert clerk.post(f"/shipping/shipments/{shipment.pk}/edit/", data).status_code == 302
    assert list(refresh(shipment).lines.values_list("quantity", flat=True)) == [3]


def test_send_back_needs_a_reason_and_cancel_asks_first(org, wh, pump, stock, make_order, ship):
    stock(pump, 2)
    order = make_order([(pump, 2)])
    (line,) = order_lines(order)
    shipment = ship(order, [row(line, 2, wh.a1)], state="submitted")
    finance = client_for(org.finance)
    response = finance.post(f"/shipping/shipments/{shipment.pk}/reject/", {"note": ""})
    assert response.status_code == 400 and refresh(shipment).status == "submitted"
    assert finance.post(f"/shipping/shipments/{shipment.pk}/reject/", {"note": "缺少运单"}).status_code == 302
    assert refresh(shipment).status == "draft"
    html = client_for(org.clerk).get(f"/shipping/shipments/{shipment.pk}/").content.decode()
    assert "缺少运单" in html and "data-confirm=" in html


def test_delivery_form(org, wh, pump, stock, make_order, ship):
    stock(pump, 1)
    order = make_order([(pump, 1)])
    (line,) = order_lines(order)
    shipment = ship(order, [row(line, 1, wh.a1)], state="shipped")
    keeper = client_for(org.keeper)
    html = keeper.get(f"/shipping/shipments/{shipment.pk}/").content.decode()
    assert 'data-testid="deliver-form"' in html
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = keeper.post(
        f"/shipping/shipments/{shipment.pk}/deliver/", {"delivered_on": tomorrow, "received_by": "王"}
    )
    assert response.status_code == 400 and "cannot be in the future" in response.content.decode()
    response = keeper.post(
        f"/shipping/shipments/{shipment.pk}/deliver/",
        {"delivered_on": timezone.localdate().isoformat(), "received_by": "王经理"},
    )
    assert response.status_code == 302 and refresh(shipment).status == "delivered"


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_list_late_list_and_export_follow_the_scope(org, wh, pump, stock, make_order, ship, lang):
    stock(pump, 4)
    past = timezone.localdate() - datetime.timedelta(days=2)
    mine = ship(make_order([(pump, 2)]), warehouse=wh.pk, promised_on=past)
    theirs = ship(make_order([(pump, 2)], owner=org.sales2), warehouse=wh.pk)
    sales1 = client_for(org.sales1, lang)
    html = sales1.get("/shipping/shipments/").content.decode()
    assert mine.number in html and theirs.number not in html and 'data-status="draft"' in html
    html = sales1.get("/shipping/shipments/late/").content.decode()
    assert mine.number in html and 'data-testid="late-badge"' in html
    csv = text(sales1.get("/shipping/shipments/", {"format": "csv"}))
    assert mine.number in csv and theirs.number not in csv
    xlsx = sales1.get("/shipping/shipments/late/", {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    assert sales1.get(f"/shipping/shipments/{mine.pk}/").status_code == 200
    sales2 = client_for(org.sales2, lang)
    assert sales2.get(f"/shipping/shipments/{mine.pk}/").status_code == 404
    assert sales2.post(f"/shipping/shipments/{mine.pk}/cancel/").status_code == 404
    csv = text(sales2.get("/shipping/shipments/", {"format": "csv"}))
    assert mine.number not in csv and theirs.number in csv
    # salespeople read; they get no buttons and cannot prepare shipments
    html = sales1.get(f"/shipping/shipments/{mine.pk}/").content.decode()
    assert 'data-action="submit"' not in html
    assert sales1.get(f"/shipping/shipments/new/?order={mine.order_id}").status_code == 403


def test_empty_lists_and_sorting(org):
    clerk = client_for(org.clerk)
    html = clerk.get("/shipping/shipments/").content.decode()
    assert 'data-testid="empty-state"' in html and "No shipments yet." in html
    html = clerk.get("/shipping/shipments/late/").content.decode()
    assert "No late shipments" in html
    assert clerk.get("/shipping/shipments/", {"sort": "-amount"}).status_code == 200
    assert (
        clerk.get("/shipping/shipments/", {"date_from": "2026-02-01", "date_to": "2026-01-01"}).status_code
        == 200
    )
    assert clerk.get("/shipping/shipments/", {"format": "pdf"}).status_code == 400


def test_create_page_without_a_confirmed_order(org, pump, make_order):
    draft = make_order([(pump, 1)], confirm=False)
    clerk = client_for(org.clerk)
    assert clerk.get("/shipping/shipments/new/").status_code == 302
    response = clerk.get("/shipping/shipments/new/", {"order": draft.pk})
    assert response.status_code == 302 and response["Location"] == draft.get_absolute_url()
    assert clerk.get("/shipping/shipments/new/", {"order": 999999}).status_code == 404
    assert services.LIVE  # the module imports (used by the form's open quantities)


def test_list_pages_keep_a_query_budget(
    org, wh, pump, stock, make_order, ship, django_assert_max_num_queries
):
    stock(pump, 20)
    for _ in range(6):
        ship(make_order([(pump, 2)]), warehouse=wh.pk)
    clerk = client_for(org.clerk)
    with django_assert_max_num_queries(20):
        assert clerk.get("/shipping/shipments/").status_code == 200
    with django_assert_max_num_queries(20):
        assert bearer(org.clerk).get("/shipments").status_code == 200
