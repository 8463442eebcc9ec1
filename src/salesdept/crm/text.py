"""Text keys the services store beside a name or phone so duplicates and searches are indexed
lookups: a normalised name, the digits of a phone number, the pinyin of a Chinese name."""

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

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
    """The digits of a phone number without a leading +86/0086 country code: '+86 138-0013-8000'
    and '13800138000' are the same number."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone or ""))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 11:
            return digits[len(prefix) :]
    return digits


def pinyin_key(name: str) -> str:
    """'huaqiangjixie hqjx' for 华强机械: the full pinyin and the initials, so a search for
    either finds the name. Empty for a name without Chinese characters."""
    if not re.search(r"[\u4e00-\u9fff]", name or ""):
        return ""
    full = "".join(lazy_pinyin(name, errors="ignore")).lower()
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()
    return f"{full} {initials}"
