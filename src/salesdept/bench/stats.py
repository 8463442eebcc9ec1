"""Bench of the sales statistics 销售统计报表 (P2) over 1,000,000 order lines.

The seeder writes the facts of 1,000,000 order lines in bulk (COPY on PostgreSQL, executemany
on SQLite) — each line ordered, then shipped and invoiced a few days later (when that day has
come), each order collected a month or two after — spread over the two years before this one
and this year to date, for the crm seeder's customers (their owners, teams and regions) and
1,000 products in 30 categories; then the monthly totals are summed from the facts by the
database, one INSERT … SELECT per dimension (verify_summaries / I12 then hold). These facts stand
for documents that are not in the database (like the history import's, they have no document
id); the facts of the documents the other seeders wrote (confirmed orders, issued invoices) are
added from those documents by record_seeded_facts().

Workloads: `stats_reports` in-process (stats.selectors.sales_report as the director: this year
by month × region, last quarter by salesperson, last month by product, in turn; the first call
of each is reported apart as the cold one) and `stats_api` over HTTP (GET /api/v1/stats/sales,
the same three). Target: every report under 500 ms (p95 over 20 runs) on SQLite and PostgreSQL.
`SALESDEPT_BENCH_QUICK=1`: 20,000 lines (`SALESDEPT_BENCH_STATS_LINES=N`: N lines)."""

import datetime
import json
import os
import random
import time
from collections import defaultdict
from decimal import Decimal

FULL = {"lines": 1_000_000}
QUICK = {"lines": 20_000}
PRODUCTS = 1_000
CATEGORIES = 30
RUNS = 20  # p95 over 20 runs per report
ONE_DAY = datetime.timedelta(days=1)
VIEWER = "director"
CHANNELS = ("direct",) * 6 + ("dealer",) * 2 + ("online", "project")


def sizes() -> dict:
    """`SALESDEPT_BENCH_STATS_LINES` sets the lines alone (the other seeders at their size)."""
    chosen = dict(QUICK if os.environ.get("SALESDEPT_BENCH_QUICK") == "1" else FULL)
    if os.environ.get("SALESDEPT_BENCH_STATS_LINES"):
        chosen["lines"] = int(os.environ["SALESDEPT_BENCH_STATS_LINES"])
    return chosen


def _catalog(rng: random.Random) -> list[tuple[int, int, int]]:
    """1,000 products in 30 categories: (product id, category id, price in cents)."""
    from salesdept.catalog.models import Category, Product

    categories = [
        Category.objects.get_or_create(code=f"BST-{c:02d}", defaults={"name": f"统计类别{c:02d}"})[0]
        for c in range(1, CATEGORIES + 1)
    ]
    existing = set(Product.objects.filter(code__startswith="BST-P").values_list("code", flat=True))
    Product.objects.bulk_create(
        [
            Product(
                code=f"BST-P{p:04d}",
                name=f"统计产品{p:04d}",
                category=categories[p % CATEGORIES],
                list_price=Decimal(rng.randrange(5_000, 500_000)) / 100,
                tax_rate=Decimal("13.00"),
            )
            for p in range(1, PRODUCTS + 1)
            if f"BST-P{p:04d}" not in existing
        ],
        batch_size=1000,
    )
    return [
        (pk, category, int(price * 100))
        for pk, category, price in Product.objects.filter(code__startswith="BST-P").values_list(
            "pk", "category_id", "list_price"
        )
    ]


