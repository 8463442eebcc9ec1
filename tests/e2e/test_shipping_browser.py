"""Order to cash in Chromium against a real `salesdept demo` server (F1, S5).

The back-office clerk (何静, 中文) opens a confirmed contract order the demo left open, chooses
发货 (Ship), takes the stock from the Shanghai warehouse (the locations are suggested), saves
the shipment and submits it for review. Finance (林娜, 中文) — a second person (双人复核) — opens
it and approves it: the stock leaves. The contract fulfillment overview 合同履行一览表 then shows
the line shipped. The clerk cannot approve her own shipment: the button is not offered.
Screenshots at desktop and phone width go to screenshots/."""

import json
import re
import subprocess

import pytest

from .conftest import DESKTOP, PHONE, command_env, salesdept_command

pytestmark = pytest.mark.browser

PASSWORD = "demo1234"
CLERK, APPROVER = "clerk", "finance"

LOOKUP = """
import json
from salesdept.accounts.models import User
from salesdept.sales.models import SalesOrder
from salesdept.shipping.models import Shipment
from salesdept.warehouse.models import Warehouse

for name in ({clerk!r}, {approver!r}):
    u = User.objects.get(username=name)
    u.language = "zh-hans"
    u.save(update_fields=["language"])
order = (
    SalesOrder.objects.filter(status="confirmed", contract__isnull=False, lines__shipped_quantity=0)
    .exclude(pk__in=Shipment.objects.values("order_id"))
    .exclude(lines__product__kind__in=["service", "unit"])
    .order_by("-pk")
    .first()
)
line = order.lines.order_by("position").first()
# what this order will have shipped of the contract line (its lines of it, all open)
ordered = sum(x.quantity for x in order.lines.filter(contract_line=line.contract_line_id))
print(json.dumps({{
    "order": order.pk, "contract": order.contract_id, "line": line.contract_line_id,
    "shipped": format(ordered.normalize(), "f"), "warehouse": Warehouse.objects.get(code="SH").pk,
}}))
"""


@pytest.fixture
def open_order(demo_server):
    result = subprocess.run(
        [*salesdept_command(), "manage", "shell", "-c", LOOKUP.format(clerk=CLERK, approver=APPROVER)],
        env=command_env(demo_server.home),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form:has(#id_password) button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))


def assert_fits_width(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


def test_clerk_ships_in_chinese_a_second_person_approves_the_overview_shows_it(new_page, shoot, open_order):
    page = new_page(DESKTOP)
    page.on("dialog", lambda dialog: dialog.accept())  # "approve? the stock leaves" — yes
    sign_in(page, CLERK)
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    # the order page offers 发货 (Ship)
    page.goto(f"/sales/orders/{open_order['order']}/")
    ship = page.locator("[data-testid=ship-order]")
    assert ship.inner_text().strip() == "发货"
    ship.click()
    page.wait_for_url(re.compile(r"/shipping/shipments/new/\?order=\d+"))
    page.select_option("#pick-warehouse", str(open_order["warehouse"]))
    page.locator("[data-testid=warehouse-switch] button[type=submit]").click()
    page.locator("[data-testid=shipment-form]").wait_for()
    shoot(page, "shipping-form-zh-desktop")
    page.locator("[data-testid=shipment-form] button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/shipping/shipments/\d+/$"))
    number = page.locator("[data-testid=shipment-number]").inner_text()
    url = page.url

    # submitted: the stock is reserved; the preparer is not offered the approval
    page.locator("[data-action=submit]").click()
    page.locator(".status-badge[data-status=submitted]").first.wait_for(timeout=60_000)
    assert page.locator("[data-action=approve]").count() == 0
    shoot(page, "shipping-submitted-zh-desktop")

    phone = new_page(PHONE)
    sign_in(phone, CLERK)
    phone.goto(url)
    phone.locator("[data-testid=shipment-number]").wait_for()
    assert_fits_width(phone)
    shoot(phone, "shipping-submitted-zh-phone")

    # finance approves it in 中文: the stock leaves
    approver = new_page(DESKTOP)
    approver.on("dialog", lambda dialog: dialog.accept())
    sign_in(approver, APPROVER)
    approver.goto(url)
    assert approver.locator("[data-testid=shipment-number]").inner_text() == number
    approver.locator("[data-action=approve]").click()
    confirm = approver.locator("[data-confirm-action=approve]")
    if confirm.count():  # the optional comment box first
        confirm.click()
    # the approval posts the stock issue and the ledger entry: give a loaded machine time
    approver.locator(".status-badge[data-status=shipped]").first.wait_for(timeout=60_000)
    shoot(approver, "shipping-approved-zh-desktop")

    # the contract fulfillment overview 合同履行一览表 shows the line shipped
    approver.goto(f"/sales/fulfillment/{open_order['contract']}/")
    row = approver.locator(f"[data-testid=fulfillment-line][data-line='{open_order['line']}']")
    row.wait_for()
    assert f"{open_order['shipped']} · " in row.inner_text()
    shoot(approver, "shipping-fulfillment-zh-desktop")

    # and the shipments list shows it shipped, at phone width too
    phone.goto("/shipping/shipments/")
    phone.locator(f"[data-testid=shipment-row][data-number='{number}']").wait_for()
    assert_fits_width(phone)
    shoot(phone, "shipping-list-zh-phone")
