"""Reports of receivables (F3): aging 帐龄分析, monthly collections 月回款 and the customer's
statement of account 对帐单. Each report is one GROUP BY run by the database over the rows the
user may see (visible(), X1); the totals row is the sum of the rows shown (I12).

Aging: issued invoices (not credit notes) with something outstanding (total − paid − credited
> 0), invoiced on or before the as-of date, by days past due on that date: current (not yet due
or due that day), 1–30, 31–60, 61–90, over 90. An invoice without a due date is due on its
invoice date. The amounts are what is outstanding now. The buckets compare the due date with
fixed dates (as_of − 30 …), so the database evaluates no date arithmetic per row."""

import datetime
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractMonth
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesdept.accounts.scope import scope_filter, visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require
from salesdept.crm.models import Customer

from ..models import OPEN, Invoice, InvoiceKind, InvoiceStatus, Payment

__all__ = [
    "AGING_BUCKETS",
    "AGING_DIMENSIONS",
    "aging",
    "aging_invoices",
    "aging_totals",
    "collections_by_month",
    "customer_open_invoices",
    "customer_statement",
]

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=16, decimal_places=2)
AGING_BUCKETS = [
    ("current", pgettext_lazy("aging", "Current")),
    ("d1_30", _("1–30 days")),
    ("d31_60", _("31–60 days")),
    ("d61_90", _("61–90 days")),
    ("d90_plus", _("Over 90 days")),
]
BUCKET_KEYS = [k for k, _label in AGING_BUCKETS]
# dimension → (group key, label) paths from Invoice
AGING_DIMENSIONS = {
    "customer": ("customer_id", "customer__name"),
    "salesperson": ("order__owner_id", "order__owner__display_name"),
    "region": ("customer__region_id", "customer__region__name"),
}
DIMENSION_LABELS = {
    "customer": _("Customer"),
    "salesperson": _("Salesperson"),
    "region": _("Region"),
}


def _cents(value) -> Decimal:
    """A sum as money: SQLite's SUM forgets the column's scale (60 instead of 60.00) and a raw
    query answers a float there (str() keeps its shortest exact decimal form)."""
    if isinstance(value, float):
        value = str(value)
    return Decimal(value or 0).quantize(CENT)


def _outstanding():
    return F("total_amount") - F("paid_amount") - F("credited_amount")


def open_invoices(user, as_of: datetime.date):
    """Issued invoices `user` may see with something outstanding, invoiced by `as_of`."""
    return (
        visible(Invoice.objects, user)
        .filter(status=InvoiceStatus.ISSUED, kind=InvoiceKind.INVOICE, invoiced_on__lte=as_of)
        .filter(OPEN)
    )


def _bucket_conditions(as_of: datetime.date) -> dict[str, Q]:
    day = datetime.timedelta(days=1)
    # days past due = as_of − due date: 0 → current; 1–30; 31–60; 61–90; ≥ 91
    d = {n: as_of - n * day for n in (0, 30, 60, 90)}

    def due_between(first, last):
        # due date (or invoice date when none) within [first, last]
        return Q(due_on__gte=first, due_on__lte=last) | Q(
            due_on__isnull=True, invoiced_on__gte=first, invoiced_on__lte=last
        )

    def due_from(first):
        return Q(due_on__gte=first) | Q(due_on__isnull=True, invoiced_on__gte=first)

    def due_until(last):
        return Q(due_on__lte=last) | Q(due_on__isnull=True, invoiced_on__lte=last)

    return {
        "current": due_from(d[0]),
        "d1_30": due_between(d[30], d[0] - day),
        "d31_60": due_between(d[60], d[30] - day),
        "d61_90": due_between(d[90], d[60] - day),
        "d90_plus": due_until(d[90] - day),
    }


@dataclass
class AgingRow:
    key: int | None
    label: str
    buckets: dict = field(default_factory=dict)
    total: Decimal = ZERO
    invoices: int = 0

    def __getattr__(self, name):  # template access: row.current, row.d1_30 …
        buckets = self.__dict__.get("buckets", {})
        if name in buckets:
            return buckets[name]
        raise AttributeError(name)


