"""Writes of quotations 报价 (S2): create and edit a draft, send it (the price policy 事前请示 is
enforced here), revise it (a new row v2, v3 … ; the previous one becomes superseded and stays
readable), accept, reject, cancel.

Lines are entered as product + quantity + discount or net unit price (the other is derived with
sales/lines.py); the list price comes from the catalog (price lists by channel and the customer's
region, on the quotation date), the tax rate from the product; the total is recomputed from the
lines on every write, never typed in.

A quotation is *expired* when it is sent and its `valid_until` lies before today: it is derived,
not stored, and it can no longer be accepted or rejected (revise it with a new validity date)."""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import Scope, is_visible, scope_of, visible
from salesdept.catalog.models import Channel, Product
from salesdept.catalog.selectors.products import price_for
from salesdept.core.errors import DomainError, ValidationFailed, refusal
from salesdept.core.numbering import next_number
from salesdept.core.permissions import require
from salesdept.crm.models import Customer

from ..lines import copy_line, discount_of, line_amount, net_price
from ..models import Quotation, QuotationLine

__all__ = [
    "DEFAULT_VALIDITY_DAYS",
    "EDITABLE_FIELDS",
    "amount_in_chinese",
    "check_version",
    "is_expired",
    "list_price_for",
    "quotation_accept",
    "quotation_allowed_actions",
    "quotation_cancel",
    "quotation_create",
    "quotation_for_update",
    "quotation_reject",
    "quotation_revise",
    "quotation_send",
    "quotation_update",
]

S = Quotation.Status
DEFAULT_VALIDITY_DAYS = 30
QTY_PLACES = Decimal("0.001")
MONEY_PLACES = Decimal("0.01")
MAX_MONEY = Decimal("999999999999.99")
MAX_QTY = Decimal("99999999999.999")
EDITABLE_FIELDS = {
    "customer_id",
    "channel",
    "quoted_on",
    "valid_until",
    "payment_terms",
    "delivery_terms",
    "terms",
    "language",
    "notes",
    "owner_id",
    "lines",
}
LANGUAGES = ("zh-hans", "en")


# --- small shared helpers (the inquiry services use them too) ------------------------------


def check_version(obj, version: int | None) -> None:
    """`version` is the one the user loaded (None: not checked); a mismatch answers 409
    stale_version and nothing changes."""
    if version is not None and int(version) != obj.version:
        raise refusal("stale_version", extra={"current_version": obj.version})


def text(data: dict, field: str, *, max_length: int, required: bool = False) -> str:
    value = str(data.get(field) or "").strip()
    if required and not value:
        raise ValidationFailed({field: _("This field is required.")})
    if len(value) > max_length:
        raise ValidationFailed(
            {field: _("Ensure this value has at most %(max)s characters.") % {"max": max_length}}
        )
    return value


def decimal(value, field: str, *, places: Decimal, maximum: Decimal) -> Decimal:
    """`value` as a Decimal rounded to `places`; floats are refused (money is never binary)."""
    if isinstance(value, float) or isinstance(value, bool):
        raise ValidationFailed({field: _("Enter a number as a decimal string.")})
    try:
        number = Decimal(str(value).strip()) if value is not None and str(value).strip() != "" else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValidationFailed({field: _("Enter a number.")})
    number = number.quantize(places, ROUND_HALF_UP)
    if abs(number) > maximum:
        raise ValidationFailed({field: _("This number is too large.")})
    return number


def date_field(value, field: str, *, required: bool = True) -> datetime.date | None:
    if value is None or value == "":
        if required:
            raise ValidationFailed({field: _("This field is required.")})
        return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                pass
        raise ValidationFailed({field: _("Enter a valid date.")})
    return value


def visible_customer(customer_id, by) -> Customer:
    customer = None
    if customer_id:
        customer = (
            visible(Customer.objects.active(), by).select_related("region").filter(pk=customer_id).first()
        )
    if customer is None:
        raise ValidationFailed({"customer": _("Choose an active customer you can see.")})
    return customer


