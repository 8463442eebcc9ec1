"""The one error type services raise; pages show its message, the API turns it into a 4xx body."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refusal by a business rule. `code` is stable for scripts, `message` is translated.

    `status` is the HTTP status the API answers with: 409 for a conflict with the current state,
    400 for bad data. `fields` names the fields at fault (field → message)."""

    def __init__(self, code: str, message, *, status: int = 409, fields: dict | None = None, extra=None):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.status = status
        self.fields = fields or {}
        self.extra = extra or {}


class ValidationFailed(DomainError):
    """Bad input: answered with 400 and the fields at fault."""

    def __init__(self, fields: dict, message=None):
        super().__init__(
            "invalid", message or _("Please correct the fields marked below."), status=400, fields=fields
        )


REFUSALS = {
    "invalid_transition": _("This action is not possible in the document's current state."),
    "not_permitted": _("You are not allowed to do this."),
    "own_document": _("The person who prepared a document cannot approve it."),
    "already_approved": _("You have already approved this document."),
    "edited_after_submission": _(
        "You edited this document after it was submitted, so you cannot approve it."
    ),
    "not_submitted": _("Only submitted documents can be approved."),
    "not_your_step": _("The next review step needs a different role."),
    "reason_required": _("Please give a reason."),
    "unknown_action": _("Unknown action."),
    "stale_version": _("Someone else changed this record meanwhile. Reload it and try again."),
    "read_only": _("This document can no longer be changed."),
}


def refusal(code: str, **kwargs) -> DomainError:
    return DomainError(code, REFUSALS[code], **kwargs)
