"""API of sales plans (P1): /api/v1/plans.

Reads go through selectors (a plan is seen by every role with planning.view_plan; of its targets
each user gets the rows in their scope, X1), writes through services (403 without the permission
or not your review step, 409 for a move the state does not allow — own_document, read_only,
revision_open … — and 400 naming the field for bad input, 422 for a malformed body). Values are
Decimal strings; a target gives 12 `months`, or a `year_total` spread evenly or by 12 `weights`."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from salesdept.core.pagination import paginate
from salesdept.core.schemas import ErrorOut, Money, StrictIn

from . import selectors, services
from .models import FIRST_YEAR, LAST_YEAR

router = Router(tags=["plans"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
StatusName = Literal["draft", "submitted", "approved", "superseded", "cancelled"]
SortKey = Literal[
    "number", "-number", "year", "-year", "title", "-title", "status", "-status", "created_at", "-created_at",
]  # fmt: skip
LevelName = Literal["company", "region", "team", "salesperson", "category"]
MeasureName = Literal["amount", "quantity", "new_customers", "collections"]
Weight = Decimal


class PlanFilterIn(Schema):
    q: str | None = Field(None, max_length=100, description="Number or title")
    year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR)
    status: StatusName | None = None
    sort: SortKey | None = Field(None, description="Default -created_at")


class PlanRowOut(Schema):
    id: int
    number: str
    year: int = Field(..., alias="calendar_year")
    title: str
    status: str
    revision_of_id: int | None
    revision_no: int
    prepared_by_id: int
    prepared_by: str
    created_at: dt.datetime
    approved_at: dt.datetime | None

    @staticmethod
    def resolve_prepared_by(obj) -> str:
        return str(obj.prepared_by)


class TargetOut(Schema):
    line: int
    level: str
    measure: str
    subject_id: int | None
    subject: str | None
    months: list[Decimal] = Field(..., description="January … December")
    quarters: list[Decimal] = Field(..., description="Q1 … Q4, each the sum of its months")
    year: Decimal = Field(..., description="The sum of the twelve months")


class VersionOut(Schema):
    id: int
    number: str
    status: str
    revision_no: int


class PlanOut(PlanRowOut):
    notes: str
    review_round: int
    submitted_at: dt.datetime | None
    version: int = Field(..., description="Send it back with a change; a stale one answers 409")
    targets: list[TargetOut] = Field(..., description="Only the targets in your scope")
    versions: list[VersionOut] = Field(..., description="The original plan and its revisions")
    actions: list[str]

    @staticmethod
    def resolve_targets(obj, context) -> list[dict]:
        return target_rows(context["request"].user, obj)

    @staticmethod
    def resolve_versions(obj) -> list:
        return selectors.chain(obj)

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        return services.plan_allowed_actions(obj, context["request"].user)


def target_rows(user, plan) -> list[dict]:
    """Each target line in scope with its months, quarters and year (two GROUP BY queries)."""
    quarters = {r["line"]: r["values"] for r in selectors.targets(user=user, plan=plan, period="quarter")}
    return [
        {
            "line": r["line"],
            "level": r["level"],
            "measure": r["measure"],
            "subject_id": r["subject_id"],
            "subject": str(r["subject"]) if r["subject"] is not None else None,
            "months": r["values"],
            "quarters": quarters.get(r["line"], []),
            "year": r["year"],
        }
        for r in selectors.targets(user=user, plan=plan, period="month")
    ]


class TargetIn(StrictIn):
    level: LevelName
    subject: int | None = Field(None, ge=1, description="Id of the region, team, user or category")
    measure: MeasureName
    months: list[Money] | None = Field(None, min_length=12, max_length=12, description="12 values")
    year_total: Money | None = Field(None, ge=0, description="Instead of months: spread over the year")
    spread: Literal["even", "weights"] = "even"
    weights: list[Weight] | None = Field(None, min_length=12, max_length=12, description="12 weights ≥ 0")


class PlanIn(StrictIn):
    year: int = Field(..., ge=FIRST_YEAR, le=LAST_YEAR)
    title: str = Field("", max_length=200)
    notes: str = Field("", max_length=5000)
    targets: list[TargetIn] = Field([], max_length=services.MAX_TARGETS)


class PlanPatch(StrictIn):
    version: int | None = Field(None, ge=1)
    title: str = Field(None, max_length=200)
    notes: str = Field(None, max_length=5000)
    targets: list[TargetIn] = Field(
        None, max_length=services.MAX_TARGETS, description="Replaces the targets in your scope"
    )


class NoteIn(StrictIn):
    note: str = Field("", max_length=2000)


def _targets(rows) -> list[dict] | None:
    if rows is None:
        return None
    return [{k: v for k, v in row.items() if v is not None} for row in rows]


def _fresh(request, plan_id: int):
    return selectors.plan_get(user=request.user, plan_id=plan_id)


@router.get("", response={200: list[PlanRowOut], **ERRORS})
@paginate
def list_plans(request, filters: Query[PlanFilterIn]):
    """Sales plans, newest first (the page's filters and sort)."""
    return selectors.plan_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.post("", response={201: PlanOut, **ERRORS})
def create_plan(request, payload: PlanIn):
    """Draft the plan of a year (number SP-<year>-NNNNNN) with its targets."""
    data = payload.model_dump()
    plan = services.plan_create(by=request.user, **{**data, "targets": _targets(data["targets"])})
    return Status(201, _fresh(request, plan.pk))


# --- achievement 达成率 (before /{plan_id}, which would otherwise take the path) --------------


class AchievementIn(Schema):
    year: int | None = Field(None, description="Default: this year")
    period: str = Field("year", max_length=10, description="month, quarter or year")
    index: int | None = Field(None, description="Month 1–12 or quarter 1–4; default: the current one")
    level: str | None = Field(None, max_length=20, description="company, region, team, salesperson, category")
    measure: str | None = Field(
        None, max_length=20, description="amount, quantity, new_customers, collections"
    )


class AchievementOut(Schema):
    line: int
    level: str
    level_label: str
    subject_id: int | None
    subject: str
    measure: str
    measure_label: str
    target: Decimal
    actual: Decimal
    ratio: Decimal | None = Field(
        ..., description="actual ÷ target in percent, one decimal; null when the target is 0"
    )
    gap: Decimal = Field(..., description="max(target − actual, 0)")
    elapsed: Decimal = Field(..., description="Percent of the period's days elapsed")
    needed_per_day: Decimal | None = Field(
        ..., description="gap ÷ days left incl. today; null when over or met"
    )
    light: Literal["green", "amber", "red"]


@router.get("/achievement", response={200: list[AchievementOut], **ERRORS})
def get_achievement(request, params: Query[AchievementIn]):
    """达成率: each target line of the year's approved plan in your scope against the actual
    sales of the month, quarter or year, with the gap, the run-rate needed and a traffic light
    ([] when the year has no approved plan)."""
    return selectors.achievement(
        user=request.user,
        year=params.year if params.year is not None else timezone.localdate().year,
        period=params.period,
        index=params.index,
        level=params.level,
        measure=params.measure,
    )


@router.get("/{plan_id}", response={200: PlanOut, **ERRORS})
def get_plan(request, plan_id: int):
    """One plan with its targets in your scope by month, quarter and year, its versions and the
    actions open to you."""
    return _fresh(request, plan_id)


@router.patch("/{plan_id}", response={200: PlanOut, **ERRORS})
def update_plan(request, plan_id: int, payload: PlanPatch):
    """Change a draft (fields left out stay; `targets` replaces the targets in your scope)."""
    data = payload.model_dump(exclude_unset=True)
    if "targets" in data:
        data["targets"] = _targets(data["targets"]) or []
    services.plan_update_draft(by=request.user, plan_id=plan_id, **data)
    return _fresh(request, plan_id)


def _action(name: str, func):
    def endpoint(request, plan_id: int, payload: NoteIn | None = None):
        func(by=request.user, plan_id=plan_id, note=payload.note if payload else "")
        return _fresh(request, plan_id)

    endpoint.__name__ = f"{name}_plan"
    return endpoint


for _name, _func, _doc in [
    ("submit", services.plan_submit, "Submit a draft with targets for review (双人复核)."),
    ("approve", services.plan_approve, "Approve (planning.review_plan; never your own plan)."),
    ("reject", services.plan_reject, "Send it back to draft; `note` (the reason) is required."),
    ("cancel", services.plan_cancel, "Withdraw a draft."),
]:
    _endpoint = _action(_name, _func)
    _endpoint.__doc__ = _doc
    router.post(f"/{{plan_id}}/{_name}", response={200: PlanOut, **ERRORS}, operation_id=f"plan_{_name}")(
        _endpoint
    )


@router.post("/{plan_id}/revise", response={201: PlanOut, **ERRORS})
def revise_plan(request, plan_id: int, payload: NoteIn | None = None):
    """Start a revision of an approved plan: a new draft `<number>-R<n>`, reviewed again; its
    approval supersedes this plan."""
    revision = services.plan_revise(by=request.user, plan_id=plan_id, note=payload.note if payload else "")
    return Status(201, _fresh(request, revision.pk))
