"""PDF documents from Django templates (WeasyPrint), printing Chinese on any machine.

    pdf = render_pdf("crm/contract_pdf.html", {"contract": contract}, language="zh-hans")
    return pdf_response(pdf, f"{contract.code} 合同.pdf")

A template extends "pdf/base.html" (blocks title, header, content, footer; classes `lines`,
`num`, `totals`, `signatures` — see that file). Every document gets the base stylesheet: the
bundled "Noto Sans SC" subset (core/fonts/: GB2312 + ASCII + punctuation, SIL OFL; the machine's
own fonts are only a fallback), A4 with margins, and "Page N of M" / "第 N 页 / 共 M 页" in the
page footer, in the language of the document.

Nothing is fetched from the network: the URL fetcher serves data: URLs and file:// URLs inside
the salesdept package only (relative URLs resolve against the package folder, so
`static/salesdept/logo.svg`… work) and refuses the rest, which WeasyPrint then leaves out.

The fonts and the base stylesheet are loaded once per thread (WeasyPrint's FontConfiguration is
not shared between threads): the first document of a process takes ~1 s (importing WeasyPrint),
each one after that ~0.1–0.2 s for a page. WeasyPrint subsets the embedded fonts with
HarfBuzz-Subset (Debian: libharfbuzz-subset0); without it, it falls back to fontTools, which
works but takes ~2 s a document."""

import atexit
import contextlib
import functools
import re
import threading
import unicodedata
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

__all__ = [
    "render_pdf",
    "pdf_response",
    "url_fetcher",
    "url_allowed",
    "URLRefused",
    "FONT_DIR",
    "FONT_FAMILY",
]

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # src/salesdept
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "Noto Sans SC"
FONT_FILES = {"400": "NotoSansSC-subset.woff2", "700": "NotoSansSC-Bold-subset.woff2"}

BASE_CSS = """
@page {
  size: A4;
  margin: 18mm 16mm 20mm 16mm;
}
html { font-family: "%(family)s", sans-serif; font-size: 10pt; line-height: 1.5; color: #1a1a1a; }
body { margin: 0; }
"""


class URLRefused(ValueError):
    """A PDF template referred to a URL outside the package (network, other files)."""


@functools.cache
def _fetcher_class():
    from weasyprint import URLFetcher

    class LocalOnlyURLFetcher(URLFetcher):
        """Serves `data:` URLs and `file://` URLs inside the salesdept package; refuses the
        rest (http, https, ftp, files elsewhere) and remembers what it refused in `refused`."""

        def __init__(self):
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            if not url_allowed(url):
                self.refused.append(url)
                raise URLRefused(f"PDF rendering fetches no URL outside the package: {url[:200]}")
            return super().fetch(url, headers)

    return LocalOnlyURLFetcher


def url_allowed(url: str) -> bool:
    """data: URLs, and file:// URLs of files inside the salesdept package."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "data":
        return True
    if scheme != "file":
        return False
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        return False
    return Path(url2pathname(unquote(parts.path))).resolve().is_relative_to(PACKAGE_DIR)


def url_fetcher():
    """A new WeasyPrint URL fetcher that stays inside the package (see `url_allowed`)."""
    return _fetcher_class()()


_local = threading.local()


@atexit.register
def _drop_resources() -> None:
    """Free the main thread's fonts before interpreter shutdown (their temporary folder is
    removed by FontConfiguration.__del__, which fails once modules are torn down)."""
    _local.__dict__.pop("resources", None)


def _resources():
    """This thread's FontConfiguration, base stylesheet and page-footer stylesheets."""
    res = getattr(_local, "resources", None)
    if res is None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        faces = "".join(
            f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; font-style: normal;'
            f' src: url("{(FONT_DIR / name).as_uri()}") format("woff2"); }}\n'
            for weight, name in FONT_FILES.items()
        )
        base = CSS(
            string=faces + BASE_CSS % {"family": FONT_FAMILY},
            font_config=font_config,
            url_fetcher=url_fetcher(),
            base_url=FONT_DIR.as_uri() + "/",
        )
        res = _local.resources = {"font_config": font_config, "base": base, "footers": {}}
    return res


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _footer_css(res) -> object:
    """`@page` footer with the page numbers, in the active language (cached per wording)."""
    from weasyprint import CSS

    # Translators: the page footer of printed documents; keep both placeholders.
    text = gettext("Page %(page)s of %(pages)s")
    css = res["footers"].get(text)
    if css is None:
        parts = []
        for piece in re.split(r"(%\((?:page|pages)\)s)", text):
            if piece == "%(page)s":
                parts.append("counter(page)")
            elif piece == "%(pages)s":
                parts.append("counter(pages)")
            elif piece:
                parts.append(_css_string(piece))
        content = " ".join(parts) or '""'
        css = CSS(
            string=f"@page {{ @bottom-right {{ content: {content}; font-size: 8pt; color: #666; }} }}",
            font_config=res["font_config"],
            url_fetcher=url_fetcher(),
        )
        res["footers"][text] = css
    return css


def company_name() -> str:
    name = getattr(settings, "SALESDEPT", {}).get("COMPANY_NAME")
    return str(name) if name else gettext("salesdept")


def render_pdf(template_name: str, context: dict, *, language: str | None = None, request=None) -> bytes:
    """The template rendered to HTML (in `language` if given, else the active language) and
    printed to PDF bytes with the bundled font. URLs outside the package are not fetched."""
    from weasyprint import HTML

    with translation.override(language) if language else contextlib.nullcontext():
        res = _resources()
        ctx = {"company_name": company_name(), **(context or {})}
        html = render_to_string(template_name, ctx, request=request)
        footer = _footer_css(res)
        document = HTML(
            string=html,
            base_url=PACKAGE_DIR.as_uri() + "/",
            url_fetcher=url_fetcher(),
            media_type="print",
        )
        return document.write_pdf(stylesheets=[res["base"], footer], font_config=res["font_config"])


_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f/\\"]+')


def _ascii_fallback(filename: str) -> str:
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_stem).strip("._")
    ascii_ext = re.sub(r"[^A-Za-z0-9]+", "", ext)
    return f"{ascii_stem or 'document'}.{ascii_ext or 'pdf'}"


def pdf_response(pdf_bytes: bytes, filename: str, *, as_attachment: bool = False) -> HttpResponse:
    """An application/pdf response shown in the browser (or downloaded with `as_attachment`),
    named `filename` — Chinese names too: an ASCII `filename=` for old clients plus the
    RFC 5987 `filename*=UTF-8''…` that browsers use."""
    name = _UNSAFE_FILENAME.sub("_", filename).strip() or "document.pdf"
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    disposition = "attachment" if as_attachment else "inline"
    response = HttpResponse(pdf_bytes, content_type="application/pdf")
    response["Content-Disposition"] = (
        f"{disposition}; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    response["Content-Length"] = str(len(pdf_bytes))
    response["X-Content-Type-Options"] = "nosniff"
    return response
