"""Writes of the correspondence register (来电来函登记, C5): incoming and outgoing letters, faxes,
mail and documents with a register number, a handler, an optional attachment and a follow-up
date. A letter is open until its handler marks it done with the outcome; it can be reopened.

Attachments are checked here (size and a list of safe types), whoever uploads them: page, API or
a script. They are stored under MEDIA_ROOT but never served from a public URL; the download view
checks the letter's visibility first."""

import datetime
import os
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import is_visible, visible
from salesdept.core.errors import ValidationFailed, refusal
from salesdept.core.numbering import next_number
from salesdept.core.permissions import require

from ..models import Customer, Letter
from .feedback import check_version

__all__ = [
    "ALLOWED_EXTENSIONS",
    "EDITABLE_FIELDS",
    "LETTER_MOVES",
    "MAX_ATTACHMENT_BYTES",
    "letter_allowed_actions",
    "letter_create",
    "letter_done",
    "letter_for_update",
    "letter_reopen",
    "letter_update",
]

S = Letter.Status
NUMBER_PREFIX = "LT"
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Documents and pictures people scan and send; nothing a browser or the OS would run.
ALLOWED_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "txt", "zip")
EDITABLE_FIELDS = {
    "direction",
    "kind",
    "date",
    "counterpart",
    "customer_id",
    "reference",
    "subject",
    "handler_id",
    "follow_up_on",
    "attachment",
    "remove_attachment",
}


@dataclass(frozen=True)
class LetterMove:
    source: frozenset
    target: str


LETTER_MOVES = {
    "done": LetterMove(frozenset({S.OPEN}), S.DONE),
    "reopen": LetterMove(frozenset({S.DONE}), S.OPEN),
}


def letter_allowed_actions(letter: Letter, user) -> list[str]:
    """What `user` may do with `letter` now: edit (while open), done, reopen."""
    if not (user.is_active and user.has_perm("crm.change_letter")):
        return []
    actions = ["edit"] if letter.status == S.OPEN else []
    return actions + [name for name, m in LETTER_MOVES.items() if letter.status in m.source]


def letter_for_update(*, letter_id: int, user) -> Letter:
    """The letter, locked; 404 when unknown or outside `user`'s scope."""
    return get_object_or_404(visible(Letter.objects, user).select_for_update(of=("self",)), pk=letter_id)


def check_attachment(upload) -> None:
    """Refuse (400 naming `attachment`) a file above 10 MB, an empty one or a type not listed in
    ALLOWED_EXTENSIONS."""
    name = getattr(upload, "name", "") or ""
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationFailed(
            {
                "attachment": _("Files of this type cannot be attached. Allowed: %(types)s.")
                % {"types": ", ".join(ALLOWED_EXTENSIONS)}
            }
        )
    size = getattr(upload, "size", None) or 0
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed({"attachment": _("The file is larger than 10 MB.")})
    if size == 0:
        raise ValidationFailed({"attachment": _("The file is empty.")})


def _text(data: dict, field: str, *, max_length: int, required: bool = False) -> str:
    value = str(data.get(field) or "").strip()
    if required and not value:
        raise ValidationFailed({field: _("This field is required.")})
    if len(value) > max_length:
        raise ValidationFailed(
            {field: _("Ensure this value has at most %(max)s characters.") % {"max": max_length}}
        )
    return value


def _clean(data: dict, *, by) -> dict:
    """Validate a whole letter's fields (create, or an update merged onto the stored values)."""
    fields = {}
    if data.get("direction") not in Letter.Direction.values:
        raise ValidationFailed({"direction": _("Select a valid choice.")})
    fields["direction"] = data["direction"]
    if data.get("kind") not in Letter.Kind.values:
        raise ValidationFailed({"kind": _("Select a valid choice.")})
    fields["kind"] = data["kind"]
    day = data.get("date")
    if not isinstance(day, datetime.date):
        raise ValidationFailed({"date": _("Enter a valid date.")})
    fields["date"] = day
    fields["counterpart"] = _text(data, "counterpart", max_length=200, required=True)
    fields["subject"] = _text(data, "subject", max_length=300, required=True)
    fields["reference"] = _text(data, "reference", max_length=100)
    customer = None
    if data.get("customer_id"):
        customer = visible(Customer.objects.active(), by).filter(pk=data["customer_id"]).first()
        if customer is None:
            raise ValidationFailed({"customer": _("Choose a customer you can see.")})
    fields["customer"] = customer
    handler_id = data.get("handler_id") or by.pk
    handler = get_user_model().objects.filter(pk=handler_id, is_active=True).first()
    if handler is None:
        raise ValidationFailed({"handler": _("Choose an active user.")})
    fields["handler"] = handler
    follow_up = data.get("follow_up_on")
    if follow_up is not None and not isinstance(follow_up, datetime.date):
        raise ValidationFailed({"follow_up_on": _("Enter a valid date.")})
    if follow_up is not None and follow_up < day:
        raise ValidationFailed({"follow_up_on": _("The follow-up date cannot be before the letter's date.")})
    fields["follow_up_on"] = follow_up
    return fields


