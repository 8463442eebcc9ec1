"""Writes of shipments 发货单 (F1): prepared by the clerk from a confirmed sales order, submitted
(the stock of every line is reserved, I5), approved by a second person (双人复核, core review —
the preparer never, nobody exempt): the approval issues the stock through the warehouse service
(one posted issue for the order lines, purpose "sale", and one for the gifts 随车赠品, purpose
"gift"), records each line's cost and moves the order lines' shipped quantity, all in one
transaction. Delivery is confirmed afterwards with the date and the receiver.

Fields of `data` (create and update; on update only the fields given change, `lines` replaces
all lines):
    warehouse        id of an active warehouse (default: the only active one)
    method           own | carrier | pickup (提车); default own
    promised_on      promised delivery date; default the order's delivery date, else today
    carrier          required when method = carrier
    tracking_number, ship_to (default the customer's address), notes
    lines            [{order_line, quantity, location, lot, product?}] and gift lines
                     [{is_gift: true, product, quantity, location, lot?}]; omitted on create:
                     every open order line for what is still open, from the stock free there

I6 — shipped ≤ ordered: every write that adds or grows a line locks the SalesOrder row (after
the shipment row: a fixed order) and compares each order line's open quantity — ordered − shipped
− what other live (draft or submitted) shipments hold — with what this shipment wants (409
over_shipping naming the line)."""

import copy
import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.core import workflow
from salesdept.core.arithmetic import moved
from salesdept.core.audit import save_changed
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.events import log
from salesdept.core.permissions import require
from salesdept.sales.models import OrderStatus, SalesOrder, SalesOrderLine
from salesdept.warehouse.ledger import Hold, release, reserve
from salesdept.warehouse.models import DocumentKind, Purpose, Quality, StockDocumentLine
from salesdept.warehouse.services import inputs
from salesdept.warehouse.services.documents import post_document

from ..models import Shipment, ShipmentLine, ShipmentStatus
from .facts import record_shipped
from .shipment_input import LIVE, Errors, open_quantities, refuse_over_shipping, suggest_sources, write

__all__ = [
    "LIVE",
    "open_quantities",
    "shipment_allowed_actions",
    "shipment_approve",
    "shipment_cancel",
    "shipment_create",
    "shipment_deliver",
    "shipment_for_update",
    "shipment_reject",
    "shipment_submit",
    "shipment_update",
    "suggest_sources",
]

ZERO = Decimal("0")

# --- reading and locking ---------------------------------------------------------------------


def shipment_for_update(*, shipment_id: int, user) -> Shipment:
    """The shipment `user` may see, locked for this transaction (404 otherwise)."""
    return get_object_or_404(
        visible(Shipment.objects, user).select_for_update(of=("self",)).select_related("warehouse"),
        pk=shipment_id,
    )


def _lock_order(order_id: int, *, visible_to=None) -> SalesOrder:
    """The sales order row, locked: every change of its lines' shipped quantity queues here.
    With `visible_to`, an order that user may not see is a 404."""
    orders = SalesOrder.objects if visible_to is None else visible(SalesOrder.objects, visible_to)
    return get_object_or_404(orders.select_for_update(of=("self",)).select_related("customer"), pk=order_id)


def shipment_allowed_actions(shipment: Shipment, user) -> list[str]:
    """What `user` may do next: `edit` (drafts), submit, approve, reject, cancel, deliver."""
    if not (user.is_active and user.has_perm("shipping.view_shipment")):
        return []
    actions = workflow.allowed_actions(shipment, user)
    if shipment.status in shipment.EDITABLE_STATES and user.has_perm("shipping.change_shipment"):
        actions.insert(0, "edit")
    return actions


def _confirmed_order(order: SalesOrder) -> None:
    if order.status != OrderStatus.CONFIRMED:
        raise DomainError("order_not_confirmed", _("Only a confirmed order is shipped."))


# --- create, edit ----------------------------------------------------------------------------


