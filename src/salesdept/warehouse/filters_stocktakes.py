"""Filters of stocktakes (W3): one FilterSet for the page, the API list and the export, all
through selectors.stocktakes.stocktake_list(user=…, filters=…).

    q          number or notes
    status     draft | submitted | approved | cancelled
    kind       spot | cycle | full;   warehouse  id
    date_from / date_to   count date between (inclusive)
    sort       number, counted_on, warehouse, kind, status (prefix - for descending)
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from salesdept.core.forms import DATE_WIDGET, DateRangeForm, sort_choices
from salesdept.core.models import Status

from .models import Stocktake, Warehouse

__all__ = ["SORTS", "StocktakeFilter"]

SORTS = {
    "number": ("number", "pk"),
    "counted_on": ("counted_on", "pk"),
    "warehouse": ("warehouse__code", "pk"),
    "kind": ("kind", "pk"),
    "status": ("status", "pk"),
}
SORT_CHOICES = sort_choices(SORTS)


class StocktakeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices, empty_label=_("All"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Stocktake.Kind.choices, empty_label=_("All"))
    warehouse = django_filters.ModelChoiceFilter(
        label=_("Warehouse"), queryset=Warehouse.objects.all(), empty_label=_("All")
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="counted_on", lookup_expr="gte", widget=DATE_WIDGET
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="counted_on", lookup_expr="lte", widget=DATE_WIDGET
    )
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=SORT_CHOICES, method="filter_sort")

    class Meta:
        model = Stocktake
        fields: list[str] = []
        form = DateRangeForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(notes__icontains=value))

    def filter_sort(self, queryset, name, value):
        fields = SORTS[value.lstrip("-")]
        return queryset.order_by(*(f"-{f}" for f in fields) if value.startswith("-") else fields)
