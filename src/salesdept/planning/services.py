"""Writes of sales plans 销售计划 (P1): drafted with their targets, submitted, reviewed by a second
person (双人复核: the director, never the preparer), approved and then fixed; revised 修订 by a new
plan that is reviewed again and, once approved, supersedes the one it revises.

Every state change goes through core.workflow.apply (submit, approve, reject, cancel, supersede),
which checks the state, the permission and the two-person rule and appends a DocumentEvent; the
plan itself is registered with auditlog (apps.py). Money is Decimal throughout.

A user edits only the targets they can see (accounts.scope.visible on PlanTarget): a manager's
edit replaces their team's targets and leaves the rest of the plan as it was, and a target the
editor would no longer see (another team's, the company's) is refused naming its line."""

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Region, Team
from salesdept.accounts.scope import visible
from salesdept.catalog.models import Category
from salesdept.core import review, workflow
from salesdept.core.errors import DomainError, ValidationFailed, refusal
from salesdept.core.events import log
from salesdept.core.numbering import next_number
from salesdept.core.permissions import require

from .models import FIRST_YEAR, LAST_YEAR, PLACES, SUBJECT_FIELD, Level, Measure, Plan, PlanStatus, PlanTarget

__all__ = [
    "MONTHS",
    "SPREAD_MODES",
    "plan_allowed_actions",
    "plan_approve",
    "plan_cancel",
    "plan_create",
    "plan_for_update",
    "plan_reject",
    "plan_revise",
    "plan_submit",
    "plan_update_draft",
    "spread",
]

S = PlanStatus
MONTHS = range(1, 13)
LIVE = (S.DRAFT, S.SUBMITTED, S.APPROVED)
OPEN_REVISION = (S.DRAFT, S.SUBMITTED)
SPREAD_MODES = ("even", "weights")
MAX_VALUE = Decimal("1e13")  # the column holds 14 digits before the point
MAX_TARGETS = 500
HEADER_FIELDS = {"title", "notes"}


# --- spreading a yearly figure over the months ------------------------------------------------


