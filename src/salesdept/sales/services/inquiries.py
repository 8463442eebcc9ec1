"""Writes of inquiries 询盘 (S2): what a customer asked for, answered by `respond_by` with a
quotation. An inquiry is open (editable) until it is quoted (`inquiry_quote` drafts a quotation
from its lines, priced from the catalog) or closed with a reason."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.catalog.models import Channel, Product
from salesdept.core.errors import ValidationFailed, refusal
from salesdept.core.numbering import next_number
from salesdept.core.permissions import require

from ..models import Inquiry, InquiryLine, Quotation
from .quotations import (
    MAX_QTY,
    QTY_PLACES,
    channel_of,
    check_version,
    date_field,
    decimal,
    ensure_visible,
    quotation_create,
    resolve_owner,
    text,
    visible_customer,
)

__all__ = [
    "DEFAULT_RESPONSE_DAYS",
    "EDITABLE_FIELDS",
    "inquiry_allowed_actions",
    "inquiry_close",
    "inquiry_create",
    "inquiry_for_update",
    "inquiry_quote",
    "inquiry_update",
]

S = Inquiry.Status
DEFAULT_RESPONSE_DAYS = 3
EDITABLE_FIELDS = {
    "customer_id",
    "contact_name",
    "channel",
    "received_on",
    "respond_by",
    "wanted_on",
    "notes",
    "owner_id",
    "lines",
}


def inquiry_allowed_actions(inquiry: Inquiry, user) -> list[str]:
    """What `user` may do with `inquiry` now: edit, quote, close (while open); close (quoted)."""
    if not (user.is_active and user.has_perm("sales.change_inquiry")):
        return []
    actions = []
    if inquiry.status == S.OPEN:
        actions.append("edit")
        if user.has_perm("sales.add_quotation"):
            actions.append("quote")
    if inquiry.status in (S.OPEN, S.QUOTED):
        actions.append("close")
    return actions


def inquiry_for_update(*, inquiry_id: int, user) -> Inquiry:
    """The inquiry, locked; 404 when unknown or outside `user`'s scope."""
    return get_object_or_404(visible(Inquiry.objects, user).select_for_update(of=("self",)), pk=inquiry_id)


def clean_inquiry_lines(lines) -> list[InquiryLine]:
    """Unsaved InquiryLines from dicts {product (id, optional), description, quantity}: each line
    names a product or describes what is asked for; quantity > 0. Errors name
    `lines.<i>.<field>` (0-based) and say the line number."""
    if not lines:
        raise ValidationFailed({"lines": _("Add at least one line.")})
    result = []
    for index, raw in enumerate(lines):
        raw = dict(raw)
        position = index + 1

        def refuse(name, message, _index=index, _position=position):
            return ValidationFailed(
                {
                    f"lines.{_index}.{name}": _("Line %(n)s: %(message)s")
                    % {"n": _position, "message": message}
                }
            )

        product_id = raw.get("product_id", raw.get("product"))
        if isinstance(product_id, Product):
            product_id = product_id.pk
        product = None
        if product_id:
            try:
                product = Product.objects.filter(pk=int(product_id), is_active=True).first()
            except (TypeError, ValueError):
                product = None
            if product is None:
                raise refuse("product", _("choose an active product."))
        description = str(raw.get("description") or "").strip()
        if len(description) > 300:
            raise refuse("description", _("the description has more than 300 characters."))
        if product is None and not description:
            raise refuse("product", _("choose a product or describe what is asked for."))
        try:
            quantity = decimal(raw.get("quantity"), "quantity", places=QTY_PLACES, maximum=MAX_QTY)
        except ValidationFailed:
            raise refuse("quantity", _("enter the quantity as a number.")) from None
        if quantity <= 0:
            raise refuse("quantity", _("the quantity must be more than 0."))
        result.append(
            InquiryLine(product=product, description=description, quantity=quantity, position=position)
        )
    return result


def _clean(data: dict, *, by) -> dict:
    fields = {"customer": visible_customer(data.get("customer_id"), by)}
    fields["contact_name"] = text(data, "contact_name", max_length=100)
    fields["channel"] = channel_of(data.get("channel"))
    fields["received_on"] = date_field(data.get("received_on") or timezone.localdate(), "received_on")
    respond_by = data.get("respond_by") or fields["received_on"] + datetime.timedelta(
        days=DEFAULT_RESPONSE_DAYS
    )
    fields["respond_by"] = date_field(respond_by, "respond_by")
    if fields["respond_by"] < fields["received_on"]:
        raise ValidationFailed({"respond_by": _("The response deadline cannot be before the day received.")})
    fields["wanted_on"] = date_field(data.get("wanted_on"), "wanted_on", required=False)
    fields["notes"] = text(data, "notes", max_length=5000)
    return fields


def _write_lines(inquiry: Inquiry, lines: list[InquiryLine]) -> None:
    inquiry.lines.all().delete()
    for line in lines:
        line.inquiry = inquiry
    InquiryLine.objects.bulk_create(lines)