def seed_stats(rng: random.Random) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from salesdept.accounts.models import User
    from salesdept.crm.models import Customer
    from salesdept.stats.models import SalesFact

    from .crm import _insert

    started = time.perf_counter()
    lines = sizes()["lines"]
    today = timezone.localdate()
    first = datetime.date(today.year - 2, 1, 1)
    span = (today - first).days + 1
    teams = dict(User.objects.values_list("pk", "team_id"))
    customers = list(Customer.objects.filter(is_active=True).values_list("pk", "owner_id", "region_id"))
    products = _catalog(rng)
    names = ["kind", "day", "source", "source_id", "number", "line", "region_id", "salesperson_id", "team_id",
             "customer_id", "product_id", "category_id", "channel", "quantity", "amount", "cost"]  # fmt: skip

    totals = _GeneratedTotals()
    keys_of_customer = {
        c: _keys(region=r, salesperson=o, team=teams.get(o), customer=c) for c, o, r in customers
    }
    keys_of_product = {p: _keys(product=p, category=c) for p, c, _price in products}

    def facts():
        made, order = 0, 0
        while made < lines:
            order += 1
            customer, owner, region = rng.choice(customers)
            team = teams.get(owner)
            channel = rng.choice(CHANNELS)
            day = first + datetime.timedelta(days=rng.randrange(span))
            number = f"BST-{order:07d}"
            done = day + datetime.timedelta(days=rng.randrange(1, 15))
            paid_on = day + datetime.timedelta(days=rng.randrange(30, 75))
            whole_order = [*keys_of_customer[customer], *_keys(channel=channel)]
            ordered_in = totals.month(day)
            shipped_in = totals.month(done) if done <= today else None
            total = 0
            for line in range(1, min(rng.randint(1, 5), lines - made) + 1):
                product, category, price = rng.choice(products)
                quantity = rng.randint(1, 20)
                cents = price * quantity
                amount = _money(cents)
                cost_cents = cents * rng.randint(55, 85) // 100
                cost = _money(cost_cents)
                common = (
                    region,
                    owner,
                    team,
                    customer,
                    product,
                    category,
                    channel,
                    str(quantity),
                    amount,
                )
                yield ("ordered", day, "order", None, number, str(line), *common, cost)
                members = [*whole_order, *keys_of_product[product]]
                totals.line(ordered_in, shipped_in, members, cents, quantity, cost_cents)
                if shipped_in is not None:
                    yield ("shipped", done, "shipment", None, number, str(line), *common, "0")
                    yield ("invoiced", done, "invoice", None, number, str(line), *common, "0")
                total += cents
                made += 1
            totals.order_done(ordered_in)
            if paid_on <= today:
                dims = (region, owner, team, customer, None, None, channel)
                paid = ("0", _money(total), "0")
                yield ("collected", paid_on, "payment", None, number, "", *dims, *paid)
                members = [*whole_order, *_keys(product=None, category=None)]
                totals.collected(totals.month(paid_on), members, total)

    # SQLite: the foreign keys checked once over the loaded facts (PRAGMA foreign_key_check)
    # rather than six probes per fact as it is written — possible only outside a transaction
    # (under a test's transaction they stay on: slower, as safe)
    unchecked = connection.vendor == "sqlite" and connection.disable_constraint_checking()
    try:
        with transaction.atomic():
            # a bulk load indexes once at the end: building an index from the whole table is several
            # times faster than keeping it up to date row by row (the same indexes come back)
            # On PostgreSQL the foreign keys likewise: six deferred checks per fact (20 million) at
            # the end cost more than the load; adding each key back checks every row in one query.
            quote = connection.ops.quote_name
            table = quote(SalesFact._meta.db_table)
            keys = []
            before = _last_fact()  # the facts already summed into the totals
            with connection.cursor() as cursor:
                for index in SalesFact._meta.indexes:
                    cursor.execute(f"DROP INDEX {quote(index.name)}")
                if connection.vendor == "postgresql":
                    # checks still pending (the products just made) first: a table with pending
                    # checks cannot be altered, nor can the tables its keys point to
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute(
                        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE conrelid = %s::regclass AND contype = 'f'",
                        [SalesFact._meta.db_table],
                    )
                    keys = cursor.fetchall()
                    for name, _definition in keys:
                        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
            _insert(SalesFact, names, facts(), {})
            if unchecked:
                connection.check_constraints(table_names=[SalesFact._meta.db_table])
            generated = time.perf_counter()
            last_generated = _last_fact()
            with connection.cursor() as cursor:
                for name, definition in keys:
                    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
                for index in SalesFact._meta.indexes:
                    columns = ", ".join(quote(SalesFact._meta.get_field(f).column) for f in index.fields)
                    cursor.execute(f"CREATE INDEX {quote(index.name)} ON {table} ({columns})")
            indexed = time.perf_counter()
            if SalesFact.objects.filter(source="order", number__startswith="BST-", pk__lte=before).exists():
                sum_totals()  # seeded again: an order number counts once a month, so sum every fact
            else:
                add_totals(totals.rows())
            totalled = time.perf_counter()
            # the facts of the documents the other seeders wrote (the indexes are back: it looks
            # facts up by number), added to the totals by the database
            documents = record_seeded_facts()
            sum_totals(after=last_generated)
    finally:
        if unchecked:
            connection.enable_constraint_checking()
    done = time.perf_counter()
    return {
        # the three reports' ranges, for the HTTP workload too (its process has no Django)
        "stats_reports": [
            [name, dimension, first.isoformat(), last.isoformat()]
            for name, dimension, first, last in _reports(today)
        ],
        "stats_lines": lines,
        "stats_facts": SalesFact.objects.count(),
        "stats_document_facts": documents,
        # the 1,000,000-line dataset: its facts made and written, indexed, its totals
        "stats_seed_s": round(totalled - started, 1),
        "stats_facts_s": round(generated - started, 1),
        "stats_indexes_s": round(indexed - generated, 1),
        "stats_totals_s": round(totalled - indexed, 1),
        # then the other seeders' documents' facts and their totals
        "stats_document_facts_s": round(done - totalled, 1),
    }


