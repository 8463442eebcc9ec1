"""Role dashboards (issue 7): the panels a user's permissions open, each read through the app
selectors that own the figures, so a dashboard number always equals the list behind it.

Which panels (by permission and scope, never by username; a user with several roles gets the
union of their roles' panels, and — as everywhere — the widest scope of them):

- company panels, for a user who sees every row (Scope.ALL: the director, also finance, the
  clerk and the auditor as far as their permissions go): sales against the plan this month,
  quarter and year (planning.achievement_summary), the 12-month trend of ordered and invoiced
  amounts against the year before, the regions ranked by this year's orders, the receivables
  aging and the contracts waiting for review;
- "my" panels, for a user who sees part of the rows (a salesperson: their own; a manager: their
  team's; a regional manager: their region's): my target and progress, my sales by month
  against last year, my overdue receivables. They never read a company total;
- warehouse panels, for whoever keeps stock: products under their minimum, counts due (open
  stocktakes and this week's cycle count per warehouse).

The trend and the region ranking come from one sales_report call (by region, month by month over
the 25 months from the current month two years ago to the current month): a user who sees
everything reads the monthly totals (SalesTotal), so the read costs the same at a million order
lines as at ten. `director_dashboard(user)` computes every company panel in one call (the
benchmark times it); `dashboard(user)` every panel the user may see."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from salesdept.accounts.scope import Scope, scope_of

__all__ = [
    "DEFERRED",
    "DIRECTOR_PANELS",
    "PANELS",
    "dashboard",
    "director_dashboard",
    "panels_for",
]

ZERO = Decimal("0.00")
TOP_REGIONS = 10  # the ranking chart shows this many regions; the table lists them all
TOP_ROWS = 8  # rows listed in a panel's table (the link opens the full list)
MAX_WAREHOUSES = 6  # cycle-count proposals computed per dashboard (bounded queries)

STATS = "stats.view_salesfact"


# --- who sees which panel -------------------------------------------------------------------------


def _sees_all(user) -> bool:
    return scope_of(user) == Scope.ALL


PANELS = {
    # key: condition on the user
    "sales_vs_plan": lambda u: _sees_all(u) and u.has_perm(STATS),
    "sales_trend": lambda u: _sees_all(u) and u.has_perm(STATS),
    "region_ranking": lambda u: _sees_all(u) and u.has_perm(STATS),
    "receivables_aging": lambda u: _sees_all(u) and u.has_perm("billing.view_receivables"),
    # every contract in review is the director's overview (the one who approves the plans);
    # others see the contracts waiting for their own step in their to-dos
    "contracts_waiting": lambda u: (
        _sees_all(u) and u.has_perm("sales.view_contract") and u.has_perm("planning.review_plan")
    ),
    "my_target": lambda u: not _sees_all(u) and u.has_perm(STATS),
    "my_sales": lambda u: not _sees_all(u) and u.has_perm(STATS),
    "my_overdue": lambda u: not _sees_all(u) and u.has_perm("billing.view_receivables"),
    "under_min": lambda u: (
        u.has_perm("warehouse.view_stockrule") and u.has_perm("warehouse.add_stockdocument")
    ),
    "counts_due": lambda u: u.has_perm("warehouse.view_stocktake") and u.has_perm("warehouse.add_stocktake"),
}
DIRECTOR_PANELS = ("sales_vs_plan", "sales_trend", "region_ranking", "receivables_aging", "contracts_waiting")
# Panels the page loads after itself (htmx, like the reminders): the company aging sums every open
# invoice (about a second over 1,000,000 of them), so the rest of the page does not wait for it.
DEFERRED = ("receivables_aging",)


def panels_for(user) -> list[str]:
    """The keys of the panels `user` may see, in PANELS order."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [key for key, allowed in PANELS.items() if allowed(user)]


# --- helpers --------------------------------------------------------------------------------------


