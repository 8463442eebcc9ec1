"""Demo sales history 历史销售 (issue 7): last year's sales of the demo company, brought in as a
department adopting salesdept would — a file in the history import's template columns, imported
by the director through stats.history.import_history — so the statistics have a year before to
compare with (同比) and the dashboards a longer trend.

About 320 order lines in 150 orders, deterministic (their own seeded random, so loading again
finds them imported and adds nothing), spread over last year's months with a seasonal profile,
for the demo's own customers (each with its salesperson and region) and products: industrial
customers buy pumps, valves, motors, parts and service; fleet and private car buyers buy cars.
Apartments and shops are not in the history (a unit is sold once, by the demo itself). Every
line shipped (and invoiced) a few days after it was ordered, within last year; cost 62–82 % of
the amount. Needs customers (demo/crm.py) and products (demo/catalog.py) loaded before."""

import calendar
import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import override

from salesdept.catalog.models import Product
from salesdept.core.imports import Row, Table
from salesdept.crm.models import Customer
from salesdept.stats.history import COLUMNS, import_history
from salesdept.stats.models import SalesFact, Source

SEED = "salesdept-demo-history"
ORDERS = 150
PREFIX = "HIS-"  # order numbers HIS-2025-0001 … (the old system's)
CAR_BUYERS = {"个人购车", "出租汽车", "客运", "汽车租赁", "快递配送", "物流运输"}
SKIPPED = {"个人购房"}  # home buyers bought units, not in the history
# Orders per month (Jan … Dec): slow around the Spring Festival, busy before the year ends.
SEASON = [6, 5, 9, 10, 10, 11, 9, 9, 11, 11, 12, 15]
DISCOUNTS = ["", "", "", "5%", "10%"]
CENT = Decimal("0.01")


def _rows(rng: random.Random, year: int, customers: list, products: dict) -> list[dict]:
    """The file's rows: {column key: text}."""
    industrial = [c for c in customers if c.industry not in CAR_BUYERS]
    car_buyers = [c for c in customers if c.industry in CAR_BUYERS]
    rows = []
    for n in range(1, ORDERS + 1):
        month = rng.choices(range(1, 13), weights=SEASON)[0]
        ordered = datetime.date(year, month, rng.randint(1, calendar.monthrange(year, month)[1]))
        shipped = min(ordered + datetime.timedelta(days=rng.randint(2, 15)), datetime.date(year, 12, 31))
        cars = bool(car_buyers) and (not industrial or rng.random() < 0.25)
        customer = rng.choice(car_buyers if cars else industrial)
        if cars:
            picks = [(rng.choice(products["car"]), rng.choice([1, 1, 1, 2, 3]))]
        else:
            lines = rng.choices([1, 2, 3, 4], weights=[3, 4, 3, 2])[0]
            picks = [(p, _goods_quantity(rng, p)) for p in rng.sample(products["goods"], lines)]
            if products["service"] and rng.random() < 0.15:
                picks.append((rng.choice(products["service"]), 1))
        for line, (product, quantity) in enumerate(picks, start=1):
            discount = rng.choice(DISCOUNTS)
            gross = product.list_price * quantity
            share = Decimal(1) - (Decimal(discount.rstrip("%")) / 100 if discount else Decimal(0))
            cost = (gross * share * Decimal(rng.randint(62, 82)) / 100).quantize(CENT, ROUND_HALF_UP)
            rows.append(
                {
                    "order": f"{PREFIX}{year}-{n:04d}",
                    "line": str(line),
                    "order_date": ordered.isoformat(),
                    "ship_date": shipped.isoformat(),
                    "customer_code": customer.code,
                    "customer_name": customer.name,
                    "region": customer.region.code,
                    "salesperson": customer.owner.username,
                    "product_code": product.code,
                    "product_name": product.name,
                    "quantity": str(quantity),
                    "unit_price": str(product.list_price),
                    "discount": discount,
                    "cost": str(cost),
                }
            )
    return rows


def _goods_quantity(rng: random.Random, product) -> int:
    """A line worth roughly 2,000–60,000 yuan whatever the product's price."""
    worth = rng.randint(2_000, 60_000)
    return max(1, min(200, int(Decimal(worth) / max(product.list_price, Decimal(1)))))


def history_table(rows: list[dict]) -> Table:
    """The rows as the template's file: its English column titles, then one row per line."""
    with override("en"):
        header = [str(c.label) for c in COLUMNS]
    return Table(
        header=header,
        rows=[Row(number, [row.get(c.key, "") for c in COLUMNS]) for number, row in enumerate(rows, start=2)],
    )


def load(ctx) -> None:
    year = timezone.localdate().year - 1
    if SalesFact.objects.filter(source=Source.HISTORY, number__startswith=f"{PREFIX}{year}-").exists():
        ctx.say("Sales history: last year's sales were imported already.")
        return
    customers = [
        c
        for c in Customer.objects.active()
        .filter(merged_into=None)
        .select_related("owner", "region")
        .order_by("code")
        if c.owner.is_active and "salesperson" in c.owner.role_names and c.industry not in SKIPPED
    ]
    active = Product.objects.filter(is_active=True).exclude(code__startswith="MAT-").order_by("code")
    products = {
        "car": [p for p in active if p.kind == Product.Kind.SERIAL],
        "goods": [p for p in active if p.kind == Product.Kind.GOODS],
        "service": [p for p in active if p.kind == Product.Kind.SERVICE],
    }
    if not customers or len(products["goods"]) < 4 or not products["car"]:
        ctx.say("Sales history: no customers or products, nothing imported.")
        return
    rows = _rows(random.Random(SEED), year, customers, products)
    result = import_history(by=ctx.org.director, table=history_table(rows))
    if result.errors:  # the demo's own data: a bug, never a user's mistake
        raise RuntimeError(f"demo sales history refused: {[e.as_dict() for e in result.errors[:5]]}")
    ctx.counts["history_lines"] = result.created
    ctx.say(f"Sales history: {result.created} order lines of {year} imported.")
