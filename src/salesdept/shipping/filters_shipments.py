"""Filters of the shipment list (page, API list and export alike).

q          shipment number, tracking number, order number or the customer's name
status     draft | submitted | shipped | delivered | cancelled
customer   id of the customer;  order  id of the sales order;  warehouse  id of the warehouse
method     own | carrier | pickup
date_from  first promised date, inclusive;  date_to  last promised date, inclusive
late       true: promised date passed and not delivered (nor cancelled)
sort       number, customer, promised_on, shipped_on, amount, status (prefix - for descending);
           default -promised_on
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.core.forms import DATE_WIDGET, DateRangeForm, sort_choices
from salesdept.warehouse.models import Warehouse

from .models import Shipment, ShipmentStatus, ShippingMethod

__all__ = ["LATE_STATES", "SORTS", "ShipmentFilter", "late_q"]

SORTS = {
    "number": ("number", "pk"),
    "customer": ("customer__name", "pk"),
    "promised_on": ("promised_on", "pk"),
    "shipped_on": ("shipped_on", "pk"),
    "amount": ("amount", "pk"),
    "status": ("status", "pk"),
}
SORT_CHOICES = sort_choices(SORTS)
# not delivered yet: still being prepared, waiting for review, or on the way
LATE_STATES = (ShipmentStatus.DRAFT, ShipmentStatus.SUBMITTED, ShipmentStatus.SHIPPED)


def late_q(today=None) -> Q:
    """Shipments whose promised date has passed and that are not delivered (nor cancelled)."""
    return Q(status__in=LATE_STATES, promised_on__lt=today or timezone.localdate())


class ShipmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ShipmentStatus.choices, empty_label=_("All")
    )
    method = django_filters.ChoiceFilter(
        label=_("Shipping method"), choices=ShippingMethod.choices, empty_label=_("All")
    )
    warehouse = django_filters.ModelChoiceFilter(
        label=_("Warehouse"), queryset=Warehouse.objects.order_by("code"), empty_label=_("All")
    )
    customer = django_filters.NumberFilter(
        label=_("Customer"), field_name="customer_id", widget=forms.HiddenInput, min_value=1
    )
    order = django_filters.NumberFilter(
        label=_("Sales order"), field_name="order_id", widget=forms.HiddenInput, min_value=1
    )
    date_from = django_filters.DateFilter(
        label=_("Promised from"), field_name="promised_on", lookup_expr="gte", widget=DATE_WIDGET
    )
    date_to = django_filters.DateFilter(
        label=_("Promised to"), field_name="promised_on", lookup_expr="lte", widget=DATE_WIDGET
    )
    late = django_filters.BooleanFilter(
        label=_("Late only"), method="filter_late", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=SORT_CHOICES, method="filter_sort")

    class Meta:
        model = Shipment
        fields: list[str] = []
        form = DateRangeForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(tracking_number__icontains=value)
            | Q(order__number__icontains=value)
            | Q(customer__name__icontains=value)
        )

    def filter_late(self, queryset, name, value):
        return queryset.filter(late_q()) if value else queryset

    def filter_sort(self, queryset, name, value):
        fields = SORTS[value.lstrip("-")]
        return queryset.order_by(*(f"-{f}" for f in fields) if value.startswith("-") else fields)
