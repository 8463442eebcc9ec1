"""Writes of sales orders (S4): from a signed contract's delivery schedule (one contract, several
orders), from an accepted quotation, or direct for a small sale; confirmed (price policy for the
lines that no contract approved, the credit hook) or cancelled.

I6 — ordered ≤ contracted: every write that adds or grows an order line of a contract (create,
update, confirm) locks the contract row first and then compares, in one query, each contract
line's quantity with the sum of its non-cancelled order lines (drafts included), refusing with
409 `over_contract` naming the line. The contract row always exists, so on PostgreSQL two
people ordering the last units at once queue on it and exactly one of them wins."""

import copy
import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import is_visible, visible
from salesdept.catalog.models import Channel
from salesdept.catalog.pricing import (
    PriceApprovalNeeded,
    covering_approval,
    judge_lines,
    record_price_signals,
)
from salesdept.catalog.selectors.products import region_chain
from salesdept.core import workflow
from salesdept.core.audit import save_changed
from salesdept.core.errors import DomainError, ValidationFailed, refusal
from salesdept.core.events import log
from salesdept.core.models import DocumentEvent
from salesdept.core.numbering import next_number
from salesdept.core.permissions import require
from salesdept.ledger.selectors.balances import customer_receivable

from ..lines import copy_line, line_amount
from ..models import (
    Contract,
    ContractLine,
    ContractStatus,
    DeliverySchedule,
    OrderStatus,
    Quotation,
    SalesOrder,
    SalesOrderLine,
)
from .contracts import _date, _decimal, _text, build_line, customer_for
from .facts import record_order_cancelled, record_order_confirmed

__all__ = [
    "credit_check",
    "order_allowed_actions",
    "order_cancel",
    "order_confirm",
    "order_create",
    "order_create_from_contract",
    "order_create_from_quotation",
    "order_for_update",
    "order_update",
    "over_contract_lines",
]

ZERO = Value(0, output_field=SalesOrderLine._meta.get_field("quantity"))
EDITABLE = {"wanted_on", "ordered_on", "notes", "channel"}


def credit_check(order: SalesOrder) -> None:
    """The credit hook of order confirmation (F3, 信用额度). Runs inside order_confirm's
    transaction, after the order row is locked.

    When the customer has a credit limit and its exposure — the receivable balance in the
    ledger (1122) less its unallocated credit (2203): `ledger.selectors.balances.customer_receivable`
    — plus this order's total exceeds the limit, the order is refused with 409 `credit_limit`
    naming the figures, unless someone with billing.override_credit_limit (finance, director)
    approved an override for it (billing.services.collections.credit_override_approve logs a
    "credit_override" event on the order) and nobody edited the order since."""
    limit = order.customer.credit_limit
    if limit is None:
        return
    exposure = customer_receivable(order.customer_id)
    if exposure + order.total_amount <= limit:
        return
    events = DocumentEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(SalesOrder), object_id=order.pk
    )
    override = events.filter(action="credit_override").order_by("-pk").values_list("pk", flat=True).first()
    if override is not None and not events.filter(action="edit", pk__gt=override).exists():
        return
    raise DomainError(
        "credit_limit",
        _(
            "%(customer)s would owe %(total)s (receivable %(receivable)s + this order %(order)s), "
            "over its credit limit of %(limit)s. Ask finance to approve a credit override."
        )
        % {
            "customer": order.customer.name,
            "total": exposure + order.total_amount,
            "receivable": exposure,
            "order": order.total_amount,
            "limit": limit,
        },
        extra={
            "credit_limit": str(limit),
            "receivable": str(exposure),
            "order_total": str(order.total_amount),
        },
    )


def order_for_update(*, order_id: int, user) -> SalesOrder:
    return get_object_or_404(
        visible(SalesOrder.objects, user).select_for_update(of=("self",)).select_related("customer"),
        pk=order_id,
    )


def order_allowed_actions(order: SalesOrder, user) -> list[str]:
    if not (user.is_active and user.has_perm("sales.view_salesorder")):
        return []
    actions = workflow.allowed_actions(order, user)
    if order.status == OrderStatus.DRAFT and user.has_perm("sales.change_salesorder"):
        actions.insert(0, "edit")
    return actions


# --- I6: ordered ≤ contracted ----------------------------------------------------------------


def over_contract_lines(contract_id: int):
    """Lines of the contract whose non-cancelled order lines add up to more than contracted
    (one query)."""
    live = ~Q(order_lines__order__status=OrderStatus.CANCELLED)
    return (
        ContractLine.objects.filter(contract_id=contract_id)
        .annotate(ordered=Coalesce(Sum("order_lines__quantity", filter=live), ZERO))
        .filter(ordered__gt=F("quantity"))
        .select_related("product")
        .order_by("position", "pk")
    )


