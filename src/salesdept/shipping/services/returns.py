"""Writes of returns 退货单 (F5): goods of a shipped shipment coming back.

Prepared by the clerk against one shipment (lines: which shipment lines, how much — never more
than shipped minus what was returned or is being returned on another live return), reviewed by
a second person (双人复核, core review). The approval receives the goods back through the
warehouse service — one posted return document (purpose customer return) whose source is this
return, into the location they left from, quality pending inspection (待检: not issued again
until the keeper inspects them; rejected goods go to quarantine), valued at the cost they left
with, so cost of goods sold is reversed in the ledger — and moves the returned quantity of the
shipment lines and, on the order lines, the quantity from shipped to returned (shipped is what
the customer kept), all in one transaction. The credit note for the returned goods is
billing's (from an approved return); an exchange is a new shipment of the order (what was
returned is open on the order line again). For a unique unit (an apartment 退房) the unit
becomes available again the same way.

Lock order: the return, then the sales order row (like shipments)."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.core import workflow
from salesdept.core.arithmetic import moved
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.events import log
from salesdept.core.numbering import next_number
from salesdept.core.permissions import require
from salesdept.sales.models import SalesOrder, SalesOrderLine
from salesdept.warehouse.models import DocumentKind, Purpose, Quality
from salesdept.warehouse.services import inputs
from salesdept.warehouse.services.documents import post_document

from ..models import (
    ReturnAuthorisation,
    ReturnLine,
    ReturnStatus,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from .facts import record_returned

__all__ = [
    "return_allowed_actions",
    "return_approve",
    "return_cancel",
    "return_create",
    "return_for_update",
    "return_reject",
    "return_submit",
    "returnable_quantities",
]

ZERO = Decimal("0")
CENT = Decimal("0.01")
MILLI = Decimal("0.001")
LIVE = (ReturnStatus.DRAFT, ReturnStatus.SUBMITTED)
RETURNABLE = (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)


def return_for_update(*, return_id: int, user) -> ReturnAuthorisation:
    return get_object_or_404(
        visible(ReturnAuthorisation.objects, user).select_for_update(of=("self",)), pk=return_id
    )


def return_allowed_actions(authorisation: ReturnAuthorisation, user) -> list[str]:
    if not (user.is_active and user.has_perm("shipping.view_returnauthorisation")):
        return []
    return workflow.allowed_actions(authorisation, user)


def returnable_quantities(shipment_id: int, *, exclude_return: int | None = None) -> dict[int, Decimal]:
    """Per shipment line: shipped − returned − what other live returns hold (one query)."""
    live = Q(return_lines__authorisation__status__in=LIVE)
    if exclude_return is not None:
        live &= ~Q(return_lines__authorisation_id=exclude_return)
    rows = (
        ShipmentLine.objects.filter(shipment_id=shipment_id)
        .annotate(held=Sum("return_lines__quantity", filter=live))
        .values_list("pk", "quantity", "returned_quantity", "held")
    )
    return {
        pk: quantity - returned - Decimal(str(held or 0)).quantize(MILLI)
        for pk, quantity, returned, held in rows
    }


def _money(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def _lines(authorisation: ReturnAuthorisation, shipment: Shipment, rows) -> list[ReturnLine]:
    if not isinstance(rows, list) or not rows:
        raise ValidationFailed({"lines": _("Add at least one line to return.")})
    shipment_lines = {line.pk: line for line in shipment.lines.select_related("product")}
    free = returnable_quantities(shipment.pk, exclude_return=authorisation.pk)
    errors: dict = {}
    lines, wanted = [], {}
    for index, row in enumerate(rows, start=1):
        p = f"lines.{index}"
        if not isinstance(row, dict):
            errors[p] = _("Enter a line.")
            continue
        try:
            line_id = inputs.ident(row.get("shipment_line"), f"{p}.shipment_line")
            quantity = inputs.decimal(row.get("quantity"), f"{p}.quantity", positive=True)
        except ValidationFailed as exc:
            errors.update(exc.fields)
            continue
        line = shipment_lines.get(line_id)
        if line is None:
            errors[f"{p}.shipment_line"] = _("Choose a line of this shipment.")
            continue
        wanted[line.pk] = wanted.get(line.pk, ZERO) + quantity
        if wanted[line.pk] > free.get(line.pk, ZERO):
            errors[f"{p}.quantity"] = _(
                "Line %(pos)s: at most %(free)s of %(product)s can still be returned."
            ) % {"pos": index, "free": free.get(line.pk, ZERO).normalize(), "product": line.product.name}
            continue
        lines.append(
            ReturnLine(
                authorisation=authorisation,
                position=index,
                shipment_line=line,
                quantity=quantity,
                amount=_money(quantity * line.unit_price),
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return lines


@transaction.atomic
def return_create(*, by, shipment_id: int, data: dict) -> ReturnAuthorisation:
    """A draft return of a shipped (or delivered) shipment `by` can see: `reason` (required) and
    `lines` [{shipment_line, quantity}]."""
    require(by, "shipping.add_returnauthorisation")
    shipment = get_object_or_404(
        visible(Shipment.objects, by).select_for_update(of=("self",)), pk=shipment_id
    )
    if shipment.status not in RETURNABLE:
        raise DomainError("not_shipped", _("Only goods of a shipped shipment can be returned."))
    reason = (data.get("reason") or "").strip() if isinstance(data.get("reason", ""), str) else ""
    if not reason:
        raise ValidationFailed({"reason": _("Say why the goods come back.")})
    authorisation = ReturnAuthorisation(
        number=next_number(ReturnAuthorisation.NUMBER_PREFIX),
        shipment=shipment,
        order_id=shipment.order_id,
        customer_id=shipment.customer_id,
        reason=reason[:5000],
        prepared_by=by,
    )
    lines = _lines(authorisation, shipment, data.get("lines"))
    authorisation.amount = sum((line.amount for line in lines), ZERO)
    authorisation.save()
    ReturnLine.objects.bulk_create(lines)
    log(authorisation, "create", by=by)
    return authorisation


@transaction.atomic
def return_submit(*, by, return_id: int, note: str = "") -> ReturnAuthorisation:
    require(by, "shipping.change_returnauthorisation")
    authorisation = return_for_update(return_id=return_id, user=by)
    workflow.apply(authorisation, "submit", by=by, note=note)
    return authorisation


def _receive(authorisation: ReturnAuthorisation, *, by) -> None:
    """Post the goods back (pending inspection, at the cost they left with) and move the
    returned quantities of the shipment lines and the order lines."""
    order = SalesOrder.objects.select_for_update(of=("self",)).get(pk=authorisation.order_id)
    lines = list(authorisation.lines.select_related("shipment_line__product").order_by("position", "pk"))
    free = returnable_quantities(authorisation.shipment_id, exclude_return=authorisation.pk)
    for line in lines:
        if line.quantity > free.get(line.shipment_line_id, ZERO):
            raise DomainError(
                "over_return",
                _("Line %(pos)s: more than what is still returnable of this shipment line.")
                % {"pos": line.position},
            )
    today = timezone.localdate()
    data = {
        "kind": DocumentKind.RETURN,
        "purpose": Purpose.CUSTOMER_RETURN,
        "warehouse": authorisation.shipment.warehouse_id,
        "customer": authorisation.customer_id,
        "moved_on": today.isoformat(),
        "reference": authorisation.number,
        "lines": [
            {
                "product": line.shipment_line.product_id,
                "quantity": str(line.quantity),
                "location": line.shipment_line.location_id,
                "lot": line.shipment_line.lot,
                "quality": Quality.PENDING,
                # back at the cost it left with: cost of goods sold is reversed exactly
                "unit_cost": str(_money(line.shipment_line.cost / line.shipment_line.quantity)),
            }
            for line in lines
        ],
    }
    document = post_document(by=by, data=data, source=authorisation)
    for line in lines:
        ShipmentLine.objects.filter(pk=line.shipment_line_id).update(
            returned_quantity=moved(ShipmentLine, "returned_quantity", line.quantity)
        )
        if line.shipment_line.order_line_id:
            SalesOrderLine.objects.filter(pk=line.shipment_line.order_line_id, order=order).update(
                shipped_quantity=moved(SalesOrderLine, "shipped_quantity", -line.quantity),
                returned_quantity=moved(SalesOrderLine, "returned_quantity", line.quantity),
            )
    authorisation.stock_document = document
    authorisation.received_on = today
    record_returned(authorisation, order)


@transaction.atomic
def return_approve(*, by, return_id: int, note: str = "") -> ReturnAuthorisation:
    """Approve a submitted return (never by its preparer); the last approval receives the goods."""
    authorisation = return_for_update(return_id=return_id, user=by)
    if workflow.apply(authorisation, "approve", by=by, note=note):
        authorisation.shipment = Shipment.objects.get(pk=authorisation.shipment_id)
        _receive(authorisation, by=by)
        authorisation.version += 1
        authorisation.save(update_fields=["stock_document", "received_on", "version", "updated_at"])
    return authorisation


@transaction.atomic
def return_reject(*, by, return_id: int, note: str = "") -> ReturnAuthorisation:
    authorisation = return_for_update(return_id=return_id, user=by)
    workflow.apply(authorisation, "reject", by=by, note=note)
    return authorisation


@transaction.atomic
def return_cancel(*, by, return_id: int, note: str = "") -> ReturnAuthorisation:
    require(by, "shipping.change_returnauthorisation")
    authorisation = return_for_update(return_id=return_id, user=by)
    workflow.apply(authorisation, "cancel", by=by, note=note)
    return authorisation
