"""What must always be true of billing (../shared/INVARIANTS.md), registered with
core.invariants (`salesdept manage check_invariants` and after every test flow). Each rule is a
few queries, never one per document.

- I6 (invoicing): per order line, invoiced quantity = Σ issued invoice lines − Σ issued credit
  note lines, and ≤ shipped unless the order's contract invoices on order.
- I7: per invoice 0 ≤ paid ≤ total, credited ≥ 0, outstanding = total − paid − credited ≥ 0;
  paid = Σ its allocations; credited = Σ its issued credit notes; its totals = Σ its lines;
  the receivable account 1122 balance = Σ outstanding of issued invoices."""

from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round

from salesdept.core.invariants import rule
from salesdept.ledger import codes
from salesdept.ledger.models import JournalLine
from salesdept.sales.models import SalesOrderLine
from salesdept.stats.models import Kind, Source
from salesdept.stats.selectors import document_fact_mismatches

from .models import NOT_OVERPAID, Allocation, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus

LIMIT = 20
ZERO = Decimal("0")


def _zero(field="quantity", model=InvoiceLine):
    return Value(0, output_field=model._meta.get_field(field))


def _sum_lines(kind: str, field: str = "quantity"):
    rows = (
        InvoiceLine.objects.filter(
            order_line_id=OuterRef("pk"), invoice__status=InvoiceStatus.ISSUED, invoice__kind=kind
        )
        .values("order_line_id")
        .annotate(s=Sum(field))
        .values("s")
    )
    return Coalesce(Subquery(rows), _zero(field))


@rule("I6")
def invoiced_matches_issued_invoices() -> list[str]:
    """Per order line: invoiced = Σ issued invoice lines − Σ issued credit note lines."""
    rows = (
        SalesOrderLine.objects.annotate(
            inv=_sum_lines(InvoiceKind.INVOICE), cred=_sum_lines(InvoiceKind.CREDIT_NOTE)
        )
        .exclude(invoiced_quantity=Round(F("inv") - F("cred"), 3))  # SQLite adds decimals as floats
        .values("pk", "order__number", "position", "invoiced_quantity", "inv", "cred")
        .order_by("pk")[:LIMIT]
    )
    return [
        f"order {r['order__number']} line {r['position']} (#{r['pk']}): invoiced {r['invoiced_quantity']} "
        f"≠ issued invoices {r['inv']} − credit notes {r['cred']}"
        for r in rows
    ]


@rule("I6")
def invoiced_within_shipped() -> list[str]:
    """Per order line: invoiced ≤ shipped, unless the order's contract invoices on order. Shipped
    counts what came back too (shipped + returned): goods returned are credited by a credit note
    that follows the return."""
    rows = (
        SalesOrderLine.objects.filter(invoiced_quantity__gt=F("shipped_quantity") + F("returned_quantity"))
        .exclude(order__contract__invoice_on_order=True)
        .values("pk", "order__number", "position", "invoiced_quantity", "shipped_quantity")
        .order_by("pk")[:LIMIT]
    )
    return [
        f"order {r['order__number']} line {r['position']} (#{r['pk']}): invoiced {r['invoiced_quantity']} "
        f"> shipped {r['shipped_quantity']}"
        for r in rows
    ]


@rule("I7")
def invoice_amounts_within_bounds() -> list[str]:
    """0 ≤ paid, 0 ≤ credited, paid + credited ≤ total; a credit note is never paid or credited."""
    bad = Invoice.objects.filter(
        Q(paid_amount__lt=0)
        | Q(credited_amount__lt=0)
        | ~NOT_OVERPAID  # to the cent (see billing.models.OPEN)
        | Q(kind=InvoiceKind.CREDIT_NOTE) & (Q(paid_amount__gt=0) | Q(credited_amount__gt=0))
    ).values("pk", "number", "total_amount", "paid_amount", "credited_amount")[:LIMIT]
    return [
        f"invoice {r['number']}: total {r['total_amount']}, paid {r['paid_amount']}, "
        f"credited {r['credited_amount']} — outstanding would be negative"
        for r in bad
    ]


