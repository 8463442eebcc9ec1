"""Printed documents (core.pdf): Chinese text with the bundled font, no network, page footers,
the PDF response. The PDFs are read back with pypdf."""

import http.server
import io
import re
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from django.test import override_settings
from django.utils import translation
from pypdf import PdfReader

from salesdept.core import pdf
from salesdept.core.pdf import FONT_DIR, pdf_response, render_pdf, url_allowed, url_fetcher

PRODUCT = "上海华强机械 液压泵 HP-200"
HEADING = "合同履行一览表"
COMPANY = "上海华强机械有限公司"

TEMPLATE = """{% extends "pdf/base.html" %}
{% block meta %}<table class="meta"><tr><th>合同编号</th><td>HT-2025-0042</td></tr></table>{% endblock %}
{% block content %}
<link rel="stylesheet" href="{{ spy }}/style.css">
<style>@import url("{{ spy }}/imported.css"); .x { background: url("{{ spy }}/bg.png"); }</style>
<img src="{{ spy }}/logo.png" alt=""><img src="file:///etc/hostname" alt=""><div class="x">&nbsp;</div>
<h2>合同履行一览表</h2>
<p>{{ product }}</p>
<table class="lines">
  <thead><tr><th>品名</th><th>数量</th><th>金额（￥）</th></tr></thead>
  <tbody>{% for i in rows %}
    <tr><td>{{ product }}</td><td class="num">{{ i }}</td><td class="num">5,800.00</td></tr>
  {% endfor %}</tbody>
</table>
<table class="totals"><tr class="grand"><th>合计</th><td>￥ 145,092.00</td></tr></table>
{% endblock %}
"""