def resolve_owner(owner_id, *, by, customer: Customer):
    """The salesperson of a new document. A salesperson (own scope) owns what they create;
    managers, clerks and the director may give another active user (default: the customer's
    owner). The document must stay visible to `by` (checked after the write)."""
    users = get_user_model().objects.filter(is_active=True)
    if scope_of(by) <= Scope.OWN:
        if owner_id and int(owner_id) != by.pk:
            raise ValidationFailed({"owner": _("You can only create documents you own yourself.")})
        return by
    if not owner_id:
        owner = customer.owner if customer.owner_id and customer.owner.is_active else by
        return owner
    owner = users.filter(pk=owner_id).first()
    if owner is None:
        raise ValidationFailed({"owner": _("Choose an active user.")})
    return owner


def ensure_visible(doc, by) -> None:
    if not is_visible(doc, by):
        raise ValidationFailed(
            {"owner": _("You would no longer see this document. Choose a salesperson within your scope.")}
        )


def channel_of(value) -> str:
    value = value or Channel.DIRECT
    if value not in Channel.values:
        raise ValidationFailed({"channel": _("Select a valid choice.")})
    return value


def list_price_for(product: Product, *, channel: str, region, on: datetime.date) -> Decimal:
    """The catalog's price of `product` for this channel and the customer's region on `on`."""
    return price_for(product, channel=channel, region=region, on=on)


def active_product(product_id, field: str) -> Product:
    product = None
    if product_id:
        try:
            product = Product.objects.filter(pk=int(product_id), is_active=True).first()
        except (TypeError, ValueError):
            product = None
    if product is None:
        raise ValidationFailed({field: _("Choose an active product.")})
    return product


# --- expiry, actions -------------------------------------------------------------------------


def is_expired(quotation: Quotation, day: datetime.date | None = None) -> bool:
    """Sent, and valid until a day before `day` (today)."""
    day = day or timezone.localdate()
    return quotation.status == S.SENT and quotation.valid_until < day


def quotation_allowed_actions(quotation: Quotation, user) -> list[str]:
    """What `user` may do with `quotation` now: edit, send, revise, accept, reject, cancel,
    create_contract / create_order (accepted)."""
    if not (user.is_active and user.has_perm("sales.change_quotation")):
        return []
    newest = getattr(quotation, "is_newest", None)  # annotated by the selectors
    if newest is None:
        newest = not _has_next(quotation)
    actions = []
    if quotation.status == S.DRAFT and newest:
        actions += ["edit", "send"]
    if quotation.status in (S.DRAFT, S.SENT) and newest and user.has_perm("sales.add_quotation"):
        actions.append("revise")
    if quotation.status == S.SENT and not is_expired(quotation):
        actions += ["accept", "reject"]
    if quotation.status in (S.DRAFT, S.SENT):
        actions.append("cancel")
    if quotation.status == S.ACCEPTED:
        if user.has_perm("sales.add_contract"):
            actions.append("create_contract")
        if user.has_perm("sales.add_salesorder"):
            actions.append("create_order")
    return actions


def _has_next(quotation: Quotation) -> bool:
    return Quotation.objects.filter(previous_id=quotation.pk).exists()


def quotation_for_update(*, quotation_id: int, user) -> Quotation:
    """The quotation, locked; 404 when unknown or outside `user`'s scope."""
    qs = visible(Quotation.objects, user).select_for_update(of=("self",))
    return get_object_or_404(qs, pk=quotation_id)


# --- lines -----------------------------------------------------------------------------------


