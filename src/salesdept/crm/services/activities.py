"""Follow-ups and the phone log (C3): every write of an Activity or a PhoneCall.

A follow-up is planned for a day, then logged with its result. Logging one touches the customer's
last contact and schedules the next follow-up — on the day the salesperson gives, else by the
customer's tier revisit rule (A every 30 days, B 60, C 90) — unless one is already planned for
that customer on or before that day, so a customer never collects duplicate reminders."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.permissions import require

from ..models import Activity, Contact, Customer, Lead, PhoneCall
from ..text import normalize_phone

__all__ = [
    "activity_cancel",
    "activity_log",
    "activity_plan",
    "activity_update",
    "phone_call_create",
    "phone_call_update",
]

PLANNED = Activity.Status.PLANNED
PLAN_FIELDS = {"customer_id", "lead_id", "kind", "subject", "due_on", "owner_id"}
UPDATE_FIELDS = {"kind", "subject", "due_on", "owner_id"}
CALL_FIELDS = {"called_at", "caller", "number", "customer_id", "topic", "result", "handed_to_id"}
# How far ahead a follow-up may be planned: a typo in the year should not hide it for a century.
MAX_DAYS_AHEAD = 3 * 366

NOT_PLANNED = _("Only a planned follow-up can be changed; this one was already logged or cancelled.")


def _unknown(data: dict, allowed: set[str]) -> None:
    if unknown := set(data) - allowed:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})


def _text(data: dict, name: str, max_length: int, *, required: bool = False, errors: dict) -> str:
    value = data.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        errors[name] = _("This field is required.")
    elif len(value) > max_length:
        errors[name] = _("Ensure this value has at most %(max)s characters.") % {"max": max_length}
    return value


def _date(value, name: str, errors: dict, *, required: bool = False) -> datetime.date | None:
    if value in (None, ""):
        if required:
            errors[name] = _("This field is required.")
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors[name] = _("Enter a valid date.")
        return None


def _id(value, name: str, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        errors[name] = _("Enter a whole number.")
        return None


def _kind(value, errors: dict, default=None) -> str | None:
    if value in (None, ""):
        return default
    if value not in Activity.Kind.values:
        errors["kind"] = _("Select a valid choice.")
        return default
    return value


def _owner(by, owner_id: int | None, errors: dict, field: str = "owner_id"):
    """An active user within `by`'s scope (a salesperson may only name themself)."""
    if owner_id is None:
        return None
    owner = visible(get_user_model().objects.filter(is_active=True), by).filter(pk=owner_id).first()
    if owner is None:
        errors[field] = _("Choose a colleague you work with.")
    return owner


def _check_due(due_on, errors: dict, name: str = "due_on") -> None:
    if due_on and due_on > timezone.localdate() + datetime.timedelta(days=MAX_DAYS_AHEAD):
        errors[name] = _("Choose a date within the next three years.")


def _activity_for_update(by, activity_id: int) -> Activity:
    """The follow-up, locked; 404 when unknown or outside `by`'s scope."""
    return get_object_or_404(visible(Activity.objects, by).select_for_update(of=("self",)), pk=activity_id)


def _must_be_planned(activity: Activity) -> None:
    if activity.status != PLANNED:
        raise DomainError("not_planned", NOT_PLANNED, extra={"status": activity.status})


@transaction.atomic
def activity_plan(*, by, data: dict) -> Activity:
    """Plan a follow-up of a customer or a lead that `by` can see, due on `due_on`.

    The region is copied from the customer (or lead) so scoped lists need no join; the owner is
    the customer's (lead's) salesperson unless `owner_id` names a colleague in `by`'s scope."""
    require(by, "crm.add_activity")
    _unknown(data, PLAN_FIELDS)
    errors: dict = {}
    customer_id = _id(data.get("customer_id"), "customer_id", errors)
    lead_id = _id(data.get("lead_id"), "lead_id", errors)
    customer = lead = None
    if customer_id is not None:
        customer = visible(Customer.objects.active(), by).filter(pk=customer_id).first()
        if customer is None:
            errors["customer_id"] = _("Choose a customer you can see.")
    if lead_id is not None:
        lead = visible(Lead.objects, by).filter(pk=lead_id).first()
        if lead is None:
            errors["lead_id"] = _("Choose a lead you can see.")
    if customer_id is None and lead_id is None and "customer_id" not in errors:
        errors["customer_id"] = _("Choose the customer or the lead to follow up.")
    kind = _kind(data.get("kind"), errors, default=Activity.Kind.CALL)
    subject = _text(data, "subject", 200, errors=errors)
    due_on = _date(data.get("due_on"), "due_on", errors, required=True)
    _check_due(due_on, errors)
    owner = _owner(by, _id(data.get("owner_id"), "owner_id", errors), errors)
    if errors:
        raise ValidationFailed(errors)
    target = customer or lead
    activity = Activity.objects.create(
        kind=kind,
        customer=customer,
        lead=lead,
        region_id=target.region_id,
        subject=subject or default_subject(kind, target),
        due_on=due_on,
        owner=owner or target.owner,
        created_by=by,
    )
    return activity


