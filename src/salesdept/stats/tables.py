"""The sales statistics report 销售统计报表 (P2) as a table: one row per member with its months,
total, the year before with the change (同比) and the period before with the change (环比), a
totals row, sorting, and the export columns. The page and the XLSX/CSV export read the same
rows, so a file never differs from the screen. The figures come from selectors.sales_report;
this module only lays them out."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from salesdept.core.exports import Column
from salesdept.ledger.selectors.balances import month_range

from .models import Source
from .selectors import Report, member_labels

__all__ = [
    "HEADERS",
    "MEASURE_LABELS",
    "REPORT_MEASURES",
    "SORTS",
    "ReportTable",
    "TableRow",
    "drill_url",
    "export_columns",
    "percent_change",
    "report_table",
    "source_url",
]

MEASURE_LABELS = {
    "ordered_amount": _("Ordered amount"),
    "ordered_quantity": _("Ordered quantity"),
    "cost": _("Cost"),
    "orders": _("Number of orders"),
    "shipped_amount": _("Shipped amount"),
    "shipped_quantity": _("Shipped quantity"),
    "invoiced_amount": _("Invoiced amount"),
    "collected_amount": _("Collected amount"),
    "gross_margin": _("Gross margin"),
    "average_order": _("Average order value"),
}
# Headers of the comparison columns, shared by the page and the export (here, not in the
# template: a "%" in a template tag's _("…") is not unescaped after translation).
HEADERS = {
    "total": _("Total"),
    "previous_year": _("Year before"),
    "yoy": _("YoY %"),
    "previous_period": _("Period before"),
    "vs_previous": _("vs. period before %"),
}
# Decimal places a measure is shown with (quantities to the thousandth, orders whole).
# What to ask sales_report for to show `measure` (the totals row's monthly average order value
# is computed from the summed amounts and orders).
REPORT_MEASURES = {"average_order": ("average_order", "ordered_amount", "orders")}
PLACES = {"orders": 0, "ordered_quantity": 3, "shipped_quantity": 3}
SORTS = ("total", "-total", "label", "-label", "yoy", "-yoy")
# The page of the document a fact was posted from (URL names of the higher apps, by string:
# stats may not import them). Historical facts have no page.
SOURCE_PAGES = {
    Source.ORDER: "sales:order_detail",
    Source.SHIPMENT: "shipping:shipment_detail",
    Source.RETURN: "shipping:return_detail",
    Source.INVOICE: "billing:invoice_detail",
    Source.PAYMENT: "billing:payment_detail",
}
_TENTH = Decimal("0.1")


def percent_change(value, before) -> Decimal | None:
    """(value − before) / |before| × 100 to one decimal; None when there is nothing before (a
    change from 0 has no percentage). Dividing by |before| keeps the sign of the change when the
    period before was negative (returns exceeding sales)."""
    if not before:
        return None
    return ((Decimal(value) - Decimal(before)) * 100 / abs(Decimal(before))).quantize(_TENTH, ROUND_HALF_UP)


def source_url(fact) -> str:
    """The page of the document behind `fact`, or "" (historical sales, no document id)."""
    name = SOURCE_PAGES.get(fact.source)
    if not name or fact.source_id is None:
        return ""
    return reverse(name, args=[fact.source_id])


def drill_url(*, dimension: str, key: str, start: datetime.date, end: datetime.date, measure: str) -> str:
    """The drill-down page listing the facts behind one figure."""
    query = urlencode(
        {
            "dimension": dimension,
            "key": key,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "measure": measure,
        }
    )
    return f"{reverse('stats:sales_facts')}?{query}"


@dataclass
class Cell:
    value: object
    url: str  # the drill-down, "" where there is nothing to list


@dataclass
class TableRow:
    key: str
    label: str
    cells: list[Cell]  # one per month of the report
    total: object
    total_url: str
    previous_year: object
    yoy: Decimal | None
    previous_period: object
    vs_previous: Decimal | None
    is_total: bool = False


@dataclass
class ReportTable:
    report: Report
    measure: str
    months: list[datetime.date]
    rows: list[TableRow]
    totals: TableRow
    sort: str

    @property
    def places(self) -> int:
        return PLACES.get(self.measure, 2)

    @property
    def number_format(self) -> str:
        """The floatformat argument of the measure's figures (grouped digits)."""
        return f"{self.places}g"


