"""Inquiry services (S2): register, edit while open, close with a reason, quote into a draft
quotation priced from the catalog."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from salesdept.catalog.models import PriceList, PriceListItem
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.sales.models import Inquiry, InquiryLine, Quotation
from salesdept.sales.services import inquiries as svc

from .fixtures_quotes import *  # noqa: F403

TODAY = timezone.localdate


@pytest.fixture
def make_inquiry(q_customer, q_product):
    def make(by, lines=None, *, customer=None, **kwargs):
        customer = customer or q_customer(owner=by)
        lines = lines if lines is not None else [{"product_id": q_product().pk, "quantity": "2"}]
        return svc.inquiry_create(by=by, customer_id=customer.pk, lines=lines, **kwargs)

    return make


def test_create_defaults(org, make_inquiry, q_product):
    inquiry = make_inquiry(
        org.sales1,
        lines=[
            {"product_id": q_product().pk, "quantity": "2"},
            {"description": "定制液压缸 非标", "quantity": "5"},
        ],
        contact_name="王经理",
        channel="project",
    )
    assert inquiry.number.startswith(f"INQ-{TODAY().year}-")
    assert inquiry.status == Inquiry.Status.OPEN and inquiry.owner == org.sales1
    assert inquiry.received_on == TODAY() and inquiry.respond_by == TODAY() + datetime.timedelta(days=3)
    assert [line.position for line in inquiry.lines.all()] == [1, 2]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"lines": [{"quantity": "1"}]}, "lines.0.product"),
        ({"lines": [{"description": "x", "quantity": "0"}]}, "lines.0.quantity"),
        ({"lines": []}, "lines"),
        ({"received_on": datetime.date(2026, 5, 10), "respond_by": datetime.date(2026, 5, 9)}, "respond_by"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(org, make_inquiry, kwargs, field):
    with pytest.raises(ValidationFailed) as caught:
        make_inquiry(org.sales1, **kwargs)
    assert field in caught.value.fields
    assert not Inquiry.objects.exists() and not InquiryLine.objects.exists()


def test_customer_must_be_visible(org, make_inquiry, q_customer):
    with pytest.raises(ValidationFailed) as caught:
        make_inquiry(org.sales1, customer=q_customer(owner=org.sales3))
    assert "customer" in caught.value.fields


def test_update_while_open_with_version(org, make_inquiry):
    inquiry = make_inquiry(org.sales1)
    updated = svc.inquiry_update(
        by=org.sales1,
        inquiry_id=inquiry.pk,
        version=1,
        contact_name="李工",
        lines=[{"description": "备件", "quantity": "7"}],
    )
    assert updated.version == 2 and updated.lines.get().description == "备件"
    with pytest.raises(DomainError) as caught:
        svc.inquiry_update(by=org.sales1, inquiry_id=inquiry.pk, version=1, notes="x")
    assert caught.value.code == "stale_version"


def test_close_needs_a_reason(org, make_inquiry):
    inquiry = make_inquiry(org.sales1)
    with pytest.raises(ValidationFailed) as caught:
        svc.inquiry_close(by=org.sales1, inquiry_id=inquiry.pk, reason="  ")
    assert "reason" in caught.value.fields
    closed = svc.inquiry_close(by=org.sales1, inquiry_id=inquiry.pk, reason="客户取消采购")
    assert closed.status == Inquiry.Status.CLOSED and closed.close_reason == "客户取消采购"
    with pytest.raises(DomainError) as caught:
        svc.inquiry_update(by=org.sales1, inquiry_id=inquiry.pk, notes="x")
    assert caught.value.code == "read_only"


def test_quote_drafts_a_quotation_with_catalog_prices(org, make_inquiry, q_product, q_customer):
    product = q_product(price="2000.00")
    pl = PriceList.objects.create(
        code="EAST-Q",
        name="华东价",
        region=org.regions["east"],
        valid_from=TODAY() - datetime.timedelta(days=1),
    )
    PriceListItem.objects.create(price_list=pl, product=product, price=Decimal("1900.00"))
    customer = q_customer(owner=org.sales1, region=org.regions["east-sh"])
    inquiry = make_inquiry(org.sales1, customer=customer, lines=[{"product_id": product.pk, "quantity": "3"}])
    quotation = svc.inquiry_quote(by=org.sales1, inquiry_id=inquiry.pk)
    assert quotation.status == Quotation.Status.DRAFT and quotation.inquiry_id == inquiry.pk
    line = quotation.lines.get()
    assert (line.list_price, line.unit_price, line.amount) == (
        Decimal("1900.00"),
        Decimal("1900.00"),
        Decimal("5700.00"),
    )
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.QUOTED
    with pytest.raises(DomainError):
        svc.inquiry_quote(by=org.sales1, inquiry_id=inquiry.pk)
    # a quoted inquiry can still be closed (lost)
    assert svc.inquiry_close(by=org.sales1, inquiry_id=inquiry.pk, reason="价格不合适").status == "closed"


def test_quote_refuses_lines_without_product(org, make_inquiry, q_product):
    inquiry = make_inquiry(
        org.sales1,
        lines=[{"product_id": q_product().pk, "quantity": "1"}, {"description": "非标件", "quantity": "2"}],
    )
    with pytest.raises(ValidationFailed) as caught:
        svc.inquiry_quote(by=org.sales1, inquiry_id=inquiry.pk)
    assert "lines.1.product" in caught.value.fields and "非标件" in str(
        caught.value.fields["lines.1.product"]
    )
    assert not Quotation.objects.exists()
    assert Inquiry.objects.get(pk=inquiry.pk).status == Inquiry.Status.OPEN


def test_permissions_and_scope(org, make_inquiry, q_customer):
    inquiry = make_inquiry(org.sales1)
    with pytest.raises(Http404):
        svc.inquiry_update(by=org.sales3, inquiry_id=inquiry.pk, notes="x")
    with pytest.raises(Http404):
        svc.inquiry_close(by=org.sales2, inquiry_id=inquiry.pk, reason="x")
    for user in (org.finance, org.auditor):
        with pytest.raises(PermissionDenied):
            svc.inquiry_close(by=user, inquiry_id=inquiry.pk, reason="x")
        with pytest.raises(PermissionDenied):
            make_inquiry(user, customer=q_customer(owner=org.sales1))
    # the clerk registers for a salesperson (default: the customer's owner)
    by_clerk = make_inquiry(org.clerk, customer=q_customer(owner=org.sales2))
    assert by_clerk.owner == org.sales2 and by_clerk.created_by == org.clerk
    assert svc.inquiry_update(by=org.manager1, inquiry_id=inquiry.pk, notes="manager").notes == "manager"
