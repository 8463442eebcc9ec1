"""A tour of the sales and catalog pages (S1–S5, price policy, audit signals) in Chromium against a
real `salesdept demo` server, as the director and as a salesperson (sales1), each in 中文 and in
English, at desktop (1366×900) and phone (390×844) width.

The demo company already holds products, inquiries, quotations, contracts and orders; the first
record each person may see is looked up through a `salesdept manage shell` in the demo's data
folder. Every page must answer 200 without JS console errors, show its main table or an empty
state, and fit the phone's width (wide tables scroll inside `.table-responsive`).
Screenshots: screenshots/tour-sales-<persona>-<page>-<lang>-<width>.png."""

import json
import re
import subprocess

import pytest

from .conftest import DESKTOP, OVERFLOW, PHONE, command_env, salesdept_command

pytestmark = pytest.mark.browser

PASSWORD = "demo1234"

LOOKUP = """
import json
from salesdept.accounts.models import User
from salesdept.accounts.scope import visible
from salesdept.catalog.models import PriceList, Product
from salesdept.sales.models import Contract, Inquiry, Quotation, SalesOrder

out = {}
for name in ("director", "sales1"):
    user = User.objects.get(username=name)
    ids = {}
    for key, model in (
        ("product", Product), ("price_list", PriceList), ("inquiry", Inquiry),
        ("quotation", Quotation), ("contract", Contract), ("order", SalesOrder),
    ):
        row = visible(model.objects, user).order_by("-pk").first()
        ids[key] = row.pk if row else None
    out[name] = ids
print(json.dumps(out))
"""

# (key, url template, who may open it: d = director, s = salesperson)
PAGES = [
    ("product-list", "/catalog/products/", "ds"),
    ("product-detail", "/catalog/products/{product}/", "ds"),
    ("price-list-list", "/catalog/price-lists/", "ds"),
    ("price-list-detail", "/catalog/price-lists/{price_list}/", "ds"),
    ("discount-authority", "/catalog/discount-authority/", "ds"),
    ("price-approval-list", "/catalog/price-approvals/", "ds"),
    ("inquiry-list", "/sales/inquiries/", "ds"),
    ("inquiry-detail", "/sales/inquiries/{inquiry}/", "ds"),
    ("quotation-list", "/sales/quotations/", "ds"),
    ("quotation-detail", "/sales/quotations/{quotation}/", "ds"),
    ("quotation-form", "/sales/quotations/new/", "ds"),
    ("contract-list", "/sales/contracts/", "ds"),
    ("contract-detail", "/sales/contracts/{contract}/", "ds"),
    ("contract-form", "/sales/contracts/new/", "ds"),
    ("order-list", "/sales/orders/", "ds"),
    ("order-detail", "/sales/orders/{order}/", "ds"),
    ("fulfillment-list", "/sales/fulfillment/", "ds"),
    ("fulfillment-detail", "/sales/fulfillment/{contract}/", "ds"),
    ("fulfillment-statistics", "/sales/fulfillment/statistics/", "ds"),
    ("signal-list", "/audit/signals/", "d"),
    ("plan-list", "/planning/plans/", "ds"),
    ("plan-form", "/planning/plans/new/", "d"),
    ("stats-report", "/stats/sales/", "ds"),
    ("stats-report-quarter", "/stats/sales/?period=quarter&dimension=salesperson", "ds"),
]
FORMS = {"quotation-form", "contract-form", "plan-form"}


@pytest.fixture(scope="module")
def records(demo_server):
    result = subprocess.run(
        [*salesdept_command(), "manage", "shell", "-c", LOOKUP],
        env=command_env(demo_server.home),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form:has(#id_password) button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))


def choose_language(page, language: str) -> None:
    """Press English / 简体中文 in the navbar (remembered on the user's record)."""
    page.locator(f"[data-testid=language-switch] button[value={language}]").first.click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language


def tour(page, shoot, who: str, persona: str, lang: str, ids: dict, errors: list) -> list[str]:
    problems: list[str] = []
    short = "zh" if lang == "zh-hans" else "en"
    for key, template, allowed in PAGES:
        if who not in allowed:
            continue
        try:
            url = template.format(**ids)
        except KeyError:
            continue
        if "None" in url:
            problems.append(f"{key}: no record for {persona}")
            continue
        for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            errors.clear()
            page.set_viewport_size(viewport)
            response = page.goto(url)
            status = response and response.status
            if status != 200:
                problems.append(f"{key} {url} {width_name}: status {status}")
                break
            page.wait_for_load_state("networkidle")
            if page.locator("html").get_attribute("lang") != lang:
                problems.append(f"{key}: page language is not {lang}")
            if key not in FORMS and not page.locator("main table, [data-testid=empty-state]").count():
                problems.append(f"{key} {width_name}: neither a table nor an empty state")
            if errors:
                problems.append(f"{key} {width_name}: console errors {errors[:3]}")
            if width_name == "phone":
                overflow = page.evaluate(OVERFLOW)
                if overflow:
                    problems.append(
                        f"{key} {url}: {overflow['over']}px wider than a phone: {overflow['worst']}"
                    )
            shoot(page, f"tour-sales-{persona}-{key}-{short}-{width_name}")
    return problems


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
@pytest.mark.parametrize(("who", "username"), [("d", "director"), ("s", "sales1")])
def test_every_sales_page_renders_and_fits_a_phone(
    new_page, shoot, demo_server, records, who, username, lang
):
    # given the person signed in, in the language they chose
    log_before = len(demo_server.output())
    page = new_page(DESKTOP)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, username)
    choose_language(page, lang)

    # when they open every sales and catalog page they may use, at desktop and phone width
    problems = tour(page, shoot, who, username, lang, records[username], errors)

    # then every page rendered without script errors, showed its table and fitted the phone
    assert not problems, "\n".join(problems)
    # and the server logged no error while they did
    log = demo_server.output()[log_before:]
    assert "Traceback" not in log, log[-3000:]
