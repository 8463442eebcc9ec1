"""The sales statistics report 销售统计报表 (P2) printed: the table of the page (members × months,
totals row, 同比 and 环比 columns) as an A4 landscape PDF with the period, the dimension and the
measure in the title and who printed it when. The figures are the page's own ReportTable (the
same sales_report call, so the same scope); this module only lays it out for print.

A table wider than a sheet or longer than a thick booklet is cut, saying so: more than
MAX_MONTH_COLUMNS months print without the month columns (the total and the comparisons
remain), and only the first MAX_ROWS members print (the totals row still covers them all)."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.core.pdf import render_pdf

from .tables import HEADERS, ReportTable

__all__ = ["MAX_MONTH_COLUMNS", "MAX_ROWS", "period_label", "report_pdf", "report_pdf_filename"]

MAX_MONTH_COLUMNS = 13
MAX_ROWS = 500


def period_label(start: datetime.date, end: datetime.date) -> str:
    """ "2026", "2026 Q2", "2026-05", or "2026-01-01 – 2026-03-15" for any other range."""
    following = end + datetime.timedelta(days=1)
    if start.day == 1 and following.day == 1:
        months = (following.year - start.year) * 12 + following.month - start.month
        if months == 12 and start.month == 1:
            return f"{start.year}"
        if months == 3 and start.month in (1, 4, 7, 10):
            return f"{start.year} Q{(start.month - 1) // 3 + 1}"
        if months == 1:
            return f"{start:%Y-%m}"
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"


def report_pdf_filename(table: ReportTable) -> str:
    return f"sales-statistics-{table.report.start:%Y%m%d}-{table.report.end:%Y%m%d}.pdf"


def report_pdf(
    table: ReportTable, *, dimension_label, measure_label, user, language: str | None = None
) -> bytes:
    """`table` (stats.tables.report_table of the page's report) printed to PDF bytes."""
    report = table.report
    show_months = len(table.months) <= MAX_MONTH_COLUMNS
    rows = table.rows[:MAX_ROWS]
    context = {
        "title": _("Sales statistics"),
        "table": table,
        "rows": rows,
        "cut_rows": len(table.rows) - len(rows),
        "all_rows": len(table.rows),
        "show_months": show_months,
        "columns": (len(table.months) if show_months else 0) + 6,
        "headers": HEADERS,
        "dimension_label": dimension_label,
        "measure_label": measure_label,
        "period": period_label(report.start, report.end),
        "printed_at": timezone.localtime(),
        "printed_by": getattr(user, "display_name", "") or user.get_username(),
        "number_format": table.number_format,
    }
    return render_pdf("stats/sales_report_pdf.html", context, language=language)
