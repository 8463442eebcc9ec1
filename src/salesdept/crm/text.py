"""Text keys the services store beside a name or phone so duplicates and searches are indexed
lookups: a normalised name, the digits of a phone number, the pinyin of a Chinese name."""

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.core import Pinyin

# Legal-form words that do not tell two companies apart (上海华强机械有限公司 = 上海华强机械).
COMPANY_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "分公司",
    "公司",
    "co ltd",
    "co., ltd.",
    "company limited",
    "limited",
    "ltd",
    "inc",
    "corp",
    "gmbh",
    "llc",
)
_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize_name(name: str) -> str:
    """Lower case, full-width folded, legal-form suffix and punctuation removed."""
    text = unicodedata.normalize("NFKC", name or "").lower().strip()
    text = text.replace("（", "(").replace("）", ")")
    for suffix in COMPANY_SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    return _PUNCTUATION.sub("", text)


def normalize_phone(phone: str) -> str:
    """The digits of a phone number in its domestic form: '+86 138-0013-8000' and '13800138000'
    are the same mobile number, '+86 21 6234 5678' and '021-6234 5678' the same landline."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone or ""))
    for prefix in ("0086", "86"):
        rest = digits[len(prefix) :]
        if digits.startswith(prefix) and len(rest) == 11 and rest.startswith("1"):
            return rest  # a mobile number
        if digits.startswith(prefix) and 9 <= len(rest) <= 10 and not rest.startswith("0"):
            return "0" + rest  # a landline: area code without its trunk 0
    return digits


_PINYIN = Pinyin()
_HAN = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=65536)
def _word_pinyin(word: str, style: Style) -> str:
    # pypinyin splits a name into words and converts each on its own, so converting word by word
    # gives the same result as lazy_pinyin(name); company names share most of their words
    # (上海, 机械, 有限公司), so the cache makes a 50,000-row import about ten times faster.
    # `_converter` is pypinyin's own word converter; without it, fall back to the public call.
    converter = getattr(_PINYIN, "_converter", None)
    if converter is None:
        return "".join(lazy_pinyin(word, style=style, errors="ignore"))
    return "".join(p[0] for p in converter.convert(word, style, False, "ignore", strict=True) if p)


def pinyin_key(name: str) -> str:
    """'huaqiangjixie hqjx' for 华强机械: the full pinyin and the initials, so a search for
    either finds the name. Empty for a name without Chinese characters."""
    if not _HAN.search(name or ""):
        return ""
    words = _PINYIN.seg(name)
    full = "".join(_word_pinyin(w, Style.NORMAL) for w in words).lower()
    initials = "".join(_word_pinyin(w, Style.FIRST_LETTER) for w in words).lower()
    return f"{full} {initials}"
