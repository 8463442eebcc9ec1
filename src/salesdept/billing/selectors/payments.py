"""Reads of payments (F3) and collection tasks, from the scope rule (X1) like every read."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from ..filters_payments import CollectionTaskFilter, PaymentFilter
from ..models import Allocation, CollectionTask, Payment

__all__ = ["collection_task_list", "payment_allocations", "payment_get", "payment_list"]


def _filtered(filterset) -> QuerySet:
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def payment_list(*, user, filters=None) -> QuerySet[Payment]:
    """Payments of the customers `user` may see, filtered and sorted (filters_payments)."""
    require(user, "billing.view_payment")
    base = visible(Payment.objects, user).select_related("customer", "customer__owner", "recorded_by")
    qs = _filtered(PaymentFilter(filters if filters is not None else {}, queryset=base))
    if not (filters or {}).get("sort"):
        qs = qs.order_by("-received_on", "-pk")
    return qs


def payment_get(*, user, payment_id: int) -> Payment:
    require(user, "billing.view_payment")
    qs = visible(Payment.objects, user).select_related("customer", "recorded_by")
    return get_object_or_404(qs, pk=payment_id)


def payment_allocations(payment: Payment) -> list[Allocation]:
    return list(payment.allocations.select_related("invoice", "created_by").order_by("pk"))


def collection_task_list(*, user, filters=None) -> QuerySet[CollectionTask]:
    """Collection tasks in `user`'s scope (own: assigned to them; team; all). `mine=1` keeps
    those assigned or escalated to the user."""
    require(user, "billing.view_collectiontask")
    filters = filters if filters is not None else {}
    base = visible(CollectionTask.objects, user)
    if filters.get("mine") in ("1", "true", "on", True):
        base = base.filter(Q(assigned_to=user) | Q(escalated_to=user))
    base = base.select_related("invoice", "customer", "assigned_to", "escalated_to")
    qs = _filtered(CollectionTaskFilter(filters, queryset=base))
    if not filters.get("sort"):
        qs = qs.order_by("due_on", "pk")
    return qs
