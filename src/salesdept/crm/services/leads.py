"""Every write of leads and visitor receptions (C2): create, edit, move between stages, win
(creating or linking a customer), and the reception log that can create a lead.

Each function checks the permission, validates (ValidationFailed → 400 naming the field), locks
the row it changes and records the stage history (LeadStageChange) that conversion rates are
computed from. Pages, API, imports and the demo data all come through here."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Region, User
from salesdept.accounts.scope import Scope, region_subtree, scope_of, visible
from salesdept.core.errors import DomainError, ValidationFailed, refusal
from salesdept.core.numbering import next_number
from salesdept.core.permissions import require

from ..models import Customer, Lead, LeadStage, LeadStageChange, Source, Visit
from ..selectors.leads import lead_for_update, visit_for_update
from ..text import normalize_name, normalize_phone, pinyin_key

NUMBER_PREFIX = "LD"
# What lead_build accepts; stage only when creating (afterwards it moves through lead_move).
LEAD_FIELDS = frozenset(
    "name contact_name phone email source stage"
    " expected_amount expected_on region_id region owner_id owner notes".split()
)
VISIT_FIELDS = frozenset(
    "visited_at visitor_name company phone people"
    " purpose notes received_by_id customer_id lead_region_id".split()
)
MAX_AMOUNT = Decimal("999999999999.99")
REQUIRED = _("This field is required.")
UNKNOWN_FIELD = _("This field cannot be set here.")


# --- helpers -----------------------------------------------------------------------------------


def _text(data: dict, name: str, errors: dict, *, max_length: int, required: bool = False) -> str:
    value = data.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        errors[name] = REQUIRED
    elif len(value) > max_length:
        errors[name] = _("Ensure this value has at most %(max)s characters.") % {"max": max_length}
    return value


def _amount(value, name: str, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        errors[name] = _("Enter a number.")
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        errors[name] = _("Enter an amount between 0 and 999,999,999,999.99.")
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors[name] = _("Ensure that there are no more than 2 decimal places.")
        return None
    return amount.quantize(Decimal("0.01"))


def _date(value, name: str, errors: dict) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        parsed = parse_date(str(value).strip())
    except ValueError:
        parsed = None
    if parsed is None:
        errors[name] = _("Enter a valid date.")
    return parsed


def _datetime(value, name: str, errors: dict) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = parse_datetime(value.strip())
        except ValueError:
            value = None
        if value is None:
            errors[name] = _("Enter a valid date and time.")
            return None
    if not isinstance(value, datetime.datetime):
        errors[name] = _("Enter a valid date and time.")
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


class Lookups:
    """Regions, stages and the people `by` may assign work to, each read once. lead_build makes
    one per call; a bulk import passes one in, so thousands of rows cost no query each."""

    def __init__(self, by):
        self.by = by
        self._regions: dict | None = None
        self._people: dict | None = None
        self._stages: dict | None = None
        self._subtree: set | None = None

    @staticmethod
    def _pick(table: dict, value, model):
        if isinstance(value, model):
            return table.get(value.pk)
        if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
            return table.get(int(value))
        return table.get(str(value).strip().lower())

    def region(self, value) -> Region | None:
        """A region by instance, id, code or name."""
        if self._regions is None:
            self._regions = {}
            for r in Region.objects.all():
                # names too, so an imported sheet may say 上海 or Shanghai; codes win on a clash
                for name in (r.name, r.name_en):
                    if name:
                        self._regions.setdefault(name.strip().lower(), r)
                self._regions.update({r.pk: r, r.code.lower(): r})
        return self._pick(self._regions, value, Region)

    def person(self, value) -> User | None:
        """An active person `by` may see (the scope rule applied to users), by instance, id,
        username or display name: work given to someone outside one's scope would vanish from
        one's view."""
        if self._people is None:
            self._people = {}
            for u in visible(User.objects.filter(is_active=True), self.by):
                if u.display_name:
                    self._people.setdefault(u.display_name.strip().lower(), u)
                self._people.update({u.pk: u, u.username.lower(): u})
        return self._pick(self._people, value, User)

    def stage(self, code) -> LeadStage | None:
        if self._stages is None:
            self._stages = {s.code: s for s in LeadStage.objects.filter(is_active=True)}
        return self._stages.get(str(code or "").strip())

    def first_stage(self, outcome: str) -> LeadStage:
        if self._stages is None:
            self.stage("")
        found = sorted(
            (s for s in self._stages.values() if s.outcome == outcome), key=lambda s: (s.sort_order, s.pk)
        )
        if not found:  # the administrator deactivated every stage of this outcome
            raise DomainError("no_stage", _("No active lead stage for this step. Ask an administrator."))
        return found[0]

    def in_region(self, region_id: int) -> bool:
        """Whether `region_id` lies in `by`'s region (or below it)."""
        if self._subtree is None:
            self._subtree = set(region_subtree(self.by.region_id)) if self.by.region_id else set()
        return region_id in self._subtree


