"""Reading sales statistics (P2): the report behind the page, the API and the exports, and the
check that the monthly totals equal the facts.

A report is one GROUP BY query (dimension member × month) over the chosen range, the year
before and the period before, together. Whole months for someone who sees every fact are read
from the monthly totals; a custom range, or a user who sees only part of the facts, reads the
facts through the one visibility rule (accounts.scope.visible) — both give the same figures
(a test compares them)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Concat, TruncMonth
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Region, Team, User
from salesdept.accounts.scope import scope_filter, visible
from salesdept.catalog.models import Category, Channel, Product
from salesdept.core.arithmetic import exact_sum, from_sum
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require
from salesdept.crm.models import Customer
from salesdept.ledger.selectors.balances import month_range

from .models import DIMENSION_COLUMNS, TOTAL_MEASURES, Dimension, Kind, SalesFact, SalesTotal, Source

__all__ = [
    "DEFAULT_MEASURES",
    "MEASURES",
    "VIEW",
    "Report",
    "ReportRow",
    "member_labels",
    "month_starts",
    "report_range",
    "sales_fact_list",
    "sales_report",
    "totals_mismatches",
]

VIEW = "stats.view_salesfact"
PERIODS = ("year", "quarter", "month", "range")

# The measures a report may show. Gross margin and the average order value are computed from
# the summed ones.
MEASURES = (*TOTAL_MEASURES, "gross_margin", "average_order")
# What the page and the API show unless asked for more: one measure across the months (a report
# of every measure of 10,000 salespeople is some 600,000 figures).
DEFAULT_MEASURES = ("ordered_amount",)
_QUANTITIES = {"ordered_quantity", "shipped_quantity"}
_FACT_MEASURES = {
    "ordered_amount": ("amount", Kind.ORDERED),
    "ordered_quantity": ("quantity", Kind.ORDERED),
    "cost": ("cost", Kind.ORDERED),
    "shipped_amount": ("amount", Kind.SHIPPED),
    "shipped_quantity": ("quantity", Kind.SHIPPED),
    "invoiced_amount": ("amount", Kind.INVOICED),
    "collected_amount": ("amount", Kind.COLLECTED),
}


def _places(name: str) -> int:
    return 3 if name in _QUANTITIES else 2


def month_starts(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The first days of the months from `start`'s to `end`'s."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _fact_aggregates() -> dict:
    out = {}
    for name, (column, kind) in _FACT_MEASURES.items():
        out[name] = exact_sum(column, places=_places(name), filter=Q(kind=kind))
    out["orders"] = _orders_count(Q())
    return out


def _orders_count(condition: Q):
    """The orders with lines in the facts under `condition`: each counts once; a cancelled
    order's reversal (negative ordered facts of a posted order) takes it out again — as
    stats.services.totals_of counts them in the monthly totals."""
    document = Concat("source", Value(":"), "number")
    counted = Count(document, distinct=True, filter=Q(kind=Kind.ORDERED, amount__gt=0) & condition)
    cancelled = Count(
        document, distinct=True, filter=Q(kind=Kind.ORDERED, source=Source.ORDER, amount__lt=0) & condition
    )
    return counted - cancelled


def _read(row: dict) -> dict:
    values = {name: from_sum(row.get(name), places=_places(name)) for name in _FACT_MEASURES}
    values["orders"] = int(row.get("orders") or 0)
    return {name: values[name] for name in TOTAL_MEASURES}


def _empty() -> dict:
    return {
        name: (0 if name == "orders" else Decimal(0).quantize(Decimal(1).scaleb(-_places(name))))
        for name in TOTAL_MEASURES
    }


# What each measure a report may show is computed from.
_BASES = {
    **{name: (name,) for name in TOTAL_MEASURES},
    "gross_margin": ("ordered_amount", "cost"),
    "average_order": ("ordered_amount", "orders"),
}


def _bases(measures) -> tuple[str, ...]:
    wanted = {base for name in measures for base in _BASES[name]}
    return tuple(name for name in TOTAL_MEASURES if name in wanted)


class _Sums:
    """Sums of the base measures of one cell, as a list (a report adds up tens of thousands of
    rows: lists cost less than dicts), turned into {measure: value} once at the end."""

    __slots__ = ("values",)

    def __init__(self, width: int):
        self.values = [0] * width

    def add(self, values) -> None:
        mine = self.values
        for i, v in enumerate(values):
            mine[i] += v


def _namer(bases: tuple, measures: tuple, zeros: dict):
    """values (in `bases`' order) → {measure: value}: _named, or where every measure is a base
    one (the page's default) a plain pick — a report builds it for every cell."""
    if any(name not in bases for name in measures):
        return lambda values: _named(values, bases, measures, zeros)
    picks = [(name, bases.index(name), zeros[name]) for name in measures]
    return lambda values: {name: values[i] + zero for name, i, zero in picks}


def _named(values: list, bases: tuple, measures: tuple, zeros: dict) -> dict:
    got = dict(zip(bases, values, strict=True))
    out = {}
    for name in measures:
        if name == "gross_margin":
            out[name] = got["ordered_amount"] - got["cost"] + zeros["ordered_amount"]
        elif name == "average_order":
            orders = got["orders"]
            out[name] = (
                (got["ordered_amount"] / orders).quantize(Decimal("0.01")) if orders else Decimal("0.00")
            )
        else:
            out[name] = got[name] + zeros[name]  # + 0.00: the column's places even for a 0
    return out


@dataclass
class ReportRow:
    key: str
    months: dict = field(default_factory=dict)  # month → measures
    total: dict = field(default_factory=dict)
    previous_year: dict = field(default_factory=dict)
    previous_period: dict = field(default_factory=dict)


@dataclass
class Report:
    dimension: str
    start: datetime.date
    end: datetime.date
    months: list[datetime.date]
    measures: tuple[str, ...]
    rows: list[ReportRow]
    total: dict
    previous_year: dict
    previous_period: dict
    from_totals: bool  # read from the monthly totals (else from the facts)


def _shift_year(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _previous_period(start: datetime.date, end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The range just before [start, end]: the same number of whole months when the range is
    whole months (the month before a month, the quarter before a quarter), else as many days."""
    following = end + datetime.timedelta(days=1)
    if start.day == 1 and following.day == 1:
        months = (following.year - start.year) * 12 + following.month - start.month
        first = start
        for _ in range(months):
            first = (first - datetime.timedelta(days=1)).replace(day=1)
        return first, start - datetime.timedelta(days=1)
    days = (end - start).days + 1
    return start - datetime.timedelta(days=days), start - datetime.timedelta(days=1)


def _sums_from_totals(dimension: Dimension, ranges: list, bases: tuple):
    """(key, *sums) per member from the monthly totals: each base measure summed over each of
    `ranges` (whole months) — range by range, the bases in order; whole units on SQLite, as
    exact_sum gives them. The months are asked for by name (one index probe each, of the index
    that holds the default measure: no table reads for the page's report)."""
    months = sorted({month for first, last in ranges for month in month_starts(first, last)})

    def measure(name, first, last):
        within = Q(month__gte=first.replace(day=1), month__lte=last)
        if name == "orders":
            return Sum("orders", filter=within)
        return exact_sum(name, places=_places(name), filter=within)

    aggregates = {
        f"m{i}_{name}": measure(name, first, last) for i, (first, last) in enumerate(ranges) for name in bases
    }
    query = (
        SalesTotal.objects.filter(dimension=dimension.value, month__in=months)
        .values("key")
        .annotate(**aggregates)
        .order_by()
        .values_list("key", *aggregates)
    )
    # the rows as the driver gives them (whole units as integers on SQLite, numerics on
    # PostgreSQL): the ORM's converters would touch each of 10,000 members' figures again
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _sums_from_facts(user, column: str, start, end, ranges: list, bases: tuple):
    """(key, *sums) per member of the facts `user` may see, in _sums_from_totals' layout:
    conditional sums, one per base measure and range, grouped by member in the database.
    `ranges`: [start, end]'s months, then the year before and the period before."""

    def within(first, last):
        return Q(day__gte=first, day__lte=last)

    def measure(name, condition):
        if name == "orders":
            return _orders_count(condition)
        fact_column, kind = _FACT_MEASURES[name]
        return exact_sum(fact_column, places=_places(name), filter=Q(kind=kind) & condition)

    spans = [within(*span) for span in ranges]
    aggregates = {f"m{i}_{name}": measure(name, span) for i, span in enumerate(spans) for name in bases}
    return (
        visible(SalesFact.objects, user)
        .filter(within(start, end) | spans[-2] | spans[-1])  # + the year and the period before
        .values(column)
        .annotate(**aggregates)
        .order_by()
        .values_list(column, *aggregates)
    )


def sales_report(
    user,
    *,
    dimension: str,
    start: datetime.date,
    end: datetime.date,
    measures=MEASURES,
    use_totals: bool | None = None,
) -> Report:
    """`measures` (default: every one of MEASURES) of every member of `dimension` the user may
    see, by month over [start, end], with the same range a year before and the period before
    (see _previous_period). Members are sorted by the first measure, largest first.
    `use_totals=False` reads the facts even where the monthly totals would serve (tests)."""
    require(user, VIEW)
    errors = {}
    if dimension not in Dimension.values:
        errors["dimension"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(Dimension.values)}
    measures = tuple(measures)
    if not measures or any(m not in MEASURES for m in measures):
        errors["measures"] = _("Choose among: %(choices)s.") % {"choices": ", ".join(MEASURES)}
    if start > end:
        errors["end"] = _("The end date must not be before the start date.")
    if errors:
        raise ValidationFailed(errors)
    dimension = Dimension(dimension)
    column = DIMENSION_COLUMNS[dimension]
    bases = _bases(measures)
    year_before = (_shift_year(start, -1), _shift_year(end, -1))
    period_before = _previous_period(start, end)
    months = month_starts(start, end)
    whole_months = start.day == 1 and (end + datetime.timedelta(days=1)).day == 1
    from_totals = whole_months and scope_filter(SalesFact, user) is None and use_totals is not False
    # One row per member: each base measure summed per month of the range, and over the year
    # before and the period before.
    ranges = [(max(month, start), min(month_range(month.year, month.month)[1], end)) for month in months]
    ranges += [year_before, period_before]
    if from_totals:
        rows = _sums_from_totals(dimension, ranges, bases)
    else:
        rows = _sums_from_facts(user, column, start, end, ranges, bases)
    # SQLite's exact sums are whole cents (thousandths): back to decimals
    sqlite = connection.vendor == "sqlite"
    units = [None if name == "orders" else Decimal(1).scaleb(-_places(name)) for name in bases] * len(ranges)
    width = len(bases)
    zeros = _empty()
    named = _namer(bases, measures, zeros)
    report_rows = []
    total, total_year, total_period = _Sums(width), _Sums(width), _Sums(width)
    for key, *values in rows:
        if sqlite:
            values = [
                0 if not v else v if unit is None else Decimal(v) * unit
                for v, unit in zip(values, units, strict=True)
            ]
        else:
            values = [v or 0 for v in values]
        if not any(values):  # facts that add up to nothing (the totals keep no such row)
            continue
        row_total = _Sums(width)
        by_month = {}
        for i, month in enumerate(months):
            part = values[i * width : (i + 1) * width]
            if any(part):
                row_total.add(part)
                by_month[month] = named(part)
        year, period = values[-2 * width : -width], values[-width:]
        total.add(row_total.values)
        total_year.add(year)
        total_period.add(period)
        report_rows.append(
            ReportRow(
                key="" if key is None else str(key),
                months=by_month,
                total=named(row_total.values),
                previous_year=named(year),
                previous_period=named(period),
            )
        )
    report_rows.sort(key=lambda r: (-r.total[measures[0]], r.key))
    return Report(
        dimension=dimension.value,
        start=start,
        end=end,
        months=months,
        measures=measures,
        rows=report_rows,
        total=_named(total.values, bases, measures, zeros),
        previous_year=_named(total_year.values, bases, measures, zeros),
        previous_period=_named(total_period.values, bases, measures, zeros),
        from_totals=from_totals,
    )


def totals_mismatches(limit: int = 20) -> list[str]:
    """Where the monthly totals differ from the facts they sum (empty when they agree): the
    check of `salesdept manage verify_summaries` and of invariant I12."""
    problems = []
    for dimension, column in DIMENSION_COLUMNS.items():
        facts = {}
        for row in (
            SalesFact.objects.annotate(period=TruncMonth("day"))
            .values(column, "period")
            .annotate(**_fact_aggregates())
            .order_by()
        ):
            period = row["period"]
            if isinstance(period, datetime.datetime):
                period = period.date()
            key = "" if row[column] is None else str(row[column])
            facts[(period, key)] = _read(row)
        totals = {}
        for row in SalesTotal.objects.filter(dimension=dimension.value).values(
            "month", "key", *TOTAL_MEASURES
        ):
            values = {name: row[name] for name in TOTAL_MEASURES}
            if any(values.values()):
                totals[(row["month"], row["key"])] = values
        for cell in sorted(set(facts) | set(totals), key=lambda c: (c[0], c[1])):
            want = facts.get(cell, _empty())
            have = totals.get(cell, _empty())
            for name in TOTAL_MEASURES:
                if want[name] != have[name]:
                    problems.append(
                        f"{dimension.value} {cell[1] or '—'} {cell[0]:%Y-%m} {name}: "
                        f"totals {have[name]}, facts {want[name]}"
                    )
                    if len(problems) >= limit:
                        return problems
    return problems


def report_range(
    *, period: str, year: int | None = None, quarter: int | None = None, month: int | None = None,
    start: datetime.date | None = None, end: datetime.date | None = None, today: datetime.date,
) -> tuple[datetime.date, datetime.date]:  # fmt: skip
    """The first and last day of a report's period: a year, one of its quarters or months
    (default: the current one), or a custom range [start, end]. Bad input raises
    ValidationFailed naming the field."""
    errors = {}
    if period not in PERIODS:
        raise ValidationFailed({"period": _("Choose one of: %(choices)s.") % {"choices": ", ".join(PERIODS)}})
    if period == "range":
        if start is None:
            errors["start"] = _("This field is required.")
        if end is None:
            errors["end"] = _("This field is required.")
        if not errors and start > end:
            errors["end"] = _("The end date must not be before the start date.")
        if not errors and (end - start).days > 3660:
            errors["end"] = _("A range may cover at most ten years.")
        if errors:
            raise ValidationFailed(errors)
        return start, end
    year = today.year if year is None else year
    if not 1900 <= year <= 2999:
        raise ValidationFailed({"year": _("Enter a valid year.")})
    if period == "year":
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if period == "quarter":
        quarter = (today.month - 1) // 3 + 1 if quarter is None else quarter
        if not 1 <= quarter <= 4:
            raise ValidationFailed({"quarter": _("Enter a quarter from 1 to 4.")})
        return datetime.date(year, quarter * 3 - 2, 1), month_range(year, quarter * 3)[1]
    month = today.month if month is None else month
    if not 1 <= month <= 12:
        raise ValidationFailed({"month": _("Enter a month from 1 to 12.")})
    return month_range(year, month)


def member_labels(dimension: str, keys) -> dict[str, str]:
    """The name shown for each member key of a report (one query)."""
    keys = [k for k in keys if k]
    if dimension == Dimension.CHANNEL:
        names = dict(Channel.choices)
        return {k: str(names.get(k, k)) for k in keys}
    model = {
        Dimension.REGION: Region,
        Dimension.SALESPERSON: User,
        Dimension.TEAM: Team,
        Dimension.CUSTOMER: Customer,
        Dimension.PRODUCT: Product,
        Dimension.CATEGORY: Category,
    }[Dimension(dimension)]
    ids = [int(k) for k in keys if k.isdigit()]
    return {str(obj.pk): str(obj) for obj in model._default_manager.filter(pk__in=ids)}


# The kind of fact each measure counts (the cost and the orders go with the ordered amount).
MEASURE_KINDS = {
    **{name: kind for name, (_column, kind) in _FACT_MEASURES.items()},
    "orders": Kind.ORDERED,
    "gross_margin": Kind.ORDERED,
    "average_order": Kind.ORDERED,
}


def sales_fact_list(
    user,
    *,
    dimension: str,
    key: str,
    start: datetime.date,
    end: datetime.date,
    measure: str | None = None,
):
    """The facts behind one figure of a report (the drill-down): those of member `key` of
    `dimension` ("" = the facts without one) from `start` to `end`, of the kind `measure`
    counts (every kind when None), that the user may see — the report's own rule."""
    require(user, VIEW)
    errors = {}
    if dimension not in Dimension.values:
        errors["dimension"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(Dimension.values)}
    elif key and dimension != Dimension.CHANNEL and not key.isdigit():
        errors["key"] = _("Choose a member of the report.")
    if measure is not None and measure not in MEASURE_KINDS:
        errors["measure"] = _("Choose among: %(choices)s.") % {"choices": ", ".join(MEASURES)}
    if start > end:
        errors["end"] = _("The end date must not be before the start date.")
    if errors:
        raise ValidationFailed(errors)
    column = DIMENSION_COLUMNS[Dimension(dimension)]
    if key:
        member = Q(**{column: key if dimension == Dimension.CHANNEL else int(key)})
    else:
        member = Q(**{column: ""}) if dimension == Dimension.CHANNEL else Q(**{f"{column}__isnull": True})
    qs = visible(SalesFact.objects, user).filter(member, day__gte=start, day__lte=end)
    if measure is not None:
        qs = qs.filter(kind=MEASURE_KINDS[measure])
    return qs.select_related("customer", "product").order_by("day", "number", "line", "pk")


def document_fact_mismatches(
    *, source: str, kind: str, expected: dict, column: str = "amount", limit: int = 20
):
    """Where the facts a posting app recorded differ from its documents (I12 "facts = documents"):
    `expected` maps each document's pk to (number, the Σ `column` its facts must have — 0 for one
    that counts nothing, e.g. a draft). Facts are matched by document id and number (the bench's
    synthetic facts share neither); a fact of a document not in `expected` is reported too."""
    places = 3 if column == "quantity" else 2
    recorded = {
        (row["source_id"], row["number"]): from_sum(row["total"], places=places)
        for row in SalesFact.objects.filter(source=source, kind=kind, source_id__isnull=False)
        .values("source_id", "number")
        .annotate(total=exact_sum(column, places=places))
        .order_by()
    }
    problems = []
    for pk, (number, want) in expected.items():
        have = recorded.pop((pk, number), Decimal(0))
        if have != want:
            problems.append(f"{source} {number} (#{pk}) {kind} {column}: facts {have}, document {want}")
    for (pk, number), have in recorded.items():
        if have and pk not in expected:
            problems.append(f"{source} {number} (#{pk}) {kind} {column}: facts {have} of no such document")
    return problems[:limit]
