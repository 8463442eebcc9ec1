"""Writes of the customer archive (C1): customers, contacts, documents, transfers and merges.

Every page, API endpoint, import and the demo reach the archive through these functions; each
checks the permission (`require`), validates (ValidationFailed → 400 naming the field), locks the
row it changes through the scope rule (out of scope → 404) and keeps the denormalised columns
(normalised name and phone, pinyin, completeness) true."""

import hashlib
import logging
import re
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.base import ModelState
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Region
from salesdept.accounts.scope import visible
from salesdept.core.errors import DomainError, ValidationFailed, refusal
from salesdept.core.numbering import next_number
from salesdept.core.permissions import require

from ..models import (
    Activity,
    Contact,
    Customer,
    CustomerDocument,
    CustomerMerge,
    CustomerTransfer,
    Feedback,
    Lead,
    LeadStage,
    Letter,
    PhoneCall,
    Source,
    Tier,
    Visit,
)
from ..selectors.customers import customer_for_update
from ..text import normalize_name, normalize_phone, pinyin_key

__all__ = [
    "COMPANY_FIELDS",
    "REQUIRED_FIELDS",
    "Lookups",
    "contact_build",
    "contact_create",
    "contact_deactivate",
    "contact_update",
    "customer_build",
    "customer_completeness",
    "customer_create",
    "customer_deactivate",
    "customer_duplicates",
    "customer_merge",
    "customer_missing_fields",
    "customer_reactivate",
    "customer_transfer",
    "customer_update",
    "customers_recompute_completeness",
    "document_update",
    "document_upload",
    "document_verify",
    "merge_preview",
    "touch_last_contact",
]

logger = logging.getLogger(__name__)
User = get_user_model()

# 完整、真实: what every customer file needs, and what a company needs on top (开票信息 and at
# least one contact). The completeness score is the share of these that are present.
REQUIRED_FIELDS = ("name", "region", "tier", "owner", "industry", "source", "phone", "address")
COMPANY_FIELDS = ("tax_id", "invoice_name", "bank_name", "bank_account", "contacts")

TEXT_FIELDS = (
    "name", "name_en", "industry", "phone", "email", "address", "website", "tax_id", "invoice_name",
    "bank_name", "bank_account", "invoice_address", "invoice_phone", "notes",
)  # fmt: skip
EDITABLE = {"kind", "source", "tier", "region", "owner", *TEXT_FIELDS}
CONTACT_EDITABLE = {"name", "title", "phone", "email", "is_primary", "notes"}
# Roles that may own customers (a transfer hands a customer only to one of them).
SELLING_ROLES = {"salesperson", "supervisor", "manager", "regional_manager"}
DOCUMENT_EXTENSIONS = {
    "pdf",
    "jpg",
    "jpeg",
    "png",
    "gif",
    "webp",
    "tif",
    "tiff",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "ofd",
}
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

# Django rebuilds `Choices.values` as a list on every access; a bulk import asks twice per row.
KINDS = frozenset(Customer.Kind.values)
SOURCES = frozenset(Source.values)

# 统一社会信用代码 (18) or an older tax registration number (15–20 letters and digits)
TAX_ID = re.compile(r"[0-9A-Z]{15,20}")
REQUIRED = _("This field is required.")
NOT_HERE = _("This field cannot be set here.")


# --- completeness ----------------------------------------------------------------------------


_RELATIONS = {"region": "region_id", "tier": "tier_id", "owner": "owner_id"}


def _present(customer: Customer, name: str, contacts: int | None) -> bool:
    if name == "contacts":
        if contacts is None:
            contacts = customer.contacts.filter(is_active=True).count() if customer.pk else 0
        return contacts > 0
    if name in _RELATIONS:
        return getattr(customer, _RELATIONS[name]) is not None
    value = getattr(customer, name)
    if type(value) is str:
        return bool(value.strip())
    return bool(str(value or "").strip())