def clean_lines(lines, *, channel: str, region, on: datetime.date) -> list[QuotationLine]:
    """Unsaved QuotationLines from dicts {product (id), quantity, discount | unit_price,
    description}: list price from the catalog, the other of discount / unit price derived,
    tax rate from the product, amount = quantity × unit price. Errors name `lines.<i>.<field>`
    (0-based) and say the line number."""
    if not lines:
        raise ValidationFailed({"lines": _("Add at least one line.")})
    result = []
    for index, raw in enumerate(lines):
        raw = dict(raw)
        position = index + 1

        def field(name: str, _index=index) -> str:
            return f"lines.{_index}.{name}"

        def refuse(name: str, message, _position=position) -> DomainError:
            return ValidationFailed(
                {field(name): _("Line %(n)s: %(message)s") % {"n": _position, "message": message}}
            )

        product_id = raw.get("product_id", raw.get("product"))
        if isinstance(product_id, Product):
            product_id = product_id.pk
        try:
            product = active_product(product_id, field("product"))
        except ValidationFailed:
            raise refuse("product", _("choose an active product.")) from None
        try:
            quantity = decimal(raw.get("quantity"), field("quantity"), places=QTY_PLACES, maximum=MAX_QTY)
        except ValidationFailed:
            raise refuse("quantity", _("enter the quantity as a number.")) from None
        if quantity <= 0:
            raise refuse("quantity", _("the quantity must be more than 0."))
        list_price = list_price_for(product, channel=channel, region=region, on=on)
        unit_price_raw, discount_raw = raw.get("unit_price"), raw.get("discount")
        if unit_price_raw not in (None, ""):
            try:
                unit_price = decimal(
                    unit_price_raw, field("unit_price"), places=MONEY_PLACES, maximum=MAX_MONEY
                )
            except ValidationFailed:
                raise refuse("unit_price", _("enter the unit price as a number.")) from None
            if unit_price < 0:
                raise refuse("unit_price", _("the unit price cannot be negative."))
            if unit_price > list_price:
                raise refuse(
                    "unit_price",
                    _("the unit price cannot be above the list price %(price)s.") % {"price": list_price},
                )
            discount = discount_of(list_price, unit_price)
        else:
            try:
                discount = decimal(
                    discount_raw if discount_raw not in (None, "") else "0",
                    field("discount"),
                    places=Decimal("0.01"),
                    maximum=Decimal("1000"),
                )
            except ValidationFailed:
                raise refuse("discount", _("enter the discount as a number.")) from None
            if not Decimal("0") <= discount <= Decimal("100"):
                raise refuse("discount", _("the discount must be between 0 and 100 %."))
            unit_price = net_price(list_price, discount)
        description = str(raw.get("description") or "").strip()
        if len(description) > 300:
            raise refuse("description", _("the description has more than 300 characters."))
        amount = line_amount(quantity, unit_price)
        if amount > MAX_MONEY:
            raise refuse("quantity", _("the amount is too large."))
        result.append(
            QuotationLine(
                product=product,
                description=description,
                quantity=quantity,
                list_price=list_price,
                discount=discount,
                unit_price=unit_price,
                tax_rate=product.tax_rate,
                amount=amount,
                position=position,
            )
        )
    return result


def _write_lines(quotation: Quotation, lines: list[QuotationLine]) -> None:
    quotation.lines.all().delete()
    for line in lines:
        line.quotation = quotation
    QuotationLine.objects.bulk_create(lines)
    quotation.total_amount = sum((line.amount for line in lines), Decimal("0"))


def _clean(data: dict, *, by) -> dict:
    fields = {}
    customer = visible_customer(data.get("customer_id"), by)
    fields["customer"] = customer
    fields["channel"] = channel_of(data.get("channel"))
    fields["quoted_on"] = date_field(data.get("quoted_on") or timezone.localdate(), "quoted_on")
    valid_until = data.get("valid_until") or fields["quoted_on"] + datetime.timedelta(
        days=DEFAULT_VALIDITY_DAYS
    )
    fields["valid_until"] = date_field(valid_until, "valid_until")
    if fields["valid_until"] < fields["quoted_on"]:
        raise ValidationFailed({"valid_until": _("The validity date cannot be before the quotation date.")})
    for name in ("payment_terms", "delivery_terms", "terms", "notes"):
        fields[name] = text(data, name, max_length=5000)
    language = data.get("language") or "zh-hans"
    if language not in LANGUAGES:
        raise ValidationFailed({"language": _("Select a valid choice.")})
    fields["language"] = language
    return fields


