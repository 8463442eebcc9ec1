"""Reads of sales plans (P1). Everything starts from the scope rule (X1): every role with
`planning.view_plan` sees the plan documents; of their targets each user sees the rows in their
scope (PlanTarget.SCOPE). Quarters and the year are SUMs computed by the database."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.core.arithmetic import exact_sum, from_sum
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from .filters import PlanFilter
from .models import Level, Plan, PlanTarget
from .services import MONTHS, revision_chain

__all__ = ["PERIODS", "QUARTERS", "chain", "plan_get", "plan_list", "targets"]

QUARTERS = {1: (1, 2, 3), 2: (4, 5, 6), 3: (7, 8, 9), 4: (10, 11, 12)}
PERIODS = ("month", "quarter", "year")
LINE_FIELDS = ("line", "level", "measure", "region_id", "team_id", "salesperson_id", "category_id")


def plan_list(*, user, filters=None) -> QuerySet[Plan]:
    """Plans `user` may see, filtered and sorted by `filters` (names in filters.py), newest
    first. A bad filter value raises ValidationFailed naming the field."""
    require(user, "planning.view_plan")
    base = visible(Plan.objects, user).select_related("prepared_by")
    filterset = PlanFilter(filters if filters is not None else {}, queryset=base)
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def plan_get(*, user, plan_id: int) -> Plan:
    """One plan with its preparer and the plan it revises; 404 when unknown or not visible."""
    require(user, "planning.view_plan")
    qs = visible(Plan.objects, user).select_related("prepared_by", "revision_of")
    return get_object_or_404(qs, pk=plan_id)


PLACES = PlanTarget._meta.get_field("value").decimal_places


def _sum(**extra):
    # exact on SQLite too, which would otherwise add decimals as floats
    return exact_sum("value", places=PLACES, **extra)


def _period_sums(period: str) -> dict:
    if period == "month":
        return {f"m{m}": _sum(filter=Q(month=m)) for m in MONTHS}
    if period == "quarter":
        return {f"q{q}": _sum(filter=Q(month__in=months)) for q, months in QUARTERS.items()}
    return {}


def targets(*, user, plan: Plan, period: str = "month") -> list[dict]:
    """The plan's target lines `user` may see, one dict per line (in line order): line, level,
    measure, subject (the Region / Team / User / Category, None for the company), `values` —
    12 monthly or 4 quarterly sums (empty for period="year") — and `year`, the year's sum. One
    GROUP BY query plus one per kind of subject named."""
    if period not in PERIODS:
        raise ValidationFailed({"period": _("Choose month, quarter or year.")})
    require(user, "planning.view_plan")
    sums = _period_sums(period)
    rows = list(
        visible(PlanTarget.objects.filter(plan=plan), user)
        .order_by()
        .values(*LINE_FIELDS)
        .annotate(**sums, year=_sum())
        .order_by("line")
    )
    subjects = _subjects(rows)
    out = []
    for row in rows:
        field = {
            Level.REGION: "region_id",
            Level.TEAM: "team_id",
            Level.SALESPERSON: "salesperson_id",
            Level.CATEGORY: "category_id",
        }.get(row["level"])
        out.append(
            {
                "line": row["line"],
                "level": row["level"],
                "measure": row["measure"],
                "subject_id": row[field] if field else None,
                "subject": subjects[row["level"]].get(row[field]) if field else None,
                "values": [from_sum(row[key], places=PLACES) for key in sums],
                "year": from_sum(row["year"], places=PLACES),
            }
        )
    return out


def _subjects(rows) -> dict:
    """{level: {id: object}} for the subjects the rows name (one query per level present)."""
    from django.contrib.auth import get_user_model

    from salesdept.accounts.models import Region, Team
    from salesdept.catalog.models import Category

    wanted = {
        Level.REGION: (Region, "region_id"),
        Level.TEAM: (Team, "team_id"),
        Level.SALESPERSON: (get_user_model(), "salesperson_id"),
        Level.CATEGORY: (Category, "category_id"),
    }
    out = {level: {} for level in Level.values}
    for level, (model, field) in wanted.items():
        ids = {r[field] for r in rows if r["level"] == level}
        if ids:
            out[level] = model.objects.in_bulk(ids)
    return out


def chain(plan: Plan) -> list[Plan]:
    return revision_chain(plan)


# --- achievement 达成率 (planning/achievement.py) ------------------------------------------------
from .achievement import achievement, achievement_summary  # noqa: E402

__all__ += ["achievement", "achievement_summary"]
