"""The history import page 导入历史销售 in Chromium against a real `salesdept demo` server: the
director uploads a small CSV (Chinese column titles) with one bad row — every bad row is listed
with its row, column and reason, and nothing is written; then the corrected file: "Check only"
says what would be written, "Import" writes it and says what was written, and importing the same
file again adds nothing. The pages in English too; at phone width none scrolls sideways.
Screenshots (desktop 1366×900 and phone 390×844): screenshots/history-import-*.png.

"Nothing written" is read from the importer's own answers: after the refused file, the check of
the corrected one still finds no line imported before and the customer, product and category
new (the refused rows wrote none of them); after the import, a second import finds every line
imported before. The file's orders are of 2019 and tagged per run (new names, nothing the other
browser tests count)."""

import csv
import io
import secrets

import pytest

from .conftest import DESKTOP, PHONE
from .test_achievement_browser import open_as_director
from .test_platform_browser import assert_fits_width

pytestmark = pytest.mark.browser

PAGE = "/stats/history/import/"
HEADER = [
    "订单号", "订单日期", "发货日期", "客户名称", "区域", "业务员", "产品名称", "产品类别", "数量", "单价",
]  # fmt: skip


def history_csv(tag: str, *, bad: bool) -> bytes:
    """Three order lines of two orders for a new customer, product and category; `bad`: the
    second line's quantity is 0 (spreadsheet row 3)."""
    rows = [
        [f"HB-{tag}-1", "2019-03-05", "2019-03-08", f"浏览器测试客户{tag}", "east-sh", "sales1",
         f"浏览器测试产品{tag}", f"测试类别{tag}", "2", "150.00"],
        [f"HB-{tag}-1", "2019-03-05", "", f"浏览器测试客户{tag}", "east-sh", "sales1",
         f"浏览器测试产品{tag}", f"测试类别{tag}", "0" if bad else "1", "150.00"],
        [f"HB-{tag}-2", "2019-04-10", "", f"浏览器测试客户{tag}", "east-sh", "sales1",
         f"浏览器测试产品{tag}", f"测试类别{tag}", "3", "80.00"],
    ]  # fmt: skip
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def open_import_page(page, language: str) -> None:
    open_as_director(page, PAGE, language)
    page.locator("[data-testid=history-import-form]").wait_for()


def upload(page, path, action: str) -> None:
    """Choose `path` and press "Check only" (check) or "Import" (import); wait for the result."""
    page.set_input_files("#id_file", str(path))
    page.locator(f"[data-testid=history-{action}]").click()
    page.locator("[data-testid=history-summary]").wait_for()


def refused(page, path, action: str, *, reason: str) -> None:
    """Upload the file with the bad row 3: refused, that row listed with the column as the file
    names it (数量) and the reason in the page's language."""
    upload(page, path, action)
    page.locator("[data-testid=history-refused]").wait_for()
    listed = page.locator("[data-testid=history-error]")
    assert listed.count() == 1
    assert listed.first.get_attribute("data-row") == "3"
    cells = [c.strip() for c in listed.first.locator("td").all_inner_texts()]
    assert cells == ["3", "数量", reason], cells


def upload_another(page, path, action: str) -> None:
    """From a result page back to the form ("Upload another file"), then upload."""
    page.locator("[data-testid=history-again]").click()
    page.locator("[data-testid=history-import-form]").wait_for()
    upload(page, path, action)


def shoot_desktop_and_phone(page, shoot, name: str) -> None:
    """Screenshots at both widths (the phone's must not scroll sideways); back to desktop."""
    shoot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    assert_fits_width(page)
    shoot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def count(page, name: str) -> int:
    return int(page.locator(f"[data-testid=count-{name}]").inner_text().strip())


def test_director_imports_history_bad_file_refused_good_file_once(new_page, shoot, demo_server, tmp_path):
    log_before = len(demo_server.output())
    errors = []
    tag = secrets.token_hex(3)
    bad_file = tmp_path / "history-bad.csv"
    bad_file.write_bytes(history_csv(tag, bad=True))
    good_file = tmp_path / "history.csv"
    good_file.write_bytes(history_csv(tag, bad=False))

    # given the director, whose browser asks for Chinese, on the import page
    page = new_page(DESKTOP, locale="zh-CN")
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_import_page(page, "zh")
    assert page.locator("h1").inner_text().strip() == "导入历史销售"
    shoot_desktop_and_phone(page, shoot, "history-import-zh")

    # when they import a file with one bad row
    # then the file is refused and the bad row listed (row, column, reason)
    refused(page, bad_file, "import", reason="数量必须大于 0。")
    assert (count(page, "total"), count(page, "bad")) == (3, 1)
    assert page.locator("[data-testid=count-lines]").count() == 0
    shoot_desktop_and_phone(page, shoot, "history-import-errors-zh")

    # when they check the corrected file
    upload_another(page, good_file, "check")

    # then it says what an import would write: every line, and the customer, product and
    # category still new (the refused file wrote nothing); nothing is written yet
    page.locator("[data-testid=history-checked]").wait_for()
    assert (count(page, "lines"), count(page, "orders"), count(page, "bad")) == (3, 2, 0)
    assert count(page, "already") == 0
    assert (count(page, "customers"), count(page, "products"), count(page, "categories")) == (1, 1, 1)
    shoot(page, "history-import-checked-zh-desktop")

    # when they press Import on the result (no second upload)
    page.locator("[data-testid=history-import-checked]").click()

    # then the lines, orders and new master data are written and said
    page.locator("[data-testid=history-done]").wait_for()
    assert (count(page, "lines"), count(page, "orders")) == (3, 2)
    assert (count(page, "customers"), count(page, "products"), count(page, "categories")) == (1, 1, 1)
    shoot_desktop_and_phone(page, shoot, "history-import-done-zh")

    # when they import the same file again
    upload_another(page, good_file, "import")

    # then every line was imported before and nothing new is added
    page.locator("[data-testid=history-nothing-new]").wait_for()
    assert (count(page, "already"), count(page, "lines"), count(page, "customers")) == (3, 0, 0)
    shoot(page, "history-import-again-zh-desktop")

    assert not errors, errors
    log = demo_server.output()[log_before:]
    assert "Traceback" not in log, log[-3000:]


def test_history_import_in_english_at_desktop_and_phone_width(new_page, shoot, tmp_path):
    bad_file = tmp_path / "history-bad.csv"
    bad_file.write_bytes(history_csv(secrets.token_hex(3), bad=True))
    page = new_page(DESKTOP, locale="en-US")
    open_import_page(page, "en")
    assert page.locator("h1").inner_text().strip() == "Import sales history"
    shoot_desktop_and_phone(page, shoot, "history-import-en")
    refused(page, bad_file, "check", reason="The quantity must be more than 0.")
    shoot_desktop_and_phone(page, shoot, "history-import-errors-en")
