"""Bench of order to cash (F1–F4): N orders of 3 lines, each create → confirm → ship (prepare,
submit, approve by a second person) → invoice (prepare, submit, approve with the invoice
number) → pay (recorded and allocated), through the service layer (in-process, bench/inprocess.py)
and through the HTTP API (three people with their API tokens: the salesperson, the clerk and
finance). A complete order is one of those chains; `per_second` counts complete orders.

The seeder picks one of sales1's seeded customers (no credit limit), three goods and
plenty of their stock in a bin of the bench's first warehouse (received through the warehouse
service, so the ledger holds its value). The in-process workload also reports the time of each
phase and the queries per order (Django's connection.queries with a debug cursor, one extra
order measured untimed-for-throughput)."""

import itertools
import json
import random
import sys
import time
from decimal import Decimal

from .http import summary

SELLER, CLERK, APPROVER = "sales1", "clerk", "finance"
PRODUCTS = 3
STOCK = 2_000_000  # units of each product: enough for any bench run (3 a line)
PHASES = ("order", "confirm", "ship", "approve_shipment", "invoice", "approve_invoice", "pay")
_invoice_numbers = itertools.count(1)


def seed_order_to_cash(rng: random.Random) -> dict:
    from django.db import transaction

    from salesdept.accounts.models import User
    from salesdept.catalog.models import Category, Product
    from salesdept.crm.models import Customer
    from salesdept.warehouse.models import Location, Warehouse
    from salesdept.warehouse.services.documents import post_document

    seller = User.objects.get(username=SELLER)
    keeper = User.objects.get(username="keeper")
    with transaction.atomic():
        # one of sales1's seeded customers (the list workloads count them, so no new one)
        customer = Customer.objects.filter(owner=seller).order_by("pk").first()
        if customer.credit_limit is not None:  # the bench measures the chain, not the limit
            customer.credit_limit = None
            customer.save(update_fields=["credit_limit"])
        category, _ = Category.objects.get_or_create(code="bench-o2c", defaults={"name": "基准测试产品"})
        products = [
            Product.objects.create(
                code=f"O2C-{k}",
                name=f"基准测试阀门 {k}",
                name_en=f"Bench valve {k}",
                category=category,
                uom="件",
                kind=Product.Kind.GOODS,
                list_price=Decimal("113.00") * (k + 1),
                tax_rate=Decimal("13"),
            )
            for k in range(PRODUCTS)
        ]
        warehouse = Warehouse.objects.order_by("pk").first()
        location = (
            Location.objects.filter(warehouse=warehouse, kind=Location.Kind.STORAGE, is_active=True)
            .order_by("pk")
            .first()
        )
        post_document(
            by=keeper,
            data={
                "kind": "receipt",
                "purpose": "purchase",
                "warehouse": warehouse.pk,
                "supplier": "基准测试供应商",
                "lines": [
                    {"product": p.pk, "location": location.pk, "quantity": str(STOCK), "unit_cost": "50.00",
                     "quality": "accepted"}
                    for p in products
                ],
            },
        )  # fmt: skip
    return {
        "o2c_customer": customer.pk,
        "o2c_products": [p.pk for p in products],
        "o2c_warehouse": warehouse.pk,
        "o2c_location": location.pk,
    }


# ---------------------------------------------------------------------------- in-process


def _people():
    from salesdept.accounts.models import User

    return (User.objects.get(username=u) for u in (SELLER, CLERK, APPROVER))


def _order_lines(params: dict, i: int) -> list[dict]:
    return [
        {"product_id": p, "quantity": Decimal(1 + (i + k) % 3)} for k, p in enumerate(params["o2c_products"])
    ]


def one_order(params: dict, i: int, seller, clerk, approver, clock=time.perf_counter) -> dict[str, float]:
    """One complete order through the services; the seconds of each phase."""
    from salesdept.billing.services import invoices, payments
    from salesdept.sales.services import orders
    from salesdept.shipping.services import shipments

    took = {}
    t = clock()
    order = orders.order_create(by=seller, customer_id=params["o2c_customer"], lines=_order_lines(params, i))
    took["order"] = clock() - t
    t = clock()
    orders.order_confirm(by=seller, order_id=order.pk)
    took["confirm"] = clock() - t
    t = clock()
    shipment = shipments.shipment_create(
        by=clerk, order_id=order.pk, data={"warehouse": params["o2c_warehouse"]}
    )
    shipments.shipment_submit(by=clerk, shipment_id=shipment.pk)
    took["ship"] = clock() - t
    t = clock()
    shipments.shipment_approve(by=approver, shipment_id=shipment.pk)
    took["approve_shipment"] = clock() - t
    t = clock()
    invoice = invoices.invoice_create(by=clerk, order_id=order.pk)
    invoices.invoice_submit(by=clerk, invoice_id=invoice.pk)
    took["invoice"] = clock() - t
    t = clock()
    invoice = invoices.invoice_approve(
        by=approver, invoice_id=invoice.pk, invoice_no=f"B{i:07d}{next(_invoice_numbers):05d}"
    )
    took["approve_invoice"] = clock() - t
    t = clock()
    payments.payment_record(
        by=approver,
        data={
            "customer": params["o2c_customer"],
            "received_on": invoice.invoiced_on.isoformat(),
            "amount": str(invoice.total_amount),
            "reference": f"BENCH-{order.number}",
        },
    )
    took["pay"] = clock() - t
    return took


