"""Filters of the plan list: one FilterSet for the page and the API list, both through
selectors.plan_list(user=…, filters=…).

Filter names (query parameters of the page and the API alike):
    q       number or title
    year    the plan's calendar year
    status  draft | submitted | approved | superseded | cancelled
    sort    number, year, title, status, created_at (prefix - for descending); default -created_at
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from salesdept.core.forms import sort_choices

from .models import FIRST_YEAR, LAST_YEAR, Plan, PlanStatus

__all__ = ["PlanFilter", "SORTS"]

SORTS = {
    "number": ("number", "pk"),
    "year": ("calendar_year", "pk"),
    "title": ("title", "pk"),
    "status": ("status", "pk"),
    "created_at": ("created_at", "pk"),
}


class PlanFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="calendar_year", min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=PlanStatus.choices, empty_label=_("All"))
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=sort_choices(SORTS), method="filter_sort")

    class Meta:
        model = Plan
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value))

    def filter_sort(self, queryset, name, value):
        fields = SORTS[value.lstrip("-")]
        return queryset.order_by(*(f"-{f}" for f in fields) if value.startswith("-") else fields)
