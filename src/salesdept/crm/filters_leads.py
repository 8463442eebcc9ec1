"""Filters of the lead list and the visitor reception log (C2): one FilterSet each, shared by the
page, the API list and the export (selectors.leads.lead_list / visit_list).

Lead filter names (query parameters of the page and the API alike):
    q             name, pinyin (full or initials), phone, contact person or lead number
    stage         stage code (new, contacted, …)
    source        source code (visit, phone, referral, …)
    owner         salesperson's user id
    region        region id; the region and every region below it
    created_from  first day of creation, YYYY-MM-DD, inclusive
    created_to    last day of creation, YYYY-MM-DD, inclusive
    status        open | won | lost (the outcome of the current stage)
    sort          created | -created (default) | name | -name | amount | -amount |
                  expected | -expected | stage | -stage | code | -code
"""

import datetime

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Region, User
from salesdept.accounts.scope import region_subtree, visible
from salesdept.core.forms import DATE_WIDGET

from .models import Lead, LeadStage, Source, Visit
from .search_keys import matches

STATUS_CHOICES = [
    (LeadStage.Outcome.OPEN, _("Open")),
    (LeadStage.Outcome.WON, _("Won")),
    (LeadStage.Outcome.LOST, _("Lost")),
]

# sort value → ORDER BY; every order ends in the primary key so pages never overlap.
LEAD_SORTS = {
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "amount": (F("expected_amount").asc(nulls_first=True), "pk"),
    "-amount": (F("expected_amount").desc(nulls_last=True), "-pk"),
    "expected": (F("expected_on").asc(nulls_last=True), "pk"),
    "-expected": (F("expected_on").desc(nulls_last=True), "-pk"),
    "stage": ("stage__sort_order", "pk"),
    "-stage": ("-stage__sort_order", "-pk"),
    "code": ("code",),
    "-code": ("-code",),
}
LEAD_SORT_CHOICES = [(key, key) for key in LEAD_SORTS]

VISIT_SORTS = {
    "visited": ("visited_at", "pk"),
    "-visited": ("-visited_at", "-pk"),
    "visitor": ("visitor_name", "pk"),
    "-visitor": ("-visitor_name", "-pk"),
}
VISIT_SORT_CHOICES = [(key, key) for key in VISIT_SORTS]


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class DateRangeForm(forms.Form):
    """Refuses a range whose end lies before its start (names the end field)."""

    range_fields = ("created_from", "created_to")

    def clean(self):
        data = super().clean()
        first, last = self.range_fields
        if data.get(first) and data.get(last) and data[first] > data[last]:
            self.add_error(last, _("The end date must not be before the start date."))
        return data


class VisitRangeForm(DateRangeForm):
    range_fields = ("date_from", "date_to")


class LeadFilter(django_filters.FilterSet):
    """`user` limits the salesperson choices to the people the user may see."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    stage = django_filters.ModelChoiceFilter(
        label=_("Stage"),
        field_name="stage",
        to_field_name="code",
        queryset=LeadStage.objects.filter(is_active=True),
        empty_label=_("All"),
    )
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Source.choices, empty_label=_("All"))
    owner = django_filters.ModelChoiceFilter(
        label=_("Salesperson"), field_name="owner", queryset=User.objects.none(), empty_label=_("All")
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Region"), queryset=Region.objects.all(), method="filter_region", empty_label=_("All")
    )
    created_from = django_filters.DateFilter(
        label=_("Created from"), method="filter_from", widget=DATE_WIDGET
    )
    created_to = django_filters.DateFilter(label=_("Created to"), method="filter_to", widget=DATE_WIDGET)
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, field_name="stage__outcome", empty_label=_("All")
    )
    sort = django_filters.ChoiceFilter(choices=LEAD_SORT_CHOICES, method="filter_sort")

    class Meta:
        model = Lead
        fields: list[str] = []
        form = DateRangeForm

    def __init__(self, data=None, queryset=None, *, user=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        if user is not None:
            self.filters["owner"].queryset = visible(User.objects.filter(is_active=True), user).order_by(
                "display_name", "username"
            )
        else:
            self.filters["owner"].queryset = User.objects.all()

    def filter_q(self, queryset, name, value):
        # the global search's condition (crm/search_keys.py): number, name, pinyin, contact
        # person, phone digits in one LIKE on search_text
        return queryset.filter(matches(value)) if value.strip() else queryset

    def filter_region(self, queryset, name, value):
        return queryset.filter(region_id__in=region_subtree(value.pk))

    def filter_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=day_start(value + datetime.timedelta(days=1)))

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*LEAD_SORTS[value])


class VisitFilter(django_filters.FilterSet):
    """Visitor reception log: search, receiver, date range, whether a lead was made."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    received_by = django_filters.ModelChoiceFilter(
        label=_("Received by"), field_name="received_by", queryset=User.objects.none(), empty_label=_("All")
    )
    date_from = django_filters.DateFilter(label=_("From"), method="filter_from", widget=DATE_WIDGET)
    date_to = django_filters.DateFilter(label=_("To"), method="filter_to", widget=DATE_WIDGET)
    has_lead = django_filters.BooleanFilter(
        label=_("Lead created"),
        field_name="lead",
        lookup_expr="isnull",
        exclude=True,
        widget=forms.Select(choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))]),
    )
    sort = django_filters.ChoiceFilter(choices=VISIT_SORT_CHOICES, method="filter_sort")

    class Meta:
        model = Visit
        fields: list[str] = []
        form = VisitRangeForm

    def __init__(self, data=None, queryset=None, *, user=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        if user is not None:
            self.filters["received_by"].queryset = visible(
                User.objects.filter(is_active=True), user
            ).order_by("display_name", "username")
        else:
            self.filters["received_by"].queryset = User.objects.all()

    def filter_q(self, queryset, name, value):
        q = value.strip()
        if not q:
            return queryset
        return queryset.filter(
            Q(visitor_name__icontains=q)
            | Q(company__icontains=q)
            | Q(purpose__icontains=q)
            | Q(phone__icontains=q)
        )

    def filter_from(self, queryset, name, value):
        return queryset.filter(visited_at__gte=day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(visited_at__lt=day_start(value + datetime.timedelta(days=1)))

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*VISIT_SORTS[value])
