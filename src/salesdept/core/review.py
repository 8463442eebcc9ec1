"""Two-person review (X2, I10): one mechanism for every reviewed document.

A review round starts when a document is submitted. The document's review_route() lists the
permission each step needs, in order. An approver is never the preparer, never an earlier
approver in the same round, and never someone who edited the document after it was first
submitted. Nobody is exempt: superusers follow the same rule."""

from django.contrib.contenttypes.models import ContentType

from .events import log
from .models import DocumentEvent, Status


def _events(doc):
    return DocumentEvent.objects.filter(content_type=ContentType.objects.get_for_model(type(doc)), object_id=doc.pk)


def approvals(doc) -> list[int]:
    """User ids who approved a step in the current round, in step order."""
    return list(
        _events(doc).filter(action="approve_step", round=doc.review_round).order_by("pk").values_list("actor_id", flat=True)
    )


def editors_after_submission(doc) -> set[int]:
    first_submit = _events(doc).filter(action="submit").order_by("pk").values_list("pk", flat=True).first()
    if first_submit is None:
        return set()
    return set(_events(doc).filter(action="edit", pk__gt=first_submit).values_list("actor_id", flat=True))


def next_permission(doc, done: list[int] | None = None) -> str | None:
    """The permission the next review step needs, or None when the route is complete."""
    route = doc.review_route()
    done = approvals(doc) if done is None else done
    return route[len(done)] if len(done) < len(route) else None


def _has_perm(user, perm: str) -> bool:
    # Superusers get no free pass: the permission must come from the user's roles or own grants.
    if not user.is_active:
        return False
    if user.is_superuser:
        app_label, codename = perm.split(".", 1)
        return user.groups.filter(
            permissions__content_type__app_label=app_label, permissions__codename=codename
        ).exists() or user.user_permissions.filter(
            content_type__app_label=app_label, codename=codename
        ).exists()
    return user.has_perm(perm)


def refusal(doc, user) -> str | None:
    """Why `user` may not take the next review step on `doc` (approve or reject), or None."""
    if doc.status != Status.SUBMITTED:
        return "not_submitted"
    if user.pk == doc.prepared_by_id:
        return "own_document"
    done = approvals(doc)
    if user.pk in done:
        return "already_approved"
    if user.pk in editors_after_submission(doc):
        return "edited_after_submission"
    perm = next_permission(doc, done)
    if perm is None or not _has_perm(user, perm):
        return "not_your_step"
    return None


def approve_step(doc, *, by, note: str = "") -> bool:
    """Record one approval; True when it was the last step of the route. Raises DomainError."""
    from .errors import refusal as error

    if code := refusal(doc, by):
        raise error(code, status=403 if code == "not_your_step" else 409)
    step = len(approvals(doc))
    log(doc, "approve_step", by=by, note=note, step=step)
    return step + 1 == len(doc.review_route())


def record_edit(doc, *, by, note: str = "") -> None:
    """Log an edit; an edit after submission bars `by` from approving this document."""
    log(doc, "edit", by=by, note=note)