def _checked_fields(customer: Customer) -> tuple[str, ...]:
    return REQUIRED_FIELDS + (COMPANY_FIELDS if customer.kind == Customer.Kind.COMPANY else ())


def customer_missing_fields(customer: Customer, *, contacts: int | None = None) -> list[str]:
    """The required fields (REQUIRED_FIELDS, plus COMPANY_FIELDS for a company) still empty."""
    return [f for f in _checked_fields(customer) if not _present(customer, f, contacts)]


def customer_completeness(customer: Customer, *, contacts: int | None = None) -> int:
    """0–100: the share of required fields present, rounded down (100 only when all are).
    `contacts` is the number of active contacts when the caller knows it (saves a query)."""
    fields = _checked_fields(customer)
    present = 0
    for name in fields:  # _present() inlined for the plain fields: a bulk import counts 13 a row
        attname = _RELATIONS.get(name)
        if attname is not None:
            present += getattr(customer, attname) is not None
        elif name == "contacts":
            present += _present(customer, name, contacts)
        else:
            value = getattr(customer, name)
            present += bool(value.strip() if type(value) is str else str(value or "").strip())
    return present * 100 // len(fields)


def customers_recompute_completeness(*, customer_ids) -> None:
    """Store the completeness of these customers again (after contacts were added in bulk)."""
    counts = dict(
        Contact.objects.filter(customer_id__in=customer_ids, is_active=True)
        .values_list("customer_id")
        .annotate(n=Count("pk"))
    )
    for customer in Customer.objects.filter(pk__in=customer_ids):
        score = customer_completeness(customer, contacts=counts.get(customer.pk, 0))
        if score != customer.completeness:
            Customer.objects.filter(pk=customer.pk).update(completeness=score)


def _refresh_completeness(customer: Customer) -> None:
    customer.completeness = customer_completeness(customer)
    Customer.objects.filter(pk=customer.pk).update(completeness=customer.completeness)


# --- master data lookups ---------------------------------------------------------------------


class Lookups:
    """Tiers, regions and the owners `by` may assign, read once. customer_build makes one per
    call; a bulk import passes one in so 50,000 rows cost no query each."""

    def __init__(self, by):
        self.by = by
        self._tiers: dict | None = None
        self._regions: dict | None = None
        self._owners: dict | None = None
        self._prototype: Customer | None = None

    @staticmethod
    def _pick(table: dict, value, model):
        if isinstance(value, model):
            return table.get(value.pk)
        if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
            return table.get(int(value))
        return table.get(str(value).strip().lower())

    def load(self) -> "Lookups":
        """Read tiers, regions and owners now: a bulk import builds its rows while COPY sends
        them, when the connection can run no query."""
        self.tier(None)
        self.region(None)
        self.owner(self.by)
        return self

    def new_customer(self) -> Customer:
        """A new, unsaved customer created by `by` with every field at its default. Copies one
        prototype: Model.__init__ (field defaults, descriptors, signals) costs more than the
        rest of customer_build, and a 50,000-row import builds 50,000 of them."""
        if self._prototype is None:
            self._prototype = Customer(created_by=self.by)
        proto = self._prototype
        values = proto.__dict__.copy()
        state = values["_state"] = ModelState()
        state.fields_cache = proto._state.fields_cache.copy()
        customer = Customer.__new__(Customer)
        customer.__dict__ = values
        return customer

    def tier(self, value):
        if self._tiers is None:
            self._tiers = {}
            for t in Tier.objects.all():
                self._tiers.update({t.pk: t, t.code.lower(): t, t.name.lower(): t})
        return self._pick(self._tiers, value, Tier)

    def region(self, value):
        if self._regions is None:
            self._regions = {}
            for r in Region.objects.all():
                self._regions.update({r.pk: r, r.code.lower(): r, r.name.lower(): r})
                if r.name_en:
                    self._regions.setdefault(r.name_en.lower(), r)
        return self._pick(self._regions, value, Region)

    def owners(self):
        """`by` and the active sellers inside `by`'s scope (a salesperson: only themself)."""
        people = visible(User.objects, self.by).filter(is_active=True)
        return (
            people.filter(Q(pk=self.by.pk) | Q(groups__name__in=SELLING_ROLES))
            .distinct()
            .order_by("username")
        )

    def owner(self, value):
        """One of owners() by object, id, username or display name, else None."""
        if self._owners is None:
            self._owners = {}
            for u in self.owners().select_related("region"):  # an import's blank region is theirs
                self._owners.update({u.pk: u, u.username.lower(): u})
                if u.display_name:
                    self._owners.setdefault(u.display_name.lower(), u)
        return self._pick(self._owners, value, User)


