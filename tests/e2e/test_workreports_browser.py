"""Work reports (P5) in Chromium against a real `salesdept demo` server: a salesperson writes
today's daily report with the keyboard only, the page asks before submitting (dismissing keeps
the draft), and the team lead's team view then shows the report submitted while the colleague
has not. Screenshots go to screenshots/."""

import re

import pytest

from .conftest import DESKTOP, PHONE
from .test_platform_browser import sign_in

pytestmark = pytest.mark.browser


def test_write_submit_and_see_it_in_the_team_view(new_page, shoot):
    # given sales1 on "My reports"
    page = new_page(DESKTOP, locale="en-US")
    sign_in(page, "sales1")
    page.goto("/work-reports/")
    page.locator("[data-testid=write-daily]").click()

    # when they write the report with the keyboard: the first text area has the focus
    page.locator("[data-testid=report-form]").wait_for()
    page.locator("[data-testid=report-figures] [data-figure=visits]").wait_for()
    assert page.evaluate("document.activeElement.name") == "done"
    page.keyboard.type("Visited two customers")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "plan"
    page.locator("[data-testid=save-report]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/work-reports/\d+/$"))
    assert "Visited two customers" in page.locator("[data-testid=report-text]").inner_text()
    shoot(page, "workreport-draft-desktop")

    # then submitting asks first; dismissing keeps the draft
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("[data-action=submit]").click()
    assert page.locator(".status-badge").first.get_attribute("data-status") == "draft"
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-action=submit]").click()
    page.locator(".status-badge[data-status=submitted]").first.wait_for()

    # and the team lead sees who has submitted and who has not
    lead = new_page(DESKTOP, locale="zh-CN")
    sign_in(lead, "manager1")
    lead.goto("/work-reports/team/")
    lead.locator("[data-testid=team-table]").wait_for()
    assert lead.locator("[data-user=sales1]").get_attribute("data-submitted") == "yes"
    assert lead.locator("[data-user=sales2]").get_attribute("data-submitted") == "no"
    shoot(lead, "workreport-team-zh-desktop")
    phone = new_page(PHONE, locale="zh-CN")
    sign_in(phone, "manager1")
    phone.goto("/work-reports/team/")
    phone.locator("[data-testid=team-table]").wait_for()
    assert phone.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1")
    shoot(phone, "workreport-team-zh-phone")
