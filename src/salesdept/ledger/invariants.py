"""What must always be true of the ledger (../shared/INVARIANTS.md), registered with
core.invariants (`salesdept manage check_invariants` and after every test flow).

- I1: every journal entry balances (Σ debit = Σ credit, one GROUP BY entry); every line is
  one-sided (debit or credit, ≥ 0, not both, not neither) and dated like its entry; every entry
  has lines; the whole ledger (the trial balance) sums to 0, and the trial balance report of
  the current month has equal debit and credit totals.

Amounts are cents: SQLite sums them as floats, so sums are compared after rounding to cents
(a real difference is at least 0.01)."""

from decimal import Decimal

from django.db.models import F, Q, Sum
from django.db.models.functions import Abs
from django.utils import timezone

from salesdept.core.invariants import rule

from .models import JournalEntry, JournalLine

LIMIT = 20  # lines reported per rule
HALF_CENT = Decimal("0.005")
CENT = Decimal("0.01")


def _cents(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


@rule("I1")
def entries_balance() -> list[str]:
    """Per entry Σ debit = Σ credit (HAVING |Σ debit − Σ credit| ≥ half a cent)."""
    rows = (
        JournalLine.objects.values("entry_id")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .annotate(gap=Abs(F("debit") - F("credit")))
        .filter(gap__gte=HALF_CENT)
        .order_by("entry_id")
        .values("entry_id", "entry__source_type", "entry__source_number", "debit", "credit")[:LIMIT]
    )
    return [
        f"journal entry #{r['entry_id']} ({r['entry__source_type']} {r['entry__source_number']}): "
        f"debit {_cents(r['debit'])} ≠ credit {_cents(r['credit'])}"
        for r in rows
    ]


@rule("I1")
def lines_one_sided() -> list[str]:
    """A line is a debit or a credit: both ≥ 0, exactly one of them non-zero; dated like its entry."""
    bad = Q(debit__lt=0) | Q(credit__lt=0) | Q(debit__gt=0, credit__gt=0) | Q(debit=0, credit=0)
    out = [
        f"journal line #{r['pk']} of entry #{r['entry_id']}: debit {r['debit']}, credit {r['credit']}"
        for r in JournalLine.objects.filter(bad).values("pk", "entry_id", "debit", "credit")[:LIMIT]
    ]
    misdated = JournalLine.objects.exclude(entry_date=F("entry__entry_date")).values(
        "pk", "entry_id", "entry_date", "entry__entry_date"
    )[:LIMIT]
    out.extend(
        f"journal line #{r['pk']} dated {r['entry_date']}, "
        f"its entry #{r['entry_id']} {r['entry__entry_date']}"
        for r in misdated
    )
    empty = JournalEntry.objects.filter(lines__isnull=True).values_list("pk", flat=True)[:LIMIT]
    out.extend(f"journal entry #{pk} has no lines" for pk in empty)
    return out


@rule("I1")
def trial_balance_sums_to_zero() -> list[str]:
    """Σ debit = Σ credit over the whole ledger, and the trial balance of this month balances
    (opening, period and closing columns)."""
    from .selectors.balances import build_trial_balance, exact_sum, from_sum, month_range

    out = []
    totals = JournalLine.objects.aggregate(debit=exact_sum("debit"), credit=exact_sum("credit"))
    debit, credit = from_sum(totals["debit"]), from_sum(totals["credit"])
    if debit != credit:
        out.append(f"the ledger's debits {debit} ≠ its credits {credit}")
    today = timezone.localdate()
    start, end = month_range(today.year, today.month)
    report = build_trial_balance(start=start, end=end)
    if not report.balanced:
        out.append(f"trial balance {start:%Y-%m}: totals {report.totals} do not balance")
    return out
