"""Reads of leads, their stage history, visitor receptions and conversion rates (C2).

Every read starts from the scope rule `visible(…, user)` (X1): a lead outside the user's scope
is not listed, not counted and answers 404."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from ..filters_leads import LeadFilter, VisitFilter, day_start
from ..models import Activity, Customer, Lead, LeadStage, LeadStageChange, Source, Visit

LEAD_RELATED = ("stage", "owner", "region", "customer")


def _filtered(filterset):
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


# --- leads -------------------------------------------------------------------------------------


def lead_list(*, user, filters=None):
    """Leads `user` may see, filtered by `filters` (a dict or QueryDict, see filters_leads.py),
    newest first unless `sort` says otherwise. A bad filter value raises ValidationFailed."""
    require(user, "crm.view_lead")
    base = visible(Lead.objects, user).select_related(*LEAD_RELATED).order_by("-created_at", "-pk")
    return _filtered(LeadFilter(filters if filters is not None else {}, queryset=base, user=user))


def lead_get(*, user, lead_id: int) -> Lead:
    """One lead `user` may see; 404 for an unknown id or one outside the user's scope."""
    require(user, "crm.view_lead")
    return get_object_or_404(visible(Lead.objects, user).select_related(*LEAD_RELATED), pk=lead_id)


def lead_for_update(*, user, lead_id: int) -> Lead:
    """The lead, locked for the rest of the transaction; 404 when outside `user`'s scope."""
    return get_object_or_404(visible(Lead.objects, user).select_for_update(of=("self",)), pk=lead_id)


def lead_history(*, user, lead_id: int) -> list[LeadStageChange]:
    """The lead's stage changes, oldest first (the first one is its creation)."""
    require(user, "crm.view_lead")
    return list(
        visible(LeadStageChange.objects, user)
        .filter(lead_id=lead_id)
        .select_related("from_stage", "to_stage", "by")
        .order_by("at", "pk")
    )


def lead_activities(*, user, lead_id: int):
    """Follow-ups of the lead that `user` may see (their own scope rule), latest due first."""
    return (
        visible(Activity.objects, user)
        .filter(lead_id=lead_id)
        .select_related("owner")
        .order_by("-due_on", "-pk")
    )


def stage_list():
    """The active stages in funnel order."""
    return list(LeadStage.objects.filter(is_active=True).order_by("sort_order", "pk"))


def stage_summary(*, user, filters=None) -> list[dict]:
    """The funnel strip: for every active stage, how many of the user's visible leads (after the
    list's filters, except the stage filter itself) are in it and their expected amount."""
    require(user, "crm.view_lead")
    filters = dict(filters.items()) if filters is not None else {}
    filters.pop("stage", None)
    filters.pop("sort", None)
    qs = lead_list(user=user, filters=filters).order_by()
    counts = {
        row["stage_id"]: row
        for row in qs.values("stage_id").annotate(count=Count("pk"), amount=Sum("expected_amount"))
    }
    return [
        {
            "stage": stage,
            "count": counts.get(stage.pk, {}).get("count", 0),
            "amount": counts.get(stage.pk, {}).get("amount") or Decimal("0"),
        }
        for stage in stage_list()
    ]


def win_candidates(*, user, lead: Lead) -> list[Customer]:
    """Active customers `user` may see that look like the lead (same normalised name or phone):
    the ones the win page offers to link."""
    condition = Q(name_normalized=lead.name_normalized)
    if len(lead.phone_normalized) >= 6:
        condition |= Q(phone_normalized=lead.phone_normalized)
    return list(visible(Customer.objects, user).active().filter(condition).order_by("name", "pk")[:20])


def customer_by_code(*, user, code: str) -> Customer | None:
    """An active customer `user` may see, by its number; None when unknown or out of scope."""
    return visible(Customer.objects, user).active().filter(code=code.strip().upper()).first()


# --- visitor reception -------------------------------------------------------------------------


def visit_list(*, user, filters=None):
    """Visitor receptions `user` may see (received by them, their team or region), newest first."""
    require(user, "crm.view_visit")
    base = (
        visible(Visit.objects, user)
        .select_related("received_by", "lead", "customer")
        .order_by("-visited_at", "-pk")
    )
    return _filtered(VisitFilter(filters if filters is not None else {}, queryset=base, user=user))


def visit_get(*, user, visit_id: int) -> Visit:
    require(user, "crm.view_visit")
    return get_object_or_404(
        visible(Visit.objects, user).select_related("received_by", "lead", "customer"), pk=visit_id
    )


def visit_for_update(*, user, visit_id: int) -> Visit:
    return get_object_or_404(visible(Visit.objects, user).select_for_update(of=("self",)), pk=visit_id)


# --- conversion rate (成交率) --------------------------------------------------------------------

GROUP_BY = {
    "owner": _("Salesperson"),
    "team": _("Team"),
    "source": _("Source"),
}
PERIODS = {
    "month": _("Month"),
    "quarter": _("Quarter"),
    "year": _("Year"),
}
_TRUNC = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}
PERCENT = Decimal("0.1")


