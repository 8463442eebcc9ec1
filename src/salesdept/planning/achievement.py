"""Achievement 达成率 (P1): each target line of the year's approved plan against what was
actually done in a month, a quarter or the year, with the gap to go, the run-rate needed per
day and a traffic light (红黄绿灯).

Targets are the plan's monthly rows summed over the period (planning.selectors.targets, in the
reader's scope). Actuals come from the posted facts (stats.SalesFact, through the same
visibility rule as the statistics report, accounts.scope.visible):

- sales amount → Σ amount of the ordered facts; quantity → Σ quantity of the ordered facts;
- collections → Σ amount of the collected facts;
- new customers → customers created in the period (local date of `created_at`, merged
  duplicates left out) whose salesperson (owner), the owner's team or the customer's region is
  the subject; for a category line, the new customers who ordered in that category in the
  period.

A line's facts are those of its subject's column (region_id, team_id, salesperson_id,
category_id; the company line takes them all), a region or category counting its sub-regions
and sub-categories too. Each level present is one GROUP BY query (its measures as conditional
sums), so the number of queries does not grow with the number of lines. A user who sees every
fact reads the monthly totals (stats.SalesTotal, kept equal to the facts) instead of the facts:
the periods are whole months.

Arithmetic (Decimal throughout):
- ratio = actual ÷ target × 100, rounded half-up to one decimal; None when the target is 0;
- gap = max(target − actual, 0);
- elapsed = the days of the period before `on` ÷ the period's days × 100, one decimal (0 before
  the period starts, 100 once it has ended); `on` itself still counts as a day to go;
- needed_per_day = gap ÷ the days left including `on`, rounded up to the cent (reaching it
  every day reaches the target); None once the period is over or when nothing is left to do;
- light: a finished period is green at ratio ≥ 100, amber at ≥ 90, else red; a running (or
  future) period is green when the ratio keeps pace with the time elapsed (ratio ≥ elapsed),
  amber at ≥ 0.9 × elapsed, else red. A line without a target (ratio None) is green.
The light compares the rounded ratio and elapsed the page shows, so 90.0 % is never red."""

import datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import Scope, scope_of, visible
from salesdept.core.arithmetic import exact_sum, from_sum
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require
from salesdept.ledger.selectors.balances import month_range
from salesdept.stats.models import Kind, SalesFact, SalesTotal

from .models import FIRST_YEAR, LAST_YEAR, PLACES, Level, Measure, Plan, PlanStatus

__all__ = [
    "LIGHTS",
    "PERIODS",
    "achievement",
    "achievement_summary",
    "approved_plan",
    "compute",
    "light_for",
    "needed_per_day",
    "period_bounds",
    "ratio_of",
]

PERIODS = ("month", "quarter", "year")
LIGHTS = {
    "green": _("On track"),
    "amber": _("Slightly behind"),
    "red": _("Behind"),
}
HUNDRED = Decimal(100)
TENTH = Decimal("0.1")
CENT = Decimal("0.01")
AMBER_SHARE = Decimal("0.9")
AMBER_FINISHED = Decimal(90)

# The fact column, the monthly totals' dimension and the customer column of each level.
FACT_COLUMN = {
    Level.COMPANY: None,
    Level.REGION: "region_id",
    Level.TEAM: "team_id",
    Level.SALESPERSON: "salesperson_id",
    Level.CATEGORY: "category_id",
}
TOTAL_DIMENSION = {
    Level.COMPANY: "region",  # every region's key (and "" for facts without one) adds up to all
    Level.REGION: "region",
    Level.TEAM: "team",
    Level.SALESPERSON: "salesperson",
    Level.CATEGORY: "category",
}
CUSTOMER_COLUMN = {
    Level.COMPANY: None,
    Level.REGION: "region_id",
    Level.TEAM: "owner__team_id",
    Level.SALESPERSON: "owner_id",
}
# measure → (fact column, fact kind, places of the sum) and the monthly totals' column
FACT_MEASURES = {
    Measure.AMOUNT: ("amount", Kind.ORDERED, 2),
    Measure.QUANTITY: ("quantity", Kind.ORDERED, 3),
    Measure.COLLECTIONS: ("amount", Kind.COLLECTED, 2),
}
TOTAL_COLUMNS = {
    Measure.AMOUNT: "ordered_amount",
    Measure.QUANTITY: "ordered_quantity",
    Measure.COLLECTIONS: "collected_amount",
}
# the broadest line first (achievement_summary)
LEVEL_ORDER = (Level.COMPANY, Level.REGION, Level.TEAM, Level.SALESPERSON)


