"""Form pieces the list filters and forms of every app share."""

from django import forms
from django.utils.translation import gettext_lazy as _

__all__ = ["DATE_WIDGET", "DateRangeForm", "sort_choices"]

# The browser's own date picker; the value round-trips as ISO (2026-11-30) in every language.
DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def sort_choices(sorts) -> list[tuple[str, str]]:
    """`?sort=` values of a list: each key ascending, and with `-` descending."""
    return [(k, k) for k in sorts] + [(f"-{k}", f"-{k}") for k in sorts]


class DateRangeForm(forms.Form):
    """The form of a FilterSet with `date_from` / `date_to`: the end may not precede the start."""

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data
