"""Counters moved in SQL — UPDATE … SET paid = paid + 0.57 — so a concurrent change is never
lost and the row need not be read first. PostgreSQL adds numerics exactly; SQLite adds in binary
floating point (0.57 + 54.09 + 1.84 = 56.50000000000001), which a check constraint or a later
comparison then sees. So the sum is rounded back to the column's decimal places in the same
statement: exact on both."""

from django.db.models import F
from django.db.models.functions import Round

__all__ = ["moved"]


def moved(model, name: str, delta):
    """The expression `name + delta` (delta: a Decimal or an expression such as Case) rounded to
    the decimal places of `model.name`: use it as a value of QuerySet.update()."""
    field = model._meta.get_field(name)
    return Round(F(name) + delta, field.decimal_places, output_field=field)
