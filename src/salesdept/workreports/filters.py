"""Filters of the work report lists: one FilterSet for the page and the API list, both through
selectors.report_list(user=…, filters=…).

Filter names (query parameters of the page and the API alike):
    kind        daily | weekly
    status      draft | submitted | reviewed
    author      a user id (within the reader's scope)
    date_from   period starting on or after (YYYY-MM-DD)
    date_to     period starting on or before
    sort        period, kind, status, author, submitted_at (prefix - for descending); default -period
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from salesdept.core.forms import DATE_WIDGET, DateRangeForm, sort_choices

from .models import Kind, ReportStatus, WorkReport

__all__ = ["SORTS", "WorkReportFilter"]

SORTS = {
    "period": ("period_start", "pk"),
    "kind": ("kind", "period_start", "pk"),
    "status": ("status", "period_start", "pk"),
    "author": ("author__username", "period_start", "pk"),
    "submitted_at": ("submitted_at", "pk"),
}


class WorkReportFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Kind.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ReportStatus.choices, empty_label=_("All")
    )
    author = django_filters.NumberFilter(label=_("Author"), field_name="author_id", min_value=1)
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="period_start", lookup_expr="gte", widget=DATE_WIDGET
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="period_start", lookup_expr="lte", widget=DATE_WIDGET
    )
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=sort_choices(SORTS), method="filter_sort")

    class Meta:
        model = WorkReport
        fields: list[str] = []
        form = DateRangeForm

    def filter_sort(self, queryset, name, value):
        fields = SORTS[value.lstrip("-")]
        return queryset.order_by(*(f"-{f}" for f in fields) if value.startswith("-") else fields)
