"""Filters of the complaints list (C4): one FilterSet for the page, the API list and the export,
all through selectors.feedback.feedback_list(user=…, filters=…).

Filter names (query parameters of the page and the API alike):
    q              number, subject, product or the customer's name / number
    kind           feedback | complaint | quality
    status         open | in_progress | resolved | confirmed | active (open or in progress)
    department     sales | quality | production | logistics | finance | service | other
    assignee       id of the responsible person
    customer       id of the customer
    overdue        1: only those past their deadline and not yet resolved
    received_from  first day received, inclusive;  received_to  last day, inclusive
    sort           number, received_on, deadline, status, customer, kind (prefix - for descending);
                   default -received_on
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.core.forms import DATE_WIDGET, sort_choices

from .models import Feedback

__all__ = ["ACTIVE", "FeedbackFilter", "SORTS", "overdue_q"]

ACTIVE = (Feedback.Status.OPEN, Feedback.Status.IN_PROGRESS)

# sort key → ordering; each ends with the pk so pages never shuffle
SORTS = {
    "number": ("number", "pk"),
    "received_on": ("received_on", "pk"),
    "deadline": ("deadline", "pk"),
    "status": ("status", "pk"),
    "customer": ("customer__name", "pk"),
    "kind": ("kind", "pk"),
}
SORT_CHOICES = sort_choices(SORTS)
STATUS_CHOICES = [("active", _("Open or in progress")), *Feedback.Status.choices]


def overdue_q(day) -> Q:
    """Past the deadline on `day` and not yet resolved (open or in progress)."""
    return Q(status__in=ACTIVE, deadline__lt=day)


def _users():
    return get_user_model().objects.filter(is_active=True).order_by("display_name", "username")


class FeedbackFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("The end date must not be before the start date."))
        return data


class FeedbackFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Feedback.Kind.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="filter_status", empty_label=_("All")
    )
    department = django_filters.ChoiceFilter(
        label=_("Department"), choices=Feedback.Department.choices, empty_label=_("All")
    )
    assignee = django_filters.ModelChoiceFilter(
        label=_("Responsible person"), queryset=_users(), empty_label=_("All")
    )
    customer = django_filters.NumberFilter(
        label=_("Customer"), field_name="customer_id", widget=forms.HiddenInput, min_value=1
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput
    )
    received_from = django_filters.DateFilter(
        label=_("Received from"), field_name="received_on", lookup_expr="gte", widget=DATE_WIDGET
    )
    received_to = django_filters.DateFilter(
        label=_("Received to"), field_name="received_on", lookup_expr="lte", widget=DATE_WIDGET
    )
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=SORT_CHOICES, method="filter_sort")

    class Meta:
        model = Feedback
        fields: list[str] = []
        form = FeedbackFilterForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(subject__icontains=value)
            | Q(product_name__icontains=value)
            | Q(customer__name__icontains=value)
            | Q(customer__code__iexact=value)
        )

    def filter_status(self, queryset, name, value):
        if value == "active":
            return queryset.filter(status__in=ACTIVE)
        return queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        # A checkbox sends nothing when off: only "on" narrows the list.
        return queryset.filter(overdue_q(timezone.localdate())) if value else queryset

    def filter_sort(self, queryset, name, value):
        fields = SORTS[value.lstrip("-")]
        return queryset.order_by(*(f"-{f}" for f in fields) if value.startswith("-") else fields)
