"""Filters of quotations (S2): one FilterSet for the page, the API list and the export, all
through selectors.quotations.quotation_list(user=…, filters=…).

    q          number or customer name
    status     draft | sent | accepted | rejected | superseded | cancelled | expired
               (expired: sent and valid until a day before today)
    customer   id of the customer;  owner  id of the salesperson
    date_from / date_to   quotation date between (inclusive)
    current    1: only the newest revision of each quotation
    sort       number, quoted_on, valid_until, customer, total_amount, status (prefix - descending)
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.core.forms import DATE_WIDGET, DateRangeForm, sort_choices

from .models import Quotation

__all__ = ["QuotationFilter", "SORTS", "expired_q"]

SORTS = {
    "number": ("number", "pk"),
    "quoted_on": ("quoted_on", "pk"),
    "valid_until": ("valid_until", "pk"),
    "customer": ("customer__name", "pk"),
    "total_amount": ("total_amount", "pk"),
    "status": ("status", "pk"),
}
SORT_CHOICES = sort_choices(SORTS)
STATUS_CHOICES = [*Quotation.Status.choices, ("expired", _("Expired"))]


def expired_q(day) -> Q:
    """Sent and valid until a day before `day`."""
    return Q(status=Quotation.Status.SENT, valid_until__lt=day)


def _users():
    return get_user_model().objects.filter(is_active=True).order_by("display_name", "username")


class QuotationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, empty_label=_("All"), method="filter_status"
    )
    customer = django_filters.NumberFilter(
        label=_("Customer"), field_name="customer_id", widget=forms.HiddenInput, min_value=1
    )
    owner = django_filters.ModelChoiceFilter(label=_("Salesperson"), queryset=_users(), empty_label=_("All"))
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="quoted_on", lookup_expr="gte", widget=DATE_WIDGET
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="quoted_on", lookup_expr="lte", widget=DATE_WIDGET
    )
    current = django_filters.BooleanFilter(
        label=_("Newest revisions only"), method="filter_current", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=SORT_CHOICES, method="filter_sort")

    class Meta:
        model = Quotation
        fields: list[str] = []
        form = DateRangeForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(customer__name__icontains=value)
            | Q(customer__name_en__icontains=value)
        )

    def filter_status(self, queryset, name, value):
        if value == "expired":
            return queryset.filter(expired_q(timezone.localdate()))
        return queryset.filter(status=value) if value else queryset

    def filter_current(self, queryset, name, value):
        return queryset.filter(next_revision__isnull=True) if value else queryset

    def filter_sort(self, queryset, name, value):
        fields = SORTS[value.lstrip("-")]
        return queryset.order_by(*(f"-{f}" for f in fields) if value.startswith("-") else fields)
