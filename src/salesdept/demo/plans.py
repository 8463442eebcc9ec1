"""Demo sales plan 销售计划 (P1, issue 7): this year's plan of the demo company — sales amount and
collections by month for the company, each region, each team and each salesperson, and the sales
amount of two product categories — approved, so achievement 达成率 and its charts have something
to measure. The demo's own sales fall partly short of it and partly beat it.

The targets come from the demo's own documents: for each subject, what it ordered (confirmed
sales orders, line amounts) or collected (payments) in each calendar month of the last twelve
months, half of it kept month by month and half spread evenly (so a quiet month still has a
target), times a factor between 0.85 and 1.25 fixed per subject (FACTORS: below 1 the subject
beats its plan, above 1 it falls short), rounded to 100 yuan. Deterministic: no randomness.

Through the services, as people would: manager1 drafts the plan with the East team's lines,
manager2 and manager3 add their teams' lines, the director adds the company's, regions' and
categories' lines before it is submitted (his edit of a draft does not bar him from reviewing),
manager1 submits it and the director approves it (双人复核: never the preparer). Needs the
organisation, customers, products, orders (demo/sales_contracts.py) and payments
(demo/fulfillment.py) loaded before; does nothing when the year has a plan already."""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from salesdept.billing.models import Payment
from salesdept.catalog.models import Category
from salesdept.planning import services
from salesdept.planning.models import Plan
from salesdept.sales.models import OrderStatus, SalesOrderLine

HUNDRED = Decimal(100)
HALF = Decimal("0.5")
# Plan factor per subject and measure (target ÷ last twelve months); < 1 beats the plan.
FACTORS = {
    ("company", None, "amount"): "1.02",
    ("company", None, "collections"): "1.05",
    ("region", "east", "amount"): "0.95",
    ("region", "south", "amount"): "1.06",
    ("region", "north", "amount"): "1.15",
    ("region", "east", "collections"): "1.10",
    ("region", "south", "collections"): "0.92",
    ("region", "north", "collections"): "1.00",
    ("team", "east", "amount"): "0.95",
    ("team", "south", "amount"): "1.06",
    ("team", "north", "amount"): "1.15",
    ("team", "east", "collections"): "1.10",
    ("team", "south", "collections"): "0.92",
    ("team", "north", "collections"): "1.00",
    ("category", "MFG", "amount"): "0.88",
    ("category", "CAR", "amount"): "1.18",
}
# Salespeople in username order: amount, collections.
PERSON_FACTORS = [
    ("0.85", "1.00"),
    ("1.20", "0.88"),
    ("0.95", "1.20"),
    ("1.10", "0.95"),
    ("1.25", "1.10"),
    ("0.90", "0.90"),
]
CATEGORIES = ("MFG", "CAR")  # top-level categories: their achievement counts their sub-categories
TEAM_MANAGERS = {"east": "manager1", "south": "manager2", "north": "manager3"}


def _top(region):
    while region.parent_id is not None:
        region = region.parent
    return region


def _monthly(today: datetime.date) -> dict:
    """{(level, key, measure): [12 Decimals]}: what each subject ordered and collected in each
    calendar month of the twelve months before `today` (the current month's days this year and
    last year's rest of it)."""
    since = today - datetime.timedelta(days=365)
    sums: dict = defaultdict(lambda: [Decimal(0)] * 12)
    regions: dict = {}

    def add(measure, day, amount, owner, region, category=None):
        top = regions.setdefault(region.pk, _top(region)) if region is not None else None
        keys = [("company", None), ("salesperson", owner.username)]
        if owner.team is not None:
            keys.append(("team", owner.team.code))
        if top is not None:
            keys.append(("region", top.code))
        if category is not None:
            keys.append(("category", category))
        for level, key in keys:
            sums[(level, key, measure)][day.month - 1] += amount

    parents = {c.pk: c for c in Category.objects.all()}

    def root(category_id):
        category = parents.get(category_id)
        while category is not None and category.parent_id is not None:
            category = parents[category.parent_id]
        return category.code if category is not None else None

    lines = SalesOrderLine.objects.filter(
        order__status=OrderStatus.CONFIRMED, order__ordered_on__gte=since, order__ordered_on__lt=today
    ).select_related("order__owner__team", "order__customer__region__parent__parent", "product")
    for line in lines:
        order = line.order
        category = root(line.product.category_id)
        add("amount", order.ordered_on, line.amount, order.owner, order.customer.region, category)
    payments = Payment.objects.filter(received_on__gte=since, received_on__lt=today).select_related(
        "customer__owner__team", "customer__region__parent__parent"
    )
    for payment in payments:
        customer = payment.customer
        add("collections", payment.received_on, payment.amount, customer.owner, customer.region)
    return sums