@transaction.atomic
def shipment_create(*, by, order_id: int, data: dict | None = None) -> Shipment:
    """A draft shipment of the confirmed order `order_id` (visible to `by`); see the module
    docstring for the fields of `data`."""
    require(by, "shipping.add_shipment")
    order = _lock_order(order_id, visible_to=by)  # 404 for an order not seen
    _confirmed_order(order)
    shipment = Shipment(order=order, customer=order.customer, prepared_by=by)
    write(shipment, order, data if data is not None else {}, creating=True)
    log(shipment, "create", by=by, note=order.number)
    return shipment


@transaction.atomic
def shipment_update(*, by, shipment_id: int, data: dict, version: int | None = None) -> Shipment:
    """Change a draft: the header fields given and, when `lines` is given, all its lines. A stale
    `version` answers 409 stale_version and changes nothing."""
    require(by, "shipping.change_shipment")
    shipment = shipment_for_update(shipment_id=shipment_id, user=by)
    order = _lock_order(shipment.order_id)
    workflow.check_editable(shipment, by=by, version=version)
    write(shipment, order, data, creating=False)
    log(shipment, "edit", by=by)
    return shipment


# --- review ----------------------------------------------------------------------------------


def _holds(lines) -> list[Hold]:
    return [
        Hold(line.position, line.product_id, line.location_id, line.lot, Quality.ACCEPTED, line.quantity)
        for line in lines
    ]


@transaction.atomic
def shipment_submit(*, by, shipment_id: int, note: str = "") -> Shipment:
    """Submit a draft for the second person's review: the stock of every line is reserved for it
    (refused, 409 insufficient_stock naming the line, when it is not free), and the order lines
    must still be open for what it ships (409 over_shipping)."""
    require(by, "shipping.change_shipment")
    shipment = shipment_for_update(shipment_id=shipment_id, user=by)
    order = _lock_order(shipment.order_id)
    lines = list(shipment.lines.select_related("product", "order_line", "location"))
    if shipment.status == ShipmentStatus.DRAFT:
        _confirmed_order(order)
        for line in lines:
            if not line.location.is_active:
                raise ValidationFailed({f"lines.{line.position}.location": _("Choose an active location.")})
        refuse_over_shipping(lines, open_quantities(order.pk, exclude_shipment=shipment.pk))
    workflow.apply(shipment, "submit", by=by, note=note)
    reserve(shipment, _holds(lines), by=by)
    return shipment


def _issue_data(shipment: Shipment, lines: list[ShipmentLine], purpose: str, today) -> dict:
    return {
        "kind": DocumentKind.ISSUE,
        "purpose": purpose,
        "warehouse": shipment.warehouse_id,
        "moved_on": today,
        "customer": shipment.customer_id,
        "reference": shipment.number,
        "notes": str(_("Shipment %(number)s") % {"number": shipment.number}),
        "lines": [
            {
                "product": line.product_id,
                "quantity": line.quantity,
                "location": line.location_id,
                "lot": line.lot,
                "quality": Quality.ACCEPTED,
            }
            for line in lines
        ],
    }


