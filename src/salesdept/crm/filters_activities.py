"""Filters of the follow-up list and the phone log: one FilterSet each for the page, the API and
the export, applied by crm/selectors/activities.py to the user's visible rows.

Follow-ups (query parameters of the page and the API alike):
    q          text in the subject, result, customer or lead name, customer number
    status     planned | done | cancelled
    kind       call | visit | message | meeting
    owner      id of the salesperson (only colleagues in the user's scope are offered)
    customer   id of the customer;  lead: id of the lead
    due_from   first due day, inclusive;  due_to: last due day, inclusive
    sort       due_on | -due_on | customer | -customer | owner | -owner | status | -status |
               kind | -kind | done_at | -done_at      (default: -due_on)
Phone log:
    q, date_from, date_to, handed_to, sort = -called_at (default) | called_at | caller | -caller
"""

import datetime

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.core.forms import DATE_WIDGET

from .models import Activity, PhoneCall

# ISO dates whatever the language (a browser date input needs YYYY-MM-DD).

ACTIVITY_SORTS = {
    "due_on": ("due_on", "pk"),
    "customer": ("customer__name", "lead__name", "due_on", "pk"),
    "owner": ("owner__display_name", "owner__username", "due_on", "pk"),
    "status": ("status", "due_on", "pk"),
    "kind": ("kind", "due_on", "pk"),
    "done_at": ("done_at", "pk"),
}
CALL_SORTS = {"called_at": ("called_at", "pk"), "caller": ("caller", "called_at", "pk")}


def _sort_choices(sorts: dict) -> list[tuple[str, str]]:
    return [(key, key) for name in sorts for key in (name, f"-{name}")]


def _ordered(queryset, sorts: dict, value: str):
    desc = value.startswith("-")
    fields = sorts[value.lstrip("-")]
    return queryset.order_by(*(f"-{f}" if desc else f for f in fields))


def _colleagues(request):
    """Active users in the requesting user's scope (a salesperson: only themself)."""
    users = get_user_model().objects.filter(is_active=True).order_by("display_name", "username")
    user = getattr(request, "user", None)
    return visible(users, user) if user is not None else users


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class RangeForm(forms.Form):
    """A filter form whose date range must not be backwards."""

    RANGE = ("due_from", "due_to")

    def clean(self):
        data = super().clean()
        start, end = (data.get(name) for name in self.RANGE)
        if start and end and start > end:
            self.add_error(self.RANGE[1], _("The end date must not be before the start date."))
        return data


class CallRangeForm(RangeForm):
    RANGE = ("date_from", "date_to")


class ActivityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Activity.Status.choices, empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Activity.Kind.choices, empty_label=_("All"))
    owner = django_filters.ModelChoiceFilter(
        label=_("Salesperson"), queryset=_colleagues, empty_label=_("All")
    )
    customer = django_filters.NumberFilter(label=_("Customer ID"), field_name="customer_id", min_value=1)
    lead = django_filters.NumberFilter(label=_("Lead ID"), field_name="lead_id", min_value=1)
    due_from = django_filters.DateFilter(
        label=_("Due from"), field_name="due_on", lookup_expr="gte", widget=DATE_WIDGET
    )
    due_to = django_filters.DateFilter(
        label=_("Due to"), field_name="due_on", lookup_expr="lte", widget=DATE_WIDGET
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"), choices=_sort_choices(ACTIVITY_SORTS), method="filter_sort", empty_label=None
    )

    class Meta:
        model = Activity
        fields: list[str] = []
        form = RangeForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(subject__icontains=value)
            | Q(result__icontains=value)
            | Q(customer__name__icontains=value)
            | Q(customer__code__iexact=value)
            | Q(lead__name__icontains=value)
        )

    def filter_sort(self, queryset, name, value):
        return _ordered(queryset, ACTIVITY_SORTS, value)


class PhoneCallFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    date_from = django_filters.DateFilter(label=_("From"), method="filter_from", widget=DATE_WIDGET)
    date_to = django_filters.DateFilter(label=_("To"), method="filter_to", widget=DATE_WIDGET)
    handed_to = django_filters.ModelChoiceFilter(
        label=_("Handed to"), queryset=_colleagues, empty_label=_("All")
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"), choices=_sort_choices(CALL_SORTS), method="filter_sort", empty_label=None
    )

    class Meta:
        model = PhoneCall
        fields: list[str] = []
        form = CallRangeForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(caller__icontains=value)
            | Q(number__icontains=value)
            | Q(topic__icontains=value)
            | Q(result__icontains=value)
            | Q(customer__name__icontains=value)
        )

    # Whole days in the site's time zone, as a range on the timestamp (no __date cast).
    def filter_from(self, queryset, name, value):
        return queryset.filter(called_at__gte=_day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(called_at__lt=_day_start(value + datetime.timedelta(days=1)))

    def filter_sort(self, queryset, name, value):
        return _ordered(queryset, CALL_SORTS, value)
