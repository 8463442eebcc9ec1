"""Filters of the audit trail (X3): one FilterSet for the page (/audit/) and the API, both through
selectors.audit_list(user=…, filters=…).

Filter names (query parameters of the page and the API alike):
    model      "app_label.model" of the record, e.g. "accounts.user"
    object_id  the record's primary key (with `model`: one record's whole history)
    user       id of the user who made the change
    date_from  first day, YYYY-MM-DD (in the site's time zone), inclusive
    date_to    last day, YYYY-MM-DD, inclusive
    action     create | update | delete
    sort       -time (newest first, the default) | time
"""

import datetime

import django_filters
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from salesdept.core.forms import DATE_WIDGET

ACTIONS = {
    "create": LogEntry.Action.CREATE,
    "update": LogEntry.Action.UPDATE,
    "delete": LogEntry.Action.DELETE,
}
ACTION_CHOICES = [("create", _("Created")), ("update", _("Changed")), ("delete", _("Deleted"))]
ACTION_LABELS = {
    LogEntry.Action.CREATE: _("Created"),
    LogEntry.Action.UPDATE: _("Changed"),
    LogEntry.Action.DELETE: _("Deleted"),
}
SORT_CHOICES = [("-time", _("Newest first")), ("time", _("Oldest first"))]


# ISO dates whatever the language (a browser date input needs YYYY-MM-DD).


def model_choices() -> list[tuple[str, str]]:
    """The models whose changes are kept, by their translated names."""
    found = [(m._meta.label_lower, capfirst(m._meta.verbose_name)) for m in auditlog.get_models()]
    return sorted(found, key=lambda c: str(c[1]))


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AuditFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        if data.get("object_id") and not data.get("model"):
            self.add_error("model", _("Choose the kind of record the ID belongs to."))
        return data


class AuditFilter(django_filters.FilterSet):
    model = django_filters.ChoiceFilter(
        label=_("Record type"), choices=model_choices, method="filter_model", empty_label=_("All")
    )
    object_id = django_filters.CharFilter(label=_("Record ID"), field_name="object_pk", max_length=64)
    user = django_filters.ModelChoiceFilter(
        label=_("User"),
        field_name="actor",
        queryset=get_user_model().objects.order_by("username"),
        empty_label=_("All"),
    )
    date_from = django_filters.DateFilter(label=_("From"), method="filter_date_from", widget=DATE_WIDGET)
    date_to = django_filters.DateFilter(label=_("To"), method="filter_date_to", widget=DATE_WIDGET)
    action = django_filters.ChoiceFilter(
        label=_("Action"), choices=ACTION_CHOICES, method="filter_action", empty_label=_("All")
    )
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=SORT_CHOICES, method="filter_sort")

    class Meta:
        model = LogEntry
        fields: list[str] = []
        form = AuditFilterForm

    def filter_model(self, queryset, name, value):
        app_label, _dot, model = value.partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)

    # Whole days in the site's time zone, as a range on the indexed timestamp (no __date cast).
    def filter_date_from(self, queryset, name, value):
        return queryset.filter(timestamp__gte=_day_start(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(timestamp__lt=_day_start(value + datetime.timedelta(days=1)))

    def filter_action(self, queryset, name, value):
        return queryset.filter(action=ACTIONS[value])

    def filter_sort(self, queryset, name, value):
        return (
            queryset.order_by("timestamp", "pk")
            if value == "time"
            else queryset.order_by("-timestamp", "-pk")
        )
