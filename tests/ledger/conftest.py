"""Fixtures of the ledger tests: a warehouse, products and a customer (tests/warehouse/conftest),
stock documents posted through the warehouse services — the ledger entries under test are those
postings' — and small helpers to post entries of our own inside a test."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from salesdept.warehouse.services import documents as docs
from tests.warehouse.conftest import customer, goods, new_product, new_warehouse, post_receipt  # noqa: F401

D = Decimal


@pytest.fixture
def wh(org):
    return new_warehouse(org.keeper)


@pytest.fixture
def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def last_month(today) -> datetime.date:
    """The 15th of last month (a day stock may move on and a month that may be closed)."""
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=15)


def receive(org, location, product, quantity, unit_cost="10.00", **data):
    return post_receipt(org.keeper, location, product, quantity, unit_cost=unit_cost, **data)


def issue(org, location, product, quantity, *, purpose="sale", to=None, **data):
    """Post an issue (a sale by default) of `quantity` × `product`; `to`: the customer."""
    body = {
        "kind": "issue",
        "purpose": purpose,
        "warehouse": location.warehouse_id,
        "lines": [{"product": product.pk, "quantity": str(quantity), "location": location.pk}],
        **data,
    }
    if to is not None:
        body["customer"] = to.pk
    return docs.post_document(by=org.keeper, data=body)


def transfer(org, location, to, product, quantity):
    return docs.post_document(
        by=org.keeper,
        data={
            "kind": "transfer",
            "warehouse": location.warehouse_id,
            "lines": [
                {
                    "product": product.pk,
                    "quantity": str(quantity),
                    "location": location.pk,
                    "to_location": to.pk,
                }
            ],
        },
    )


def adjust(org, location, product, quantity, unit_cost=None):
    """An adjustment submitted by the keeper and approved by finance (posted on approval)."""
    line = {"product": product.pk, "quantity": str(quantity), "location": location.pk}
    if unit_cost is not None:
        line["unit_cost"] = str(unit_cost)
    document = docs.document_create(
        by=org.keeper, data={"kind": "adjustment", "warehouse": location.warehouse_id, "lines": [line]}
    )
    docs.document_submit(document_id=document.pk, by=org.keeper)
    return docs.document_approve(document_id=document.pk, by=org.finance)