# --- customers -------------------------------------------------------------------------------


def _clean_tax_id(value: str) -> str:
    return "".join(str(value or "").split()).upper()


def _max_length(model, name: str) -> int | None:
    key = (model, name)
    if key not in _MAX_LENGTHS:
        _MAX_LENGTHS[key] = model._meta.get_field(name).max_length
    return _MAX_LENGTHS[key]


_MAX_LENGTHS: dict = {}


def _text(data: dict, name: str, model, errors: dict) -> str:
    value = data.get(name)
    value = "" if value is None else value.strip() if type(value) is str else str(value).strip()
    limit = _max_length(model, name)
    if limit and len(value) > limit:
        errors[name] = _("Ensure this value has at most %(max)s characters.") % {"max": limit}
    return value


def _check_common(obj, data: dict, errors: dict) -> None:
    """Checks customers and contacts share: a phone has digits enough, an e-mail is valid.
    Sets the normalised phone."""
    obj.phone_normalized = normalize_phone(obj.phone)
    if "phone" in data and obj.phone and len(obj.phone_normalized) < 6:
        errors.setdefault("phone", _("Enter a phone number with at least 6 digits."))
    if "email" in data and obj.email:
        try:
            validate_email(obj.email)
        except ValidationError:
            errors.setdefault("email", _("Enter a valid e-mail address."))


def _relate(obj, name: str, value) -> None:
    """obj.<name> = value, as the foreign-key descriptor would set it (id and cache), without
    its checks, which cost as much as the rest of a row in a bulk import; `value` comes from
    Lookups, so it is a saved row of the right model (or None)."""
    obj.__dict__[f"{name}_id"] = None if value is None else value.pk
    if value is None:
        obj._state.fields_cache.pop(name, None)
    else:
        obj._state.fields_cache[name] = value


def _relation(data: dict, name: str):
    """The value given for `tier` / `tier_id` (forms pass objects, the API ids, imports text)."""
    if f"{name}_id" in data:
        return data[f"{name}_id"]
    return data.get(name)


