"""Returns 退货单 (F5): drafted against a shipped shipment, approved by a second person, received
back pending inspection at the cost they left with; the returned quantities move and the ledger
reverses the cost of goods sold."""

from decimal import Decimal

import pytest
from django.urls import reverse

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.ledger.models import JournalLine
from salesdept.shipping.models import ReturnAuthorisation, ReturnStatus
from salesdept.shipping.services import returns as services
from salesdept.warehouse.models import Quality, Stock, StockLot

from .conftest import order_lines, refresh, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped(org, wh, pump, valve, stock, make_order, ship):
    """A shipped shipment of 5 pumps (cost 10.00 each) and 3 valves (cost 4.00 each)."""
    stock(pump, 10, unit_cost="10.00")
    stock(valve, 10, unit_cost="4.00")
    order = make_order([(pump, 5), (valve, 3)])
    a, b = order_lines(order)
    return ship(order, [row(a, 5, wh.a1), row(b, 3, wh.a1)], state="shipped")


def _lines(shipment):
    return list(shipment.lines.order_by("position"))


def draft(org, shipment, quantities, reason="客户验收发现包装破损"):
    lines = _lines(shipment)
    return services.return_create(
        by=org.clerk,
        shipment_id=shipment.pk,
        data={
            "reason": reason,
            "lines": [{"shipment_line": lines[i].pk, "quantity": str(q)} for i, q in quantities.items()],
        },
    )


def test_a_received_return_brings_the_goods_back_pending_and_moves_the_returned_quantities(
    org, wh, pump, shipped
):
    ra = draft(org, shipped, {0: 2})
    assert ra.status == ReturnStatus.DRAFT and ra.amount == Decimal("200.00")
    services.return_submit(by=org.clerk, return_id=ra.pk)
    services.return_approve(by=org.manager1, return_id=ra.pk)
    ra = refresh(ra)
    assert ra.status == ReturnStatus.RECEIVED and ra.stock_document is not None
    pump_line = _lines(shipped)[0]
    assert pump_line.returned_quantity == 2
    assert pump_line.order_line.returned_quantity == 2
    # back where it left from, pending inspection (待检), at the cost it left with
    pending = StockLot.objects.get(product=pump, location=wh.a1, quality=Quality.PENDING)
    assert pending.quantity == 2
    assert Stock.objects.get(product=pump, location=wh.a1).value == Decimal(
        "70.00"
    )  # 5 left + 2 back at 10.00
    # cost of goods sold reversed: Cr 6401 20.00 for this return's stock document
    cogs = JournalLine.objects.filter(
        entry__source_type="warehouse.stockdocument",
        entry__source_id=ra.stock_document_id,
        account__code="6401",
    ).get()
    assert cogs.credit == Decimal("20.00") and cogs.customer_id == shipped.customer_id


def test_the_preparer_cannot_approve_their_own_return(org, shipped):
    ra = draft(org, shipped, {0: 1})
    services.return_submit(by=org.clerk, return_id=ra.pk)
    with pytest.raises(DomainError) as exc:
        services.return_approve(by=org.clerk, return_id=ra.pk)
    assert exc.value.code == "own_document"
    assert refresh(ra).status == ReturnStatus.SUBMITTED
    assert _lines(shipped)[0].returned_quantity == 0


def test_never_more_than_shipped_counting_other_returns_being_prepared(org, shipped):
    draft(org, shipped, {0: 4})
    with pytest.raises(ValidationFailed) as exc:
        draft(org, shipped, {0: 2})
    assert "lines.1.quantity" in exc.value.fields
    assert ReturnAuthorisation.objects.count() == 1


def test_bad_input_names_the_field_and_writes_nothing(org, shipped):
    with pytest.raises(ValidationFailed) as exc:
        draft(org, shipped, {0: 1}, reason="  ")
    assert "reason" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.return_create(
            by=org.clerk,
            shipment_id=shipped.pk,
            data={"reason": "x", "lines": [{"shipment_line": 0, "quantity": "1"}]},
        )
    assert "lines.1.shipment_line" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        draft(org, shipped, {0: "-1"})
    assert "lines.1.quantity" in exc.value.fields
    assert not ReturnAuthorisation.objects.exists()