def _money(cents: int) -> str:
    """Whole cents as the decimal text the database stores (12345 → "123.45"): the bulk insert
    then calls no adapter per value."""
    return f"{cents // 100}.{cents % 100:02d}" if cents >= 0 else f"-{_money(-cents)}"


def _keys(**members) -> list[tuple[str, str]]:
    """(dimension, key) of each member as the totals key it: the id as text, "" for none."""
    return [(dimension, "" if member is None else str(member)) for dimension, member in members.items()]


class _GeneratedTotals:
    """The monthly totals of the generated facts, added up while they are made: what
    sum_totals() would get from them, without the database sorting 3,000,000 facts once per
    dimension (some 40 % of the seeding's time). Whole cents and units, as integers; an order counts
    once per member it touches (a product or category once however many of its lines)."""

    # measure → index in a cell's list, in TOTAL_MEASURES' order
    ORDERED, QUANTITY, COST, ORDERS, SHIPPED, SHIPPED_QUANTITY, INVOICED, COLLECTED = range(8)

    def __init__(self):
        self.cells: dict[str, dict[tuple, list[int]]] = defaultdict(dict)  # month → member → sums
        self._months: dict[datetime.date, str] = {}
        self._order: set[tuple[str, str]] = set()

    def month(self, day: datetime.date) -> str:
        if day not in self._months:
            self._months[day] = day.replace(day=1).isoformat()
        return self._months[day]

    def line(self, ordered_in, shipped_in, members, cents: int, quantity: int, cost_cents: int) -> None:
        # inlined (no call per cell): called for each of 1,000,000 lines with seven members each;
        # ordered, quantity, cost are measures 0–2, shipped, shipped quantity, invoiced 4–6 (it is
        # shipped and invoiced the same day)
        for month, first, (a, b, c) in (
            (ordered_in, self.ORDERED, (cents, quantity, cost_cents)),
            (shipped_in, self.SHIPPED, (cents, quantity, cents)),
        ):
            if month is None:
                continue
            cells = self.cells[month]
            for member in members:
                cell = cells.get(member)
                if cell is None:
                    cell = cells[member] = [0] * 8
                cell[first] += a
                cell[first + 1] += b
                cell[first + 2] += c
        self._order.update(members)

    def _cell(self, month: str, member: tuple[str, str]) -> list[int]:
        cells = self.cells[month]
        cell = cells.get(member)
        if cell is None:
            cell = cells[member] = [0] * 8
        return cell

    def order_done(self, ordered_in: str) -> None:
        for member in self._order:
            self._cell(ordered_in, member)[self.ORDERS] += 1
        self._order.clear()

    def collected(self, paid_in: str, members, cents: int) -> None:
        for member in members:
            self._cell(paid_in, member)[self.COLLECTED] += cents

    def rows(self):
        """(month, dimension, key, *measures) per cell, the measures as Decimals."""
        hundredth = Decimal("0.01")
        for month, cells in self.cells.items():
            for (dimension, key), c in cells.items():
                yield (
                    month, dimension, key,
                    Decimal(c[0]) * hundredth, Decimal(c[1]), Decimal(c[2]) * hundredth, c[3],
                    Decimal(c[4]) * hundredth, Decimal(c[5]), Decimal(c[6]) * hundredth,
                    Decimal(c[7]) * hundredth,
                )  # fmt: skip


