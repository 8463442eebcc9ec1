"""Forms of the ledger pages: the period picker of the reports and the month to close."""

from django import forms
from django.utils.translation import gettext_lazy as _

from salesdept.core.forms import DATE_WIDGET

__all__ = ["CloseForm", "RangeForm", "parse_month"]

MONTH_WIDGET = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM", "inputmode": "numeric"})


def parse_month(text: str) -> tuple[int, int] | None:
    """ "2026-10" → (2026, 10); anything else → None."""
    text = (text or "").strip()
    parts = text.split("-")
    if len(text) != 7 or len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    year, month = int(parts[0]), int(parts[1])
    return (year, month) if 1 <= month <= 12 else None


class RangeForm(forms.Form):
    """A month, or a range of dates (the range wins when given); empty: this month."""

    month = forms.CharField(label=_("Month"), required=False, max_length=7, widget=MONTH_WIDGET)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_WIDGET)


class CloseForm(forms.Form):
    month = forms.CharField(
        label=_("Month to close"),
        max_length=7,
        widget=MONTH_WIDGET,
        help_text=_("Closing is final: nothing can be posted into the month afterwards."),
    )

    def clean_month(self):
        value = parse_month(self.cleaned_data["month"])
        if value is None:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."))
        return value