# --- arithmetic ---------------------------------------------------------------------------------


def ratio_of(actual: Decimal, target: Decimal) -> Decimal | None:
    """actual ÷ target in percent, one decimal, half-up; None when the target is 0."""
    if not target:
        return None
    return (Decimal(actual) * HUNDRED / Decimal(target)).quantize(TENTH, ROUND_HALF_UP)


def needed_per_day(gap: Decimal, days_left: int) -> Decimal | None:
    """The gap spread over the days left (today included), rounded up to the cent; None when
    no day is left or nothing is left to do."""
    if days_left <= 0 or gap <= 0:
        return None
    return (Decimal(gap) / days_left).quantize(CENT, ROUND_CEILING)


def light_for(ratio: Decimal | None, elapsed: Decimal, *, finished: bool) -> str:
    """green / amber / red (see the module's docstring)."""
    if ratio is None:
        return "green"
    pace = HUNDRED if finished else elapsed
    amber = AMBER_FINISHED if finished else elapsed * AMBER_SHARE
    if ratio >= pace:
        return "green"
    if ratio >= amber:
        return "amber"
    return "red"


def period_bounds(
    year: int, period: str, index: int | None, on: datetime.date
) -> tuple[datetime.date, datetime.date, int | None]:
    """(first day, last day, index) of the month / quarter / year; `index` defaults to the month
    or quarter `on` falls in. Bad input raises ValidationFailed naming the field."""
    if period not in PERIODS:
        raise ValidationFailed({"period": _("Choose month, quarter or year.")})
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            {"year": _("Enter a year from %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}}
        )
    if period == "year":
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31), None
    if period == "quarter":
        index = (on.month - 1) // 3 + 1 if index is None else index
        if not 1 <= index <= 4:
            raise ValidationFailed({"index": _("Enter a quarter from 1 to 4.")})
        return datetime.date(year, index * 3 - 2, 1), month_range(year, index * 3)[1], index
    index = on.month if index is None else index
    if not 1 <= index <= 12:
        raise ValidationFailed({"index": _("Enter a month from 1 to 12.")})
    first, last = month_range(year, index)
    return first, last, index


def _elapsed(start: datetime.date, end: datetime.date, on: datetime.date) -> tuple[Decimal, int, bool]:
    """(percent of the days elapsed before `on`, days left including `on`, finished)."""
    days = (end - start).days + 1
    if on > end:
        return HUNDRED.quantize(TENTH), 0, True
    done = max((on - start).days, 0)
    percent = (Decimal(done) * HUNDRED / days).quantize(TENTH, ROUND_HALF_UP)
    return percent, days - done, False


# --- reading ------------------------------------------------------------------------------------


def approved_plan(year: int) -> Plan | None:
    """The year's current (approved) plan, or None."""
    return Plan.objects.filter(calendar_year=year, status=PlanStatus.APPROVED).first()


def _lines(*, user, plan: Plan, level: str | None = None, measure: str | None = None) -> list[dict]:
    from .selectors import targets  # the plan's own read (scope, monthly sums)

    rows = targets(user=user, plan=plan, period="month")
    return [
        r
        for r in rows
        if (level is None or r["level"] == level) and (measure is None or r["measure"] == measure)
    ]


