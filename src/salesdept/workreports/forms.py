"""Forms of the work report pages (P5). They only collect input: services check it again and
write. The figures are never a form field: they come from the records."""

from django import forms
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Team
from salesdept.core.errors import DomainError
from salesdept.core.forms import DATE_WIDGET

from .models import Kind
from .services import MAX_TEXT

__all__ = ["PeriodForm", "ReportForm", "TeamViewForm", "apply_refusal"]


class PeriodForm(forms.Form):
    """Which report: daily or weekly, and the day (a weekly report takes the day's Monday)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    period = forms.DateField(label=_("Day"), widget=DATE_WIDGET)


class TeamViewForm(PeriodForm):
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.all(), required=False, empty_label=_("All teams in my scope")
    )


def _area(rows: int, placeholder) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "placeholder": placeholder})


class ReportForm(forms.Form):
    done = forms.CharField(
        label=_("Work done"),
        required=False,
        max_length=MAX_TEXT,
        widget=_area(5, _("What you did, results, customers met …")),
    )
    plan = forms.CharField(
        label=_("Work planned"),
        required=False,
        max_length=MAX_TEXT,
        widget=_area(5, _("Follow-ups, visits, deliveries …")),
        help_text=_("Filled in with your due follow-ups and deliveries; change it as you like."),
    )
    problems = forms.CharField(
        label=_("Problems and help needed (需协调事项)"),
        required=False,
        max_length=MAX_TEXT,
        widget=_area(3, ""),
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )


def apply_refusal(exc: DomainError, form: forms.Form) -> None:
    """Show a service's refusal on the form: each named field under its input, the rest on top."""
    placed = False
    for name, message in exc.fields.items():
        if name in form.fields:
            form.add_error(name, str(message))
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))
