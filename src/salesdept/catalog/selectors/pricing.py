"""Reads of the price policy (S1): price approvals 事前请示 and the discount authority table."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from ..models import DiscountAuthority, PriceApproval
from ..pricing import authority_of

__all__ = [
    "approval_get",
    "approval_list",
    "approvals_to_decide",
    "discount_authority_list",
    "my_approval_requests",
]

S = PriceApproval.Status


def _base() -> QuerySet:
    return PriceApproval.objects.select_related(
        "requested_by", "decided_by", "content_type"
    ).prefetch_related("document")


def _readable(user) -> QuerySet:
    """Approvals whose requester `user` may see (X1), and those `user` decided."""
    requesters = visible(get_user_model().objects, user).values("pk")
    return _base().filter(Q(requested_by__in=requesters) | Q(decided_by=user.pk))


def approvals_to_decide(user) -> QuerySet:
    """Pending requests waiting for `user`'s decision: someone else's, whose requester `user`
    may see and whose discount (and floor) `user`'s own authority covers."""
    if not (user.is_active and user.has_perm("catalog.decide_priceapproval")):
        return PriceApproval.objects.none()
    authority = authority_of(user)
    requesters = visible(get_user_model().objects, user).values("pk")
    qs = (
        _base()
        .filter(status=S.PENDING, requested_by__in=requesters, discount__lte=authority.max_discount)
        .exclude(requested_by=user.pk)
    )
    if not authority.below_floor:
        qs = qs.filter(below_floor=False)
    return qs.order_by("requested_at", "pk")


def my_approval_requests(user) -> QuerySet:
    return _base().filter(requested_by=user.pk)


def approval_list(*, user, filters=None) -> QuerySet:
    """Approvals `user` may read. filters: status, mine (requests by `user`), to_decide (waiting
    for `user`), document_type + document_id."""
    require(user, "catalog.view_priceapproval")
    filters = filters or {}
    if _truthy(filters.get("to_decide")):
        qs = approvals_to_decide(user)
    elif _truthy(filters.get("mine")):
        qs = my_approval_requests(user)
    else:
        qs = _readable(user)
    if status := filters.get("status"):
        if status not in S.values:
            raise ValidationFailed({"status": "Select a valid choice."})
        qs = qs.filter(status=status)
    if model := filters.get("document_type"):
        qs = qs.filter(content_type__model=model)
    if doc_id := filters.get("document_id"):
        qs = qs.filter(object_id=doc_id)
    return qs


def _truthy(value) -> bool:
    return value in (True, "1", "true", "on", "yes")


def approval_get(*, user, approval_id: int) -> PriceApproval:
    require(user, "catalog.view_priceapproval")
    return get_object_or_404(_readable(user), pk=approval_id)


def discount_authority_list(*, user) -> QuerySet:
    require(user, "catalog.view_discountauthority")
    return DiscountAuthority.objects.all()
