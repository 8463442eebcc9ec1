"""API of the sales statistics report 销售统计报表 (P2), mounted at /api/v1/stats.

GET /sales?dimension=region&period=year&year=2026 — the same report as the page: every measure
of every member of the dimension by month, with the period's total, the same period a year
before and the period before. Amounts are Decimal (JSON strings), never floats. Scope (X1): a
salesperson's report holds their own sales, a regional manager's their region's."""

from datetime import date
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from salesdept.core.errors import DomainError
from salesdept.core.imports import read_table, template_response
from salesdept.core.permissions import require
from salesdept.core.schemas import ErrorOut, StrictIn

from . import views_history as history_views
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


# --- history import (issue 7): POST /history-imports, GET /history-imports/template -----------


class HistoryImportOptionsIn(StrictIn):
    dry_run: bool = False


class HistoryRowErrorOut(Schema):
    row: int
    column: str
    message: str


class HistoryImportOut(Schema):
    created: int = Field(..., description="lines imported (0 in a dry run)")
    orders: int = Field(..., description="orders the lines belong to (in a dry run: would belong to)")
    already_imported: int
    new_customers: int
    new_products: int
    new_categories: int
    errors: list[HistoryRowErrorOut]
    skipped: int
    dry_run: bool
    total: int
    valid: int


class TemplateQueryIn(StrictIn):
    format: Literal["csv", "xlsx"] = "csv"


@router.post(
    "/history-imports",
    response={200: HistoryImportOut, 401: ErrorOut, **ERRORS},
    operation_id="import_sales_history",
)
def import_sales_history(
    request, file: File[UploadedFile], options: Form[HistoryImportOptionsIn]
) -> HistoryImportOut:
    """历史销售导入: check (dry_run=true) or import a CSV/XLSX of past order lines as the signed-in
    user (stats.import_history). 200 with what was (or would be) written — lines, orders, new
    customers, products and categories; a file imported before answers created 0 with every line
    counted in already_imported. 422 `import_rejected` when any row is wrong: nothing is written
    and error.extra.errors lists each bad row (row, column, message). 400 when the file cannot be
    read."""
    require(request.user, history_views.PERMISSION)  # before reading a file that may be large
    table = read_table(file, file.name or "")
    summary = history_views.run(by=request.user, table=table, dry_run=options.dry_run)
    result = summary.pop("result")
    if result.errors:
        message = _("Nothing was written: %(count)s row(s) of the file have errors.") % {
            "count": result.bad_rows
        }
        raise DomainError(
            "import_rejected",
            message,
            status=422,
            fields={"file": message},
            extra={
                k: summary[k] for k in ("errors", "total", "valid", "skipped", "already_imported", "dry_run")
            },
        )
    return summary


@router.get(
    "/history-imports/template",
    response={200: None, 401: ErrorOut, **ERRORS},
    operation_id="sales_history_template",
)
def sales_history_template(request, query: Query[TemplateQueryIn]):
    """The history import's template: the documented column titles in the user's language and one
    example row, as CSV (default) or XLSX."""
    require(request.user, history_views.PERMISSION)
    return template_response(history_views.COLUMNS, query.format, filename=history_views.TEMPLATE_NAME)
