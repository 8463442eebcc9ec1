"""The journal 记帐凭证 list and the closed periods 结帐."""

from django.apps import apps
from django.db.models import Prefetch, QuerySet

from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from ..filters import JournalFilter, source_label
from ..models import JournalEntry, JournalLine, Period
from .balances import VIEW

__all__ = ["attach_sources", "journal_lines", "journal_list", "period_list"]


def journal_list(*, user, filters=None) -> QuerySet[JournalEntry]:
    """Entries with their lines (accounts, customers, products), filtered (filters.py), newest
    first. Bad filters: ValidationFailed naming them."""
    require(user, VIEW)
    lines = JournalLine.objects.select_related("account", "customer", "product").order_by("pk")
    base = JournalEntry.objects.select_related("created_by").prefetch_related(
        Prefetch("lines", queryset=lines)
    )
    filterset = JournalFilter(filters if filters is not None else {}, queryset=base)
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    return filterset.qs.order_by("-entry_date", "-pk")


def journal_lines(*, user, filters=None) -> QuerySet[JournalLine]:
    """The lines of the entries journal_list() selects, in date order (the journal's export)."""
    entries = journal_list(user=user, filters=filters)
    return (
        JournalLine.objects.filter(entry__in=entries.values("pk"))
        .select_related("entry", "account", "customer", "product")
        .order_by("entry_date", "entry_id", "pk")
    )


def attach_sources(entries) -> None:
    """Give each entry `source_label` and `source_url` (the document's page, when it has one):
    one query per kind of document on the page."""
    wanted: dict[str, set[int]] = {}
    for e in entries:
        e.source_label = source_label(e.source_type)
        e.source_url = None
        wanted.setdefault(e.source_type, set()).add(e.source_id)
    found = {}
    for source_type, ids in wanted.items():
        try:
            model = apps.get_model(source_type)
        except (LookupError, ValueError):
            continue
        if not hasattr(model, "get_absolute_url"):
            continue
        for obj in model._base_manager.filter(pk__in=ids):
            try:
                found[(source_type, obj.pk)] = obj.get_absolute_url()
            except Exception:  # noqa: BLE001 - a document without a page of its own
                pass
    for e in entries:
        e.source_url = found.get((e.source_type, e.source_id))


def period_list(*, user) -> QuerySet[Period]:
    """The closed months, newest first."""
    require(user, "ledger.view_period")
    return Period.objects.select_related("closed_by").order_by("-year", "-month")