def _check_version(lead: Lead, version: int | None) -> None:
    if version is not None and int(version) != lead.version:
        raise refusal("stale_version", extra={"current_version": lead.version})


def reopening(current: LeadStage, target: LeadStage) -> bool:
    return current.outcome != LeadStage.Outcome.OPEN and target.outcome == LeadStage.Outcome.OPEN


def _record(lead: Lead, *, by, from_stage, to_stage, note: str, at) -> LeadStageChange:
    return LeadStageChange.objects.create(
        lead=lead, from_stage=from_stage, to_stage=to_stage, note=note[:300], by=by, at=at
    )


# --- leads -------------------------------------------------------------------------------------


def lead_build(*, by, data: dict, instance: Lead | None = None, lookups: Lookups | None = None) -> Lead:
    """Validate `data` and apply it to `instance` (or a new lead) WITHOUT saving.

    Fills the normalised name, pinyin and phone. Region and owner may be given as ids
    (`region_id`, `owner_id`) or, for imports, as a region code (`region`) and a username
    (`owner`); the owner defaults to `by` and the region to the owner's. The owner must be a
    person `by` may see, and a regional manager's lead must lie in their region, so a new lead
    never disappears from its creator's view. `stage` (a code; default the first open stage) is
    taken only for a new lead and must be an open stage. Raises ValidationFailed naming every
    field at fault."""
    creating = instance is None
    lookups = lookups or Lookups(by)
    lead = instance or Lead()
    errors: dict = {}
    unknown = set(data) - LEAD_FIELDS
    if not creating and "stage" in data:
        unknown.add("stage")
    for name in sorted(unknown):
        errors[name] = UNKNOWN_FIELD

    def given(name):
        return creating or name in data

    if given("name"):
        lead.name = _text(data, "name", errors, max_length=200, required=True)
    if given("contact_name"):
        lead.contact_name = _text(data, "contact_name", errors, max_length=100)
    if given("phone"):
        lead.phone = _text(data, "phone", errors, max_length=50)
    if given("email"):
        lead.email = _text(data, "email", errors, max_length=254)
        if lead.email:
            try:
                validate_email(lead.email)
            except ValidationError:
                errors["email"] = _("Enter a valid email address.")
    if given("source"):
        lead.source = str(data.get("source") or Source.OTHER).strip()
        if lead.source not in Source.values:
            errors["source"] = _("Select a valid choice.")
    if given("expected_amount"):
        lead.expected_amount = _amount(data.get("expected_amount"), "expected_amount", errors)
    if given("expected_on"):
        lead.expected_on = _date(data.get("expected_on"), "expected_on", errors)
    if given("notes"):
        lead.notes = str(data.get("notes") or "").strip()
    if creating:
        if data.get("stage") not in (None, ""):
            stage = lookups.stage(data["stage"])
            if stage is None:
                errors["stage"] = _("Unknown stage.")
            elif stage and stage.outcome != LeadStage.Outcome.OPEN:
                errors["stage"] = _("A new lead starts in an open stage; win or lose it afterwards.")
            else:
                lead.stage = stage
        else:
            lead.stage = lookups.first_stage(LeadStage.Outcome.OPEN)

    owner_key = "owner_id" if "owner_id" in data else "owner"
    if data.get(owner_key) not in (None, ""):
        owner = lookups.person(data[owner_key])
        if owner is None:
            errors[owner_key] = _("Choose a salesperson you work with.")
        else:
            lead.owner = owner
    elif creating:
        lead.owner = by
    region_key = "region_id" if "region_id" in data else "region"
    if data.get(region_key) not in (None, ""):
        region = lookups.region(data[region_key])
        if region is None:
            errors[region_key] = _("Unknown region.")
        else:
            lead.region = region
    elif creating or region_key in data:
        owner = lead.owner if lead.owner_id else None
        fallback = (owner.region_id if owner else None) or by.region_id
        if fallback is None:
            errors[region_key] = REQUIRED
        else:
            lead.region_id = fallback
    if (
        not errors.keys() & {"owner", "owner_id", "region", "region_id"}
        and lead.owner_id
        and lead.region_id
        and scope_of(by) == Scope.REGION
        and lead.owner_id != by.pk
        and not lookups.in_region(lead.region_id)
    ):
        errors[region_key] = _("Choose a region you are responsible for.")
    if errors:
        raise ValidationFailed(errors)
    lead.name_normalized = normalize_name(lead.name)
    lead.name_pinyin = pinyin_key(lead.name)
    lead.phone_normalized = normalize_phone(lead.phone)
    if creating:
        lead.created_by = by
    return lead


