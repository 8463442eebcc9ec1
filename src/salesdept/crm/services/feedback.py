"""Writes of feedback, complaints and quality issues (C4).

A complaint is logged from a customer, routed to a department or person with a deadline, worked
on, resolved with a written resolution, and finally confirmed with the customer. The legal moves
are the table MOVES below; every move (and the creation) appends a FeedbackStep: who, when,
from → to, and the comment. An illegal move raises DomainError "invalid_transition" (409) and
changes nothing."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed, refusal
from salesdept.core.numbering import next_number
from salesdept.core.permissions import require

from ..models import Customer, Feedback, FeedbackStep

__all__ = [
    "MOVES",
    "Move",
    "allowed_actions",
    "check_version",
    "feedback_confirm",
    "feedback_create",
    "feedback_for_update",
    "feedback_reopen",
    "feedback_resolve",
    "feedback_route",
    "feedback_start",
]

S = Feedback.Status
ROUTE_PERMISSION = "crm.route_feedback"
NUMBER_PREFIX = "FB"


@dataclass(frozen=True)
class Move:
    """One legal move: from any state in `source` to `target` (None: the status stays, as when a
    complaint is routed again). `who` says which people may make it besides a router:
    "handler" (the assignee; the customer's salesperson while nobody is assigned) or "owner"
    (the handler or the customer's salesperson)."""

    source: frozenset
    target: str | None
    who: str = "handler"


MOVES: dict[str, Move] = {
    "route": Move(frozenset({S.OPEN, S.IN_PROGRESS}), None, who="router"),
    "start": Move(frozenset({S.OPEN}), S.IN_PROGRESS),
    "resolve": Move(frozenset({S.OPEN, S.IN_PROGRESS}), S.RESOLVED),
    "confirm": Move(frozenset({S.RESOLVED}), S.CONFIRMED, who="owner"),
    "reopen": Move(frozenset({S.RESOLVED}), S.IN_PROGRESS, who="owner"),
}


def _may(feedback: Feedback, move: Move, user) -> bool:
    """Whether `user` (already holding crm.change_feedback) may make `move` on `feedback`."""
    if user.has_perm(ROUTE_PERMISSION):
        return True  # the routers (managers, clerk, director) may act on any complaint they see
    if move.who == "router":
        return False
    handler = feedback.assignee_id or feedback.customer.owner_id
    if user.pk == handler:
        return True
    return move.who == "owner" and user.pk == feedback.customer.owner_id


def allowed_actions(feedback: Feedback, user) -> list[str]:
    """The moves `user` may make now; page buttons and the API's `actions` use this, and the
    services check with the same rule, so no button leads to a refusal."""
    if not (user.is_active and user.has_perm("crm.change_feedback")):
        return []
    return [
        name for name, move in MOVES.items() if feedback.status in move.source and _may(feedback, move, user)
    ]


def feedback_for_update(*, feedback_id: int, user) -> Feedback:
    """The complaint, locked; 404 when unknown or outside `user`'s scope."""
    qs = visible(Feedback.objects, user).select_for_update(of=("self",)).select_related("customer")
    return get_object_or_404(qs, pk=feedback_id)


def check_version(obj, version: int | None) -> None:
    """`version` is the one the user loaded (None: not checked, as for scripts that do not
    track it); a mismatch answers 409 stale_version and the caller changes nothing. Shared by
    the complaint and the letter services."""
    if version is not None and int(version) != obj.version:
        raise refusal("stale_version", extra={"current_version": obj.version})


def _step(feedback: Feedback, action: str, *, by, before: str, note: str = "") -> FeedbackStep:
    return FeedbackStep.objects.create(
        feedback=feedback, action=action, from_status=before, to_status=feedback.status, note=note, by=by
    )


def _apply(feedback: Feedback, action: str, *, by, version: int | None) -> tuple[str, Move]:
    """Check that `by` worked on the current version (409 stale_version), that `action` is legal
    now (409 invalid_transition) and that `by` may make it (PermissionDenied, 403); returns the
    status before. Changes nothing; the caller bumps the version with its save (_save)."""
    check_version(feedback, version)
    move = MOVES[action]
    if feedback.status not in move.source:
        raise refusal("invalid_transition", extra={"status": feedback.status, "action": action})
    if not _may(feedback, move, by):
        raise PermissionDenied
    return feedback.status, move


def _save(feedback: Feedback, fields: list[str]) -> None:
    # Every change moves the version on, so a page or script holding the old one is refused.
    feedback.version += 1
    feedback.save(update_fields=[*fields, "version", "updated_at"])


def _text(value, field: str, *, required: bool = True, max_length: int | None = None) -> str:
    value = str(value or "").strip()
    if required and not value:
        raise ValidationFailed({field: _("This field is required.")})
    if max_length and len(value) > max_length:
        raise ValidationFailed(
            {field: _("Ensure this value has at most %(max)s characters.") % {"max": max_length}}
        )
    return value


def _active_user(user_id, field: str):
    if user_id in (None, ""):
        return None
    found = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if found is None:
        raise ValidationFailed({field: _("Choose an active user.")})
    return found


def _department(value, field: str = "department") -> str:
    if value not in Feedback.Department.values:
        raise ValidationFailed({field: _("Select a valid choice.")})
    return value


def _check_deadline(deadline, received_on) -> None:
    if not isinstance(deadline, datetime.date):
        raise ValidationFailed({"deadline": _("Enter a valid date.")})
    if received_on and deadline < received_on:
        raise ValidationFailed({"deadline": _("The deadline cannot be before the day it was received.")})


@transaction.atomic
def feedback_create(
    *,
    by,
    customer_id: int,
    kind: str,
    subject: str,
    description: str,
    received_on: datetime.date,
    deadline: datetime.date,
    department: str = "",
    product_name: str = "",
    assignee_id: int | None = None,
) -> Feedback:
    """Log feedback, a complaint or a quality issue from a customer `by` can see (status open,
    number FB-YYYY-NNNNNN) and record the step "create". Quality issues must name the product.
    The deadline may not lie before the day it was received. Without a department, a quality
    issue goes to Quality and anything else to Sales; assigning someone other than oneself needs
    crm.route_feedback. Bad input raises ValidationFailed (400) naming the field; nothing is
    written then."""
    require(by, "crm.add_feedback")
    customer = visible(Customer.objects.active(), by).filter(pk=customer_id).first() if customer_id else None
    if customer is None:
        raise ValidationFailed({"customer": _("Choose a customer you can see.")})
    if kind not in Feedback.Kind.values:
        raise ValidationFailed({"kind": _("Select a valid choice.")})
    subject = _text(subject, "subject", max_length=200)
    description = _text(description, "description")
    product_name = _text(product_name, "product_name", required=kind == Feedback.Kind.QUALITY, max_length=200)
    if not isinstance(received_on, datetime.date):
        raise ValidationFailed({"received_on": _("Enter a valid date.")})
    if received_on > timezone.localdate():
        raise ValidationFailed({"received_on": _("The day it was received cannot be in the future.")})
    _check_deadline(deadline, received_on)
    if not department:
        department = (
            Feedback.Department.QUALITY if kind == Feedback.Kind.QUALITY else Feedback.Department.SALES
        )
    department = _department(department)
    assignee = _active_user(assignee_id, "assignee")
    if assignee is not None and assignee.pk != by.pk and not by.has_perm(ROUTE_PERMISSION):
        raise ValidationFailed(
            {"assignee": _("Only someone who routes complaints can assign them to others.")}
        )
    feedback = Feedback.objects.create(
        number=next_number(NUMBER_PREFIX),
        kind=kind,
        customer=customer,
        subject=subject,
        description=description,
        received_on=received_on,
        product_name=product_name,
        department=department,
        assignee=assignee,
        deadline=deadline,
        created_by=by,
    )
    _step(feedback, "create", by=by, before="")
    return feedback


@transaction.atomic
def feedback_route(
    *,
    by,
    feedback_id: int,
    department: str,
    deadline: datetime.date,
    assignee_id: int | None = None,
    note: str = "",
    version: int | None = None,
) -> Feedback:
    """Route an open or in-progress complaint to a department and (optionally) a person with a
    deadline (crm.route_feedback). The status stays; the step "route" records where it went.
    Every move below takes `version`, the one the user loaded: a stale one answers 409
    stale_version and nothing changes; each move increments the version."""
    require(by, "crm.change_feedback", ROUTE_PERMISSION)
    feedback = feedback_for_update(feedback_id=feedback_id, user=by)
    before, _move = _apply(feedback, "route", by=by, version=version)
    department = _department(department)
    assignee = _active_user(assignee_id, "assignee")
    _check_deadline(deadline, feedback.received_on)
    note = _text(note, "note", required=False, max_length=2000)
    feedback.department, feedback.assignee, feedback.deadline = department, assignee, deadline
    _save(feedback, ["department", "assignee", "deadline"])
    # The step keeps where it was routed, in words, so the timeline shows it after later routings.
    where = gettext_now("Routed to %(department)s, %(person)s; deadline %(deadline)s.") % {
        "department": feedback.get_department_display(),
        "person": assignee if assignee is not None else gettext_now("nobody in particular"),
        "deadline": deadline.isoformat(),
    }
    _step(feedback, "route", by=by, before=before, note=f"{where}\n{note}".strip())
    return feedback


@transaction.atomic
def feedback_start(*, by, feedback_id: int, note: str = "", version: int | None = None) -> Feedback:
    """The assignee (or a router) starts work: open → in progress; step "start"."""
    require(by, "crm.change_feedback")
    feedback = feedback_for_update(feedback_id=feedback_id, user=by)
    before, move = _apply(feedback, "start", by=by, version=version)
    note = _text(note, "note", required=False, max_length=2000)
    feedback.status = move.target
    _save(feedback, ["status"])
    _step(feedback, "start", by=by, before=before, note=note)
    return feedback


@transaction.atomic
def feedback_resolve(*, by, feedback_id: int, resolution: str, version: int | None = None) -> Feedback:
    """Write the resolution: open or in progress → resolved (resolution required, 400 naming
    `resolution`); sets resolved at/by; step "resolve" carries the resolution."""
    require(by, "crm.change_feedback")
    feedback = feedback_for_update(feedback_id=feedback_id, user=by)
    before, move = _apply(feedback, "resolve", by=by, version=version)
    resolution = _text(resolution, "resolution", max_length=5000)
    feedback.status, feedback.resolution = move.target, resolution
    feedback.resolved_at, feedback.resolved_by = timezone.now(), by
    _save(feedback, ["status", "resolution", "resolved_at", "resolved_by"])
    _step(feedback, "resolve", by=by, before=before, note=resolution)
    return feedback


@transaction.atomic
def feedback_confirm(*, by, feedback_id: int, customer_response: str, version: int | None = None) -> Feedback:
    """The customer was told the resolution and confirmed it: resolved → confirmed. Their
    response is required (400 naming `customer_response`); sets confirmed at/by; step "confirm"."""
    require(by, "crm.change_feedback")
    feedback = feedback_for_update(feedback_id=feedback_id, user=by)
    before, move = _apply(feedback, "confirm", by=by, version=version)
    response = _text(customer_response, "customer_response", max_length=300)
    feedback.status, feedback.customer_response = move.target, response
    feedback.confirmed_at, feedback.confirmed_by = timezone.now(), by
    _save(feedback, ["status", "customer_response", "confirmed_at", "confirmed_by"])
    _step(feedback, "confirm", by=by, before=before, note=response)
    return feedback


@transaction.atomic
def feedback_reopen(*, by, feedback_id: int, reason: str, version: int | None = None) -> Feedback:
    """The resolution did not satisfy: resolved → in progress with a reason (400 naming
    `reason` when missing). The earlier resolution stays in the timeline; resolved at/by clear."""
    require(by, "crm.change_feedback")
    feedback = feedback_for_update(feedback_id=feedback_id, user=by)
    before, move = _apply(feedback, "reopen", by=by, version=version)
    reason = _text(reason, "reason", max_length=2000)
    feedback.status, feedback.resolved_at, feedback.resolved_by = move.target, None, None
    _save(feedback, ["status", "resolved_at", "resolved_by"])
    _step(feedback, "reopen", by=by, before=before, note=reason)
    return feedback