def test_a_shipment_not_shipped_cannot_be_returned(org, wh, pump, stock, make_order, ship):
    stock(pump, 5)
    order = make_order([(pump, 2)])
    shipment = ship(order, [row(order_lines(order)[0], 2, wh.a1)], state="submitted")
    with pytest.raises(DomainError) as exc:
        services.return_create(by=org.clerk, shipment_id=shipment.pk, data={"reason": "x", "lines": []})
    assert exc.value.code == "not_shipped"


def test_returned_goods_can_be_shipped_again_as_an_exchange(org, wh, pump, shipped, ship):
    ra = draft(org, shipped, {0: 2})
    services.return_submit(by=org.clerk, return_id=ra.pk)
    services.return_approve(by=org.finance, return_id=ra.pk)
    # 2 of the order line are open again (shipped − returned); the exchange ships new ones
    order = shipped.order
    exchange = ship(order, [row(_lines(shipped)[0].order_line, 2, wh.a1)], state="shipped")
    line = refresh(_lines(shipped)[0].order_line)
    assert exchange.status == "shipped"
    # shipped is what the customer kept: 3 of the first shipment and the 2 of the exchange
    assert line.shipped_quantity == 5 and line.returned_quantity == 2


def test_scope_a_colleague_does_not_see_the_return(org, client, shipped):
    ra = draft(org, shipped, {1: 1})
    client.force_login(org.sales2)
    assert client.get(reverse("shipping:return_detail", args=[ra.pk])).status_code == 404
    assert client.get("/api/v1/returns").json()["count"] == 0
    client.force_login(org.sales1)
    assert client.get(reverse("shipping:return_detail", args=[ra.pk])).status_code == 200


def test_pages_create_and_review_a_return(org, client, shipped):
    client.force_login(org.clerk)
    page = client.get(reverse("shipping:return_create") + f"?shipment={shipped.pk}")
    assert page.status_code == 200 and "returnable-row" in page.content.decode()
    line = _lines(shipped)[0]
    answer = client.post(
        reverse("shipping:return_create"), {"shipment": shipped.pk, f"qty-{line.pk}": "9", "reason": "坏了"}
    )
    assert answer.status_code == 400 and not ReturnAuthorisation.objects.exists()
    answer = client.post(
        reverse("shipping:return_create"), {"shipment": shipped.pk, f"qty-{line.pk}": "1", "reason": "坏了"}
    )
    ra = ReturnAuthorisation.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("shipping:return_detail", args=[ra.pk])
    client.post(reverse("shipping:return_action", args=[ra.pk, "submit"]))
    assert client.post(reverse("shipping:return_action", args=[ra.pk, "approve"])).status_code == 409
    client.force_login(org.manager1)
    detail = client.get(reverse("shipping:return_detail", args=[ra.pk])).content.decode()
    assert 'data-action="approve"' in detail
    client.post(reverse("shipping:return_action", args=[ra.pk, "approve"]))
    assert refresh(ra).status == ReturnStatus.RECEIVED
    listing = client.get(reverse("shipping:return_list") + "?format=csv")
    assert ra.number in b"".join(listing.streaming_content).decode("utf-8-sig")


def test_api_the_same_refusal_as_the_service(org, client, shipped):
    line = _lines(shipped)[0]
    client.force_login(org.clerk)
    made = client.post(
        "/api/v1/returns",
        {
            "shipment": shipped.pk,
            "reason": "错发型号",
            "lines": [{"shipment_line": line.pk, "quantity": "1"}],
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    ra_id = made.json()["id"]
    assert (
        client.post(f"/api/v1/returns/{ra_id}/submit", {}, content_type="application/json").status_code == 200
    )
    refused = client.post(f"/api/v1/returns/{ra_id}/approve", {}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "own_document"
    bad = client.post(
        "/api/v1/returns",
        {"shipment": shipped.pk, "reason": "x", "lines": [{"shipment_line": line.pk, "quantity": "99"}]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "lines.1.quantity" in bad.json()["error"]["fields"]
    client.force_login(org.finance)
    approved = client.post(f"/api/v1/returns/{ra_id}/approve", {}, content_type="application/json")
    assert approved.json()["status"] == "received"
