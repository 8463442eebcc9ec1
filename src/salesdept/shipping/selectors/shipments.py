"""Reads of shipments (F1), from the scope rule (X1) like every read: the list (filters_shipments),
one shipment with its lines and history, the late shipments, and what is still open on each
line of an order (for the shipment form and the API)."""

from decimal import Decimal

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require
from salesdept.sales.models import SalesOrder

from ..filters_shipments import ShipmentFilter, late_q
from ..models import Shipment, ShipmentLine
from ..services.shipments import open_quantities

__all__ = ["late_shipments", "open_lines", "shipment_get", "shipment_lines", "shipment_list"]

RELATED = ("customer", "order", "warehouse", "prepared_by")


def shipment_list(*, user, filters=None) -> QuerySet[Shipment]:
    """Shipments `user` may see, filtered and sorted, latest promised date first."""
    require(user, "shipping.view_shipment")
    base = visible(Shipment.objects, user).select_related(*RELATED)
    filterset = ShipmentFilter(filters if filters is not None else {}, queryset=base)
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    qs = filterset.qs
    if not (filters or {}).get("sort"):
        qs = qs.order_by("-promised_on", "-pk")
    return qs


def late_shipments(*, user, today=None, filters=None) -> QuerySet[Shipment]:
    """Shipments past their promised date and not delivered (draft, submitted or shipped),
    the longest overdue first."""
    qs = shipment_list(user=user, filters=filters).filter(late_q(today or timezone.localdate()))
    if not (filters or {}).get("sort"):
        qs = qs.order_by("promised_on", "pk")
    return qs


def shipment_get(*, user, shipment_id: int) -> Shipment:
    require(user, "shipping.view_shipment")
    qs = visible(Shipment.objects, user).select_related(*RELATED, "order__owner", "stock_document")
    return get_object_or_404(qs, pk=shipment_id)


def shipment_lines(shipment: Shipment) -> list[ShipmentLine]:
    return list(shipment.lines.select_related("product", "location", "order_line").order_by("position", "pk"))


def open_lines(*, user, order_id: int, exclude_shipment: int | None = None) -> tuple[SalesOrder, list[dict]]:
    """The order (visible to `user`) and, per line: ordered, shipped, held by shipments being
    prepared (draft, submitted), and open = ordered − shipped − held."""
    require(user, "shipping.view_shipment")
    order = get_object_or_404(visible(SalesOrder.objects, user).select_related("customer"), pk=order_id)
    open_ = open_quantities(order.pk, exclude_shipment=exclude_shipment)
    rows = []
    for line in order.lines.select_related("product").order_by("position", "pk"):
        left = open_.get(line.pk, Decimal("0"))
        rows.append(
            {
                "line": line,
                "order_line": line.pk,
                "position": line.position,
                "product_id": line.product_id,
                "product_code": line.product.code,
                "product_name": line.product.name,
                "product_kind": line.product.kind,
                "uom": line.product.uom,
                "unit_price": line.unit_price,
                "ordered": line.quantity,
                "shipped": line.shipped_quantity,
                "held": line.quantity - line.shipped_quantity - left,
                "open": max(left, Decimal("0")),
            }
        )
    return order, rows
