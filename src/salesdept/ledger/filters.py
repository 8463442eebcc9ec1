"""Filters of the journal (page, API list and export alike).

q            document number or memo
source_type  warehouse.stockdocument | shipping.shipment | billing.invoice | billing.payment …
account      account code: entries with a line on it
customer     id of a customer: entries with a line of theirs
date_from    first entry date, inclusive;  date_to  last entry date, inclusive
"""

import django_filters
from django import forms
from django.apps import apps
from django.db.models import Exists, OuterRef, Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from salesdept.core.forms import DATE_WIDGET, DateRangeForm

from .models import JournalEntry, JournalLine

__all__ = ["SOURCE_TYPES", "JournalFilter", "source_label", "source_type_choices"]

# The documents that post (source_type = "app_label.model"); "ledger.account" is an opening entry.
SOURCE_TYPES = (
    "warehouse.stockdocument",
    "shipping.shipment",
    "shipping.returnauthorisation",
    "billing.invoice",
    "billing.payment",
    "ledger.account",
)


def source_label(source_type: str) -> str:
    """The document type's name in the reader's language ("Stock document", "发票" …)."""
    if source_type == "ledger.account":
        return str(_("Opening balances"))
    try:
        model = apps.get_model(source_type)
    except (LookupError, ValueError):
        return source_type
    return capfirst(str(model._meta.verbose_name))


def source_type_choices() -> list[tuple[str, str]]:
    return [(t, source_label(t)) for t in SOURCE_TYPES]


class JournalFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    source_type = django_filters.ChoiceFilter(
        label=_("Source"), choices=source_type_choices, empty_label=_("All")
    )
    account = django_filters.CharFilter(label=_("Account"), method="filter_account", max_length=20)
    customer = django_filters.NumberFilter(
        label=_("Customer"), method="filter_customer", widget=forms.HiddenInput, min_value=1
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="entry_date", lookup_expr="gte", widget=DATE_WIDGET
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="entry_date", lookup_expr="lte", widget=DATE_WIDGET
    )

    class Meta:
        model = JournalEntry
        fields: list[str] = []
        form = DateRangeForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(source_number__icontains=value) | Q(memo__icontains=value))

    def filter_account(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Exists(JournalLine.objects.filter(entry=OuterRef("pk"), account__code=value)))

    def filter_customer(self, queryset, name, value):
        return queryset.filter(Exists(JournalLine.objects.filter(entry=OuterRef("pk"), customer_id=value)))
