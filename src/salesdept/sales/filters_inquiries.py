"""Filters of inquiries (S2): one FilterSet for the page, the API list and the export, all
through selectors.inquiries.inquiry_list(user=…, filters=…).

    q          number, customer name or contact person
    status     open | quoted | closed | overdue (open and the response deadline has passed)
    customer   id of the customer;  owner  id of the salesperson;  channel
    date_from / date_to   received between (inclusive)
    sort       number, received_on, respond_by, customer, status (prefix - for descending)
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.catalog.models import Channel
from salesdept.core.forms import DATE_WIDGET, DateRangeForm, sort_choices

from .models import Inquiry

__all__ = ["InquiryFilter", "SORTS", "overdue_q"]

SORTS = {
    "number": ("number", "pk"),
    "received_on": ("received_on", "pk"),
    "respond_by": ("respond_by", "pk"),
    "customer": ("customer__name", "pk"),
    "status": ("status", "pk"),
}
SORT_CHOICES = sort_choices(SORTS)
STATUS_CHOICES = [*Inquiry.Status.choices, ("overdue", _("Overdue"))]


def overdue_q(day) -> Q:
    """Still open and the response deadline lies before `day`."""
    return Q(status=Inquiry.Status.OPEN, respond_by__lt=day)


def _users():
    return get_user_model().objects.filter(is_active=True).order_by("display_name", "username")


class InquiryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, empty_label=_("All"), method="filter_status"
    )
    customer = django_filters.NumberFilter(
        label=_("Customer"), field_name="customer_id", widget=forms.HiddenInput, min_value=1
    )
    owner = django_filters.ModelChoiceFilter(label=_("Salesperson"), queryset=_users(), empty_label=_("All"))
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices, empty_label=_("All"))
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="received_on", lookup_expr="gte", widget=DATE_WIDGET
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="received_on", lookup_expr="lte", widget=DATE_WIDGET
    )
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=SORT_CHOICES, method="filter_sort")

    class Meta:
        model = Inquiry
        fields: list[str] = []
        form = DateRangeForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value) | Q(customer__name__icontains=value) | Q(contact_name__icontains=value)
        )

    def filter_status(self, queryset, name, value):
        if value == "overdue":
            return queryset.filter(overdue_q(timezone.localdate()))
        return queryset.filter(status=value) if value else queryset

    def filter_sort(self, queryset, name, value):
        fields = SORTS[value.lstrip("-")]
        return queryset.order_by(*(f"-{f}" for f in fields) if value.startswith("-") else fields)