def customer_build(
    *, by, data: dict, instance: Customer | None = None, lookups: Lookups | None = None
) -> Customer:
    """Validate and normalise one customer's data without saving. New customers get `by` as
    owner unless `owner` is given; the owner must be an active user inside `by`'s scope. On an
    existing customer only the keys present in `data` change; the owner changes only through
    customer_transfer. Fills the normalised name and phone, pinyin and completeness. Raises
    ValidationFailed naming every field at fault."""
    lookups = lookups or Lookups(by)
    keys = {k[:-3] if k in ("tier_id", "region_id", "owner_id") else k for k in data}
    errors: dict = {name: NOT_HERE for name in sorted(keys - EDITABLE)}
    customer = instance if instance is not None else lookups.new_customer()
    for name in TEXT_FIELDS:  # _text() inlined: a bulk import runs this 14 times a row
        if name in data or instance is None:
            value = data.get(name)
            if type(value) is str:
                value = value.strip()
            else:
                value = "" if value is None else str(value).strip()
            if len(value) > (limit := _max_length(Customer, name) or len(value)):
                errors[name] = _("Ensure this value has at most %(max)s characters.") % {"max": limit}
            setattr(customer, name, value)
    if customer.tax_id:
        customer.tax_id = _clean_tax_id(customer.tax_id)
    if "kind" in data or instance is None:
        customer.kind = data.get("kind") or Customer.Kind.COMPANY
        if customer.kind not in KINDS:
            errors["kind"] = _("Select a valid choice.")
    if "source" in data or instance is None:
        customer.source = data.get("source") or ""
        if customer.source and customer.source not in SOURCES:
            errors["source"] = _("Select a valid choice.")
    customer.name_normalized = normalize_name(customer.name)
    if not customer.name:
        errors["name"] = REQUIRED
    elif not customer.name_normalized:
        errors["name"] = _("Enter a name with letters or characters.")
    if customer.tax_id and not TAX_ID.fullmatch(customer.tax_id):
        errors["tax_id"] = _("A tax ID has 15 to 20 letters and digits.")
    _check_common(customer, data, errors)
    if "tier" in keys:
        raw = _relation(data, "tier")
        tier = lookups.tier(raw) if raw not in (None, "") else None
        _relate(customer, "tier", tier)
        if raw not in (None, "") and tier is None:
            errors["tier"] = _("Unknown tier.")
    if "region" in keys or instance is None:
        raw = _relation(data, "region")
        region = lookups.region(raw) if raw not in (None, "") else None
        if region is None:
            errors["region"] = REQUIRED if raw in (None, "") else _("Unknown region.")
        else:
            _relate(customer, "region", region)
    if instance is None:
        raw = _relation(data, "owner")
        owner = lookups.owner(by if raw in (None, "") else raw)
        if owner is None:
            errors["owner"] = _("Choose an active salesperson within your scope.")
        else:
            _relate(customer, "owner", owner)
    elif "owner" in keys and _relation(data, "owner") not in (None, ""):
        owner = lookups.owner(_relation(data, "owner"))
        if owner is None or owner.pk != customer.owner_id:
            errors["owner"] = _("Use the transfer to hand a customer to another salesperson.")
    if errors:
        raise ValidationFailed(errors)
    customer.name_pinyin = pinyin_key(customer.name)
    customer.completeness = customer_completeness(customer)
    return customer


def customer_duplicates(
    *, name: str = "", tax_id: str = "", phone: str = "", exclude_id=None
) -> list[Customer]:
    """Active customers with the same normalised name, tax ID or phone (their own or a
    contact's). Not scoped on purpose: a colleague's customer is a duplicate too, so callers show
    only code and name (and the owner when the caller may see the customer)."""
    condition = Q()
    if key := normalize_name(name):
        condition |= Q(name_normalized=key)
    if key := _clean_tax_id(tax_id):
        condition |= Q(tax_id=key)
    if len(key := normalize_phone(phone)) >= 6:
        condition |= Q(phone_normalized=key)
        condition |= Q(
            pk__in=Contact.objects.filter(phone_normalized=key, is_active=True).values("customer_id")
        )
    if not condition:
        return []
    qs = Customer.objects.active().filter(condition).select_related("owner")
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return list(qs.order_by("name", "pk")[:20])


def duplicates_extra(duplicates: list[Customer], user) -> list[dict]:
    """The matches as the refusal reports them: the owner only where `user` may see the row."""
    seen = set(
        visible(Customer.objects, user).filter(pk__in=[c.pk for c in duplicates]).values_list("pk", flat=True)
    )
    return [
        {
            "id": c.pk,
            "code": c.code,
            "name": c.name,
            "visible": c.pk in seen,
            "owner": str(c.owner) if c.pk in seen else None,
        }
        for c in duplicates
    ]


def _refuse_duplicates(customer: Customer, *, by, exclude_id=None) -> None:
    found = customer_duplicates(
        name=customer.name, tax_id=customer.tax_id, phone=customer.phone, exclude_id=exclude_id
    )
    if found:
        raise DomainError(
            "duplicate_customer",
            _("A customer with the same name, tax ID or phone already exists."),
            extra={"duplicates": duplicates_extra(found, by)},
        )