def _refuse_over_contract(contract_id: int) -> None:
    line = over_contract_lines(contract_id).first()
    if line is not None:
        raise DomainError(
            "over_contract",
            _(
                "Line %(pos)s (%(product)s): %(ordered)s would be ordered, the contract allows %(qty)s. "
                "Amend the contract to order more."
            )
            % {
                "pos": line.position,
                "product": line.product.name,
                "ordered": line.ordered,
                "qty": line.quantity,
            },
            fields={"lines": _("Line %(pos)s is over the contract.") % {"pos": line.position}},
            extra={"contract_line": line.pk, "ordered": str(line.ordered), "contracted": str(line.quantity)},
        )


def _lock_signed_contract(contract_id: int, by) -> Contract:
    contract = get_object_or_404(
        visible(Contract.objects, by).select_for_update(of=("self",)).select_related("customer"),
        pk=contract_id,
    )
    if contract.status != ContractStatus.SIGNED:
        raise DomainError("contract_not_signed", _("Orders are placed against signed contracts only."))
    return contract


# --- building lines --------------------------------------------------------------------------


def _contract_lines(order: SalesOrder, contract: Contract, rows: list) -> None:
    """Order lines from contract lines: rows of {contract_line_id, quantity, delivery_id?};
    prices as contracted."""
    if not isinstance(rows, list | tuple) or not rows:
        raise ValidationFailed({"lines": _("Choose at least one line to order.")})
    lines = {line.pk: line for line in contract.lines.all()}
    deliveries = {d.pk: d for d in contract.deliveries.all()}
    built = []
    for index, row in enumerate(rows, start=1):
        prefix = f"lines.{index}"
        if not isinstance(row, dict):
            raise ValidationFailed({prefix: _("Enter a line.")})
        delivery = None
        if row.get("delivery_id") not in (None, ""):
            delivery = deliveries.get(int(row["delivery_id"])) if str(row["delivery_id"]).isdigit() else None
            if delivery is None:
                raise ValidationFailed({f"{prefix}.delivery": _("Choose a delivery of this contract.")})
        line_id = row.get("contract_line_id") or (delivery.line_id if delivery else None)
        line = lines.get(int(line_id)) if str(line_id or "").isdigit() else None
        if line is None or (delivery is not None and delivery.line_id != line.pk):
            raise ValidationFailed({f"{prefix}.contract_line": _("Choose a line of this contract.")})
        quantity = row.get("quantity")
        if quantity in (None, "") and delivery is not None:
            quantity = delivery.quantity
        quantity = _decimal(quantity, f"{prefix}.quantity", positive=True)
        built.append(
            SalesOrderLine(
                order=order,
                contract_line=line,
                delivery=delivery,
                product_id=line.product_id,
                description=line.description,
                quantity=quantity,
                list_price=line.list_price,
                discount=line.discount,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                amount=line_amount(quantity, line.unit_price),
                position=index,
            )
        )
    order.lines.all().delete()
    SalesOrderLine.objects.bulk_create(built)


def _product_lines(order: SalesOrder, rows: list) -> None:
    if not isinstance(rows, list | tuple) or not rows:
        raise ValidationFailed({"lines": _("An order needs at least one line.")})
    current = {line.pk: line for line in order.lines.all()}
    chain = region_chain(order.customer.region_id)  # read once for every line's price
    built = []
    for index, row in enumerate(rows, start=1):
        existing = None
        if isinstance(row, dict) and str(row.get("id") or "").isdigit():
            existing = current.pop(int(row["id"]), None)
        built.append(
            build_line(
                SalesOrderLine,
                row,
                index=index,
                channel=order.channel,
                region=chain,
                existing=existing,
            )
        )
    SalesOrderLine.objects.filter(pk__in=list(current)).delete()
    for line in built:
        line.order = order
        line.save()


def _total(order: SalesOrder) -> None:
    before = copy.copy(order)  # the audit entry's "before", without auditlog reading the row again
    order.total_amount = order.lines.aggregate(t=Sum("amount"))["t"] or 0
    save_changed(order, before, ["total_amount", "updated_at"])


