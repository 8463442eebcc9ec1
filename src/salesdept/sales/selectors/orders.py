"""Reads of sales orders (S4), from the scope rule (X1) like every read."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from ..filters_orders import OrderFilter
from ..models import SalesOrder

__all__ = ["order_get", "order_list"]


def order_list(*, user, filters=None) -> QuerySet[SalesOrder]:
    """Orders `user` may see, filtered and sorted (filters_orders), newest first."""
    require(user, "sales.view_salesorder")
    base = visible(SalesOrder.objects, user).select_related("customer", "owner", "contract")
    filterset = OrderFilter(filters if filters is not None else {}, queryset=base)
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    qs = filterset.qs
    if not (filters or {}).get("sort"):
        qs = qs.order_by("-ordered_on", "-pk")
    return qs


def order_get(*, user, order_id: int) -> SalesOrder:
    require(user, "sales.view_salesorder")
    qs = visible(SalesOrder.objects, user).select_related("customer", "owner", "contract", "prepared_by")
    return get_object_or_404(qs, pk=order_id)