@transaction.atomic
def customer_create(
    *, by, data: dict, allow_duplicate: bool = False, lookups: Lookups | None = None
) -> Customer:
    """Create a customer numbered CUS-YYYY-NNNNNN. Refuses 409 `duplicate_customer` (listing the
    matches) when the name, tax ID or phone is already known, unless `allow_duplicate`. A caller
    creating many passes one `lookups` (Lookups(by)): the owners, regions and tiers read once."""
    require(by, "crm.add_customer")
    customer = customer_build(by=by, data=data, lookups=lookups)
    # Taking the number first locks the CUS sequence row until commit, so two people creating
    # the same customer at once queue here and the second one's duplicate check sees the first.
    # A refusal rolls the number back (the series stays gap-free).
    customer.code = next_number("CUS")
    if not allow_duplicate:
        _refuse_duplicates(customer, by=by)
    customer.save()
    return customer


def _check_version(obj, version: int | None) -> None:
    if version is not None and version != obj.version:
        raise refusal("stale_version", extra={"current_version": obj.version})


def _refuse_merged(customer: Customer) -> None:
    if customer.merged_into_id:
        raise DomainError(
            "customer_merged", _("This customer was merged into another one and cannot change.")
        )


@transaction.atomic
def customer_update(
    *, by, customer_id: int, data: dict, version: int | None = None, allow_duplicate: bool = False
) -> Customer:
    """Change the fields given in `data`. `version` is the one the editor loaded: a stale one
    answers 409 stale_version and changes nothing. A changed name, tax ID or phone is checked
    for duplicates like a new customer."""
    require(by, "crm.change_customer")
    customer = customer_for_update(user=by, customer_id=customer_id)
    _check_version(customer, version)
    _refuse_merged(customer)
    before = (customer.name_normalized, customer.tax_id, customer.phone_normalized)
    customer = customer_build(by=by, data=data, instance=customer)
    after = (customer.name_normalized, customer.tax_id, customer.phone_normalized)
    if not allow_duplicate and before != after:
        _refuse_duplicates(customer, by=by, exclude_id=customer.pk)
    customer.version += 1
    customer.save()
    return customer


@transaction.atomic
def _set_active(*, by, customer_id: int, active: bool, version: int | None) -> Customer:
    require(by, "crm.change_customer")
    customer = customer_for_update(user=by, customer_id=customer_id)
    _check_version(customer, version)
    _refuse_merged(customer)
    if customer.is_active != active:
        customer.is_active = active
        customer.version += 1
        customer.save(update_fields=["is_active", "version", "updated_at"])
    return customer


def customer_deactivate(*, by, customer_id: int, version: int | None = None) -> Customer:
    """Take a customer off the lists (its history stays readable); reversible."""
    return _set_active(by=by, customer_id=customer_id, active=False, version=version)


def customer_reactivate(*, by, customer_id: int, version: int | None = None) -> Customer:
    """Put a deactivated customer back on the lists (not a merged one)."""
    return _set_active(by=by, customer_id=customer_id, active=True, version=version)


def touch_last_contact(*, customer_id: int, day: date) -> None:
    """Record a contact on `day`: last_contact_on becomes max(current, day). Called by the
    follow-up service (no permission check of its own; it runs inside that service's)."""
    Customer.objects.filter(pk=customer_id).filter(
        Q(last_contact_on__isnull=True) | Q(last_contact_on__lt=day)
    ).update(last_contact_on=day)


# --- transfers and merges --------------------------------------------------------------------


def transfer_candidates(*, by):
    """Active people `by` may hand customers to: sellers inside `by`'s scope."""
    return (
        visible(User.objects, by)
        .filter(is_active=True, groups__name__in=SELLING_ROLES)
        .distinct()
        .order_by("username")
    )


def _reassign_open_work(customer: Customer, owner) -> None:
    # Planned follow-ups and open leads go with the customer, so the new owner's today list has
    # them and the old owner is not reminded of a customer they no longer see.
    Activity.objects.filter(customer=customer, status=Activity.Status.PLANNED).update(owner=owner)
    open_stages = LeadStage.objects.filter(outcome=LeadStage.Outcome.OPEN).values("pk")
    Lead.objects.filter(customer=customer, stage__in=open_stages).update(
        owner=owner, version=F("version") + 1
    )


