"""Pages of inquiries (S2): list, form with inline lines, detail, close, quote; scope."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from salesdept.sales.models import Inquiry, Quotation
from salesdept.sales.services import inquiries as svc

from .fixtures_quotes import *  # noqa: F403


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_register_edit_quote_close_through_the_pages(org, q_customer, q_product):
    client = client_for(org.sales1)
    assert client.get(reverse("sales:inquiry_create")).status_code == 200
    customer, product = q_customer(owner=org.sales1), q_product(price="300.00")
    data = {
        "customer": customer.pk,
        "channel": "online",
        "contact_name": "赵工",
        "received_on": timezone.localdate().isoformat(),
        "respond_by": timezone.localdate().isoformat(),
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": product.pk,
        "lines-0-quantity": "3",
        "lines-1-description": "非标配件",
        "lines-1-quantity": "1",
    }
    r = client.post(reverse("sales:inquiry_create"), data)
    assert r.status_code == 302, r.content.decode()[:2000]
    inquiry = Inquiry.objects.get()
    page = client.get(reverse("sales:inquiry_detail", args=[inquiry.pk])).content.decode()
    assert "非标配件" in page and 'data-testid="inquiry-quote"' in page
    r = client.post(reverse("sales:inquiry_quote", args=[inquiry.pk]))
    assert r.status_code == 400 and "非标配件" in r.content.decode()
    assert client.get(reverse("sales:inquiry_edit", args=[inquiry.pk])).status_code == 200
    data.update({"version": inquiry.version, "lines-1-DELETE": "on"})
    assert client.post(reverse("sales:inquiry_edit", args=[inquiry.pk]), data).status_code == 302
    r = client.post(reverse("sales:inquiry_quote", args=[inquiry.pk]))
    quotation = Quotation.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("sales:quotation_detail", args=[quotation.pk])
    assert client.post(reverse("sales:inquiry_close", args=[inquiry.pk]), {"reason": ""}).status_code == 400
    assert (
        client.post(reverse("sales:inquiry_close", args=[inquiry.pk]), {"reason": "已下单"}).status_code
        == 302
    )
    assert Inquiry.objects.get().status == "closed"


def test_list_scope_filters_export(org, q_customer, q_product):
    mine = svc.inquiry_create(
        by=org.sales1,
        customer_id=q_customer(owner=org.sales1).pk,
        lines=[{"description": "A", "quantity": "1"}],
    )
    theirs = svc.inquiry_create(
        by=org.sales3,
        customer_id=q_customer(owner=org.sales3).pk,
        lines=[{"description": "B", "quantity": "1"}],
    )
    client = client_for(org.sales1)
    page = client.get(
        reverse("sales:inquiry_list"), {"status": "open", "sort": "respond_by"}
    ).content.decode()
    assert mine.number in page and theirs.number not in page
    assert client.get(reverse("sales:inquiry_detail", args=[theirs.pk])).status_code == 404
    csv = b"".join(client.get(reverse("sales:inquiry_list"), {"format": "csv"}).streaming_content).decode(
        "utf-8-sig"
    )
    assert mine.number in csv and theirs.number not in csv
    assert (
        client_for(org.director)
        .get(reverse("sales:inquiry_list"))
        .content.decode()
        .count('data-testid="inquiry-row"')
        == 2
    )


@pytest.mark.parametrize("user", ["keeper"])
def test_no_permission_is_403(org, user):
    assert client_for(getattr(org, user)).get(reverse("sales:inquiry_list")).status_code == 403
