"""Writes of contracts 合同 (S3): drafted from scratch or from an accepted quotation, with lines,
payment milestones and a delivery schedule; reviewed through the platform's two-person review
(合同评审, route by amount from ContractReviewRule: manager; + finance; + director), signed by
the back office with the signed copy uploaded, registered, archived; amended by a new contract
that is reviewed again and, once signed, supersedes the one it amends.

Every state change goes through core.workflow.apply (submit, approve, reject, cancel, sign,
archive), so the approver is never the preparer nor an earlier approver of the round (X2, I10).
Amounts are computed here from the lines (sales.lines), never typed in: the total is the sum of
the line amounts, each milestone's amount its share of the total (the last one takes the
rounding rest)."""

import datetime
import os
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import is_visible, visible
from salesdept.catalog.models import Channel, Product
from salesdept.catalog.pricing import (
    PriceApprovalNeeded,
    covering_approval,
    judge_lines,
    record_price_signals,
)
from salesdept.core import review, workflow
from salesdept.core.errors import DomainError, ValidationFailed, refusal
from salesdept.core.events import log
from salesdept.core.numbering import next_number
from salesdept.core.permissions import require
from salesdept.crm.models import Customer

from ..lines import CENT, copy_line, discount_of, line_amount, net_price
from ..models import (
    Contract,
    ContractAttachment,
    ContractLine,
    ContractStatus,
    DeliverySchedule,
    OrderStatus,
    PaymentMilestone,
    Quotation,
    SalesOrder,
    SalesOrderLine,
)

__all__ = [
    "ALLOWED_SIGNED_COPY",
    "MAX_FILE_BYTES",
    "contract_allowed_actions",
    "contract_amend",
    "contract_approve",
    "contract_archive",
    "contract_attachment_add",
    "contract_attachment_remove",
    "contract_cancel",
    "contract_create",
    "contract_create_from_quotation",
    "contract_for_update",
    "contract_register",
    "contract_reject",
    "contract_sign",
    "contract_submit",
    "contract_update",
    "ordered_by_line",
]

S = ContractStatus
HUNDRED = Decimal("100")
ZERO = Decimal("0")
MAX_FILE_BYTES = 20 * 1024 * 1024  # as the customers' documents (crm)
ALLOWED_SIGNED_COPY = ("pdf", "jpg", "jpeg", "png")
ALLOWED_ATTACHMENT = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "txt", "zip")
OPEN_AMENDMENT = (S.DRAFT, S.SUBMITTED, S.APPROVED)
HEADER_FIELDS = {
    "title",
    "customer_id",
    "channel",
    "payment_terms",
    "delivery_terms",
    "notes",
    "language",
}
REGISTER = "sales.register_contract"


# --- small input helpers ---------------------------------------------------------------------