def _url(name: str, **query) -> str:
    url = reverse(name)
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def _months_back(month: datetime.date, n: int) -> datetime.date:
    """The first day of the month `n` months before `month` (a first day)."""
    index = month.year * 12 + month.month - 1 - n
    return datetime.date(index // 12, index % 12 + 1, 1)


def _month_end(month: datetime.date) -> datetime.date:
    from salesdept.ledger.selectors.balances import month_range

    return month_range(month.year, month.month)[1]


def _quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _number(value) -> float:
    """A figure for a chart (JSON): the table shows the exact Decimal."""
    return float(value or 0)


def _chart(categories, series, *, kind="bar", horizontal=False) -> dict:
    """The spec web/static/salesdept/charts.js turns into an ECharts option: categories (axis
    labels), series [{name, data, kind, dashed}] and the orientation. Labels are translated here."""
    return {
        "kind": kind,
        "horizontal": horizontal,
        "categories": [str(c) for c in categories],
        "series": [
            {
                "name": str(s["name"]),
                "kind": s.get("kind", kind),
                "dashed": bool(s.get("dashed")),
                "data": [_number(v) for v in s["data"]],
            }
            for s in series
        ],
    }


def _achievement_summary(user, on: datetime.date) -> dict:
    """planning's achievement_summary, or "no plan" while that function is not installed."""
    try:
        from salesdept.planning.selectors import achievement_summary
    except ImportError:
        return {"month": None, "quarter": None, "year": None}
    return achievement_summary(user=user, on=on)


class _Reads:
    """The reads shared by several panels of one dashboard, each done once."""

    def __init__(self, user, today: datetime.date):
        self.user = user
        self.today = today
        self.month = today.replace(day=1)
        self._region_report = None
        self._own_report = None

    def region_report(self):
        """Ordered and invoiced amounts by region and month, from the current month two years
        ago to the current month's end: 25 whole months (read from the monthly totals for a user
        who sees everything: one query whatever the number of order lines)."""
        if self._region_report is None:
            from salesdept.stats.selectors import sales_report

            self._region_report = sales_report(
                self.user,
                dimension="region",
                start=_months_back(self.month, 24),
                end=_month_end(self.month),
                measures=("ordered_amount", "invoiced_amount"),
            )
        return self._region_report

    def own_report(self):
        """The user's scoped ordered amount by month, January of last year to December of this
        (read from the facts the user may see)."""
        if self._own_report is None:
            from salesdept.stats.selectors import sales_report

            self._own_report = sales_report(
                self.user,
                dimension="salesperson",
                start=datetime.date(self.today.year - 1, 1, 1),
                end=datetime.date(self.today.year, 12, 31),
                measures=("ordered_amount",),
            )
        return self._own_report


def _monthly(report, measure: str) -> dict[datetime.date, Decimal]:
    """A report's `measure` summed over its rows, per month."""
    out = {month: ZERO for month in report.months}
    for row in report.rows:
        for month, values in row.months.items():
            out[month] += values[measure]
    return out


def _sum_months(by_month: dict, first: datetime.date, last: datetime.date) -> Decimal:
    return sum((v for m, v in by_month.items() if first <= m <= last), ZERO)


def _report_url(period: str, day: datetime.date, dimension: str = "region", measure: str = "ordered_amount"):
    query = {"period": period, "year": day.year, "dimension": dimension, "measure": measure}
    if period == "quarter":
        query["quarter"] = (day.month - 1) // 3 + 1
    elif period == "month":
        query["month"] = day.month
    return _url("stats:sales_report", **query)


def _achievement_url(period: str, today: datetime.date) -> str:
    """planning's achievement page 达成率 of the period (every line in the reader's scope)."""
    from django.urls import NoReverseMatch

    try:
        return _url("planning:achievement", year=today.year, period=period)
    except NoReverseMatch:  # not installed
        return ""


def _periods(today: datetime.date) -> list[tuple[str, str, datetime.date]]:
    """(key, label, first day) of this month, quarter and year."""
    return [
        ("month", pgettext("dashboard", "This month"), today.replace(day=1)),
        ("quarter", pgettext("dashboard", "This quarter"), _quarter_start(today)),
        ("year", pgettext("dashboard", "This year"), today.replace(month=1, day=1)),
    ]


def _progress(summary: dict, by_month: dict, today: datetime.date, dimension: str) -> list[dict]:
    """One card per period: the achievement row (None without a plan line) and the actual —
    the row's when there is one, else the ordered amount of the report."""
    out = []
    for key, label, first in _periods(today):
        row = summary.get(key)
        actual = row["actual"] if row else _sum_months(by_month, first, today)
        width = 0
        if row and row.get("ratio") is not None:
            width = max(0, min(100, int(row["ratio"])))
        out.append(
            {
                "key": key,
                "label": label,
                "row": row,
                "actual": actual,
                "bar_width": width,
                "url": _report_url(key, today, dimension=dimension),
                "target_url": _achievement_url(key, today) if row else "",
            }
        )
    return out


# --- company panels -------------------------------------------------------------------------------


def sales_vs_plan(reads: _Reads) -> dict:
    """Sales (ordered amount) against the company plan this month, quarter and year."""
    summary = _achievement_summary(reads.user, reads.today)
    by_month = _monthly(reads.region_report(), "ordered_amount")
    periods = _progress(summary, by_month, reads.today, "region")
    return {
        "periods": periods,
        "has_plan": any(p["row"] for p in periods),
        "plan_url": reverse("planning:plan_list") if reads.user.has_perm("planning.view_plan") else "",
    }


def sales_trend(reads: _Reads) -> dict:
    """The last 12 whole months of ordered and invoiced amounts, each with the same month a year
    before (同比)."""
    report = reads.region_report()
    ordered = _monthly(report, "ordered_amount")
    invoiced = _monthly(report, "invoiced_amount")
    months = [_months_back(reads.month, n) for n in range(12, 0, -1)]
    rows = []
    for month in months:
        before = _months_back(month, 12)
        rows.append(
            {
                "month": month,
                "label": f"{month:%Y-%m}",
                "ordered": ordered[month],
                "ordered_before": ordered[before],
                "invoiced": invoiced[month],
                "invoiced_before": invoiced[before],
                "ordered_url": _report_url("month", month),
                "invoiced_url": _report_url("month", month, measure="invoiced_amount"),
            }
        )
    chart = _chart(
        [r["label"] for r in rows],
        [
            {"name": _("Ordered"), "data": [r["ordered"] for r in rows], "kind": "bar"},
            {"name": _("Invoiced"), "data": [r["invoiced"] for r in rows], "kind": "bar"},
            {
                "name": _("Ordered, a year before"),
                "data": [r["ordered_before"] for r in rows],
                "kind": "line",
                "dashed": True,
            },
            {
                "name": _("Invoiced, a year before"),
                "data": [r["invoiced_before"] for r in rows],
                "kind": "line",
                "dashed": True,
            },
        ],
    )
    return {
        "rows": rows,
        "chart": chart,
        "empty": not any(
            r[k] for r in rows for k in ("ordered", "invoiced", "ordered_before", "invoiced_before")
        ),
        "start": months[0],
        "end": _month_end(months[-1]),
    }


def region_ranking(reads: _Reads) -> dict:
    """Regions by this year's ordered amount (January to today), with the same months of last
    year and the change."""
    from salesdept.stats.selectors import member_labels

    report = reads.region_report()
    year_start = reads.today.replace(month=1, day=1)
    before_start = _months_back(year_start, 12)
    before_end = _months_back(reads.month, 12)
    rows = []
    for row in report.rows:
        this = sum((v["ordered_amount"] for m, v in row.months.items() if m >= year_start), ZERO)
        before = sum(
            (v["ordered_amount"] for m, v in row.months.items() if before_start <= m <= before_end), ZERO
        )
        if this or before:
            rows.append({"key": row.key, "amount": this, "before": before})
    labels = member_labels("region", [r["key"] for r in rows])
    start, end = year_start, reads.today
    for r in rows:
        r["label"] = labels.get(r["key"]) or _("(not set)")
        r["change"] = (
            ((r["amount"] - r["before"]) * 100 / r["before"]).quantize(Decimal("0.1"))
            if r["before"]
            else None
        )
        r["url"] = _url(
            "stats:sales_facts",
            dimension="region",
            key=r["key"],
            start=start.isoformat(),
            end=end.isoformat(),
            measure="ordered_amount",
        )
    rows.sort(key=lambda r: (-r["amount"], r["label"]))
    total = sum((r["amount"] for r in rows), ZERO)
    top = rows[:TOP_REGIONS]
    chart = _chart(
        [r["label"] for r in top],
        [
            {"name": _("This year"), "data": [r["amount"] for r in top]},
            {"name": _("Same months last year"), "data": [r["before"] for r in top]},
        ],
        horizontal=True,
    )
    return {
        "rows": rows,
        "total": total,
        "chart": chart,
        "empty": not rows,
        "report_url": _report_url("year", reads.today),
    }


def _aging_buckets(totals) -> list[dict]:
    from salesdept.billing.selectors.receivables import AGING_BUCKETS

    return [{"key": key, "label": str(label), "amount": totals.buckets[key]} for key, label in AGING_BUCKETS]


def receivables_aging(reads: _Reads) -> dict:
    """Receivables outstanding by age (the aging report's totals row; for the company, from the
    open-receivables summary the postings keep)."""
    from salesdept.billing.selectors.receivables import aging_totals

    totals = aging_totals(user=reads.user, as_of=reads.today)
    buckets = _aging_buckets(totals)
    url = _url("billing:aging", by="region")
    for b in buckets:
        b["url"] = url
    overdue = sum((b["amount"] for b in buckets if b["key"] != "current"), ZERO)
    return {
        "buckets": buckets,
        "total": totals.total,
        "invoices": totals.invoices,
        "overdue": overdue,
        "chart": _chart(
            [b["label"] for b in buckets],
            [{"name": _("Outstanding"), "data": [b["amount"] for b in buckets]}],
        ),
        "empty": not totals.total,
        "url": url,
        "overdue_url": _url("billing:invoice_list", overdue="on"),
    }


def contracts_waiting(reads: _Reads) -> dict:
    """Contracts submitted for review (合同评审) and not yet decided: how many, their amount, the
    oldest few."""
    from django.db.models import Count, Sum

    from salesdept.sales.selectors.contracts import contract_list

    qs = contract_list(user=reads.user, filters={"status": "submitted"})
    totals = qs.order_by().aggregate(n=Count("pk"), amount=Sum("total_amount"))
    oldest = list(qs.order_by("submitted_at", "pk")[:TOP_ROWS]) if totals["n"] else []
    return {
        "count": totals["n"] or 0,
        "amount": Decimal(totals["amount"] or 0).quantize(Decimal("0.01")),
        "oldest": oldest,
        "url": _url("sales:contract_list", status="submitted"),
        "mine_url": _url("sales:contract_list", waiting="on"),
        "empty": not totals["n"],
    }


# --- "my" panels ----------------------------------------------------------------------------------


def my_target(reads: _Reads) -> dict:
    """The user's own line of this year's plan (their region, team or salesperson line, the
    broadest they have) against what they sold, this month, quarter and year."""
    summary = _achievement_summary(reads.user, reads.today)
    by_month = _monthly(reads.own_report(), "ordered_amount")
    periods = _progress(summary, by_month, reads.today, "salesperson")
    subject = next((p["row"].get("subject") for p in periods if p["row"]), None)
    return {"periods": periods, "has_plan": any(p["row"] for p in periods), "subject": subject}


def my_sales(reads: _Reads) -> dict:
    """The ordered amount the user may see (their own, their team's or their region's), by
    month of this year against last year."""
    by_month = _monthly(reads.own_report(), "ordered_amount")
    year = reads.today.year
    rows = []
    for n in range(1, 13):
        month = datetime.date(year, n, 1)
        before = datetime.date(year - 1, n, 1)
        rows.append(
            {
                "month": month,
                "label": f"{month:%Y-%m}",
                "amount": by_month.get(month, ZERO),
                "before": by_month.get(before, ZERO),
                "url": _report_url("month", month, dimension="salesperson"),
                "before_url": _report_url("month", before, dimension="salesperson"),
            }
        )
    scope = scope_of(reads.user)
    title = {
        Scope.OWN: _("My sales by month"),
        Scope.TEAM: _("My team's sales by month"),
        Scope.REGION: _("My region's sales by month"),
    }.get(scope, _("My sales by month"))
    chart = _chart(
        [r["label"] for r in rows],
        [
            {"name": str(year), "data": [r["amount"] for r in rows], "kind": "bar"},
            {"name": str(year - 1), "data": [r["before"] for r in rows], "kind": "line", "dashed": True},
        ],
    )
    return {
        "title": title,
        "year": year,
        "rows": rows,
        "chart": chart,
        "total": sum((r["amount"] for r in rows), ZERO),
        "total_before": sum((r["before"] for r in rows), ZERO),
        "empty": not any(r["amount"] or r["before"] for r in rows),
        "url": _report_url("year", reads.today, dimension="salesperson"),
    }


def my_overdue(reads: _Reads) -> dict:
    """Overdue receivables of the invoices the user may see (their own orders' for a
    salesperson), by age and by customer (the aging report by customer)."""
    from salesdept.billing.selectors.receivables import AGING_BUCKETS, aging

    report = aging(user=reads.user, dimension="customer", as_of=reads.today)
    buckets = [b for b in _aging_buckets(report.totals) if b["key"] != "current"]
    customers = []
    for row in report.rows:
        overdue = row.total - row.buckets["current"]
        if overdue > 0:
            customers.append(
                {
                    "label": row.label,
                    "overdue": overdue,
                    "oldest": next(
                        (str(label) for key, label in reversed(AGING_BUCKETS) if row.buckets[key] > 0), ""
                    ),
                    "url": _url("billing:aging_detail", by="customer", key=row.key),
                }
            )
    customers.sort(key=lambda c: (-c["overdue"], c["label"]))
    overdue_total = sum((b["amount"] for b in buckets), ZERO)
    url = _url("billing:invoice_list", overdue="on")
    for b in buckets:
        b["url"] = _url("billing:aging", by="customer")
    return {
        "buckets": buckets,
        "total": overdue_total,
        "customers": customers[:TOP_ROWS],
        "customer_count": len(customers),
        "chart": _chart(
            [b["label"] for b in buckets], [{"name": _("Overdue"), "data": [b["amount"] for b in buckets]}]
        ),
        "empty": not overdue_total,
        "url": url,
    }


# --- warehouse panels -----------------------------------------------------------------------------


def under_min(reads: _Reads) -> dict:
    """Stock rules whose accepted stock is under the minimum: how many, and the largest
    shortfalls first (quantity to order)."""
    from salesdept.warehouse.selectors.levels import under_min as under_min_rules

    qs = under_min_rules(user=reads.user, sort="-to_order")
    count = qs.count()
    rows = list(qs[:TOP_ROWS]) if count else []
    chart = _chart(
        [str(r.product.code) for r in rows],
        [
            {"name": _("On hand"), "data": [r.on_hand for r in rows]},
            {"name": _("Minimum"), "data": [r.min_quantity for r in rows]},
        ],
        horizontal=True,
    )
    return {
        "count": count,
        "rows": rows,
        "chart": chart,
        "empty": not count,
        "url": reverse("warehouse:levels_under_min"),
    }


def counts_due(reads: _Reads) -> dict:
    """Stocktakes still open (being counted, or waiting for the variance review) and this week's
    cycle count per warehouse (the user's own warehouses first; at most MAX_WAREHOUSES)."""
    from django.db.models import Case, IntegerField, Value, When

    from salesdept.core.models import Status
    from salesdept.warehouse.models import Warehouse
    from salesdept.warehouse.selectors.stocktakes import proposal, stocktake_list

    open_qs = stocktake_list(user=reads.user).filter(status__in=[Status.DRAFT, Status.SUBMITTED])
    open_count = open_qs.count()
    open_rows = list(open_qs.order_by("counted_on", "pk")[:TOP_ROWS]) if open_count else []
    warehouses = list(
        Warehouse.objects.annotate(
            mine=Case(When(keeper=reads.user, then=Value(0)), default=Value(1), output_field=IntegerField())
        ).order_by("mine", "code")[:MAX_WAREHOUSES]
    )
    cycles = []
    for warehouse in warehouses:
        found = proposal(user=reads.user, warehouse_id=warehouse.pk, on=reads.today)
        if found["share"]:
            cycles.append(
                {
                    "warehouse": warehouse,
                    "share": found["share"],
                    "total": found["total"],
                    "url": _url("warehouse:stocktake_proposal", warehouse=warehouse.pk),
                }
            )
    return {
        "open_count": open_count,
        "open": open_rows,
        "cycles": cycles,
        "due": sum(c["share"] for c in cycles),
        "empty": not open_count and not cycles,
        "open_url": _url("warehouse:stocktake_list", status=Status.DRAFT),
        "submitted_url": _url("warehouse:stocktake_list", status=Status.SUBMITTED),
    }


# --- the dashboards -------------------------------------------------------------------------------

BUILDERS = {
    "sales_vs_plan": sales_vs_plan,
    "sales_trend": sales_trend,
    "region_ranking": region_ranking,
    "receivables_aging": receivables_aging,
    "contracts_waiting": contracts_waiting,
    "my_target": my_target,
    "my_sales": my_sales,
    "my_overdue": my_overdue,
    "under_min": under_min,
    "counts_due": counts_due,
}


def dashboard(user, *, today: datetime.date | None = None, only=None, defer=()) -> dict:
    """{panel key: its data} for every panel `user` may see (of `only`, when given); a panel of
    `defer` is not computed but marked {"deferred": True} (the page loads it afterwards)."""
    reads = _Reads(user, today or timezone.localdate())
    keys = panels_for(user)
    if only is not None:
        keys = [k for k in keys if k in only]
    return {key: {"deferred": True} if key in defer else BUILDERS[key](reads) for key in keys}


def director_dashboard(user, *, today: datetime.date | None = None, defer=()) -> dict:
    """Every company panel the user may see (sales against plan, trend, region ranking, aging,
    contracts waiting), computed in one call: what the director's dashboard reads. With
    defer=DEFERRED, what the page itself reads (the aging follows in its own request)."""
    return dashboard(user, today=today, only=DIRECTOR_PANELS, defer=defer)