@transaction.atomic
def customer_transfer(
    *, by, customer_id: int, to_owner_id: int, reason: str, version: int | None = None
) -> Customer:
    """Hand a customer to another salesperson (managers). Both the customer and the new owner
    must be within `by`'s scope; records a CustomerTransfer with the reason; planned follow-ups
    and open leads of the customer move with it."""
    require(by, "crm.transfer_customer")
    customer = customer_for_update(user=by, customer_id=customer_id)
    _check_version(customer, version)
    _refuse_merged(customer)
    errors = {}
    to_owner = transfer_candidates(by=by).filter(pk=to_owner_id).first()
    if to_owner is None:
        errors["to_owner"] = _("Choose an active salesperson within your scope.")
    elif to_owner.pk == customer.owner_id:
        errors["to_owner"] = _("This salesperson already owns the customer.")
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Please give a reason.")
    elif len(reason) > 300:
        errors["reason"] = _("Ensure this value has at most %(max)s characters.") % {"max": 300}
    if errors:
        raise ValidationFailed(errors)
    CustomerTransfer.objects.create(
        customer=customer, from_owner_id=customer.owner_id, to_owner=to_owner, reason=reason, by=by
    )
    logger.info(
        "customer %s transferred from %s to %s by %s: %s",
        customer.code,
        customer.owner_id,
        to_owner.pk,
        by.pk,
        reason,
    )
    customer.owner = to_owner
    customer.version += 1
    customer.save(update_fields=["owner", "version", "updated_at"])
    _reassign_open_work(customer, to_owner)
    return customer


# Records that belong to a customer and move to the kept one on a merge (name → model).
MOVED = {
    "contacts": Contact,
    "documents": CustomerDocument,
    "leads": Lead,
    "visits": Visit,
    "activities": Activity,
    "phone_calls": PhoneCall,
    "feedback": Feedback,
    "letters": Letter,
    "transfers": CustomerTransfer,
}
FILLED_ON_MERGE = (
    "name_en", "industry", "source", "phone", "email", "address", "website", "tax_id", "invoice_name",
    "bank_name", "bank_account", "invoice_address", "invoice_phone",
)  # fmt: skip


def merge_preview(customer: Customer) -> dict[str, int]:
    """How many records of each kind belong to `customer` (what a merge would move)."""
    return {name: model.objects.filter(customer=customer).count() for name, model in MOVED.items()}


@transaction.atomic
def customer_merge(*, by, kept_id: int, merged_id: int) -> CustomerMerge:
    """Merge a duplicate into the kept customer, keeping all history: every record of the
    merged one moves to the kept one, the kept one's empty fields are filled from the merged
    one, and the merged customer stays readable, inactive, pointing to the kept one. Both must be
    within `by`'s scope; records a CustomerMerge with the counts moved."""
    require(by, "crm.merge_customer")
    if kept_id == merged_id:
        raise ValidationFailed({"merged": _("A customer cannot be merged into itself.")})
    locked = {
        c.pk: c
        for c in visible(Customer.objects, by)
        .select_for_update(of=("self",))
        .filter(pk__in=[kept_id, merged_id])
        .order_by("pk")
    }
    if kept_id not in locked or merged_id not in locked:
        raise Http404  # one of them is unknown or outside the scope
    kept, merged = locked[kept_id], locked[merged_id]
    if kept.merged_into_id or merged.merged_into_id:
        raise DomainError(
            "customer_merged", _("This customer was merged into another one and cannot change.")
        )
    moved = {
        name: model.objects.filter(customer=merged).update(customer=kept) for name, model in MOVED.items()
    }
    Activity.objects.filter(customer=kept).exclude(region=kept.region_id).update(region=kept.region_id)
    Activity.objects.filter(customer=kept, status=Activity.Status.PLANNED).update(owner=kept.owner_id)
    moved["merged_customers"] = Customer.objects.filter(merged_into=merged).update(merged_into=kept)
    for name in FILLED_ON_MERGE:
        if not getattr(kept, name) and getattr(merged, name):
            setattr(kept, name, getattr(merged, name))
    if kept.tier_id is None:
        kept.tier_id = merged.tier_id
    if merged.notes:
        kept.notes = "\n".join(filter(None, [kept.notes, f"[{merged.code}] {merged.notes}"]))[:10000]
    if merged.last_contact_on and (not kept.last_contact_on or merged.last_contact_on > kept.last_contact_on):
        kept.last_contact_on = merged.last_contact_on
    kept.phone_normalized = normalize_phone(kept.phone)
    kept.completeness = customer_completeness(kept)
    kept.version += 1
    kept.save()
    merged.merged_into = kept
    merged.is_active = False
    merged.version += 1
    merged.save(update_fields=["merged_into", "is_active", "version", "updated_at"])
    _refresh_completeness(merged)
    return CustomerMerge.objects.create(kept=kept, merged=merged, moved=moved, by=by)


