"""The report pack 统计台账 (P2): the standard monthly, quarterly and yearly statistics the director
files, built for one period and one user — every figure in that user's scope (a director gets the
company, a regional manager their region, a salesperson their own).

Sections (each read by the app that owns the figures; nothing is counted here):

- sales by region and by salesperson (stats.sales_report: ordered, shipped, invoiced, collected,
  gross margin, the year before and 同比), each with its plan achievement (planning.achievement,
  when that app provides it: target, actual, 达成率, gap);
- top 10 customers and top 10 products (stats.sales_report by customer / product);
- new customers created in the period (crm, through visible());
- receivables (billing.aging by region as of the period's end — or today, for a period not over
  yet — and the ten customers with the most overdue);
- contract fulfillment (sales.fulfillment_statistics of the contracts signed in the period, by
  region).

A section whose permission the user lacks is left out, and the pack says so. The pack is a list of
plain tables (`PackTable`: columns, rows, totals rows) that reports/files.py prints to PDF and
writes to XLSX alike, so both files always hold the same figures."""

import datetime
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesdept.accounts.scope import Scope, scope_of
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require
from salesdept.stats.selectors import VIEW, member_labels, sales_report
from salesdept.stats.tables import MEASURE_LABELS, percent_change

__all__ = [
    "KINDS",
    "Column",
    "Pack",
    "PackTable",
    "Period",
    "Section",
    "build_pack",
    "parse_period",
]

KINDS = {
    "monthly": _("Monthly"),
    "quarterly": _("Quarterly"),
    "yearly": _("Yearly"),
}
TOP = 10
# At most this many new customers are listed (the count covers them all).
MAX_NEW_CUSTOMERS = 1000
SALES_MEASURES = ("ordered_amount", "shipped_amount", "invoiced_amount", "collected_amount", "gross_margin")
ZERO = Decimal("0.00")
TENTH = Decimal("0.1")


# --- the period ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str  # monthly | quarterly | yearly
    year: int
    index: int | None  # the month (1–12) or quarter (1–4); None for a year
    start: datetime.date
    end: datetime.date

    @property
    def label(self) -> str:
        """2026-10, 2026-Q3 or 2026: the text the CLI takes and the files are named with."""
        if self.kind == "monthly":
            return f"{self.year}-{self.index:02d}"
        if self.kind == "quarterly":
            return f"{self.year}-Q{self.index}"
        return f"{self.year}"

    @property
    def planning_period(self) -> str:
        return {"monthly": "month", "quarterly": "quarter", "yearly": "year"}[self.kind]


_FORMATS = {
    "monthly": re.compile(r"^(\d{4})-(\d{1,2})$"),
    "quarterly": re.compile(r"^(\d{4})-?[Qq](\d)$"),
    "yearly": re.compile(r"^(\d{4})$"),
}
_EXAMPLES = {"monthly": "2026-10", "quarterly": "2026-Q3", "yearly": "2026"}