def default_subject(kind: str, target) -> str:
    return str(_("%(kind)s: %(name)s") % {"kind": Activity.Kind(kind).label, "name": target.name})[:200]


@transaction.atomic
def activity_update(*, by, activity_id: int, data: dict) -> Activity:
    """Change a planned follow-up's kind, subject, due date or salesperson. A logged or cancelled
    one is history and is refused (409 not_planned)."""
    require(by, "crm.change_activity")
    _unknown(data, UPDATE_FIELDS)
    activity = _activity_for_update(by, activity_id)
    _must_be_planned(activity)
    errors: dict = {}
    changed = []
    if "kind" in data:
        activity.kind = _kind(data["kind"], errors, default=activity.kind)
        changed.append("kind")
    if "subject" in data:
        activity.subject = _text(data, "subject", 200, required=True, errors=errors)
        changed.append("subject")
    if "due_on" in data:
        activity.due_on = _date(data["due_on"], "due_on", errors, required=True)
        _check_due(activity.due_on, errors)
        changed.append("due_on")
    if "owner_id" in data:
        owner_id = _id(data["owner_id"], "owner_id", errors)
        if owner_id is None and "owner_id" not in errors:
            errors["owner_id"] = _("This field is required.")
        owner = _owner(by, owner_id, errors)
        if owner is not None:
            activity.owner = owner
            changed.append("owner")
    if errors:
        raise ValidationFailed(errors)
    if changed:
        activity.save(update_fields=changed)
    return activity


@transaction.atomic
def activity_log(
    *,
    by,
    activity_id: int,
    result: str,
    next_step: str = "",
    next_due_on=None,
    kind: str | None = None,
    done_at: datetime.datetime | None = None,
) -> Activity:
    """Record what came of a planned follow-up and schedule the next one.

    Marks it done with `result` (required) and `next_step`; touches the customer's last contact
    (customers.touch_last_contact). The next follow-up falls on `next_due_on` when given, else on
    the done day + the customer's tier revisit days (no tier: none). It is not created when a
    planned follow-up of that customer (lead) already falls on or before that day. The returned
    activity carries `next_follow_up` (the new or the already planned one, or None) and
    `next_created` (whether this call created it)."""
    require(by, "crm.change_activity")
    errors: dict = {}
    result = _text({"result": result}, "result", 5000, required=True, errors=errors)
    next_step = _text({"next_step": next_step}, "next_step", 300, errors=errors)
    kind = _kind(kind, errors)
    now = timezone.now()
    if done_at is None:
        done_at = now
    elif not isinstance(done_at, datetime.datetime):
        errors["done_at"] = _("Enter a valid date and time.")
        done_at = now
    elif timezone.is_naive(done_at):
        done_at = timezone.make_aware(done_at)
    if done_at > now + datetime.timedelta(minutes=5):
        errors["done_at"] = _("A follow-up cannot be logged in the future.")
    day = timezone.localdate(done_at)
    next_due_on = _date(next_due_on, "next_due_on", errors)
    if next_due_on is not None and next_due_on < day:
        errors["next_due_on"] = _("The next follow-up cannot be before this one.")
    _check_due(next_due_on, errors, "next_due_on")
    activity = _activity_for_update(by, activity_id)
    _must_be_planned(activity)
    if errors:
        raise ValidationFailed(errors)

    activity.status = Activity.Status.DONE
    activity.result = result
    activity.next_step = next_step
    activity.done_at = done_at
    if kind:
        activity.kind = kind
    activity.save(update_fields=["status", "result", "next_step", "done_at", "kind"])

    activity.next_follow_up, activity.next_created = None, False
    customer = None
    if activity.customer_id:
        from .customers import touch_last_contact

        # Lock the customer: two follow-ups of it logged at once must not both schedule one.
        customer = (
            Customer.objects.select_for_update(of=("self",))
            .select_related("tier")
            .get(pk=activity.customer_id)
        )
        touch_last_contact(customer_id=customer.pk, day=day)
        target, planned = customer, Activity.objects.filter(customer_id=customer.pk, status=PLANNED)
        if next_due_on is None and customer.tier is not None:
            next_due_on = day + datetime.timedelta(days=customer.tier.revisit_days)
    else:
        lead = Lead.objects.select_for_update(of=("self",)).get(pk=activity.lead_id)
        target, planned = lead, Activity.objects.filter(lead_id=lead.pk, status=PLANNED)
    if next_due_on is None:
        return activity
    if customer is not None and (not customer.is_active or customer.merged_into_id):
        return activity  # nobody follows up an archived or merged customer
    existing = planned.filter(due_on__lte=next_due_on).order_by("due_on", "pk").first()
    if existing is not None:
        activity.next_follow_up = existing
        return activity
    subject = next_step[:200] or activity.subject
    activity.next_follow_up = Activity.objects.create(
        kind=activity.kind,
        customer_id=activity.customer_id,
        lead_id=activity.lead_id,
        region_id=target.region_id,
        subject=subject,
        due_on=next_due_on,
        owner_id=target.owner_id if target.owner.is_active else activity.owner_id,
        follows=activity,
        created_by=by,
    )
    activity.next_created = True
    return activity


