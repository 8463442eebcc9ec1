"""API of contracts (S3): /api/v1/contracts.

Reads go through selectors.contracts (scope X1: out of scope is 404), writes through
services.contracts (403 without the permission or not your review step, 409 for a move the state
does not allow — own_document, already_approved, price_approval_needed, under_ordered … — and
400 naming the field for bad input). Amounts are Decimal strings. Signing is multipart
(`signed_on`, `signed_copy`); so are attachments."""

import datetime as dt
import os
from decimal import Decimal
from typing import Literal

from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.files import UploadedFile

from salesdept.core.pagination import paginate
from salesdept.core.permissions import require
from salesdept.core.schemas import ErrorOut, Money, Quantity, StrictIn

from ..selectors import contracts as selectors
from ..services import contracts as services

router = Router(tags=["contracts"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Percent = Decimal
StatusName = Literal["draft", "submitted", "approved", "signed", "archived", "superseded", "cancelled"]
SortKey = Literal[
    "number", "-number", "title", "-title", "customer", "-customer", "signed_on", "-signed_on",
    "total_amount", "-total_amount", "status", "-status", "created_at", "-created_at",
]  # fmt: skip
ChannelName = Literal["direct", "dealer", "online", "project", "other"]
Trigger = Literal["signing", "delivery", "acceptance", "date"]


class ContractFilterIn(Schema):
    q: str | None = Field(None, max_length=100, description="Number, title, registration number, customer")
    status: StatusName | None = None
    customer: int | None = Field(None, ge=1)
    owner: int | None = Field(None, ge=1, description="Salesperson id")
    signed_from: dt.date | None = None
    signed_to: dt.date | None = None
    amount_min: Money | None = Field(None, ge=0)
    amount_max: Money | None = Field(None, ge=0)
    waiting: bool | None = Field(None, description="true: contracts whose next review step is mine")
    sort: SortKey | None = Field(None, description="Default -created_at")


class LineOut(Schema):
    id: int
    position: int
    product_id: int
    product_code: str
    product_name: str
    description: str
    quantity: Decimal
    list_price: Decimal
    discount: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal
    replaces_id: int | None
    ordered: Decimal | None = None

    @staticmethod
    def resolve_product_code(obj) -> str:
        return obj.product.code

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name


class MilestoneOut(Schema):
    id: int
    position: int
    label: str
    percent: Decimal
    amount: Decimal
    trigger: str
    days: int
    due_on: dt.date | None


class DeliveryOut(Schema):
    id: int
    line_id: int
    planned_on: dt.date
    quantity: Decimal


class AttachmentOut(Schema):
    id: int
    title: str
    file_name: str
    url: str
    uploaded_by_id: int
    uploaded_at: dt.datetime

    @staticmethod
    def resolve_file_name(obj) -> str:
        return os.path.basename(obj.file.name)

    @staticmethod
    def resolve_url(obj) -> str:
        return f"/api/v1/contracts/{obj.contract_id}/attachments/{obj.pk}"


class ContractRowOut(Schema):
    id: int
    number: str
    title: str
    status: str
    customer_id: int
    customer_name: str
    owner_id: int
    owner: str
    total_amount: Decimal
    signed_on: dt.date | None
    registration_number: str
    amendment_of_id: int | None
    amendment_no: int
    created_at: dt.datetime

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_owner(obj) -> str:
        return str(obj.owner)


class StepOut(Schema):
    permission: str
    label: str
    state: Literal["done", "next", "todo"]
    by: str | None
    at: dt.datetime | None
    note: str | None


class ContractOut(ContractRowOut):
    channel: str
    quotation_id: int | None
    prepared_by_id: int
    payment_terms: str
    delivery_terms: str
    notes: str
    language: str
    review_round: int
    submitted_at: dt.datetime | None
    archived_at: dt.datetime | None
    signed_copy_url: str | None
    version: int = Field(..., description="Send it back with a change; a stale one answers 409")
    lines: list[LineOut]
    milestones: list[MilestoneOut]
    deliveries: list[DeliveryOut]
    attachments: list[AttachmentOut]
    review_route: list[StepOut]
    actions: list[str]

    @staticmethod
    def resolve_signed_copy_url(obj) -> str | None:
        return f"/api/v1/contracts/{obj.pk}/signed-copy" if obj.signed_copy else None

    @staticmethod
    def resolve_lines(obj):
        return selectors.contract_lines_with_ordered(obj)

    @staticmethod
    def resolve_milestones(obj):
        return list(obj.milestones.all())

    @staticmethod
    def resolve_deliveries(obj):
        return list(obj.deliveries.all())

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.attachments.all())

    @staticmethod
    def resolve_review_route(obj):
        return [
            {
                "permission": s["permission"],
                "label": str(s["label"]),
                "state": s["state"],
                "by": str(s["event"].actor) if s["event"] else None,
                "at": s["event"].at if s["event"] else None,
                "note": s["event"].note if s["event"] else None,
            }
            for s in selectors.review_steps(obj)
        ]

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        return services.contract_allowed_actions(obj, context["request"].user)


class LineIn(StrictIn):
    id: int | None = Field(
        None, ge=1, description="Keep this line of the draft (amendments keep what it replaces)"
    )
    product: int = Field(..., ge=1)
    quantity: Quantity = Field(..., gt=0)
    discount: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False)
    unit_price: Money | None = Field(None, ge=0, description="Instead of the discount")
    description: str = Field("", max_length=300)


