"""API of the correspondence register (C5): /api/v1/letters.

Reads go through selectors.letters (scope X1: out of scope is 404), writes through
services.letters (403 without the permission, 409 for a move the state does not allow, 400 naming
the field for bad input, the attachment's type and size included). Registering a letter is a
multipart form so the attachment travels with it; the file is downloaded through
GET /letters/{id}/attachment, which checks the letter's visibility like every read."""

import datetime as dt
import os
from typing import Literal

from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.files import UploadedFile

from salesdept.core.pagination import paginate
from salesdept.core.permissions import require
from salesdept.core.schemas import ErrorOut, StrictIn

from ..selectors import letters as selectors
from ..services import letters as services
from ..views.letters import attachment_response

router = Router(tags=["letters"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Direction = Literal["in", "out"]
Kind = Literal["letter", "fax", "email", "parcel", "document"]
SortKey = Literal[
    "number", "-number", "date", "-date", "follow_up_on", "-follow_up_on",
    "counterpart", "-counterpart", "status", "-status",
]  # fmt: skip


class LetterFilterIn(Schema):
    """The filters of the register page (crm/filters_letters.py)."""

    q: str | None = Field(None, max_length=100, description="Number, subject, from / to, reference, customer")
    direction: Direction | None = None
    kind: Kind | None = None
    status: Literal["open", "done"] | None = None
    handler: int | None = Field(None, ge=1)
    customer: int | None = Field(None, ge=1)
    overdue: bool | None = Field(None, description="true: open letters whose follow-up date has passed")
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: SortKey | None = Field(None, description="Default -date")


class LetterOut(Schema):
    id: int
    number: str
    direction: str
    kind: str
    date: dt.date
    counterpart: str
    customer_id: int | None
    customer_name: str | None
    reference: str
    subject: str
    handler_id: int
    handler: str
    follow_up_on: dt.date | None
    overdue: bool
    status: str
    outcome: str
    done_at: dt.datetime | None
    attachment_name: str | None = Field(None, description="File name; download it from attachment_url")
    attachment_url: str | None
    created_by_id: int
    created_at: dt.datetime
    version: int = Field(..., description="Send it back with a change; a stale one answers 409")
    actions: list[str]

    @staticmethod
    def resolve_customer_name(obj) -> str | None:
        return obj.customer.name if obj.customer_id else None

    @staticmethod
    def resolve_handler(obj) -> str:
        return str(obj.handler)

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return bool(getattr(obj, "overdue", selectors.follow_up_overdue(obj)))

    @staticmethod
    def resolve_attachment_name(obj) -> str | None:
        return os.path.basename(obj.attachment.name) if obj.attachment else None

    @staticmethod
    def resolve_attachment_url(obj) -> str | None:
        return f"/api/v1/letters/{obj.pk}/attachment" if obj.attachment else None

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        return services.letter_allowed_actions(obj, context["request"].user)


class LetterIn(StrictIn):
    direction: Direction
    kind: Kind = "letter"
    date: dt.date
    counterpart: str = Field(..., max_length=200)
    subject: str = Field(..., max_length=300)
    customer: int | None = Field(None, ge=1, description="Id of a customer you can see")
    reference: str = Field("", max_length=100)
    handler: int | None = Field(None, ge=1, description="Default: you")
    follow_up_on: dt.date | None = Field(None, description="Not before date")


VERSION = Field(None, ge=1, description="The version you loaded; a stale one answers 409 stale_version")


class LetterPatch(StrictIn):
    # A field left out stays; customer and follow_up_on accept null (none).
    version: int | None = VERSION
    direction: Direction = None
    kind: Kind = None
    date: dt.date = None
    counterpart: str = Field(None, max_length=200)
    subject: str = Field(None, max_length=300)
    customer: int | None = Field(None, ge=1)
    reference: str = Field(None, max_length=100)
    handler: int = Field(None, ge=1)
    follow_up_on: dt.date | None = None
    remove_attachment: bool = None


class LetterDoneIn(StrictIn):
    version: int | None = VERSION
    outcome: str = Field("", max_length=5000)


class LetterVersionIn(StrictIn):
    version: int | None = VERSION


def _ids(data: dict) -> dict:
    """API names (customer, handler) → the service's keyword arguments (customer_id, handler_id)."""
    for name in ("customer", "handler"):
        if name in data:
            data[f"{name}_id"] = data.pop(name)
    return data


def _refuse_unknown_form_fields(request, schema) -> None:
    # ninja reads only the declared form fields and drops the rest; StrictIn promises a 422
    # naming an unknown field (status, number …) instead, as the JSON endpoints answer.
    unknown = set(request.POST) - set(schema.model_fields) - {"csrfmiddlewaretoken"}
    unknown |= set(request.FILES) - {"attachment"}
    if unknown:
        raise ValidationError(
            [{"type": "extra_forbidden", "loc": ("form", name)} for name in sorted(unknown)]
        )


def _fresh(request, letter_id: int):
    return selectors.letter_get(user=request.user, letter_id=letter_id)


def _may_read(request) -> None:
    # The scope rule says which letters; the view permission says whether any. Without it a
    # role with a department-wide scope (the warehouse keeper, the administrator) would read
    # the whole register through the API although its pages answer 403.
    require(request.user, "crm.view_letter")


@router.get("", response={200: list[LetterOut], **ERRORS})
@paginate
def list_letters(request, filters: Query[LetterFilterIn]):
    """Letters you may see, newest first (the page's filters and sort)."""
    _may_read(request)
    return selectors.letter_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.get("/{letter_id}", response={200: LetterOut, **ERRORS})
def get_letter(request, letter_id: int):
    _may_read(request)
    return _fresh(request, letter_id)


@router.post("", response={201: LetterOut, **ERRORS})
def create_letter(request, payload: Form[LetterIn], attachment: File[UploadedFile] = None):
    """Register a letter (multipart/form-data; `attachment` optional, ≤ 10 MB, pdf, jpg, jpeg,
    png, doc, docx, xls, xlsx, txt or zip). Number LT-YYYY-NNNNNN, status open."""
    _refuse_unknown_form_fields(request, LetterIn)
    letter = services.letter_create(by=request.user, attachment=attachment, **_ids(payload.model_dump()))
    return Status(201, _fresh(request, letter.pk))


@router.patch("/{letter_id}", response={200: LetterOut, **ERRORS})
def update_letter(request, letter_id: int, payload: LetterPatch):
    """Change an open letter (JSON; fields left out stay). A done letter answers 409 read_only."""
    data = _ids(payload.model_dump(exclude_unset=True))
    # An explicit null version means "not checked", like leaving it out.
    data["version"] = data.pop("version", None)
    services.letter_update(by=request.user, letter_id=letter_id, **data)
    return _fresh(request, letter_id)


@router.post("/{letter_id}/attachment", response={200: LetterOut, **ERRORS})
def replace_letter_attachment(
    request, letter_id: int, attachment: File[UploadedFile], payload: Form[LetterVersionIn]
):
    """Attach a file to an open letter, replacing the current one (multipart `attachment`, and
    optionally `version`)."""
    _refuse_unknown_form_fields(request, LetterVersionIn)
    services.letter_update(
        by=request.user, letter_id=letter_id, attachment=attachment, version=payload.version
    )
    return _fresh(request, letter_id)


@router.get("/{letter_id}/attachment", response={200: None, **ERRORS})
def download_letter_attachment(request, letter_id: int):
    """The attachment as a download (404 when the letter is out of scope or has none)."""
    _may_read(request)
    return attachment_response(_fresh(request, letter_id))


@router.post("/{letter_id}/done", response={200: LetterOut, **ERRORS})
def done_letter(request, letter_id: int, payload: LetterDoneIn):
    """The follow-up is finished: open → done with the outcome (required)."""
    services.letter_done(
        by=request.user, letter_id=letter_id, outcome=payload.outcome, version=payload.version
    )
    return _fresh(request, letter_id)


@router.post("/{letter_id}/reopen", response={200: LetterOut, **ERRORS})
def reopen_letter(request, letter_id: int, payload: LetterVersionIn | None = None):
    """Open a done letter again: done → open (body optional: {"version": …})."""
    version = payload.version if payload else None
    services.letter_reopen(by=request.user, letter_id=letter_id, version=version)
    return _fresh(request, letter_id)