# --- writes ----------------------------------------------------------------------------------


@transaction.atomic
def quotation_create(
    *,
    by,
    customer_id: int,
    lines: list[dict],
    channel: str = Channel.DIRECT,
    quoted_on: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    payment_terms: str = "",
    delivery_terms: str = "",
    terms: str = "",
    language: str = "zh-hans",
    notes: str = "",
    owner_id: int | None = None,
    inquiry=None,
) -> Quotation:
    """A draft quotation (number QT-YYYY-NNNNNN, revision 1) for a customer `by` can see. The
    date defaults to today, the validity to 30 days later; lines as in clean_lines. Bad input
    raises ValidationFailed (400) naming the field; nothing is written then."""
    require(by, "sales.add_quotation")
    data = {
        "customer_id": customer_id,
        "channel": channel,
        "quoted_on": quoted_on,
        "valid_until": valid_until,
        "payment_terms": payment_terms,
        "delivery_terms": delivery_terms,
        "terms": terms,
        "language": language,
        "notes": notes,
    }
    fields = _clean(data, by=by)
    owner = resolve_owner(owner_id, by=by, customer=fields["customer"])
    clean = clean_lines(
        lines, channel=fields["channel"], region=fields["customer"].region, on=fields["quoted_on"]
    )
    number = next_number(Quotation.NUMBER_PREFIX)
    quotation = Quotation.objects.create(
        number=number, base_number=number, revision=1, owner=owner, created_by=by, inquiry=inquiry, **fields
    )
    _write_lines(quotation, clean)
    quotation.save(update_fields=["total_amount"])
    ensure_visible(quotation, by)
    return quotation


@transaction.atomic
def quotation_update(*, by, quotation_id: int, version: int | None = None, **changes) -> Quotation:
    """Change a draft (the newest revision); fields left out stay, `lines` replaces all lines
    (prices looked up again). A sent, accepted … quotation is read-only (409 read_only): revise
    it instead. A stale `version` answers 409 stale_version."""
    require(by, "sales.change_quotation")
    if unknown := set(changes) - EDITABLE_FIELDS:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})
    quotation = quotation_for_update(quotation_id=quotation_id, user=by)
    check_version(quotation, version)
    if quotation.status != S.DRAFT or _has_next(quotation):
        raise refusal("read_only")
    current = {
        "customer_id": quotation.customer_id,
        "channel": quotation.channel,
        "quoted_on": quotation.quoted_on,
        "valid_until": quotation.valid_until,
        "payment_terms": quotation.payment_terms,
        "delivery_terms": quotation.delivery_terms,
        "terms": quotation.terms,
        "language": quotation.language,
        "notes": quotation.notes,
    }
    new_lines = changes.pop("lines", None)
    owner_id = changes.pop("owner_id", None)
    fields = _clean({**current, **changes}, by=by)
    if owner_id:
        fields["owner"] = resolve_owner(owner_id, by=by, customer=fields["customer"])
    if new_lines is None:
        # keep the lines; prices are looked up again when the channel, customer or date changed
        new_lines = [
            {
                "product_id": line.product_id,
                "quantity": line.quantity,
                "discount": line.discount,
                "description": line.description,
            }
            for line in quotation.lines.all()
        ]
    clean = clean_lines(
        new_lines, channel=fields["channel"], region=fields["customer"].region, on=fields["quoted_on"]
    )
    for name, value in fields.items():
        setattr(quotation, name, value)
    _write_lines(quotation, clean)
    quotation.version += 1
    quotation.save()
    ensure_visible(quotation, by)
    return quotation


