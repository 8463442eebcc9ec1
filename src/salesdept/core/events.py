"""Writing to the append-only document log."""

from django.contrib.contenttypes.models import ContentType

from .models import DocumentEvent


def log(
    doc, action: str, *, by, note: str = "", step: int | None = None, before: str = "", after: str = ""
) -> DocumentEvent:
    """Append one event to `doc`'s log: `by` did `action` now, in the document's current review
    round, moving it from `before` (default: unchanged) to `after` (default: its current status),
    with `note`."""
    after = after or doc.status
    return DocumentEvent.objects.create(
        content_type=ContentType.objects.get_for_model(type(doc)),
        object_id=doc.pk,
        action=action,
        actor=by,
        round=doc.review_round,
        step=step,
        from_status=before or after,
        to_status=after,
        note=note,
    )


def history(doc):
    """The document's log, oldest first, with the actors loaded."""
    return (
        DocumentEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(type(doc)), object_id=doc.pk
        )
        .select_related("actor")
        .order_by("pk")
    )