def _ship(shipment: Shipment, order: SalesOrder, *, by, today: datetime.date) -> None:
    """Issue the stock of the approved shipment (its reservation released first), record the
    lines' cost and move the order lines' shipped quantity (the order row locked)."""
    lines = list(shipment.lines.select_related("product", "order_line").order_by("position", "pk"))
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.order_line_id:
            wanted[line.order_line_id] += line.quantity
    open_now = order.lines.values_list("pk", "quantity", "shipped_quantity")
    refuse_over_shipping(lines, {pk: ordered - shipped for pk, ordered, shipped in open_now})
    release(shipment)  # what it held, it now takes
    first = None
    for purpose, group in (
        (Purpose.SALE, [line for line in lines if not line.is_gift]),
        (Purpose.GIFT, [line for line in lines if line.is_gift]),
    ):
        if not group:
            continue
        document = post_document(by=by, data=_issue_data(shipment, group, purpose, today), source=shipment)
        first = first or document
        values = dict(StockDocumentLine.objects.filter(document=document).values_list("position", "value"))
        for index, line in enumerate(group, start=1):
            line.cost = values.get(index, ZERO)
        ShipmentLine.objects.bulk_update(group, ["cost"])
    before = copy.copy(shipment)  # as read under the lock: the audit entry's "before"
    shipment.stock_document = first
    shipment.version += 1
    save_changed(shipment, before, ["stock_document", "version", "updated_at"])
    SalesOrderLine.objects.filter(pk__in=list(wanted)).update(
        shipped_quantity=moved(
            SalesOrderLine,
            "shipped_quantity",
            Case(
                *(When(pk=pk, then=Value(quantity)) for pk, quantity in wanted.items()),
                default=Value(ZERO),
                output_field=SalesOrderLine._meta.get_field("shipped_quantity"),
            ),
        )
    )


@transaction.atomic
def shipment_approve(*, by, shipment_id: int, note: str = "", on: datetime.date | None = None) -> Shipment:
    """Approve a submitted shipment — never by its preparer (core review); the last approval
    ships it: the stock is issued (warehouse posting, cost of goods to the ledger there), the
    lines' cost recorded and the order lines' shipped quantity moved, in this transaction.
    `on`: the day it left (default today; never later) — for loading history such as the demo;
    pages and the API ship today."""
    shipment = shipment_for_update(shipment_id=shipment_id, user=by)
    order = _lock_order(shipment.order_id)
    today = min(on or timezone.localdate(), timezone.localdate())
    if workflow.apply(shipment, "approve", by=by, note=note, also={"shipped_on": today}):
        _confirmed_order(order)
        _ship(shipment, order, by=by, today=today)
        record_shipped(shipment, order)
    return shipment


@transaction.atomic
def shipment_reject(*, by, shipment_id: int, note: str = "") -> Shipment:
    """Send a submitted shipment back to draft with a reason; its stock is free again."""
    shipment = shipment_for_update(shipment_id=shipment_id, user=by)
    workflow.apply(shipment, "reject", by=by, note=note)
    release(shipment)
    return shipment


@transaction.atomic
def shipment_cancel(*, by, shipment_id: int, note: str = "") -> Shipment:
    """Cancel a draft or submitted shipment; what it held (stock, order quantities) is free."""
    require(by, "shipping.change_shipment")
    shipment = shipment_for_update(shipment_id=shipment_id, user=by)
    workflow.apply(shipment, "cancel", by=by, note=note)
    release(shipment)
    return shipment


@transaction.atomic
def shipment_deliver(
    *, by, shipment_id: int, delivered_on=None, received_by=None, note: str = ""
) -> Shipment:
    """Confirm the delivery of a shipped shipment: the date (not in the future, not before it was
    shipped) and who received it."""
    require(by, "shipping.deliver_shipment")
    shipment = shipment_for_update(shipment_id=shipment_id, user=by)
    if shipment.status != ShipmentStatus.SHIPPED:
        workflow.apply(shipment, "deliver", by=by)  # raises the workflow's refusal
    errors = Errors()
    day = errors.run(inputs.date, delivered_on, "delivered_on")
    receiver = errors.run(
        inputs.text, {"received_by": received_by}, "received_by", max_length=100, required=True
    )
    if day is not None:
        if day > timezone.localdate():
            errors.add("delivered_on", _("The delivery date cannot be in the future."))
        elif shipment.shipped_on and day < shipment.shipped_on:
            errors.add("delivered_on", _("The delivery date cannot be before the shipment left."))
    errors.raise_any()
    workflow.apply(
        shipment,
        "deliver",
        by=by,
        note=note,
        also={"delivered_on": day, "received_by": receiver, "version": shipment.version + 1},
    )
    return shipment
