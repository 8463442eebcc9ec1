"""The warehouse (W1–W6) in Chromium against a real `salesdept demo` server.

1. The keeper, whose language is 中文, creates a receipt (入库) on /warehouse/documents/new/receipt/,
   posts it and opens the stock card (库存卡片) from the document's moves: the card's last line is
   the receipt with the new balance. Desktop and phone width.
2. A tour of every warehouse page — documents, warehouses, stock on hand, card, reconciliation
   (帐、物、卡), stock levels, stock rules, stocktakes, samples, received samples — as the keeper
   and as a salesperson (sales1: warehouses, stock and the samples they hold; the keeper's pages
   answer 403), in 中文 and in English, at desktop (1366×900) and phone (390×844) width: every page
   answers 200 without console errors, shows a table or an empty state and fits the phone.

The demo company's warehouse data come from demo/warehouse.py; when the demo server was started
without it (the loader not yet in LOADERS) the lookup shell loads it. The records each person may
see are looked up through a `salesdept manage shell` in the demo's data folder.
Screenshots: screenshots/warehouse-*.png and
screenshots/tour-warehouse-<persona>-<page>-<lang>-<width>.png."""

import json
import re
import secrets
import subprocess

import pytest

from .conftest import DESKTOP, OVERFLOW, PHONE, command_env, salesdept_command

pytestmark = pytest.mark.browser

PASSWORD = "demo1234"
KEEPER = "keeper"
SALESPERSON = "sales1"

# Loads the warehouse demo when the server's demo does not have it yet, makes a new product for
# the receipt (so its card starts empty) and looks up one record of each page for each person.
LOOKUP = """
import json, random
from decimal import Decimal
from salesdept.accounts.models import User
from salesdept.accounts.scope import visible
from salesdept.catalog.models import Category, Product
from salesdept.demo.load import DemoContext
from salesdept.demo.org import build_org
from salesdept.warehouse.models import (
    Location, ReceivedSample, SampleLoan, Stock, StockDocument, Stocktake, Warehouse,
)

if not Warehouse.objects.exists():
    from django.db import transaction
    from salesdept.demo import warehouse as demo_warehouse

    with transaction.atomic():
        ctx = DemoContext(rng=random.Random(1), org=build_org(password_hash="unused"), say=lambda m: None)
        demo_warehouse.load(ctx)

keeper = User.objects.get(username="keeper")
keeper.language = "zh-hans"
keeper.save(update_fields=["language"])
category = Category.objects.filter(code="MFG-PART").first() or Category.objects.first()
product = Product.objects.create(
    code={code!r}, name={name!r}, name_en="Oil seal (browser test)", category=category, uom="只",
    list_price=Decimal("58.00"), tax_rate=Decimal("13"),
)
warehouse = Warehouse.objects.filter(code="SH").first() or Warehouse.objects.order_by("pk").first()
bin = warehouse.locations.filter(kind="storage").order_by("code").first()
moved = Stock.objects.filter(last_move__isnull=False, quantity__gt=0).order_by("-quantity").first()
differs = None
try:
    from salesdept.warehouse.selectors.reconciliation import reconciliation
    row = reconciliation(user=keeper).first()
    differs = row and (row.product_id, row.location_id)
except Exception:
    differs = None
differs = differs or (moved.product_id, moved.location_id)
out = {{
    "product": product.pk, "product_name": product.name, "warehouse": warehouse.pk, "bin": bin.pk,
    "bin_code": bin.code,
}}
for name in ("keeper", "sales1"):
    user = User.objects.get(username=name)
    ids = {{
        "warehouse": warehouse.pk,
        "card_product": moved.product_id, "card_location": moved.location_id,
        "rec_product": differs[0], "rec_location": differs[1],
    }}
    for key, model in (
        ("document", StockDocument), ("stocktake", Stocktake), ("received", ReceivedSample),
    ):
        row = model.objects.order_by("-pk").first()
        ids[key] = row.pk if row else None
    loan = None
    if user.has_perm("warehouse.view_sampleloan"):
        loan = visible(SampleLoan.objects, user).order_by("-pk").first()
    ids["loan"] = loan.pk if loan else None
    out[name] = ids
print(json.dumps(out))
"""

# (key, url template, who may open it: k = keeper, s = salesperson)
PAGES = [
    ("document-list", "/warehouse/documents/", "k"),
    ("document-detail", "/warehouse/documents/{document}/", "k"),
    ("document-form", "/warehouse/documents/new/receipt/", "k"),
    ("warehouse-list", "/warehouse/warehouses/", "ks"),
    ("warehouse-detail", "/warehouse/warehouses/{warehouse}/", "ks"),
    ("stock-list", "/warehouse/stock/", "ks"),
    ("stock-product", "/warehouse/stock/product/{card_product}/", "ks"),
    ("card", "/warehouse/card/{card_product}/{card_location}/", "k"),
    ("reconciliation", "/warehouse/reconciliation/", "k"),
    ("reconciliation-detail", "/warehouse/reconciliation/{rec_product}/{rec_location}/", "k"),
    ("levels-under-min", "/warehouse/levels/", "k"),
    ("levels-turnover", "/warehouse/levels/turnover/", "k"),
    ("levels-slow", "/warehouse/levels/slow-moving/", "k"),
    ("stockrule-list", "/warehouse/stock-rules/", "k"),
    ("stocktake-list", "/warehouse/stocktakes/", "k"),
    ("stocktake-proposal", "/warehouse/stocktakes/cycle/", "k"),
    ("stocktake-detail", "/warehouse/stocktakes/{stocktake}/", "k"),
    ("stocktake-variance", "/warehouse/stocktakes/{stocktake}/variance/", "k"),
    ("sample-list", "/warehouse/samples/", "ks"),
    ("sample-detail", "/warehouse/samples/{loan}/", "ks"),
    ("received-list", "/warehouse/received-samples/", "k"),
    ("received-detail", "/warehouse/received-samples/{received}/", "k"),
]
FORMS = {"document-form"}
DETAILS = {"sample-detail", "received-detail"}  # a record's fields, no table of lines
# what a salesperson must not open (403): the keeper's documents, card and counts
FORBIDDEN_FOR_SALES = ["document-list", "card", "reconciliation", "stocktake-list", "received-list"]


