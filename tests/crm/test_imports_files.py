"""Reading import files (X5, core/imports.py): CSV in UTF-8 with or without BOM and in GBK, XLSX
as openpyxl and as Excel write them, spreadsheet row numbers, clear refusals of unreadable,
empty, oversized files, and templates that read back."""

import csv
import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import Workbook

from salesdept.core import imports
from salesdept.core.imports import (
    CellError,
    ImportFileError,
    build_template,
    parse_bool,
    parse_date,
    parse_decimal,
    read_table,
)
from salesdept.crm.models import Contact, Customer, Lead
from salesdept.crm.services.imports import COLUMNS, import_customers, run_import


def csv_bytes(rows, encoding="utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def openpyxl_bytes(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def excel_like_bytes() -> bytes:
    """An XLSX shaped as Excel saves it: shared strings, a date style, x14ac attributes."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    strings = ["名称", "电话", "预计成交日期", "预计金额", "苏州恒泰 &amp; 华强", "备注"]
    files = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{main}" xmlns:r="{rel}"><workbookPr/>'
        '<sheets><sheet name="线索" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'<?xml version="1.0"?><sst xmlns="{main}" count="6" uniqueCount="6">'
        + "".join(f"<si><t>{s}</t></si>" for s in strings[:5])
        + "<si><r><t>备</t></r><r><t>注</t></r></si></sst>",
        "xl/styles.xml": f'<?xml version="1.0"?><styleSheet xmlns="{main}"><cellXfs count="2">'
        '<xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet xmlns="{main}" xmlns:r="{rel}" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" mc:Ignorable="x14ac">'
        "<sheetData>"
        '<row r="1" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>5</v></c></row>'
        '<row r="3" x14ac:dyDescent="0.25"><c r="A3" t="s"><v>4</v></c><c r="B3"><v>13800138000</v></c>'
        '<c r="C3" s="1"><v>46387</v></c><c r="D3"><v>150000.5</v></c></row>'
        "</sheetData></worksheet>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return out.getvalue()


# --------------------------------------------------------------------------------------- CSV


def test_csv_with_byte_order_mark_reads_the_first_title_cleanly():
    data = "\ufeff".encode() + csv_bytes([["名称", "电话"], ["上海华强", "021-1234"]])
    table = read_table(data, "customers.csv")
    assert table.header == ["名称", "电话"]
    assert table.rows[0] == (2, ["上海华强", "021-1234"])


def test_csv_saved_by_chinese_excel_in_gbk_imports(org):
    data = csv_bytes([["客户名称", "等级", "区域"], ["上海华强机械有限公司", "A", "上海"]], encoding="gbk")
    result = import_customers(by=org.sales1, table=read_table(data, "客户.csv"))
    assert (result.created, result.errors) == (1, [])
    assert Customer.objects.get().name == "上海华强机械有限公司"


def test_csv_rows_keep_their_spreadsheet_numbers_across_blank_lines():
    data = b"name,phone\n\nA,1\n,\nB,2\n"
    table = read_table(data, "x.csv")
    assert [r.number for r in table.rows] == [3, 5]


def test_csv_with_semicolons_is_read():
    table = read_table(b"name;phone\nA;1\n", "x.csv")
    assert table.header == ["name", "phone"]


def test_csv_formula_guard_of_our_exports_is_removed():
    table = read_table(b"name,notes\nA,'=1+1\n", "x.csv")
    assert table.rows[0].cells == ["A", "=1+1"]


# --------------------------------------------------------------------------------------- XLSX


def test_xlsx_from_openpyxl_with_numbers_and_dates_imports_leads(org):
    data = openpyxl_bytes(
        [
            ["prospect", "phone", "expected amount", "expected date"],
            ["苏州恒泰电子有限公司", 13800138000, 1234.5, datetime.date(2026, 12, 31)],
        ]
    )
    result = run_import(by=org.sales1, kind="leads", table=read_table(data, "leads.xlsx"))
    assert (result.created, result.errors) == (1, [])
    lead = Lead.objects.get()
    assert (lead.phone, lead.expected_amount, lead.expected_on) == (
        "13800138000",
        Decimal("1234.50"),
        datetime.date(2026, 12, 31),
    )


def test_xlsx_as_excel_writes_it_shared_strings_and_date_styles_are_read():
    table = read_table(excel_like_bytes(), "leads.xlsx")
    assert table.header == ["名称", "电话", "预计成交日期", "预计金额", "备注"]
    # row 3 in the sheet (row 2 is empty), digits as typed, the date cell as a date
    assert table.rows == [(3, ["苏州恒泰 & 华强", "13800138000", "2026-12-31", "150000.5"])]


def test_xlsx_same_cells_as_openpyxl_reads_them():
    rows = [["a", 1, 2.25, True, None, "x"], [None, None, "late"]]
    data = openpyxl_bytes(rows)
    fast = list(imports._xlsx_cells(data))
    slow = [
        (n, cells[: len(f)]) for (n, cells), (_m, f) in zip(imports._openpyxl_cells(data), fast, strict=True)
    ]
    assert fast == slow


# --------------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "x.csv", "empty_file"),
        (b"\n\n", "x.csv", "empty_file"),
        (b"PK\x03\x04 not really a zip", "x.xlsx", "unreadable_file"),
        (b"\xd0\xcf\x11\xe0 old excel", "x.xls", "unsupported_format"),
        (b"\x00\x01\x02\xff\xfe\x00", "x.csv", "unreadable_file"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_error(data, name, code):
    with pytest.raises(ImportFileError) as caught:
        read_table(data, name)
    assert caught.value.code == code
    assert caught.value.status == 400
    assert "file" in caught.value.fields


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    with pytest.raises(ImportFileError) as caught:
        read_table(b"name\nA\nB\nC\n", "x.csv")
    assert caught.value.code == "too_many_rows"
    assert "2" in str(caught.value.message)


def test_too_large_file_is_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 10)
    with pytest.raises(ImportFileError) as caught:
        read_table(b"name\nA long enough file\n", "x.csv")
    assert caught.value.code == "file_too_large"


# --------------------------------------------------------------------------------------- cells


def test_parse_decimal_is_exact_and_refuses_what_is_not_an_amount():
    assert parse_decimal("¥1,234.50") == Decimal("1234.50")
    assert parse_decimal("0.1") + parse_decimal("0.2") == Decimal("0.3")
    assert parse_decimal("") is None
    for bad in ("abc", "NaN", "Infinity", "-1", "1.234", "1e20"):
        with pytest.raises(CellError):
            parse_decimal(bad)


def test_parse_date_and_bool_accept_common_spellings():
    for text in ("2026-03-01", "2026/3/1", "2026.03.01", "2026年3月1日", "2026-03-01 00:00:00"):
        assert parse_date(text) == datetime.date(2026, 3, 1)
    with pytest.raises(CellError):
        parse_date("2026-02-30")
    assert [parse_bool(t) for t in ("是", "Yes", "1", "", "否", "no")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]


# --------------------------------------------------------------------------------------- templates


@pytest.mark.parametrize("kind", ["customers", "contacts", "leads"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_template_reads_back_to_its_example_row(kind, fmt, language):
    with translation.override(language):
        data = build_template(COLUMNS[kind], fmt)
    table = read_table(data, f"template.{fmt}")
    records, errors = table.records(COLUMNS[kind])
    assert errors == []
    assert records == [(2, {c.key: c.example for c in COLUMNS[kind]})]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_filled_templates_import(org, fmt):
    # the example rows of the templates are good rows: customers, then contacts of that customer, then leads
    for kind in ("customers", "contacts", "leads"):
        result = run_import(
            by=org.sales1, kind=kind, table=read_table(build_template(COLUMNS[kind], fmt), "t")
        )
        assert (kind, result.created, result.errors) == (kind, 1, [])
    assert Contact.objects.get().customer == Customer.objects.get()
