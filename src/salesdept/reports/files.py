"""The report pack 统计台账 as files: one PDF (WeasyPrint through core.pdf, A4 landscape, the bundled
Chinese font) and one XLSX (openpyxl: one sheet per section, figures as numeric cells with their
number format, totals rows in bold). Both are written from the same `Pack` (reports/pack.py), so
they always hold the same figures."""

import datetime
import re
from decimal import Decimal
from io import BytesIO

from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from salesdept.core.pdf import render_pdf

from .pack import COUNT, DATE, MONEY, NUMBER, PERCENT, QUANTITY, Pack, PackTable

__all__ = ["FORMATS", "XLSX_TYPE", "filename", "pack_pdf", "pack_title", "pack_xlsx", "printed_table"]

FORMATS = ("pdf", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLES = {
    "monthly": _("Monthly report pack"),
    "quarterly": _("Quarterly report pack"),
    "yearly": _("Yearly report pack"),
}
XLSX_FORMATS = {
    MONEY: "#,##0.00",
    QUANTITY: "#,##0.###",
    COUNT: "#,##0",
    PERCENT: "0.0",
    NUMBER: "#,##0.##",
    DATE: "yyyy-mm-dd",
}


def filename(pack: Pack, fmt: str) -> str:
    """salesdept-report-2026-10.pdf, salesdept-report-2026-Q3.xlsx, salesdept-report-2026.pdf"""
    return f"salesdept-report-{pack.period.label}.{fmt}"


def pack_title(pack: Pack) -> str:
    return f"{TITLES[pack.period.kind]} {pack.period.label}"


# --- PDF ----------------------------------------------------------------------------------------


def _text(value, kind: str) -> str:
    """A figure as printed: grouped digits, money to the cent, quantities without trailing
    zeros, percentages to a tenth; "—" for a figure that does not exist (a change from 0)."""
    if value is None or value == "":
        return "—" if kind != "text" else ""
    if kind == MONEY:
        return f"{Decimal(value):,.2f}"
    if kind == QUANTITY:
        text = f"{Decimal(value):,.3f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if kind == COUNT and isinstance(value, int | Decimal):
        return f"{int(value):,}"
    if kind == PERCENT:
        return f"{Decimal(value):,.1f}%"
    if kind == NUMBER:
        value = Decimal(value)
        return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    if kind == DATE and isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def printed_table(table: PackTable) -> dict:
    def cells(row):
        return [
            {"text": _text(row.get(c.key), c.kind if c.key in row else "text"), "num": c.numeric}
            for c in table.columns
        ]

    return {
        "table": table,
        "rows": [cells(row) for row in table.rows],
        "totals": [cells(row) for row in table.totals],
    }


def pack_pdf(pack: Pack, *, language: str | None = None) -> bytes:
    """The pack printed to PDF bytes (A4 landscape)."""
    context = {
        "title": pack_title(pack),
        "pack": pack,
        "sections": [
            {"section": section, "tables": [printed_table(t) for t in section.tables]}
            for section in pack.sections
        ],
        "printed_by": str(pack.user),
    }
    return render_pdf("reports/pack_pdf.html", context, language=language)


# --- XLSX ---------------------------------------------------------------------------------------

_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(title, used: set) -> str:
    name = _SHEET_UNSAFE.sub(" ", str(title)).strip()[:31] or "Sheet"
    base, n = name, 2
    while name in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def _cell_value(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | Decimal | float | datetime.date):
        return value
    text = str(value)
    return "'" + text if text[:1] == "=" else text  # never a formula


def pack_xlsx(pack: Pack) -> bytes:
    """The pack as an XLSX workbook: one sheet per section (its tables one under the other: a
    title, the header, the rows, the totals rows in bold), figures as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    bold, heading = Font(bold=True), Font(bold=True, size=13)
    used: set = set()
    for section in pack.sections:
        sheet = book.create_sheet(_sheet_name(section.title, used))
        sheet.append([f"{pack_title(pack)} · {section.title}"])
        sheet.cell(row=1, column=1).font = heading
        sheet.append(
            [
                f"{pack.period.start:%Y-%m-%d} – {pack.period.end:%Y-%m-%d}",
                pack.scope_label,
                f"{gettext_now('Printed')}: {pack.generated_at:%Y-%m-%d %H:%M} {pack.user}",
            ]
        )
        if section.note:
            sheet.append([str(section.note)])
        widths: dict[int, int] = {}
        for table in section.tables:
            sheet.append([])
            sheet.append([str(table.title)])
            sheet.cell(row=sheet.max_row, column=1).font = bold
            sheet.append([str(c.label) for c in table.columns])
            for i, c in enumerate(table.columns, start=1):
                cell = sheet.cell(row=sheet.max_row, column=i)
                cell.font = bold
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                widths[i] = max(widths.get(i, 8), min(len(str(c.label)) + 2, 24))
            if not table.rows and table.empty:
                sheet.append([str(table.empty)])
            for row, is_total in [*((r, False) for r in table.rows), *((r, True) for r in table.totals)]:
                sheet.append([_cell_value(row.get(c.key)) for c in table.columns])
                for i, c in enumerate(table.columns, start=1):
                    cell = sheet.cell(row=sheet.max_row, column=i)
                    if c.kind in XLSX_FORMATS and not isinstance(cell.value, str):
                        cell.number_format = XLSX_FORMATS[c.kind]
                    if is_total:
                        cell.font = bold
                    text = row.get(c.key)
                    widths[i] = max(
                        widths.get(i, 8), min(len(str(text or "")) * (2 if not c.numeric else 1) + 2, 40)
                    )
            if table.note:
                sheet.append([])
                sheet.append([str(table.note)])
        for i, width in widths.items():
            sheet.column_dimensions[get_column_letter(i)].width = width
    out = BytesIO()
    book.save(out)
    return out.getvalue()