def add_totals(rows) -> int:
    """Add (month, dimension, key, *TOTAL_MEASURES) rows to the monthly totals (a cell that is
    there already is added to, rounded back to the column's places): a temporary table loaded in
    bulk, then one INSERT … SELECT … ON CONFLICT. Returns the number of rows."""
    from django.db import connection

    from salesdept.stats.models import TOTAL_MEASURES, SalesTotal

    quote = connection.ops.quote_name
    totals = quote(SalesTotal._meta.db_table)
    columns = ["month", "dimension", quote("key"), *(quote(m) for m in TOTAL_MEASURES)]
    staged = quote("bench_new_totals")
    rows = list(rows)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {staged}")
        listed = ", ".join(columns)
        cursor.execute(f"CREATE TEMPORARY TABLE {staged} AS SELECT {listed} FROM {totals} WHERE 1 = 0")
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {staged} ({listed}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {staged} VALUES ({placeholders})", rows)
        cursor.execute(
            f"INSERT INTO {totals} ({listed}) SELECT {listed} FROM {staged} WHERE 1 = 1 "
            f"ON CONFLICT (dimension, month, {quote('key')}) DO UPDATE SET {_added_to_totals()}"
        )
        cursor.execute(f"DROP TABLE {staged}")
    return len(rows)


def _added_to_totals() -> str:
    """The SET clause of an upsert that adds `excluded`'s measures to a total's."""
    from django.db import connection

    from salesdept.stats.models import TOTAL_MEASURES, SalesTotal

    quote = connection.ops.quote_name
    totals = quote(SalesTotal._meta.db_table)
    moved = []
    for name in TOTAL_MEASURES:
        added = f"{totals}.{quote(name)} + excluded.{quote(name)}"
        places = SalesTotal._meta.get_field(name).decimal_places if name != "orders" else None
        moved.append(f"{quote(name)} = {added if places is None else f'ROUND({added}, {places})'}")
    return ", ".join(moved)


def record_seeded_facts() -> int:
    """The facts of the documents the other seeders wrote straight into their tables (confirmed
    orders, issued invoices and credit notes: what the posting services would have recorded —
    see sales/billing services/facts.py; the expected cost of a seeded order is 0), by the
    database: one INSERT … SELECT per kind, for documents that have no fact yet (looked up by
    the facts' (source, number) index: call it with the indexes in place). So I12
    ("facts = documents") holds after the bench. Returns the number of facts written."""
    from django.db import connection

    from salesdept.accounts.models import User
    from salesdept.billing.models import Invoice, InvoiceLine
    from salesdept.catalog.models import Product
    from salesdept.crm.models import Customer
    from salesdept.sales.models import SalesOrder, SalesOrderLine
    from salesdept.stats.models import SalesFact

    quote = connection.ops.quote_name

    def t(model) -> str:
        return quote(model._meta.db_table)

    columns = ", ".join(
        quote(c)
        for c in ("kind", "day", "source", "source_id", "number", "line", "region_id", "salesperson_id",
                  "team_id", "customer_id", "product_id", "category_id", "channel", "quantity", "amount",
                  "cost")
    )  # fmt: skip
    line = "CAST(l.position AS TEXT)" if connection.vendor == "sqlite" else "CAST(l.position AS VARCHAR)"
    common = f"""FROM {{lines}} l JOIN {{docs}} d ON d.id = l.{{parent}}
        JOIN {t(Customer)} c ON c.id = d.customer_id
        JOIN {t(SalesOrder)} o ON o.id = {{order}}
        LEFT JOIN {t(User)} u ON u.id = o.owner_id
        JOIN {t(Product)} p ON p.id = l.product_id
        WHERE {{where}} AND NOT EXISTS (SELECT 1 FROM {t(SalesFact)} f
            WHERE f.source = '{{source}}' AND f.number = d.number)"""
    orders = (
        f"INSERT INTO {t(SalesFact)} ({columns}) SELECT 'ordered', d.ordered_on, 'order', d.id, d.number, "
        f"{line}, c.region_id, o.owner_id, u.team_id, d.customer_id, l.product_id, p.category_id, "
        "o.channel, l.quantity, l.amount, 0 "
        + common.format(
            lines=t(SalesOrderLine), docs=t(SalesOrder), parent="order_id", order="d.id",
            where="d.status = 'confirmed'", source="order",
        )
    )  # fmt: skip
    sign = "CASE WHEN d.kind = 'credit_note' THEN -1 ELSE 1 END"
    invoices = (
        f"INSERT INTO {t(SalesFact)} ({columns}) SELECT 'invoiced', d.invoiced_on, 'invoice', d.id, "
        f"d.number, {line}, c.region_id, o.owner_id, u.team_id, d.customer_id, l.product_id, p.category_id, "
        f"o.channel, {sign} * l.quantity, {sign} * l.amount, 0 "
        + common.format(
            lines=t(InvoiceLine), docs=t(Invoice), parent="invoice_id", order="d.order_id",
            where="d.status = 'issued'", source="invoice",
        )
    )  # fmt: skip
    written = 0
    with connection.cursor() as cursor:
        for statement in (orders, invoices):
            cursor.execute(statement)
            written += max(cursor.rowcount, 0)
    return written


def count_seeded_documents() -> int:
    """For a seeder that wrote documents straight into their tables: their facts, added to the
    monthly totals (so I12 holds after that seeder alone, as the tests run them)."""
    before = _last_fact()
    written = record_seeded_facts()
    if written:
        sum_totals(after=before)
    return written


def _last_fact() -> int:
    """The highest fact id so far (0 for none): sum_totals(after=…) adds the facts after it."""
    from salesdept.stats.models import SalesFact

    return SalesFact._base_manager.order_by("-pk").values_list("pk", flat=True).first() or 0


def sum_totals(after: int | None = None) -> None:
    """The monthly totals of every dimension summed from the facts by the database (what
    record_facts would have added up fact by fact): one INSERT … SELECT per dimension. Exact:
    whole cents (thousandths for quantities) are summed as integers on SQLite.

    `after`: the facts with a greater id (written in bulk since the totals last agreed with the
    facts) are added to the totals in place (INSERT … ON CONFLICT DO UPDATE, rounded back to the
    column's places like stats.services' upsert), so each seeder pays only for its own facts.
    None: every total is summed again from every fact. An order counts once per cell; that is
    additive only if none of the new facts' documents already had facts — the seeders write a
    document's facts in one go, but if one did not, everything is summed again."""
    from django.db import connection

    from salesdept.stats.models import DIMENSION_COLUMNS, SalesFact, SalesTotal

    quote = connection.ops.quote_name
    facts = quote(SalesFact._meta.db_table)
    totals = quote(SalesTotal._meta.db_table)
    sqlite = connection.vendor == "sqlite"

    def total(column: str, kind: str, places: int) -> str:
        picked = f"CASE WHEN kind = '{kind}' THEN {column} ELSE 0 END"
        if sqlite:
            scale = 10**places
            return f"ROUND(SUM(CAST(ROUND({picked} * {scale}) AS INTEGER)) / {scale}.0, {places})"
        return f"SUM({picked})"

    month = "date(day, 'start of month')" if sqlite else "CAST(date_trunc('month', day) AS date)"
    measures = {
        "ordered_amount": total("amount", "ordered", 2),
        "ordered_quantity": total("quantity", "ordered", 3),
        "cost": total("cost", "ordered", 2),
        "orders": "COUNT(DISTINCT CASE WHEN kind = 'ordered' AND amount > 0 "
        "THEN source || ':' || number END) - COUNT(DISTINCT CASE WHEN kind = 'ordered' AND amount < 0 "
        "AND source = 'order' THEN source || ':' || number END)",
        "shipped_amount": total("amount", "shipped", 2),
        "shipped_quantity": total("quantity", "shipped", 3),
        "invoiced_amount": total("amount", "invoiced", 2),
        "collected_amount": total("amount", "collected", 2),
    }
    with connection.cursor() as cursor:
        if after is not None and after > 0:
            # a new ordered fact of a document that has older facts (one index probe each)
            cursor.execute(
                f"SELECT 1 FROM {facts} n WHERE n.id > %s AND n.kind = 'ordered' AND EXISTS ("
                f"SELECT 1 FROM {facts} o WHERE o.source = n.source AND o.number = n.number "
                "AND o.id <= %s) LIMIT 1",
                [after, after],
            )
            if cursor.fetchone():
                after = None
        if after is None:
            cursor.execute(f"DELETE FROM {totals}")  # summed again from every fact
            after = 0
        for dimension, column in DIMENSION_COLUMNS.items():
            key = f"COALESCE(CAST({quote(column)} AS TEXT), '')"
            into = ", ".join(["month", "dimension", quote("key"), *(quote(m) for m in measures)])
            cursor.execute(
                f"INSERT INTO {totals} ({into}) "
                f"SELECT {month}, %s, {key}, {', '.join(measures.values())} FROM {facts} "
                f"WHERE id > %s GROUP BY {month}, {key} "
                f"ON CONFLICT (dimension, month, {quote('key')}) DO UPDATE SET {_added_to_totals()}",
                [dimension.value, after],
            )
    if sqlite:
        with connection.cursor() as cursor:
            # sampled (a few hundred rows per index): a full ANALYZE reads every index of
            # millions of facts, invoices and follow-ups — most of a minute
            cursor.execute("PRAGMA analysis_limit = 400")
            cursor.execute("ANALYZE")


# ---------------------------------------------------------------------------- the three reports


def _reports(today: datetime.date) -> list[tuple[str, str, datetime.date, datetime.date]]:
    from salesdept.stats.selectors import report_range

    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    last_quarter = quarter_start - ONE_DAY
    return [
        ("year by month × region", "region", *report_range(period="year", today=today)),
        ("quarter by salesperson", "salesperson", *report_range(period="quarter", today=last_quarter)),
        # last month: the monthly report is filed when the month is over (this one may be a day old)
        ("month by product", "product", *report_range(period="month", today=today.replace(day=1) - ONE_DAY)),
    ]


def measure_reports_service(params: dict, n: int) -> dict | tuple[list[float], int]:
    """sales_report() as the director, the three reports in turn; the first call of each is the
    cold one (a fresh process: nothing of the report cached by Django or the database's own
    plan cache). Every answer must hold sales."""

    from salesdept.accounts.models import User
    from salesdept.stats.selectors import DEFAULT_MEASURES, sales_report

    from .http import summary

    viewer = User.objects.get(username=VIEWER)
    reports = [
        (name, dimension, datetime.date.fromisoformat(first), datetime.date.fromisoformat(last))
        for name, dimension, first, last in params["stats_reports"]
    ]
    if n <= 5:  # the runner's warm-up call: the cold figures are taken by the measured call
        return [], 0
    result, errors = {}, 0
    for name, dimension, start, end in reports:
        times = []
        for _ in range(RUNS + 1):
            t = time.perf_counter()
            report = sales_report(
                viewer, dimension=dimension, start=start, end=end, measures=DEFAULT_MEASURES
            )
            times.append(time.perf_counter() - t)
            errors += not (report.rows and report.total["ordered_amount"] > 0)
        result[name] = {"cold_ms": round(times[0] * 1000, 1), **summary(times[1:], 0)}
    worst = max(r["p95_ms"] for r in result.values())
    return {"reports": result, "p95_ms": worst, "errors": errors, "requests": RUNS * len(reports)}


def measure_dashboard_service(params: dict, n: int) -> dict | tuple[list[float], int]:
    """The director's dashboard (web.dashboards.director_dashboard) over the same data: what the
        page reads (sales against plan, the 12-month trend with the year before, the region ranking,
        contracts waiting; `page`) and the receivables-aging panel the page loads in its own request
        right after (`aging`). Cold = the first call in this process, which started as a server worker
    does (inprocess.main runs web.apps.warm_up(), like cli._gunicorn); p95 over 20 runs."""

    from salesdept.accounts.models import User
    from salesdept.web.dashboards import DEFERRED, dashboard, director_dashboard

    from .http import summary

    viewer = User.objects.get(username=VIEWER)
    if n <= 5:  # the runner's warm-up call
        return [], 0
    parts = {
        "page": lambda: director_dashboard(viewer, defer=DEFERRED),
        "aging": lambda: dashboard(viewer, only=DEFERRED),
    }
    result, errors = {}, 0
    for name, call in parts.items():
        times = []
        for _ in range(RUNS + 1):
            t = time.perf_counter()
            panels = call()
            times.append(time.perf_counter() - t)
            errors += not panels
        result[name] = {"cold_ms": round(times[0] * 1000, 1), **summary(times[1:], 0)}
    return {"parts": result, "p95_ms": result["page"]["p95_ms"], "errors": errors, "requests": RUNS * 2}


SERVICE_WORKLOADS = [
    (
        "stats_reports",
        "sales_report() 销售统计报表 as the director over 1,000,000 order lines: this year by month × "
        "region, last quarter by salesperson, last month by product (cold = first call; p95 over 20 "
        "runs); target < 500 ms",
        measure_reports_service,
    ),
    (
        "director_dashboard",
        "the director's dashboard 销售总监首页 (web.dashboards.director_dashboard) over the same data: "
        "the page (sales vs plan, 12-month trend, region ranking, contracts waiting) and the "
        "receivables-aging panel it loads right after (cold = first call; p95 over 20 runs); "
        "target < 500 ms",
        measure_dashboard_service,
    ),
]


# ---------------------------------------------------------------------------- HTTP API


def measure_reports_api(host: str, port: int, params: dict, n: int) -> tuple[list[float], int]:
    """GET /api/v1/stats/sales as the director, the three reports in turn."""
    from .sales import TokenClient

    queries = [
        f"dimension={dimension}&period=range&start={first}&end={last}"
        for _name, dimension, first, last in params["stats_reports"]
    ]
    client = TokenClient(host, port, VIEWER, params["password"])
    times, errors = [], 0
    for i in range(min(n, RUNS * len(queries))):
        answer = client.get(f"/api/v1/stats/sales?{queries[i % len(queries)]}")
        times.append(answer.seconds)
        errors += answer.status != 200 or not json.loads(answer.body)["rows"]
    return times, errors


STATS_WORKLOADS = [
    (
        "stats_api",
        "GET /api/v1/stats/sales (director) over 1,000,000 order lines: year by month × region, quarter "
        "by salesperson, month by product, in turn; target < 500 ms",
        measure_reports_api,
    ),
]
