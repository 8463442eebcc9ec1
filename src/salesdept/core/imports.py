"""Lists in from CSV or XLSX (X5): read a file into a Table, match its header to the columns an
import expects, report every bad row, and build the downloadable template.

    table = read_table(upload, upload.name)              # ImportFileError (400) if unreadable
    records, errors = table.records(COLUMNS)              # [(row number, {key: text})], header errors
    ...validate each record, collect RowError(row, column, message)...
    return ImportResult(created=n, errors=errors, skipped=bad_rows, dry_run=dry_run)

A file's column titles may be English or Chinese (the template's titles in either language, and
a few common synonyms), so a template downloaded in one language imports in the other. Row
numbers are the spreadsheet's own (the header is usually row 1), so a person can find the row.

CSV: UTF-8 with or without a byte-order mark; files saved by Chinese Excel are GBK, read as
GB18030 (its superset). XLSX: the first sheet, read by a small SpreadsheetML reader (the C XML
parser on batches of rows; openpyxl's read-only mode for a file it does not understand). Both are
bounded by MAX_FILE_BYTES, MAX_ROWS and the unpacked size, so a mistaken upload cannot exhaust
the server. insert_rows/insert_values write the checked rows in bulk (see their docstrings)."""

import csv
import datetime
import io
import re
import unicodedata
import xml.etree.ElementTree as ET  # noqa: N817 (parses only; never resolves entities)
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any, NamedTuple

from django.db import connections, models, router
from django.db.models.fields import AutoFieldMixin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from .errors import DomainError

__all__ = [
    "FORMATS",
    "CellError",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "Column",
    "ImportFileError",
    "ImportResult",
    "Row",
    "RowError",
    "Table",
    "build_template",
    "insert_rows",
    "insert_values",
    "choice_map",
    "parse_bool",
    "parse_date",
    "parse_decimal",
    "read_table",
    "template_response",
]

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_FILE_BYTES = 30 * 1024 * 1024  # a 100,000-row XLSX of customers is about 10 MB
MAX_ROWS = 100_000  # data rows in one file
MAX_COLUMNS = 100
# Characters a column title may carry around its name: "* 名称", "Name:", "tax_id".
_TITLE_NOISE = str.maketrans("", "", " \t\r\n*_-:：()（）")


class ImportFileError(DomainError):
    """The file as a whole cannot be imported (unreadable, empty, too large): 400, field `file`."""

    def __init__(self, code: str, message):
        super().__init__(code, message, status=400, fields={"file": message})


@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet row (1-based, header included), the column title as the file
    names it (or the expected title), and the reason in the reader's language."""

    row: int
    column: str
    message: Any

    def as_dict(self) -> dict:
        return {"row": self.row, "column": str(self.column), "message": str(self.message)}


@dataclass
class ImportResult:
    """What an import did. `created` is 0 when anything was wrong and only_valid was not asked
    for, or when it was a dry run (then `valid` says how many rows would be written)."""

    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    skipped: int = 0  # bad rows left out (only_valid) or, without only_valid, every bad row
    dry_run: bool = False
    total: int = 0  # data rows read (empty rows not counted)

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def valid(self) -> int:
        return self.total - len({e.row for e in self.errors if e.row > 0})

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "errors": [e.as_dict() for e in self.errors],
            "skipped": self.skipped,
            "dry_run": self.dry_run,
            "total": self.total,
            "valid": self.valid,
        }


@dataclass(frozen=True)
class Column:
    """A column an import accepts. `label` is the translated title the template writes; the
    file may also use the key, the English or Chinese label, or one of `aliases`."""

    key: str
    label: Any
    aliases: tuple[str, ...] = ()
    required: bool = False
    example: str = ""

    def titles(self) -> set[str]:
        names = {self.key, *self.aliases}
        for language in ("en", "zh-hans"):
            with override(language):
                names.add(str(self.label))
        return {title_key(n) for n in names if n}


def title_key(title: str) -> str:
    """A column title reduced for matching: "* Tax ID" = "tax_id" = "TAX ID"."""
    return unicodedata.normalize("NFKC", str(title or "")).lower().translate(_TITLE_NOISE)


class Row(NamedTuple):
    number: int  # the spreadsheet row, 1-based
    cells: list[str]


