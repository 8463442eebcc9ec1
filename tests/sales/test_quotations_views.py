"""Pages of quotations (S2): list with filters and export, the form with inline lines, detail
with revisions and the actions, the PDF; scope (404) and permissions (403)."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from salesdept.sales.models import Quotation
from salesdept.sales.services import quotations as svc

from .fixtures_quotes import *  # noqa: F403

TODAY = timezone.localdate


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(customer, lines, **extra):
    data = {
        "customer": customer.pk,
        "channel": "direct",
        "quoted_on": TODAY().isoformat(),
        "valid_until": (TODAY() + datetime.timedelta(days=20)).isoformat(),
        "language": "zh-hans",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        **extra,
    }
    for i, line in enumerate(lines):
        for key, value in line.items():
            data[f"lines-{i}-{key}"] = value
    return data


def test_create_through_the_form(org, q_customer, q_product):
    client = client_for(org.sales1)
    page = client.get(reverse("sales:quotation_create"))
    assert (
        page.status_code == 200 and b'id="line-template"' in page.content and b"line-prices" in page.content
    )
    customer, product = q_customer(owner=org.sales1), q_product(price="800.00")
    data = form_data(
        customer,
        [
            {"product": product.pk, "quantity": "2", "discount": "5"},
            {"product": product.pk, "quantity": "1", "unit_price": "790.00"},
            {"product": product.pk, "quantity": "9", "DELETE": "on"},
        ],
    )
    r = client.post(reverse("sales:quotation_create"), data)
    assert r.status_code == 302, r.content.decode()[:3000]
    q = Quotation.objects.get()
    assert q.total_amount == Decimal("1520.00") + Decimal("790.00") and q.lines.count() == 2


def test_form_errors_are_shown_and_nothing_written(org, q_customer, q_product):
    client = client_for(org.sales1)
    customer, product = q_customer(owner=org.sales1), q_product(price="800.00")
    r = client.post(
        reverse("sales:quotation_create"),
        form_data(customer, [{"product": product.pk, "quantity": "1", "unit_price": "900"}]),
    )
    assert r.status_code == 400 and "800.00" in r.content.decode()
    r = client.post(
        reverse("sales:quotation_create"), form_data(customer, [{"product": "", "quantity": "1"}])
    )
    assert r.status_code == 400
    assert not Quotation.objects.exists()


def test_detail_actions_and_revisions(org, q_quotation):
    client = client_for(org.sales1)
    q = q_quotation(org.sales1)
    page = client.get(reverse("sales:quotation_detail", args=[q.pk])).content.decode()
    assert 'data-testid="quotation-send"' in page and q.number in page
    r = client.post(reverse("sales:quotation_action", args=[q.pk, "send"]), {"version": q.version})
    assert r.status_code == 302 and Quotation.objects.get(pk=q.pk).status == "sent"
    r = client.post(reverse("sales:quotation_action", args=[q.pk, "revise"]))
    v2 = Quotation.objects.get(previous=q)
    assert r.status_code == 302 and r["Location"] == reverse("sales:quotation_detail", args=[v2.pk])
    old = client.get(reverse("sales:quotation_detail", args=[q.pk])).content.decode()
    assert 'data-testid="read-only-badge"' in old and 'data-testid="quotation-edit"' not in old
    assert 'data-status="superseded"' in old and 'data-status="sent"' in old  # history rows
    assert v2.number in old
    assert client.get(reverse("sales:quotation_edit", args=[q.pk])).status_code == 302
    assert client.get(reverse("sales:quotation_edit", args=[v2.pk])).status_code == 200
    r = client.post(reverse("sales:quotation_action", args=[q.pk, "send"]))
    assert r.status_code == 409


def test_accepted_shows_conversion_buttons_when_available(org, q_quotation):
    q = q_quotation(org.sales1)
    svc.quotation_send(by=org.sales1, quotation_id=q.pk)
    svc.quotation_accept(by=org.sales1, quotation_id=q.pk)
    r = client_for(org.sales1).get(reverse("sales:quotation_detail", args=[q.pk]))
    assert r.status_code == 200  # renders whether or not the contract pages exist yet


def test_expired_badge_and_filter(org, q_quotation):
    q = q_quotation(org.sales1)
    svc.quotation_send(by=org.sales1, quotation_id=q.pk)
    Quotation.objects.filter(pk=q.pk).update(valid_until=TODAY() - datetime.timedelta(days=1))
    client = client_for(org.sales1)
    page = client.get(reverse("sales:quotation_list"), {"status": "expired"}).content.decode()
    assert 'data-testid="expired-badge"' in page and q.number in page
    r = client.post(reverse("sales:quotation_action", args=[q.pk, "accept"]))
    assert r.status_code == 409 and Quotation.objects.get(pk=q.pk).status == "sent"


def test_list_filters_sort_export(org, q_quotation):
    mine, theirs = q_quotation(org.sales1), q_quotation(org.sales3)
    client = client_for(org.sales1)
    page = client.get(reverse("sales:quotation_list"), {"sort": "-total_amount"}).content.decode()
    assert mine.number in page and theirs.number not in page
    csv = client.get(reverse("sales:quotation_list"), {"format": "csv"})
    assert csv.status_code == 200 and mine.number in b"".join(csv.streaming_content).decode("utf-8-sig")
    assert client.get(reverse("sales:quotation_list"), {"format": "xlsx"}).status_code == 200
    assert (
        client.get(
            reverse("sales:quotation_list"), {"date_from": "2026-05-02", "date_to": "2026-05-01"}
        ).status_code
        == 200
    )


@pytest.mark.parametrize("name", ["quotation_detail", "quotation_edit", "quotation_pdf"])
def test_out_of_scope_is_404(org, q_quotation, name):
    q = q_quotation(org.sales3)
    assert client_for(org.sales1).get(reverse(f"sales:{name}", args=[q.pk])).status_code == 404


def test_permissions(org, q_quotation):
    q = q_quotation(org.sales1)
    assert client_for(org.keeper).get(reverse("sales:quotation_list")).status_code == 403
    assert client_for(org.finance).get(reverse("sales:quotation_detail", args=[q.pk])).status_code == 200
    assert (
        client_for(org.finance).post(reverse("sales:quotation_action", args=[q.pk, "send"])).status_code
        == 403
    )
    assert client_for(org.auditor).get(reverse("sales:quotation_create")).status_code == 403


def test_pdf_page(org, q_quotation):
    q = q_quotation(org.sales1)
    r = client_for(org.sales1).get(reverse("sales:quotation_pdf", args=[q.pk]), {"lang": "en"})
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_chinese_page(org, q_quotation):
    q = q_quotation(org.sales1)
    client = client_for(org.sales1)
    r = client.get(reverse("sales:quotation_detail", args=[q.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 200