def _move(quotation: Quotation, action: str, source: set, target: str) -> str:
    if quotation.status not in source:
        raise refusal("invalid_transition", extra={"status": quotation.status, "action": action})
    return target


def _refuse_expired(quotation: Quotation) -> None:
    if is_expired(quotation):
        raise DomainError(
            "expired",
            _("This quotation expired on %(day)s. Revise it with a new validity date first.")
            % {"day": quotation.valid_until.isoformat()},
        )


def _set_status(quotation: Quotation, status: str) -> Quotation:
    quotation.status = status
    quotation.version += 1
    quotation.save(update_fields=["status", "version", "updated_at"])
    return quotation


@transaction.atomic
def _send(*, by, quotation_id: int, version: int | None) -> Quotation:
    require(by, "sales.change_quotation")
    from salesdept.catalog.pricing import enforce_price_policy, record_price_signals

    quotation = quotation_for_update(quotation_id=quotation_id, user=by)
    check_version(quotation, version)
    if _has_next(quotation):
        raise refusal("read_only")
    _move(quotation, "send", {S.DRAFT}, S.SENT)
    if quotation.valid_until < timezone.localdate():
        raise ValidationFailed({"valid_until": _("The validity date has passed. Choose a later date first.")})
    lines = list(quotation.lines.select_related("product"))
    if not lines:
        raise ValidationFailed({"lines": _("Add at least one line.")})
    issues = enforce_price_policy(quotation, lines, by=by)
    if issues:  # covered by an approval: on the record all the same
        record_price_signals(quotation, issues, by=by)
    return _set_status(quotation, S.SENT)


def quotation_send(*, by, quotation_id: int, version: int | None = None) -> Quotation:
    """Draft → sent. Every line must be within the sender's discount authority and not under
    the floor price, or an approved price approval (事前请示) of this quotation must cover it;
    otherwise 409 price_approval_needed naming the lines, and the attempt is recorded as audit
    signals. A stale `version` answers 409 stale_version."""
    from salesdept.catalog.pricing import PriceApprovalNeeded, record_price_signals

    try:
        return _send(by=by, quotation_id=quotation_id, version=version)
    except PriceApprovalNeeded as exc:
        quotation = Quotation.objects.get(pk=quotation_id)
        with transaction.atomic():
            record_price_signals(quotation, exc.issues, by=by)
        raise


@transaction.atomic
def quotation_revise(*, by, quotation_id: int, version: int | None = None) -> Quotation:
    """A new revision (draft) of a draft or sent quotation: the same header and lines, number
    `<base>-R<n>`, `previous` → this one, which becomes superseded (read-only, still readable).
    Only the newest revision can be revised."""
    require(by, "sales.add_quotation")
    require(by, "sales.change_quotation")
    quotation = quotation_for_update(quotation_id=quotation_id, user=by)
    check_version(quotation, version)
    if _has_next(quotation):
        raise refusal("read_only")
    _move(quotation, "revise", {S.DRAFT, S.SENT}, S.SUPERSEDED)
    revision = quotation.revision + 1
    today = timezone.localdate()
    quoted_on = max(today, quotation.quoted_on)
    valid_until = quotation.valid_until
    if valid_until < quoted_on:
        valid_until = quoted_on + datetime.timedelta(days=DEFAULT_VALIDITY_DAYS)
    new = Quotation.objects.create(
        number=f"{quotation.base_number}-R{revision}",
        base_number=quotation.base_number,
        revision=revision,
        previous=quotation,
        customer_id=quotation.customer_id,
        inquiry_id=quotation.inquiry_id,
        channel=quotation.channel,
        quoted_on=quoted_on,
        valid_until=valid_until,
        payment_terms=quotation.payment_terms,
        delivery_terms=quotation.delivery_terms,
        terms=quotation.terms,
        language=quotation.language,
        notes=quotation.notes,
        total_amount=quotation.total_amount,
        owner_id=quotation.owner_id,
        created_by=by,
    )
    QuotationLine.objects.bulk_create(
        [
            copy_line(QuotationLine, line, quotation=new, position=line.position)
            for line in quotation.lines.all()
        ]
    )
    _set_status(quotation, S.SUPERSEDED)
    return new


