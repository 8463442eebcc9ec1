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
    # One statement takes the number: the row is created at 1 or its `last` raised by one, and
    # that row stays locked (PostgreSQL) or the database write-locked (SQLite) until the
    # transaction ends, so concurrent creations queue and each reads its own number.
    # (INSERT … ON CONFLICT … RETURNING: PostgreSQL 9.5+, SQLite 3.35+.)
    connection = transaction.get_connection()
    q = connection.ops.quote_name
    table = q(Sequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({q('key')}, {q('year')}, {q('last')}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({q('key')}, {q('year')}) DO UPDATE SET {q('last')} = {table}.{q('last')} + 1 "
            f"RETURNING {q('last')}",
            [prefix, year],
        )
        (last,) = cursor.fetchone()
    return format_number(prefix, year, last)