def _ensure_visible(letter: Letter, by) -> None:
    # NetBox's post-write check: nobody files a letter they could not see afterwards. Raising
    # inside the transaction undoes the write.
    if not is_visible(letter, by):
        raise ValidationFailed(
            {"handler": _("You would no longer see this letter. Choose a handler within your scope.")}
        )


@transaction.atomic
def letter_create(
    *,
    by,
    direction: str,
    kind: str,
    date: datetime.date,
    counterpart: str,
    subject: str,
    customer_id: int | None = None,
    reference: str = "",
    handler_id: int | None = None,
    follow_up_on: datetime.date | None = None,
    attachment=None,
) -> Letter:
    """Register a letter (number LT-YYYY-NNNNNN, status open). The handler is an active user
    (default: `by`), the customer (optional) one `by` can see, the follow-up date not before the
    letter's date, the attachment ≤ 10 MB of a safe type. Bad input raises ValidationFailed
    (400) naming the field; nothing is written then."""
    require(by, "crm.add_letter")
    data = {
        "direction": direction,
        "kind": kind,
        "date": date,
        "counterpart": counterpart,
        "subject": subject,
        "customer_id": customer_id,
        "reference": reference,
        "handler_id": handler_id,
        "follow_up_on": follow_up_on,
    }
    fields = _clean(data, by=by)
    if attachment:
        check_attachment(attachment)
    letter = Letter.objects.create(number=next_number(NUMBER_PREFIX), created_by=by, **fields)
    _ensure_visible(letter, by)
    if attachment:  # written last, so a refusal above leaves no stray file behind
        letter.attachment.save(os.path.basename(attachment.name), attachment, save=True)
    return letter


@transaction.atomic
def letter_update(*, by, letter_id: int, version: int | None = None, **changes) -> Letter:
    """Change an open letter's register data; fields left out stay. `attachment` replaces the
    file, `remove_attachment=True` drops it. A done letter is read-only (409 read_only) until
    reopened. `version` is the one the editor loaded: a stale one answers 409 stale_version and
    nothing changes; every change (here, done, reopen) increments it. Validation as in
    letter_create."""
    require(by, "crm.change_letter")
    if unknown := set(changes) - EDITABLE_FIELDS:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})
    letter = letter_for_update(letter_id=letter_id, user=by)
    check_version(letter, version)
    if letter.status != S.OPEN:
        raise refusal("read_only")
    current = {
        "direction": letter.direction,
        "kind": letter.kind,
        "date": letter.date,
        "counterpart": letter.counterpart,
        "subject": letter.subject,
        "customer_id": letter.customer_id,
        "reference": letter.reference,
        "handler_id": letter.handler_id,
        "follow_up_on": letter.follow_up_on,
    }
    attachment = changes.pop("attachment", None)
    remove = bool(changes.pop("remove_attachment", False))
    fields = _clean({**current, **changes}, by=by)
    if attachment:
        check_attachment(attachment)
    for name, value in fields.items():
        setattr(letter, name, value)
    if remove and not attachment:
        letter.attachment = ""
    letter.version += 1
    letter.save()
    _ensure_visible(letter, by)
    # The replaced file stays on disk: the audit trail names it, and evidence is not thrown away.
    if attachment:
        letter.attachment.save(os.path.basename(attachment.name), attachment, save=True)
    return letter


def _move(letter: Letter, action: str) -> str:
    move = LETTER_MOVES[action]
    if letter.status not in move.source:
        raise refusal("invalid_transition", extra={"status": letter.status, "action": action})
    return move.target


@transaction.atomic
def letter_done(*, by, letter_id: int, outcome: str, version: int | None = None) -> Letter:
    """The handler finished the follow-up: open → done with the outcome (required, 400 naming
    `outcome`); records when. A stale `version` answers 409 stale_version."""
    require(by, "crm.change_letter")
    letter = letter_for_update(letter_id=letter_id, user=by)
    check_version(letter, version)
    target = _move(letter, "done")
    outcome = _text({"outcome": outcome}, "outcome", max_length=5000, required=True)
    letter.status, letter.outcome, letter.done_at = target, outcome, timezone.now()
    letter.version += 1
    letter.save(update_fields=["status", "outcome", "done_at", "version"])
    return letter


@transaction.atomic
def letter_reopen(*, by, letter_id: int, version: int | None = None) -> Letter:
    """Open a done letter again (done → open); the earlier outcome stays for the handler to edit.
    A stale `version` answers 409 stale_version."""
    require(by, "crm.change_letter")
    letter = letter_for_update(letter_id=letter_id, user=by)
    check_version(letter, version)
    letter.status, letter.done_at = _move(letter, "reopen"), None
    letter.version += 1
    letter.save(update_fields=["status", "done_at", "version"])
    return letter