class MilestoneIn(StrictIn):
    label: str = Field("", max_length=100)
    percent: Decimal = Field(..., gt=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False)
    trigger: Trigger = "signing"
    days: int = Field(0, ge=0, le=3650)
    due_on: dt.date | None = Field(None, description="Required for trigger=date")


class DeliveryIn(StrictIn):
    line: int = Field(..., ge=1, description="Position of the line (1-based)")
    planned_on: dt.date
    quantity: Quantity = Field(..., gt=0)


class ContractIn(StrictIn):
    customer: int = Field(..., ge=1)
    title: str = Field(..., max_length=200)
    channel: ChannelName = "direct"
    payment_terms: str = Field("", max_length=5000)
    delivery_terms: str = Field("", max_length=5000)
    notes: str = Field("", max_length=5000)
    language: Literal["zh-hans", "en"] = "zh-hans"
    lines: list[LineIn] = []
    milestones: list[MilestoneIn] = []
    deliveries: list[DeliveryIn] = []


class FromQuotationIn(StrictIn):
    quotation: int = Field(..., ge=1)
    title: str = Field("", max_length=200)


class ContractPatch(StrictIn):
    version: int | None = Field(None, ge=1)
    customer: int = Field(None, ge=1)
    title: str = Field(None, max_length=200)
    channel: ChannelName = None
    payment_terms: str = Field(None, max_length=5000)
    delivery_terms: str = Field(None, max_length=5000)
    notes: str = Field(None, max_length=5000)
    language: Literal["zh-hans", "en"] = None
    lines: list[LineIn] = None
    milestones: list[MilestoneIn] = None
    deliveries: list[DeliveryIn] = None


class NoteIn(StrictIn):
    note: str = Field("", max_length=2000)


class RegisterIn(StrictIn):
    registration_number: str = Field(..., max_length=40)


class SignIn(StrictIn):
    signed_on: dt.date
    note: str = Field("", max_length=2000)


class AttachmentIn(StrictIn):
    title: str = Field("", max_length=200)


def _lines(rows) -> list[dict]:
    out = []
    for row in rows:
        d = row.model_dump() if hasattr(row, "model_dump") else dict(row)
        d["product_id"] = d.pop("product")
        if d.get("id") is None:
            d.pop("id", None)
        out.append(d)
    return out


def _service_kwargs(data: dict) -> dict:
    if "customer" in data:
        data["customer_id"] = data.pop("customer")
    if data.get("lines") is not None:
        data["lines"] = _lines(data["lines"])
    return data


def _refuse_unknown_form_fields(request, schema, files: set[str]) -> None:
    unknown = set(request.POST) - set(schema.model_fields) - {"csrfmiddlewaretoken"}
    unknown |= set(request.FILES) - files
    if unknown:
        raise ValidationError(
            [{"type": "extra_forbidden", "loc": ("form", name)} for name in sorted(unknown)]
        )


def _fresh(request, contract_id: int):
    return selectors.contract_get(user=request.user, contract_id=contract_id)


@router.get("", response={200: list[ContractRowOut], **ERRORS})
@paginate
def list_contracts(request, filters: Query[ContractFilterIn]):
    """Contracts you may see, newest first (the page's filters and sort)."""
    return selectors.contract_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.post("", response={201: ContractOut, **ERRORS})
def create_contract(request, payload: ContractIn):
    """Draft a contract from scratch (number CT-YYYY-NNNNNN)."""
    contract = services.contract_create(by=request.user, **_service_kwargs(payload.model_dump()))
    return Status(201, _fresh(request, contract.pk))


@router.post("/from-quotation", response={201: ContractOut, **ERRORS})
def create_contract_from_quotation(request, payload: FromQuotationIn):
    """Draft a contract from an accepted quotation (its customer, terms and lines)."""
    contract = services.contract_create_from_quotation(
        by=request.user, quotation_id=payload.quotation, title=payload.title
    )
    return Status(201, _fresh(request, contract.pk))


@router.get("/{contract_id}", response={200: ContractOut, **ERRORS})
def get_contract(request, contract_id: int):
    """One contract with lines (and the quantity ordered on each), milestones, deliveries,
    attachments, the review route of the current round and the actions open to you."""
    return _fresh(request, contract_id)


