"""Two-person review (X2, I10): one mechanism for every reviewed document.

A review round starts when a document is submitted. The document's review_route() lists the
permission each step needs, in order. An approver is never the preparer, never an earlier
approver in the same round, and never someone who edited the document after it was first
submitted. Nobody is exempt: superusers follow the same rule.

An edit of a document that is waiting for review starts a fresh round as well: approvals given
to the earlier content no longer count, and the route is chosen again from the new content."""

from django.contrib.contenttypes.models import ContentType

from . import errors
from .events import log
from .models import DocumentEvent, Status

# Refusals that mean "not you" rather than "not now": the API answers 403 for them.
FORBIDDEN = frozenset({"not_permitted", "not_your_step"})


def http_status(code: str) -> int:
    """The HTTP status a review or workflow refusal answers with (403 or 409)."""
    return 403 if code in FORBIDDEN else 409


def _events(doc):
    return DocumentEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(type(doc)), object_id=doc.pk
    )


def _review_log(doc) -> tuple[list[int], set[int]]:
    """(approvals, editors_after_submission) from one read of the document's review events."""
    rows = (
        _events(doc)
        .filter(action__in=("submit", "edit", "approve_step"))
        .order_by("pk")
        .values_list("action", "round", "actor_id")
    )
    done, editors, submitted = [], set(), False
    for action, round_, actor in rows:
        if action == "approve_step" and round_ == doc.review_round:
            done.append(actor)
        elif action == "submit":
            submitted = True
        elif action == "edit" and submitted:
            editors.add(actor)
    return done, editors


def approvals(doc) -> list[int]:
    """User ids who approved a step in the current round, in step order."""
    return _review_log(doc)[0]


def editors_after_submission(doc) -> set[int]:
    """Everyone who edited `doc` after its first submission (in any later round)."""
    return _review_log(doc)[1]


def next_permission(doc, done: list[int] | None = None) -> str | None:
    """The permission the next review step needs, or None when the route is complete."""
    route = doc.review_route()
    done = approvals(doc) if done is None else done
    return route[len(done)] if len(done) < len(route) else None


def has_review_permission(user, perm: str) -> bool:
    """Whether `user` holds `perm` for a review step. Superusers get no free pass: the
    permission must come from the user's roles (groups) or their own grants."""
    if not user.is_active:
        return False
    if not user.is_superuser:
        return user.has_perm(perm)
    app_label, codename = perm.split(".", 1)
    by_group = user.groups.filter(
        permissions__content_type__app_label=app_label, permissions__codename=codename
    )
    by_grant = user.user_permissions.filter(content_type__app_label=app_label, codename=codename)
    return by_group.exists() or by_grant.exists()


def refusal(doc, user) -> str | None:
    """Why `user` may not take the next review step on `doc` (approve or reject), or None."""
    return _refusal(doc, user)[0]


def _refusal(doc, user) -> tuple[str | None, list[int]]:
    """(refusal code or None, the approvals of the current round)."""
    if doc.status != Status.SUBMITTED:
        return "not_submitted", []
    if user.pk == doc.prepared_by_id:
        return "own_document", []
    done, editors = _review_log(doc)
    if user.pk in done:
        return "already_approved", done
    if user.pk in editors:
        return "edited_after_submission", done
    perm = next_permission(doc, done)
    if perm is None or not has_review_permission(user, perm):
        return "not_your_step", done
    return None, done


def approve_step(doc, *, by, note: str = "") -> bool:
    """Record one approval of the submitted `doc` (locked by the caller); True when it was the
    last step of the route. Re-checks every rule, so a direct call is as safe as
    workflow.apply(doc, "approve"). Logs `approve_step` with the step index. Raises DomainError."""
    code, done = _refusal(doc, by)
    if code:
        raise errors.refusal(code, status=http_status(code))
    step = len(done)
    log(doc, "approve_step", by=by, note=note, step=step)
    return step + 1 == len(doc.review_route())


def record_edit(doc, *, by, note: str = "") -> None:
    """Log an edit of `doc` (already saved by the caller, inside its transaction). An edit after
    submission bars `by` from approving this document; an edit while it waits for review also
    starts a fresh round, so approvals of the earlier content stop counting."""
    if doc.status == Status.SUBMITTED:
        doc.review_round += 1
        doc.save(update_fields=["review_round", "updated_at"])
    log(doc, "edit", by=by, note=note)