@transaction.atomic
def lead_create(*, by, data: dict, at: datetime.datetime | None = None) -> Lead:
    """Create a lead numbered LD-YYYY-NNNNNN in an open stage (default: the first) and record
    its entry into that stage as the first step of its history (from: none), so conversion
    rates see every lead. `at` back-dates creation (demo data, imports of history only)."""
    require(by, "crm.add_lead")
    lead = lead_build(by=by, data=data)
    at = at or timezone.now()
    lead.code = next_number(NUMBER_PREFIX, year=timezone.localtime(at).year)
    lead.created_at = at
    lead.stage_changed_at = at
    lead.save()
    _record(lead, by=by, from_stage=None, to_stage=lead.stage, note="", at=at)
    return lead


@transaction.atomic
def lead_update(*, by, lead_id: int, data: dict, version: int | None = None) -> Lead:
    """Edit a lead's data (not its stage: see lead_move). `version` is the one the editor loaded;
    a stale one answers 409 stale_version and nothing changes."""
    require(by, "crm.change_lead")
    lead = lead_for_update(user=by, lead_id=lead_id)
    _check_version(lead, version)
    lead_build(by=by, data=data, instance=lead)
    lead.version += 1
    lead.save()
    return lead


@transaction.atomic
def lead_move(
    *,
    by,
    lead_id: int,
    stage_code: str,
    note: str = "",
    lost_reason: str = "",
    version: int | None = None,
    at: datetime.datetime | None = None,
) -> Lead:
    """Move a lead to another stage and record the move (LeadStageChange).

    Any move between open stages is allowed, forwards or back. Moving to a lost stage needs a
    `lost_reason`. Winning goes through lead_win (it needs a customer). A closed (won or lost)
    lead may be reopened into an open stage with a `note` saying why; its closing time is
    cleared. `at` back-dates the move (demo data only)."""
    require(by, "crm.change_lead")
    lead = lead_for_update(user=by, lead_id=lead_id)
    _check_version(lead, version)
    errors: dict = {}
    note = (note or "").strip()
    lost_reason = (lost_reason or "").strip()
    stage = LeadStage.objects.filter(code=str(stage_code or "").strip(), is_active=True).first()
    if stage is None:
        errors["stage"] = _("Unknown stage.")
    if len(note) > 300:
        errors["note"] = _("Ensure this value has at most %(max)s characters.") % {"max": 300}
    if len(lost_reason) > 300:
        errors["lost_reason"] = _("Ensure this value has at most %(max)s characters.") % {"max": 300}
    if stage is not None:
        current = LeadStage.objects.get(pk=lead.stage_id)
        if stage.pk == current.pk:
            errors["stage"] = _("The lead is already in this stage.")
        elif stage.outcome == LeadStage.Outcome.WON:
            errors["stage"] = _("Win the lead with the Won button: it creates or links the customer.")
        elif stage.outcome == LeadStage.Outcome.LOST and not lost_reason:
            errors["lost_reason"] = _("Say why the lead was lost.")
        elif reopening(current, stage) and not note:
            errors["note"] = _("Say why the closed lead is reopened.")
    if errors:
        raise ValidationFailed(errors)
    at = at or timezone.now()
    lead.stage = stage
    lead.stage_changed_at = at
    if stage.outcome == LeadStage.Outcome.LOST:
        lead.lost_reason = lost_reason
        lead.closed_at = at
        history_note = lost_reason if not note else f"{lost_reason} — {note}"
    else:
        lead.lost_reason = ""
        lead.closed_at = None
        history_note = note
    lead.version += 1
    lead.save()
    _record(lead, by=by, from_stage=current, to_stage=stage, note=history_note, at=at)
    return lead