def _months(base: list[Decimal], factor: str) -> list[str]:
    """Half of each month's figure, half of the monthly mean, times `factor`, to 100 yuan."""
    mean = sum(base, Decimal(0)) / 12
    out = []
    for value in base:
        target = (value * HALF + mean * HALF) * Decimal(factor) / HUNDRED
        out.append(str(target.quantize(Decimal(1), ROUND_HALF_UP) * HUNDRED))
    return out


def _targets(org, sums: dict) -> dict[str, list[dict]]:
    """Target lines by who writes them: a team code (its manager) or "director"."""
    out: dict[str, list[dict]] = defaultdict(list)

    def line(owner, level, subject, key, measure, factor):
        base = sums.get((level, key, measure))
        if base is None or not any(base):
            return
        row = {"level": level, "measure": measure, "months": _months(base, factor)}
        if subject is not None:
            row["subject"] = subject.pk
        out[owner].append(row)

    for measure in ("amount", "collections"):
        line("director", "company", None, None, measure, FACTORS[("company", None, measure)])
        for code in ("east", "south", "north"):
            line("director", "region", org.regions[code], code, measure, FACTORS[("region", code, measure)])
    for code in CATEGORIES:
        category = Category.objects.filter(code=code).first()
        if category is not None:
            line("director", "category", category, code, "amount", FACTORS[("category", code, "amount")])
    for code in TEAM_MANAGERS:
        team = org.teams[code]
        for measure in ("amount", "collections"):
            line(code, "team", team, code, measure, FACTORS[("team", code, measure)])
    people = sorted(
        (u for u in org.people.values() if "salesperson" in u.role_names and u.team_id),
        key=lambda u: u.username,
    )
    for n, person in enumerate(people):
        factors = PERSON_FACTORS[n % len(PERSON_FACTORS)]
        team = person.team.code
        for measure, factor in zip(("amount", "collections"), factors, strict=True):
            line(team, "salesperson", person, person.username, measure, factor)
    return out


def load(ctx) -> None:
    today = timezone.localdate()
    year = today.year
    if Plan.objects.filter(calendar_year=year).exists():
        ctx.say(f"Sales plan: {year} has a plan already.")
        return
    org = ctx.org
    by_writer = _targets(org, _monthly(today))
    if not by_writer:
        ctx.say("Sales plan: no orders or payments to plan from.")
        return
    managers = {code: getattr(org, username) for code, username in TEAM_MANAGERS.items()}
    preparer = managers["east"]
    plan = services.plan_create(
        by=preparer,
        year=year,
        title=f"{year} 年度销售计划",
        notes="全年销售额与回款目标，按月分解，部长审核。Sales amount and collections by month.",
        targets=by_writer.get("east", []),
    )
    for code in ("south", "north"):  # each manager adds their team's lines
        if by_writer.get(code):
            services.plan_update_draft(by=managers[code], plan_id=plan.pk, targets=by_writer[code])
    # the director sees every line: his edit gives all of them, adding the company's, regions'
    # and categories'
    every = [t for writer in ("director", "east", "south", "north") for t in by_writer.get(writer, [])]
    services.plan_update_draft(by=org.director, plan_id=plan.pk, targets=every)
    services.plan_submit(by=preparer, plan_id=plan.pk, note="请审核")
    services.plan_approve(by=org.director, plan_id=plan.pk, note="同意")
    ctx.counts["plan_targets"] = len(every)
    ctx.say(f"Sales plan: {plan.number} for {year} with {len(every)} target lines, approved.")
