"""Writes of the price policy (S1): price approvals 事前请示 (request, decide, withdraw) and the
discount authority table.

A salesperson whose document has lines beyond their own authority (catalog.pricing) asks for an
approval of that document; someone else whose own authority covers the asked discount (and
prices under the floor, when asked) approves or rejects it. Nobody decides their own request:
the attempt is refused (409 own_document) and recorded as an audit signal (own_approval)."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.roles import ROLES
from salesdept.accounts.scope import is_visible, visible
from salesdept.audit.models import Signal
from salesdept.audit.services import record_signal
from salesdept.core.errors import DomainError, ValidationFailed, refusal
from salesdept.core.permissions import require

from ..models import DiscountAuthority, PriceApproval
from ..pricing import OVER_AUTHORITY, UNDER_FLOOR, authority_of, judge_lines
from .products import _decimal, _text

__all__ = [
    "discount_authority_update",
    "price_approval_decide",
    "price_approval_request",
    "price_approval_withdraw",
]

S = PriceApproval.Status
ZERO = Decimal("0")


def _document_lines(doc) -> list:
    lines = getattr(doc, "lines", None)
    if lines is None:
        return []
    return list(lines.select_related("product").all())


@transaction.atomic
def price_approval_request(
    *, by, doc, reason: str, discount=None, below_floor: bool | None = None
) -> PriceApproval:
    """Ask for an approval of `doc` (a document `by` can see, else 404). `discount` defaults to
    the highest discount of the lines over `by`'s authority, `below_floor` to whether a line is
    under the floor. A request within `by`'s own authority is refused (400 naming discount):
    there is nothing to approve. One pending request per document and requester."""
    require(by, "catalog.add_priceapproval")
    if doc is None or doc.pk is None or not is_visible(doc, by):
        raise Http404
    reason = _text({"reason": reason}, "reason", max_length=5000, required=True)
    issues = judge_lines(by, _document_lines(doc))
    if discount is None:
        discount = max((i.discount for i in issues if i.kind == OVER_AUTHORITY), default=ZERO)
    discount = _decimal(
        {"discount": discount}, "discount", required=True, max_digits=5, maximum=Decimal("100")
    )
    if below_floor is None:
        below_floor = any(i.kind == UNDER_FLOOR for i in issues)
    if not isinstance(below_floor, bool):
        raise ValidationFailed({"below_floor": _("Enter true or false.")})
    own = authority_of(by)
    if own.covers(discount, below_floor):
        raise ValidationFailed(
            {"discount": _("This is within your own authority (%(limit)s %%); no approval is needed.")
             % {"limit": own.max_discount}}
        )  # fmt: skip
    content_type = ContentType.objects.get_for_model(type(doc))
    pending = PriceApproval.objects.select_for_update().filter(
        content_type=content_type, object_id=doc.pk, requested_by=by, status=S.PENDING
    )
    if pending.exists():
        raise DomainError(
            "already_pending", _("You already have a pending price approval request for this document.")
        )
    return PriceApproval.objects.create(
        content_type=content_type,
        object_id=doc.pk,
        discount=discount,
        below_floor=below_floor,
        reason=reason,
        requested_by=by,
    )


def approval_for_update(*, approval_id: int, user) -> PriceApproval:
    """The approval, locked; 404 unless `user` may see its requester (X1) or decided it."""
    requesters = visible(get_user_model().objects, user).values("pk")
    qs = PriceApproval.objects.select_for_update(of=("self",)).filter(requested_by__in=requesters)
    return get_object_or_404(qs, pk=approval_id)


@transaction.atomic
def _decide(*, by, approval_id: int, approve: bool, note: str) -> PriceApproval:
    require(by, "catalog.decide_priceapproval")
    approval = approval_for_update(approval_id=approval_id, user=by)
    if approval.requested_by_id == by.pk:
        raise refusal("own_document")
    if approval.status != S.PENDING:
        raise refusal("invalid_transition", extra={"status": approval.status})
    authority = authority_of(by)
    if not authority.covers(approval.discount, approval.below_floor):
        raise DomainError(
            "over_authority",
            _(
                "This request goes beyond your own discount authority (%(limit)s %%); "
                "someone with a higher authority must decide it."
            )
            % {"limit": authority.max_discount},
            status=403,
        )  # fmt: skip
    note = _text({"note": note}, "note", max_length=5000, required=not approve)
    approval.status = S.APPROVED if approve else S.REJECTED
    approval.decided_by = by
    approval.decided_at = timezone.now()
    approval.decision_note = note
    approval.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return approval


def price_approval_decide(*, by, approval_id: int, approve: bool, note: str = "") -> PriceApproval:
    """Approve or reject a pending request (catalog.decide_priceapproval and an own authority
    covering the asked discount, else 403). A reason (`note`) is required to reject. The
    requester cannot decide their own request: 409 own_document, and the attempt is recorded as
    an own_approval audit signal (after the refused transaction rolled back)."""
    try:
        return _decide(by=by, approval_id=approval_id, approve=approve, note=note)
    except DomainError as exc:
        if exc.code == "own_document":
            approval = PriceApproval.objects.filter(pk=approval_id).first()
            record_signal(
                Signal.Kind.OWN_APPROVAL,
                by=by,
                doc=approval.document if approval is not None else None,
                detail=f"price approval #{approval_id}: tried to decide own request",
            )
        raise


@transaction.atomic
def price_approval_withdraw(*, by, approval_id: int) -> PriceApproval:
    """The requester takes back a pending request."""
    require(by, "catalog.add_priceapproval")
    approval = approval_for_update(approval_id=approval_id, user=by)
    if approval.requested_by_id != by.pk:
        raise refusal("not_permitted", status=403)
    if approval.status != S.PENDING:
        raise refusal("invalid_transition", extra={"status": approval.status})
    approval.status = S.WITHDRAWN
    approval.save(update_fields=["status"])
    return approval


@transaction.atomic
def discount_authority_update(
    *, by, role: str, max_discount, below_floor: bool | None = None
) -> DiscountAuthority:
    """Set how far `role` may go below the price on its own (director, administrator)."""
    require(by, "catalog.change_discountauthority")
    if role not in ROLES:
        raise ValidationFailed({"role": _("Select a valid choice.")})
    value = _decimal(
        {"max_discount": max_discount}, "max_discount", required=True, max_digits=5, maximum=Decimal("100")
    )
    if below_floor is not None and not isinstance(below_floor, bool):
        raise ValidationFailed({"below_floor": _("Enter true or false.")})
    row = DiscountAuthority.objects.select_for_update().filter(role=role).first()
    if row is None:
        row = DiscountAuthority(role=role)
    row.max_discount = value
    if below_floor is not None:
        row.below_floor = below_floor
    row.save()
    return row
