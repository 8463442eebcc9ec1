"""Reads of the audit trail (X3): django-auditlog's LogEntry, filtered by filters.AuditFilter so the
page and the API answer the same rows."""

import datetime

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from .filters import AuditFilter
from .models import Signal

PERMISSION = "audit.view_audit_trail"


def audit_list(*, user, filters=None):
    """Audit entries `user` may read (auditor, director: all of them), newest first unless
    `filters` says `sort=time`. `filters` is a dict or QueryDict with the names listed in
    filters.py; a bad value raises ValidationFailed naming the field."""
    require(user, PERMISSION)
    base = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    filterset = AuditFilter(filters if filters is not None else {}, queryset=base)
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


# --- anti-fraud signals (X3) ---------------------------------------------------------------

SIGNAL_PERMISSION = "audit.view_signal"


def signal_list(*, user, filters=None):
    """Signals (price under the floor, discount over authority, own approval), newest first,
    for those who hold audit.view_signal (auditor, director). filters: kind, user (actor id),
    date_from, date_to (inclusive, site time zone); a bad value raises ValidationFailed naming
    the filter."""
    require(user, SIGNAL_PERMISSION)
    filters = filters or {}
    qs = (
        Signal.objects.select_related("actor", "content_type")
        .prefetch_related("document")
        .order_by("-at", "-pk")
    )
    if kind := filters.get("kind"):
        if kind not in Signal.Kind.values:
            raise ValidationFailed({"kind": _("Select a valid choice.")})
        qs = qs.filter(kind=kind)
    if actor := filters.get("user"):
        try:
            actor = int(actor)
        except (TypeError, ValueError):
            raise ValidationFailed({"user": _("Choose a user.")}) from None
        if not get_user_model().objects.filter(pk=actor).exists():
            raise ValidationFailed({"user": _("Choose a user.")})
        qs = qs.filter(actor_id=actor)
    days = {}
    for name in ("date_from", "date_to"):
        value = filters.get(name)
        if value in (None, ""):
            continue
        if not isinstance(value, datetime.date):
            try:
                value = datetime.date.fromisoformat(str(value))
            except ValueError:
                raise ValidationFailed({name: _("Enter a valid date.")}) from None
        days[name] = value
    if "date_from" in days and "date_to" in days and days["date_from"] > days["date_to"]:
        raise ValidationFailed({"date_to": _("The end date must not be before the start date.")})
    tz = timezone.get_current_timezone()
    if "date_from" in days:
        qs = qs.filter(at__gte=datetime.datetime.combine(days["date_from"], datetime.time.min, tzinfo=tz))
    if "date_to" in days:
        end = days["date_to"] + datetime.timedelta(days=1)
        qs = qs.filter(at__lt=datetime.datetime.combine(end, datetime.time.min, tzinfo=tz))
    return qs


def signal_document(signal):
    """(label, url) of the document a signal is about; url empty when it has no page."""
    if signal.content_type_id is None:
        return "", ""
    doc = signal.document
    if doc is None:
        return f"{signal.content_type.model} #{signal.object_id}", ""
    url = ""
    if hasattr(doc, "get_absolute_url"):
        try:
            url = doc.get_absolute_url()
        except NoReverseMatch:
            url = ""
    return str(doc), url