@transaction.atomic
def quotation_accept(*, by, quotation_id: int, version: int | None = None) -> Quotation:
    """The customer accepted: sent → accepted. An expired quotation (valid until a day before
    today) is refused with 409 expired."""
    require(by, "sales.change_quotation")
    quotation = quotation_for_update(quotation_id=quotation_id, user=by)
    check_version(quotation, version)
    _move(quotation, "accept", {S.SENT}, S.ACCEPTED)
    _refuse_expired(quotation)
    return _set_status(quotation, S.ACCEPTED)


@transaction.atomic
def quotation_reject(*, by, quotation_id: int, version: int | None = None) -> Quotation:
    """The customer declined: sent → rejected (refused with 409 expired once expired)."""
    require(by, "sales.change_quotation")
    quotation = quotation_for_update(quotation_id=quotation_id, user=by)
    check_version(quotation, version)
    _move(quotation, "reject", {S.SENT}, S.REJECTED)
    _refuse_expired(quotation)
    return _set_status(quotation, S.REJECTED)


@transaction.atomic
def quotation_cancel(*, by, quotation_id: int, version: int | None = None) -> Quotation:
    """Withdraw a draft or sent quotation: → cancelled."""
    require(by, "sales.change_quotation")
    quotation = quotation_for_update(quotation_id=quotation_id, user=by)
    check_version(quotation, version)
    _move(quotation, "cancel", {S.DRAFT, S.SENT}, S.CANCELLED)
    return _set_status(quotation, S.CANCELLED)


# --- 大写金额 ---------------------------------------------------------------------------------

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ["", "拾", "佰", "仟"]
BIG_UNITS = ["", "万", "亿", "万亿"]


def _four(group: int) -> str:
    """0 < group < 10000 in capital digits, with inner zeros as 零 (no leading/trailing 零)."""
    out, zero = "", False
    for i in range(3, -1, -1):
        digit = group // 10**i % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[digit] + SMALL_UNITS[i]
    return out


def amount_in_chinese(amount: Decimal) -> str:
    """The amount in capital figures as written on Chinese invoices and contracts (大写金额):
    12345.60 → 壹万贰仟叁佰肆拾伍元陆角整; 100.05 → 壹佰元零伍分; 0 → 零元整; a negative amount
    starts with 负. Rounded half-up to the fen."""
    amount = Decimal(amount).quantize(MONEY_PLACES, ROUND_HALF_UP)
    sign = "负" if amount < 0 else ""
    fen_total = int(abs(amount) * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    out = ""
    if yuan:
        groups = []
        n = yuan
        while n:
            groups.append(n % 10000)
            n //= 10000
        # 零 where zeros stand between two written digits: a group of zeros, a higher group
        # ending in 0 (1000|5000 → 壹仟万零伍仟) or a lower group under 1000 (1|0500 → 壹万零伍佰).
        pending_zero = False
        for index in range(len(groups) - 1, -1, -1):
            group = groups[index]
            if group == 0:
                pending_zero = bool(out)
                continue
            if out and (pending_zero or group < 1000):
                out += "零"
            out += _four(group) + BIG_UNITS[index]
            pending_zero = group % 10 == 0
        out += "元"
    if not jiao and not fen:
        return sign + (out or "零元") + "整"
    if jiao:
        out += DIGITS[jiao] + "角"
    elif yuan:
        out += "零"
    if fen:
        out += DIGITS[fen] + "分"
    else:
        out += "整"
    return sign + out
