"""Writes of samples and sales materials (W5).

Sample loans are opened by posting an issue with purpose "sample" and reduced by sample
returns (both in services.documents); here:

    loan_consume        record what the holder gave away or used up; the loan closes when
                        nothing is outstanding any more
    received_register   样品的登记: a sample received from a customer or supplier
    received_update     correct a registration that has not been checked yet
    received_check      查收: what arrived matches the sender's note
    received_verify     核实: by a second person — never the one who registered it (403)
    received_return / received_dispose   returned to the sender, or disposed of
"""

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.catalog.models import Product
from salesdept.core.errors import DomainError, ValidationFailed, refusal
from salesdept.core.permissions import require
from salesdept.crm.models import Customer

from ..models import Location, ReceivedSample, SampleLoan
from . import inputs

__all__ = [
    "OWN_REGISTRATION",
    "loan_consume",
    "received_allowed_actions",
    "received_check",
    "received_dispose",
    "received_register",
    "received_return",
    "received_update",
    "received_verify",
]

R = ReceivedSample.Status
OWN_REGISTRATION = _("The person who registered a sample cannot verify it; a second person does.")
FIELDS = {"received_on", "sender", "customer", "product", "description", "quantity", "location", "notes"}

# action → (states it may start from, target state)
MOVES = {
    "check": ({R.REGISTERED}, R.CHECKED),
    "verify": ({R.CHECKED}, R.VERIFIED),
    "return": ({R.REGISTERED, R.CHECKED, R.VERIFIED}, R.RETURNED),
    "dispose": ({R.REGISTERED, R.CHECKED, R.VERIFIED}, R.DISPOSED),
}


# --- sample loans ----------------------------------------------------------------------------


@transaction.atomic
def loan_consume(*, by, loan_id: int, quantity, note: str = "") -> SampleLoan:
    """Record `quantity` of an open loan as consumed (given away, used up) with a note; it may
    not exceed what is outstanding (400 naming `quantity`). The loan closes when nothing is
    outstanding. The keeper does this (warehouse.change_sampleloan); 404 outside the scope."""
    require(by, "warehouse.change_sampleloan")
    loan = get_object_or_404(visible(SampleLoan.objects, by).select_for_update(of=("self",)), pk=loan_id)
    if loan.status != SampleLoan.Status.OUT:
        raise refusal("read_only")
    quantity = inputs.decimal(quantity, "quantity", positive=True)
    if quantity > loan.outstanding:
        raise ValidationFailed(
            {
                "quantity": _("Only %(outstanding)s is outstanding on this loan.")
                % {"outstanding": loan.outstanding.normalize()}
            }
        )
    note = inputs.text({"note": note}, "note", max_length=300)
    loan.consumed += quantity
    if note:
        stamp = f"{timezone.localdate():%Y-%m-%d} −{quantity.normalize()}: {note}"
        loan.notes = (f"{loan.notes}\n{stamp}" if loan.notes else stamp)[-300:]
    if loan.outstanding == 0:
        loan.status = SampleLoan.Status.CLOSED
    loan.save(update_fields=["consumed", "notes", "status"])
    return loan


# --- received samples ------------------------------------------------------------------------


def received_allowed_actions(sample: ReceivedSample, user) -> list[str]:
    """What `user` may do with `sample` now: edit, check, verify, return, dispose."""
    if not (user.is_active and user.has_perm("warehouse.change_receivedsample")):
        return []
    actions = ["edit"] if sample.status == R.REGISTERED else []
    for action, (source, _target) in MOVES.items():
        if sample.status in source and not (action == "verify" and user.pk == sample.registered_by_id):
            actions.append(action)
    return actions