def customer_data_from_lead(lead: Lead) -> dict:
    """What the new customer starts with when a lead is won: the win form's prefill."""
    return {
        "kind": "company",
        "name": lead.name,
        "phone": lead.phone,
        "email": lead.email,
        "source": lead.source,
        "region_id": lead.region_id,
        "owner_id": lead.owner_id,
        "notes": lead.notes,
    }


@transaction.atomic
def lead_win(
    *,
    by,
    lead_id: int,
    customer_id: int | None = None,
    customer_data: dict | None = None,
    allow_duplicate: bool = False,
    note: str = "",
    version: int | None = None,
    at: datetime.datetime | None = None,
) -> Lead:
    """Win a lead: link the existing customer `customer_id` (one `by` may see) or create one from
    the lead's own data, overridden by `customer_data`, through customers.customer_create, then move
    the lead to the won stage and record the move. A likely duplicate customer is refused
    (409 duplicate_customer, with the duplicates) unless `allow_duplicate`; then nothing is
    written, so the caller may offer to link one of them instead."""
    from . import customers  # written by the customers module; imported late to keep them apart

    require(by, "crm.change_lead")
    lead = lead_for_update(user=by, lead_id=lead_id)
    _check_version(lead, version)
    current = LeadStage.objects.get(pk=lead.stage_id)
    if current.outcome == LeadStage.Outcome.WON:
        raise DomainError("already_won", _("This lead has already been won."))
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationFailed(
            {"note": _("Ensure this value has at most %(max)s characters.") % {"max": 300}}
        )
    if customer_id is not None:
        customer = (
            visible(Customer.objects, by)
            .filter(pk=customer_id, merged_into__isnull=True, is_active=True)
            .first()
        )
        if customer is None:
            raise ValidationFailed({"customer_id": _("Choose a customer you can see.")})
    else:
        data = {**customer_data_from_lead(lead), **(customer_data or {})}
        customer = customers.customer_create(by=by, data=data, allow_duplicate=allow_duplicate)
    won = Lookups(by).first_stage(LeadStage.Outcome.WON)
    at = at or timezone.now()
    lead.customer = customer
    lead.stage = won
    lead.stage_changed_at = at
    lead.closed_at = at
    lead.lost_reason = ""
    lead.version += 1
    lead.save()
    _record(lead, by=by, from_stage=current, to_stage=won, note=note, at=at)
    return lead


# --- visitor reception -------------------------------------------------------------------------