# --- contacts --------------------------------------------------------------------------------


def contact_build(*, by, customer: Customer, data: dict, instance: Contact | None = None) -> Contact:
    """Validate and normalise a contact of `customer` (taken from a visible queryset by the
    caller) without saving; fills the pinyin and the normalised phone."""
    errors: dict = {name: NOT_HERE for name in sorted(set(data) - CONTACT_EDITABLE)}
    contact = instance if instance is not None else Contact(customer=customer)
    for name in ("name", "title", "phone", "email", "notes"):
        if name in data or instance is None:
            setattr(contact, name, _text(data, name, Contact, errors))
    if "is_primary" in data:
        contact.is_primary = bool(data["is_primary"])
    if not contact.name:
        errors["name"] = REQUIRED
    _check_common(contact, data, errors)
    if errors:
        raise ValidationFailed(errors)
    contact.name_pinyin = pinyin_key(contact.name)
    contact.phone_normalized = normalize_phone(contact.phone)
    return contact


def _save_contact(contact: Contact, customer: Customer) -> Contact:
    contact.save()
    if contact.is_primary:  # one primary contact per customer
        Contact.objects.filter(customer=customer, is_primary=True).exclude(pk=contact.pk).update(
            is_primary=False
        )
    _refresh_completeness(customer)
    return contact


@transaction.atomic
def contact_create(*, by, customer_id: int, data: dict) -> Contact:
    """Add a contact to a customer within `by`'s scope; the first one becomes primary."""
    require(by, "crm.add_contact")
    customer = customer_for_update(user=by, customer_id=customer_id)
    _refuse_merged(customer)
    contact = contact_build(by=by, customer=customer, data=data)
    if not customer.contacts.filter(is_active=True).exists():
        contact.is_primary = True
    return _save_contact(contact, customer)


def _contact_locked(*, by, contact_id: int) -> tuple[Contact, Customer]:
    contact = get_object_or_404(visible(Contact.objects, by).select_for_update(of=("self",)), pk=contact_id)
    customer = customer_for_update(user=by, customer_id=contact.customer_id)
    _refuse_merged(customer)
    return contact, customer


@transaction.atomic
def contact_update(*, by, contact_id: int, data: dict) -> Contact:
    """Change a contact's fields given in `data`."""
    require(by, "crm.change_contact")
    contact, customer = _contact_locked(by=by, contact_id=contact_id)
    contact = contact_build(by=by, customer=customer, data=data, instance=contact)
    return _save_contact(contact, customer)


@transaction.atomic
def contact_deactivate(*, by, contact_id: int) -> Contact:
    """Mark a contact as gone (kept for history); the customer's completeness is recomputed."""
    require(by, "crm.change_contact")
    contact, customer = _contact_locked(by=by, contact_id=contact_id)
    contact.is_active = False
    contact.is_primary = False
    return _save_contact(contact, customer)