def _clean(data: dict, *, current: dict | None = None) -> dict:
    if unknown := set(data) - FIELDS:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})
    data = {**(current or {}), **data}
    fields = {
        "received_on": inputs.date(data.get("received_on") or timezone.localdate(), "received_on"),
        "sender": inputs.text(data, "sender", max_length=200, required=True),
        "description": inputs.text(data, "description", max_length=300, required=True),
        "quantity": inputs.decimal(data.get("quantity"), "quantity", positive=True),
        "notes": inputs.text(data, "notes", max_length=5000),
    }
    if fields["received_on"] > timezone.localdate():
        raise ValidationFailed({"received_on": _("A sample cannot be received in the future.")})
    fields["customer"] = None
    if (pk := inputs.ident(data.get("customer"), "customer", required=False)) is not None:
        fields["customer"] = Customer.objects.filter(pk=pk).first()
        if fields["customer"] is None:
            raise ValidationFailed({"customer": _("Select a valid choice.")})
    fields["product"] = None
    if (pk := inputs.ident(data.get("product"), "product", required=False)) is not None:
        fields["product"] = Product.objects.filter(pk=pk).first()
        if fields["product"] is None:
            raise ValidationFailed({"product": _("Select a valid choice.")})
    fields["location"] = None
    if (pk := inputs.ident(data.get("location"), "location", required=False)) is not None:
        fields["location"] = Location.objects.filter(pk=pk, is_active=True).first()
        if fields["location"] is None:
            raise ValidationFailed({"location": _("Select a valid choice.")})
    return fields


@transaction.atomic
def received_register(*, by, data: dict) -> ReceivedSample:
    """Register a sample received (登记): received_on (default today, not in the future),
    sender, description and quantity (> 0) required; customer, product, location (kept at)
    and notes optional. Bad input raises ValidationFailed naming the field."""
    require(by, "warehouse.add_receivedsample")
    return ReceivedSample.objects.create(registered_by=by, **_clean(dict(data)))


def _locked(sample_id: int) -> ReceivedSample:
    return get_object_or_404(ReceivedSample.objects.select_for_update(of=("self",)), pk=sample_id)


@transaction.atomic
def received_update(*, by, sample_id: int, data: dict) -> ReceivedSample:
    """Correct a registration before it is checked (409 read_only afterwards)."""
    require(by, "warehouse.change_receivedsample")
    sample = _locked(sample_id)
    if sample.status != R.REGISTERED:
        raise refusal("read_only")
    current = {
        "received_on": sample.received_on,
        "sender": sample.sender,
        "customer": sample.customer_id,
        "product": sample.product_id,
        "description": sample.description,
        "quantity": sample.quantity,
        "location": sample.location_id,
        "notes": sample.notes,
    }
    for name, value in _clean(dict(data), current=current).items():
        setattr(sample, name, value)
    sample.save()
    return sample


def _move(*, by, sample_id: int, action: str, note: str = "") -> ReceivedSample:
    require(by, "warehouse.change_receivedsample")
    sample = _locked(sample_id)
    source, target = MOVES[action]
    if sample.status not in source:
        raise refusal("invalid_transition", extra={"status": sample.status, "action": action})
    if action == "verify" and by.pk == sample.registered_by_id:
        raise DomainError("own_registration", OWN_REGISTRATION, status=403)
    note = inputs.text({"note": note}, "note", max_length=1000)
    if action in ("return", "dispose") and not note:
        raise ValidationFailed({"note": _("Please give a reason.")})
    now = timezone.now()
    if action == "check":
        sample.checked_by, sample.checked_at = by, now
    elif action == "verify":
        sample.verified_by, sample.verified_at = by, now
    if note:
        label = {
            "check": _("Checked"),
            "verify": _("Verified"),
            "return": _("Returned"),
            "dispose": _("Disposed"),
        }
        line = f"{now:%Y-%m-%d} {label[action]} ({by}): {note}"
        sample.notes = f"{sample.notes}\n{line}" if sample.notes else line
    sample.status = target
    sample.save()
    return sample


@transaction.atomic
def received_check(*, by, sample_id: int, note: str = "") -> ReceivedSample:
    """查收: the sample as registered has arrived (registered → checked)."""
    return _move(by=by, sample_id=sample_id, action="check", note=note)


@transaction.atomic
def received_verify(*, by, sample_id: int, note: str = "") -> ReceivedSample:
    """核实 by a second person (checked → verified); the registrar is refused (403)."""
    return _move(by=by, sample_id=sample_id, action="verify", note=note)


@transaction.atomic
def received_return(*, by, sample_id: int, note: str = "") -> ReceivedSample:
    """Returned to the sender (a note saying how is required)."""
    return _move(by=by, sample_id=sample_id, action="return", note=note)


@transaction.atomic
def received_dispose(*, by, sample_id: int, note: str = "") -> ReceivedSample:
    """Disposed of (used up in tests, destroyed …; a note is required)."""
    return _move(by=by, sample_id=sample_id, action="dispose", note=note)
