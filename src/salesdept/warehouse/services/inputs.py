"""Small input checks the warehouse services share: each raises ValidationFailed naming the
field (`lines.3.quantity`, `warehouse`, …) with a translated message."""

import datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from salesdept.core.errors import ValidationFailed

LIMIT = Decimal("1e11")


def decimal(value, field: str, *, required: bool = True, positive=False, signed=False, places="0.001"):
    """A Decimal from `value` (Decimal, int or text; never float): > 0 when `positive`, ≠ 0 and
    of any sign when `signed`, otherwise ≥ 0; at most `places` decimals."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed({field: _("This field is required.")})
        return None
    if isinstance(value, float | bool):
        raise ValidationFailed({field: _("Enter a number.")})
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed({field: _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationFailed({field: _("Enter a number.")})
    if signed:
        if number == 0:
            raise ValidationFailed({field: _("Must not be zero.")})
    elif positive and number <= 0:
        raise ValidationFailed({field: _("Must be greater than zero.")})
    elif number < 0:
        raise ValidationFailed({field: _("Must not be negative.")})
    if places and number != number.quantize(Decimal(places)):
        raise ValidationFailed({field: _("Too many decimal places.")})
    if abs(number) >= LIMIT:
        raise ValidationFailed({field: _("The number is too large.")})
    return number


def text(data: dict, field: str, *, max_length: int, required: bool = False, key: str | None = None) -> str:
    """`data[key or field]` as stripped text of at most `max_length` characters."""
    raw = data.get(key or field)
    if raw is not None and not isinstance(raw, str | int):
        raise ValidationFailed({field: _("Enter text.")})
    value = str(raw or "").strip()
    if required and not value:
        raise ValidationFailed({field: _("This field is required.")})
    if len(value) > max_length:
        raise ValidationFailed(
            {field: _("Ensure this value has at most %(max)s characters.") % {"max": max_length}}
        )
    return value


def date(value, field: str, *, required: bool = True) -> datetime.date | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed({field: _("This field is required.")})
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed({field: _("Enter a valid date.")}) from None


def ident(value, field: str, *, required: bool = True) -> int | None:
    """A primary key from an int, a digit string or a model instance."""
    if value in (None, ""):
        if required:
            raise ValidationFailed({field: _("This field is required.")})
        return None
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise ValidationFailed({field: _("Select a valid choice.")})
    return int(str(value).strip())


def choice(value, field: str, choices, *, default=None) -> str:
    if value in (None, "") and default is not None:
        return default
    if value not in choices.values:
        raise ValidationFailed({field: _("Select a valid choice.")})
    return value


def boolean(value, field: str, *, default: bool = True) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if str(value).lower() in {"1", "true", "yes", "on"}:
        return True
    if str(value).lower() in {"0", "false", "no", "off"}:
        return False
    raise ValidationFailed({field: _("Select a valid choice.")})
