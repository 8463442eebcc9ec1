"""Build the bundled CJK font subset for PDF documents (dev tool; the runtime never needs this script).

    apt-get install -y fonts-noto-cjk
    pip install 'fonttools[woff]'          # brotli for WOFF2 (also pulled in by weasyprint)
    python scripts/build_cjk_font.py [--ttc-dir /usr/share/fonts/opentype/noto]

Takes face 2 ("Noto Sans CJK SC", SIL Open Font License 1.1) of Debian's NotoSansCJK-Regular.ttc and
NotoSansCJK-Bold.ttc and keeps only the characters a Chinese business document needs:

* every character of GB2312 (each 2-byte code point that decodes: 682 symbols + 6,763 hanzi),
* a few common hanzi outside GB2312 that turn up in people's and company names (EXTRA_HANZI),
* ASCII and Latin-1, general punctuation, CJK symbols and punctuation, full-width and half-width forms,
  and common symbols (￥ ¥ € × ÷ ± ° № ‰ ・ ™ ® © arrows, ≤ ≥ ≠ …).

The subset is renamed "Noto Sans SC" (PostScript name NotoSansSC-Regular / NotoSansSC-Bold, as Google
Fonts names its SC subset; the OFL reserves no "Noto" name — the Reserved Font Name is Adobe's "Source")
and written as WOFF2 to src/salesdept/core/fonts/, next to OFL.txt.
"""

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "src/salesdept/core/fonts"
FACE_SC = 2  # index of "Noto Sans CJK SC" in the Debian .ttc collections
FAMILY = "Noto Sans SC"
FACES = {  # source .ttc → (style name, output file)
    "NotoSansCJK-Regular.ttc": ("Regular", "NotoSansSC-subset.woff2"),
    "NotoSansCJK-Bold.ttc": ("Bold", "NotoSansSC-Bold-subset.woff2"),
}

# Hanzi outside GB2312 that are common in names of people and companies (朱镕基, 陶喆, 李堃 …).
EXTRA_HANZI = (
    "镕喆堃昇珺赟琇玥钰祎旻昱玮璟珏瑄炜晟昉暐凇沄淏渼濛燚犇"
    "璠瑆琬琤珩瑾骎骞垚堉埇煜焜炆烜祐禛翀翚锘镠頔颢浛泓溱滢潆瀚"
)

RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement: ¥ × ÷ ± ° · § © ® …
    (0x2010, 0x205E),  # general punctuation: – — ‘ ’ “ ” … ‰ ※ …
    (0x20A0, 0x20BF),  # currency signs: € …
    (0x2100, 0x218F),  # letterlike symbols and number forms: № ℃ ™ Ⅰ Ⅱ …
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators: ≤ ≥ ≠ ≈ ∑ …
    (0x2460, 0x24FF),  # enclosed alphanumerics: ① ② …
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes: ■ □ ▲ ○ ● …
    (0x2600, 0x26FF),  # miscellaneous symbols: ★ ☆ ☑ …
    (0x2713, 0x2717),  # ✓ ✔ ✕ ✖ ✗
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、。〈〉《》「」【】〔〕
    (0x30FB, 0x30FC),  # ・ ー
    (0x3200, 0x32FF),  # enclosed CJK letters and months: ㈠ ㈱ …
    (0x3300, 0x33FF),  # CJK compatibility: ㎡ ㎏ ㎞ …
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half-width and full-width forms: ，：；！？（）￥ …
]


def gb2312_chars() -> set[str]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def wanted_codepoints() -> set[int]:
    chars = gb2312_chars() | set(EXTRA_HANZI)
    cps = {ord(c) for c in chars}
    for lo, hi in RANGES:
        cps.update(range(lo, hi + 1))
    return cps


def rename(font: TTFont, style: str) -> None:
    """Name the subset "Noto Sans SC" (family) / NotoSansSC-<style> (PostScript, also in CFF)."""
    ps_name = f"NotoSansSC-{style}"
    names = {
        1: FAMILY,
        2: style,
        3: f"{font['name'].getDebugName(5).split(';')[0].removeprefix('Version ')};subset;{ps_name}",
        4: f"{FAMILY} {style}" if style != "Regular" else FAMILY,
        6: ps_name,
    }
    for name_id, value in names.items():
        font["name"].removeNames(nameID=name_id)
        font["name"].setName(value, name_id, 3, 1, 0x409)  # Windows, Unicode BMP, en-US
        font["name"].setName(value, name_id, 1, 0, 0)  # Mac, Roman, English
    if "CFF " in font:
        cff = font["CFF "].cff
        top = cff[cff.fontNames[0]]
        cff.fontNames = [ps_name]
        cff.topDictIndex.items = [top]
        if hasattr(top, "FullName"):
            top.FullName = names[4]
        if hasattr(top, "FamilyName"):
            top.FamilyName = FAMILY
        if hasattr(top, "CIDFontName"):
            top.CIDFontName = ps_name


def build(source: Path, style: str, out: Path, cps: set[int]) -> None:
    font = TTFont(source, fontNumber=FACE_SC, lazy=False)
    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False  # PDF viewers rasterise at print resolution; hints only cost bytes
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 13, 14]  # keep copyright, trademark, licence
    options.name_languages = [0x409, 0]
    options.layout_features = ["ccmp", "kern"]  # horizontal text only: no vert, locl or width variants
    options.notdef_outline = True
    options.recalc_bounds = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=cps)
    subsetter.subset(font)
    rename(font, style)
    font.flavor = "woff2"
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(out)
    glyphs = font["maxp"].numGlyphs
    print(f"{out.relative_to(ROOT)}: {glyphs} glyphs, {out.stat().st_size / 1024 / 1024:.2f} MiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ttc-dir", type=Path, default=Path("/usr/share/fonts/opentype/noto"))
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    cps = wanted_codepoints()
    for ttc, (style, filename) in FACES.items():
        source = args.ttc_dir / ttc
        if not source.exists():
            print(f"missing {source}: apt-get install -y fonts-noto-cjk", file=sys.stderr)
            return 1
        build(source, style, args.out_dir / filename, cps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
