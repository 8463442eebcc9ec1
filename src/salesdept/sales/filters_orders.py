"""Filters of the sales order list (page, API list and export alike).

q          order number, contract number or the customer's name
status     draft | confirmed | cancelled
kind       contract | direct
contract   id of the contract
customer   id of the customer
owner      id of the salesperson
date_from  first order date, inclusive;  date_to  last order date, inclusive
sort       number, ordered_on, wanted_on, total_amount, status (prefix - for descending);
           default -ordered_on
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from salesdept.core.forms import DATE_WIDGET, DateRangeForm, sort_choices

from .models import OrderStatus, SalesOrder

__all__ = ["OrderFilter", "SORTS"]

SORTS = {
    "number": ("number", "pk"),
    "customer": ("customer__name", "pk"),
    "ordered_on": ("ordered_on", "pk"),
    "wanted_on": ("wanted_on", "pk"),
    "total_amount": ("total_amount", "pk"),
    "status": ("status", "pk"),
}
SORT_CHOICES = sort_choices(SORTS)
KIND_CHOICES = [("contract", _("From a contract")), ("direct", _("Direct sale"))]


class OrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=OrderStatus.choices, empty_label=_("All"))
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=KIND_CHOICES, method="filter_kind", empty_label=_("All")
    )
    contract = django_filters.NumberFilter(
        label=_("Contract"), field_name="contract_id", widget=forms.HiddenInput, min_value=1
    )
    customer = django_filters.NumberFilter(
        label=_("Customer"), field_name="customer_id", widget=forms.HiddenInput, min_value=1
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Salesperson"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("display_name", "username"),
        empty_label=_("All"),
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="ordered_on", lookup_expr="gte", widget=DATE_WIDGET
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="ordered_on", lookup_expr="lte", widget=DATE_WIDGET
    )
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=SORT_CHOICES, method="filter_sort")

    class Meta:
        model = SalesOrder
        fields: list[str] = []
        form = DateRangeForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(contract__number__icontains=value)
            | Q(customer__name__icontains=value)
        )

    def filter_kind(self, queryset, name, value):
        if value == "contract":
            return queryset.filter(contract__isnull=False)
        if value == "direct":
            return queryset.filter(contract__isnull=True)
        return queryset

    def filter_sort(self, queryset, name, value):
        fields = SORTS[value.lstrip("-")]
        return queryset.order_by(*(f"-{f}" for f in fields) if value.startswith("-") else fields)
