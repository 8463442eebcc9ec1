"""Filters of the stock document list (page, API list and export alike).

q          number, reference, supplier or customer name
kind       receipt | issue | return | transfer | adjustment
status     draft | submitted | posted | reversed | cancelled
purpose    purchase | sale | internal | sample | … (models.Purpose)
warehouse  id of the warehouse
product    id of a product on one of the lines
date_from  first date, inclusive;  date_to  last date, inclusive
sort       number, moved_on, kind, status, warehouse (prefix - for descending); default -moved_on
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from salesdept.core.forms import DATE_WIDGET, DateRangeForm, sort_choices

from .models import DocumentKind, Purpose, StockDocument, StockDocumentStatus, Warehouse

__all__ = ["DocumentFilter", "SORTS"]

SORTS = {
    "number": ("number", "pk"),
    "moved_on": ("moved_on", "pk"),
    "kind": ("kind", "pk"),
    "status": ("status", "pk"),
    "warehouse": ("warehouse__code", "pk"),
}
SORT_CHOICES = sort_choices(SORTS)


class DocumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=DocumentKind.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=StockDocumentStatus.choices, empty_label=_("All")
    )
    purpose = django_filters.ChoiceFilter(label=_("Purpose"), choices=Purpose.choices, empty_label=_("All"))
    warehouse = django_filters.ModelChoiceFilter(
        label=_("Warehouse"), queryset=Warehouse.objects.order_by("code"), empty_label=_("All")
    )
    product = django_filters.NumberFilter(
        label=_("Product"), method="filter_product", widget=forms.HiddenInput, min_value=1
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="moved_on", lookup_expr="gte", widget=DATE_WIDGET
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="moved_on", lookup_expr="lte", widget=DATE_WIDGET
    )
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=SORT_CHOICES, method="filter_sort")

    class Meta:
        model = StockDocument
        fields: list[str] = []
        form = DateRangeForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(reference__icontains=value)
            | Q(supplier__icontains=value)
            | Q(customer__name__icontains=value)
        )

    def filter_product(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=StockDocument.objects.filter(lines__product_id=value).values("pk"))

    def filter_sort(self, queryset, name, value):
        fields = SORTS[value.lstrip("-")]
        return queryset.order_by(*(f"-{f}" for f in fields) if value.startswith("-") else fields)