def spread(*, year_total, weights=None, places=Decimal("0.01"), field: str = "year_total") -> list[Decimal]:
    """Twelve monthly values adding up to exactly `year_total`: evenly, or in proportion to 12
    non-negative `weights` (a seasonal profile), each a whole multiple of `places` (0.01 for
    money, 1 for quantities and customer counts). Largest remainder: every month gets its share
    rounded down, and the units left go one each to the months with the largest cut-off parts
    (the earlier month first on a tie). Bad input raises ValidationFailed naming `field` (or
    "weights")."""
    total = _decimal(year_total, field)
    places = Decimal(places)
    if total != total.quantize(places) or total.quantize(places) < 0:
        raise ValidationFailed(
            {field: _("Enter the yearly figure in steps of %(places)s.") % {"places": places}}
        )
    if weights is None:
        shares = [Fraction(1)] * 12
    else:
        if not isinstance(weights, list | tuple) or len(weights) != 12:
            raise ValidationFailed({"weights": _("Enter 12 weights, one per month.")})
        shares = [Fraction(_decimal(w, "weights")) for w in weights]
        if sum(shares) <= 0:
            raise ValidationFailed({"weights": _("At least one weight must be greater than zero.")})
    units = int(total / places)  # exact: total is a whole multiple of places
    whole = sum(shares)
    exact = [units * s / whole for s in shares]
    floors = [int(x) for x in exact]  # non-negative, so int() rounds down
    left = units - sum(floors)
    order = sorted(range(12), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [(Decimal(n) * places).quantize(places) for n in floors]


# --- small input helpers ---------------------------------------------------------------------


def _decimal(value, field: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed({field: _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationFailed({field: _("Enter a number.")})
    if number < 0:
        raise ValidationFailed({field: _("Must not be negative.")})
    if number >= MAX_VALUE:
        raise ValidationFailed({field: _("The number is too large.")})
    return number


def _text(value, field: str, *, max_length: int) -> str:
    text = str(value or "").strip()
    if len(text) > max_length:
        raise ValidationFailed(
            {field: _("Ensure this value has at most %(max)s characters.") % {"max": max_length}}
        )
    return text


def _year(value) -> int:
    if isinstance(value, bool) or not str(value or "").strip().isdigit():
        raise ValidationFailed({"year": _("Enter a year.")})
    year = int(str(value).strip())
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            {
                "year": _("Enter a year between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            }
        )
    return year


def _subject(level: str, subject_id, prefix: str):
    """The Region, Team, User or Category the target names (None for the company)."""
    if level == Level.COMPANY:
        return None
    model = {
        Level.REGION: Region,
        Level.TEAM: Team,
        Level.SALESPERSON: get_user_model(),
        Level.CATEGORY: Category,
    }[level]
    qs = model.objects.filter(is_active=True) if level == Level.SALESPERSON else model.objects.all()
    found = qs.filter(pk=int(subject_id)).first() if str(subject_id or "").isdigit() else None
    if found is None:
        messages = {
            Level.REGION: _("Choose a region."),
            Level.TEAM: _("Choose a team."),
            Level.SALESPERSON: _("Choose an active salesperson."),
            Level.CATEGORY: _("Choose a product category."),
        }
        raise ValidationFailed({f"{prefix}.subject": messages[level]})
    return found


def _months(data: dict, measure: str, prefix: str) -> list[Decimal]:
    """The twelve monthly values of a target: given as `months`, or spread from `year_total`
    (mode "even", or "weights" with 12 `weights`)."""
    places = PLACES[measure]
    if data.get("months") not in (None, ""):
        months = data["months"]
        if not isinstance(months, list | tuple) or len(months) != 12:
            raise ValidationFailed({f"{prefix}.months": _("Enter 12 monthly values.")})
        values = []
        for n, raw in enumerate(months, start=1):
            value = _decimal(raw, f"{prefix}.months.{n}")
            if value != value.quantize(places):
                raise ValidationFailed(
                    {
                        f"{prefix}.months.{n}": _("Enter the value in steps of %(places)s.")
                        % {"places": places}
                    }
                )
            values.append(value.quantize(places))
        return values
    if data.get("year_total") in (None, ""):
        raise ValidationFailed(
            {f"{prefix}.year_total": _("Enter the yearly figure or the 12 monthly values.")}
        )
    mode = data.get("spread") or "even"
    if mode not in SPREAD_MODES:
        raise ValidationFailed({f"{prefix}.spread": _("Select a valid choice.")})
    weights = data.get("weights") if mode == "weights" else None
    if mode == "weights" and weights in (None, ""):
        raise ValidationFailed({f"{prefix}.weights": _("Enter 12 weights, one per month.")})
    try:
        return spread(
            year_total=data["year_total"], weights=weights, places=places, field=f"{prefix}.year_total"
        )
    except ValidationFailed as exc:
        raise ValidationFailed(
            {(f"{prefix}.weights" if k == "weights" else k): v for k, v in exc.fields.items()}
        ) from None


def _build_target_rows(plan: Plan, targets, *, first_line: int) -> list[PlanTarget]:
    """PlanTarget rows (unsaved, 12 per target) from input `targets`: each a dict with level,
    subject (id; none for the company), measure and `months` or `year_total` + `spread`."""
    if not isinstance(targets, list | tuple):
        raise ValidationFailed({"targets": _("Enter the targets as a list.")})
    if len(targets) > MAX_TARGETS:
        raise ValidationFailed({"targets": _("A plan has at most %(max)s targets.") % {"max": MAX_TARGETS}})
    rows, seen = [], {}
    for index, data in enumerate(targets, start=1):
        prefix = f"targets.{index}"
        if not isinstance(data, dict):
            raise ValidationFailed({prefix: _("Enter a target.")})
        level = data.get("level")
        if level not in Level.values:
            raise ValidationFailed({f"{prefix}.level": _("Select a valid choice.")})
        measure = data.get("measure")
        if measure not in Measure.values:
            raise ValidationFailed({f"{prefix}.measure": _("Select a valid choice.")})
        subject = _subject(level, data.get("subject"), prefix)
        key = (level, getattr(subject, "pk", None), measure)
        if key in seen:
            raise ValidationFailed(
                {
                    f"{prefix}.subject": _("Target %(n)s already sets this measure for the same subject.")
                    % {"n": seen[key]}
                }
            )
        seen[key] = index
        fields = {"region": None, "team": None, "salesperson": None, "category": None}
        if subject is not None:
            fields[SUBJECT_FIELD[level]] = subject
        if level == Level.TEAM:
            fields["region"] = subject.region
        elif level == Level.SALESPERSON:
            fields["team"], fields["region"] = subject.team, subject.region
        values = _months(data, measure, prefix)
        line = first_line + index - 1
        rows.extend(
            PlanTarget(plan=plan, line=line, level=level, measure=measure, month=month, value=value, **fields)
            for month, value in zip(MONTHS, values, strict=True)
        )
    return rows


def _write_targets(plan: Plan, targets, *, by) -> None:
    """Replace the targets of `plan` that `by` can see by `targets`; the others stay. A new
    target `by` could not see afterwards is refused (400 naming its line)."""
    visible(PlanTarget.objects.filter(plan=plan), by).delete()
    first = (PlanTarget.objects.filter(plan=plan).aggregate(m=Max("line"))["m"] or 0) + 1
    rows = _build_target_rows(plan, targets, first_line=first)
    PlanTarget.objects.bulk_create(rows)
    written = {row.line for row in rows}
    seen = set(
        visible(PlanTarget.objects.filter(plan=plan, line__in=written), by).values_list("line", flat=True)
    )
    if hidden := sorted(written - seen):
        raise ValidationFailed(
            {
                f"targets.{hidden[0] - first + 1}.subject": _(
                    "This target is outside what you may plan. Choose a subject within your scope."
                )
            }
        )


# --- reads used by the services -------------------------------------------------------------


def plan_for_update(*, plan_id: int, user) -> Plan:
    """The plan, locked; 404 when unknown or not visible to `user`."""
    require(user, "planning.view_plan")
    return get_object_or_404(visible(Plan.objects, user).select_for_update(of=("self",)), pk=plan_id)


def open_revision(plan: Plan) -> Plan | None:
    return plan.revisions.filter(status__in=OPEN_REVISION).first()


def plan_allowed_actions(plan: Plan, user) -> list[str]:
    """Workflow moves open to `user` (never supersede: it follows the approval of a revision),
    plus "edit" of a draft and "revise" of an approved plan without an open revision."""
    if not (user.is_active and user.has_perm("planning.view_plan")):
        return []
    actions = [name for name in workflow.allowed_actions(plan, user) if name != "supersede"]
    if plan.status == S.DRAFT and user.has_perm("planning.change_plan"):
        actions.insert(0, "edit")
    if plan.status == S.APPROVED and user.has_perm("planning.add_plan") and open_revision(plan) is None:
        actions.append("revise")
    return actions


# --- create and edit ------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, by, year, title: str = "", notes: str = "", targets: list | None = None) -> Plan:
    """Draft the plan of `year` (number SP-<year>-NNNNNN) with its targets. A year has one plan
    in progress or in force at a time: when one exists it is revised instead (400 naming year).
    Bad input raises ValidationFailed naming the field (targets.<n>.<field>); nothing is saved."""
    require(by, "planning.add_plan")
    year = _year(year)
    plan = Plan(
        prepared_by=by,
        calendar_year=year,
        title=_text(title, "title", max_length=200),
        notes=_text(notes, "notes", max_length=5000),
    )
    # The number first: it locks the year's sequence row until commit, so two people drafting
    # the same year's plan queue here and the second one sees the first one's plan.
    plan.number = next_number(Plan.NUMBER_PREFIX, year=year)
    if Plan.objects.filter(calendar_year=year, status__in=LIVE).exists():
        raise ValidationFailed({"year": _("This year already has a plan. Open it and revise it instead.")})
    plan.save()
    _write_targets(plan, targets or [], by=by)
    log(plan, "create", by=by)
    return plan


@transaction.atomic
def plan_update_draft(
    *, by, plan_id: int, version: int | None = None, targets: list | None = None, **header
) -> Plan:
    """Change a draft: title and notes when given, and, when `targets` is given, replace the
    targets `by` can see by them (the others stay). A stale `version` answers 409
    stale_version; a plan past draft (submitted, approved — fixed —, superseded) 409 read_only."""
    require(by, "planning.change_plan")
    if unknown := set(header) - HEADER_FIELDS:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})
    plan = plan_for_update(plan_id=plan_id, user=by)
    workflow.check_editable(plan, by=by, version=version)
    if "title" in header:
        plan.title = _text(header["title"], "title", max_length=200)
    if "notes" in header:
        plan.notes = _text(header["notes"], "notes", max_length=5000)
    plan.version += 1
    plan.save()
    if targets is not None:
        _write_targets(plan, targets, by=by)
    review.record_edit(plan, by=by)
    return plan


# --- review ---------------------------------------------------------------------------------


@transaction.atomic
def plan_submit(*, by, plan_id: int, note: str = "") -> Plan:
    """Submit a draft with at least one target for review (400 naming targets without)."""
    require(by, "planning.change_plan")
    plan = plan_for_update(plan_id=plan_id, user=by)
    if plan.status != S.DRAFT:
        raise refusal("invalid_transition")
    if not plan.targets.exists():
        raise ValidationFailed({"targets": _("A plan needs at least one target.")})
    workflow.apply(plan, "submit", by=by, note=note)
    return plan


@transaction.atomic
def plan_approve(*, by, plan_id: int, note: str = "") -> Plan:
    """Approve a submitted plan (planning.review_plan; never its preparer: 409 own_document).
    The plan becomes the year's current plan and is fixed. Approving a revision supersedes the
    plan it revises in the same transaction (logged on that plan; it stays readable)."""
    plan = get_object_or_404(visible(Plan.objects, by), pk=plan_id)
    # Fixed lock order: the revised plan (lower id) before its revision.
    current = (
        Plan.objects.select_for_update(of=("self",))
        .filter(calendar_year=plan.calendar_year, status=S.APPROVED)
        .exclude(pk=plan.pk)
        .order_by("pk")
        .first()
    )
    plan = plan_for_update(plan_id=plan_id, user=by)
    if plan.status == S.SUBMITTED and (code := review.refusal(plan, by)):
        raise refusal(code, status=review.http_status(code))
    if plan.status == S.SUBMITTED and current is not None:
        if current.pk != plan.revision_of_id:
            raise DomainError(
                "plan_in_force",
                _("Another plan of this year is in force. Revise that plan instead."),
            )
        # supersede first: the database allows one approved plan per year at any moment
        workflow.apply(current, "supersede", by=by, note=plan.number)
    workflow.apply(plan, "approve", by=by, note=note, also={"approved_at": timezone.now()})
    return plan


@transaction.atomic
def plan_reject(*, by, plan_id: int, note: str = "") -> Plan:
    """Send a submitted plan back to draft with a reason (required; 400 naming note)."""
    plan = plan_for_update(plan_id=plan_id, user=by)
    workflow.apply(plan, "reject", by=by, note=note)
    return plan


@transaction.atomic
def plan_cancel(*, by, plan_id: int, note: str = "") -> Plan:
    """Withdraw a draft plan (it stays readable; the year may then be planned afresh)."""
    require(by, "planning.change_plan")
    plan = plan_for_update(plan_id=plan_id, user=by)
    workflow.apply(plan, "cancel", by=by, note=note)
    return plan


# --- revisions ------------------------------------------------------------------------------


@transaction.atomic
def plan_revise(*, by, plan_id: int, note: str = "") -> Plan:
    """Start a revision 修订 of an approved plan: a new draft `<number>-R<n>` of the same year
    with a copy of every target; it is reviewed again, and approving it supersedes the original.
    One open revision at a time (409 revision_open); only an approved plan (409 not_approved)."""
    require(by, "planning.add_plan")
    original = plan_for_update(plan_id=plan_id, user=by)
    if original.status != S.APPROVED:
        raise DomainError("not_approved", _("Only an approved plan can be revised."))
    if open_revision(original) is not None:
        raise DomainError("revision_open", _("This plan already has a revision in progress."))
    root = original
    while root.revision_of_id:
        root = root.revision_of
    revision = Plan.objects.create(
        number=f"{root.number}-R{original.revision_no + 1}",
        prepared_by=by,
        calendar_year=original.calendar_year,
        title=original.title,
        notes=original.notes,
        revision_of=original,
        revision_no=original.revision_no + 1,
    )
    PlanTarget.objects.bulk_create(
        PlanTarget(
            plan=revision,
            line=t.line,
            level=t.level,
            region_id=t.region_id,
            team_id=t.team_id,
            salesperson_id=t.salesperson_id,
            category_id=t.category_id,
            measure=t.measure,
            month=t.month,
            value=t.value,
        )
        for t in original.targets.all()
    )
    log(revision, "create", by=by, note=note or original.number)
    log(original, "revise", by=by, note=revision.number)
    return revision


def revision_chain(plan: Plan) -> list[Plan]:
    """Every version of the plan, the first one first (the original and its revisions)."""
    root = plan
    while root.revision_of_id:
        root = root.revision_of
    chain, todo = [], [root]
    while todo:
        p = todo.pop(0)
        chain.append(p)
        todo.extend(p.revisions.order_by("revision_no", "pk"))
    return chain
