"""Fill the zh-Hans catalog from translation tables (dev tool; the .po file stays the source of truth).

    python scripts/apply_translations.py TABLE.py [TABLE.py …]

Each TABLE.py defines ZH = {msgid: msgstr}; a plural entry maps its singular msgid to one string
(Chinese has one plural form). Entries with a context (pgettext, msgctxt) are keyed
"context\x04msgid" in ZH, or (context, msgid) in an optional CTX table; an optional
PLURAL = {msgid: (msgid_plural, msgstr)} or {(msgid, msgid_plural): msgstr} is read as well. Only untranslated or fuzzy entries are filled: translations already
in the catalog (including those with a context, msgctxt) are never overwritten. Then the .mo is
compiled.

Workflow: `cd src/salesdept && salesdept manage makemessages -l zh_Hans --no-location
--no-obsolete --ignore 'static/*'`, then this script with a table of the new strings."""

import runpy
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[1] / "src/salesdept/locale/zh_Hans/LC_MESSAGES/django.po"


def main(tables: list[str]) -> None:
    zh: dict[str, str] = {}
    for t in tables:
        table = runpy.run_path(t)
        zh.update(table["ZH"])
        zh.update({f"{ctx}\x04{msgid}": text for (ctx, msgid), text in table.get("CTX", {}).items()})
        for key, value in table.get("PLURAL", {}).items():
            if isinstance(key, tuple):  # (msgid, msgid_plural): text
                zh[key[0]] = value
            else:  # msgid: (msgid_plural, text)
                zh[key] = value[1]
    po = polib.pofile(str(PO))
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Language"] = "zh_Hans"
    for e in po:
        key = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt else e.msgid
        if key in zh and (not e.translated() or "fuzzy" in e.flags):
            if e.msgid_plural:
                e.msgstr_plural = {0: zh[key]}
            else:
                e.msgstr = zh[key]
            if "fuzzy" in e.flags:
                e.flags.remove("fuzzy")
    po.save()
    po.save_as_mofile(str(PO.with_suffix(".mo")))
    left = [e.msgid for e in po if not e.obsolete and not e.translated()]
    print(f"{len(po)} messages, {len(left)} untranslated")
    for m in left:
        print("  ", repr(m))


if __name__ == "__main__":
    main(sys.argv[1:])