class _Spy(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        _Spy.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def spy_server():
    """A local HTTP server that records every request: the templates point at it."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Spy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def templates_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdf_templates")
    (folder / "pdftest").mkdir()
    (folder / "pdftest" / "doc.html").write_text(TEMPLATE, encoding="utf-8")
    return folder


def _render(templates_dir, spy, *, language, company=None, rows=3, **kwargs):
    from django.conf import settings

    engines = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], templates_dir]}]
    salesdept = {**settings.SALESDEPT, **({"COMPANY_NAME": company} if company else {})}
    with override_settings(TEMPLATES=engines, SALESDEPT=salesdept):
        context = {"title": "销售合同", "product": PRODUCT, "rows": range(1, rows + 1), "spy": spy}
        return render_pdf("pdftest/doc.html", context, language=language, **kwargs)


def _text(data: bytes) -> list[str]:
    """Each page's text, runs of white space made one space."""
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture(scope="module")
def zh_pdf(templates_dir, spy_server):
    return _render(templates_dir, spy_server, language="zh-hans", company=COMPANY, rows=60)


@pytest.fixture(scope="module")
def en_pdf(templates_dir, spy_server):
    return _render(templates_dir, spy_server, language="en", rows=60)


def test_chinese_text_comes_back(zh_pdf):
    pages = _text(zh_pdf)
    assert zh_pdf.startswith(b"%PDF-")
    assert len(pages) >= 2  # 60 lines: the table goes on to a second page
    assert PRODUCT in pages[0] and HEADING in pages[0]
    assert COMPANY in pages[0]  # settings.SALESDEPT["COMPANY_NAME"]
    assert "合计 ￥ 145,092.00" in " ".join(pages)
    assert "销售合同" in pages[0]
    assert PdfReader(io.BytesIO(zh_pdf)).metadata.title == "销售合同"


def test_pdf_embeds_only_the_bundled_font(zh_pdf):
    """Every font on every page is the bundled Noto Sans SC (regular and bold), embedded — not a
    font of this machine, which another machine may lack."""
    names = set()
    for page in PdfReader(io.BytesIO(zh_pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            names.add(str(font["/BaseFont"]))
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    plain = {re.sub(r"[^A-Za-z]", "", name.split("+", 1)[-1]) for name in names}
    assert plain == {"NotoSansSC", "NotoSansSCBold"}, names


def test_no_url_outside_the_package_is_fetched(zh_pdf, en_pdf):
    """The templates link a stylesheet, an @import, images and a background on a local server,
    and a file outside the package: the PDFs render and the server saw no request."""
    assert zh_pdf and en_pdf
    assert _Spy.hits == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.css",
        "ftp://example.com/x",
        "file:///etc/passwd",
        "file://otherhost" + FONT_DIR.as_posix() + "/OFL.txt",
        FONT_DIR.as_uri() + "/../../../../../../etc/passwd",
        "//example.com/x.png",
        "javascript:alert(1)",
    ],
)
def test_fetcher_refuses_urls_outside_the_package(url):
    fetcher = url_fetcher()
    assert not url_allowed(url)
    with pytest.raises(pdf.URLRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_serves_package_files_and_data_urls():
    fetcher = url_fetcher()
    response = fetcher.fetch((FONT_DIR / "OFL.txt").as_uri())
    assert b"SIL OPEN FONT LICENSE" in response.read()
    response.close()
    assert fetcher.fetch("data:text/plain;base64,5Lit5paH").read().decode() == "中文"


def test_english_footer_numbers_pages(en_pdf):
    pages = _text(en_pdf)
    n = len(pages)
    assert n >= 2
    assert all(f"Page {i} of {n}" in page for i, page in enumerate(pages, 1))
    assert "salesdept" in pages[0]  # no COMPANY_NAME in the settings
    assert "Prepared by" in pages[-1]  # the signature block


def _footer_translated() -> bool:
    with translation.override("zh-hans"):
        return translation.gettext("Page %(page)s of %(pages)s") != "Page %(page)s of %(pages)s"


@pytest.mark.xfail(not _footer_translated(), reason="zh-Hans catalog lacks the PDF strings yet", strict=False)
def test_chinese_footer_numbers_pages(zh_pdf):
    pages = _text(zh_pdf)
    n = len(pages)
    assert all(f"第 {i} 页 / 共 {n} 页" in page for i, page in enumerate(pages, 1))


def test_footer_wording_comes_from_gettext(templates_dir, spy_server, monkeypatch):
    """The footer is the translated "Page %(page)s of %(pages)s" with CSS page counters."""
    wording = {"Page %(page)s of %(pages)s": '第 %(page)s 页 / 共 %(pages)s 页 "\\'}
    monkeypatch.setattr(pdf, "gettext", lambda s: wording.get(s, translation.gettext(s)))
    pages = _text(_render(templates_dir, spy_server, language="zh-hans", rows=1))
    assert '第 1 页 / 共 1 页 "\\' in pages[0]  # quotes and backslashes escaped in the CSS string


def test_language_is_restored_and_resources_are_reused(templates_dir, spy_server):
    with translation.override("en"):
        _render(templates_dir, spy_server, language="zh-hans", rows=1)
        assert translation.get_language() == "en"
    assert pdf._resources() is pdf._resources()


def test_pdf_response_with_chinese_filename():
    response = pdf_response(b"%PDF-1.7 test", "HT-2025-0042 合同履行一览表.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == "13"
    assert response.content == b"%PDF-1.7 test"
    disposition = response["Content-Disposition"]
    assert disposition == (
        "inline; filename=\"HT-2025-0042.pdf\"; filename*=UTF-8''"
        + quote("HT-2025-0042 合同履行一览表.pdf", safe="")
    )
    assert "%E5%90%88%E5%90%8C" in disposition  # 合同, UTF-8 percent-encoded (RFC 5987)


def test_pdf_response_sanitises_the_filename():
    response = pdf_response(b"%PDF", '合同"\r\nX-Evil: 1/../报价', as_attachment=True)
    disposition = response["Content-Disposition"]
    fallback, encoded = re.fullmatch(
        r'attachment; filename="([^"]*)"; filename\*=UTF-8\'\'(\S+)', disposition
    ).groups()
    assert fallback == "X-Evil_1.pdf"
    assert encoded == quote("合同_X-Evil: 1_.._报价.pdf", safe="")  # no quote, line break or slash
    assert pdf_response(b"%PDF", "报价单")["Content-Disposition"].startswith(
        'inline; filename="document.pdf";'
    )


def test_bundled_fonts_are_small_and_licensed():
    for name in ("NotoSansSC-subset.woff2", "NotoSansSC-Bold-subset.woff2"):
        assert (FONT_DIR / name).stat().st_size < 3 * 1024 * 1024
    assert "SIL OPEN FONT LICENSE Version 1.1" in (FONT_DIR / "OFL.txt").read_text(encoding="utf-8")
    assert Path(pdf.__file__).parent / "fonts" == FONT_DIR
