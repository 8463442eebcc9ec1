"""The text keys behind duplicate checks and search (crm/text.py)."""

import pytest
from pypinyin import Style, lazy_pinyin

from salesdept.crm.text import normalize_name, normalize_phone, pinyin_key

NAMES = [
    "上海华强机械有限公司",
    "重庆长安汽车",
    "长沙行长音乐学校",
    "北京朝阳置业",
    "ACME 中国 Ltd",
    "绿地·海珀",
]


@pytest.mark.parametrize("name", NAMES)
def test_pinyin_key_equals_pypinyin_whole_name_conversion(name):
    full = "".join(lazy_pinyin(name, errors="ignore")).lower()
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()
    assert pinyin_key(name) == f"{full} {initials}"


def test_pinyin_key_of_a_latin_name_is_empty():
    assert pinyin_key("ACME Corp") == ""


def test_pinyin_key_of_a_company_holds_full_pinyin_and_initials():
    assert pinyin_key("华强机械") == "huaqiangjixie hqjx"


@pytest.mark.parametrize(
    "a, b",
    [
        ("上海华强机械有限公司", "上海 华强机械"),
        ("ＡＣＭＥ Co., Ltd.", "acme"),
        ("华强（上海）有限公司", "华强(上海)"),
    ],
)
def test_normalize_name_ignores_legal_form_spacing_and_width(a, b):
    assert normalize_name(a) == normalize_name(b)


def test_normalize_name_keeps_different_companies_apart():
    assert normalize_name("上海华强机械") != normalize_name("上海华强电子")


@pytest.mark.parametrize("raw", ["+86 138-0013-8000", "0086 13800138000", "138 0013 8000", "13800138000"])
def test_normalize_phone_folds_country_code_and_separators(raw):
    assert normalize_phone(raw) == "13800138000"


def test_normalize_phone_keeps_a_landline_area_code():
    assert normalize_phone("021-6234 5678") == "02162345678"


@pytest.mark.parametrize("raw", ["+86 21 6234 5678", "0086-21-62345678", "021-6234 5678", "(021) 62345678"])
def test_normalize_phone_folds_the_country_code_of_a_landline(raw):
    assert normalize_phone(raw) == "02162345678"


def test_normalize_phone_leaves_a_short_local_number_alone():
    assert normalize_phone("8612 3456") == "86123456"