def rate(won: int, created: int) -> Decimal:
    """won / created in percent, rounded half up to 0.1; 0 when nothing was created."""
    if not created:
        return Decimal("0.0")
    return (Decimal(won) * 100 / Decimal(created)).quantize(PERCENT, rounding=ROUND_HALF_UP)


@dataclass
class ConversionRow:
    key: object  # the group's id or code (None: leads without a team)
    label: str
    period: datetime.date
    period_label: str
    created: int = 0
    won: int = 0
    lost: int = 0

    @property
    def open(self) -> int:
        return self.created - self.won - self.lost

    @property
    def rate(self) -> Decimal:
        return rate(self.won, self.created)


@dataclass
class ConversionReport:
    group_by: str
    period: str
    start: datetime.date
    end: datetime.date
    rows: list[ConversionRow] = field(default_factory=list)
    # one subtotal per group across all its periods, in the order of the rows
    groups: list[ConversionRow] = field(default_factory=list)
    totals: ConversionRow | None = None


def period_label(period: str, day: datetime.date) -> str:
    if period == "month":
        return f"{day:%Y-%m}"
    if period == "quarter":
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}"


def _group_fields(group_by: str) -> dict:
    if group_by == "owner":
        return {"key": F("owner_id"), "l1": F("owner__display_name"), "l2": F("owner__username")}
    if group_by == "team":
        return {"key": F("owner__team_id"), "l1": F("owner__team__name"), "l2": F("owner__team__name_en")}
    return {"key": F("source"), "l1": F("source"), "l2": F("source")}


def _group_label(group_by: str, row: dict) -> str:
    if group_by == "owner":
        return row["l1"] or row["l2"]
    if group_by == "team":
        if row["key"] is None:
            return str(_("No team"))
        chinese = (get_language() or "en").startswith("zh")
        return row["l1"] if chinese or not row["l2"] else row["l2"]
    return str(Source(row["key"]).label) if row["key"] in Source.values else row["key"]


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def conversion_rates(
    *, user, group_by: str = "owner", period: str = "month", start: datetime.date, end: datetime.date
) -> ConversionReport:
    """成交率: of the leads created in each period (the cohort, by creation day in the site's time
    zone, `start`..`end` inclusive), how many were won and lost — from the stage history, at any
    time up to now — per salesperson, team or source.

    A lead that ever entered a won stage counts as won; one that entered a lost stage and was
    never won counts as lost; the rest are open, so created = won + lost + open in every cell.
    rate = won / created in percent (0.1 %), 0 when nothing was created. The team is the
    salesperson's current team. One GROUP BY query over the leads `user` may see."""
    require(user, "crm.view_lead")
    errors = {}
    if group_by not in GROUP_BY:
        errors["group_by"] = _("Select a valid choice.")
    if period not in PERIODS:
        errors["period"] = _("Select a valid choice.")
    if start and end and start > end:
        errors["end"] = _("The end date must not be before the start date.")
    if errors:
        raise ValidationFailed(errors)

    # The changes of a visible lead are visible (LeadStageChange.SCOPE follows its lead), so the
    # correlated subqueries need no scope condition of their own.
    changes = LeadStageChange.objects.filter(lead_id=OuterRef("pk"))
    won = Exists(changes.filter(to_stage__outcome=LeadStage.Outcome.WON))
    lost = Exists(changes.filter(to_stage__outcome=LeadStage.Outcome.LOST))
    result = (
        visible(Lead.objects, user)
        .filter(created_at__gte=day_start(start), created_at__lt=day_start(end + datetime.timedelta(days=1)))
        .annotate(p=_TRUNC[period]("created_at"), **_group_fields(group_by))
        .values("p", "key", "l1", "l2")
        .annotate(
            n_created=Count("pk"),
            n_won=Count("pk", filter=Q(won)),
            n_lost=Count("pk", filter=Q(lost) & ~Q(won)),
        )
        .order_by()
    )
    report = ConversionReport(group_by=group_by, period=period, start=start, end=end)
    for row in result:
        day = _as_date(row["p"])
        report.rows.append(
            ConversionRow(
                key=row["key"],
                label=_group_label(group_by, row),
                period=day,
                period_label=period_label(period, day),
                created=row["n_created"],
                won=row["n_won"],
                lost=row["n_lost"],
            )
        )
    report.rows.sort(key=lambda r: (r.label.lower(), str(r.key), r.period))
    subtotals: dict = {}
    for r in report.rows:
        sub = subtotals.setdefault(r.key, ConversionRow(r.key, r.label, start, "", 0, 0, 0))
        sub.created, sub.won, sub.lost = sub.created + r.created, sub.won + r.won, sub.lost + r.lost
    report.groups = list(subtotals.values())
    report.totals = ConversionRow(
        None,
        str(_("Total")),
        start,
        "",
        sum(r.created for r in report.rows),
        sum(r.won for r in report.rows),
        sum(r.lost for r in report.rows),
    )
    return report
