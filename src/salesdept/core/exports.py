"""Lists out as CSV or XLSX (X5). A view or API endpoint passes the rows it already selected —
through the model's visibility rule, so an export never shows more than the page — and the
columns; the file's headers are in the user's language.

    COLUMNS = [Column("code", _("Customer number")), Column("owner", _("Salesperson"), str),
               Column("tier", _("Tier"), lambda c: c.tier.code if c.tier else "")]
    return export_response(customers, COLUMNS, filename="customers", fmt=request.GET.get("format"))

CSV carries a UTF-8 byte-order mark so Excel opens Chinese text correctly. XLSX is written with
openpyxl's write-only mode (constant memory). Both read the queryset in chunks (`iterator`)."""

import csv
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import DomainError

__all__ = ["Column", "FORMATS", "export_response", "cell_value", "MAX_EXPORT_ROWS"]

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A bound for one export, so a mistaken "export everything" cannot exhaust the server.
MAX_EXPORT_ROWS = 200_000


@dataclass(frozen=True)
class Column:
    """One column: `key` is the attribute path read by default (`owner.display_name`), `label`
    the translated header, `value` an optional function of the row, `number_format` an optional
    XLSX number format of its numbers (e.g. "0.0%" for a fraction shown as a percentage)."""

    key: str
    label: Any
    value: Callable[[Any], Any] | None = None
    number_format: str | None = None

    def read(self, row) -> Any:
        if self.value is not None:
            return self.value(row)
        obj = row
        for part in self.key.split("."):
            obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
            if obj is None:
                return ""
        return obj


def cell_value(value) -> Any:
    """A value as a spreadsheet cell: Decimal stays exact, datetimes in local time, choices and
    related records as their text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, Decimal | int | float | datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return str(value)


def _rows(rows: Iterable) -> Iterable:
    if isinstance(rows, QuerySet):
        return rows[:MAX_EXPORT_ROWS].iterator(chunk_size=2000)
    return rows


class _Echo:
    def write(self, value):
        return value


def _csv(rows: Iterable, columns: list[Column], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow([str(c.label) for c in columns])
        for row in _rows(rows):
            yield writer.writerow([_csv_text(cell_value(c.read(row))) for c in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _csv_text(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    text = str(value)
    # A cell starting with = + - @ would run as a formula when the file is opened in Excel.
    if text[:1] in ("=", "+", "-", "@") and not isinstance(value, int | Decimal | float):
        return "'" + text
    return text


def _xlsx(rows: Iterable, columns: list[Column], filename: str, title: str) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=(title or filename)[:31])
    header = []
    for c in columns:
        cell = WriteOnlyCell(sheet, value=str(c.label))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in _rows(rows):
        values = []
        for c in columns:
            value = cell_value(c.read(row))
            if isinstance(value, str) and value[:1] == "=":
                value = "'" + value  # never a formula
            elif c.number_format and isinstance(value, Decimal | int | float):
                value = WriteOnlyCell(sheet, value=value)
                value.number_format = c.number_format
            values.append(value)
        sheet.append(values)
    out = BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def export_response(
    rows: Iterable, columns: list[Column], *, filename: str, fmt: str | None, title: str = ""
):
    """The rows as a download in `fmt` ("csv" or "xlsx"); another format answers 400."""
    fmt = (fmt or "csv").lower()
    if fmt not in FORMATS:
        raise DomainError(
            "invalid_format",
            _("Choose CSV or XLSX."),
            status=400,
            fields={"format": _("Choose CSV or XLSX.")},
        )
    stamp = timezone.localdate().isoformat()
    name = f"{filename}-{stamp}"
    if fmt == "xlsx":
        return _xlsx(rows, columns, name, title or filename)
    return _csv(rows, columns, name)