def _row(report: Report, measure: str, key: str, label: str, months: dict, total, year, period, *, is_total):
    zero = report.total[measure] - report.total[measure]  # 0 with the measure's places
    cells = []
    for month in report.months:
        figures = months.get(month)
        url = ""
        if figures is not None and not is_total:
            url = drill_url(
                dimension=report.dimension,
                key=key,
                start=max(month, report.start),
                end=min(month_range(month.year, month.month)[1], report.end),
                measure=measure,
            )
        cells.append(Cell(value=zero if figures is None else figures[measure], url=url))
    return TableRow(
        key=key,
        label=label,
        cells=cells,
        total=total[measure],
        total_url=""
        if is_total
        else drill_url(
            dimension=report.dimension, key=key, start=report.start, end=report.end, measure=measure
        ),
        previous_year=year[measure],
        yoy=percent_change(total[measure], year[measure]),
        previous_period=period[measure],
        vs_previous=percent_change(total[measure], period[measure]),
        is_total=is_total,
    )


def _sorted(rows: list[TableRow], sort: str) -> list[TableRow]:
    field, descending = sort.lstrip("-"), sort.startswith("-")
    if field == "label":
        return sorted(rows, key=lambda r: (r.label, r.key), reverse=descending)
    if field == "yoy":
        # rows without a year before (no percentage) come last either way
        known = sorted(
            (r for r in rows if r.yoy is not None), key=lambda r: (r.yoy, r.label), reverse=descending
        )
        return known + sorted((r for r in rows if r.yoy is None), key=lambda r: (r.label, r.key))
    return sorted(rows, key=lambda r: (r.total, r.label), reverse=descending)


def report_table(report: Report, *, sort: str = "-total") -> ReportTable:
    """The first measure of `report` laid out as rows × months (see the module's docstring)."""
    measure = report.measures[0]
    labels = member_labels(report.dimension, [row.key for row in report.rows])
    rows = [
        _row(
            report,
            measure,
            row.key,
            labels.get(row.key) or str(_("(not set)")),
            row.months,
            row.total,
            row.previous_year,
            row.previous_period,
            is_total=False,
        )
        for row in report.rows
    ]
    by_month: dict = {}  # the totals row's months: the sums over the members
    for row in report.rows:
        for month, figures in row.months.items():
            sums = by_month.setdefault(month, dict.fromkeys(figures, 0))
            for name, value in figures.items():
                sums[name] += value
    if measure == "average_order":  # an average is not the sum of averages: from its bases
        for sums in by_month.values():
            orders = sums.get("orders")
            sums[measure] = (
                (sums["ordered_amount"] / orders).quantize(Decimal("0.01")) if orders else Decimal("0.00")
            )
    totals = _row(
        report,
        measure,
        "",
        str(_("Total")),
        by_month,
        report.total,
        report.previous_year,
        report.previous_period,
        is_total=True,
    )
    sort = sort if sort in SORTS else "-total"
    return ReportTable(
        report=report,
        measure=measure,
        months=report.months,
        rows=_sorted(rows, sort),
        totals=totals,
        sort=sort,
    )


def export_columns(table: ReportTable, dimension_label) -> list[Column]:
    """Columns of the exported table (rows: TableRow); figures stay numbers (Decimal / int)."""

    def month_value(i):
        return lambda r: r.cells[i].value

    return [
        Column("label", dimension_label),
        *(Column(f"m{i}", m.strftime("%Y-%m"), month_value(i)) for i, m in enumerate(table.months)),
        *(Column(key, label) for key, label in HEADERS.items()),
    ]
