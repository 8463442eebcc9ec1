"""Fixtures of the contract and order tests (owned by the contracts tests; other sales tests keep
theirs in fixtures_<area>.py). Set-up writes customers and products straight with the models; the
contracts and orders under test go through the services."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from salesdept.catalog.models import Category, Product
from salesdept.crm.models import Customer
from salesdept.crm.text import normalize_name, pinyin_key

_counter = itertools.count(1)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def signed_copy(name="signed.pdf", content=PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def make_customer(org):
    """make_customer(owner=org.sales1, name=…)"""

    def make(*, owner=None, name=None, region=None, **fields):
        n = next(_counter)
        owner = owner or org.sales1
        name = name or f"合同测试客户{n:05d}有限公司"
        return Customer.objects.create(
            code=f"CT-T-{n:06d}",
            name=name,
            name_normalized=normalize_name(name),
            name_pinyin=pinyin_key(name),
            region=region or owner.region or org.regions["east"],
            owner=owner,
            created_by=owner,
            tax_id=fields.pop("tax_id", f"91310000MA1{n:07d}"),
            **fields,
        )

    return make


@pytest.fixture
def make_product(db):
    """make_product(price="1000.00", floor=None, name="数控车床")"""

    def make(*, price="1000.00", floor=None, name=None, kind=Product.Kind.GOODS, **fields):
        n = next(_counter)
        category, _ = Category.objects.get_or_create(code="ct-test", defaults={"name": "合同测试类别"})
        return Product.objects.create(
            code=f"CTP-{n:05d}",
            name=name or f"数控车床{n}",
            name_en=f"CNC lathe {n}",
            category=category,
            uom="台",
            kind=kind,
            list_price=Decimal(price),
            floor_price=Decimal(floor) if floor is not None else None,
            tax_rate=Decimal("13"),
            **fields,
        )

    return make


@pytest.fixture
def contract_data(make_customer, make_product):
    """contract_data(owner, amounts=[("1000.00", "10")]) → kwargs for contract_create with one
    line per (price, quantity), 30 % on signing / 70 % 30 days after delivery, and one delivery
    per line for its whole quantity."""

    def make(owner, lines=(("1000.00", "10"),), *, customer=None, discount="0"):
        customer = customer or make_customer(owner=owner)
        rows, deliveries = [], []
        day = timezone.localdate() + datetime.timedelta(days=30)
        for i, (price, qty) in enumerate(lines, start=1):
            product = make_product(price=price)
            rows.append({"product_id": product.pk, "quantity": Decimal(qty), "discount": Decimal(discount)})
            deliveries.append({"line": i, "planned_on": day, "quantity": Decimal(qty)})
        return {
            "customer_id": customer.pk,
            "title": "设备采购合同",
            "lines": rows,
            "milestones": [
                {"label": "预付款", "percent": Decimal("30"), "trigger": "signing", "days": 7},
                {"label": "到货款", "percent": Decimal("70"), "trigger": "delivery", "days": 30},
            ],
            "deliveries": deliveries,
        }

    return make


@pytest.fixture
def make_contract(org, contract_data):
    """make_contract(owner=org.sales1, lines=[(price, qty)], state="draft"|"submitted"|"approved"|
    "signed") through the services; reviews by the personas of the route."""
    from salesdept.sales.services import contracts as services

    def make(*, owner=None, lines=(("1000.00", "10"),), state="draft", customer=None):
        owner = owner or org.sales1
        contract = services.contract_create(by=owner, **contract_data(owner, lines, customer=customer))
        if state == "draft":
            return contract
        services.contract_submit(by=owner, contract_id=contract.pk)
        if state == "submitted":
            return refresh(contract)
        approve_all(org, contract)
        if state == "approved":
            return refresh(contract)
        services.contract_sign(
            by=org.clerk, contract_id=contract.pk, signed_on=timezone.localdate(), signed_copy=signed_copy()
        )
        return refresh(contract)

    return make


def refresh(obj):
    obj.refresh_from_db()
    return obj


REVIEWER = {
    "sales.review_contract_as_manager": "manager1",
    "sales.review_contract_as_finance": "finance",
    "sales.review_contract_as_director": "director",
}


def approve_all(org, contract) -> None:
    """Approve every step of the route with the persona of each step."""
    from salesdept.sales.services import contracts as services

    for perm in refresh(contract).review_route():
        services.contract_approve(by=getattr(org, REVIEWER[perm]), contract_id=contract.pk)
