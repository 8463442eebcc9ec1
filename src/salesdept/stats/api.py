"""API of the sales statistics report 销售统计报表 (P2), mounted at /api/v1/stats.

GET /sales?dimension=region&period=year&year=2026 — the same report as the page: every measure
of every member of the dimension by month, with the period's total, the same period a year
before and the period before. Amounts are Decimal (JSON strings), never floats. Scope (X1): a
salesperson's report holds their own sales, a regional manager's their region's."""

from datetime import date
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from salesdept.core.schemas import ErrorOut

from .selectors import DEFAULT_MEASURES, member_labels, report_range, sales_report

router = Router(tags=["statistics"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 422: ErrorOut}


class ReportIn(Schema):
    dimension: str = "region"
    period: Literal["year", "quarter", "month", "range"] = "year"
    year: int | None = None
    quarter: int | None = None
    month: int | None = None
    start: date | None = None
    end: date | None = None
    measures: str | None = Field(None, max_length=300, description="comma-separated; default: ordered_amount")


def _measures(values: dict) -> dict:
    return {name: value if name == "orders" else str(value) for name, value in values.items()}


def report_body(report) -> dict:
    labels = member_labels(report.dimension, [row.key for row in report.rows])
    return {
        "dimension": report.dimension,
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "months": [m.strftime("%Y-%m") for m in report.months],
        "measures": list(report.measures),
        "rows": [
            {
                "key": row.key,
                "label": labels.get(row.key, ""),
                "months": {m.strftime("%Y-%m"): _measures(v) for m, v in sorted(row.months.items())},
                "total": _measures(row.total),
                "previous_year": _measures(row.previous_year),
                "previous_period": _measures(row.previous_period),
            }
            for row in report.rows
        ],
        "total": _measures(report.total),
        "previous_year": _measures(report.previous_year),
        "previous_period": _measures(report.previous_period),
    }


@router.get("/sales", response={200: dict, **ERRORS})
def get_sales_report(request, params: Query[ReportIn]):
    """销售统计报表: ordered, shipped, invoiced and collected amounts, quantities, cost, gross
    margin, orders and average order value of each member of `dimension` (region, salesperson,
    team, customer, product, category, channel) by month over the period, with the year before
    and the period before; only the sales I may see."""
    start, end = report_range(
        period=params.period,
        year=params.year,
        quarter=params.quarter,
        month=params.month,
        start=params.start,
        end=params.end,
        today=timezone.localdate(),
    )
    asked = [m.strip() for m in (params.measures or "").split(",") if m.strip()]
    measures = asked or DEFAULT_MEASURES
    return report_body(
        sales_report(request.user, dimension=params.dimension, start=start, end=end, measures=measures)
    )
