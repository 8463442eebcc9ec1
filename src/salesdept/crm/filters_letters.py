"""Filters of the correspondence register (C5): one FilterSet for the page, the API list and the
export, all through selectors.letters.letter_list(user=…, filters=…).

Filter names (query parameters of the page and the API alike):
    q          register number, subject, counterpart, their reference or the customer's name
    direction  in | out
    kind       letter | fax | email | parcel | document
    status     open | done
    handler    id of the handler
    customer   id of the customer
    overdue    1: only open letters whose follow-up date has passed
    date_from  first day, inclusive;  date_to  last day, inclusive
    sort       number, date, follow_up_on, counterpart, status (prefix - for descending);
               default -date
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.core.forms import DATE_WIDGET, DateRangeForm, sort_choices

from .models import Letter

__all__ = ["LetterFilter", "SORTS", "follow_up_overdue_q"]

SORTS = {
    "number": ("number", "pk"),
    "date": ("date", "pk"),
    "follow_up_on": ("follow_up_on", "pk"),
    "counterpart": ("counterpart", "pk"),
    "status": ("status", "pk"),
}
SORT_CHOICES = sort_choices(SORTS)


def follow_up_overdue_q(day) -> Q:
    """Still open and the follow-up date lies before `day`."""
    return Q(status=Letter.Status.OPEN, follow_up_on__lt=day)


def _users():
    return get_user_model().objects.filter(is_active=True).order_by("display_name", "username")


class LetterFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    direction = django_filters.ChoiceFilter(
        label=_("Direction"), choices=Letter.Direction.choices, empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Letter.Kind.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Letter.Status.choices, empty_label=_("All")
    )
    handler = django_filters.ModelChoiceFilter(label=_("Handler"), queryset=_users(), empty_label=_("All"))
    customer = django_filters.NumberFilter(
        label=_("Customer"), field_name="customer_id", widget=forms.HiddenInput, min_value=1
    )
    overdue = django_filters.BooleanFilter(
        label=_("Follow-up overdue"), method="filter_overdue", widget=forms.CheckboxInput
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="date", lookup_expr="gte", widget=DATE_WIDGET
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="date", lookup_expr="lte", widget=DATE_WIDGET
    )
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=SORT_CHOICES, method="filter_sort")

    class Meta:
        model = Letter
        fields: list[str] = []
        form = DateRangeForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(subject__icontains=value)
            | Q(counterpart__icontains=value)
            | Q(reference__icontains=value)
            | Q(customer__name__icontains=value)
        )

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(follow_up_overdue_q(timezone.localdate())) if value else queryset

    def filter_sort(self, queryset, name, value):
        fields = SORTS[value.lstrip("-")]
        return queryset.order_by(*(f"-{f}" for f in fields) if value.startswith("-") else fields)
