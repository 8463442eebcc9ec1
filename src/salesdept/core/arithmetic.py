"""Counters moved in SQL — UPDATE … SET paid = paid + 0.57 — so a concurrent change is never
lost and the row need not be read first. PostgreSQL adds numerics exactly; SQLite adds in binary
floating point (0.57 + 54.09 + 1.84 = 56.50000000000001), which a check constraint or a later
comparison then sees. So the sum is rounded back to the column's decimal places in the same
statement: exact on both."""

from decimal import Decimal

from django.db import connection
from django.db.models import BigIntegerField, F, Sum, Value
from django.db.models.functions import Cast, Round

__all__ = ["exact_sum", "from_sum", "moved"]


def moved(model, name: str, delta):
    """The expression `name + delta` (delta: a Decimal or an expression such as Case) rounded to
    the decimal places of `model.name`: use it as a value of QuerySet.update()."""
    field = model._meta.get_field(name)
    return Round(F(name) + delta, field.decimal_places, output_field=field)


def exact_sum(expression, *, places: int = 2, **extra):
    """Σ of a decimal expression with `places` decimals, exact: whole units of the last place
    (cents for money) summed as integers on SQLite, where a float sum of millions of rows drifts;
    the numeric sum on PostgreSQL. Read it with from_sum(value, places=…)."""
    if connection.vendor == "sqlite":
        expression = F(expression) if isinstance(expression, str) else expression
        return Sum(Cast(Round(expression * Value(Decimal(10**places))), BigIntegerField()), **extra)
    return Sum(expression, **extra)


def from_sum(value, *, places: int = 2) -> Decimal:
    """An exact_sum() as a Decimal with `places` decimals (None → 0)."""
    unit = Decimal(1).scaleb(-places)
    if value is None:
        return Decimal(0).quantize(unit)
    if connection.vendor == "sqlite":
        return (Decimal(int(value)) * unit).quantize(unit)
    return Decimal(str(value)).quantize(unit)