@router.patch("/{contract_id}", response={200: ContractOut, **ERRORS})
def update_contract(request, contract_id: int, payload: ContractPatch):
    """Change a draft (fields left out stay; lines, milestones, deliveries replace the lists)."""
    data = _service_kwargs(payload.model_dump(exclude_unset=True))
    data["version"] = data.pop("version", None)
    services.contract_update(by=request.user, contract_id=contract_id, **data)
    return _fresh(request, contract_id)


def _action(name: str, func):
    def endpoint(request, contract_id: int, payload: NoteIn | None = None):
        func(by=request.user, contract_id=contract_id, note=payload.note if payload else "")
        return _fresh(request, contract_id)

    endpoint.__name__ = f"{name}_contract"
    return endpoint


for _name, _func, _doc in [
    ("submit", services.contract_submit, "Submit a complete draft for review (合同评审)."),
    ("approve", services.contract_approve, "Take the next review step (never your own contract)."),
    ("reject", services.contract_reject, "Send it back to draft; `note` (the reason) is required."),
    ("cancel", services.contract_cancel, "Withdraw a draft."),
    ("archive", services.contract_archive, "File a signed, registered contract away (back office)."),
]:
    _endpoint = _action(_name, _func)
    _endpoint.__doc__ = _doc
    router.post(
        f"/{{contract_id}}/{_name}", response={200: ContractOut, **ERRORS}, operation_id=f"contract_{_name}"
    )(_endpoint)


@router.post("/{contract_id}/sign", response={200: ContractOut, **ERRORS})
def sign_contract(request, contract_id: int, payload: Form[SignIn], signed_copy: File[UploadedFile] = None):
    """Record the signing (back office; multipart): `signed_on` and the `signed_copy` (pdf, jpg or
    png, ≤ 20 MB) are required. Milestones due on signing get their dates."""
    _refuse_unknown_form_fields(request, SignIn, {"signed_copy"})
    services.contract_sign(
        by=request.user,
        contract_id=contract_id,
        signed_on=payload.signed_on,
        signed_copy=signed_copy,
        note=payload.note,
    )
    return _fresh(request, contract_id)


@router.post("/{contract_id}/register", response={200: ContractOut, **ERRORS})
def register_contract(request, contract_id: int, payload: RegisterIn):
    """Give a signed contract its registration number (unique)."""
    services.contract_register(
        by=request.user, contract_id=contract_id, registration_number=payload.registration_number
    )
    return _fresh(request, contract_id)


@router.post("/{contract_id}/amend", response={201: ContractOut, **ERRORS})
def amend_contract(request, contract_id: int, payload: NoteIn | None = None):
    """Start an amendment of a signed contract: a new draft `<number>-A<n>`, reviewed again."""
    amendment = services.contract_amend(
        by=request.user, contract_id=contract_id, note=payload.note if payload else ""
    )
    return Status(201, _fresh(request, amendment.pk))


@router.get("/{contract_id}/signed-copy", response={200: None, **ERRORS})
def download_signed_copy(request, contract_id: int):
    from ..views.contracts import file_response

    contract = _fresh(request, contract_id)
    return file_response(contract.signed_copy)


@router.post("/{contract_id}/attachments", response={201: AttachmentOut, **ERRORS})
def add_attachment(request, contract_id: int, payload: Form[AttachmentIn], file: File[UploadedFile] = None):
    """Attach a file to a draft or approved contract (multipart `file`, optional `title`)."""
    _refuse_unknown_form_fields(request, AttachmentIn, {"file"})
    _fresh(request, contract_id)
    return Status(
        201,
        services.contract_attachment_add(
            by=request.user, contract_id=contract_id, title=payload.title, file=file
        ),
    )


@router.get("/{contract_id}/attachments/{attachment_id}", response={200: None, **ERRORS})
def download_attachment(request, contract_id: int, attachment_id: int):
    from django.shortcuts import get_object_or_404

    from ..views.contracts import file_response

    contract = _fresh(request, contract_id)
    return file_response(get_object_or_404(contract.attachments, pk=attachment_id).file)


@router.delete("/{contract_id}/attachments/{attachment_id}", response={204: None, **ERRORS})
def remove_attachment(request, contract_id: int, attachment_id: int):
    services.contract_attachment_remove(by=request.user, contract_id=contract_id, attachment_id=attachment_id)
    return Status(204, None)


@router.get("/{contract_id}/pdf", response={200: None, **ERRORS})
def contract_pdf(request, contract_id: int, language: Literal["zh-hans", "en"] | None = None):
    """The contract as a PDF (in its print language unless `language` is given)."""
    from ..views.contracts import pdf_for

    require(request.user, "sales.view_contract")
    return pdf_for(_fresh(request, contract_id), language=language)
