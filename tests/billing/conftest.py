"""Shared fixtures of the billing tests (owned by the invoice tests; the payment tests use them
too and keep their own in fixtures_<name>.py).

`shipped_order(...)` gives a confirmed order of 3 lines, stock received and (by default) all of
it shipped; `ship(order, {line: qty})` ships more; `issue_invoice(order, by_preparer,
by_approver)` returns an ISSUED invoice made through the billing services. Customers and
products are written straight with the models; orders go through the sales services; shipments
through the shipping services when they exist, else written directly with the stock issued by
warehouse.services.documents.post_document(source=shipment)."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from salesdept.crm.models import Customer
from salesdept.crm.text import normalize_name, pinyin_key
from tests.warehouse.conftest import new_product, new_warehouse, post_receipt

_counter = itertools.count(1)
_invoice_no = itertools.count(1)

LINES = (("1130.00", "10"), ("56.50", "4"), ("2000.00", "2"))  # (unit price incl. 13 % tax, qty)


def new_customer(org, owner=None) -> Customer:
    n = next(_counter)
    owner = owner or org.sales1
    name = f"开票测试客户{n:05d}有限公司"
    return Customer.objects.create(
        code=f"BI-C-{n:06d}",
        name=name,
        name_normalized=normalize_name(name),
        name_pinyin=pinyin_key(name),
        region=owner.region or org.regions["east"],
        owner=owner,
        created_by=owner,
        tax_id=f"91310000BI{n:08d}",
    )


def refresh(obj):
    obj.refresh_from_db()
    return obj


def next_invoice_no() -> str:
    return f"0440{next(_invoice_no):08d}"


@pytest.fixture
def billing_wh(org):
    """A warehouse made by the keeper (WarehouseSet: .a1, .a2, .samples, .qc)."""
    return new_warehouse(org.keeper)


def _ship_directly(org, order, quantities: dict, wh) -> None:
    """A shipped shipment of `quantities` ({order line: qty}) written without the shipping
    services: rows, the stock issue (posted with source=shipment), shipped_quantity via F()."""
    from salesdept.core.numbering import next_number
    from salesdept.sales.models import SalesOrder, SalesOrderLine
    from salesdept.shipping.models import Shipment, ShipmentLine, ShipmentStatus
    from salesdept.warehouse.models import DocumentKind, Purpose
    from salesdept.warehouse.services.documents import post_document

    with transaction.atomic():
        SalesOrder.objects.select_for_update().get(pk=order.pk)
        today = timezone.localdate()
        shipment = Shipment.objects.create(
            number=next_number(Shipment.NUMBER_PREFIX),
            prepared_by=org.clerk,
            order=order,
            customer_id=order.customer_id,
            warehouse=wh.warehouse,
            promised_on=today,
            status=ShipmentStatus.SHIPPED,
            shipped_on=today,
        )
        rows, amount = [], Decimal("0")
        for position, (line, qty) in enumerate(quantities.items(), start=1):
            qty = Decimal(qty)
            line_amount = (qty * line.unit_price).quantize(Decimal("0.01"))
            amount += line_amount
            ShipmentLine.objects.create(
                shipment=shipment,
                position=position,
                order_line=line,
                product_id=line.product_id,
                quantity=qty,
                location=wh.a1,
                unit_price=line.unit_price,
                amount=line_amount,
            )
            rows.append({"product": line.product_id, "quantity": str(qty), "location": wh.a1.pk})
            SalesOrderLine.objects.filter(pk=line.pk).update(shipped_quantity=F("shipped_quantity") + qty)
        document = post_document(
            by=org.clerk,
            data={
                "kind": DocumentKind.ISSUE,
                "purpose": Purpose.SALE,
                "warehouse": wh.pk,
                "customer": order.customer_id,
                "lines": rows,
            },
            source=shipment,
        )
        shipment.amount = amount
        shipment.stock_document = document
        shipment.save(update_fields=["amount", "stock_document"])


def _ship_with_services(org, order, quantities: dict, wh) -> bool:
    """Through shipping.services.shipments (prepared by the clerk, approved by finance); False
    when those services are not there."""
    try:
        from salesdept.shipping.services import shipments as services
    except ImportError:
        return False
    data = {
        "warehouse": wh.pk,
        "lines": [
            {"order_line": line.pk, "quantity": str(qty), "location": wh.a1.pk}
            for line, qty in quantities.items()
        ],
    }
    shipment = services.shipment_create(by=org.clerk, order_id=order.pk, data=data)
    services.shipment_submit(by=org.clerk, shipment_id=shipment.pk)
    services.shipment_approve(by=org.finance, shipment_id=shipment.pk)
    return True


@pytest.fixture
def ship(org, billing_wh):
    """ship(order, {order_line: qty}) → ships that much (stock must be there)."""

    def run(order, quantities: dict, *, wh=None):
        wh = wh or billing_wh
        quantities = {line: Decimal(str(qty)) for line, qty in quantities.items() if Decimal(str(qty)) > 0}
        if quantities:
            if not _ship_with_services(org, order, quantities, wh):
                _ship_directly(org, order, quantities, wh)

    return run


@pytest.fixture
def make_order(org, billing_wh):
    """make_order(owner=org.sales1, lines=LINES, invoice_on_order=False, stock=True) → a
    confirmed order (its lines: order.lines.order_by("position")) with the stock received."""
    from salesdept.sales.services import orders as services

    def make(*, owner=None, lines=LINES, customer=None, stock=True, invoice_on_order=False):
        owner = owner or org.sales1
        customer = customer or new_customer(org, owner)
        rows = []
        for price, qty in lines:
            product = new_product(price=price)
            rows.append({"product_id": product.pk, "quantity": Decimal(qty), "unit_price": Decimal(price)})
            if stock:
                post_receipt(org.keeper, billing_wh.a1, product, Decimal(qty), unit_cost="10.00")
        order = services.order_create(by=owner, customer_id=customer.pk, lines=rows)
        services.order_confirm(by=owner, order_id=order.pk)
        if invoice_on_order:
            _attach_contract(org, order)
        return refresh(order)

    return make


def _attach_contract(org, order) -> None:
    """Give a direct order a (bare) contract that invoices on order — the test's set-up."""
    from salesdept.core.numbering import next_number
    from salesdept.sales.models import Contract, SalesOrder

    contract = Contract.objects.create(
        number=next_number("CT"),
        prepared_by=org.clerk,
        customer_id=order.customer_id,
        owner=order.owner,
        title="开票测试合同",
        status="signed",
        signed_on=timezone.localdate(),
        invoice_on_order=True,
        total_amount=order.total_amount,
    )
    SalesOrder.objects.filter(pk=order.pk).update(contract=contract)