def measure_order_to_cash_service(params: dict, n: int) -> dict:
    """In-process: n complete orders; per_second = complete orders per second; the mean
    milliseconds of each phase; the queries of one complete order."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from salesdept.core.errors import DomainError

    seller, clerk, approver = _people()
    base = random.randint(10**6, 10**7)
    times, errors = [], 0
    phases = dict.fromkeys(PHASES, 0.0)
    for i in range(n):
        t = time.perf_counter()
        try:
            took = one_order(params, base + i, seller, clerk, approver)
        except DomainError as exc:
            if errors < 3:
                print(f"[bench] order to cash refused: {exc.code} {exc.message}", file=sys.stderr, flush=True)
            errors += 1
            continue
        times.append(time.perf_counter() - t)
        for name, seconds in took.items():
            phases[name] += seconds
    with CaptureQueriesContext(connection) as captured:
        one_order(params, base + n, seller, clerk, approver)
    figures = summary(times, errors)
    done = max(1, len(times))
    figures["phase_ms"] = {name: round(seconds * 1000 / done, 2) for name, seconds in phases.items()}
    figures["queries_per_order"] = len(captured.captured_queries)
    return figures


# ---------------------------------------------------------------------------- HTTP API


def measure_order_to_cash_api(host: str, port: int, params: dict, n: int) -> tuple[list[float], int]:
    """The same chain through /api/v1 (9 requests an order; the approvals by finance's token)."""
    from .sales import TokenClient

    password = params["password"]
    seller, clerk, approver = (TokenClient(host, port, u, password) for u in (SELLER, CLERK, APPROVER))
    base = random.randint(10**6, 10**7)
    times, errors = [], 0

    def ok(answer, status=200) -> dict:
        if answer.status != status:
            raise RuntimeError(f"HTTP {answer.status} {answer.body[:300]!r}")
        return json.loads(answer.body)

    for i in range(n):
        t = time.perf_counter()
        try:
            lines = [
                {"product": p, "quantity": str(1 + (i + k) % 3)} for k, p in enumerate(params["o2c_products"])
            ]
            order = ok(
                seller.post("/api/v1/orders", {"customer": params["o2c_customer"], "lines": lines}), 201
            )
            ok(seller.post(f"/api/v1/orders/{order['id']}/confirm", {}))
            shipment = ok(
                clerk.post("/api/v1/shipments", {"order": order["id"], "warehouse": params["o2c_warehouse"]}),
                201,
            )
            ok(clerk.post(f"/api/v1/shipments/{shipment['id']}/submit", {}))
            ok(approver.post(f"/api/v1/shipments/{shipment['id']}/approve", {}))
            invoice = ok(clerk.post("/api/v1/invoices", {"order": order["id"]}), 201)
            ok(clerk.post(f"/api/v1/invoices/{invoice['id']}/submit", {}))
            invoice = ok(
                approver.post(f"/api/v1/invoices/{invoice['id']}/approve", {"invoice_no": f"A{base + i:09d}"})
            )
            ok(
                approver.post(
                    "/api/v1/payments",
                    {"customer": params["o2c_customer"], "received_on": invoice["invoiced_on"],
                     "amount": invoice["total_amount"], "reference": f"BENCH-API-{order['number']}"},
                ),
                201,
            )  # fmt: skip
        except RuntimeError as exc:
            if errors < 3:
                print(f"[bench] order to cash (API) failed: {exc}", flush=True)
            errors += 1
            continue
        times.append(time.perf_counter() - t)
    return times, errors


ORDER_TO_CASH_WORKLOADS = [
    (
        "order_to_cash_api",
        "POST through /api/v1: order, confirm, shipment, submit, approve (finance), invoice, submit, "
        "approve, payment — 9 requests; requests = complete orders",
        measure_order_to_cash_api,
    ),
]
SERVICE_WORKLOADS = [
    (
        "order_to_cash",
        "In-process services: order of 3 lines → confirm → shipment (prepare, submit, approve by a second "
        "person) → invoice (prepare, submit, approve) → payment; per_second = complete orders/s "
        "(target ≥ 200 on SQLite, 2 cores)",
        measure_order_to_cash_service,
    ),
]