@dataclass
class Table:
    """A sheet as text: the header's row number and titles, then the non-empty data rows."""

    header: list[str]
    rows: list[Row]
    header_row: int = 1

    def __len__(self) -> int:
        return len(self.rows)

    def records(self, columns: Iterable[Column]) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
        """The data rows as {column key: text} (missing cells are "") and the header's problems:
        a required column missing, a title that matches no column, or a column given twice."""
        columns = list(columns)
        lookup: dict[str, Column] = {}
        for column in columns:
            for title in column.titles():
                lookup.setdefault(title, column)
        positions: list[tuple[int, str]] = []
        seen: dict[str, str] = {}
        errors: list[RowError] = []
        for index, title in enumerate(self.header):
            if not title.strip():
                continue
            column = lookup.get(title_key(title))
            if column is None:
                errors.append(
                    RowError(self.header_row, title, _("Unknown column. Use the titles of the template."))
                )
            elif column.key in seen:
                errors.append(RowError(self.header_row, title, _("This column appears twice.")))
            else:
                seen[column.key] = title
                positions.append((index, column.key))
        for column in columns:
            if column.required and column.key not in seen:
                errors.append(RowError(self.header_row, str(column.label), _("This column is missing.")))
        blank = {c.key: "" for c in columns}
        records = []
        for number, cells in self.rows:
            values = dict(blank)
            width = len(cells)
            for index, key in positions:
                if index < width:
                    values[key] = cells[index]
            records.append((number, values))
        return records, errors

    def titles(self, columns: Iterable[Column]) -> dict[str, str]:
        """Column key → the title this file uses for it (for error messages)."""
        by_title = {}
        for column in columns:
            for title in column.titles():
                by_title.setdefault(title, column.key)
        out = {}
        for title in self.header:
            key = by_title.get(title_key(title))
            if key and key not in out:
                out[key] = title
        return out


# --------------------------------------------------------------------------------------- reading


def read_table(file, filename: str = "") -> Table:
    """Read an uploaded CSV or XLSX (a file object, bytes, or a path) into a Table.

    The format follows the content (an XLSX is a zip file), not only the name. Raises
    ImportFileError for an empty, unreadable or oversized file, or one with too many rows."""
    data = _read_bytes(file)
    if not data.strip():
        raise ImportFileError("empty_file", _("The file is empty."))
    name = (filename or getattr(file, "name", "") or "").lower()
    if data[:4] == b"PK\x03\x04":
        grid = _xlsx_cells(data)
    elif name.endswith((".xls", ".xlsb", ".ods", ".numbers")) or data[:4] == b"\xd0\xcf\x11\xe0":
        raise ImportFileError(
            "unsupported_format",
            _("This file type cannot be read. Save it as XLSX or CSV (UTF-8) and try again."),
        )
    else:
        grid = _csv_cells(data)
    return _table(grid)


