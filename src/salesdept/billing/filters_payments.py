"""Filters of the payment and collection task lists (page, API list and export alike).

Payments:
q          payment number, reference or the customer's name
customer   id of the customer;  method   bank | cash | acceptance | other
unallocated  "1": only payments with credit left to allocate
date_from / date_to   received on, inclusive
sort       number, customer, received_on, amount, allocated_amount (prefix - for descending);
           default -received_on

Collection tasks:
q          invoice number or customer name;  status  open | escalated | done
sort       due_on, created_on, customer, status (prefix -); default due_on
"""

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from salesdept.core.forms import DATE_WIDGET, DateRangeForm, sort_choices

from .models import CollectionTask, Payment, PaymentMethod

__all__ = ["CollectionTaskFilter", "PAYMENT_SORTS", "PaymentFilter", "TASK_SORTS"]

PAYMENT_SORTS = {
    "number": ("number", "pk"),
    "customer": ("customer__name", "pk"),
    "received_on": ("received_on", "pk"),
    "amount": ("amount", "pk"),
    "allocated_amount": ("allocated_amount", "pk"),
}
TASK_SORTS = {
    "due_on": ("due_on", "pk"),
    "created_on": ("created_on", "pk"),
    "customer": ("customer__name", "pk"),
    "status": ("status", "pk"),
}


def _sort(queryset, value: str, sorts: dict):
    fields = sorts[value.lstrip("-")]
    return queryset.order_by(*(f"-{f}" for f in fields) if value.startswith("-") else fields)


class PaymentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    customer = django_filters.NumberFilter(
        label=_("Customer"), field_name="customer_id", widget=forms.HiddenInput, min_value=1
    )
    method = django_filters.ChoiceFilter(
        label=_("Method"), choices=PaymentMethod.choices, empty_label=_("All")
    )
    unallocated = django_filters.BooleanFilter(
        label=_("With credit left"), method="filter_unallocated", widget=forms.CheckboxInput
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="received_on", lookup_expr="gte", widget=DATE_WIDGET
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="received_on", lookup_expr="lte", widget=DATE_WIDGET
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"), choices=sort_choices(PAYMENT_SORTS), method="filter_sort"
    )

    class Meta:
        model = Payment
        fields: list[str] = []
        form = DateRangeForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value) | Q(reference__icontains=value) | Q(customer__name__icontains=value)
        )

    def filter_unallocated(self, queryset, name, value):
        if value:
            return queryset.filter(amount__gt=F("allocated_amount"))
        return queryset

    def filter_sort(self, queryset, name, value):
        return _sort(queryset, value, PAYMENT_SORTS)


class CollectionTaskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=CollectionTask.Status.choices, empty_label=_("All")
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"), choices=sort_choices(TASK_SORTS), method="filter_sort"
    )

    class Meta:
        model = CollectionTask
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(invoice__number__icontains=value) | Q(customer__name__icontains=value))

    def filter_sort(self, queryset, name, value):
        return _sort(queryset, value, TASK_SORTS)