def _month_end(year: int, month: int) -> datetime.date:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def parse_period(kind: str, text: str) -> Period:
    """The period `text` names for a pack of `kind`: "2026-10" (monthly), "2026-Q3" (quarterly),
    "2026" (yearly). Bad input raises ValidationFailed on "kind" or "period" with a message that
    says what is expected."""
    if kind not in KINDS:
        raise ValidationFailed({"kind": _("Choose one of: %(choices)s.") % {"choices": ", ".join(KINDS)}})
    text = (text or "").strip()
    match = _FORMATS[kind].match(text)
    if not match:
        messages = {
            "monthly": _("Enter a month as YYYY-MM, e.g. %(example)s."),
            "quarterly": _("Enter a quarter as YYYY-Qn, e.g. %(example)s."),
            "yearly": _("Enter a year as YYYY, e.g. %(example)s."),
        }
        raise ValidationFailed({"period": messages[kind] % {"example": _EXAMPLES[kind]}})
    year = int(match.group(1))
    if not 1900 <= year <= 2999:
        raise ValidationFailed({"period": _("Enter a year from 1900 to 2999.")})
    if kind == "yearly":
        return Period(kind, year, None, datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    index = int(match.group(2))
    if kind == "monthly":
        if not 1 <= index <= 12:
            raise ValidationFailed(
                {"period": _("%(text)s is not a month: the month runs from 01 to 12.") % {"text": text}}
            )
        return Period(kind, year, index, datetime.date(year, index, 1), _month_end(year, index))
    if not 1 <= index <= 4:
        raise ValidationFailed(
            {"period": _("%(text)s is not a quarter: the quarter runs from Q1 to Q4.") % {"text": text}}
        )
    return Period(kind, year, index, datetime.date(year, index * 3 - 2, 1), _month_end(year, index * 3))


def current_period(kind: str, today: datetime.date) -> Period:
    """The last period of `kind` that is over by `today` (what a director files next)."""
    if kind == "monthly":
        last = today.replace(day=1) - datetime.timedelta(days=1)
        return parse_period(kind, f"{last.year}-{last.month:02d}")
    if kind == "quarterly":
        first = datetime.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        last = first - datetime.timedelta(days=1)
        return parse_period(kind, f"{last.year}-Q{(last.month - 1) // 3 + 1}")
    return parse_period(kind, str(today.year - 1))


# --- tables -------------------------------------------------------------------------------------

# Kinds of column: how a figure prints and the number format of its XLSX cell.
# NUMBER: a figure that may be money or a count (plan targets): printed without needless decimals.
TEXT, MONEY, QUANTITY, COUNT, PERCENT, DATE, NUMBER = (
    "text", "money", "quantity", "count", "percent", "date", "number",
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    kind: str = TEXT

    @property
    def numeric(self) -> bool:
        return self.kind in (MONEY, QUANTITY, COUNT, PERCENT, NUMBER)


@dataclass
class PackTable:
    key: str
    title: object
    columns: list[Column]
    rows: list[dict]
    totals: list[dict] = field(default_factory=list)  # rows printed bold under the table
    note: object = ""
    empty: object = ""  # what to say when there are no rows


@dataclass
class Section:
    key: str
    title: object
    tables: list[PackTable] = field(default_factory=list)
    note: object = ""  # e.g. why the section is left out


@dataclass
class Pack:
    period: Period
    user: object
    scope_label: str
    generated_at: datetime.datetime
    as_of: datetime.date  # the receivables' date: the period's end, or today when it is not over
    sections: list[Section]

    @property
    def kind_label(self):
        return KINDS[self.period.kind]

    def table(self, key: str) -> PackTable | None:
        for section in self.sections:
            for table in section.tables:
                if table.key == key:
                    return table
        return None


def _pct(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, ROUND_HALF_UP)


def scope_label(user) -> str:
    """Whose figures the pack holds: the company, a region, a team or the user's own."""
    scope = scope_of(user)
    if scope >= Scope.ALL:
        return str(_("Whole company"))
    if scope == Scope.REGION and getattr(user, "region", None) is not None:
        return str(_("Region: %(name)s") % {"name": user.region})
    if scope == Scope.TEAM and getattr(user, "team", None) is not None:
        return str(_("Team: %(name)s") % {"name": user.team})
    return str(_("Own figures: %(name)s") % {"name": user})


# --- sections -----------------------------------------------------------------------------------

YEAR_BEFORE = _("Ordered, year before")


def _sales_columns(member_label) -> list[Column]:
    return [
        Column("label", member_label),
        *(Column(name, MEASURE_LABELS[name], MONEY) for name in SALES_MEASURES),
        Column("year_before", YEAR_BEFORE, MONEY),
        Column("yoy", _("YoY %"), PERCENT),
    ]


def _sales_row(label: str, total: dict, year_before: dict) -> dict:
    row = {"label": label, **{name: total[name] for name in SALES_MEASURES}}
    row["year_before"] = year_before["ordered_amount"]
    row["yoy"] = percent_change(total["ordered_amount"], year_before["ordered_amount"])
    return row


def _sales_table(user, period: Period, *, dimension: str, key: str, title, member_label) -> PackTable:
    report = sales_report(
        user, dimension=dimension, start=period.start, end=period.end, measures=SALES_MEASURES
    )
    labels = member_labels(dimension, [row.key for row in report.rows])
    rows = [
        _sales_row(labels.get(row.key) or str(_("(not set)")), row.total, row.previous_year)
        for row in report.rows
    ]
    return PackTable(
        key=key,
        title=title,
        columns=_sales_columns(member_label),
        rows=rows,
        totals=[_sales_row(str(_("Total")), report.total, report.previous_year)],
        empty=_("No sales in this period."),
    )


def _top_table(user, period: Period, *, dimension: str, key: str, title, member_label) -> PackTable:
    measures = ("ordered_amount", "ordered_quantity", "gross_margin")
    report = sales_report(user, dimension=dimension, start=period.start, end=period.end, measures=measures)
    top = [row for row in report.rows if row.total["ordered_amount"]][:TOP]  # sold something in the period
    labels = member_labels(dimension, [row.key for row in top])
    whole = report.total["ordered_amount"]
    columns = [
        Column("rank", pgettext_lazy("ranking", "No."), COUNT),
        Column("label", member_label),
        Column("ordered_amount", MEASURE_LABELS["ordered_amount"], MONEY),
        Column("share", _("Share %"), PERCENT),
        Column("ordered_quantity", MEASURE_LABELS["ordered_quantity"], QUANTITY),
        Column("gross_margin", MEASURE_LABELS["gross_margin"], MONEY),
        Column("year_before", YEAR_BEFORE, MONEY),
        Column("yoy", _("YoY %"), PERCENT),
    ]

    def line(rank, label, total, year_before):
        return {
            **({"rank": rank} if rank is not None else {}),
            "label": label,
            "ordered_amount": total["ordered_amount"],
            "share": _pct(total["ordered_amount"], whole),
            "ordered_quantity": total["ordered_quantity"],
            "gross_margin": total["gross_margin"],
            "year_before": year_before["ordered_amount"],
            "yoy": percent_change(total["ordered_amount"], year_before["ordered_amount"]),
        }

    rows = [
        line(i, labels.get(row.key) or str(_("(not set)")), row.total, row.previous_year)
        for i, row in enumerate(top, start=1)
    ]
    top_total = {name: sum((row.total[name] for row in top), ZERO) for name in measures}
    top_year = {"ordered_amount": sum((row.previous_year["ordered_amount"] for row in top), ZERO)}
    totals = [
        line(None, str(_("Top %(n)s total") % {"n": len(top)}), top_total, top_year),
        line(None, str(_("Total")), report.total, report.previous_year),
    ]
    return PackTable(
        key=key,
        title=title,
        columns=columns,
        rows=rows,
        totals=totals if rows else [],
        empty=_("No sales in this period."),
        note=_("Ranked by ordered amount. The last row is the total of everything in scope."),
    )


def _plan_tables(user, period: Period, today: datetime.date) -> dict[str, PackTable] | None:
    """Achievement 达成率 of the plan targets in the period: company and region lines for the
    region section, team and salesperson lines for the salesperson section; None when the
    planning app offers no achievement."""
    try:
        from salesdept.planning.selectors import achievement
    except ImportError:  # an installation without plan achievement
        return None
    try:
        from salesdept.planning.achievement import LIGHTS
    except ImportError:
        LIGHTS = {}
    try:
        rows = achievement(
            user=user, year=period.year, period=period.planning_period, index=period.index, on=today
        )
    except ValidationFailed:  # a year plans cannot have
        rows = []
    columns = [
        Column("level_label", _("Level")),
        Column("subject", _("Subject")),
        Column("measure_label", _("Measure")),
        Column("target", _("Target"), NUMBER),
        Column("actual", _("Actual"), NUMBER),
        Column("ratio", _("Achievement %"), PERCENT),
        Column("gap", _("Gap to target"), NUMBER),
        Column("light", _("Status")),
    ]
    groups = {"region": ("company", "region"), "salesperson": ("team", "salesperson")}
    out = {}
    for key, levels in groups.items():
        mine = [
            {
                "level_label": row["level_label"],
                "subject": row["subject"],
                "measure_label": row["measure_label"],
                "target": row["target"],
                "actual": row["actual"],
                "ratio": row["ratio"],
                "gap": row["gap"],
                "light": str(LIGHTS.get(row["light"], row["light"] or "")),
            }
            for row in rows
            if str(row["level"]) in levels
        ]
        out[key] = PackTable(
            key=f"{key}_plan",
            title=_("Against plan"),
            columns=columns,
            rows=mine,
            empty=_("No approved plan targets for this period."),
            note=_("Achievement = actual ÷ target. Status compares it with the share of the period elapsed."),
        )
    return out


def _new_customers(user, period: Period) -> PackTable:
    from salesdept.accounts.scope import visible
    from salesdept.crm.models import Customer

    tz = timezone.get_current_timezone()
    first = datetime.datetime.combine(period.start, datetime.time.min, tzinfo=tz)
    after = datetime.datetime.combine(period.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    qs = visible(Customer.objects, user).filter(
        merged_into__isnull=True, created_at__gte=first, created_at__lt=after
    )
    count = qs.count()
    listed = qs.select_related("region", "owner").order_by("created_at", "pk")[:MAX_NEW_CUSTOMERS]
    rows = [
        {
            "code": c.code,
            "name": c.name,
            "region": str(c.region),
            "owner": str(c.owner),
            "created": timezone.localtime(c.created_at).date(),
        }
        for c in listed
    ]
    note = ""
    if count > len(rows):
        note = _("The first %(shown)s of %(count)s new customers are listed.") % {
            "shown": len(rows),
            "count": count,
        }
    return PackTable(
        key="new_customers",
        title=_("New customers"),
        columns=[
            Column("code", _("Customer number")),
            Column("name", _("Customer")),
            Column("region", _("Region")),
            Column("owner", _("Salesperson")),
            Column("created", _("Created on"), DATE),
        ],
        rows=rows,
        totals=[{"code": str(_("Total")), "name": count}],
        note=note,
        empty=_("No new customers in this period."),
    )


def _receivables(user, as_of: datetime.date) -> list[PackTable]:
    from salesdept.billing.selectors.receivables import AGING_BUCKETS, BUCKET_KEYS, aging

    by_region = aging(user=user, dimension="region", as_of=as_of)
    bucket_columns = [Column(key, label, MONEY) for key, label in AGING_BUCKETS]
    # the regions named in the reader's language, like the other tables (aging reads the names)
    names = member_labels("region", [str(row.key) for row in by_region.rows if row.key is not None])

    def aging_row(row) -> dict:
        label = names.get(str(row.key), row.label)
        return {"label": label, **row.buckets, "total": row.total, "invoices": row.invoices}

    region_table = PackTable(
        key="aging",
        title=_("Aging by region"),
        columns=[
            Column("label", _("Region")),
            *bucket_columns,
            Column("total", _("Outstanding"), MONEY),
            Column("invoices", _("Invoices"), COUNT),
        ],
        rows=[aging_row(row) for row in by_region.rows],
        totals=[aging_row(by_region.totals)],
        empty=_("Nothing outstanding."),
    )
    by_customer = aging(user=user, dimension="customer", as_of=as_of)
    overdue_keys = [k for k in BUCKET_KEYS if k != "current"]
    overdue = []
    for row in by_customer.rows:
        amount = sum((row.buckets[k] for k in overdue_keys), ZERO)
        if amount > 0:
            overdue.append((amount, row))
    overdue.sort(key=lambda pair: (-pair[0], pair[1].label))
    top = overdue[:TOP]
    columns = [
        Column("rank", pgettext_lazy("ranking", "No."), COUNT),
        Column("label", _("Customer")),
        Column("overdue", _("Overdue"), MONEY),
        Column("d90_plus", dict(AGING_BUCKETS)["d90_plus"], MONEY),
        Column("total", _("Outstanding"), MONEY),
        Column("invoices", _("Invoices"), COUNT),
    ]
    rows = [
        {
            "rank": i,
            "label": row.label,
            "overdue": amount,
            "d90_plus": row.buckets["d90_plus"],
            "total": row.total,
            "invoices": row.invoices,
        }
        for i, (amount, row) in enumerate(top, start=1)
    ]
    totals = []
    if rows:
        totals.append(
            {
                "label": str(_("Top %(n)s total") % {"n": len(rows)}),
                **{k: sum((r[k] for r in rows), ZERO) for k in ("overdue", "d90_plus", "total")},
                "invoices": sum(r["invoices"] for r in rows),
            }
        )
        totals.append(
            {
                "label": str(_("Total")),
                "overdue": sum((amount for amount, _row in overdue), ZERO),
                "d90_plus": by_customer.totals.buckets["d90_plus"],
                "total": by_customer.totals.total,
                "invoices": by_customer.totals.invoices,
            }
        )
    overdue_table = PackTable(
        key="top_overdue",
        title=_("Top overdue customers"),
        columns=columns,
        rows=rows,
        totals=totals,
        empty=_("Nothing overdue."),
    )
    return [region_table, overdue_table]


def _fulfillment(user, period: Period) -> PackTable:
    from salesdept.sales.selectors.fulfillment import StatisticsRow, fulfillment_statistics

    stats = fulfillment_statistics(
        user=user, period=period.planning_period, year=period.year, dimension="region"
    )
    rows = [r for r in stats.rows if r.period == period.start]

    def line(r) -> dict:
        return {
            "label": r.label,
            "signed": r.signed,
            "amount": r.amount,
            "fulfilled": r.fulfilled,
            "fulfilled_amount": r.fulfilled_amount,
            "rate": r.rate,
            "overdue": r.overdue,
            "overdue_amount": r.overdue_amount,
        }

    total = StatisticsRow(key=None, label=str(_("Total")), period=None, period_label="")
    for r in rows:
        total.add(r)
    return PackTable(
        key="fulfillment",
        title=_("Contracts signed in the period, by region"),
        columns=[
            Column("label", _("Region")),
            Column("signed", _("Contracts signed"), COUNT),
            Column("amount", _("Contract amount"), MONEY),
            Column("fulfilled", _("Fulfilled"), COUNT),
            Column("fulfilled_amount", _("Fulfilled amount"), MONEY),
            Column("rate", _("Fulfillment rate %"), PERCENT),
            Column("overdue", _("Overdue"), COUNT),
            Column("overdue_amount", _("Overdue amount"), MONEY),
        ],
        rows=[line(r) for r in sorted(rows, key=lambda r: (-r.amount, r.label))],
        totals=[line(total)] if rows else [],
        note=_(
            "States as of today: fulfilled when shipped and paid in full; "
            "overdue when a payment or a delivery is late."
        ),
        empty=_("No contracts signed in this period."),
    )


# --- the pack -----------------------------------------------------------------------------------


def build_pack(*, user, kind: str, period: str, today: datetime.date | None = None) -> Pack:
    """The report pack of `kind` ("monthly", "quarterly", "yearly") for `period` ("2026-10",
    "2026-Q3", "2026") as `user` may see it (see the module's docstring). Needs the permission to
    read the sales statistics; sections needing another permission are left out with a note.
    Bad kind or period raises ValidationFailed."""
    require(user, VIEW)
    the_period = parse_period(kind, period)
    today = today or timezone.localdate()
    as_of = min(the_period.end, today)
    not_allowed = _("Not included: you may not see these figures.")

    region = Section("region", _("Sales by region"))
    region.tables.append(
        _sales_table(
            user,
            the_period,
            dimension="region",
            key="region",
            title=_("Sales by region"),
            member_label=_("Region"),
        )
    )
    person = Section("salesperson", _("Sales by salesperson"))
    person.tables.append(
        _sales_table(
            user,
            the_period,
            dimension="salesperson",
            key="salesperson",
            title=_("Sales by salesperson"),
            member_label=_("Salesperson"),
        )
    )
    if user.has_perm("planning.view_plan"):
        plans = _plan_tables(user, the_period, today)
        if plans is None:
            region.note = person.note = _("Plan achievement is not available.")
        else:
            region.tables.append(plans["region"])
            person.tables.append(plans["salesperson"])

    customers = Section("customers", _("Top customers"))
    customers.tables.append(
        _top_table(
            user,
            the_period,
            dimension="customer",
            key="top_customers",
            title=_("Top 10 customers"),
            member_label=_("Customer"),
        )
    )
    products = Section("products", _("Top products"))
    products.tables.append(
        _top_table(
            user,
            the_period,
            dimension="product",
            key="top_products",
            title=_("Top 10 products"),
            member_label=_("Product"),
        )
    )

    new = Section("new_customers", _("New customers"))
    if user.has_perm("crm.view_customer"):
        new.tables.append(_new_customers(user, the_period))
    else:
        new.note = not_allowed

    receivables = Section("receivables", _("Receivables"))
    if user.has_perm("billing.view_receivables"):
        receivables.tables.extend(_receivables(user, as_of))
        receivables.note = _("Outstanding on %(date)s, by days past due.") % {"date": as_of.isoformat()}
    else:
        receivables.note = not_allowed

    fulfillment = Section("fulfillment", _("Contract fulfillment"))
    if user.has_perm("sales.view_contract"):
        fulfillment.tables.append(_fulfillment(user, the_period))
    else:
        fulfillment.note = not_allowed

    return Pack(
        period=the_period,
        user=user,
        scope_label=scope_label(user),
        generated_at=timezone.localtime(),
        as_of=as_of,
        sections=[region, person, customers, products, new, receivables, fulfillment],
    )
