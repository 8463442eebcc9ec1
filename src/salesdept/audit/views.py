"""The audit trail page (X3): browse django-auditlog's entries; nothing here can change them."""

import datetime
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.exports import Column, export_response
from salesdept.core.pagination import Paginator

from . import selectors
from .filters import ACTION_LABELS, AuditFilter
from .models import Signal

PAGE_SIZE = 50
EMPTY_VALUES = {None, "", "None"}
M2M_OPERATIONS = {"add": _("added"), "remove": _("removed"), "clear": _("cleared")}
ACTION_COLOURS = {0: "success", 1: "primary", 2: "danger"}
FILTERS = ("model", "object_id", "user", "date_from", "date_to", "action")


def _field(model, name: str):
    try:
        return model._meta.get_field(name) if model else None
    except FieldDoesNotExist:  # a field since removed
        return None


def _display(field, value):
    """A stored value as a person reads it: None for nothing, Yes/No, a choice's label, a local
    time. Related records are named later, all at once (_name_references)."""
    if value in EMPTY_VALUES:
        return None
    if isinstance(field, models.BooleanField):
        return {"True": _("Yes"), "False": _("No")}.get(value, value)
    if isinstance(field, models.DateTimeField) and (moment := parse_datetime(value)):
        # django-auditlog keeps the UTC value as text, without its offset
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
    if field is not None and getattr(field, "flatchoices", None):
        return {str(k): v for k, v in field.flatchoices}.get(value, value)
    return value


def change_rows(entry) -> list[dict]:
    """The changed fields of one entry: field label, old → new (or the objects an m2m change
    added or removed). Reads only the entry itself: no query per entry."""
    model = entry.content_type.model_class()
    rows = []
    for name, change in sorted(entry.changes_dict.items()):
        field = _field(model, name)
        if field is not None and field.auto_created and not field.concrete:
            continue  # a reverse relation ("api_tokens"): django-auditlog notes it, nothing changed
        label = capfirst(field.verbose_name) if field is not None else name
        if isinstance(change, dict) and change.get("type") == "m2m":
            operation = M2M_OPERATIONS.get(change.get("operation"), change.get("operation"))
            objects = change.get("objects", [])
            rows.append({"field": label, "m2m": True, "operation": operation, "objects": objects})
            continue
        old, new = (list(change) + [None, None])[:2]
        old, new = _display(field, old), _display(field, new)
        if old == new:
            continue  # a field left empty on creation
        related = field.related_model if field is not None and field.many_to_one else None
        rows.append({"field": label, "old": old, "new": new, "related": related})
    return rows


def _name_references(all_rows: list[list[dict]]) -> None:
    """Replace the ids of related records (team 3) by their names (East team #3): one query per
    related model on the page, however many entries show it."""
    wanted = defaultdict(set)
    for rows in all_rows:
        for row in rows:
            if row.get("related"):
                wanted[row["related"]].update(v for v in (row["old"], row["new"]) if v is not None)
    names = {}
    for model, ids in wanted.items():
        valid = []
        for raw in ids:
            try:
                valid.append(model._meta.pk.to_python(raw))
            except ValidationError:
                pass
        names[model] = {
            str(pk): f"{obj} (#{pk})" for pk, obj in model._default_manager.in_bulk(valid).items()
        }
    for rows in all_rows:
        for row in rows:
            if model := row.get("related"):
                for key in ("old", "new"):
                    if row[key] is not None:
                        row[key] = names[model].get(row[key], f"#{row[key]}")


def _model_label(content_type) -> str:
    model = content_type.model_class()
    return capfirst(model._meta.verbose_name) if model else content_type.model


@login_required
@permission_required(selectors.PERMISSION, raise_exception=True)
def audit_list_view(request):
    """Browse the audit trail by record, user, date and action; newest first, 50 a page."""
    filterset = AuditFilter(request.GET or None)
    try:
        entries = selectors.audit_list(user=request.user, filters=request.GET)
    except ValidationFailed:
        entries = []  # the form shows what is wrong next to each field
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "entry": e,
            "model": _model_label(e.content_type),
            "model_key": f"{e.content_type.app_label}.{e.content_type.model}",
            "action": ACTION_LABELS.get(e.action, e.get_action_display()),
            "colour": ACTION_COLOURS.get(e.action, "secondary"),
            "changes": change_rows(e),
        }
        for e in page
    ]
    _name_references([row["changes"] for row in rows])
    return render(
        request,
        "audit/audit_list.html",
        {
            "form": filterset.form,
            "page_obj": page,
            "rows": rows,
            "filtered": sum(1 for k in FILTERS if request.GET.get(k)),  # how many filters are on
        },
    )


SIGNAL_COLOURS = {"under_floor": "danger", "over_authority": "warning", "own_approval": "dark"}


@login_required
@permission_required(selectors.SIGNAL_PERMISSION, raise_exception=True)
def signal_list_view(request):
    """Anti-fraud signals (X3): kind, who, when, the document and the detail; filters by kind,
    user and date; 50 a page; Export CSV/XLSX of the same rows."""
    errors = {}
    try:
        rows = selectors.signal_list(user=request.user, filters=request.GET)
    except ValidationFailed as exc:
        rows, errors = Signal.objects.none(), {k: str(v) for k, v in exc.fields.items()}
    if fmt := request.GET.get("format"):
        if errors:
            return HttpResponseBadRequest(_("Please correct the filters before exporting."))
        columns = [
            Column("at", _("At"), lambda s: timezone.localtime(s.at).strftime("%Y-%m-%d %H:%M:%S")),
            Column("kind", _("Kind"), lambda s: s.get_kind_display()),
            Column("actor", _("User"), lambda s: str(s.actor)),
            Column("document", _("Document"), lambda s: selectors.signal_document(s)[0]),
            Column("detail", _("Detail")),
        ]
        try:
            return export_response(
                rows, columns, filename="audit-signals", fmt=fmt, title=str(_("Audit signals"))
            )
        except DomainError as exc:
            return HttpResponseBadRequest(exc.message)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for signal in page:
        signal.colour = SIGNAL_COLOURS.get(signal.kind, "secondary")
        signal.doc_label, signal.doc_url = selectors.signal_document(signal)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    users = get_user_model().objects.filter(pk__in=Signal.objects.values("actor_id")).order_by("display_name")
    return render(
        request,
        "audit/signal_list.html",
        {
            "page_obj": page,
            "kinds": Signal.Kind.choices,
            "users": users,
            "errors": errors,
            "values": {k: request.GET.get(k, "") for k in ("kind", "user", "date_from", "date_to")},
            "filtered": sum(1 for k in ("kind", "user", "date_from", "date_to") if request.GET.get(k)),
            "export_query": query.urlencode(),
        },
    )