@pytest.fixture(scope="module")
def records(demo_server):
    tag = secrets.token_hex(3)
    script = LOOKUP.format(code=f"E2E-WH-{tag}", name=f"骨架油封 {tag}")
    result = subprocess.run(
        [*salesdept_command(), "manage", "shell", "-c", script],
        env=command_env(demo_server.home),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
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


def fits_phone(page) -> None:
    overflow = page.evaluate(OVERFLOW)
    assert not overflow, f"{page.url}: {overflow['over']}px wider than a phone: {overflow['worst']}"


def test_keeper_posts_a_receipt_and_sees_the_card_line_in_chinese(new_page, shoot, records):
    quantity = "7"
    # the keeper (language 中文) fills in a receipt: the new product into its bin, inspected
    page = new_page(DESKTOP)
    page.on("dialog", lambda dialog: dialog.accept())  # "post this document?" — yes
    sign_in(page, KEEPER)
    choose_language(page, "zh-hans")
    page.goto(f"/warehouse/documents/new/receipt/?warehouse={records['warehouse']}")
    page.select_option("#id_warehouse", str(records["warehouse"]))
    page.fill("#id_supplier", "上海东方泵业有限公司")
    page.fill("#id_reference", "PO-E2E-001")
    page.select_option("#id_lines-0-product", str(records["product"]))
    page.fill("#id_lines-0-quantity", quantity)
    page.select_option("#id_lines-0-location", str(records["bin"]))
    if page.locator("#id_lines-0-quality").count():
        page.select_option("#id_lines-0-quality", "accepted")
    page.fill("#id_lines-0-unit_cost", "36.50")
    shoot(page, "warehouse-receipt-form-zh-desktop")
    page.locator("[data-testid=document-form] button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/warehouse/documents/\d+/$"))
    number = page.locator("[data-testid=document-number]").inner_text()
    assert records["product_name"] in page.locator("[data-testid=document-lines]").inner_text()

    # posts it (入库): its move appears on the document
    page.locator("[data-testid=document-actions] button[data-action=post]").click()
    page.locator(".status-badge[data-status=posted]").first.wait_for()
    page.locator("[data-testid=document-moves]").wait_for()
    shoot(page, "warehouse-receipt-posted-zh-desktop")

    # opens the stock card from the move: the receipt is the card's line, with the new balance
    page.locator("[data-testid=document-moves] a[href*='/warehouse/card/']").first.click()
    page.wait_for_url(re.compile(r"/warehouse/card/\d+/\d+/$"))
    assert "库存卡片" in page.locator("h1").inner_text()
    rows = page.locator("[data-testid=card-row]")
    assert rows.count() == 1
    line = rows.last.inner_text()
    assert number in line
    cells = [c.strip() for c in rows.last.locator("td").all_inner_texts()]
    assert quantity in cells  # in
    assert cells.count(quantity) >= 2  # in, and the balance after it
    assert page.locator("[data-testid=card-closing]").inner_text().count(quantity) >= 1
    shoot(page, "warehouse-card-zh-desktop")

    phone = new_page(PHONE)
    sign_in(phone, KEEPER)
    phone.goto(page.url)
    phone.locator("[data-testid=card-row]").first.wait_for()
    assert "库存卡片" in phone.locator("h1").inner_text()
    fits_phone(phone)
    shoot(phone, "warehouse-card-zh-phone")


def tour(page, shoot, who: str, persona: str, lang: str, ids: dict, errors: list) -> list[str]:
    problems: list[str] = []
    short = "zh" if lang == "zh-hans" else "en"
    for key, template, allowed in PAGES:
        if who not in allowed:
            continue
        url = template.format(**ids)
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
            if key in DETAILS:
                if not page.locator("main h1").count():
                    problems.append(f"{key} {width_name}: no heading")
            elif key not in FORMS and not page.locator("main table, [data-testid=empty-state]").count():
                problems.append(f"{key} {width_name}: neither a table nor an empty state")
            if errors:
                problems.append(f"{key} {width_name}: console errors {errors[:3]}")
            if width_name == "phone":
                overflow = page.evaluate(OVERFLOW)
                if overflow:
                    problems.append(
                        f"{key} {url}: {overflow['over']}px wider than a phone: {overflow['worst']}"
                    )
            shoot(page, f"tour-warehouse-{persona}-{key}-{short}-{width_name}")
    return problems


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
@pytest.mark.parametrize(("who", "username"), [("k", KEEPER), ("s", SALESPERSON)])
def test_every_warehouse_page_renders_and_fits_a_phone(
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

    # when they open every warehouse page they may use, at desktop and phone width
    problems = tour(page, shoot, who, username, lang, records[username], errors)

    # then every page rendered without script errors, showed its table and fitted the phone
    assert not problems, "\n".join(problems)
    # and the server logged no error while they did
    log = demo_server.output()[log_before:]
    assert "Traceback" not in log, log[-3000:]
    # and a salesperson is refused the keeper's pages (403; Django logs these as warnings)
    if who == "s":
        ids = records[username]
        for key, template, _allowed in PAGES:
            if key in FORBIDDEN_FOR_SALES:
                response = page.goto(template.format(**ids))
                assert response is not None and response.status == 403, key