def _new_order(*, by, customer, owner, channel, ordered_on, wanted_on, notes, contract=None) -> SalesOrder:
    if channel not in Channel.values:
        raise ValidationFailed({"channel": _("Select a valid choice.")})
    ordered_on = _date(ordered_on, "ordered_on", required=False) or timezone.localdate()
    wanted_on = _date(wanted_on, "wanted_on", required=False)
    if wanted_on and wanted_on < ordered_on:
        raise ValidationFailed({"wanted_on": _("The delivery date cannot be before the order date.")})
    return SalesOrder.objects.create(
        number=next_number(SalesOrder.NUMBER_PREFIX),
        prepared_by=by,
        owner=owner,
        customer=customer,
        contract=contract,
        channel=channel,
        ordered_on=ordered_on,
        wanted_on=wanted_on,
        notes=_text({"notes": notes}, "notes", max_length=5000),
    )


# --- create ----------------------------------------------------------------------------------


@transaction.atomic
def order_create_from_contract(
    *,
    by,
    contract_id: int,
    delivery_ids: list | None = None,
    lines: list | None = None,
    ordered_on: datetime.date | None = None,
    wanted_on: datetime.date | None = None,
    notes: str = "",
) -> SalesOrder:
    """A draft order against a signed contract: the given planned deliveries (each for its
    planned quantity) or lines [{contract_line_id, quantity}]. Prices as contracted. Refused with
    409 over_contract when a line would be ordered beyond its contracted quantity."""
    require(by, "sales.add_salesorder")
    contract = _lock_signed_contract(contract_id, by)
    rows = list(lines or [])
    if delivery_ids:
        ids = [int(i) for i in delivery_ids if str(i).isdigit()]
        found = {d.pk: d for d in DeliverySchedule.objects.filter(contract=contract, pk__in=ids)}
        if len(found) != len(set(ids)) or len(ids) != len(delivery_ids):
            raise ValidationFailed({"deliveries": _("Choose deliveries of this contract.")})
        rows += [{"delivery_id": d.pk} for d in sorted(found.values(), key=lambda d: (d.planned_on, d.pk))]
        if wanted_on is None:
            wanted_on = min(d.planned_on for d in found.values())
    order = _new_order(
        by=by,
        customer=contract.customer,
        owner=contract.owner,
        channel=contract.channel,
        ordered_on=ordered_on,
        wanted_on=wanted_on,
        notes=notes,
        contract=contract,
    )
    _contract_lines(order, contract, rows)
    _total(order)
    _refuse_over_contract(contract.pk)
    log(order, "create", by=by, note=contract.number)
    return order


@transaction.atomic
def order_create(
    *,
    by,
    customer_id: int,
    lines: list,
    channel: str = Channel.DIRECT,
    ordered_on: datetime.date | None = None,
    wanted_on: datetime.date | None = None,
    notes: str = "",
) -> SalesOrder:
    """A direct order for a small sale, without a contract: lines of product_id, quantity,
    discount or unit_price. The price policy is checked when it is confirmed."""
    require(by, "sales.add_salesorder")
    customer = customer_for(by, customer_id)
    order = _new_order(
        by=by,
        customer=customer,
        owner=by,
        channel=channel,
        ordered_on=ordered_on,
        wanted_on=wanted_on,
        notes=notes,
    )
    _product_lines(order, lines)
    _total(order)
    if not is_visible(order, by):
        raise ValidationFailed({"customer": _("Choose a customer you can see.")})
    log(order, "create", by=by)
    return order


@transaction.atomic
def order_create_from_quotation(
    *, by, quotation_id: int, wanted_on: datetime.date | None = None
) -> SalesOrder:
    """A direct order from an accepted quotation (its lines and prices as quoted)."""
    require(by, "sales.add_salesorder")
    quotation = visible(Quotation.objects, by).filter(pk=quotation_id).select_related("customer").first()
    if quotation is None:
        raise ValidationFailed({"quotation": _("Choose a quotation you can see.")})
    if quotation.status != Quotation.Status.ACCEPTED:
        raise DomainError("quotation_not_accepted", _("Only an accepted quotation becomes an order."))
    order = _new_order(
        by=by,
        customer=quotation.customer,
        owner=quotation.owner,
        channel=quotation.channel,
        ordered_on=None,
        wanted_on=wanted_on,
        notes=str(_("From quotation %(number)s") % {"number": quotation.number}),
    )
    SalesOrderLine.objects.bulk_create(
        copy_line(SalesOrderLine, q, order=order, position=i)
        for i, q in enumerate(quotation.lines.order_by("position", "pk"), start=1)
    )
    _total(order)
    log(order, "create", by=by, note=quotation.number)
    return order


# --- edit ------------------------------------------------------------------------------------


