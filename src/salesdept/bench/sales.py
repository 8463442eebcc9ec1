"""Bench data and workloads for the sales pipeline (S3–S5).

`seed_sales` (prepare process, Django set up, after crm.seed_crm) writes 100,000 contracts over
the bench customers, signed across the last three years (owner = the customer's salesperson, so
the scope rule sees them as in production), each with 5 lines, 2 payment milestones (30 % on
signing, 70 % after delivery) and a delivery per line for its whole quantity, plus one confirmed
sales order for about 40 % of the signed ones (part of each line). Rows go in straight (COPY on
PostgreSQL, executemany on SQLite: bench.crm._insert), not through the services; the numbers
continue gap-free per year (I8), ordered ≤ contracted (I6) and no contract is left "approved"
without its review log (I10), so `check_invariants` passes afterwards.

The workloads (bench process, no Django) measure over HTTP:
- contract_create_submit_approve: a salesperson creates a 5-line contract, submits it, and the
  manager (plus finance and the director when the amount needs it) approves it — one sample per
  contract, so `per_second` is contracts per second;
- fulfillment_overview: GET /api/v1/fulfillment/{id} of random contracts (target < 50 ms);
- fulfillment_statistics_year: GET /api/v1/fulfillment/statistics?period=month&year=…&dimension=
  region as the director over the full year (target < 1 s).

`SALESDEPT_BENCH_QUICK=1` scales the data down (5,000 contracts)."""

import datetime
import json
import os
import random
import time
from decimal import ROUND_HALF_UP, Decimal

from .http import Client

FULL = {"contracts": 100_000}
QUICK = {"contracts": 5_000}
CHUNK = 5_000
LINES = 5
SALESPERSON = "sales1"
MANAGER = "manager1"  # sales1's team manager
FINANCE = "finance"
DIRECTOR = "director"
SAMPLE_CONTRACTS = 500  # contract ids the overview workload picks from
PRODUCTS = [
    # name, English, unit, list price
    ("数控车床", "CNC lathe", "台", "86000.00"),
    ("立式加工中心", "Vertical machining centre", "台", "268000.00"),
    ("液压泵", "Hydraulic pump", "台", "4200.00"),
    ("齿轮泵", "Gear pump", "台", "1850.00"),
    ("高压阀门", "High-pressure valve", "件", "960.00"),
    ("减速电机", "Geared motor", "台", "3150.00"),
    ("不锈钢管件", "Stainless steel fitting", "件", "45.50"),
    ("控制柜", "Control cabinet", "套", "12800.00"),
    ("伺服驱动器", "Servo drive", "台", "5600.00"),
    ("轴承组件", "Bearing assembly", "套", "780.00"),
    ("输送带", "Conveyor belt", "米", "128.00"),
    ("传感器", "Sensor", "个", "320.00"),
]
TITLES = ["设备采购合同", "年度供货合同", "配件供应合同", "生产线改造合同", "备品备件合同"]
CENT = Decimal("0.01")


def sizes() -> dict:
    return dict(QUICK if os.environ.get("SALESDEPT_BENCH_QUICK") == "1" else FULL)


# ---------------------------------------------------------------------------- seeder (Django)


def _products() -> list:
    from salesdept.catalog.models import Category, Product

    category, _ = Category.objects.get_or_create(
        code="bench-machinery", defaults={"name": "机械设备", "name_en": "Machinery"}
    )
    made = []
    for i, (name, name_en, uom, price) in enumerate(PRODUCTS, start=1):
        product, _ = Product.objects.get_or_create(
            code=f"BENCH-{i:03d}",
            defaults={
                "name": name,
                "name_en": name_en,
                "category": category,
                "uom": uom,
                "list_price": Decimal(price),
                "tax_rate": Decimal("13.00"),
            },
        )
        made.append(product)
    return made


