"""The user's to-dos across every reviewed document type (dashboard and API).

Both lists cost a fixed number of queries per document type, however many documents wait: the
review state each needs (approvals in the current round, edits after submission) is computed by
the database in subqueries instead of one query per document."""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from salesdept.accounts.scope import visible
from salesdept.core import review
from salesdept.core.models import Document, DocumentEvent, Status

# Submitted documents checked per type for the "waiting for me" list; bounded so the dashboard
# stays fast even with a large backlog.
CANDIDATES_PER_TYPE = 200


def document_models() -> list:
    """Every concrete reviewed document model installed."""
    return [m for m in apps.get_models() if issubclass(m, Document) and not m._meta.abstract]


def _events(model, **filters):
    return DocumentEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=OuterRef("pk"), **filters
    )


def reviews_waiting(*, user) -> list:
    """Submitted documents whose next review step `user` may take now.

    The same rule as core.review.refusal (X2), evaluated for many documents at once: never the
    preparer, never an earlier approver of this round, never someone who edited the document
    after it was first submitted, and only when the next step of its route is the user's.
    tests/test_views_dashboard.py checks that both agree document by document."""
    out = []
    for model in document_models():
        ct = ContentType.objects.get_for_model(model)
        first_submit = DocumentEvent.objects.filter(
            content_type=ct, object_id=OuterRef(OuterRef("pk")), action="submit"
        ).order_by("pk")
        steps_done = (
            _events(model, action="approve_step", round=OuterRef("review_round"))
            .order_by()
            .values("object_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        qs = (
            visible(model.objects, user)
            .filter(status=Status.SUBMITTED)
            .exclude(prepared_by=user)
            .exclude(
                Exists(_events(model, action="approve_step", round=OuterRef("review_round"), actor=user))
            )
            .exclude(
                Exists(
                    _events(model, action="edit", actor=user, pk__gt=Subquery(first_submit.values("pk")[:1]))
                )
            )
            .annotate(steps_done=Coalesce(Subquery(steps_done, output_field=IntegerField()), Value(0)))
            .select_related("prepared_by")
            .order_by("submitted_at", "pk")[:CANDIDATES_PER_TYPE]
        )
        docs = list(qs)
        if hasattr(model, "prepare_review_routes"):  # a route read from the database, once per type
            model.prepare_review_routes(docs)
        for doc in docs:
            permission = review.next_permission(doc, done=[None] * doc.steps_done)
            if permission is not None and review.has_review_permission(user, permission):
                out.append(doc)
    return sorted(out, key=lambda d: (d.submitted_at, d.pk))


def sent_back(*, user) -> list:
    """The user's own documents that a reviewer returned to draft (rejected), with the reason."""
    out = []
    for model in document_models():
        last_reject = _events(model, action="reject").order_by("-pk")
        out.extend(
            model.objects.filter(prepared_by=user, status=Status.DRAFT, review_round__gt=0)
            .annotate(
                sent_back_reason=Subquery(last_reject.values("note")[:1]),
                sent_back_at=Subquery(last_reject.values("at")[:1]),
            )
            .select_related("prepared_by")
            .order_by("-updated_at", "-pk")
        )
    return sorted(out, key=lambda d: (d.updated_at, d.pk), reverse=True)
