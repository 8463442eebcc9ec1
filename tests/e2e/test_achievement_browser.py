"""The achievement page 达成率 in Chromium against a real `salesdept demo` server: the director
opens it in 中文, makes it quarterly by region, and reads the traffic lights and the figures (the
rate and the gap agree with the target and the actual shown); the filter's fields line up; at
phone width the page does not scroll sideways (the table scrolls in its own box) and the long
subject title leaves room for the figures. The same page in English. Screenshots (desktop
1366×900 and phone 390×844): screenshots/achievement-*.png."""

import re
from decimal import Decimal

import pytest

from .conftest import DESKTOP, PHONE
from .test_platform_browser import assert_fits_width, sign_in

pytestmark = pytest.mark.browser

PAGE = "/planning/achievement/"
LIGHTS = {
    "zh": {"green": "正常", "amber": "略有落后", "red": "落后"},
    "en": {"green": "On track", "amber": "Slightly behind", "red": "Behind"},
}
BADGES = {"green": "text-bg-success", "amber": "text-bg-warning", "red": "text-bg-danger"}


def number(text: str) -> Decimal:
    return Decimal(text.strip().replace(",", ""))


def open_as_director(page, path: str, language: str) -> None:
    """Sign the director in and open `path`, in the browser's language ("zh" or "en")."""
    sign_in(page, "director")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(path)
    assert page.locator("html").get_attribute("lang") == ("zh-hans" if language == "zh" else "en")


def open_achievement(page, language: str) -> None:
    open_as_director(page, PAGE, language)
    page.locator("[data-testid=achievement-table]").wait_for()


def choose_quarter_by_region(page) -> None:
    filters = page.locator("[data-testid=achievement-filters]")
    filters.locator("select[name=period]").select_option("quarter")
    filters.locator("select[name=level]").select_option("region")
    filters.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"period=quarter"))
    assert "level=region" in page.url
    page.locator("[data-testid=achievement-table]").wait_for()


def assert_rows_read_right(page, language: str) -> int:
    """Every row a region's, its badge the colour and word of its light, its rate and gap those
    of its target and actual; the number of rows."""
    rows = page.locator("[data-testid=achievement-row]")
    assert rows.count() >= 3, rows.count()
    for i in range(rows.count()):
        row = rows.nth(i)
        assert row.get_attribute("data-level") == "region"
        light = row.get_attribute("data-light")
        badge = row.locator("[data-testid=light]")
        assert BADGES[light] in badge.get_attribute("class")
        assert badge.inner_text().replace("●", "").strip() == LIGHTS[language][light]
        target = number(row.locator("[data-testid=target]").inner_text())
        actual = number(row.locator("[data-testid=actual]").inner_text())
        gap = number(row.locator("[data-testid=gap]").inner_text())
        assert gap == max(target - actual, Decimal(0)), (target, actual, gap)
        ratio = row.locator("[data-testid=ratio]").inner_text().strip()
        if target:
            shown = Decimal(ratio.rstrip("%"))
            assert abs(shown - actual / target * 100) <= Decimal("0.05"), (target, actual, ratio)
        else:
            assert ratio == "—"
    return rows.count()


def assert_filters_line_up(page) -> None:
    """The filter's inputs stand on one line at desktop width (a help text pushes none of them)."""
    filters = page.locator("[data-testid=achievement-filters]")
    tops = [
        round(filters.locator(f"[name={name}]").bounding_box()["y"])
        for name in ("year", "period", "index", "level", "measure")
    ]
    button = round(filters.locator("button[type=submit]").bounding_box()["y"])
    assert max(tops) - min(tops) <= 1, tops
    assert abs(button - tops[0]) <= 2, (button, tops)


def assert_subject_column_leaves_room(page) -> None:
    """At phone width the subject's long title wraps: its column leaves room for the figures."""
    width = page.locator("[data-testid=achievement-table] thead th").first.bounding_box()["width"]
    assert width <= PHONE["width"] / 3, f"the subject column is {width}px wide on a phone"


def test_director_reads_the_achievement_by_region_in_chinese_and_on_a_phone(new_page, shoot, demo_server):
    log_before = len(demo_server.output())
    errors = []
    # given the director, whose browser asks for Chinese, on the achievement page
    page = new_page(DESKTOP, locale="zh-CN")
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_achievement(page, "zh")
    assert page.locator("h1").inner_text().strip() == "达成率"
    assert_filters_line_up(page)
    # the month's traffic lights are there, each a coloured badge
    assert page.locator("[data-testid=light]").count() >= 3
    shoot(page, "achievement-director-zh-desktop")

    # when they make it quarterly by region
    choose_quarter_by_region(page)

    # then each row is a region with its light, its rate and its gap
    regions = assert_rows_read_right(page, "zh")
    caption = page.locator("[data-testid=achievement-table] caption").inner_text()
    assert "时间进度" in caption, caption
    assert_filters_line_up(page)
    shoot(page, "achievement-quarter-region-zh-desktop")

    # at phone width the page does not scroll sideways; the table scrolls in its own box
    phone = new_page(PHONE, locale="zh-CN")
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    open_achievement(phone, "zh")
    shoot(phone, "achievement-director-zh-phone")
    phone.goto(page.url)
    assert phone.locator("[data-testid=achievement-row]").count() == regions
    assert_fits_width(phone)
    assert_subject_column_leaves_room(phone)
    shoot(phone, "achievement-quarter-region-zh-phone")

    assert not errors, errors
    log = demo_server.output()[log_before:]
    assert "Traceback" not in log, log[-3000:]


def test_achievement_in_english_at_desktop_and_phone_width(new_page, shoot):
    for viewport, width in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = new_page(viewport, locale="en-US")
        open_achievement(page, "en")
        assert page.locator("h1").inner_text().strip() == "Achievement"
        assert_fits_width(page)
        shoot(page, f"achievement-director-en-{width}")
        choose_quarter_by_region(page)
        assert_rows_read_right(page, "en")
        if viewport is DESKTOP:
            assert_filters_line_up(page)
        else:
            assert_subject_column_leaves_room(page)
        assert_fits_width(page)
        shoot(page, f"achievement-quarter-region-en-{width}")
