"""Gap-free yearly document numbers: `SO-2026-000123` (I8)."""

from django.db import transaction
from django.utils import timezone

from .models import Sequence


def next_number(prefix: str, *, year: int | None = None) -> str:
    """Take the next number of `prefix` for `year`. Call inside the transaction that saves the
    document: the sequence row stays locked until it commits, and a rollback returns the number."""
    year = year or timezone.localdate().year
    with transaction.atomic():
        # Make sure the row exists without racing: a lock on a row that may not exist protects nothing.
        Sequence.objects.bulk_create([Sequence(key=prefix, year=year)], ignore_conflicts=True)
        seq = Sequence.objects.select_for_update().get(key=prefix, year=year)
        seq.last += 1
        seq.save(update_fields=["last"])
    return f"{prefix}-{year}-{seq.last:06d}"