def _tree(model) -> dict[int, list[int]]:
    """{id: [id and every id below it]} of a tree model with `parent` (one query)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in model._default_manager.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    out = {}
    for pk_list in children.values():
        for pk in pk_list:
            found, todo = [], [pk]
            while todo:
                node = todo.pop()
                found.append(node)
                todo.extend(children.get(node, []))
            out[pk] = found
    return out


def _members(lines: list[dict]) -> dict[str, dict[int, list[int]]]:
    """{level: {subject id: [the ids whose figures count for it]}}: a region or a category with
    the ones below it, a team or a salesperson itself."""
    from salesdept.accounts.models import Region
    from salesdept.catalog.models import Category

    out: dict[str, dict[int, list[int]]] = {}
    trees = {}
    for line in lines:
        level, subject = line["level"], line["subject_id"]
        if level == Level.COMPANY:
            out.setdefault(level, {})
            continue
        if level in (Level.REGION, Level.CATEGORY):
            if level not in trees:
                trees[level] = _tree(Region if level == Level.REGION else Category)
            ids = trees[level].get(subject, [subject])
        else:
            ids = [subject]
        out.setdefault(level, {})[subject] = ids
    return out


def _sum_members(by_id: dict, ids: list[int], zero: Decimal) -> Decimal:
    return sum((by_id.get(i, zero) for i in ids), zero)


def _fact_actuals(user, lines, start, end, *, use_totals: bool | None) -> dict[tuple, Decimal]:
    """{(level, subject id, measure): actual} of the amount, quantity and collections lines: one
    grouped query per level present."""
    wanted: dict[str, set[str]] = {}
    for line in lines:
        if line["measure"] in FACT_MEASURES:
            wanted.setdefault(line["level"], set()).add(line["measure"])
    if not wanted:
        return {}
    members = _members([line for line in lines if line["level"] in wanted])
    # scope_of, not scope_filter: the latter reads the region tree (visible() reads it again)
    from_totals = scope_of(user) == Scope.ALL and use_totals is not False
    out = {}
    for level, measures in wanted.items():
        measures = sorted(measures)
        if from_totals:
            qs = SalesTotal.objects.filter(
                dimension=TOTAL_DIMENSION[level], month__gte=start.replace(day=1), month__lte=end
            )
            column = "key"
            sums = {f"sum_{m}": exact_sum(TOTAL_COLUMNS[m], places=FACT_MEASURES[m][2]) for m in measures}
        else:
            kinds = {FACT_MEASURES[m][1] for m in measures}
            qs = visible(SalesFact.objects, user).filter(day__gte=start, day__lte=end, kind__in=kinds)
            column = FACT_COLUMN[level]
            sums = {
                f"sum_{m}": exact_sum(
                    FACT_MEASURES[m][0], places=FACT_MEASURES[m][2], filter=Q(kind=FACT_MEASURES[m][1])
                )
                for m in measures
            }
        if level == Level.COMPANY:
            row = qs.aggregate(**sums)
            for m in measures:
                out[(level, None, m)] = from_sum(row[f"sum_{m}"], places=FACT_MEASURES[m][2])
            continue
        ids = sorted({i for group in members[level].values() for i in group})
        keys = [str(i) for i in ids] if from_totals else ids
        by_id: dict[str, dict[int, Decimal]] = {m: {} for m in measures}
        for row in qs.filter(**{f"{column}__in": keys}).values(column).annotate(**sums).order_by():
            key = int(row[column])
            for m in measures:
                by_id[m][key] = from_sum(row[f"sum_{m}"], places=FACT_MEASURES[m][2])
        for subject, group in members[level].items():
            for m in measures:
                zero = from_sum(None, places=FACT_MEASURES[m][2])
                out[(level, subject, m)] = _sum_members(by_id[m], group, zero)
    return out


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _new_customer_actuals(user, lines, start, end) -> dict[tuple, Decimal]:
    """{(level, subject id, "new_customers"): count}: one grouped query per level present."""
    from salesdept.crm.models import Customer

    lines = [line for line in lines if line["measure"] == Measure.NEW_CUSTOMERS]
    if not lines:
        return {}
    members = _members(lines)
    since, until = _local_midnight(start), _local_midnight(end + datetime.timedelta(days=1))
    created = {"created_at__gte": since, "created_at__lt": until}
    customers = visible(Customer.objects, user).filter(merged_into__isnull=True, **created)
    out = {}
    measure = Measure.NEW_CUSTOMERS
    for level, subjects in members.items():
        if level == Level.COMPANY:
            out[(level, None, measure)] = Decimal(customers.count())
            continue
        if level == Level.CATEGORY:
            # the new customers who ordered in the category (or one below it) in the period
            ids = {i for group in subjects.values() for i in group}
            pairs = (
                visible(SalesFact.objects, user)
                .filter(kind=Kind.ORDERED, day__gte=start, day__lte=end, category_id__in=ids)
                .filter(
                    customer__merged_into__isnull=True, **{f"customer__{k}": v for k, v in created.items()}
                )
                .values_list("category_id", "customer_id")
                .distinct()
            )
            bought: dict[int, set[int]] = {}
            for category_id, customer_id in pairs:
                bought.setdefault(category_id, set()).add(customer_id)
            for subject, group in subjects.items():
                who = set().union(*(bought.get(i, set()) for i in group))
                out[(level, subject, measure)] = Decimal(len(who))
            continue
        column = CUSTOMER_COLUMN[level]
        ids = sorted({i for group in subjects.values() for i in group})
        counts = dict(
            customers.filter(**{f"{column}__in": ids})
            .values(column)
            .annotate(n=Count("pk"))
            .order_by()
            .values_list(column, "n")
        )
        for subject, group in subjects.items():
            out[(level, subject, measure)] = Decimal(sum(counts.get(i, 0) for i in group))
    return out


def _rows(user, lines, start, end, on, *, use_totals: bool | None = None) -> list[dict]:
    actuals = _fact_actuals(user, lines, start, end, use_totals=use_totals)
    actuals.update(_new_customer_actuals(user, lines, start, end))
    elapsed, days_left, finished = _elapsed(start, end, on)
    levels, measures = dict(Level.choices), dict(Measure.choices)
    out = []
    for line in lines:
        level, measure = line["level"], line["measure"]
        target = sum(line["values"][start.month - 1 : end.month], Decimal(0)).quantize(PLACES[measure])
        actual = actuals.get((level, line["subject_id"], measure), Decimal(0))
        ratio = ratio_of(actual, target)
        gap = max(target - actual, Decimal(0))
        out.append(
            {
                "line": line["line"],
                "level": level,
                "level_label": str(levels.get(level, level)),
                "subject_id": line["subject_id"],
                "subject": str(line["subject"]) if line["subject"] is not None else str(_("Whole company")),
                "measure": measure,
                "measure_label": str(measures.get(measure, measure)),
                "target": target,
                "actual": actual,
                "ratio": ratio,
                "gap": gap,
                "elapsed": elapsed,
                "needed_per_day": None if finished else needed_per_day(gap, days_left),
                "light": light_for(ratio, elapsed, finished=finished),
            }
        )
    return out


def achievement(
    *,
    user,
    year: int,
    period: str = "year",
    index: int | None = None,
    on: datetime.date | None = None,
    level: str | None = None,
    measure: str | None = None,
) -> list[dict]:
    """One row per target line of `year`'s approved plan that `user` may see (optionally only
    `level` / `measure`), for the month or quarter `index` (default: the one `on` falls in) or
    the year, as of `on` (default today); [] when the year has no approved plan. Each row:
    line, level, level_label, subject_id, subject, measure, measure_label, target, actual,
    ratio, gap, elapsed, needed_per_day, light (see the module's docstring)."""
    return compute(user=user, year=year, period=period, index=index, on=on, level=level, measure=measure)


def compute(
    *,
    user,
    year: int,
    period: str = "year",
    index: int | None = None,
    on: datetime.date | None = None,
    level: str | None = None,
    measure: str | None = None,
    use_totals: bool | None = None,
) -> list[dict]:
    """achievement(); `use_totals=False` reads the facts even where the monthly totals would
    serve (the tests compare both)."""
    require(user, "planning.view_plan")
    on = on or timezone.localdate()
    errors = {}
    if level is not None and level not in Level.values:
        errors["level"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(Level.values)}
    if measure is not None and measure not in Measure.values:
        errors["measure"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(Measure.values)}
    if errors:
        raise ValidationFailed(errors)
    start, end, _index = period_bounds(year, period, index, on)
    plan = approved_plan(year)
    if plan is None:
        return []
    lines = _lines(user=user, plan=plan, level=level, measure=measure)
    if not lines:
        return []
    return _rows(user, lines, start, end, on, use_totals=use_totals)


def _broadest(user, lines: list[dict]) -> dict | None:
    """The company line, else the user's own region / team / salesperson line, else the
    broadest line in sight."""
    own = {
        Level.COMPANY: None,
        Level.REGION: user.region_id,
        Level.TEAM: user.team_id,
        Level.SALESPERSON: user.pk,
    }
    for level in LEVEL_ORDER:
        for line in lines:
            if line["level"] == level and line["subject_id"] == own[level]:
                return line
    for level in LEVEL_ORDER:
        for line in lines:
            if line["level"] == level:
                return line
    return None


def achievement_summary(*, user, on: datetime.date | None = None) -> dict:
    """{"month": row | None, "quarter": row | None, "year": row | None}: the sales amount of the
    broadest line the user has in this year's approved plan (the company for the director, the
    user's own region, team or salesperson line otherwise), as of `on` (default today). All None
    without a plan, a line or the permission to read plans."""
    empty = {period: None for period in ("month", "quarter", "year")}
    if not user.has_perm("planning.view_plan"):
        return empty
    on = on or timezone.localdate()
    plan = approved_plan(on.year)
    if plan is None:
        return empty
    line = _broadest(user, _lines(user=user, plan=plan, measure=Measure.AMOUNT))
    if line is None:
        return empty
    out = {}
    for period in ("month", "quarter", "year"):
        start, end, _index = period_bounds(on.year, period, None, on)
        out[period] = _rows(user, [line], start, end, on)[0]
    return out
