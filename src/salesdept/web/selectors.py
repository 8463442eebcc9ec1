"""The user's to-dos across every reviewed document type (dashboard and API)."""

from django.apps import apps

from salesdept.accounts.scope import visible
from salesdept.core import review
from salesdept.core.models import Document, Status

# Submitted documents checked per type for the "waiting for me" list; bounded so the dashboard
# stays fast even with a large backlog.
CANDIDATES_PER_TYPE = 200


def document_models() -> list:
    """Every concrete reviewed document model installed."""
    return [m for m in apps.get_models() if issubclass(m, Document) and not m._meta.abstract]


def reviews_waiting(*, user) -> list:
    """Submitted documents whose next review step `user` may take now."""
    out = []
    for model in document_models():
        qs = (
            visible(model.objects, user)
            .filter(status=Status.SUBMITTED)
            .exclude(prepared_by=user)
            .select_related("prepared_by")
            .order_by("submitted_at", "pk")[:CANDIDATES_PER_TYPE]
        )
        out.extend(doc for doc in qs if review.refusal(doc, user) is None)
    return sorted(out, key=lambda d: d.submitted_at)


def sent_back(*, user) -> list:
    """The user's own documents that a reviewer returned to draft (rejected)."""
    out = []
    for model in document_models():
        out.extend(model.objects.filter(prepared_by=user, status=Status.DRAFT, review_round__gt=0).order_by("-updated_at"))
    return sorted(out, key=lambda d: d.updated_at, reverse=True)
