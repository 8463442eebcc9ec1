"""Set-up of the payment, aging and collection tests: issued invoices written straight with the
models (the code under test only reads and pays them), fast enough for hundreds per test.

Each invoice keeps the invariants as the invoice services would: a confirmed order of one line
(1 unit at the invoice total) under a bare contract that invoices on order (invoiced ≤ ordered,
I6), one invoice line, the number from core.numbering (I8) and its ledger entry posted through
ledger.services.post_entry — Dr 1122 total (customer) / Cr 6001 net / Cr 2221 tax (I1, I7)."""

import datetime
import itertools
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from salesdept.billing.models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus
from salesdept.billing.outstanding import outstanding_moved
from salesdept.billing.services.facts import record_invoiced
from salesdept.catalog.models import Category, Product
from salesdept.core.numbering import next_number
from salesdept.crm.models import Customer
from salesdept.crm.text import normalize_name, pinyin_key
from salesdept.ledger import codes
from salesdept.ledger.services import Posting, post_entry
from salesdept.sales.models import Contract, SalesOrder, SalesOrderLine
from salesdept.sales.services.facts import record_order_confirmed

_counter = itertools.count(1)
CENT = Decimal("0.01")
RATE = Decimal("13")


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def customer(org, owner=None, *, credit_limit=None) -> Customer:
    n = next(_counter)
    owner = owner or org.sales1
    name = f"回款测试客户{n:05d}有限公司"
    return Customer.objects.create(
        code=f"PM-C-{n:06d}",
        name=name,
        name_normalized=normalize_name(name),
        name_pinyin=pinyin_key(name),
        region=owner.region or org.regions["east"],
        owner=owner,
        created_by=owner,
        tax_id=f"91310000PM{n:08d}",
        credit_limit=credit_limit,
    )


def product(price="1000.00") -> Product:
    n = next(_counter)
    category, _ = Category.objects.get_or_create(code="pm-test", defaults={"name": "回款测试类别"})
    return Product.objects.create(
        code=f"PMP-{n:05d}",
        name=f"回款测试产品{n}",
        name_en=f"Payment test product {n}",
        category=category,
        uom="台",
        list_price=Decimal(price),
        tax_rate=RATE,
    )


@transaction.atomic
def invoice(
    org,
    cust: Customer,
    total,
    *,
    due_on: datetime.date | None = None,
    invoiced_on: datetime.date | None = None,
    owner=None,
    item: Product | None = None,
) -> Invoice:
    """An ISSUED invoice of `total` (tax included) to `cust`, for an order of `owner` (default
    the customer's salesperson), with its ledger entry."""
    total = Decimal(total)
    owner = owner or cust.owner
    invoiced_on = invoiced_on or today()
    item = item or product(str(total))
    contract = Contract.objects.create(
        number=next_number("CT"),
        prepared_by=org.clerk,
        customer=cust,
        owner=owner,
        title="回款测试合同",
        status="signed",
        signed_on=invoiced_on,
        invoice_on_order=True,
        total_amount=total,
    )
    order = SalesOrder.objects.create(
        number=next_number(SalesOrder.NUMBER_PREFIX),
        prepared_by=owner,
        owner=owner,
        customer=cust,
        contract=contract,
        status="confirmed",
        ordered_on=invoiced_on,
        total_amount=total,
    )
    line = SalesOrderLine.objects.create(
        order=order,
        product=item,
        quantity=Decimal("1"),
        list_price=total,
        unit_price=total,
        tax_rate=RATE,
        amount=total,
        invoiced_quantity=Decimal("1"),
    )
    tax = (total * RATE / (100 + RATE)).quantize(CENT, ROUND_HALF_UP)
    inv = Invoice.objects.create(
        number=next_number(Invoice.NUMBER_PREFIX, year=invoiced_on.year),
        prepared_by=org.clerk,
        status=InvoiceStatus.ISSUED,
        kind=InvoiceKind.INVOICE,
        customer=cust,
        order=order,
        invoice_no=f"PM{next(_counter):010d}",
        invoiced_on=invoiced_on,
        due_on=due_on,
        net_amount=total - tax,
        tax_amount=tax,
        total_amount=total,
        issued_at=timezone.now(),
    )
    InvoiceLine.objects.create(
        invoice=inv,
        order_line=line,
        product=item,
        quantity=Decimal("1"),
        unit_price=total,
        tax_rate=RATE,
        amount=total,
        tax_amount=tax,
    )
    post_entry(
        source=inv,
        on=invoiced_on,
        by=org.finance,
        lines=[
            Posting(codes.RECEIVABLE, debit=total, customer_id=cust.pk),
            Posting(codes.REVENUE, credit=total - tax, customer_id=cust.pk),
            Posting(codes.OUTPUT_VAT, credit=tax, customer_id=cust.pk),
        ],
    )
    # what confirming and issuing record for the statistics (I12: facts = documents)
    record_order_confirmed(order)
    record_invoiced(inv)
    outstanding_moved([(inv, Decimal("0"), total)])  # and the open-receivables summary
    return inv


def refresh(obj):
    obj.refresh_from_db()
    return obj


def balance(code: str, customer_id: int | None = None) -> Decimal:
    """Debit − credit of account `code` (for one customer)."""
    from django.db.models import Sum

    from salesdept.ledger.models import JournalLine

    qs = JournalLine.objects.filter(account__code=code)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    s = qs.aggregate(d=Sum("debit"), c=Sum("credit"))
    return (s["d"] or Decimal("0")) - (s["c"] or Decimal("0"))


def record(by, cust, amount, **data):
    from salesdept.billing.services.payments import payment_record

    return payment_record(
        by=by,
        data={"customer": cust.pk, "received_on": data.pop("received_on", today()), "amount": amount, **data},
    )
