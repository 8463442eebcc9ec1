"""API of the price policy (S1): /api/v1/price-approvals (事前请示) and /api/v1/discount-authority.

A request names its document by type (quotation, contract, salesorder) and id; the document must
be one the requester can see (else 404). Deciding needs catalog.decide_priceapproval and an own
authority covering the request (403 otherwise); the requester deciding their own request answers
409 own_document and leaves an audit signal."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.apps import apps
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from salesdept.core.pagination import paginate
from salesdept.core.permissions import require
from salesdept.core.schemas import ErrorOut, StrictIn

from ..selectors import pricing as selectors
from ..services import pricing as services

router = Router(tags=["pricing"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
DocumentType = Literal["quotation", "contract", "salesorder"]
DOCUMENT_MODELS = {
    "quotation": "sales.Quotation",
    "contract": "sales.Contract",
    "salesorder": "sales.SalesOrder",
}


class ApprovalFilterIn(Schema):
    status: Literal["pending", "approved", "rejected", "withdrawn"] | None = None
    mine: bool | None = Field(None, description="true: your own requests")
    to_decide: bool | None = Field(None, description="true: pending requests waiting for your decision")
    document_type: DocumentType | None = None
    document_id: int | None = Field(None, ge=1)


class ApprovalOut(Schema):
    id: int
    document_type: str
    document_id: int
    document: str
    discount: Decimal
    below_floor: bool
    reason: str
    status: str
    requested_by_id: int
    requested_by: str
    requested_at: dt.datetime
    decided_by_id: int | None
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str

    @staticmethod
    def resolve_document_type(obj) -> str:
        return obj.content_type.model

    @staticmethod
    def resolve_document_id(obj) -> int:
        return obj.object_id

    @staticmethod
    def resolve_document(obj) -> str:
        return str(obj.document) if obj.document is not None else f"#{obj.object_id}"

    @staticmethod
    def resolve_requested_by(obj) -> str:
        return str(obj.requested_by)

    @staticmethod
    def resolve_decided_by(obj) -> str | None:
        return str(obj.decided_by) if obj.decided_by_id else None


class ApprovalIn(StrictIn):
    document_type: DocumentType
    document_id: int = Field(..., ge=1)
    reason: str = Field(..., max_length=5000)
    discount: Decimal | None = Field(
        None, ge=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False,
        description="Default: the highest line discount over your authority",
    )  # fmt: skip
    below_floor: bool | None = Field(None, description="Default: whether a line is under the floor price")


class DecideIn(StrictIn):
    approve: bool
    note: str = Field("", max_length=5000, description="Required to reject")


class AuthorityOut(Schema):
    role: str
    max_discount: Decimal
    below_floor: bool


class AuthorityIn(StrictIn):
    max_discount: Decimal = Field(..., ge=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False)
    below_floor: bool | None = None


def _document(document_type: str, document_id: int):
    model = apps.get_model(DOCUMENT_MODELS[document_type])
    doc = model._default_manager.filter(pk=document_id).first()
    if doc is None:
        raise Http404
    return doc


@router.get("/price-approvals", response={200: list[ApprovalOut], **ERRORS})
@paginate
def list_price_approvals(request, filters: Query[ApprovalFilterIn]):
    """Price approvals you may read: ?to_decide=true those waiting for your decision,
    ?mine=true your own requests."""
    return selectors.approval_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.get("/price-approvals/{approval_id}", response={200: ApprovalOut, **ERRORS})
def get_price_approval(request, approval_id: int):
    return selectors.approval_get(user=request.user, approval_id=approval_id)


@router.post("/price-approvals", response={201: ApprovalOut, **ERRORS})
def create_price_approval(request, payload: ApprovalIn):
    """Ask for a price approval of a document you can see (事前请示)."""
    require(request.user, "catalog.add_priceapproval")
    doc = _document(payload.document_type, payload.document_id)
    approval = services.price_approval_request(
        by=request.user,
        doc=doc,
        reason=payload.reason,
        discount=payload.discount,
        below_floor=payload.below_floor,
    )
    return Status(201, selectors.approval_get(user=request.user, approval_id=approval.pk))


@router.post("/price-approvals/{approval_id}/decide", response={200: ApprovalOut, **ERRORS})
def decide_price_approval(request, approval_id: int, payload: DecideIn):
    """Approve or reject (a note is required to reject) a request someone else made."""
    services.price_approval_decide(
        by=request.user, approval_id=approval_id, approve=payload.approve, note=payload.note
    )
    return selectors.approval_get(user=request.user, approval_id=approval_id)


@router.post("/price-approvals/{approval_id}/withdraw", response={200: ApprovalOut, **ERRORS})
def withdraw_price_approval(request, approval_id: int):
    """The requester takes back a pending request."""
    services.price_approval_withdraw(by=request.user, approval_id=approval_id)
    return selectors.approval_get(user=request.user, approval_id=approval_id)


@router.get("/discount-authority", response={200: list[AuthorityOut], **ERRORS})
def list_discount_authority(request):
    """How far each role may go below the price on its own."""
    return list(selectors.discount_authority_list(user=request.user))


@router.put("/discount-authority/{role}", response={200: AuthorityOut, **ERRORS})
def update_discount_authority(request, role: str, payload: AuthorityIn):
    """Set a role's authority (director, administrator)."""
    return services.discount_authority_update(
        by=request.user, role=role, max_discount=payload.max_discount, below_floor=payload.below_floor
    )