def _visit_apply(*, by, visit: Visit, data: dict, creating: bool) -> None:
    errors: dict = {}
    for name in sorted(set(data) - VISIT_FIELDS):
        errors[name] = UNKNOWN_FIELD

    def given(name):
        return creating or name in data

    if given("visited_at"):
        value = data.get("visited_at")
        if value not in (None, ""):
            visit.visited_at = _datetime(value, "visited_at", errors) or visit.visited_at
        elif creating:
            visit.visited_at = timezone.now()  # the visitor is at the desk now
        else:
            errors["visited_at"] = REQUIRED
    if given("visitor_name"):
        visit.visitor_name = _text(data, "visitor_name", errors, max_length=100, required=True)
    if given("company"):
        visit.company = _text(data, "company", errors, max_length=200)
    if given("phone"):
        visit.phone = _text(data, "phone", errors, max_length=50)
    if given("purpose"):
        visit.purpose = _text(data, "purpose", errors, max_length=300, required=True)
    if given("notes"):
        visit.notes = str(data.get("notes") or "").strip()
    if given("people"):
        people = data.get("people")
        try:
            visit.people = 1 if people in (None, "") else int(people)
            if not 1 <= visit.people <= 10_000:
                raise ValueError
        except (TypeError, ValueError):
            errors["people"] = _("Enter a whole number of at least 1.")
    if data.get("received_by_id") not in (None, ""):
        receiver = Lookups(by).person(data["received_by_id"])
        if receiver is None:
            errors["received_by_id"] = _("Choose a person you work with.")
        else:
            visit.received_by = receiver
    elif creating:
        visit.received_by = by
    if "customer_id" in data:
        if data["customer_id"] in (None, ""):
            visit.customer = None
        else:
            customer = visible(Customer.objects, by).filter(pk=data["customer_id"]).first()
            if customer is None:
                errors["customer_id"] = _("Choose a customer you can see.")
            visit.customer = customer
    if errors:
        raise ValidationFailed(errors)


def _lead_from_visit(*, by, visit: Visit, region_id) -> Lead:
    data = {
        "name": visit.company or visit.visitor_name,
        "contact_name": visit.visitor_name,
        "phone": visit.phone,
        "source": Source.VISIT,
        "notes": visit.purpose if not visit.notes else f"{visit.purpose}\n{visit.notes}",
        "owner_id": visit.received_by_id,
    }
    if region_id not in (None, ""):
        data["region_id"] = region_id
    try:
        return lead_create(by=by, data=data)
    except ValidationFailed as exc:
        # The visit form names its own fields: the lead's region is `lead_region_id` there.
        fields = {("lead_region_id" if k in ("region_id", "region") else k): v for k, v in exc.fields.items()}
        raise ValidationFailed(fields) from exc


@transaction.atomic
def visit_create(*, by, data: dict, create_lead: bool = False) -> Visit:
    """Record a visitor received at the office (来访接待); the receiver defaults to `by`. With
    `create_lead` a lead (source: walk-in visit) owned by the receiver is created from the visit
    and linked to it; `lead_region_id` sets its region (default: the receiver's)."""
    require(by, "crm.add_visit")
    visit = Visit(created_by=by)
    _visit_apply(by=by, visit=visit, data=data, creating=True)
    if create_lead:
        visit.lead = _lead_from_visit(by=by, visit=visit, region_id=data.get("lead_region_id"))
    visit.save()
    return visit


@transaction.atomic
def visit_update(*, by, visit_id: int, data: dict, create_lead: bool = False) -> Visit:
    """Correct a reception record; with `create_lead` also create its lead when it has none."""
    require(by, "crm.change_visit")
    visit = visit_for_update(user=by, visit_id=visit_id)
    _visit_apply(by=by, visit=visit, data=data, creating=False)
    if create_lead and visit.lead_id is None:
        visit.lead = _lead_from_visit(by=by, visit=visit, region_id=data.get("lead_region_id"))
    elif create_lead:
        raise ValidationFailed({"create_lead": _("A lead was already created from this visit.")})
    visit.save()
    return visit