def _decimal(value, field: str, *, positive: bool = False, places: Decimal | None = None) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed({field: _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationFailed({field: _("Enter a number.")})
    if positive and number <= 0:
        raise ValidationFailed({field: _("Must be greater than zero.")})
    if number < 0:
        raise ValidationFailed({field: _("Must not be negative.")})
    if places is not None and number != number.quantize(places):
        raise ValidationFailed({field: _("Too many decimal places.")})
    if abs(number) >= Decimal("1e11"):
        raise ValidationFailed({field: _("The number is too large.")})
    return number


def _text(data: dict, field: str, *, max_length: int, required: bool = False) -> str:
    value = str(data.get(field) or "").strip()
    if required and not value:
        raise ValidationFailed({field: _("This field is required.")})
    if len(value) > max_length:
        raise ValidationFailed(
            {field: _("Ensure this value has at most %(max)s characters.") % {"max": max_length}}
        )
    return value


def _date(value, field: str, *, required: bool = True) -> datetime.date | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed({field: _("This field is required.")})
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed({field: _("Enter a valid date.")}) from None


def check_file(upload, field: str, *, extensions=ALLOWED_ATTACHMENT) -> None:
    """Refuse (400 naming `field`) no file, an empty one, one above 20 MB or of another type."""
    if not upload:
        raise ValidationFailed({field: _("Choose a file.")})
    name = getattr(upload, "name", "") or ""
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if extension not in extensions:
        raise ValidationFailed(
            {
                field: _("Files of this type cannot be used here. Allowed: %(types)s.")
                % {"types": ", ".join(extensions)}
            }
        )
    size = getattr(upload, "size", None) or 0
    if size == 0:
        raise ValidationFailed({field: _("The file is empty.")})
    if size > MAX_FILE_BYTES:
        raise ValidationFailed(
            {field: _("The file is larger than %(size)s MB.") % {"size": MAX_FILE_BYTES // 2**20}}
        )


def list_price_of(product: Product, *, channel: str = "", region=None) -> Decimal:
    """The price list's price of `product` (catalog.selectors.products.price_for), else its
    list price."""
    try:
        from salesdept.catalog.selectors.products import price_for
    except ImportError:  # pragma: no cover - the catalog selector arrives with S1
        return product.list_price
    return price_for(product, channel=channel, region=region)


def build_line(cls, data: dict, *, index: int, channel: str, region, existing=None):
    """One priced line (unsaved) of `cls` from input `data`: product_id, quantity, discount or
    unit_price, description. The list price comes from the price list (kept from `existing` when
    its product did not change); unit price and amount from sales.lines."""
    prefix = f"lines.{index}"
    if not isinstance(data, dict):
        raise ValidationFailed({prefix: _("Enter a line.")})
    product_id = data.get("product_id", existing.product_id if existing else None)
    product = Product.objects.filter(pk=product_id).first() if str(product_id or "").isdigit() else None
    if product is None or (not product.is_active and (existing is None or existing.product_id != product.pk)):
        raise ValidationFailed({f"{prefix}.product": _("Choose an active product.")})
    quantity = _decimal(data.get("quantity"), f"{prefix}.quantity", positive=True, places=Decimal("0.001"))
    if product.kind == Product.Kind.UNIT and quantity != 1:
        raise ValidationFailed({f"{prefix}.quantity": _("A unique unit is sold once: the quantity is 1.")})
    if existing is not None and existing.product_id == product.pk:
        list_price = existing.list_price
    else:
        list_price = list_price_of(product, channel=channel, region=region)
    if data.get("unit_price") not in (None, ""):
        unit_price = _decimal(data["unit_price"], f"{prefix}.unit_price", places=CENT)
        discount = discount_of(list_price, unit_price)
        if discount < 0:
            raise ValidationFailed({f"{prefix}.unit_price": _("The price is above the list price.")})
    else:
        discount = _decimal(data.get("discount") or 0, f"{prefix}.discount", places=Decimal("0.01"))
        if discount > HUNDRED:
            raise ValidationFailed({f"{prefix}.discount": _("A discount is at most 100 %.")})
        unit_price = net_price(list_price, discount)
    line = existing or cls()
    line.product = product
    line.description = (
        _text(data, "description", max_length=300) if "description" in data else line.description
    )
    line.quantity = quantity
    line.list_price = list_price
    line.discount = discount
    line.unit_price = unit_price
    line.tax_rate = product.tax_rate
    line.amount = line_amount(quantity, unit_price)
    line.position = index
    return line


def customer_for(by, customer_id) -> Customer:
    customer = None
    if str(customer_id or "").isdigit():
        customer = (
            visible(Customer.objects.filter(is_active=True, merged_into__isnull=True), by)
            .filter(pk=customer_id)
            .first()
        )
    if customer is None:
        raise ValidationFailed({"customer": _("Choose a customer you can see.")})
    return customer


def _header(contract: Contract, data: dict, *, by) -> None:
    if "title" in data:
        contract.title = _text(data, "title", max_length=200, required=True)
    if "customer_id" in data:
        contract.customer = customer_for(by, data["customer_id"])
    if "channel" in data:
        if data["channel"] not in Channel.values:
            raise ValidationFailed({"channel": _("Select a valid choice.")})
        contract.channel = data["channel"]
    for name in ("payment_terms", "delivery_terms", "notes"):
        if name in data:
            setattr(contract, name, _text(data, name, max_length=5000))
    if "language" in data:
        if data["language"] not in dict(Contract._meta.get_field("language").choices):
            raise ValidationFailed({"language": _("Select a valid choice.")})
        contract.language = data["language"]


# --- lines, milestones, deliveries ----------------------------------------------------------


def _write_lines(contract: Contract, lines: list) -> None:
    """Replace the contract's lines by `lines` (a line with an `id` of this contract is kept and
    changed, so an amendment line keeps what it replaces; lines left out are deleted)."""
    if not isinstance(lines, list | tuple):
        raise ValidationFailed({"lines": _("Enter the lines as a list.")})
    current = {line.pk: line for line in contract.lines.all()}
    kept, built = set(), []
    for index, data in enumerate(lines, start=1):
        existing = None
        if isinstance(data, dict) and data.get("id") not in (None, ""):
            existing = current.get(int(data["id"])) if str(data["id"]).isdigit() else None
            if existing is None or existing.pk in kept:
                raise ValidationFailed({f"lines.{index}.id": _("This line does not belong to the contract.")})
            kept.add(existing.pk)
        built.append(
            build_line(
                ContractLine,
                data,
                index=index,
                channel=contract.channel,
                region=contract.customer.region,
                existing=existing,
            )
        )
    gone = [pk for pk in current if pk not in kept]
    if gone:
        DeliverySchedule.objects.filter(line_id__in=gone).delete()
        ContractLine.objects.filter(pk__in=gone).delete()
    for line in built:
        line.contract = contract
        line.save()


def _write_milestones(contract: Contract, milestones: list) -> None:
    if not isinstance(milestones, list | tuple):
        raise ValidationFailed({"milestones": _("Enter the payment milestones as a list.")})
    rows = []
    for index, data in enumerate(milestones, start=1):
        prefix = f"milestones.{index}"
        if not isinstance(data, dict):
            raise ValidationFailed({prefix: _("Enter a milestone.")})
        trigger = data.get("trigger") or PaymentMilestone.Trigger.SIGNING
        if trigger not in PaymentMilestone.Trigger.values:
            raise ValidationFailed({f"{prefix}.trigger": _("Select a valid choice.")})
        percent = _decimal(data.get("percent"), f"{prefix}.percent", positive=True, places=Decimal("0.01"))
        if percent > HUNDRED:
            raise ValidationFailed({f"{prefix}.percent": _("A share is at most 100 %.")})
        days = data.get("days") or 0
        if not str(days).isdigit() or int(days) > 3650:
            raise ValidationFailed({f"{prefix}.days": _("Enter a whole number of days (0–3650).")})
        due_on = _date(
            data.get("due_on"), f"{prefix}.due_on", required=trigger == PaymentMilestone.Trigger.DATE
        )
        if trigger != PaymentMilestone.Trigger.DATE:
            due_on = None
        label = _text(data, "label", max_length=100) or str(PaymentMilestone.Trigger(trigger).label)
        rows.append(
            PaymentMilestone(
                contract=contract,
                position=index,
                label=label,
                percent=percent,
                amount=ZERO,
                trigger=trigger,
                days=int(days),
                due_on=due_on,
            )
        )
    if rows and sum(r.percent for r in rows) != HUNDRED:
        raise ValidationFailed(
            {"milestones": _("The shares of the payment milestones must add up to exactly 100 %.")}
        )
    contract.milestones.all().delete()
    PaymentMilestone.objects.bulk_create(rows)


def _write_deliveries(contract: Contract, deliveries: list) -> None:
    """Replace the delivery schedule; each row names its line by position (`line`, 1-based) or
    id (`line_id`)."""
    if not isinstance(deliveries, list | tuple):
        raise ValidationFailed({"deliveries": _("Enter the delivery schedule as a list.")})
    lines = list(contract.lines.all())
    by_position = {line.position: line for line in lines}
    by_id = {line.pk: line for line in lines}
    rows = []
    for index, data in enumerate(deliveries, start=1):
        prefix = f"deliveries.{index}"
        if not isinstance(data, dict):
            raise ValidationFailed({prefix: _("Enter a delivery.")})
        line = None
        if str(data.get("line_id") or "").isdigit():
            line = by_id.get(int(data["line_id"]))
        elif str(data.get("line") or "").isdigit():
            line = by_position.get(int(data["line"]))
        if line is None:
            raise ValidationFailed({f"{prefix}.line": _("Choose a line of this contract.")})
        rows.append(
            DeliverySchedule(
                contract=contract,
                line=line,
                planned_on=_date(data.get("planned_on"), f"{prefix}.planned_on"),
                quantity=_decimal(
                    data.get("quantity"), f"{prefix}.quantity", positive=True, places=Decimal("0.001")
                ),
            )
        )
    contract.deliveries.all().delete()
    DeliverySchedule.objects.bulk_create(rows)


def _check_deliveries(contract: Contract) -> None:
    """Each line with planned deliveries has them add up to exactly its quantity."""
    planned = dict(
        contract.deliveries.values("line_id").annotate(q=Sum("quantity")).values_list("line_id", "q")
    )
    for line in contract.lines.all():
        if line.pk in planned and planned[line.pk] != line.quantity:
            raise ValidationFailed(
                {
                    "deliveries": _(
                        "Line %(pos)s: the planned deliveries add up to %(planned)s, "
                        "the line's quantity is %(qty)s."
                    )
                    % {"pos": line.position, "planned": planned[line.pk], "qty": line.quantity}
                }
            )


def recompute(contract: Contract) -> None:
    """The total from the lines and each milestone's amount from its share; the last milestone
    takes the rounding rest, so the milestones always add up to the total exactly."""
    total = contract.lines.aggregate(t=Sum("amount"))["t"] or ZERO
    contract.total_amount = total
    milestones = list(contract.milestones.order_by("position", "pk"))
    rest = total
    for i, m in enumerate(milestones):
        m.amount = rest if i == len(milestones) - 1 else (total * m.percent / HUNDRED).quantize(CENT)
        rest -= m.amount
    PaymentMilestone.objects.bulk_update(milestones, ["amount"])


def ordered_by_line(line_ids) -> dict[int, Decimal]:
    """Σ quantity of the non-cancelled order lines per contract line (one query)."""
    rows = (
        SalesOrderLine.objects.filter(contract_line_id__in=list(line_ids))
        .exclude(order__status=OrderStatus.CANCELLED)
        .values("contract_line_id")
        .annotate(q=Sum("quantity"))
        .values_list("contract_line_id", "q")
    )
    return dict(rows)


# --- reads used by the services -------------------------------------------------------------


def contract_for_update(*, contract_id: int, user) -> Contract:
    """The contract, locked; 404 when unknown or outside `user`'s scope."""
    return get_object_or_404(
        visible(Contract.objects, user).select_for_update(of=("self",)).select_related("customer"),
        pk=contract_id,
    )


def open_amendment(contract: Contract) -> Contract | None:
    return contract.amendments.filter(status__in=OPEN_AMENDMENT).first()


def contract_allowed_actions(contract: Contract, user) -> list[str]:
    """Workflow moves open to `user` (sign and archive only for the back office) plus the
    non-workflow actions: edit, attach, register, amend."""
    if not (user.is_active and user.has_perm("sales.view_contract")):
        return []
    actions = []
    for name in workflow.allowed_actions(contract, user):
        if name == "supersede" or (name in ("sign", "archive") and not user.has_perm(REGISTER)):
            continue  # superseding happens when the amendment is signed, never by itself
        actions.append(name)
    can_change = user.has_perm("sales.change_contract")
    if contract.status == S.DRAFT and can_change:
        actions.insert(0, "edit")
    if contract.status in (S.DRAFT, S.APPROVED) and can_change:
        actions.append("attach")
    if contract.status == S.SIGNED and user.has_perm(REGISTER) and not contract.registration_number:
        actions.append("register")
    if (
        contract.status == S.SIGNED
        and user.has_perm("sales.add_contract")
        and open_amendment(contract) is None
    ):
        actions.append("amend")
    return actions


# --- create and edit ------------------------------------------------------------------------


def _ensure_visible(contract: Contract, by) -> None:
    if not is_visible(contract, by):
        raise ValidationFailed(
            {"owner": _("You would no longer see this contract. Choose a salesperson within your scope.")}
        )


@transaction.atomic
def contract_create(
    *,
    by,
    customer_id: int,
    title: str,
    lines: list | None = None,
    milestones: list | None = None,
    deliveries: list | None = None,
    channel: str = Channel.DIRECT,
    payment_terms: str = "",
    delivery_terms: str = "",
    notes: str = "",
    language: str = "zh-hans",
    owner_id: int | None = None,
) -> Contract:
    """Draft a contract from scratch (number CT-YYYY-NNNNNN). Lines: product_id, quantity,
    discount or unit_price, description; milestones: label, percent (Σ exactly 100), trigger,
    days, due_on; deliveries: line (position) or line_id, planned_on, quantity (Σ per line =
    the line's quantity). Bad input raises ValidationFailed naming the field."""
    require(by, "sales.add_contract")
    contract = Contract(prepared_by=by, owner=by)
    _header(
        contract,
        {
            "title": title,
            "customer_id": customer_id,
            "channel": channel,
            "payment_terms": payment_terms,
            "delivery_terms": delivery_terms,
            "notes": notes,
            "language": language,
        },
        by=by,
    )
    if owner_id not in (None, ""):
        owner = get_user_model().objects.filter(pk=owner_id, is_active=True).first()
        if owner is None:
            raise ValidationFailed({"owner": _("Choose an active user.")})
        contract.owner = owner
    contract.number = next_number(Contract.NUMBER_PREFIX)
    contract.save()
    _write_children(contract, lines=lines or [], milestones=milestones or [], deliveries=deliveries or [])
    _ensure_visible(contract, by)
    log(contract, "create", by=by)
    return contract


def _write_children(contract, *, lines=None, milestones=None, deliveries=None) -> None:
    if lines is not None:
        _write_lines(contract, lines)
    if milestones is not None:
        _write_milestones(contract, milestones)
    if deliveries is not None:
        _write_deliveries(contract, deliveries)
    _check_deliveries(contract)
    recompute(contract)
    contract.save(update_fields=["total_amount", "updated_at"])


@transaction.atomic
def contract_create_from_quotation(*, by, quotation_id: int, title: str = "") -> Contract:
    """A draft contract from an accepted quotation `by` can see: its customer, channel, terms and
    lines (prices as quoted); the quotation's salesperson owns it. Milestones and the delivery
    schedule are added in the draft."""
    require(by, "sales.add_contract")
    quotation = visible(Quotation.objects, by).filter(pk=quotation_id).select_related("customer").first()
    if quotation is None:
        raise ValidationFailed({"quotation": _("Choose a quotation you can see.")})
    if quotation.status != Quotation.Status.ACCEPTED:
        raise DomainError("quotation_not_accepted", _("Only an accepted quotation becomes a contract."))
    contract = Contract.objects.create(
        number=next_number(Contract.NUMBER_PREFIX),
        prepared_by=by,
        owner=quotation.owner,
        customer=quotation.customer,
        quotation=quotation,
        channel=quotation.channel,
        title=(title or "").strip()[:200]
        or str(_("Contract for quotation %(number)s") % {"number": quotation.number}),
        payment_terms=quotation.payment_terms,
        delivery_terms=quotation.delivery_terms,
        notes=quotation.terms,
        language=quotation.language,
    )
    ContractLine.objects.bulk_create(
        copy_line(ContractLine, q, contract=contract, position=i)
        for i, q in enumerate(quotation.lines.order_by("position", "pk"), start=1)
    )
    recompute(contract)
    contract.save(update_fields=["total_amount", "updated_at"])
    _ensure_visible(contract, by)
    log(contract, "create", by=by, note=quotation.number)
    return contract


@transaction.atomic
def contract_update(
    *,
    by,
    contract_id: int,
    version: int | None = None,
    lines: list | None = None,
    milestones: list | None = None,
    deliveries: list | None = None,
    **header,
) -> Contract:
    """Change a draft: header fields (title, customer_id, channel, payment_terms, delivery_terms,
    notes, language), and, when given, the whole list of lines (a line with `id` is kept),
    milestones or deliveries. Fields left out stay. A stale `version` answers 409 stale_version;
    a contract past draft 409 read_only."""
    require(by, "sales.change_contract")
    if unknown := set(header) - HEADER_FIELDS:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})
    contract = contract_for_update(contract_id=contract_id, user=by)
    workflow.check_editable(contract, by=by, version=version)
    if (
        "customer_id" in header
        and contract.amendment_of_id
        and int(header["customer_id"] or 0) != contract.customer_id
    ):
        raise ValidationFailed({"customer": _("An amendment keeps the customer of the contract it amends.")})
    _header(contract, header, by=by)
    contract.version += 1
    contract.save()
    _write_children(contract, lines=lines, milestones=milestones, deliveries=deliveries)
    _ensure_visible(contract, by)
    review.record_edit(contract, by=by)
    return contract


# --- attachments ----------------------------------------------------------------------------


@transaction.atomic
def contract_attachment_add(*, by, contract_id: int, title: str, file) -> ContractAttachment:
    """Attach a file (≤ 20 MB, documents and pictures) to a draft or approved contract."""
    require(by, "sales.change_contract")
    contract = contract_for_update(contract_id=contract_id, user=by)
    if contract.status not in (S.DRAFT, S.APPROVED):
        raise refusal("read_only")
    title = _text({"title": title}, "title", max_length=200) or os.path.basename(
        getattr(file, "name", "") or ""
    )
    check_file(file, "file")
    attachment = ContractAttachment(contract=contract, title=title[:200], uploaded_by=by)
    attachment.file.save(os.path.basename(file.name), file, save=True)
    contract.version += 1
    contract.save(update_fields=["version", "updated_at"])
    return attachment


@transaction.atomic
def contract_attachment_remove(*, by, contract_id: int, attachment_id: int) -> None:
    """Remove an attachment of a draft or approved contract (the file stays on disk for the audit)."""
    require(by, "sales.change_contract")
    contract = contract_for_update(contract_id=contract_id, user=by)
    if contract.status not in (S.DRAFT, S.APPROVED):
        raise refusal("read_only")
    attachment = get_object_or_404(contract.attachments, pk=attachment_id)
    attachment.delete()
    contract.version += 1
    contract.save(update_fields=["version", "updated_at"])


# --- review ---------------------------------------------------------------------------------


def _check_complete(contract: Contract) -> None:
    lines = list(contract.lines.all())
    if not lines:
        raise ValidationFailed({"lines": _("A contract needs at least one line.")})
    percents = list(contract.milestones.values_list("percent", flat=True))
    if sum(percents, ZERO) != HUNDRED:
        raise ValidationFailed(
            {"milestones": _("The shares of the payment milestones must add up to exactly 100 %.")}
        )
    planned = dict(
        contract.deliveries.values("line_id").annotate(q=Sum("quantity")).values_list("line_id", "q")
    )
    for line in lines:
        if planned.get(line.pk) != line.quantity:
            raise ValidationFailed(
                {
                    "deliveries": _("Line %(pos)s: plan deliveries for its whole quantity (%(qty)s).")
                    % {"pos": line.position, "qty": line.quantity}
                }
            )


def check_amendment_covers_orders(amendment: Contract) -> None:
    """An amendment may not contract less on a line than is already ordered on the line it
    replaces, nor drop a line that has orders (409 under_ordered naming the line)."""
    original = amendment.amendment_of
    if original is None:
        return
    old_lines = list(original.lines.all())
    ordered = ordered_by_line(line.pk for line in old_lines)
    new_by_old = {line.replaces_id: line for line in amendment.lines.filter(replaces__isnull=False)}
    for old in old_lines:
        done = ordered.get(old.pk) or ZERO
        if not done:
            continue
        new = new_by_old.get(old.pk)
        if new is None or new.quantity < done:
            raise DomainError(
                "under_ordered",
                _(
                    "Line %(pos)s (%(product)s): %(ordered)s are already ordered; "
                    "the amendment may not contract less."
                )
                % {"pos": old.position, "product": old.product.name, "ordered": done},
                fields={"lines": _("Line %(pos)s is already ordered.") % {"pos": old.position}},
            )


@transaction.atomic
def _submit(*, by, contract_id: int, note: str) -> Contract:
    contract = contract_for_update(contract_id=contract_id, user=by)
    if contract.status != S.DRAFT:
        raise refusal("invalid_transition")
    _check_complete(contract)
    check_amendment_covers_orders(contract)
    lines = list(contract.lines.select_related("product"))
    issues = judge_lines(by, lines)
    if issues and covering_approval(contract, issues) is None:
        # Prices approved on the quotation carry over to the contract made from it.
        if contract.quotation_id is None or covering_approval(contract.quotation, issues) is None:
            raise PriceApprovalNeeded(issues)
    workflow.apply(contract, "submit", by=by, note=note)
    if issues:
        record_price_signals(contract, issues, by=by)
    return contract


def contract_submit(*, by, contract_id: int, note: str = "") -> Contract:
    """Submit a complete draft for review (合同评审): ≥ 1 line, milestones adding up to 100 %,
    deliveries planned for every line's whole quantity (400 naming the part), prices within the
    submitter's authority or covered by an approved price approval (409 price_approval_needed;
    the attempt is recorded as audit signals). An amendment may not contract less than ordered."""
    require(by, "sales.change_contract")
    try:
        return _submit(by=by, contract_id=contract_id, note=note)
    except PriceApprovalNeeded as exc:
        contract = Contract.objects.get(pk=contract_id)
        record_price_signals(contract, exc.issues, by=by)
        raise


@transaction.atomic
def contract_approve(*, by, contract_id: int, note: str = "") -> Contract:
    """Take the next review step (manager; finance from 100,000; director from 500,000 by
    default). The preparer and earlier approvers of the round are refused (403/409)."""
    contract = contract_for_update(contract_id=contract_id, user=by)
    workflow.apply(contract, "approve", by=by, note=note)
    return contract


@transaction.atomic
def contract_reject(*, by, contract_id: int, note: str = "") -> Contract:
    """Send the contract back to draft with a reason (required), by whoever holds the next step."""
    contract = contract_for_update(contract_id=contract_id, user=by)
    workflow.apply(contract, "reject", by=by, note=note)
    return contract


@transaction.atomic
def contract_cancel(*, by, contract_id: int, note: str = "") -> Contract:
    """Withdraw a draft contract."""
    require(by, "sales.change_contract")
    contract = contract_for_update(contract_id=contract_id, user=by)
    workflow.apply(contract, "cancel", by=by, note=note)
    return contract


# --- signing, registration, archive ----------------------------------------------------------


def _supersede(amendment: Contract, *, by) -> None:
    """The amendment was signed: the contract it amends becomes superseded (still readable), and
    its orders and their lines move to the amendment and the lines that replace theirs."""
    original = Contract.objects.select_for_update(of=("self",)).get(pk=amendment.amendment_of_id)
    check_amendment_covers_orders(amendment)
    workflow.apply(original, "supersede", by=by, note=amendment.number)
    for new_id, old_id in amendment.lines.filter(replaces__isnull=False).values_list("pk", "replaces_id"):
        SalesOrderLine.objects.filter(contract_line_id=old_id).update(contract_line_id=new_id)
    SalesOrder.objects.filter(contract=original).update(contract=amendment)


@transaction.atomic
def contract_sign(*, by, contract_id: int, signed_on: datetime.date, signed_copy, note: str = "") -> Contract:
    """The back office records the signing (approved → signed): the date (not in the future) and
    the signed copy (pdf, jpg or png, ≤ 20 MB) are required. Milestones due on signing get their
    due date (signed_on + days). Signing an amendment supersedes the contract it amends and moves
    its orders over."""
    require(by, REGISTER)
    contract = get_object_or_404(visible(Contract.objects, by), pk=contract_id)
    # Fixed lock order: the amended contract (lower id) before the amendment.
    if contract.amendment_of_id:
        Contract.objects.select_for_update(of=("self",)).get(pk=contract.amendment_of_id)
    contract = contract_for_update(contract_id=contract_id, user=by)
    signed_on = _date(signed_on, "signed_on")
    if signed_on > timezone.localdate():
        raise ValidationFailed({"signed_on": _("The signing date cannot be in the future.")})
    if contract.submitted_at and signed_on < timezone.localtime(
        contract.submitted_at
    ).date() - datetime.timedelta(days=366):
        raise ValidationFailed({"signed_on": _("The signing date is too far before the review.")})
    check_file(signed_copy, "signed_copy", extensions=ALLOWED_SIGNED_COPY)
    workflow.apply(contract, "sign", by=by, note=note)
    contract.signed_on = signed_on
    contract.signed_copy.save(os.path.basename(signed_copy.name), signed_copy, save=False)
    contract.version += 1
    contract.save(update_fields=["signed_on", "signed_copy", "version", "updated_at"])
    for m in contract.milestones.filter(trigger=PaymentMilestone.Trigger.SIGNING):
        m.due_on = signed_on + datetime.timedelta(days=m.days)
        m.save(update_fields=["due_on"])
    if contract.amendment_of_id:
        _supersede(contract, by=by)
    return contract


@transaction.atomic
def contract_register(*, by, contract_id: int, registration_number: str) -> Contract:
    """Give a signed contract its registration number (unique; 400 naming the field when taken)."""
    require(by, REGISTER)
    contract = contract_for_update(contract_id=contract_id, user=by)
    if contract.status != S.SIGNED:
        raise refusal("invalid_transition")
    number = _text(
        {"registration_number": registration_number}, "registration_number", max_length=40, required=True
    )
    taken = Contract.objects.filter(registration_number=number).exclude(pk=contract.pk).exists()
    if taken:
        raise ValidationFailed({"registration_number": _("This registration number is already used.")})
    contract.registration_number = number
    contract.version += 1
    try:
        with transaction.atomic():
            contract.save(update_fields=["registration_number", "version", "updated_at"])
    except IntegrityError:
        raise ValidationFailed(
            {"registration_number": _("This registration number is already used.")}
        ) from None
    log(contract, "register", by=by, note=number)
    return contract


@transaction.atomic
def contract_archive(*, by, contract_id: int, note: str = "") -> Contract:
    """File a signed, registered contract away (signed → archived)."""
    require(by, REGISTER)
    contract = contract_for_update(contract_id=contract_id, user=by)
    if contract.status == S.SIGNED and not contract.registration_number:
        raise DomainError("not_registered", _("Register the contract before archiving it."))
    workflow.apply(contract, "archive", by=by, note=note)
    contract.archived_at = timezone.now()
    contract.save(update_fields=["archived_at", "updated_at"])
    return contract


# --- amendments -----------------------------------------------------------------------------


@transaction.atomic
def contract_amend(*, by, contract_id: int, note: str = "") -> Contract:
    """Start an amendment of a signed contract: a new draft (`<number>-A<n>`) with the same
    customer, terms, lines (each `replaces` its original), milestones and deliveries; it is
    reviewed again, and signing it supersedes the original. One open amendment at a time
    (409 amendment_open)."""
    require(by, "sales.add_contract")
    original = contract_for_update(contract_id=contract_id, user=by)
    if original.status != S.SIGNED:
        raise DomainError("not_signed", _("Only a signed contract can be amended."))
    if open_amendment(original) is not None:
        raise DomainError("amendment_open", _("This contract already has an amendment in progress."))
    root = original
    while root.amendment_of_id:
        root = root.amendment_of
    amendment = Contract.objects.create(
        number=f"{root.number}-A{original.amendment_no + 1}",
        prepared_by=by,
        owner=original.owner,
        customer=original.customer,
        quotation=original.quotation,
        channel=original.channel,
        title=original.title,
        amendment_of=original,
        amendment_no=original.amendment_no + 1,
        payment_terms=original.payment_terms,
        delivery_terms=original.delivery_terms,
        notes=original.notes,
        language=original.language,
    )
    mapping = {}
    for line in original.lines.order_by("position", "pk"):
        mapping[line.pk] = copy_line(
            ContractLine, line, contract=amendment, replaces=line, position=line.position
        )
        mapping[line.pk].save()
    PaymentMilestone.objects.bulk_create(
        PaymentMilestone(
            contract=amendment,
            position=m.position,
            label=m.label,
            percent=m.percent,
            amount=m.amount,
            trigger=m.trigger,
            days=m.days,
            due_on=m.due_on if m.trigger == PaymentMilestone.Trigger.DATE else None,
        )
        for m in original.milestones.all()
    )
    DeliverySchedule.objects.bulk_create(
        DeliverySchedule(
            contract=amendment, line=mapping[d.line_id], planned_on=d.planned_on, quantity=d.quantity
        )
        for d in original.deliveries.all()
    )
    recompute(amendment)
    amendment.save(update_fields=["total_amount", "updated_at"])
    log(amendment, "create", by=by, note=note or original.number)
    log(original, "amend", by=by, note=amendment.number)
    return amendment


def amendment_chain(contract: Contract) -> list[Contract]:
    """Every version of the contract, the first one first (the original and its amendments)."""
    root = contract
    while root.amendment_of_id:
        root = root.amendment_of
    chain, todo = [], [root]
    while todo:
        c = todo.pop(0)
        chain.append(c)
        todo.extend(c.amendments.order_by("amendment_no", "pk"))
    return chain