@rule("I7")
def invoice_totals_are_its_lines() -> list[str]:
    """total = Σ line amounts, tax = Σ line taxes, net = total − tax."""
    money = Invoice._meta.get_field("total_amount")
    amount = InvoiceLine.objects.filter(invoice=OuterRef("pk")).values("invoice").annotate(s=Sum("amount"))
    tax = InvoiceLine.objects.filter(invoice=OuterRef("pk")).values("invoice").annotate(s=Sum("tax_amount"))
    rows = (
        Invoice.objects.annotate(
            lines_total=Coalesce(Subquery(amount.values("s")), Value(ZERO, output_field=money)),
            lines_tax=Coalesce(Subquery(tax.values("s")), Value(ZERO, output_field=money)),
        )
        # to the cent: SQLite adds decimals as floats
        .filter(
            ~Q(total_amount=Round(F("lines_total"), 2))
            | ~Q(tax_amount=Round(F("lines_tax"), 2))
            | ~Q(net_amount=Round(F("total_amount") - F("tax_amount"), 2))
        )
        .values("number", "total_amount", "lines_total", "tax_amount", "lines_tax", "net_amount")[:LIMIT]
    )
    return [
        f"invoice {r['number']}: total {r['total_amount']} / tax {r['tax_amount']} / net {r['net_amount']} "
        f"but its lines add up to {r['lines_total']} / {r['lines_tax']}"
        for r in rows
    ]


def _cents(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _counter_mismatches(counter: str, sums: dict[int, Decimal]) -> list[dict]:
    """Invoices whose `counter` differs (to the cent) from `sums` (invoice id → Σ, absent = 0):
    the invoices with a non-zero counter read once each, then those with a sum but a zero
    counter — no correlated subquery per invoice (SQLite's planner scans the whole table for
    each of a million invoices)."""
    out, seen = [], set()
    rows = Invoice.objects.exclude(**{counter: 0}).values_list("pk", "number", counter)
    for pk, number, value in rows.iterator(chunk_size=5000):
        seen.add(pk)
        if _cents(value) != _cents(sums.get(pk)):
            out.append({"number": number, "value": value, "expected": _cents(sums.get(pk))})
    missing = [pk for pk, total in sums.items() if pk not in seen and _cents(total) != 0][:LIMIT]
    for pk, number, value in Invoice.objects.filter(pk__in=missing).values_list("pk", "number", counter):
        out.append({"number": number, "value": value, "expected": _cents(sums[pk])})
    return out[:LIMIT]


@rule("I7")
def paid_is_the_allocations() -> list[str]:
    """paid_amount = Σ allocations to the invoice."""
    sums = dict(
        Allocation.objects.values("invoice_id").annotate(s=Sum("amount")).values_list("invoice_id", "s")
    )
    return [
        f"invoice {r['number']}: paid {r['value']} ≠ allocated {r['expected']}"
        for r in _counter_mismatches("paid_amount", sums)
    ]


@rule("I7")
def credited_is_the_issued_credit_notes() -> list[str]:
    """credited_amount = Σ totals of the issued credit notes correcting the invoice."""
    sums = dict(
        Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE, status=InvoiceStatus.ISSUED)
        .values("corrects_id")
        .annotate(s=Sum("total_amount"))
        .values_list("corrects_id", "s")
    )
    return [
        f"invoice {r['number']}: credited {r['value']} ≠ its issued credit notes {r['expected']}"
        for r in _counter_mismatches("credited_amount", sums)
    ]


@rule("I7")
def receivable_account_is_the_outstanding() -> list[str]:
    """The balance of account 1122 (Σ debit − Σ credit) = Σ outstanding of issued invoices."""
    money = DecimalField(max_digits=18, decimal_places=2)
    ledger = JournalLine.objects.filter(account__code=codes.RECEIVABLE).aggregate(
        d=Coalesce(Sum("debit"), Value(ZERO, output_field=money)),
        c=Coalesce(Sum("credit"), Value(ZERO, output_field=money)),
    )
    balance = ledger["d"] - ledger["c"]
    owed = Invoice.objects.filter(kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED).aggregate(
        s=Coalesce(
            Sum(F("total_amount") - F("paid_amount") - F("credited_amount"), output_field=money),
            Value(ZERO, output_field=money),
        )
    )["s"]
    if balance != owed:
        return [f"account {codes.RECEIVABLE} balance {balance} ≠ Σ outstanding of issued invoices {owed}"]
    return []


# --- F3 payments (appended by the payments helper) ------------------------------------------
# I7 for payments: a payment's allocated amount is the sum of its allocations and never more
# than the payment (an invoice's paid amount = its allocations is checked above); the customer
# credit account (2203) holds exactly what the customer's payments left unallocated. I9: a bank
# reference is recorded once per customer, and every answered Idempotency-Key kept its answer.


def _payments_money():
    from django.db.models import DecimalField

    return DecimalField(max_digits=16, decimal_places=2)


