"""Filters of the invoice registry 发票登记 (page, API list and export alike).

q          invoice number (IV-…), official invoice number 发票号码, order number or customer name
status     draft | submitted | issued | cancelled
kind       invoice | credit_note
customer   id of the customer
order      id of the sales order
date_from  first invoice date, inclusive;  date_to  last invoice date, inclusive
overdue    only issued invoices past their due date with something outstanding
sort       number, invoice_no, invoiced_on, due_on, customer, total_amount, status (prefix - for
           descending); default -invoiced_on
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.core.forms import DATE_WIDGET, DateRangeForm, sort_choices

from .models import OPEN, Invoice, InvoiceKind, InvoiceStatus

__all__ = ["InvoiceFilter", "SORTS", "overdue"]

SORTS = {
    "number": ("number", "pk"),
    "invoice_no": ("invoice_no", "pk"),
    "invoiced_on": ("invoiced_on", "pk"),
    "due_on": ("due_on", "pk"),
    "customer": ("customer__name", "pk"),
    "total_amount": ("total_amount", "pk"),
    "status": ("status", "pk"),
}
SORT_CHOICES = sort_choices(SORTS)


def overdue(queryset, on=None):
    """Issued invoices (not credit notes) due before `on` (today) with something outstanding."""
    on = on or timezone.localdate()
    return queryset.filter(kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED, due_on__lt=on).filter(OPEN)


class InvoiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=InvoiceStatus.choices, empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=InvoiceKind.choices, empty_label=_("All"))
    customer = django_filters.NumberFilter(
        label=_("Customer"), field_name="customer_id", widget=forms.HiddenInput, min_value=1
    )
    order = django_filters.NumberFilter(
        label=_("Sales order"), field_name="order_id", widget=forms.HiddenInput, min_value=1
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="invoiced_on", lookup_expr="gte", widget=DATE_WIDGET
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="invoiced_on", lookup_expr="lte", widget=DATE_WIDGET
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=SORT_CHOICES, method="filter_sort")

    class Meta:
        model = Invoice
        fields: list[str] = []
        form = DateRangeForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(invoice_no__icontains=value)
            | Q(order__number__icontains=value)
            | Q(customer__name__icontains=value)
        )

    def filter_overdue(self, queryset, name, value):
        return overdue(queryset) if value else queryset

    def filter_sort(self, queryset, name, value):
        fields = SORTS[value.lstrip("-")]
        return queryset.order_by(*(f"-{f}" for f in fields) if value.startswith("-") else fields)