def seed_sales(rng: random.Random) -> dict:
    """The contracts with lines, milestones, deliveries and orders (see the module docstring)."""
    from django.db import transaction
    from django.utils import timezone

    from salesdept.accounts.models import User
    from salesdept.core.models import Sequence
    from salesdept.core.numbering import format_number
    from salesdept.crm.models import Customer
    from salesdept.sales.lines import line_amount
    from salesdept.sales.models import (
        Contract,
        ContractLine,
        DeliverySchedule,
        PaymentMilestone,
        SalesOrder,
        SalesOrderLine,
    )

    from .crm import _insert

    n = sizes()["contracts"]
    started = time.perf_counter()
    products = [(p.pk, p.list_price) for p in _products()]
    customers = list(Customer.objects.filter(is_active=True).values_list("pk", "owner_id"))
    seller = User.objects.get(username=SALESPERSON)
    own_customers = [c for c in customers if c[1] == seller.pk]
    today = timezone.localdate()
    first_day = today.replace(year=today.year - 2, month=1, day=1)
    span = (today - first_day).days
    now = timezone.now()
    counters: dict[tuple[str, int], int] = {}

    def number(prefix: str, year: int) -> str:
        counters[(prefix, year)] = counters.get((prefix, year), 0) + 1
        return format_number(prefix, year, counters[(prefix, year)])

    # the signing dates in order, so the numbers of a year rise with the date
    plans = []
    for _i in range(n):
        roll = rng.random()
        status = (
            "signed" if roll < 0.75 else "archived" if roll < 0.9 else "draft" if roll < 0.95 else "cancelled"
        )
        signed_on = (
            first_day + datetime.timedelta(days=rng.randrange(span + 1))
            if status in ("signed", "archived")
            else None
        )
        plans.append((signed_on or today, status, signed_on))
    plans.sort(key=lambda p: p[0])

    sample_ids: list[int] = []
    years_signed: dict[int, int] = {}
    totals = {"contracts": 0, "lines": 0, "orders": 0, "own": 0}
    for chunk_start in range(0, n, CHUNK):
        chunk = plans[chunk_start : chunk_start + CHUNK]
        rows, children = [], []
        for day, status, signed_on in chunk:
            customer_id, owner_id = (
                rng.choice(own_customers) if rng.random() < 0.01 and own_customers else rng.choice(customers)
            )
            lines = []
            for position in range(1, LINES + 1):
                product_id, price = rng.choice(products)
                quantity = Decimal(rng.randrange(1, 21))
                discount = Decimal(rng.choice([0, 0, 0, 2, 5]))
                unit_price = (price * (100 - discount) / 100).quantize(CENT, ROUND_HALF_UP)
                lines.append(
                    (
                        position,
                        product_id,
                        quantity,
                        price,
                        discount,
                        unit_price,
                        line_amount(quantity, unit_price),
                    )
                )
            total = sum((line[6] for line in lines), Decimal("0"))
            first = (total * Decimal("0.3")).quantize(CENT)
            contract_number = number("CT", day.year)
            if signed_on:
                years_signed[signed_on.year] = years_signed.get(signed_on.year, 0) + 1
            rows.append(
                (
                    contract_number,
                    status,
                    owner_id,
                    rng.choice(TITLES),
                    customer_id,
                    owner_id,
                    total,
                    signed_on,
                    f"HT-{contract_number}" if signed_on else "",
                    now if status == "archived" else None,
                )
            )
            children.append((lines, first, total - first, signed_on, customer_id, owner_id, status))
            totals["own"] += owner_id == seller.pk
        with transaction.atomic():
            before = Contract.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            _insert(
                Contract,
                [
                    "number",
                    "status",
                    "prepared_by_id",
                    "title",
                    "customer_id",
                    "owner_id",
                    "total_amount",
                    "signed_on",
                    "registration_number",
                    "archived_at",
                ],  # fmt: skip
                rows,
                {
                    "review_round": 0,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                    "channel": "direct",
                    "amendment_no": 0,
                    "payment_terms": "30% 签约后付款，70% 交货后30天内付款",
                    "delivery_terms": "",
                    "notes": "",
                    "language": "zh-hans",
                    "signed_copy": "",
                },  # fmt: skip
            )
            contract_ids = list(
                Contract.objects.filter(pk__gt=before).order_by("pk").values_list("pk", flat=True)
            )
            if len(contract_ids) != len(rows):
                raise RuntimeError("contracts were not inserted in order")
            line_rows, milestone_rows = [], []
            for contract_id, (lines, first, second, signed_on, *_rest) in zip(
                contract_ids, children, strict=True
            ):
                for position, product_id, quantity, price, discount, unit_price, amount in lines:
                    line_rows.append(
                        (contract_id, product_id, quantity, price, discount, unit_price, amount, position)
                    )
                due = signed_on + datetime.timedelta(days=rng.randrange(0, 15)) if signed_on else None
                milestone_rows.append((contract_id, 1, "签约付款", Decimal("30"), first, "signing", 0, due))
                milestone_rows.append(
                    (contract_id, 2, "交货后付款", Decimal("70"), second, "delivery", 30, None)
                )
            line_before = ContractLine.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            _insert(
                ContractLine,
                [
                    "contract_id",
                    "product_id",
                    "quantity",
                    "list_price",
                    "discount",
                    "unit_price",
                    "amount",
                    "position",
                ],
                line_rows,
                {"description": "", "tax_rate": Decimal("13.00")},
            )
            _insert(
                PaymentMilestone,
                ["contract_id", "position", "label", "percent", "amount", "trigger", "days", "due_on"],
                milestone_rows,
                {},
            )
            line_ids = list(
                ContractLine.objects.filter(pk__gt=line_before).order_by("pk").values_list("pk", flat=True)
            )
            if len(line_ids) != len(line_rows):
                raise RuntimeError("contract lines were not inserted in order")
            delivery_rows = []
            for (contract_id, _p, quantity, *_x), line_id, (_l, _f, _s, signed_on, *_r) in zip(
                line_rows, line_ids, [c for c in children for _ in range(LINES)], strict=True
            ):
                planned = (signed_on or today) + datetime.timedelta(days=rng.randrange(30, 121))
                delivery_rows.append((contract_id, line_id, planned, quantity))
            delivery_before = (
                DeliverySchedule.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            )
            _insert(DeliverySchedule, ["contract_id", "line_id", "planned_on", "quantity"], delivery_rows, {})
            delivery_ids = list(
                DeliverySchedule.objects.filter(pk__gt=delivery_before)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            # orders: one confirmed order for ~40 % of the contracts in force, part of each line
            order_rows, order_lines = [], []
            for k, (contract_id, (lines, _f, _s, signed_on, customer_id, owner_id, _st)) in enumerate(
                zip(contract_ids, children, strict=True)
            ):
                if signed_on is None or rng.random() >= 0.4:
                    continue
                ordered_on = min(today, signed_on + datetime.timedelta(days=rng.randrange(1, 30)))
                picked = []
                for j, (_pos, product_id, quantity, price, discount, unit_price, _a) in enumerate(lines):
                    if rng.random() < 0.6:
                        q = Decimal(rng.randrange(1, int(quantity) + 1))
                        index = k * LINES + j
                        picked.append(
                            (
                                line_ids[index],
                                delivery_ids[index],
                                product_id,
                                q,
                                price,
                                discount,
                                unit_price,
                                line_amount(q, unit_price),
                                len(picked) + 1,
                            )
                        )
                if not picked:
                    continue
                order_rows.append(
                    (
                        number("SO", ordered_on.year),
                        customer_id,
                        contract_id,
                        owner_id,
                        owner_id,
                        ordered_on,
                        sum((p[7] for p in picked), Decimal("0")),
                    )
                )
                order_lines.append(picked)
            if order_rows:
                order_before = SalesOrder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
                _insert(
                    SalesOrder,
                    [
                        "number",
                        "customer_id",
                        "contract_id",
                        "owner_id",
                        "prepared_by_id",
                        "ordered_on",
                        "total_amount",
                    ],
                    order_rows,
                    {
                        "status": "confirmed",
                        "review_round": 0,
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                        "channel": "direct",
                        "notes": "",
                        "confirmed_at": now,
                    },  # fmt: skip
                )
                order_ids = list(
                    SalesOrder.objects.filter(pk__gt=order_before).order_by("pk").values_list("pk", flat=True)
                )
                _insert(
                    SalesOrderLine,
                    [
                        "order_id",
                        "contract_line_id",
                        "delivery_id",
                        "product_id",
                        "quantity",
                        "list_price",
                        "discount",
                        "unit_price",
                        "amount",
                        "position",
                    ],  # fmt: skip
                    [
                        (order_id, *line)
                        for order_id, picked in zip(order_ids, order_lines, strict=True)
                        for line in picked
                    ],
                    {"description": "", "tax_rate": Decimal("13.00")},
                )
            totals["orders"] += len(order_rows)
        totals["contracts"] += len(rows)
        totals["lines"] += len(line_rows)
        for contract_id, (_l, _f, _s, signed_on, *_r) in zip(contract_ids, children, strict=True):
            if signed_on and len(sample_ids) < SAMPLE_CONTRACTS * 4 and rng.random() < 0.05:
                sample_ids.append(contract_id)
    # the services continue every series (I8)
    for (prefix, year), last in counters.items():
        Sequence.objects.update_or_create(key=prefix, year=year, defaults={"last": last})
    from .stats import count_seeded_documents

    count_seeded_documents()  # the confirmed orders' facts (I12)
    rng.shuffle(sample_ids)
    # the statistics workload reads the last full year
    busiest = today.year - 1 if years_signed.get(today.year - 1) else today.year
    return {
        "sales_contracts": totals["contracts"],
        "sales_contract_lines": totals["lines"],
        "sales_orders": totals["orders"],
        "sales_own_contracts": totals["own"],
        "sales_customers": [c for c, _o in own_customers[:200]],
        "sales_products": [p for p, _price in products],
        "sales_sample_contracts": sample_ids[:SAMPLE_CONTRACTS],
        "sales_statistics_year": busiest,
        "sales_signed_in_year": years_signed.get(busiest, 0),
        "sales_seed_s": round(time.perf_counter() - started, 1),
    }


# ---------------------------------------------------------------------------- workloads (HTTP)


class TokenClient:
    """JSON requests with a personal API token (no CSRF, no session)."""

    def __init__(self, host: str, port: int, username: str, password: str):
        self.client = Client(host, port, timeout=120)
        login = self.client.request(
            "POST",
            "/api/v1/auth/token",
            body=json.dumps({"username": username, "password": password}).encode(),
            headers={"Content-Type": "application/json"},
        )
        if login.status != 200:
            raise RuntimeError(
                f"could not get an API token for {username}: HTTP {login.status} {login.body[:200]!r}"
            )
        self.headers = {"Authorization": f"Bearer {json.loads(login.body)['token']}"}

    def get(self, path: str):
        return self.client.request("GET", path, headers=self.headers)

    def post(self, path: str, body: dict | None = None):
        return self.client.request(
            "POST",
            path,
            body=json.dumps(body or {}).encode(),
            headers={**self.headers, "Content-Type": "application/json"},
        )


def _contract_body(rng: random.Random, params: dict, i: int) -> dict:
    today = datetime.date.today()
    big = i % 5 == 4  # every fifth contract is large enough for finance (and the director)
    products = params["sales_products"]
    lines, deliveries = [], []
    for position in range(1, LINES + 1):
        quantity = rng.randrange(1, 6) if not big else rng.randrange(5, 20)
        # the cheap products for the small contracts keep them under the finance threshold
        product = rng.choice(products[2:7] if not big else products[:2])
        lines.append({"product": product, "quantity": str(quantity)})
        deliveries.append(
            {
                "line": position,
                "planned_on": (today + datetime.timedelta(days=30)).isoformat(),
                "quantity": str(quantity),
            }
        )
    return {
        "customer": params["sales_customers"][i % len(params["sales_customers"])],
        "title": f"压力测试合同 {i}",
        "lines": lines,
        "milestones": [
            {"label": "签约付款", "percent": "30", "trigger": "signing"},
            {"label": "交货后付款", "percent": "70", "trigger": "delivery", "days": 30},
        ],
        "deliveries": deliveries,
    }


def measure_contract_flow(host: str, port: int, params: dict, n: int) -> tuple[list[float], int]:
    """POST /api/v1/contracts (5 lines) as sales1, /submit, /approve as manager1 (+ finance and the
    director while the contract is still in review): one sample per contract."""
    rng = random.Random(n)
    password = params["password"]
    seller = TokenClient(host, port, SALESPERSON, password)
    approvers = [TokenClient(host, port, name, password) for name in (MANAGER, FINANCE, DIRECTOR)]
    times, errors = [], 0
    for i in range(n):
        spent, ok = 0.0, False
        created = seller.post("/api/v1/contracts", _contract_body(rng, params, i))
        spent += created.seconds
        if created.status == 201:
            contract_id = json.loads(created.body)["id"]
            submitted = seller.post(f"/api/v1/contracts/{contract_id}/submit")
            spent += submitted.seconds
            status = json.loads(submitted.body).get("status") if submitted.status == 200 else None
            for approver in approvers:
                if status != "submitted":
                    break
                approved = approver.post(f"/api/v1/contracts/{contract_id}/approve")
                spent += approved.seconds
                status = json.loads(approved.body).get("status") if approved.status == 200 else None
            ok = status == "approved"
        if not ok and errors < 3:
            print(f"[bench] contract flow failed: HTTP {created.status} {created.body[:300]!r}", flush=True)
        times.append(spent)
        errors += not ok
    return times, errors


def measure_overview(host: str, port: int, params: dict, n: int) -> tuple[list[float], int]:
    """GET /api/v1/fulfillment/{id} of random signed contracts as the director."""
    client = TokenClient(host, port, DIRECTOR, params["password"])
    ids = params["sales_sample_contracts"]
    times, errors = [], 0
    for i in range(n):
        response = client.get(f"/api/v1/fulfillment/{ids[(i * 7) % len(ids)]}")
        times.append(response.seconds)
        ok = response.status == 200 and len(json.loads(response.body).get("lines", [])) == LINES
        errors += not ok
    return times, errors


def measure_statistics(host: str, port: int, params: dict, n: int) -> tuple[list[float], int]:
    """GET /api/v1/fulfillment/statistics?period=month&year=Y&dimension=region as the director
    (every contract signed in Y); the totals must count them all."""
    client = TokenClient(host, port, DIRECTOR, params["password"])
    year = params["sales_statistics_year"]
    times, errors = [], 0
    for _ in range(n):
        response = client.get(f"/api/v1/fulfillment/statistics?period=month&year={year}&dimension=region")
        times.append(response.seconds)
        ok = (
            response.status == 200
            and json.loads(response.body)["totals"]["signed"] == params["sales_signed_in_year"]
        )
        errors += not ok
    return times, errors


# (name, description, measure); workloads.py wraps them in its Workload and appends them.
SALES_WORKLOADS = [
    (
        "fulfillment_overview",
        "GET /api/v1/fulfillment/{id} (director, 100,000 contracts; target < 50 ms)",
        measure_overview,
    ),
    (
        "fulfillment_statistics_year",
        "GET /api/v1/fulfillment/statistics?period=month&year=Y&dimension=region (director, ~33,000 "
        "contracts signed in Y of 100,000; target < 1 s)",
        measure_statistics,
    ),
    (
        "contract_create_submit_approve",
        "POST /api/v1/contracts (5 lines, sales1) + /submit + /approve (manager1; + finance, director "
        "for large amounts); one sample per contract, per_second = contracts/s",
        measure_contract_flow,
    ),
]