@dataclass
class AgingReport:
    dimension: str
    as_of: datetime.date
    rows: list[AgingRow]
    totals: AgingRow


def _check_dimension(dimension: str) -> str:
    if dimension not in AGING_DIMENSIONS:
        raise ValidationFailed({"by": _("Choose customer, salesperson or region.")})
    return dimension


def _label_join(dimension: str) -> tuple[str, str, str]:
    """(SELECT key and label, FROM joins, GROUP BY) of the outer query of `aging`: the inner
    query groups the invoices by a bare id (customer, or order for the salesperson); the owners
    and names are joined to its rows only."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from salesdept.accounts.models import Region

    q = connection.ops.quote_name
    customers, regions, users, orders = (
        Customer._meta.db_table,
        Region._meta.db_table,
        get_user_model()._meta.db_table,
        Invoice._meta.get_field("order").related_model._meta.db_table,
    )
    if dimension == "region":
        return (
            f"c.{q('region_id')} AS k, r.{q('name')} AS name",
            f"JOIN {q(customers)} c ON c.{q('id')} = x.k "
            f"JOIN {q(regions)} r ON r.{q('id')} = c.{q('region_id')}",
            f"GROUP BY c.{q('region_id')}, r.{q('name')}",
        )
    if dimension == "salesperson":  # the inner query groups by order: the owner is the order's
        return (
            f"o.{q('owner_id')} AS k, u.{q('display_name')} AS name",
            f"JOIN {q(orders)} o ON o.{q('id')} = x.k JOIN {q(users)} u ON u.{q('id')} = o.{q('owner_id')}",
            f"GROUP BY o.{q('owner_id')}, u.{q('display_name')}",
        )
    return (
        f"x.k AS k, c.{q('name')} AS name",
        f"JOIN {q(customers)} c ON c.{q('id')} = x.k",
        "GROUP BY x.k, c." + q("name"),
    )


def aging(*, user, dimension: str = "customer", as_of: datetime.date) -> AgingReport:
    """帐龄分析: outstanding per bucket, grouped by customer, salesperson or region, largest
    total first, with a totals row. One query: the open invoices are summed per bucket grouped
    by a bare id (customer, or order), and only those sums are joined to the names and, by
    region or salesperson, rolled up — joining a million invoices to their customers first would
    cost more than the sums themselves."""
    from django.db import connection

    require(user, "billing.view_receivables")
    dimension = _check_dimension(dimension)
    # a bare column of the invoice (read from the aging index): the order for the salesperson
    key = "order_id" if dimension == "salesperson" else "customer_id"
    conditions = _bucket_conditions(as_of)
    measures = {
        name: Coalesce(
            Sum(Case(When(cond, then=_outstanding()), default=Value(ZERO), output_field=MONEY)),
            Value(ZERO, output_field=MONEY),
        )
        for name, cond in conditions.items()
    }
    inner = (
        open_invoices(user, as_of)
        .values(k=F(key))
        .annotate(**measures, total=Sum(_outstanding(), output_field=MONEY), n=Count("pk"))
        .order_by()
    )
    inner_sql, params = inner.query.sql_with_params()
    select, joins, group = _label_join(dimension)
    names = [*BUCKET_KEYS, "total", "n"]
    sums = ", ".join(f"SUM(x.{connection.ops.quote_name(n)})" for n in names)
    sql = f"SELECT {select}, {sums} FROM ({inner_sql}) x {joins} {group}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    out = []
    totals = AgingRow(None, str(_("Total")), {k: ZERO for k in BUCKET_KEYS})
    for k, name, *values in fetched:
        figures = dict(zip(names, values, strict=True))
        row = AgingRow(
            k,
            name or "—",
            {b: _cents(figures[b]) for b in BUCKET_KEYS},
            _cents(figures["total"]),
            int(figures["n"]),
        )
        out.append(row)
        for b in BUCKET_KEYS:
            totals.buckets[b] += row.buckets[b]
        totals.total += row.total
        totals.invoices += row.invoices
    out.sort(key=lambda r: (-r.total, r.label))
    return AgingReport(dimension, as_of, out, totals)


def aging_totals(*, user, as_of: datetime.date) -> AgingRow:
    """The aging report's totals row — outstanding per bucket, in how many invoices — as `user`
    may see it. A user who sees every invoice reads the open-receivables summary (a few rows per
    due date, kept by the postings: billing/outstanding.py) instead of summing every open invoice;
    anyone else the invoices in their scope, as the report does."""
    from ..outstanding import open_by_day

    require(user, "billing.view_receivables")
    if scope_filter(Invoice, user) is not None:
        return aging(user=user, dimension="customer", as_of=as_of).totals
    totals = AgingRow(None, str(_("Total")), {k: ZERO for k in BUCKET_KEYS})
    for due_on, amount, n in open_by_day(as_of):
        totals.buckets[bucket_of((as_of - due_on).days)] += amount
        totals.total += amount
        totals.invoices += n
    return totals


def aging_invoices(*, user, dimension: str, key: int, as_of: datetime.date) -> list[Invoice]:
    """Drill-down: the open invoices behind one row of the aging report, oldest due first, each
    with `days_past_due` and `bucket`."""
    require(user, "billing.view_receivables")
    path, _label = AGING_DIMENSIONS[_check_dimension(dimension)]
    invoices = list(
        open_invoices(user, as_of)
        .filter(**{path: key})
        .select_related("customer", "order", "order__owner")
        .order_by(Coalesce("due_on", "invoiced_on"), "invoiced_on", "pk")
    )
    for inv in invoices:
        inv.days_past_due = (as_of - (inv.due_on or inv.invoiced_on)).days
        inv.bucket = bucket_of(inv.days_past_due)
    return invoices


def customer_open_invoices(*, user, customer_id: int) -> list[Invoice]:
    """The open invoices of a customer `user` may see, oldest due first (what a payment of
    theirs would be allocated to)."""
    if not visible(Customer.objects, user).filter(pk=customer_id).exists():
        return []
    qs = (
        visible(Invoice.objects, user)
        .filter(customer_id=customer_id, status=InvoiceStatus.ISSUED, kind=InvoiceKind.INVOICE)
        .filter(OPEN)
        .order_by(Coalesce("due_on", "invoiced_on"), "invoiced_on", "pk")
    )
    return list(qs)


def bucket_of(days_past_due: int) -> str:
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "d1_30"
    if days_past_due <= 60:
        return "d31_60"
    if days_past_due <= 90:
        return "d61_90"
    return "d90_plus"


# --- monthly collections 月回款 ------------------------------------------------------------------

COLLECTION_DIMENSIONS = {
    "region": ("customer__region_id", "customer__region__name"),
    "salesperson": ("customer__owner_id", "customer__owner__display_name"),
}


@dataclass
class CollectionsReport:
    year: int
    dimension: str
    rows: list[dict]  # {"key", "label", "months": [12 Decimals], "total"}
    totals: dict


def collections_by_month(*, user, year: int, dimension: str = "region") -> CollectionsReport:
    """月回款: payments received per month of `year`, per region or salesperson (the customer's),
    over the payments `user` may see. One GROUP BY query."""
    require(user, "billing.view_receivables")
    if dimension not in COLLECTION_DIMENSIONS:
        raise ValidationFailed({"by": _("Choose region or salesperson.")})
    if not 2000 <= int(year) <= 2100:
        raise ValidationFailed({"year": _("Enter a year between 2000 and 2100.")})
    key, label = COLLECTION_DIMENSIONS[dimension]
    rows = (
        visible(Payment.objects, user)
        .filter(received_on__year=year)
        .values(k=F(key), name=F(label), month=ExtractMonth("received_on"))
        .annotate(amount=Sum("amount"))
        .order_by("name", "k", "month")
    )
    grouped: OrderedDict = OrderedDict()
    totals = {"label": str(_("Total")), "months": [ZERO] * 12, "total": ZERO}
    for r in rows:
        r["amount"] = _cents(r["amount"])
        row = grouped.setdefault(
            r["k"], {"key": r["k"], "label": r["name"] or "—", "months": [ZERO] * 12, "total": ZERO}
        )
        row["months"][r["month"] - 1] += r["amount"]
        row["total"] += r["amount"]
        totals["months"][r["month"] - 1] += r["amount"]
        totals["total"] += r["amount"]
    return CollectionsReport(int(year), dimension, list(grouped.values()), totals)


# --- statement of account 对帐单 ------------------------------------------------------------


@dataclass
class StatementLine:
    on: datetime.date
    kind: str  # invoice | credit_note | payment
    number: str
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal = ZERO
    url: str = ""


@dataclass
class Statement:
    customer: Customer
    start: datetime.date
    end: datetime.date
    opening: Decimal
    lines: list[StatementLine]
    closing: Decimal
    debit: Decimal
    credit: Decimal


def customer_statement(*, user, customer_id: int, start: datetime.date, end: datetime.date) -> Statement:
    """对帐单: the customer's issued invoices (debit), credit notes and payments (credit) between
    `start` and `end` with the balance before `start` and a running balance (what the customer
    owes; negative = their credit). Only documents `user` may see."""
    require(user, "billing.view_receivables")
    if start > end:
        raise ValidationFailed({"end": _("The end date must not be before the start date.")})
    customer = get_object_or_404(visible(Customer.objects, user), pk=customer_id)
    invoices = visible(Invoice.objects, user).filter(customer=customer, status=InvoiceStatus.ISSUED)
    payments = visible(Payment.objects, user).filter(customer=customer)
    signed = Case(
        When(kind=InvoiceKind.CREDIT_NOTE, then=-F("total_amount")),
        default=F("total_amount"),
        output_field=MONEY,
    )
    before_inv = invoices.filter(invoiced_on__lt=start).aggregate(
        s=Coalesce(Sum(signed), Value(ZERO, output_field=MONEY))
    )["s"]
    before_pay = payments.filter(received_on__lt=start).aggregate(
        s=Coalesce(Sum("amount"), Value(ZERO, output_field=MONEY))
    )["s"]
    opening = _cents(before_inv - before_pay)
    lines = []
    for inv in invoices.filter(invoiced_on__range=(start, end)).order_by("invoiced_on", "pk"):
        credit_note = inv.kind == InvoiceKind.CREDIT_NOTE
        lines.append(
            StatementLine(
                inv.invoiced_on,
                inv.kind,
                inv.number,
                str(_("Credit note") if credit_note else _("Invoice"))
                + (f" {inv.invoice_no}" if inv.invoice_no else ""),
                ZERO if credit_note else inv.total_amount,
                inv.total_amount if credit_note else ZERO,
                url=inv.get_absolute_url() if _has_url(inv) else "",
            )
        )
    for pay in payments.filter(received_on__range=(start, end)).order_by("received_on", "pk"):
        desc = str(_("Payment")) + (f" {pay.reference}" if pay.reference else "")
        lines.append(
            StatementLine(
                pay.received_on, "payment", pay.number, desc, ZERO, pay.amount, url=pay.get_absolute_url()
            )
        )
    order = {"invoice": 0, "credit_note": 1, "payment": 2}
    lines.sort(key=lambda x: (x.on, order[x.kind], x.number))
    balance = opening
    for line in lines:
        balance += line.debit - line.credit
        line.balance = balance
    return Statement(
        customer,
        start,
        end,
        opening,
        lines,
        balance,
        sum((x.debit for x in lines), ZERO),
        sum((x.credit for x in lines), ZERO),
    )


def _has_url(obj) -> bool:
    from django.urls import NoReverseMatch

    try:
        obj.get_absolute_url()
    except NoReverseMatch:
        return False
    return True
