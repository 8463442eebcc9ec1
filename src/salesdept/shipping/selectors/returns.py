"""Reads of returns 退货单 (F5), from the scope rule (X1): the list, one return with its lines,
and what can still be returned of each line of a shipment (for the form and the API)."""

from decimal import Decimal

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from ..models import ReturnAuthorisation, ReturnLine, ReturnStatus, Shipment
from ..services.returns import returnable_quantities

__all__ = ["return_get", "return_lines", "return_list", "returnable_lines"]

RELATED = ("customer", "order", "shipment", "prepared_by")
SORTS = {"number", "created_at", "amount", "status", "received_on"}


def return_list(*, user, filters: dict | None = None) -> QuerySet[ReturnAuthorisation]:
    """Returns `user` may see, newest first; filters: q (number, shipment, order, customer),
    status, customer, shipment, sort."""
    require(user, "shipping.view_returnauthorisation")
    filters = filters or {}
    qs = visible(ReturnAuthorisation.objects, user).select_related(*RELATED)
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(shipment__number__icontains=q)
            | Q(order__number__icontains=q)
            | Q(customer__name__icontains=q)
        )
    if status := filters.get("status"):
        if status not in ReturnStatus.values:
            raise ValidationFailed({"status": _("Select a valid choice.")})
        qs = qs.filter(status=status)
    for name in ("customer", "shipment"):
        if value := filters.get(name):
            qs = qs.filter(**{f"{name}_id": value})
    sort = filters.get("sort") or "-created_at"
    if sort.lstrip("-") not in SORTS:
        sort = "-created_at"
    return qs.order_by(sort, "-pk")


def return_get(*, user, return_id: int) -> ReturnAuthorisation:
    require(user, "shipping.view_returnauthorisation")
    qs = visible(ReturnAuthorisation.objects, user).select_related(*RELATED, "stock_document")
    return get_object_or_404(qs, pk=return_id)


def return_lines(authorisation: ReturnAuthorisation) -> list[ReturnLine]:
    return list(
        authorisation.lines.select_related("shipment_line__product", "shipment_line__location").order_by(
            "position", "pk"
        )
    )


def returnable_lines(*, user, shipment_id: int) -> tuple[Shipment, list[dict]]:
    """The shipment (visible to `user`) and, per line: shipped, returned, and what can still be
    returned (not held by another return being prepared)."""
    require(user, "shipping.view_returnauthorisation")
    shipment = get_object_or_404(
        visible(Shipment.objects, user).select_related("customer", "order"), pk=shipment_id
    )
    free = returnable_quantities(shipment.pk)
    rows = []
    for line in shipment.lines.select_related("product").order_by("position", "pk"):
        rows.append(
            {
                "line": line,
                "shipment_line": line.pk,
                "position": line.position,
                "product_code": line.product.code,
                "product_name": line.product.name,
                "uom": line.product.uom,
                "is_gift": line.is_gift,
                "shipped": line.quantity,
                "returned": line.returned_quantity,
                "returnable": max(free.get(line.pk, Decimal("0")), Decimal("0")),
            }
        )
    return shipment, rows
