"""/api/v1/shipments: the same services as the pages, so the same refusals with the same codes —
the preparer cannot approve through the API what the page refuses; scope answers 404."""

import datetime
from decimal import Decimal

from django.utils import timezone

from salesdept.shipping.models import Shipment
from salesdept.warehouse.models import Stock
from tests.api_helpers import assert_error, bearer, session

from .conftest import order_lines, refresh, row


def test_create_submit_approve_deliver_through_the_api(org, wh, pump, valve, stock, make_order):
    stock(pump, 5, unit_cost="40.00")
    stock(valve, 5, location=wh.a2)
    order = make_order([(pump, 3), (valve, 2)])
    clerk = bearer(org.clerk)
    # open lines of the order
    response = clerk.get("/shipments/open-lines", {"order": order.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(x["ordered"], x["open"]) for x in body["lines"]] == [("3.000", "3.000"), ("2.000", "2.000")]
    # a draft with every open line by default
    response = clerk.post("/shipments", {"order": order.pk, "warehouse": wh.pk, "tracking_number": "SF9"})
    assert response.status_code == 201, response.content
    shipment = response.json()
    assert shipment["status"] == "draft" and shipment["amount"] == "340.00"
    assert [(x["quantity"], x["location_id"]) for x in shipment["lines"]] == [
        ("3.000", wh.a1.pk),
        ("2.000", wh.a2.pk),
    ]
    assert "submit" in shipment["actions"] and "edit" in shipment["actions"]
    sid = shipment["id"]
    response = clerk.patch(f"/shipments/{sid}", {"version": shipment["version"], "notes": "轻放"})
    assert response.status_code == 200 and response.json()["notes"] == "轻放"
    assert_error(clerk.patch(f"/shipments/{sid}", {"version": 1, "notes": "x"}), 409, "stale_version")
    response = clerk.post(f"/shipments/{sid}/submit")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert Stock.objects.get(product=pump, location=wh.a1).reserved == 3
    # the preparer cannot approve through the API either (the same code as the page and service)
    assert_error(clerk.post(f"/shipments/{sid}/approve"), 409, "own_document")
    assert_error(session(org.sales1).post(f"/shipments/{sid}/approve"), 403, "not_your_step")
    finance = bearer(org.finance)
    response = finance.post(f"/shipments/{sid}/approve", {"note": "已复核"})
    assert response.status_code == 200, response.content
    shipped = response.json()
    assert shipped["status"] == "shipped" and shipped["stock_document_id"]
    assert shipped["lines"][0]["cost"] == "120.00"
    assert [e["action"] for e in shipped["history"]][-2:] == ["approve_step", "approve"]
    assert refresh(order_lines(order)[0]).shipped_quantity == 3
    # deliver
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    error = assert_error(
        clerk.post(f"/shipments/{sid}/deliver", {"delivered_on": tomorrow, "received_by": "王"}),
        400,
        "invalid",
    )
    assert "delivered_on" in error["fields"]
    response = clerk.post(
        f"/shipments/{sid}/deliver",
        {"delivered_on": timezone.localdate().isoformat(), "received_by": "王经理"},
    )
    assert response.status_code == 200 and response.json()["status"] == "delivered"


def test_api_refusals_name_the_field(org, wh, pump, stock, make_order, ship):
    stock(pump, 5)
    order = make_order([(pump, 2)])
    (line,) = order_lines(order)
    clerk = bearer(org.clerk)
    error = assert_error(
        clerk.post("/shipments", {"order": order.pk, "warehouse": wh.pk, "lines": [row(line, 3, wh.a1)]}),
        409,
        "over_shipping",
    )
    assert "lines.1.quantity" in error["fields"]
    assert_error(
        clerk.post("/shipments", {"order": order.pk, "warehouse": wh.pk, "lines": [row(line, "-1", wh.a1)]}),
        400,
        "invalid",
        {"lines.1.quantity"},
    )
    assert_error(
        clerk.post("/shipments", {"order": order.pk, "warehouse": wh.pk, "method": "carrier"}),
        400,
        "invalid",
        {"carrier"},
    )
    assert_error(clerk.post("/shipments", {"order": order.pk, "status": "shipped"}), 422, "validation_error")
    assert_error(clerk.post("/shipments", {"order": 999999, "warehouse": wh.pk}), 404, "not_found")
    assert not Shipment.objects.exists()
    # reject needs a note
    shipment = ship(order, [row(line, 2, wh.a1)], state="submitted")
    assert_error(bearer(org.finance).post(f"/shipments/{shipment.pk}/reject"), 400, "reason_required")
    response = bearer(org.finance).post(f"/shipments/{shipment.pk}/reject", {"note": "数量不对"})
    assert response.status_code == 200 and response.json()["status"] == "draft"
    response = clerk.post(f"/shipments/{shipment.pk}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_api_scope_lists_late_and_404(org, wh, pump, stock, make_order, ship):
    stock(pump, 4)
    past = timezone.localdate() - datetime.timedelta(days=1)
    mine = ship(make_order([(pump, 2)]), warehouse=wh.pk, promised_on=past)
    theirs = ship(make_order([(pump, 2)], owner=org.sales2), warehouse=wh.pk)
    sales1 = bearer(org.sales1)
    body = sales1.get("/shipments").json()
    assert [x["number"] for x in body["items"]] == [mine.number] and body["count"] == 1
    late = sales1.get("/shipments/late").json()
    assert [x["number"] for x in late["items"]] == [mine.number]
    assert_error(sales1.get(f"/shipments/{theirs.pk}"), 404, "not_found")
    assert_error(sales1.post(f"/shipments/{theirs.pk}/cancel"), 404, "not_found")
    assert_error(sales1.get("/shipments/open-lines", {"order": theirs.order_id}), 404, "not_found")
    assert (
        sales1.get("/shipments", {"q": mine.number[-6:], "status": "draft", "late": "true"}).json()["count"]
        == 1
    )
    assert_error(sales1.get("/shipments", {"status": "lost"}), 422, "validation_error")
    clerk = bearer(org.clerk)
    assert clerk.get("/shipments", {"order": theirs.order_id}).json()["count"] == 1
    assert clerk.get("/shipments", {"sort": "-amount"}).status_code == 200
    assert Decimal(clerk.get(f"/shipments/{mine.pk}").json()["amount"]) == mine.amount
