"""X4: every string a user sees exists in English and Simplified Chinese."""

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest

import salesdept

PACKAGE = Path(salesdept.__file__).resolve().parent
PO = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _entries():
    return [e for e in polib.pofile(str(PO)) if not e.obsolete]


def test_every_catalog_message_has_a_chinese_translation():
    missing = [e.msgid for e in _entries() if not e.translated() or "fuzzy" in e.flags]
    assert not missing, f"untranslated or fuzzy: {missing}"


def test_compiled_catalog_matches_the_po_file():
    # The wheel ships the .mo; a stale one would show English where the .po has Chinese.
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(MO))}
    source = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in _entries()}
    compiled.pop((None, ""), None)
    assert compiled == source, "run: salesdept manage compilemessages (see README, Translations)"


def test_catalog_covers_every_translatable_string_in_the_code(tmp_path):
    """Extract the strings again from a copy of the package: none may be new or untranslated."""
    if not shutil.which("xgettext"):
        if os.environ.get("CI") == "true":
            pytest.fail("GNU gettext (xgettext) is needed in CI to check the catalog")
        pytest.skip("GNU gettext (xgettext) is not installed")
    copy = tmp_path / "salesdept"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("static", "__pycache__", "migrations"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "salesdept.settings",
        "SALESDEPT_HOME": str(tmp_path / "home"),
    }
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    fresh = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in fresh if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert not missing, f"strings in the code without a Chinese translation: {missing}"


# --- templates: no visible text outside translation tags -------------------------------------

TAG = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
STYLE_BLOCK = re.compile(r"{% block style %}.*?{% endblock[^%]*%}", re.S)
BLOCK = re.compile(r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", re.S)
COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)
VISIBLE_ATTRS = {"placeholder", "title", "aria-label", "alt", "data-confirm"}
LETTERS = re.compile(r"[A-Za-z\u4e00-\u9fff]")


class _TextFinder(HTMLParser):
    """Collects text nodes and visible attributes; text inside an element carrying its own
    `lang` attribute is a name in that language (the language switch) and is allowed."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self.stack: list[tuple[str, bool]] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self.skip += 1
        self.stack.append((tag, "lang" in attrs and tag != "html"))
        for name in VISIBLE_ATTRS & attrs.keys():
            if attrs[name] and LETTERS.search(attrs[name]):
                self.found.append(f'{name}="{attrs[name]}"')

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.skip or any(own_lang for _t, own_lang in self.stack):
            return
        if LETTERS.search(data):
            self.found.append(data.strip())


def _templates():
    return sorted(p for p in PACKAGE.rglob("templates/**/*.html"))


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_template_has_no_untranslated_visible_text(path):
    text = COMMENT.sub(" ", path.read_text())
    text = STYLE_BLOCK.sub(" ", text)  # CSS a PDF template adds to its base's <style>
    text = BLOCK.sub(" ", text)
    text = TAG.sub(" ", text)
    finder = _TextFinder()
    finder.feed(text)
    assert not finder.found, f"wrap in {{% translate %}}: {finder.found}"
