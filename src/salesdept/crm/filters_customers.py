"""Filters of the customer list (C1): one FilterSet for the page, the API list and the export,
all through selectors.customers.customer_list(user=…, filters=…).

Filter names (query parameters of the page and the API alike):
    q           name, English name, pinyin (full or initials), customer number, tax ID or phone
    kind        company | person
    tier        tier id          region   region id (and every region below it)
    owner       salesperson id (only people the user may see)
    source      visit | phone | referral | …        industry   part of the industry
    incomplete  1: only files below 100 % completeness
    active      1 (default): active customers; 0: deactivated ones; all: both
    sort        name | code | tier | owner | completeness | last_contact | created, "-" for descending
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Region
from salesdept.accounts.scope import region_subtree, visible
from salesdept.core.exports import Column
from salesdept.core.forms import sort_choices

from .models import Customer, Source, Tier
from .search_keys import matches

SORTS = {
    "name": ("name", "pk"),
    "code": ("code",),
    "tier": ("tier__sort_order", "name", "pk"),
    "owner": ("owner__display_name", "owner__username", "name", "pk"),
    "completeness": ("completeness", "name", "pk"),
    "last_contact": ("last_contact_on", "name", "pk"),
    "created": ("created_at", "pk"),
}
SORT_CHOICES = sort_choices(SORTS)
ACTIVE_CHOICES = [("1", _("Active")), ("0", _("Deactivated")), ("all", _("All"))]


def search_condition(q: str) -> Q:
    """What the search box matches: the global search's own condition (one LIKE on the folded
    search_text), so "see all" from the search page lists exactly the rows it counted."""
    return matches(q)


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Customer.Kind.choices, empty_label=_("All"))
    tier = django_filters.ModelChoiceFilter(
        label=_("Tier"), queryset=Tier.objects.all(), empty_label=_("All")
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Region"),
        queryset=Region.objects.order_by("code"),
        method="filter_region",
        empty_label=_("All"),
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Salesperson"), queryset=get_user_model().objects.none(), empty_label=_("All")
    )
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Source.choices, empty_label=_("All"))
    industry = django_filters.CharFilter(label=_("Industry"), lookup_expr="icontains", max_length=100)
    incomplete = django_filters.BooleanFilter(
        label=_("Incomplete files only"), method="filter_incomplete", widget=forms.CheckboxInput
    )
    active = django_filters.ChoiceFilter(
        label=_("Status"), choices=ACTIVE_CHOICES, method="filter_active", empty_label=None
    )
    sort = django_filters.ChoiceFilter(choices=SORT_CHOICES, method="filter_sort")

    class Meta:
        model = Customer
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        # Only people the user may see: a salesperson cannot list (or probe) a colleague's name.
        self.filters["owner"].queryset = visible(get_user_model().objects, user).order_by("username")
        self.form.fields["owner"].queryset = self.filters["owner"].queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("active"):
            queryset = queryset.filter(is_active=True)
        if not self.form.cleaned_data.get("sort"):
            queryset = queryset.order_by(*SORTS["name"])
        return queryset.filter(merged_into__isnull=True)  # a merged customer lives on in the kept one

    def filter_q(self, queryset, name, value):
        return queryset.filter(search_condition(value)) if value.strip() else queryset

    def filter_region(self, queryset, name, value):
        return queryset.filter(region__in=region_subtree(value.pk))

    def filter_incomplete(self, queryset, name, value):
        return queryset.filter(completeness__lt=100) if value else queryset

    def filter_active(self, queryset, name, value):
        if value == "all":
            return queryset
        return queryset.filter(is_active=value == "1")

    def filter_sort(self, queryset, name, value):
        fields = SORTS[value.lstrip("-")]
        if value.startswith("-"):
            fields = tuple(f"-{f}" for f in fields)
        return queryset.order_by(*fields)


# The columns of the CSV/XLSX export (page and API), headers in the user's language.
EXPORT_COLUMNS = [
    Column("code", _("Customer number")),
    Column("name", _("Name")),
    Column("name_en", _("English name")),
    Column("kind", _("Kind"), lambda c: c.get_kind_display()),
    Column("tier", _("Tier"), lambda c: c.tier.code if c.tier else ""),
    Column("region", _("Region"), lambda c: str(c.region)),
    Column("owner", _("Salesperson"), lambda c: str(c.owner)),
    Column("industry", _("Industry")),
    Column("source", _("Source"), lambda c: c.get_source_display()),
    Column("phone", _("Phone")),
    Column("email", _("E-mail")),
    Column("address", _("Address")),
    Column("tax_id", _("Tax ID")),
    Column("invoice_name", _("Invoice title")),
    Column("bank_name", _("Bank")),
    Column("bank_account", _("Bank account")),
    Column("invoice_address", _("Invoicing address")),
    Column("invoice_phone", _("Invoicing phone")),
    Column("completeness", _("Completeness (%)")),
    Column("last_contact_on", _("Last contact")),
    Column("is_active", _("Active")),
    Column("created_at", _("Created at")),
]