@pytest.fixture
def shipped_order(make_order, ship):
    """shipped_order(fraction=1, **make_order kwargs) → a confirmed order of 3 lines whose
    stock was received and of which `fraction` of every line was shipped."""

    def make(*, fraction="1", **kwargs):
        order = make_order(**kwargs)
        quantities = {
            line: (line.quantity * Decimal(fraction)).quantize(Decimal("1"))
            for line in order.lines.order_by("position")
        }
        ship(order, quantities)
        return refresh(order)

    return make


@pytest.fixture
def issue_invoice(org):
    """issue_invoice(order, by_preparer=org.clerk, by_approver=org.finance, lines=None,
    invoice_no=None) → an ISSUED invoice of what is invoiceable (or of `lines`) through the
    billing services."""
    from salesdept.billing.services import invoices as services

    def run(order, by_preparer=None, by_approver=None, *, lines=None, invoice_no=None, invoiced_on=None):
        by_preparer = by_preparer or org.clerk
        by_approver = by_approver or org.finance
        data = {}
        if lines is not None:
            data["lines"] = lines
        if invoiced_on is not None:
            data["invoiced_on"] = invoiced_on
        invoice = services.invoice_create(by=by_preparer, order_id=order.pk, data=data)
        services.invoice_submit(by=by_preparer, invoice_id=invoice.pk)
        services.invoice_approve(
            by=by_approver, invoice_id=invoice.pk, invoice_no=invoice_no or next_invoice_no()
        )
        return refresh(invoice)

    return run


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)
