"""The open-receivables summary `OpenReceivable`: Σ outstanding of the issued invoices per (due
date, invoice date), with how many are open. The company-wide aging (the director's dashboard)
sums these rows — a few per day — instead of every open invoice (a million of them take about a
second to sum).

Kept exact in the posting's own transaction: the three postings that move what an invoice owes
call `outstanding_moved()` last — an invoice issued (+ its total), a payment allocated (− the
amount), a credit note approved (its invoice: − the credit, + what was paid beyond it and went
back to the customer's credit). Called last and once per posting, with its rows upserted in key
order, so two postings never hold these rows in opposite orders (no deadlock on PostgreSQL).
`summary_mismatches()` (I12, `verify_summaries`) proves the summary equals the invoices;
`rebuild()` writes it from the invoices (the bench's seeders, which write invoices directly)."""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.db.models import BigIntegerField, Count, F, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round

from .models import OPEN, Invoice, InvoiceKind, InvoiceStatus, OpenReceivable

__all__ = ["open_by_day", "outstanding_moved", "rebuild", "summary_mismatches"]

Change = tuple[Invoice, Decimal, Decimal]  # (invoice, outstanding before, outstanding after)


def _cents(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def _key(invoice: Invoice) -> tuple[datetime.date, datetime.date]:
    return (invoice.due_on or invoice.invoiced_on, invoice.invoiced_on)


def outstanding_moved(changes: Iterable[Change]) -> None:
    """Add to the summary what `changes` moved; credit notes and zero moves are skipped. Call it
    last in the posting's transaction (see the module's docstring)."""
    deltas: dict[tuple, list[int]] = {}
    for invoice, before, after in changes:
        if invoice.kind != InvoiceKind.INVOICE:
            continue
        delta = deltas.setdefault(_key(invoice), [0, 0])
        delta[0] += _cents(after) - _cents(before)
        delta[1] += int(after > 0) - int(before > 0)
    adapt = connection.ops.adapt_datefield_value
    rows = [
        (adapt(due_on), adapt(invoiced_on), cents, n)
        for (due_on, invoiced_on), (cents, n) in sorted(deltas.items())
        if cents or n
    ]
    if not rows:
        return
    table = connection.ops.quote_name(OpenReceivable._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (due_on, invoiced_on, outstanding_cents, invoices) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (due_on, invoiced_on) DO UPDATE SET "
            f"outstanding_cents = {table}.outstanding_cents + excluded.outstanding_cents, "
            f"invoices = {table}.invoices + excluded.invoices",
            rows,
        )


def _from_invoices():
    """The summary's rows as the invoices give them: (due date, invoice date, cents, open count)."""
    outstanding = F("total_amount") - F("paid_amount") - F("credited_amount")
    return (
        Invoice.objects.filter(status=InvoiceStatus.ISSUED, kind=InvoiceKind.INVOICE)
        .filter(OPEN)
        .values(day=Coalesce("due_on", "invoiced_on"), on=F("invoiced_on"))
        .annotate(
            cents=Sum(Cast(Round(outstanding * Value(Decimal(100))), BigIntegerField())),
            n=Count("pk"),
        )
        .order_by()
    )


def rebuild() -> int:
    """Write the summary again from the invoices (one INSERT … SELECT); returns its rows."""
    table = connection.ops.quote_name(OpenReceivable._meta.db_table)
    sql, params = _from_invoices().values_list("day", "on", "cents", "n").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
        columns = "due_on, invoiced_on, outstanding_cents, invoices"
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)
    return OpenReceivable.objects.count()


def open_by_day(as_of: datetime.date) -> list[tuple[datetime.date, Decimal, int]]:
    """(due date, outstanding, open invoices) of the invoices dated by `as_of`, every user's."""
    rows = (
        OpenReceivable.objects.filter(invoiced_on__lte=as_of)
        .values("due_on")
        .annotate(cents=Sum("outstanding_cents"), n=Sum("invoices"))
        .order_by("due_on")
    )
    return [
        (r["due_on"], Decimal(int(r["cents"] or 0)).scaleb(-2), int(r["n"] or 0))
        for r in rows
        if r["cents"] or r["n"]
    ]


def summary_mismatches(limit: int = 20) -> list[str]:
    """Where the summary differs from the invoices (empty: it holds)."""
    expected = {(r["day"], r["on"]): (int(r["cents"]), r["n"]) for r in _from_invoices()}
    kept = {
        (r.due_on, r.invoiced_on): (r.outstanding_cents, r.invoices)
        for r in OpenReceivable.objects.all()
        if r.outstanding_cents or r.invoices
    }
    found = []
    for key in sorted(expected.keys() | kept.keys()):
        want, have = expected.get(key, (0, 0)), kept.get(key, (0, 0))
        if want != have:
            found.append(
                f"open receivables due {key[0]} invoiced {key[1]}: summary {have[0] / 100:.2f} "
                f"in {have[1]} invoice(s) ≠ invoices {want[0] / 100:.2f} in {want[1]}"
            )
            if len(found) >= limit:
                break
    return found
