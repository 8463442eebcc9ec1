"""The statistics count the posted documents (issue 7, I12 "facts = documents"): confirming an
order, shipping, returning, invoicing, crediting and collecting each record their facts in the
posting's own transaction, on the local calendar day, with the dimensions of the moment; the
monthly totals move with them, and the report reads the same figures from either.

Given/when/then in the tests' names; personas: sales1 (Shanghai), clerk (prepares), finance
(approves), director (sees everything)."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from salesdept.billing.services import credit_notes as credit_services
from salesdept.billing.services import invoices as invoice_services
from salesdept.billing.services.payments import payment_record
from salesdept.core.errors import DomainError
from salesdept.core.invariants import run as run_invariants
from salesdept.sales.services import orders as order_services
from salesdept.shipping.services import returns as return_services
from salesdept.stats.models import Kind, SalesFact, SalesTotal, Source
from salesdept.stats.selectors import sales_report, totals_mismatches

from .conftest import LINES, next_invoice_no, refresh

pytestmark = pytest.mark.django_db(transaction=False)

TOTAL = sum((Decimal(p) * Decimal(q) for p, q in LINES), Decimal("0"))  # 11,300 + 226 + 4,000


def facts(source, document, kind=None):
    qs = SalesFact.objects.filter(source=source, source_id=document.pk)
    return list(qs.filter(kind=kind) if kind else qs)


def amount(rows) -> Decimal:
    return sum((f.amount for f in rows), Decimal("0"))


def i12() -> list[str]:
    return [line for line in run_invariants({"I12"})]


def month_figures(user, day: datetime.date, measures, dimension="region", use_totals=None) -> dict:
    first = day.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    report = sales_report(
        user, dimension=dimension, start=first, end=last, measures=measures, use_totals=use_totals
    )
    return report.total


def test_confirming_an_order_records_one_ordered_fact_per_line_with_its_dimensions(org, make_order):
    order = make_order()
    rows = sorted(facts(Source.ORDER, order), key=lambda f: f.line)
    lines = list(order.lines.order_by("position").select_related("product"))
    assert [f.kind for f in rows] == [Kind.ORDERED] * 3
    assert [f.amount for f in rows] == [line.amount for line in lines]
    assert amount(rows) == order.total_amount == TOTAL
    customer = order.customer
    for fact, line in zip(rows, lines, strict=True):
        assert (
            fact.day == order.ordered_on and fact.number == order.number and fact.line == str(line.position)
        )
        assert fact.region_id == customer.region_id and fact.salesperson_id == order.owner_id
        assert fact.team_id == order.owner.team_id and fact.customer_id == customer.pk
        assert fact.product_id == line.product_id and fact.category_id == line.product.category_id
        assert fact.channel == order.channel and fact.quantity == line.quantity
        # the expected cost: the stock's moving average (received at 10.00 a unit) × quantity
        assert fact.cost == Decimal("10.00") * line.quantity
    assert totals_mismatches() == [] and i12() == []
    figures = month_figures(org.director, order.ordered_on, ("ordered_amount", "orders", "gross_margin"))
    assert figures["ordered_amount"] >= TOTAL and figures["orders"] >= 1


def test_a_draft_order_counts_nothing_until_it_is_confirmed(org):
    from tests.billing.conftest import new_customer
    from tests.warehouse.conftest import new_product

    customer = new_customer(org)
    product = new_product(price="100.00")
    order = order_services.order_create(
        by=org.sales1,
        customer_id=customer.pk,
        lines=[{"product_id": product.pk, "quantity": Decimal("2"), "unit_price": Decimal("100.00")}],
    )
    assert facts(Source.ORDER, order) == [] and i12() == []
    order_services.order_confirm(by=org.sales1, order_id=order.pk)
    assert amount(facts(Source.ORDER, order)) == Decimal("200.00")
    assert i12() == []


def test_cancelling_a_confirmed_order_takes_its_amount_and_its_count_back_in_the_same_month(org, make_order):
    order = make_order()
    day = order.ordered_on
    measures = ("ordered_amount", "orders")
    before_totals = month_figures(org.director, day, measures)
    order_services.order_cancel(by=org.sales1, order_id=order.pk, note="客户取消")
    rows = facts(Source.ORDER, order)
    assert len(rows) == 6 and amount(rows) == 0 and all(f.day == day for f in rows)
    after_totals = month_figures(org.director, day, measures)
    after_facts = month_figures(org.director, day, measures, use_totals=False)
    assert after_totals == after_facts  # the two paths agree on a cancelled order too
    assert after_totals["ordered_amount"] == before_totals["ordered_amount"] - TOTAL
    assert after_totals["orders"] == before_totals["orders"] - 1
    assert totals_mismatches() == [] and i12() == []


def test_an_approved_shipment_and_a_received_return_move_the_shipped_facts(org, shipped_order):
    from salesdept.shipping.models import Shipment

    order = shipped_order(fraction="0.5")  # 5 of 10, 2 of 4, 1 of 2
    shipment = Shipment.objects.get(order=order)
    rows = facts(Source.SHIPMENT, shipment, Kind.SHIPPED)
    assert sorted(f.quantity for f in rows) == [Decimal("1"), Decimal("2"), Decimal("5")]
    # the order line's price for the quantity shipped
    assert amount(rows) == Decimal("1130.00") * 5 + Decimal("56.50") * 2 + Decimal("2000.00")
    assert all(f.day == shipment.shipped_on for f in rows)
    first = shipment.lines.order_by("position").first()
    authorisation = return_services.return_create(
        by=org.clerk,
        shipment_id=shipment.pk,
        data={"reason": "包装破损", "lines": [{"shipment_line": first.pk, "quantity": "2"}]},
    )
    return_services.return_submit(by=org.clerk, return_id=authorisation.pk)
    return_services.return_approve(by=org.manager1, return_id=authorisation.pk)
    back = facts(Source.RETURN, refresh(authorisation), Kind.SHIPPED)
    assert [(f.quantity, f.amount) for f in back] == [(Decimal("-2"), Decimal("-2260.00"))]
    assert totals_mismatches() == [] and i12() == []


def test_an_invoice_counts_its_total_and_a_credit_note_takes_part_of_it_back(
    org, shipped_order, issue_invoice
):
    order = shipped_order()
    invoice = issue_invoice(order)
    assert amount(facts(Source.INVOICE, invoice, Kind.INVOICED)) == invoice.total_amount == TOTAL
    first = invoice.lines.order_by("position").first()
    note = credit_services.credit_note_create(
        by=org.clerk, invoice_id=invoice.pk, data={"lines": [{"invoice_line_id": first.pk, "quantity": "3"}]}
    )
    assert facts(Source.INVOICE, note) == []  # a draft credit note counts nothing yet
    invoice_services.invoice_submit(by=org.clerk, invoice_id=note.pk)
    invoice_services.invoice_approve(by=org.finance, invoice_id=note.pk, invoice_no=next_invoice_no())
    assert amount(facts(Source.INVOICE, note)) == Decimal("-3390.00")
    figures = month_figures(org.director, invoice.invoiced_on, ("invoiced_amount",), dimension="customer")
    assert figures["invoiced_amount"] >= TOTAL - Decimal("3390.00")
    assert totals_mismatches() == [] and i12() == []


def test_a_payment_counts_as_collected_for_the_customers_salesperson_on_the_day_it_came_in(org, make_order):
    order = make_order()
    payment = payment_record(
        by=org.finance,
        data={
            "customer": order.customer_id,
            "received_on": timezone.localdate().isoformat(),
            "amount": "5000.00",
            "reference": "STATS-1",
        },
    )
    (fact,) = facts(Source.PAYMENT, payment)
    assert fact.kind == Kind.COLLECTED and fact.amount == Decimal("5000.00")
    assert fact.day == payment.received_on and fact.salesperson_id == order.customer.owner_id
    assert fact.product_id is None and fact.customer_id == order.customer_id
    assert totals_mismatches() == [] and i12() == []


def test_a_refused_posting_records_no_fact(org, shipped_order, issue_invoice):
    """An invoice refused at approval (its 发票号码 is another invoice's) is not issued: no fact,
    no total moves."""
    first = issue_invoice(shipped_order())
    order = shipped_order()
    invoice = invoice_services.invoice_create(by=org.clerk, order_id=order.pk, data={})
    invoice_services.invoice_submit(by=org.clerk, invoice_id=invoice.pk)
    totals_before = list(SalesTotal.objects.order_by("pk").values_list("pk", "invoiced_amount"))
    with pytest.raises(DomainError):
        invoice_services.invoice_approve(by=org.finance, invoice_id=invoice.pk, invoice_no=first.invoice_no)
    assert facts(Source.INVOICE, invoice) == []
    assert list(SalesTotal.objects.order_by("pk").values_list("pk", "invoiced_amount")) == totals_before
    assert i12() == []


def test_i12_finds_a_fact_that_differs_from_its_document(org, make_order):
    order = make_order()
    assert i12() == []
    fact = facts(Source.ORDER, order)[0]
    SalesFact.objects.filter(pk=fact.pk).update(amount=fact.amount + 1)
    found = i12()
    assert any(order.number in line and "facts" in line for line in found)
    SalesFact.objects.filter(pk=fact.pk).update(amount=fact.amount)  # the fixture checks every rule after
    assert i12() == []


@pytest.mark.parametrize(
    ("utc", "local_day"),
    [
        # 23:59 in Shanghai on 31 March is still March; one minute later it is April (UTC 16:00)
        (datetime.datetime(2026, 3, 31, 15, 59, tzinfo=datetime.UTC), datetime.date(2026, 3, 31)),
        (datetime.datetime(2026, 3, 31, 16, 0, tzinfo=datetime.UTC), datetime.date(2026, 4, 1)),
    ],
)
def test_a_shipment_counts_in_the_month_of_the_local_day_it_left(org, make_order, ship, utc, local_day):
    """Quarters and months break at local midnight (Asia/Shanghai), not at UTC midnight."""
    from salesdept.shipping.models import Shipment

    with mock.patch("django.utils.timezone.now", return_value=utc):
        order = make_order()
        line = order.lines.order_by("position").first()
        ship(order, {line: 1})
    shipment = Shipment.objects.get(order=order)
    assert shipment.shipped_on == local_day
    (fact,) = facts(Source.SHIPMENT, shipment)
    assert fact.day == local_day
    month = SalesTotal.objects.get(
        dimension="customer", key=str(order.customer_id), month=local_day.replace(day=1)
    )
    assert month.shipped_amount == Decimal("1130.00")
    quarter = sales_report(
        org.director,
        dimension="customer",
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 3, 31),
        measures=("shipped_amount",),
    )
    in_q1 = quarter.total["shipped_amount"]
    assert (in_q1 == Decimal("1130.00")) == (local_day.month == 3)
