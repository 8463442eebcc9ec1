"""API of stock documents (W1, W5, W6), mounted at /api/v1/warehouse:

    GET   /documents                      list (filters like the page, paged)
    POST  /documents                      a draft with its lines (201)
    GET   /documents/{id}                 detail: lines, moves, quality checks, allowed actions
    PATCH /documents/{id}                 change a draft (a stale `version` answers 409)
    POST  /documents/{id}/post            receipt / issue / return / transfer: draft → posted
    POST  /documents/{id}/submit|approve|reject   adjustments: the two-person review
    POST  /documents/{id}/cancel          a draft
    POST  /documents/{id}/reverse         posts the mirror document (201, the reversal)
    POST  /documents/{id}/lines/{line_id}/inspections   quality inspection of a pending line (201)

Line fields are checked by the service, so every refusal of a line names it 1-based
(`lines.2.quantity`) with a 400, like the pages. Quantities and values are Decimal (JSON strings)."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ObjectDoesNotExist
from ninja import Field, Query, Router, Schema, Status

from salesdept.core.events import history
from salesdept.core.pagination import paginate
from salesdept.core.schemas import ErrorOut, StrictIn

from ..selectors import documents as selectors
from ..services import documents as services

router = Router(tags=["stock documents"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
KindName = Literal["receipt", "issue", "return", "transfer", "adjustment"]
StatusName = Literal["draft", "submitted", "posted", "reversed", "cancelled"]
SortKey = Literal[
    "number",
    "-number",
    "moved_on",
    "-moved_on",
    "kind",
    "-kind",
    "status",
    "-status",
    "warehouse",
    "-warehouse",
]
Id = int | str  # checked by the service, which names the field (lines.N.product)
Number = Decimal | str


class DocumentFilterIn(Schema):
    q: str | None = Field(None, max_length=100, description="Number, reference, supplier, customer")
    kind: KindName | None = None
    status: StatusName | None = None
    purpose: str | None = Field(None, max_length=20)
    warehouse: int | None = Field(None, ge=1)
    product: int | None = Field(None, ge=1, description="Documents with a line of this product")
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: SortKey | None = Field(None, description="Default -moved_on")


class LineIn(StrictIn):
    product: Id
    quantity: Number = Field(..., description="> 0; adjustments signed (+ found, − missing)")
    location: Id = Field(
        ..., description="Source of an issue or transfer, destination of a receipt or return"
    )
    to_location: Id | None = Field(None, description="Transfers: where the stock goes")
    lot: str = Field("", description="Lot or serial number (required for serial-tracked items)")
    quality: Literal["pending", "accepted", "rejected"] | None = Field(
        None, description="Receipts/returns: default pending; others: the quality taken (default accepted)"
    )
    unit_cost: Number | None = Field(None, description="Receipts, returns, positive adjustments")
    due_back: dt.date | None = Field(None, description="Sample issues: expected return")
    loan: Id | None = Field(None, description="Sample returns: the sample loan")
    notes: str = ""


class DocumentIn(StrictIn):
    kind: KindName
    purpose: str | None = Field(
        None, description="Default per kind: purchase, sale, customer_return, move, correction"
    )
    warehouse: Id
    moved_on: dt.date | None = None
    customer: Id | None = None
    supplier: str = ""
    holder: Id | None = Field(None, description="Sample issues and returns: the salesperson")
    reference: str = ""
    notes: str = ""
    lines: list[LineIn] = Field(..., max_length=500)


class DocumentPatch(StrictIn):
    version: int | None = Field(None, ge=1)
    purpose: str = None
    warehouse: Id = None
    moved_on: dt.date = None
    customer: Id | None = None
    supplier: str = None
    holder: Id | None = None
    reference: str = None
    notes: str = None
    lines: list[LineIn] = Field(None, max_length=500, description="The whole list of lines")


class NoteIn(StrictIn):
    note: str = Field("", max_length=2000)


class InspectionIn(StrictIn):
    accepted: Number = Field("0", description="Quantity accepted (合格)")
    rejected: Number = Field("0", description="Quantity rejected (不合格), moved to quarantine")
    notes: str = ""


class DocumentRowOut(Schema):
    id: int
    number: str
    kind: str
    purpose: str
    status: str
    warehouse_id: int
    warehouse_code: str = Field(..., alias="warehouse.code")
    moved_on: dt.date
    customer_id: int | None
    supplier: str
    reference: str
    reverses_id: int | None
    source_type: str
    source_id: int | None
    line_count: int | None = None


class CheckOut(Schema):
    id: int
    line_id: int
    accepted: Decimal
    rejected: Decimal
    checked_by_id: int
    checked_at: dt.datetime
    notes: str


class LineOut(Schema):
    id: int
    position: int
    product_id: int
    product_code: str = Field(..., alias="product.code")
    product_name: str = Field(..., alias="product.name")
    lot: str
    quantity: Decimal
    location_id: int
    location_code: str = Field(..., alias="location.code")
    to_location_id: int | None
    quality: str
    unit_cost: Decimal | None
    value: Decimal
    due_back: dt.date | None
    loan_id: int | None
    notes: str
    pending: Decimal

    @staticmethod
    def resolve_pending(obj) -> Decimal:
        if obj.document.status != "posted":
            return Decimal("0")
        return services.pending_quantity(obj)


class MoveOut(Schema):
    id: int
    line_id: int
    product_id: int
    location_id: int
    lot: str
    quality: str
    kind: str
    quantity: Decimal
    value: Decimal
    balance: Decimal
    balance_value: Decimal
    moved_on: dt.date


class EventOut(Schema):
    action: str
    actor_id: int
    at: dt.datetime
    from_status: str
    to_status: str
    note: str


class DocumentOut(DocumentRowOut):
    holder_id: int | None
    notes: str
    prepared_by_id: int
    posted_by_id: int | None
    posted_at: dt.datetime | None
    reversed_by_id: int | None = None
    version: int
    created_at: dt.datetime
    lines: list[LineOut]
    moves: list[MoveOut]
    quality_checks: list[CheckOut]
    history: list[EventOut]
    actions: list[str]

    @staticmethod
    def resolve_reversed_by_id(obj) -> int | None:
        try:
            return obj.reversed_by.pk
        except ObjectDoesNotExist:
            return None

    @staticmethod
    def resolve_lines(obj):
        return selectors.document_lines(obj)

    @staticmethod
    def resolve_moves(obj, context):
        return selectors.document_moves(obj, context["request"].user)

    @staticmethod
    def resolve_quality_checks(obj):
        return selectors.document_quality_checks(obj)

    @staticmethod
    def resolve_history(obj):
        return list(history(obj))

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        return services.document_allowed_actions(obj, context["request"].user)


def _data(payload) -> dict:
    data = payload.model_dump(exclude_unset=True)
    if "lines" in data and data["lines"] is not None:
        data["lines"] = [{k: v for k, v in row.items() if v is not None} for row in data["lines"]]
    return data


def _fresh(request, document_id: int):
    return selectors.document_get(user=request.user, document_id=document_id)


@router.get("/documents", response={200: list[DocumentRowOut], **ERRORS})
@paginate
def list_documents(request, filters: Query[DocumentFilterIn]):
    """Stock documents, newest first."""
    return selectors.document_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.post("/documents", response={201: DocumentOut, **ERRORS})
def create_document(request, payload: DocumentIn, post: bool = False):
    """A draft receipt, issue, return, transfer or adjustment with its lines; with `?post=true`
    created and posted in one transaction (not adjustments: they go through review), so a
    refusal leaves nothing behind."""
    if post:
        document = services.post_document(by=request.user, data=_data(payload))
    else:
        document = services.document_create(by=request.user, data=_data(payload))
    return Status(201, _fresh(request, document.pk))


@router.get("/documents/{document_id}", response={200: DocumentOut, **ERRORS})
def get_document(request, document_id: int):
    return _fresh(request, document_id)


@router.patch("/documents/{document_id}", response={200: DocumentOut, **ERRORS})
def update_document(request, document_id: int, payload: DocumentPatch):
    """Change a draft: the fields sent and, with `lines`, all its lines."""
    data = _data(payload)
    version = data.pop("version", None)
    services.document_update(document_id=document_id, by=request.user, data=data, version=version)
    return _fresh(request, document_id)


@router.post("/documents/{document_id}/reverse", response={201: DocumentOut, **ERRORS})
def reverse_document(request, document_id: int, payload: NoteIn | None = None):
    """Post the mirror of a posted document; the original becomes `reversed`. Answers the reversal."""
    reversal = services.document_reverse(
        document_id=document_id, by=request.user, note=payload.note if payload else ""
    )
    return Status(201, _fresh(request, reversal.pk))


ACTIONS = {
    "post": lambda pk, by, note: services.document_post(document_id=pk, by=by),
    "submit": lambda pk, by, note: services.document_submit(document_id=pk, by=by, note=note),
    "approve": lambda pk, by, note: services.document_approve(document_id=pk, by=by, note=note),
    "reject": lambda pk, by, note: services.document_reject(document_id=pk, by=by, note=note),
    "cancel": lambda pk, by, note: services.document_cancel(document_id=pk, by=by, note=note),
}


@router.post("/documents/{document_id}/{action}", response={200: DocumentOut, **ERRORS})
def act_on_document(
    request,
    document_id: int,
    action: Literal["post", "submit", "approve", "reject", "cancel"],
    payload: NoteIn | None = None,
):
    """post (not adjustments) · submit / approve / reject (adjustments; reject needs a note) ·
    cancel (drafts)."""
    selectors.document_get(user=request.user, document_id=document_id)  # 404 before 403 for the unseen
    ACTIONS[action](document_id, request.user, payload.note if payload else "")
    return _fresh(request, document_id)


@router.post("/documents/{document_id}/lines/{line_id}/inspections", response={201: CheckOut, **ERRORS})
def inspect_line(request, document_id: int, line_id: int, payload: InspectionIn):
    """Record a quality inspection: `accepted` becomes 合格 in place, `rejected` moves to quarantine."""
    selectors.document_line_get(user=request.user, document_id=document_id, line_id=line_id)
    check = services.quality_inspect(
        line_id=line_id,
        by=request.user,
        accepted=payload.accepted,
        rejected=payload.rejected,
        notes=payload.notes,
    )
    return Status(201, check)