def _lock_order_and_contract(order_id: int, by) -> tuple[SalesOrder, Contract | None]:
    """The order and its contract, locked contract first (the order's contract may move to an
    amendment meanwhile: then look again)."""
    for _attempt in range(3):
        peek = get_object_or_404(visible(SalesOrder.objects, by), pk=order_id)
        contract = None
        if peek.contract_id:
            contract = Contract.objects.select_for_update(of=("self",)).get(pk=peek.contract_id)
        order = order_for_update(order_id=order_id, user=by)
        if order.contract_id == peek.contract_id:
            return order, contract
    raise refusal("stale_version")


@transaction.atomic
def order_update(
    *, by, order_id: int, version: int | None = None, lines: list | None = None, **fields
) -> SalesOrder:
    """Change a draft order: wanted_on, ordered_on, notes, channel (direct orders) and, when
    given, the whole list of lines (contract orders: contract_line_id/delivery_id + quantity;
    direct orders: product lines). A stale `version` answers 409 stale_version."""
    require(by, "sales.change_salesorder")
    if unknown := set(fields) - EDITABLE:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})
    order, contract = _lock_order_and_contract(order_id, by)
    workflow.check_editable(order, by=by, version=version)
    if "notes" in fields:
        order.notes = _text(fields, "notes", max_length=5000)
    if "ordered_on" in fields:
        order.ordered_on = _date(fields["ordered_on"], "ordered_on")
    if "wanted_on" in fields:
        order.wanted_on = _date(fields["wanted_on"], "wanted_on", required=False)
    if order.wanted_on and order.wanted_on < order.ordered_on:
        raise ValidationFailed({"wanted_on": _("The delivery date cannot be before the order date.")})
    if "channel" in fields:
        if contract is not None and fields["channel"] != order.channel:
            raise ValidationFailed({"channel": _("An order from a contract keeps the contract's channel.")})
        if fields["channel"] not in Channel.values:
            raise ValidationFailed({"channel": _("Select a valid choice.")})
        order.channel = fields["channel"]
    order.version += 1
    order.save()
    if lines is not None:
        if contract is not None:
            if contract.status != ContractStatus.SIGNED:
                raise DomainError(
                    "contract_not_signed", _("Orders are placed against signed contracts only.")
                )
            _contract_lines(order, contract, lines)
        else:
            _product_lines(order, lines)
        _total(order)
        if contract is not None:
            _refuse_over_contract(contract.pk)
    log(order, "edit", by=by)
    return order


# --- confirm, cancel -------------------------------------------------------------------------


@transaction.atomic
def _confirm(*, by, order_id: int, version: int | None, note: str) -> SalesOrder:
    order, contract = _lock_order_and_contract(order_id, by)
    if version is not None and version != order.version:
        raise refusal("stale_version", extra={"current_version": order.version})
    if order.status != OrderStatus.DRAFT:
        raise refusal("invalid_transition")
    if contract is not None and contract.status != ContractStatus.SIGNED:
        raise DomainError("contract_not_signed", _("Orders are placed against signed contracts only."))
    free = list(order.lines.filter(contract_line__isnull=True).select_related("product"))
    issues = judge_lines(by, free) if free else []
    if issues and covering_approval(order, issues) is None:
        raise PriceApprovalNeeded(issues)
    credit_check(order)
    if contract is not None:
        _refuse_over_contract(contract.pk)
    confirmed = {"confirmed_at": timezone.now(), "version": order.version + 1}
    workflow.apply(order, "confirm", by=by, note=note, also=confirmed)  # one UPDATE, one audit entry
    record_order_confirmed(order)
    if issues:
        record_price_signals(order, issues, by=by)
    return order


def order_confirm(*, by, order_id: int, version: int | None = None, note: str = "") -> SalesOrder:
    """Confirm a draft order (draft → confirmed): lines not from a contract must be within the
    confirmer's price authority or covered by an approved price approval (409
    price_approval_needed, recorded as audit signals); credit_check(order); and no contract line
    ordered beyond its contracted quantity (409 over_contract)."""
    require(by, "sales.change_salesorder")
    try:
        return _confirm(by=by, order_id=order_id, version=version, note=note)
    except PriceApprovalNeeded as exc:
        order = SalesOrder.objects.get(pk=order_id)
        record_price_signals(order, exc.issues, by=by)
        raise


@transaction.atomic
def order_cancel(*, by, order_id: int, note: str = "") -> SalesOrder:
    """Cancel a draft or confirmed order; its quantities no longer count against the contract."""
    require(by, "sales.change_salesorder")
    order = order_for_update(order_id=order_id, user=by)
    was_confirmed = order.status == OrderStatus.CONFIRMED
    workflow.apply(order, "cancel", by=by, note=note)
    if was_confirmed:
        record_order_cancelled(order)
    order.version += 1
    order.save(update_fields=["version", "updated_at"])
    return order
