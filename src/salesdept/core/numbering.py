"""Gap-free yearly document numbers: `SO-2026-000123` (I8)."""

from django.db import transaction
from django.utils import timezone

from .models import Sequence

DIGITS = 6  # zero-padded width of the running number; wider numbers simply grow


def format_number(prefix: str, year: int, n: int) -> str:
    """`EX`, 2026, 1 → `EX-2026-000001`."""
    return f"{prefix}-{year}-{n:0{DIGITS}d}"


def next_number(prefix: str, *, year: int | None = None) -> str:
    """Take the next number of `prefix` for `year` (default: this year, local time).

    Must run inside the transaction that saves the document: the sequence row stays locked until
    that transaction commits, so concurrent creations queue on it, and a rollback gives the
    number back, so the series stays gap-free. Called outside a transaction it raises
    RuntimeError, because the number would be committed before the document exists."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside the transaction that saves the document.")
    year = year or timezone.localdate().year
    # Make sure the row exists without racing (INSERT … ON CONFLICT DO NOTHING waits for a
    # concurrent insert of the same row), then lock it: a lock on a row that may not exist yet
    # protects nothing.
    Sequence.objects.bulk_create([Sequence(key=prefix, year=year)], ignore_conflicts=True)
    seq = Sequence.objects.select_for_update().get(key=prefix, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return format_number(prefix, year, seq.last)
