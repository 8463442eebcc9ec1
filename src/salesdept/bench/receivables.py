"""Bench of the aging report 帐龄分析 (F3): 1,000,000 issued invoices, every one still open (the
worst case: the report sums every row it may see), in the three groupings a manager uses.

The seeder writes consistent books in bulk (COPY on PostgreSQL, executemany on SQLite) so that
`check_invariants` holds after the bench: blocks of 1,000 invoices, each block one customer's
contract that invoices on order (Contract.invoice_on_order) with one line of 1,000 units, its
confirmed order fully invoiced (invoiced_quantity = 1,000), 1,000 invoices of one unit each
(numbers continuing the IV series of their year, dates spread over the last 400 days, due 30 days
later) and, per invoice, the journal entry its approval would post (Dr 1122 / Cr 6001 / Cr 2221), so
the receivable account equals Σ outstanding (I7). The customers are the crm seeder's, all owners.

Workloads: `aging` in-process (the selector by customer, salesperson and region in turn) and
`aging_api` over HTTP (GET /api/v1/receivables/aging as finance, the three groupings in turn).
Target: < 1 s per report over 1,000,000 invoices. `SALESDEPT_BENCH_QUICK=1`: 20,000 invoices."""

import datetime
import json
import os
import random
import time
from decimal import ROUND_HALF_UP, Decimal

FULL = {"invoices": 1_000_000}
QUICK = {"invoices": 20_000}
BLOCK = 1_000  # invoices per contract / order / customer
DIMENSIONS = ("customer", "salesperson", "region")
VIEWER = "finance"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def sizes() -> dict:
    return dict(QUICK if os.environ.get("SALESDEPT_BENCH_QUICK") == "1" else FULL)