@transaction.atomic
def inquiry_create(
    *,
    by,
    customer_id: int,
    lines: list[dict],
    contact_name: str = "",
    channel: str = Channel.DIRECT,
    received_on: datetime.date | None = None,
    respond_by: datetime.date | None = None,
    wanted_on: datetime.date | None = None,
    notes: str = "",
    owner_id: int | None = None,
) -> Inquiry:
    """Register an inquiry (number INQ-YYYY-NNNNNN, open) of a customer `by` can see. Received
    today unless given; the response deadline defaults to 3 days later and cannot be earlier.
    A salesperson owns what they register; managers and clerks may name a salesperson within
    their scope (default: the customer's owner). Bad input raises ValidationFailed (400) naming
    the field; nothing is written then."""
    require(by, "sales.add_inquiry")
    data = {
        "customer_id": customer_id,
        "contact_name": contact_name,
        "channel": channel,
        "received_on": received_on,
        "respond_by": respond_by,
        "wanted_on": wanted_on,
        "notes": notes,
    }
    fields = _clean(data, by=by)
    owner = resolve_owner(owner_id, by=by, customer=fields["customer"])
    clean = clean_inquiry_lines(lines)
    inquiry = Inquiry.objects.create(
        number=next_number(Inquiry.NUMBER_PREFIX), owner=owner, created_by=by, **fields
    )
    _write_lines(inquiry, clean)
    ensure_visible(inquiry, by)
    return inquiry


@transaction.atomic
def inquiry_update(*, by, inquiry_id: int, version: int | None = None, **changes) -> Inquiry:
    """Change an open inquiry; fields left out stay, `lines` replaces every line. A quoted or
    closed inquiry is read-only (409 read_only); a stale `version` answers 409 stale_version."""
    require(by, "sales.change_inquiry")
    if unknown := set(changes) - EDITABLE_FIELDS:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})
    inquiry = inquiry_for_update(inquiry_id=inquiry_id, user=by)
    check_version(inquiry, version)
    if inquiry.status != S.OPEN:
        raise refusal("read_only")
    current = {
        "customer_id": inquiry.customer_id,
        "contact_name": inquiry.contact_name,
        "channel": inquiry.channel,
        "received_on": inquiry.received_on,
        "respond_by": inquiry.respond_by,
        "wanted_on": inquiry.wanted_on,
        "notes": inquiry.notes,
    }
    new_lines = changes.pop("lines", None)
    owner_id = changes.pop("owner_id", None)
    fields = _clean({**current, **changes}, by=by)
    if owner_id:
        fields["owner"] = resolve_owner(owner_id, by=by, customer=fields["customer"])
    clean = clean_inquiry_lines(new_lines) if new_lines is not None else None
    for name, value in fields.items():
        setattr(inquiry, name, value)
    inquiry.version += 1
    inquiry.save()
    if clean is not None:
        _write_lines(inquiry, clean)
    ensure_visible(inquiry, by)
    return inquiry


@transaction.atomic
def inquiry_close(*, by, inquiry_id: int, reason: str, version: int | None = None) -> Inquiry:
    """Close an open or quoted inquiry with a reason (required, 400 naming `reason`)."""
    require(by, "sales.change_inquiry")
    inquiry = inquiry_for_update(inquiry_id=inquiry_id, user=by)
    check_version(inquiry, version)
    if inquiry.status not in (S.OPEN, S.QUOTED):
        raise refusal("invalid_transition", extra={"status": inquiry.status, "action": "close"})
    reason = text({"reason": reason}, "reason", max_length=300, required=True)
    inquiry.status, inquiry.close_reason = S.CLOSED, reason
    inquiry.version += 1
    inquiry.save(update_fields=["status", "close_reason", "version", "updated_at"])
    return inquiry


@transaction.atomic
def inquiry_quote(
    *,
    by,
    inquiry_id: int,
    version: int | None = None,
    valid_until: datetime.date | None = None,
    language: str = "zh-hans",
) -> Quotation:
    """Answer an open inquiry with a draft quotation of its lines (list prices from the catalog
    for the inquiry's channel and the customer's region, no discount yet); the inquiry becomes
    quoted. A line without a product is refused (400 naming it): choose the product first."""
    require(by, "sales.change_inquiry")
    require(by, "sales.add_quotation")
    inquiry = inquiry_for_update(inquiry_id=inquiry_id, user=by)
    check_version(inquiry, version)
    if inquiry.status != S.OPEN:
        raise refusal("invalid_transition", extra={"status": inquiry.status, "action": "quote"})
    lines = list(inquiry.lines.all())
    for index, line in enumerate(lines):
        if line.product_id is None:
            raise ValidationFailed(
                {
                    f"lines.{index}.product": _(
                        "Line %(n)s (%(text)s) has no product. Choose the product before quoting."
                    )
                    % {"n": line.position, "text": line.description}
                }
            )
    quotation = quotation_create(
        by=by,
        customer_id=inquiry.customer_id,
        lines=[
            {
                "product_id": line.product_id,
                "quantity": line.quantity,
                "discount": Decimal("0"),
                "description": line.description,
            }
            for line in lines
        ],
        channel=inquiry.channel,
        valid_until=valid_until,
        language=language,
        owner_id=inquiry.owner_id if inquiry.owner_id != by.pk else None,
        inquiry=inquiry,
    )
    inquiry.status = S.QUOTED
    inquiry.version += 1
    inquiry.save(update_fields=["status", "version", "updated_at"])
    return quotation