# --- documents -------------------------------------------------------------------------------


def _sha256(file) -> str:
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _check_file(file, errors: dict) -> None:
    name = getattr(file, "name", "") or ""
    if name.rsplit(".", 1)[-1].lower() not in DOCUMENT_EXTENSIONS or "." not in name:
        errors["file"] = _("Upload a PDF, an image or an office document.")
    elif file.size == 0:
        errors["file"] = _("The file is empty.")
    elif file.size > MAX_DOCUMENT_BYTES:
        errors["file"] = _("The file is larger than %(size)s MB.") % {"size": MAX_DOCUMENT_BYTES // 2**20}


def _document_fields(doc: CustomerDocument, *, kind, number, expires_on, notes, errors: dict) -> None:
    if kind is not None:
        doc.kind = kind
        if kind not in CustomerDocument.Kind.values:
            errors["kind"] = _("Select a valid choice.")
    for name, value in (("number", number), ("notes", notes)):
        if value is not None:
            setattr(doc, name, _text({name: value}, name, CustomerDocument, errors))
    if expires_on is not None:
        doc.expires_on = expires_on or None


@transaction.atomic
def document_upload(
    *,
    by,
    customer_id: int,
    kind: str,
    file,
    number: str = "",
    expires_on: date | None = None,
    notes: str = "",
) -> CustomerDocument:
    """Keep a licence, certificate, invoicing sheet or contract scan of a customer; unverified
    until the clerk verifies it. Stores the file's SHA-256."""
    require(by, "crm.add_customerdocument")
    customer = customer_for_update(user=by, customer_id=customer_id)
    _refuse_merged(customer)
    errors: dict = {}
    doc = CustomerDocument(customer=customer, uploaded_by=by, uploaded_at=timezone.now())
    _document_fields(doc, kind=kind or "", number=number, expires_on=expires_on, notes=notes, errors=errors)
    if not kind:
        errors["kind"] = REQUIRED
    if file is None:
        errors["file"] = REQUIRED
    else:
        _check_file(file, errors)
    if errors:
        raise ValidationFailed(errors)
    doc.file_sha256 = _sha256(file)
    doc.file.save(file.name, file, save=False)
    doc.save()
    return doc


@transaction.atomic
def document_update(
    *, by, document_id: int, file=None, kind=None, number=None, expires_on=None, notes=None
) -> CustomerDocument:
    """Replace a document's file and/or change its type, number, expiry or notes. A new file (a
    different SHA-256), number or expiry date clears the verification: the clerk checks again."""
    require(by, "crm.change_customerdocument")
    doc = get_object_or_404(
        visible(CustomerDocument.objects, by).select_for_update(of=("self",)), pk=document_id
    )
    _refuse_merged(doc.customer)
    before = (doc.file_sha256, doc.number, doc.expires_on)
    errors: dict = {}
    _document_fields(doc, kind=kind, number=number, expires_on=expires_on, notes=notes, errors=errors)
    if file is not None:
        _check_file(file, errors)
    if errors:
        raise ValidationFailed(errors)
    if file is not None:
        sha = _sha256(file)
        if sha != doc.file_sha256:
            doc.file_sha256 = sha
            doc.file.save(file.name, file, save=False)
            doc.uploaded_by, doc.uploaded_at = by, timezone.now()
    if (doc.file_sha256, doc.number, doc.expires_on) != before:
        doc.verified_by, doc.verified_at = None, None
    doc.save()
    return doc


@transaction.atomic
def document_verify(*, by, document_id: int) -> CustomerDocument:
    """The clerk confirms the document matches the original (who, when)."""
    require(by, "crm.verify_customerdocument")
    doc = get_object_or_404(
        visible(CustomerDocument.objects, by).select_for_update(of=("self",)), pk=document_id
    )
    if not doc.is_active:
        raise refusal("read_only")
    doc.verified_by, doc.verified_at = by, timezone.now()
    doc.save(update_fields=["verified_by", "verified_at"])
    return doc