def seed_receivables(rng: random.Random) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from salesdept.accounts.models import User
    from salesdept.billing.models import Invoice, InvoiceLine
    from salesdept.core.models import Sequence
    from salesdept.core.numbering import format_number
    from salesdept.crm.models import Customer
    from salesdept.ledger import codes
    from salesdept.ledger.models import Account, JournalEntry, JournalLine
    from salesdept.sales.models import Contract, ContractLine, SalesOrder, SalesOrderLine

    from .crm import _insert
    from .sales import _products

    started = time.perf_counter()
    n = sizes()["invoices"]
    blocks = max(1, n // BLOCK)
    clerk = User.objects.get(username="clerk")
    product = _products()[4]  # 高压阀门, 960.00 a piece
    price = product.list_price
    tax = (price * 13 / 113).quantize(CENT, ROUND_HALF_UP)
    customers = list(Customer.objects.filter(is_active=True).values_list("pk", "owner_id"))
    accounts = dict(Account.objects.values_list("code", "pk"))
    today = timezone.localdate()
    now = timezone.now()
    last: dict[tuple[str, int], int] = {
        (s.key, s.year): s.last for s in Sequence.objects.filter(key__in=["CT", "SO", "IV"])
    }

    def number(prefix: str, year: int) -> str:
        last[(prefix, year)] = last.get((prefix, year), 0) + 1
        return format_number(prefix, year, last[(prefix, year)])

    # every invoice's date first, in order, so each year's numbers rise with the date
    dates = sorted(today - datetime.timedelta(days=rng.randrange(400)) for _ in range(blocks * BLOCK))
    plans = []  # (customer, owner, dates of the block's invoices); a block's contract is signed first
    for b in range(blocks):
        customer_id, owner_id = rng.choice(customers)
        plans.append((customer_id, owner_id, dates[b * BLOCK : (b + 1) * BLOCK]))
    quantity = Decimal(BLOCK)
    amount = price * BLOCK
    line = {  # the one line of each contract and of its order
        "product_id": product.pk,
        "quantity": quantity,
        "list_price": price,
        "discount": Decimal("0"),
        "unit_price": price,
        "amount": amount,
        "position": 1,
        "description": "",
        "tax_rate": Decimal("13.00"),
    }
    with transaction.atomic():
        contract_rows, order_rows = [], []
        for customer_id, owner_id, block_dates in plans:
            signed_on = block_dates[0] - datetime.timedelta(days=7)
            contract_rows.append(
                (
                    ct := number("CT", signed_on.year),
                    f"HT-{ct}",
                    customer_id,
                    owner_id,
                    owner_id,
                    signed_on,
                    amount,
                )
            )
        before = _last_pk(Contract)
        _insert(
            Contract,
            [
                "number",
                "registration_number",
                "customer_id",
                "owner_id",
                "prepared_by_id",
                "signed_on",
                "total_amount",
            ],  # fmt: skip
            contract_rows,
            {
                "status": "signed",
                "title": "年度开票基准合同",
                "invoice_on_order": True,
                "payment_terms": "开票后30天内付款",
                "language": "zh-hans",
                "created_at": now,
                "updated_at": now,
            },
        )
        contract_ids = _new_pks(Contract, before)
        before = _last_pk(ContractLine)
        _insert(
            ContractLine,
            ["contract_id"],
            [(c,) for c in contract_ids],
            line,
        )
        contract_line_ids = _new_pks(ContractLine, before)
        for contract_id, (customer_id, owner_id, block_dates) in zip(contract_ids, plans, strict=True):
            ordered_on = block_dates[0] - datetime.timedelta(days=1)
            order_rows.append(
                (number("SO", ordered_on.year), customer_id, contract_id, owner_id, owner_id, ordered_on)
            )
        before = _last_pk(SalesOrder)
        _insert(
            SalesOrder,
            ["number", "customer_id", "contract_id", "owner_id", "prepared_by_id", "ordered_on"],
            order_rows,
            {"status": "confirmed", "total_amount": amount, "created_at": now, "updated_at": now,
             "confirmed_at": now},
        )  # fmt: skip
        order_ids = _new_pks(SalesOrder, before)
        before = _last_pk(SalesOrderLine)
        _insert(
            SalesOrderLine,
            ["order_id", "contract_line_id"],
            list(zip(order_ids, contract_line_ids, strict=True)),
            {**line, "invoiced_quantity": quantity},  # invoiced in full (on order)
        )
        order_line_ids = _new_pks(SalesOrderLine, before)
        invoice_rows, billed = [], set()
        for order_id, (customer_id, _owner, block_dates) in zip(order_ids, plans, strict=True):
            for day in block_dates:
                invoice_rows.append(
                    (number("IV", day.year), customer_id, order_id, day, day + datetime.timedelta(days=30))
                )
                billed.add(customer_id)
        before = _last_pk(Invoice)
        _insert(
            Invoice,
            ["number", "customer_id", "order_id", "invoiced_on", "due_on"],
            invoice_rows,
            {
                "status": "issued",
                "kind": "invoice",
                "prepared_by_id": clerk.pk,
                "net_amount": price - tax,
                "tax_amount": tax,
                "total_amount": price,
                "created_at": now,
                "updated_at": now,
                "issued_at": now,
                "review_round": 1,
            },
        )
        invoice_ids = _new_pks(Invoice, before)
        # the official 发票号码: unique, from the invoice's own number
        _set_invoice_numbers(Invoice, before)
        line_of = {order_id: line_id for order_id, line_id in zip(order_ids, order_line_ids, strict=True)}
        _insert(
            InvoiceLine,
            ["invoice_id", "order_line_id"],
            [(i, line_of[row[2]]) for i, row in zip(invoice_ids, invoice_rows, strict=True)],
            {
                "product_id": product.pk,
                "position": 1,
                "quantity": Decimal("1"),
                "unit_price": price,
                "tax_rate": Decimal("13.00"),
                "amount": price,
                "tax_amount": tax,
            },
        )
        before = _last_pk(JournalEntry)
        _insert(
            JournalEntry,
            ["entry_date", "source_id", "source_number"],
            [(row[3], i, row[0]) for i, row in zip(invoice_ids, invoice_rows, strict=True)],
            {"source_type": "billing.invoice", "memo": "", "created_by_id": clerk.pk, "created_at": now},
        )
        entry_ids = _new_pks(JournalEntry, before)
        journal_rows = []
        for entry_id, row in zip(entry_ids, invoice_rows, strict=True):
            day, customer_id, number_ = row[3], row[1], row[0]
            journal_rows.append(
                (entry_id, accounts[codes.RECEIVABLE], day, price, ZERO, customer_id, None, number_)
            )
            journal_rows.append(
                (entry_id, accounts[codes.REVENUE], day, ZERO, price - tax, customer_id, product.pk, number_)
            )
            journal_rows.append(
                (entry_id, accounts[codes.OUTPUT_VAT], day, ZERO, tax, customer_id, None, number_)
            )
        _insert(
            JournalLine,
            ["entry_id", "account_id", "entry_date", "debit", "credit", "customer_id", "product_id", "memo"],
            journal_rows,
            {},
        )
        for (key, year), value in last.items():
            Sequence.objects.update_or_create(key=key, year=year, defaults={"last": value})
        from .stats import count_seeded_documents

        count_seeded_documents()  # the orders' and invoices' facts (I12)
        from salesdept.billing.outstanding import rebuild

        rebuild()  # the open-receivables summary the dashboard's aging reads (I12)
    # the fulfillment statistics workload (bench/sales.py) counts every contract signed in its
    # year: these contracts count too
    year = today.year - 1 if Contract.objects.filter(signed_on__year=today.year - 1).exists() else today.year
    return {
        "sales_statistics_year": year,
        "sales_signed_in_year": Contract.objects.filter(signed_on__year=year).count(),
        "aging_invoices": len(invoice_rows),
        "aging_customers": len(billed),
        "aging_seed_s": round(time.perf_counter() - started, 1),
    }


def _last_pk(model) -> int:
    return model._base_manager.order_by("-pk").values_list("pk", flat=True).first() or 0


def _new_pks(model, before: int) -> list[int]:
    return list(model._base_manager.filter(pk__gt=before).order_by("pk").values_list("pk", flat=True))


def _set_invoice_numbers(model, before: int) -> None:
    """发票号码 of the seeded invoices: "FP" and their own number (unique, like the real ones)."""
    from django.db.models import Value
    from django.db.models.functions import Concat

    model._base_manager.filter(pk__gt=before).update(invoice_no=Concat(Value("FP"), "number"))


# ---------------------------------------------------------------------------- in-process


def measure_aging_service(params: dict, n: int) -> tuple[list[float], int]:
    """aging() by customer, salesperson and region in turn, as finance; each answer must cover
    every seeded invoice (the grand total counts them all)."""
    from django.utils import timezone

    from salesdept.accounts.models import User
    from salesdept.billing.selectors.receivables import aging

    viewer = User.objects.get(username=VIEWER)
    today = timezone.localdate()
    times, errors = [], 0
    for i in range(n):
        t = time.perf_counter()
        report = aging(user=viewer, dimension=DIMENSIONS[i % len(DIMENSIONS)], as_of=today)
        times.append(time.perf_counter() - t)
        errors += report.totals.invoices < params["aging_invoices"]
    return times, errors


SERVICE_WORKLOADS = [
    (
        "aging",
        "aging() 帐龄分析 by customer, salesperson, region in turn (finance, in-process) over every "
        "open invoice (1,000,000 seeded, all open); target < 1 s",
        measure_aging_service,
    ),
]


# ---------------------------------------------------------------------------- HTTP API


def measure_aging_api(host: str, port: int, params: dict, n: int) -> tuple[list[float], int]:
    """GET /api/v1/receivables/aging?by=… as finance, the three groupings in turn."""
    from .sales import TokenClient

    client = TokenClient(host, port, VIEWER, params["password"])
    times, errors = [], 0
    for i in range(n):
        answer = client.get(f"/api/v1/receivables/aging?by={DIMENSIONS[i % len(DIMENSIONS)]}")
        times.append(answer.seconds)
        ok = (
            answer.status == 200 and json.loads(answer.body)["totals"]["invoices"] >= params["aging_invoices"]
        )
        errors += not ok
    return times, errors


RECEIVABLES_WORKLOADS = [
    (
        "aging_api",
        "GET /api/v1/receivables/aging?by=customer|salesperson|region (finance) over every open "
        "invoice (1,000,000 seeded, all open); target < 1 s",
        measure_aging_api,
    ),
]
