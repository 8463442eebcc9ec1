"""Test set-up for the fulfillment overview tests: contracts, lines, milestones, deliveries and
orders written straight with the models (the code under test only reads them). The data keeps
the invariants: numbers from core.numbering, ordered ≤ contracted per contract line (I6),
amounts from sales.lines, no "approved" document without its review log (I10)."""

import datetime
import itertools
from decimal import Decimal

from salesdept.catalog.models import Category, Product
from salesdept.core.numbering import next_number
from salesdept.crm.models import Customer
from salesdept.crm.text import normalize_name
from salesdept.sales.lines import line_amount
from salesdept.sales.models import (
    Contract,
    ContractLine,
    DeliverySchedule,
    PaymentMilestone,
    SalesOrder,
    SalesOrderLine,
)
from salesdept.sales.services.facts import record_order_confirmed

_counter = itertools.count(1)
CENT = Decimal("0.01")
PRODUCT_NAMES = ["数控车床", "液压泵", "高压阀门", "减速电机", "不锈钢管件"]


def make_product(*, name: str | None = None, price: Decimal = Decimal("1000.00")) -> Product:
    n = next(_counter)
    category, _ = Category.objects.get_or_create(code="ff-test", defaults={"name": "测试类别"})
    return Product.objects.create(
        code=f"FF-{n:05d}",
        name=name or f"{PRODUCT_NAMES[n % len(PRODUCT_NAMES)]}{n}",
        name_en=f"Test product {n}",
        category=category,
        uom="台",
        list_price=price,
    )


def make_customer(*, owner, region=None, name: str | None = None) -> Customer:
    n = next(_counter)
    name = name or f"履行测试客户{n:05d}有限公司"
    return Customer.objects.create(
        code=f"FFC-{n:06d}",
        name=name,
        name_normalized=normalize_name(name),
        region=region or owner.region,
        owner=owner,
        created_by=owner,
    )


def make_contract(
    *,
    owner,
    customer=None,
    status: str = "signed",
    signed_on: datetime.date | None = None,
    lines=(),
    milestones=(),
    deliveries=(),
    title: str = "供货合同",
) -> Contract:
    """lines: (product, quantity, unit_price); milestones: (percent, due_on[, days]); deliveries:
    (line index, planned_on, quantity). Milestone amounts split the total, the last takes the rest."""
    customer = customer or make_customer(owner=owner)
    signed = status in ("signed", "archived", "superseded")
    signed_on = signed_on or (datetime.date(2026, 3, 1) if signed else None)
    year = signed_on.year if signed_on else 2026
    contract = Contract.objects.create(
        number=next_number(Contract.NUMBER_PREFIX, year=year),
        status=status,
        title=title,
        customer=customer,
        owner=owner,
        prepared_by=owner,
        signed_on=signed_on if signed else None,
    )
    made = []
    total = Decimal("0")
    for position, (product, quantity, unit_price) in enumerate(lines, start=1):
        quantity, unit_price = Decimal(quantity), Decimal(unit_price)
        amount = line_amount(quantity, unit_price)
        made.append(
            ContractLine.objects.create(
                contract=contract,
                product=product,
                quantity=quantity,
                list_price=unit_price,
                unit_price=unit_price,
                tax_rate=Decimal("13"),
                amount=amount,
                position=position,
            )
        )
        total += amount
    contract.total_amount = total
    contract.save(update_fields=["total_amount"])
    rest = total
    for position, (share, due_on, *more) in enumerate(milestones, start=1):
        share, days = Decimal(share), (more[0] if more else 0)
        amount = rest if position == len(milestones) else (total * share / 100).quantize(CENT)
        rest -= amount
        PaymentMilestone.objects.create(
            contract=contract,
            position=position,
            label=f"第{position}期",
            percent=share,
            amount=amount,
            trigger="date" if due_on else "delivery",
            due_on=due_on,
            days=days,
        )
    for index, planned_on, quantity in deliveries:
        DeliverySchedule.objects.create(
            contract=contract, line=made[index], planned_on=planned_on, quantity=Decimal(quantity)
        )
    contract.made_lines = made
    return contract


def make_order(
    contract, *, status: str = "confirmed", lines=(), ordered_on=None, wanted_on=None
) -> SalesOrder:
    """lines: (contract line, quantity); priced as on the contract line."""
    ordered_on = ordered_on or contract.signed_on or datetime.date(2026, 3, 1)
    order = SalesOrder.objects.create(
        number=next_number(SalesOrder.NUMBER_PREFIX, year=ordered_on.year),
        status=status,
        customer=contract.customer,
        contract=contract,
        owner=contract.owner,
        prepared_by=contract.owner,
        ordered_on=ordered_on,
        wanted_on=wanted_on,
    )
    total = Decimal("0")
    for position, (cline, quantity) in enumerate(lines, start=1):
        quantity = Decimal(quantity)
        amount = line_amount(quantity, cline.unit_price)
        SalesOrderLine.objects.create(
            order=order,
            contract_line=cline,
            product_id=cline.product_id,
            quantity=quantity,
            list_price=cline.list_price,
            unit_price=cline.unit_price,
            tax_rate=cline.tax_rate,
            amount=amount,
            position=position,
        )
        total += amount
    order.total_amount = total
    order.save(update_fields=["total_amount"])
    if status == "confirmed":  # what confirming records for the statistics (I12: facts = documents)
        record_order_confirmed(order)
    return order
