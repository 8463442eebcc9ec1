"""The XLSX reader's fast path (core/imports.py: regular expressions over the sheet's bytes) reads
every sheet exactly as the XML parser does, and leaves what it does not handle to the parser; and
the bulk writer keeps computed columns and converted values right."""

import datetime
import io
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from salesdept.core import imports
from salesdept.core.imports import read_table

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def both_ways(data: bytes, monkeypatch):
    """The table as the fast path reads it and as the XML parser reads it."""
    fast = read_table(data, "x.xlsx")
    with monkeypatch.context() as patch:
        patch.setattr(imports, "_plain_xml", lambda xml: False)
        parsed = read_table(data, "x.xlsx")
    return fast, parsed


def xlsx(sheet_data: str, shared: list[str] = (), *, declaration='<?xml version="1.0"?>') -> bytes:
    """A minimal package with one sheet (rows given as XML) and its shared strings."""
    files = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        '<sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'<?xml version="1.0"?><sst xmlns="{MAIN}">'
        + "".join(f"<si>{s}</si>" for s in shared)
        + "</sst>",
        "xl/styles.xml": f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}"><cellXfs count="2">'
        '<xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>',
        "xl/worksheets/sheet1.xml": f'{declaration}<worksheet xmlns="{MAIN}"><sheetData>{sheet_data}'
        "</sheetData></worksheet>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return out.getvalue()


def test_openpyxl_workbook_with_every_kind_of_cell_reads_the_same_both_ways(monkeypatch):
    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "电话", "日期", "金额", "布尔", "空", "公式"])
    sheet.append(["A & B <C> \"q\" 'x'", 13800138000, datetime.date(2026, 3, 1), 1234.5, True, None, "=1+1"])
    sheet.append(["  spaced  ", "021-5888 1234", datetime.datetime(2026, 3, 1, 12, 30), 0.1, False, "", "x"])
    sheet.append(["line1\r\nline2", 1e20, 3, -2.75, "是", None, None])
    sheet["A6"] = CellRichText(["粗", TextBlock(InlineFont(b=True), "体&字")])
    sheet["C8"] = "late"
    sheet.cell(row=9, column=30, value="far")
    out = io.BytesIO()
    book.save(out)
    fast, parsed = both_ways(out.getvalue(), monkeypatch)
    assert fast == parsed
    assert fast.rows[0].cells[:5] == ["A & B <C> \"q\" 'x'", "13800138000", "2026-03-01", "1234.5", "true"]
    assert fast.rows[2].cells[0] == "line1\nline2"
    assert fast.rows[3] == (6, ["粗体&字"])


def test_excel_style_sheet_with_unusual_markup_reads_the_same_both_ways(monkeypatch):
    shared = [
        "<t>名称</t>",
        "<t>电话</t>",
        "<r><rPr><b/><charset val='134'/></rPr><t>恒泰</t></r><r><t xml:space='preserve'> 电子</t></r>",
        "<t>华强</t><rPh sb='0' eb='2'><t>huaqiang</t></rPh><phoneticPr fontId='1'/>",
        "<t>&#x4E0A;&#28023; &amp;&lt;&gt;</t>",
    ]
    sheet = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" s="0" t="s">'
        "<v>4</v></c></row>"
        '<row r="2"/>'  # an empty row, self-closed
        # attributes in another order, single quotes, an extra attribute, a formula, a blank <v/>
        "<row r='3' spans='1:4'><c t='s' r='A3'><v>2</v></c><c r=\"B3\" s=\"1\" cm=\"1\"><v>46387</v></c>"
        '<c r="C3" t="str"><f>A3&amp;"x"</f><v>恒泰x</v></c><c r="D3"><v/></c></row>'
        '<row r="5"><c r="A5" t="s"><v>3</v></c><c r="B5" t="b"><v>1</v></c><c r="D5" t="inlineStr">'
        "<is><r><t>a</t></r><r><t>b</t></r></is></c></row>"
        '<row r="6"/><row r="7"><c r="A7" t="e"><v>#N/A</v></c><c r="B7"><v>1.5E+3</v></c></row>'
    )
    fast, parsed = both_ways(xlsx(sheet, shared), monkeypatch)
    assert fast == parsed
    assert fast.header == ["名称", "电话", "上海 &<>"]
    assert fast.rows == [
        (3, ["恒泰 电子", "2026-12-31", "恒泰x", ""]),
        (5, ["华强", "true", "", "ab"]),  # the phonetic guide is not part of the text
        (7, ["#N/A", "1500"]),
    ]


@pytest.mark.parametrize(
    "sheet",
    [
        '<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[名称 <b>]]></t></is></c></row>',
        '<!-- a comment --><row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row>',
    ],
)
def test_markup_the_fast_path_does_not_handle_goes_to_the_parser(sheet, monkeypatch):
    data = xlsx(sheet)
    assert not imports._plain_xml(zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml"))
    fast, parsed = both_ways(data, monkeypatch)
    assert fast == parsed
    assert fast.header[0].startswith("名称")


def test_sheet_in_another_encoding_goes_to_the_parser():
    declaration = '<?xml version="1.0" encoding="UTF-16"?>'
    assert not imports._plain_xml(declaration.encode() + b"<worksheet/>")
    assert imports._plain_xml(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet/>')


def test_import_audit_entry_is_the_json_auditlog_would_write(org):
    # given a file whose text needs escaping in JSON
    from auditlog.models import LogEntry

    from salesdept.crm.models import Customer
    from salesdept.crm.services.imports import _changes, import_customers

    name = '上海"华强"\\机械\t有限公司'
    quoted = name.replace('"', '""')
    data = f'name,tier,region,phone,notes\n"{quoted}",A,east-sh,021-5888 1234,"a\nb"\n'
    result = import_customers(by=org.sales1, table=read_table(data.encode("utf-8"), "c.csv"))
    assert result.created == 1, result.errors
    customer = Customer.objects.get()
    entry = LogEntry.objects.get(content_type__model="customer", object_id=customer.pk)
    # then the changes are every filled field as ["None", text], exactly as json.dumps writes it
    fields = [(f.name, f.attname) for f in Customer._meta.concrete_fields if not f.primary_key]
    expected = _changes(customer.__dict__, fields)
    assert entry.changes == expected
    assert expected["name"] == ["None", name] and expected["notes"] == ["None", "a\nb"]
    assert expected["search_text"] == ["None", customer.search_text]


def test_import_with_a_cold_content_type_cache_completes(org):
    # the audit rows stream into COPY on PostgreSQL: anything that queries (the content type,
    # unless cached) must happen before, or the connection waits for itself forever
    from django.contrib.contenttypes.models import ContentType

    from salesdept.crm.models import Customer
    from salesdept.crm.services.imports import import_customers

    ContentType.objects.clear_cache()
    data = "name,tier,region\n上海华强机械有限公司,A,east-sh\n".encode()
    result = import_customers(by=org.sales1, table=read_table(data, "c.csv"))
    assert result.created == 1
    assert Customer.objects.get().search_text.startswith("上海华强机械有限公司 ")
