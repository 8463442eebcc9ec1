"""Filters of sample loans and received samples (W5), shared by the pages, the API lists and
the exports (selectors.samples).

Loans:    q (product code or name, customer, holder), status out | closed | overdue (out and the
          expected return has passed), holder (user id), sort issued_on, due_back, product,
          holder, status (prefix - for descending)
Received: q (sender, description, customer), status, date_from / date_to (received between),
          sort received_on, sender, status
"""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.core.forms import DATE_WIDGET, DateRangeForm

from .models import ReceivedSample, SampleLoan

__all__ = ["LoanFilter", "ReceivedFilter", "overdue_q"]

LOAN_SORTS = {
    "issued_on": ("issued_on", "pk"),
    "due_back": ("due_back", "pk"),
    "product": ("product__code", "pk"),
    "holder": ("holder__display_name", "holder__username", "pk"),
    "status": ("status", "pk"),
}
RECEIVED_SORTS = {
    "received_on": ("received_on", "pk"),
    "sender": ("sender", "pk"),
    "status": ("status", "pk"),
}


def _choices(sorts):
    return [(k, k) for k in sorts] + [(f"-{k}", f"-{k}") for k in sorts]


def _sort(queryset, value, sorts):
    fields = sorts[value.lstrip("-")]
    return queryset.order_by(*(f"-{f}" for f in fields) if value.startswith("-") else fields)


def overdue_q(day) -> Q:
    """Out, something still outstanding and the expected return lies before `day`."""
    return Q(status=SampleLoan.Status.OUT, due_back__lt=day) & Q(quantity__gt=F("returned") + F("consumed"))


def _users():
    return get_user_model().objects.filter(is_active=True).order_by("display_name", "username")


class LoanFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[*SampleLoan.Status.choices, ("overdue", _("Overdue"))],
        empty_label=_("All"),
        method="filter_status",
    )
    holder = django_filters.ModelChoiceFilter(label=_("Salesperson"), queryset=_users(), empty_label=_("All"))
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=_choices(LOAN_SORTS), method="filter_sort")

    class Meta:
        model = SampleLoan
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(product__code__icontains=value)
            | Q(product__name__icontains=value)
            | Q(product__name_en__icontains=value)
            | Q(customer__name__icontains=value)
            | Q(holder__display_name__icontains=value)
            | Q(issue_line__document__number__icontains=value)
        )

    def filter_status(self, queryset, name, value):
        if value == "overdue":
            return queryset.filter(overdue_q(timezone.localdate()))
        return queryset.filter(status=value) if value else queryset

    def filter_sort(self, queryset, name, value):
        return _sort(queryset, value, LOAN_SORTS)


class ReceivedFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ReceivedSample.Status.choices, empty_label=_("All")
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="received_on", lookup_expr="gte", widget=DATE_WIDGET
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="received_on", lookup_expr="lte", widget=DATE_WIDGET
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"), choices=_choices(RECEIVED_SORTS), method="filter_sort"
    )

    class Meta:
        model = ReceivedSample
        fields: list[str] = []
        form = DateRangeForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(sender__icontains=value) | Q(description__icontains=value) | Q(customer__name__icontains=value)
        )

    def filter_sort(self, queryset, name, value):
        return _sort(queryset, value, RECEIVED_SORTS)
