"""Filters of the contract list: one FilterSet for the page, the API list and the export, all
through selectors.contracts.contract_list(user=…, filters=…).

Filter names (query parameters of the page and the API alike):
    q            number, title, registration number or the customer's name
    status       draft | submitted | approved | signed | archived | superseded | cancelled
    customer     id of the customer
    owner        id of the salesperson
    signed_from  first signing day, inclusive;  signed_to  last signing day, inclusive
    amount_min   total ≥;  amount_max  total ≤
    waiting      1: submitted contracts whose next review step is mine
    sort         number, title, signed_on, total_amount, status, created_at (prefix - for
                 descending); default -created_at
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from salesdept.core.forms import DATE_WIDGET, sort_choices

from .models import Contract, ContractStatus

__all__ = ["ContractFilter", "SORTS"]

SORTS = {
    "number": ("number", "pk"),
    "title": ("title", "pk"),
    "customer": ("customer__name", "pk"),
    "signed_on": ("signed_on", "pk"),
    "total_amount": ("total_amount", "pk"),
    "status": ("status", "pk"),
    "created_at": ("created_at", "pk"),
}
SORT_CHOICES = sort_choices(SORTS)


def _salespeople():
    return get_user_model().objects.filter(is_active=True).order_by("display_name", "username")


class ContractFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("signed_from"), data.get("signed_to")
        if start and end and start > end:
            self.add_error("signed_to", _("The end date must not be before the start date."))
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", _("The highest amount must not be below the lowest."))
        return data


class ContractFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ContractStatus.choices, empty_label=_("All")
    )
    customer = django_filters.NumberFilter(
        label=_("Customer"), field_name="customer_id", widget=forms.HiddenInput, min_value=1
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Salesperson"), queryset=_salespeople(), empty_label=_("All")
    )
    signed_from = django_filters.DateFilter(
        label=_("Signed from"), field_name="signed_on", lookup_expr="gte", widget=DATE_WIDGET
    )
    signed_to = django_filters.DateFilter(
        label=_("Signed to"), field_name="signed_on", lookup_expr="lte", widget=DATE_WIDGET
    )
    amount_min = django_filters.NumberFilter(
        label=_("Amount from"),
        field_name="total_amount",
        lookup_expr="gte",
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )
    amount_max = django_filters.NumberFilter(
        label=_("Amount to"),
        field_name="total_amount",
        lookup_expr="lte",
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )
    waiting = django_filters.BooleanFilter(
        label=_("Waiting for my review"), method="filter_waiting", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=SORT_CHOICES, method="filter_sort")

    class Meta:
        model = Contract
        fields: list[str] = []
        form = ContractFilterForm

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(title__icontains=value)
            | Q(registration_number__icontains=value)
            | Q(customer__name__icontains=value)
        )

    def filter_waiting(self, queryset, name, value):
        if not value or self.user is None:
            return queryset
        from .selectors.contracts import waiting_for

        return queryset.filter(pk__in=waiting_for(self.user))

    def filter_sort(self, queryset, name, value):
        fields = SORTS[value.lstrip("-")]
        return queryset.order_by(*(f"-{f}" for f in fields) if value.startswith("-") else fields)