@transaction.atomic
def activity_cancel(*, by, activity_id: int, reason: str) -> Activity:
    """Cancel a planned follow-up, keeping the reason as its result (a cancelled one stays in the
    history; it is never deleted)."""
    require(by, "crm.change_activity")
    errors: dict = {}
    reason = _text({"reason": reason}, "reason", 1000, required=True, errors=errors)
    activity = _activity_for_update(by, activity_id)
    _must_be_planned(activity)
    if errors:
        raise ValidationFailed(errors)
    activity.status = Activity.Status.CANCELLED
    activity.result = reason
    activity.done_at = timezone.now()
    activity.save(update_fields=["status", "result", "done_at"])
    return activity


# ------------------------------------------------------------------------------- phone log


def phone_forms(number: str) -> list[str]:
    """The stored (normalised) forms a number may have been saved in. normalize_phone drops +86
    only before an 11-digit mobile number, so a landline is kept as "021…" when typed at home and
    "8621…" when typed with the country code; both forms are looked up."""
    digits = normalize_phone(number)
    if len(digits) < 5:
        return []
    forms = [digits]
    if digits.startswith("86") and len(digits) > 9:
        forms.append("0" + digits[2:])
    elif digits.startswith("0") and not digits.startswith("00"):
        forms.append("86" + digits[1:])
    return forms


def match_customer(*, by, number: str) -> Customer | None:
    """The one active customer `by` can see whose phone (or a contact's) is `number`, else None
    (no match, or several: the clerk chooses then)."""
    forms = phone_forms(number)
    if not forms:
        return None
    customers = visible(Customer.objects.active(), by)
    found = list(customers.filter(phone_normalized__in=forms).values_list("pk", flat=True)[:2])
    if not found:
        found = list(
            visible(Contact.objects.filter(is_active=True, customer__in=customers), by)
            .filter(phone_normalized__in=forms)
            .values_list("customer_id", flat=True)
            .distinct()[:2]
        )
    if len(found) != 1:
        return None
    return Customer.objects.get(pk=found[0])


def _call_fields(by, data: dict, call: PhoneCall) -> list[str]:
    errors: dict = {}
    changed = []
    if "called_at" in data:
        value = data["called_at"]
        if value in (None, ""):
            value = timezone.now()
        elif not isinstance(value, datetime.datetime):
            errors["called_at"] = _("Enter a valid date and time.")
            value = timezone.now()
        elif timezone.is_naive(value):
            value = timezone.make_aware(value)
        if value > timezone.now() + datetime.timedelta(minutes=5):
            errors["called_at"] = _("A call cannot be in the future.")
        call.called_at = value
        changed.append("called_at")
    for name, size, required in (
        ("caller", 100, True),
        ("number", 50, False),
        ("topic", 300, True),
        ("result", 300, False),
    ):
        if name in data or (required and call.pk is None):
            setattr(call, name, _text(data, name, size, required=required, errors=errors))
            changed.append(name)
    if "customer_id" in data:
        customer_id = _id(data["customer_id"], "customer_id", errors)
        customer = None
        if customer_id is not None:
            customer = visible(Customer.objects.active(), by).filter(pk=customer_id).first()
            if customer is None:
                errors["customer_id"] = _("Choose a customer you can see.")
        call.customer = customer
        changed.append("customer")
    if "handed_to_id" in data:
        handed_id = _id(data["handed_to_id"], "handed_to_id", errors)
        handed = None
        if handed_id is not None:
            handed = get_user_model().objects.filter(is_active=True, pk=handed_id).first()
            if handed is None:
                errors["handed_to_id"] = _("Choose an active colleague.")
        call.handed_to = handed
        changed.append("handed_to")
    if errors:
        raise ValidationFailed(errors)
    return changed


@transaction.atomic
def phone_call_create(*, by, data: dict) -> PhoneCall:
    """Log a call taken by the clerk (电话接听记录). When no customer is named, the number is
    matched to the one visible customer (or contact) with that phone, if exactly one."""
    require(by, "crm.add_phonecall")
    _unknown(data, CALL_FIELDS)
    call = PhoneCall(taken_by=by, called_at=timezone.now())
    _call_fields(by, {"called_at": None, **data}, call)
    if call.customer is None and data.get("customer_id") in (None, "") and call.number:
        call.customer = match_customer(by=by, number=call.number)
    call.save()
    return call


@transaction.atomic
def phone_call_update(*, by, call_id: int, data: dict) -> PhoneCall:
    """Correct a logged call (topic, result, who it was handed to, the customer …)."""
    require(by, "crm.change_phonecall")
    _unknown(data, CALL_FIELDS)
    call = get_object_or_404(visible(PhoneCall.objects, by).select_for_update(of=("self",)), pk=call_id)
    changed = _call_fields(by, data, call)
    if changed:
        call.save(update_fields=changed)
    return call