@rule("I7")
def payment_allocations_add_up() -> list[str]:
    """Per payment: allocated_amount = Σ its allocations ≤ amount."""
    from decimal import Decimal

    from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
    from django.db.models.functions import Coalesce, Round

    from salesdept.billing.models import Allocation, Payment

    money = _payments_money()
    summed = (
        Allocation.objects.filter(payment_id=OuterRef("pk"))
        .values("payment_id")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    rows = Payment.objects.annotate(
        allocations_sum=Coalesce(
            Subquery(summed, output_field=money), Value(Decimal("0"), output_field=money)
        )
    ).filter(~Q(allocated_amount=Round(F("allocations_sum"), 2)) | Q(allocated_amount__gt=F("amount")))
    return [
        f"payment {p.number}: allocated {p.allocated_amount}, allocations add up to {p.allocations_sum}, "
        f"amount {p.amount}"
        for p in rows.order_by("pk")[:100]
    ]


@rule("I7")
def customer_credit_equals_unallocated_payments() -> list[str]:
    """Per customer: the credit balance of 2203 (credit − debit) = Σ (amount − allocated) of
    their payments."""
    from decimal import Decimal

    from django.db.models import Sum

    from salesdept.billing.models import Payment
    from salesdept.ledger import codes
    from salesdept.ledger.models import JournalLine

    ledger = {
        r["customer_id"]: (r["c"] or Decimal("0")) - (r["d"] or Decimal("0"))
        for r in JournalLine.objects.filter(account__code=codes.CUSTOMER_ADVANCES)
        .values("customer_id")
        .annotate(c=Sum("credit"), d=Sum("debit"))
        .order_by()
    }
    payments = {
        r["customer_id"]: (r["a"] or Decimal("0")) - (r["x"] or Decimal("0"))
        for r in Payment.objects.values("customer_id")
        .annotate(a=Sum("amount"), x=Sum("allocated_amount"))
        .order_by()
    }
    out = []
    for customer_id in sorted(set(ledger) | set(payments), key=lambda x: (x is None, x or 0)):
        book, unallocated = ledger.get(customer_id, Decimal("0")), payments.get(customer_id, Decimal("0"))
        if book != unallocated:
            out.append(
                f"customer #{customer_id}: customer credit (2203) {book}, unallocated payments {unallocated}"
            )
    return out


@rule("I9")
def payment_reference_recorded_once() -> list[str]:
    """A customer's bank reference belongs to one payment (the duplicate-payment rule)."""
    from django.db.models import Count

    from salesdept.billing.models import Payment

    dups = (
        Payment.objects.exclude(reference="")
        .values("customer_id", "reference")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("customer_id", "reference")
    )
    return [
        f"customer #{d['customer_id']}: reference {d['reference']!r} recorded {d['n']} times" for d in dups
    ]


@rule("I9")
def idempotency_answers_kept() -> list[str]:
    """Every Idempotency-Key whose request was answered kept its answer for the retry: a status
    of 2xx/4xx (5xx answers release the key) and a body (only 204 has none)."""
    from django.db.models import Q

    from salesdept.core.models import IdempotencyRecord

    bad = IdempotencyRecord.objects.filter(status_code__isnull=False).filter(
        Q(status_code__gte=500) | Q(status_code__lt=200) | (Q(response_body="") & ~Q(status_code=204))
    )
    return [
        f"idempotency key {r.key!r} of user #{r.user_id}: status {r.status_code} without a replayable answer"
        for r in bad.order_by("pk")[:100]
    ]


# --- I12 -----------------------------------------------------------------------------------


@rule("I12")
def invoiced_facts_equal_the_invoices() -> list[str]:
    """The statistics count every issued invoice at its total and every issued credit note at
    minus its total (stats.SalesFact, recorded on approval); nothing for the others."""
    zero = Decimal("0.00")
    expected = {}
    for pk, number, status, kind, total in Invoice.objects.values_list(
        "pk", "number", "status", "kind", "total_amount"
    ):
        sign = -1 if kind == InvoiceKind.CREDIT_NOTE else 1
        expected[pk] = (number, sign * total if status == InvoiceStatus.ISSUED else zero)
    return document_fact_mismatches(source=Source.INVOICE, kind=Kind.INVOICED, expected=expected)


@rule("I12")
def collected_facts_equal_the_payments() -> list[str]:
    """The statistics count every payment received at its amount."""
    from .models import Payment

    expected = {
        pk: (number, amount) for pk, number, amount in Payment.objects.values_list("pk", "number", "amount")
    }
    return document_fact_mismatches(source=Source.PAYMENT, kind=Kind.COLLECTED, expected=expected)


@rule("I12", summary=True)
def open_receivables_summary_equals_the_invoices() -> list[str]:
    """The open-receivables summary (the company aging on the dashboard) = Σ outstanding of the
    open issued invoices per due date and invoice date (billing/outstanding.py)."""
    from .outstanding import summary_mismatches

    return summary_mismatches()