def _read_bytes(file) -> bytes:
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    elif isinstance(file, str) or hasattr(file, "__fspath__"):
        with open(file, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            "file_too_large",
            _("The file is larger than %(size)s MB. Split it into smaller files.")
            % {"size": MAX_FILE_BYTES // (1024 * 1024)},
        )
    return data


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # GBK, as Chinese Excel saves "CSV"
    except UnicodeDecodeError:
        raise ImportFileError(
            "unreadable_file",
            _("The file's text encoding is not recognised. Save it as CSV UTF-8 and try again."),
        ) from None


def _csv_cells(data: bytes) -> Iterable[tuple[int, list[str]]]:
    text = _decode(data)
    if "\x00" in text:
        raise ImportFileError("unreadable_file", _("This file cannot be read as CSV or XLSX."))
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            # csv counts physical lines, so a quoted cell spanning lines keeps later numbers right
            yield reader.line_num, [_csv_text(c) for c in row[:MAX_COLUMNS]]
    except csv.Error:
        raise ImportFileError("unreadable_file", _("This file cannot be read as CSV or XLSX.")) from None


def _csv_text(value: str) -> str:
    value = value.strip()
    # Our exports write '=… so Excel never runs text as a formula; take the mark off again.
    if value[:2] in ("'=", "'+", "'-", "'@"):
        return value[1:]
    return value


def _xlsx_cells(data: bytes) -> Iterable[tuple[int, list[str]]]:
    """The first sheet's rows. A small streaming reader of the sheet XML (SpreadsheetML) does the
    work, about five times faster than openpyxl's read-only mode, which 50,000-row imports
    need; a file it does not understand is read by openpyxl instead."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        reader = _SheetReader(archive)
    except (zipfile.BadZipFile, KeyError, ValueError, IndexError, ET.ParseError, OSError):
        yield from _openpyxl_cells(data)
        return
    try:
        yield from reader.rows()
    except (KeyError, ValueError, IndexError, ET.ParseError, OSError, zipfile.BadZipFile):
        raise ImportFileError("unreadable_file", _("This file cannot be read as CSV or XLSX.")) from None


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_PLAIN_NUMBER = re.compile(r"^-?\d{1,15}(\.\d{1,10})?$")
MAX_XML_BYTES = 300 * 1024 * 1024  # uncompressed; a "zip bomb" stops here


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


class _SheetReader:
    """Shared strings, date styles and the first worksheet of an XLSX package."""

    def __init__(self, archive: zipfile.ZipFile):
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
        from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH

        self.archive = archive
        for info in archive.infolist():
            if info.file_size > MAX_XML_BYTES:
                raise ImportFileError(
                    "file_too_large",
                    _("The file is larger than %(size)s MB. Split it into smaller files.")
                    % {"size": MAX_FILE_BYTES // (1024 * 1024)},
                )
        book = ET.fromstring(archive.read("xl/workbook.xml"))
        first = book.find(f"{_MAIN}sheets/{_MAIN}sheet")
        rel_id = first.get(f"{_REL}id")
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{_PKG_REL}Relationship")}
        target = targets[rel_id]
        self.sheet = target.lstrip("/") if target.startswith("/") else "xl/" + target
        properties = book.find(f"{_MAIN}workbookPr")
        mac = properties is not None and properties.get("date1904") in ("1", "true")
        self.epoch = MAC_EPOCH if mac else WINDOWS_EPOCH
        self.strings = self._shared_strings()
        self.date_styles: set[int] = set()
        if "xl/styles.xml" in archive.namelist():
            styles = ET.fromstring(archive.read("xl/styles.xml"))
            custom = {int(f.get("numFmtId")): f.get("formatCode", "") for f in styles.iter(f"{_MAIN}numFmt")}
            xfs = styles.find(f"{_MAIN}cellXfs")
            for index, xf in enumerate(xfs if xfs is not None else []):
                fmt_id = int(xf.get("numFmtId", 0))
                code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "")
                if is_date_format(code) or 27 <= fmt_id <= 36 or 50 <= fmt_id <= 58:  # CJK dates
                    self.date_styles.add(index)

    def _shared_strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self.archive.namelist():
            return []
        strings = []
        with self.archive.open("xl/sharedStrings.xml") as fh:
            for _event, item in ET.iterparse(fh):
                if item.tag == f"{_MAIN}si":
                    strings.append(_rich_text(item))
                    item.clear()
        return strings

    def _value(self, cell) -> str:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            inline = cell.find(f"{_MAIN}is")
            return _rich_text(inline).strip() if inline is not None else ""
        v = cell.find(f"{_MAIN}v")
        text = v.text if v is not None and v.text is not None else ""
        return self._typed(kind, text, cell.get("s"))

    def _typed(self, kind: str, text: str, style) -> str:
        """A cell's text from its type (t), the text of its <v> and its style (s)."""
        if kind == "s":
            return self.strings[int(text)].strip() if text else ""
        if kind == "b":
            return "true" if text == "1" else "false"
        if kind != "n" or not text:
            return text.strip()
        if style and int(style) in self.date_styles:
            from openpyxl.utils.datetime import from_excel

            return _cell_text(from_excel(float(text), self.epoch))
        if _PLAIN_NUMBER.match(text):  # the digits as written: no float round trip
            return text[:-2] if text.endswith(".0") else text
        return _cell_text(float(text))

    def rows(self) -> Iterable[tuple[int, list[str]]]:
        """The rows in batches: the sheet's <row> elements are cut into runs of about a
        thousand and each run is parsed at once by the C parser, so Python sees rows and
        cells, not every XML event."""
        xml = self.archive.read(self.sheet)
        opening = _SHEET_DATA.search(xml)
        if opening is None:
            return
        prefix = opening.group(1) or b""
        closing = xml.rfind(b"</" + prefix + b"sheetData>")
        if opening.group(0).endswith(b"/>") or closing < 0:
            return  # an empty sheet: <sheetData/>
        # The root element's opening tag declares the namespaces the rows' attributes use.
        if not prefix and _plain_xml(xml):
            yield from self._scan_rows(xml, opening.end(), closing)
            return
        root_start = xml[: xml.index(b">", xml.index(b"<" + prefix + b"worksheet")) + 1]
        root_start = root_start[root_start.index(b"<" + prefix + b"worksheet") :]
        wrapper_end = b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"
        row_end = b"</" + prefix + b"row>"
        position, body_end = opening.end(), closing
        number = 0
        columns: dict[str, int] = {}
        while position < body_end:
            cut = position
            for _n in range(ROWS_PER_PARSE):
                found = xml.find(row_end, cut, body_end)
                if found < 0:
                    cut = body_end
                    break
                cut = found + len(row_end)
            root = ET.fromstring(root_start + opening.group(0) + xml[position:cut] + wrapper_end)
            position = cut
            for row in root.iter(_ROW):
                number = int(row.get("r") or number + 1)
                yield number, self._cells(row, columns)

    def _cells(self, row, columns: dict) -> list[str]:
        cells: list[str] = []
        for position, cell in enumerate(row):
            ref = cell.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                index = columns.get(letters)
                if index is None:
                    index = columns[letters] = _column_index(letters)
            else:
                index = position
            if index >= MAX_COLUMNS:
                break
            if index > len(cells):
                cells.extend([""] * (index - len(cells)))
            kind = cell.get("t")
            if kind == "s":
                v = cell.find(_V)
                cells.append(self.strings[int(v.text)].strip() if v is not None and v.text else "")
            else:
                cells.append(self._value(cell))
        return cells

    def _scan_rows(self, xml: bytes, start: int, end: int) -> Iterable[tuple[int, list[str]]]:
        """The rows read by regular expressions over the sheet's bytes: three times faster than
        the XML parser for the plain SpreadsheetML every spreadsheet program writes (cells
        <c r= t= s=> with <v> or <is><t>). _plain_xml() sends anything else (CDATA, comments,
        entity declarations, another encoding) to the parser."""
        number = 0
        columns: dict[bytes, int] = {}
        strings = self.strings
        for head, body in _sheet_rows(xml, start, end):
            number = int(_attribute(head, b"r") or number + 1)
            # Cells as (column letters, style, type, content); the canonical form in one call,
            # a row with anything else (other attributes, another order) cell by cell.
            found = _CANONICAL_CELL_RE.findall(body)
            if len(found) != len(_CELL_START_RE.findall(body)):
                found = [_cell_parts(cell) for cell in _CELL_RE.finditer(body)]
            cells: list[str] = []
            for letters, style, kind, inner in found:
                if letters:
                    index = columns.get(letters)
                    if index is None:
                        index = columns[letters] = _column_index(letters.decode("ascii"))
                else:
                    index = len(cells)
                if index >= MAX_COLUMNS:
                    break
                if index > len(cells):
                    cells.extend([""] * (index - len(cells)))
                if kind == b"inlineStr":
                    if inner[:7] == b"<is><t>" and inner[-9:] == b"</t></is>" and b"<" not in inner[7:-9]:
                        cells.append(_xml_text(inner[7:-9]).strip())
                    else:
                        inline = _RPH_RE.sub(b"", inner) if b"<rPh" in inner else inner
                        cells.append("".join(_xml_text(t) for t in _T_RE.findall(inline)).strip())
                    continue
                if inner[:3] == b"<v>" and inner[-4:] == b"</v>" and b"<" not in inner[3:-4]:
                    text = _xml_text(inner[3:-4])
                else:
                    v = _V_RE.search(inner)
                    text = _xml_text(v.group(1)) if v else ""
                if kind == b"s":
                    cells.append(strings[int(text)].strip() if text else "")
                else:
                    kind = kind.decode("ascii") if kind else "n"
                    cells.append(self._typed(kind, text, style.decode("ascii") if style else None))
            yield number, cells


def _sheet_rows(xml: bytes, start: int, end: int) -> Iterable[tuple[bytes, bytes]]:
    """(attributes, content) of each <row> between start and end. Cutting at "</row>" is
    several times faster than a regular expression that looks for it byte by byte; a piece
    holding more than one row start (empty rows written as <row …/>) goes to the expression."""
    for piece in xml[start:end].split(b"</row>"):
        opening = piece.find(b"<row")
        if opening < 0:
            continue
        if piece.find(b"<row", opening + 4) >= 0:
            for row in _ROW_RE.finditer(piece + b"</row>"):
                yield row.group(1), row.group(3) or b""
            continue
        head_end = piece.find(b">", opening)
        head = piece[opening + 4 : head_end]
        yield (head[:-1], b"") if head.endswith(b"/") else (head, piece[head_end + 1 :])


def _cell_parts(cell) -> tuple[bytes, bytes, bytes, bytes]:
    """(column letters, style, type, content) of a <c> matched by _CELL_RE."""
    attributes = cell.group(1)
    ref = _attribute(attributes, b"r")
    letters = ref.rstrip(b"0123456789") if ref else b""
    return (
        letters,
        _attribute(attributes, b"s") or b"",
        _attribute(attributes, b"t") or b"",
        cell.group(2) or b"",
    )


def _rich_text(element) -> str:
    """The text of a shared or inline string: its <t>, or the <t> of each rich-text run <r>;
    phonetic guides (<rPh>) are not part of the text."""
    parts = []
    for child in element:
        if child.tag == f"{_MAIN}t":
            parts.append(child.text or "")
        elif child.tag == f"{_MAIN}r":
            parts.extend(t.text or "" for t in child.iter(f"{_MAIN}t"))
    return "".join(parts)


_ROW_RE = re.compile(rb"<row\b([^>]*?)(/>|>(.*?)</row>)", re.S)
_CELL_RE = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_CELL_START_RE = re.compile(rb"<c[\s/>]")
# <c r="B7" s="3" t="s">…</c>, attributes in the schema's order, as every writer puts them
_CANONICAL_CELL_RE = re.compile(
    rb'<c r="([A-Z]{1,3})[0-9]+"(?: s="([0-9]+)")?(?: t="([A-Za-z]+)")?\s*(?:/>|>(.*?)</c>)', re.S
)
_ATTRIBUTE_RE = {
    name: re.compile(rb"(?:^|\s)" + name + rb"""\s*=\s*(?:"([^"]*)"|'([^']*)')""")
    for name in (b"r", b"t", b"s")
}
_T_RE = re.compile(rb"<t\b[^>]*?(?:/>|>(.*?)</t>)", re.S)
_V_RE = re.compile(rb"<v\b[^>]*?(?:/>|>(.*?)</v>)", re.S)
_RPH_RE = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_ENTITY_RE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([^\"']+)[\"']")


def _plain_xml(xml: bytes) -> bool:
    """Whether the sheet can be read by _scan_rows: UTF-8, no CDATA, comments or DTD."""
    declared = _XML_DECLARATION.match(xml[:200])
    if declared and declared.group(1).lower().replace(b"-", b"") != b"utf8":
        return False
    if xml[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return False
    return b"<![CDATA[" not in xml and b"<!--" not in xml and b"<!DOCTYPE" not in xml


def _attribute(attributes: bytes, name: bytes) -> bytes | None:
    found = _ATTRIBUTE_RE[name].search(attributes)
    if found is None:
        return None
    value = found.group(1) if found.group(1) is not None else found.group(2)
    return value.strip()


def _entity(match) -> str:
    name = match.group(1)
    if name[0] == "#":
        return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))
    return _ENTITIES[name]


def _xml_text(raw: bytes | None) -> str:
    """Element text as an XML parser returns it: UTF-8 decoded, line ends as \\n, entities
    and character references replaced."""
    if not raw:
        return ""
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _ENTITY_RE.sub(_entity, text)
    return text


ROWS_PER_PARSE = 1000
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b[^>]*>")
_ROW = f"{_MAIN}row"
_V = f"{_MAIN}v"


def _openpyxl_cells(data: bytes) -> Iterable[tuple[int, list[str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, IndexError):
        raise ImportFileError("unreadable_file", _("This file cannot be read as CSV or XLSX.")) from None
    try:
        for number, row in enumerate(rows, start=1):
            yield number, [_cell_text(v) for v in row]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise ImportFileError("unreadable_file", _("This file cannot be read as CSV or XLSX.")) from None
    finally:
        book.close()


def _cell_text(value) -> str:
    """A spreadsheet cell as the text a person typed: 13800138000 not 13800138000.0, a date as
    2026-03-01, a decimal exactly (through its shortest repr, never float arithmetic)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | int | Decimal):
        return str(value)
    return str(value).strip()


def _table(grid: Iterable[tuple[int, list[str]]]) -> Table:
    header: list[str] | None = None
    header_row = 0
    rows: list[Row] = []
    for number, cells in grid:
        if not any(cells):
            continue  # blank lines between rows or after the data
        if header is None:
            header, header_row = cells, number
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(
                "too_many_rows",
                _("The file has more than %(rows)s rows. Split it into smaller files.") % {"rows": MAX_ROWS},
            )
        rows.append(Row(number, cells))
    if header is None:
        raise ImportFileError("empty_file", _("The file is empty."))
    while header and not header[-1]:
        header.pop()
    return Table(header=header, rows=rows, header_row=header_row)


# --------------------------------------------------------------------------------------- cells


class CellError(ValueError):
    """A cell whose text cannot be read as the column's type; `message` is translated."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def choice_key(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip().lower()


def choice_map(pairs: Iterable[tuple[Any, Iterable[Any]]]) -> dict[str, Any]:
    """{"company": Kind.COMPANY, "公司": Kind.COMPANY, …} from (value, names) pairs; the names
    are compared case-insensitively and full-width folded. Lazy labels count in both languages."""
    out: dict[str, Any] = {}
    for value, names in pairs:
        for name in names:
            if isinstance(name, str):
                out.setdefault(choice_key(name), value)
            elif name is not None:  # a lazy translation: accept English and Chinese
                for language in ("en", "zh-hans"):
                    with override(language):
                        out.setdefault(choice_key(str(name)), value)
    out.pop("", None)
    return out


_TRUE = {"1", "y", "yes", "true", "x", "√", "✓", "是", "对", "主要"}
_FALSE = {"0", "n", "no", "false", "否", "不是", "-"}


def parse_bool(text: str) -> bool:
    """yes/no, true/false, 1/0, 是/否, √; blank is False."""
    key = choice_key(text)
    if not key or key in _FALSE:
        return False
    if key in _TRUE:
        return True
    raise CellError(_("Enter yes or no."))


def parse_decimal(text: str, *, max_digits: int = 14, places: int = 2) -> Decimal | None:
    """1234.5, "1,234.50", "¥ 1 234.50" → Decimal (never through float); blank → None."""
    from decimal import InvalidOperation

    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    for mark in (",", " ", "¥", "￥", "$", "元", "RMB", "CNY"):
        cleaned = cleaned.replace(mark, "")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(_("Enter a number.")) from None
    if not value.is_finite():
        raise CellError(_("Enter a number."))
    if value < 0:
        raise CellError(_("Enter a number that is not negative."))
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise CellError(_("Ensure that there are no more than %(max)s decimal places.") % {"max": places})
    if value.adjusted() + 1 > max_digits - places:
        raise CellError(_("The number is too large."))
    return value


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?$")


def parse_date(text: str) -> datetime.date | None:
    """2026-03-01, 2026/3/1, 2026.03.01, 2026年3月1日 → a date; blank → None."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    if not cleaned:
        return None
    match = _DATE.match(cleaned)
    if match:
        try:
            return datetime.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise CellError(_("Enter a date as YYYY-MM-DD."))


# --------------------------------------------------------------------------------------- writing


def insert_values(model, names: list[str], rows: Iterable, *, batch_size: int = 1000) -> None:
    """INSERT `rows` (sequences already in database form; any iterable) into the columns of
    the fields `names` (attnames) of `model`: with COPY on PostgreSQL (one statement; executemany
    sends one INSERT per row, several times slower), in batches with executemany elsewhere.
    Columns not named get their database default (NULL). Given a generator, PostgreSQL stores
    the rows already sent while Python makes the next ones; such a generator must not query
    the database (inside a COPY the connection runs nothing else: it would wait forever)."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(names))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
        rows = iter(rows)
        while batch := list(islice(rows, batch_size)):
            cursor.executemany(sql, batch)


_PLAIN = (int, bool)
_INTEGER_FIELDS = (models.IntegerField, models.BooleanField)


def take_ids(model, count: int) -> list[int]:
    """`count` primary keys for new rows of `model`, reserved now (inside the transaction that
    writes them), so the rows' dependants can be made before the rows are written: the
    PostgreSQL sequence advanced by `count`; on SQLite (one writer at a time) the numbers after
    the highest ever given (AUTOINCREMENT's sqlite_sequence, which an explicit key moves on)."""
    if count <= 0:
        return []
    connection = connections[router.db_for_write(model)]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(
            f"SELECT MAX(n) FROM (SELECT MAX({quote(model._meta.pk.column)}) AS n FROM {quote(table)}"
            " UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s)",
            [table],
        )
        last = cursor.fetchone()[0] or 0
    return list(range(last + 1, last + 1 + count))


def insert_rows(model, objects: Iterable, *, batch_size: int = 1000, with_pk: bool = False) -> None:
    """INSERT validated, unsaved `objects` (no pk yet; a list or any iterable) in batches with
    executemany, by COPY on PostgreSQL.

    What bulk_create does, without its per-field compilation of every value (most of the cost
    of 50,000 rows): text columns go in as they are, other columns through the field's own
    get_db_prep_save, auto_now(_add) columns get one shared timestamp (also set on the
    objects), a field marked `computed` (crm's search_text) is filled by its pre_save(). Like
    bulk_create it sends no signals and does not call save(); unlike it, it does not set the
    objects' pks (read them back by a unique column), unless `with_pk`: then the objects carry
    their own (take_ids). Call inside the transaction. A generator of objects is consumed while
    the rows are sent (see insert_values: it must not query)."""
    connection = connections[router.db_for_write(model)]
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if with_pk or not isinstance(f, AutoFieldMixin)]
    stamped = []  # auto_now(_add) attnames: set on each object as it is sent
    # (None, value): a constant; (attname, None): as it is; (attname, (field, None)): computed by
    # pre_save; (attname, (field, plain)): converted (plain: NULL, ints and booleans as they are)
    plan = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            stamped.append(f.attname)
            plan.append((None, f.get_db_prep_save(now, connection)))
        elif getattr(f, "computed", False):  # a column computed from the others (search_text)
            plan.append((f.attname, (f, None)))
        elif type(f) in (models.CharField, models.TextField, models.EmailField, models.SlugField):
            plan.append((f.attname, None))
        elif isinstance(f, _INTEGER_FIELDS) or (
            f.is_relation and isinstance(f.target_field, _INTEGER_FIELDS)
        ):
            plan.append((f.attname, (f, True)))  # NULL, integers and booleans go in as they are
        else:
            plan.append((f.attname, (f, False)))

    def values(obj):
        out = []
        # A new object holds every field's value (getattr() costs more, and could load a
        # deferred field: a query, which inside PostgreSQL's COPY would wait forever).
        loaded = obj.__dict__
        for attname in stamped:
            loaded[attname] = now
        for attname, how in plan:
            if attname is None:
                out.append(how)
                continue
            if how is None:
                out.append(loaded[attname])
                continue
            field, plain = how
            if plain is None:  # computed: also set on the object, as save() would
                out.append(field.pre_save(obj, True))
                continue
            value = loaded[attname]
            if plain and (value is None or type(value) in _PLAIN):
                out.append(value)
            else:
                out.append(field.get_db_prep_save(value, connection))
        return out

    rows = (values(o) for o in objects)
    if isinstance(objects, list | tuple) and not objects:
        return
    insert_values(model, [f.attname for f in fields], rows, batch_size=batch_size)


# --------------------------------------------------------------------------------------- template


def build_template(columns: Iterable[Column], fmt: str) -> bytes:
    """A file with the column titles (in the active language, required ones marked *) and one
    example row. Read back by read_table it parses to the example."""
    columns = list(columns)
    titles = [("* " if c.required else "") + str(c.label) for c in columns]
    example = [c.example for c in columns]
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        book = Workbook(write_only=True)
        sheet = book.create_sheet(title=str(_("Import")))
        header = []
        for title in titles:
            cell = WriteOnlyCell(sheet, value=title)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        row = []
        for value in example:
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "@"  # text: phone numbers and tax IDs keep their digits
            row.append(cell)
        sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(titles)
    writer.writerow(example)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the mark lets Excel read UTF-8 Chinese


def template_response(columns: Iterable[Column], fmt: str | None, *, filename: str) -> HttpResponse:
    """The template as a download; a format other than csv/xlsx answers 400."""
    fmt = (fmt or "csv").lower()
    if fmt not in FORMATS:
        raise DomainError(
            "invalid_format",
            _("Choose CSV or XLSX."),
            status=400,
            fields={"format": _("Choose CSV or XLSX.")},
        )
    content_type = XLSX_TYPE if fmt == "xlsx" else "text/csv; charset=utf-8"
    response = HttpResponse(build_template(columns, fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
