"""From quotation to approved contract (S2, S3), in Chromium against a real `salesdept demo` server.

A salesperson whose language is 中文 drafts a quotation on /sales/quotations/new/, sends it and
records the customer's acceptance, converts it into a contract, adds the payment milestone and
the delivery, and submits it for review (合同评审). The team's sales manager signs in, finds it
among the documents waiting for their review on the dashboard and approves it in 中文.
Customer and product are created through a `salesdept manage shell` in the demo's data folder
first. Screenshots at desktop (1366×900) and phone (390×844) width go to screenshots/."""

import datetime
import json
import re
import secrets
import subprocess

import pytest

from .conftest import DESKTOP, PHONE, command_env, salesdept_command

pytestmark = pytest.mark.browser

PASSWORD = "demo1234"
SALESPERSON = "sales6"  # team north; the platform and crm browser tests leave them alone
MANAGER = "manager3"  # north's manager

SETUP = """
import json
from decimal import Decimal
from salesdept.accounts.models import User
from salesdept.catalog.models import Category, Product
from salesdept.crm.services.customers import customer_create

for name in ({salesperson!r}, {manager!r}):
    u = User.objects.get(username=name)
    u.language = "zh-hans"
    u.save(update_fields=["language"])
user = User.objects.get(username={salesperson!r})
data = {{"name": {customer!r}, "tier": "A", "region": "north-bj"}}
customer = customer_create(by=user, data=data, allow_duplicate=True)
names = {{"name": "数控机床", "name_en": "CNC machines"}}
category, _ = Category.objects.get_or_create(code="E2E", defaults=names)
product = Product.objects.create(
    code={code!r}, name={product!r}, name_en="Five-axis machining centre", category=category, uom="台",
    list_price=Decimal("68000.00"), floor_price=Decimal("60000.00"), tax_rate=Decimal("13"),
)
print(json.dumps({{"customer_id": customer.pk, "product_id": product.pk}}))
"""


@pytest.fixture
def deal(demo_server):
    tag = secrets.token_hex(3)
    names = {
        "customer": f"北京精工机械{tag}有限公司",
        "product": f"五轴加工中心{tag}",
        "code": f"E2E-{tag}",
    }
    script = SETUP.format(salesperson=SALESPERSON, manager=MANAGER, **names)
    result = subprocess.run(
        [*salesdept_command(), "manage", "shell", "-c", script],
        env=command_env(demo_server.home),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return {**names, **json.loads(result.stdout.strip().splitlines()[-1])}


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form:has(#id_password) button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))


def assert_fits_width(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


def test_quotation_to_contract_approved_by_the_manager_in_chinese(new_page, shoot, deal):
    today = datetime.date.today()

    # the salesperson drafts the quotation
    page = new_page(DESKTOP)
    sign_in(page, SALESPERSON)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.goto(f"/sales/quotations/new/?customer={deal['customer_id']}")
    page.select_option("#id_customer", str(deal["customer_id"]))
    page.fill("#id_valid_until", (today + datetime.timedelta(days=30)).isoformat())
    page.select_option("#id_lines-0-product", str(deal["product_id"]))
    page.fill("#id_lines-0-quantity", "1")
    page.fill("#id_lines-0-discount", "0")
    shoot(page, "sales-quotation-form-zh-desktop")
    page.locator("[data-testid=quotation-form] button[type=submit]").last.click()
    page.locator("[data-testid=quotation-send]").wait_for()
    assert deal["product"] in page.locator("[data-testid=quotation-lines]").inner_text()

    # sent to the customer, who accepts it
    page.locator("[data-testid=quotation-send]").click()
    page.locator("[data-testid=quotation-accept]").click()
    page.locator("[data-testid=quotation-to-contract]").click()
    page.locator("[data-testid=confirm-create]").click()

    # the contract draft: 100 % on signing, one delivery for the whole line
    page.wait_for_url(re.compile(r"/sales/contracts/\d+/edit/$"))
    page.fill("#id_milestones-0-label", "全款")
    page.fill("#id_milestones-0-percent", "100")
    page.select_option("#id_milestones-0-trigger", "signing")
    page.fill("#id_milestones-0-days", "10")
    page.fill("#id_deliveries-0-line", "1")
    page.fill("#id_deliveries-0-planned_on", (today + datetime.timedelta(days=20)).isoformat())
    page.fill("#id_deliveries-0-quantity", "1")
    shoot(page, "sales-contract-form-zh-desktop")
    page.locator("[data-testid=contract-save]").click()
    page.wait_for_url(re.compile(r"/sales/contracts/\d+/$"))
    number = page.locator("[data-testid=contract-number]").inner_text()
    assert deal["product"] in page.locator("[data-testid=contract-lines]").inner_text()
    page.locator("[data-action=submit]").click()
    page.locator(".status-badge[data-status=submitted]").first.wait_for()
    assert "销售经理" in page.locator("[data-testid=review-route]").inner_text()
    shoot(page, "sales-contract-submitted-zh-desktop")
    url = page.url

    phone = new_page(PHONE)
    sign_in(phone, SALESPERSON)
    phone.goto(url)
    phone.locator("[data-testid=contract-number]").wait_for()
    assert_fits_width(phone)
    shoot(phone, "sales-contract-submitted-zh-phone")

    # the manager finds it waiting on the dashboard and approves it in 中文
    manager = new_page(DESKTOP)
    sign_in(manager, MANAGER)
    waiting = manager.locator(f"[data-testid=waiting] [data-testid=doc-row][data-number='{number}']")
    waiting.wait_for()
    shoot(manager, "sales-dashboard-waiting-zh-desktop")
    waiting.locator("a").first.click()
    manager.locator("[data-testid=contract-actions] [data-action=approve]").wait_for()
    manager.fill(
        "[data-testid=contract-actions] form:has([data-action=approve]) input[name=note]", "价格合理，同意"
    )
    manager.locator("[data-testid=contract-actions] [data-action=approve]").click()
    manager.locator(".status-badge[data-status=approved]").first.wait_for()
    history = manager.locator("[data-testid=document-history]").inner_text()
    assert "价格合理，同意" in history
    shoot(manager, "sales-contract-approved-zh-desktop")

    manager_phone = new_page(PHONE)
    sign_in(manager_phone, MANAGER)
    manager_phone.goto(manager.url)
    manager_phone.locator(".status-badge[data-status=approved]").first.wait_for()
    assert_fits_width(manager_phone)
    shoot(manager_phone, "sales-contract-approved-zh-phone")

    # the preparer sees no approve button on their own contract
    page.goto(url)
    assert page.locator("[data-testid=contract-actions] [data-action=approve]").count() == 0
