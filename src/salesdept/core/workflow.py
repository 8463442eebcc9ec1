"""Document states and their legal moves (X2). Each document lists its moves in TRANSITIONS;
`apply` checks and performs one, and logs it. An illegal move raises — it is never skipped."""

import copy
from dataclasses import dataclass

from django.utils import timezone

from . import audit, review
from .errors import refusal
from .events import log
from .models import Status


@dataclass(frozen=True)
class Transition:
    """One legal move of a document: from any state in `source` to `target`."""

    source: frozenset
    target: str
    permission: str = ""  # "" = whoever may change this kind of document
    review: bool = False  # a review step: the document's route says who; the preparer never
    needs_reason: bool = False  # a comment is required (reject)
    starts_round: bool = False  # submit: a fresh review round; earlier approvals stop counting


def standard_transitions(*, cancel_from=(Status.DRAFT,)) -> dict[str, Transition]:
    """draft → submitted → approved, or back to draft with a reason; cancel before approval."""
    return {
        "submit": Transition(frozenset({Status.DRAFT}), Status.SUBMITTED, starts_round=True),
        "approve": Transition(frozenset({Status.SUBMITTED}), Status.APPROVED, review=True),
        "reject": Transition(frozenset({Status.SUBMITTED}), Status.DRAFT, review=True, needs_reason=True),
        "cancel": Transition(frozenset(cancel_from), Status.CANCELLED),
    }


def change_permission(doc) -> str:
    """The permission a plain (non-review) transition needs when it names none."""
    return f"{doc._meta.app_label}.change_{doc._meta.model_name}"


def _refusal(doc, t: Transition, user) -> str | None:
    if doc.status not in t.source:
        return "invalid_transition"
    if t.review:
        return review.refusal(doc, user)
    if not user.is_active or not user.has_perm(t.permission or change_permission(doc)):
        return "not_permitted"
    return None


def refusal_for(doc, action: str, user) -> str | None:
    """Why `user` may not `action` `doc` now (a refusal code), or None; "unknown_action" for an
    action the document does not have."""
    t = doc.TRANSITIONS.get(action)
    return "unknown_action" if t is None else _refusal(doc, t, user)


def allowed_actions(doc, user) -> list[str]:
    """What `user` may do next with `doc`; page buttons and the API's `actions` field use this."""
    return [name for name, t in doc.TRANSITIONS.items() if _refusal(doc, t, user) is None]


def apply(doc, action: str, *, by, note: str = "", also: dict | None = None) -> bool:
    """Perform `action` on `doc` (locked by the caller, inside its transaction) or raise
    DomainError. Returns True when the status changed — False for an approval step that
    leaves further steps to others.

    "approve" records one review step (review.approve_step, logged as `approve_step`); only the
    last step of the route moves the document and logs `approve`. "submit" opens a new review
    round. Every status change is logged with who, when and the comment. `also` gives further
    fields to set, saved in the same UPDATE (one audit entry, not two)."""
    t = doc.TRANSITIONS.get(action)
    if t is None:
        raise refusal("unknown_action", status=400)
    if action == "approve" and t.review and doc.status in t.source:
        code = None  # review.approve_step below checks every rule, from one read of the log
    else:
        code = _refusal(doc, t, by)
    if code:
        raise refusal(code, status=review.http_status(code))
    note = (note or "").strip()
    if t.needs_reason and not note:
        raise refusal("reason_required", status=400, fields={"note": refusal("reason_required").message})
    if action == "approve" and not review.approve_step(doc, by=by, note=note):
        return False
    unchanged = copy.copy(doc)  # as read under the caller's lock: the audit entry's "before"
    before = doc.status
    doc.status = t.target
    fields = ["status", "updated_at"]
    for name, value in (also or {}).items():
        setattr(doc, name, value)
        fields.append(name)
    if t.starts_round:
        doc.review_round += 1
        doc.submitted_at = timezone.now()
        fields += ["review_round", "submitted_at"]
    audit.save_changed(doc, unchanged, fields)
    log(doc, action, by=by, before=before, note=note)
    return True


def check_editable(doc, *, by, version: int | None = None) -> None:
    """Refuse an edit of `doc` (locked by the caller) that is past editing (409 read_only), by
    someone without the change permission (403), or saved from a stale copy: `version` is the
    version the editor loaded, and a mismatch answers 409 stale_version and changes nothing."""
    if doc.status not in doc.EDITABLE_STATES:
        raise refusal("read_only")
    if not by.has_perm(change_permission(doc)):
        raise refusal("not_permitted", status=403)
    if version is not None and version != doc.version:
        raise refusal("stale_version", extra={"current_version": doc.version})
