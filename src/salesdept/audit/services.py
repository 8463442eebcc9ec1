"""Writes of the audit app: anti-fraud signals (X3)."""

from django.contrib.contenttypes.models import ContentType

from .models import Signal

__all__ = ["record_signal"]


def record_signal(kind: str, *, by, doc=None, detail: str = "") -> Signal:
    """Record that `by` did something an auditor should see (Signal.Kind), about `doc`. It is
    written in the caller's transaction; to keep a signal about a refused action, record it
    after the refused atomic block has rolled back (e.g. the service catches its own refusal,
    records, and raises it again)."""
    return Signal.objects.create(
        kind=kind,
        actor=by,
        content_type=ContentType.objects.get_for_model(type(doc)) if doc is not None else None,
        object_id=doc.pk if doc is not None else None,
        detail=detail[:500],
    )
