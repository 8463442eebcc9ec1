"""Bench data and workloads for the warehouse (W1–W3).

`seed_warehouse` (prepare process, Django set up) writes 5,000,000 stock move lines over a few
hundred products, each kept in two bins of each of two warehouses (≈1,000 stock cards of ≈5,000
lines each), spread over the last two years: receipts, issues for sales and transfers between
bins, ten lines a document (a transfer line makes two moves), all posted by the keeper. The rows go
in straight (COPY on PostgreSQL, executemany on SQLite: bench.crm._insert) with explicit ids, not
through `ledger.post_moves()`, but with what it would have written: the running balance and
value of every card (moving average cost, the last unit takes the rest), `Stock` and `StockLot`
rows equal to Σ moves, each Stock's last move, the lines' values, gap-free document numbers per
year (I8). A few stocktakes are counted near the end — a cycle count submitted for review and
two drafts — some with real differences not yet posted, so the reconciliation has something to
find, and later moves so its drill-down has moves since the count.

The workloads (bench process, no Django) measure over HTTP as the keeper, with an API token:
- stock_posting_api: POST a 10-line document created and posted in one request (`?post=true`),
  alternating receipts and issues of the same lines (end to end: validation, posting, the full
  document in the answer); the time of each document is spread over its move lines, so
  `per_second` is move lines per second (no target: the figure a client sees);
- stock_card: GET the card of random product × location (the newest page; target p95 < 100 ms);
- stock_reconciliation: GET the reconciliation of a whole warehouse (target < 1 s);
and in-process (bench/inprocess.py, after the HTTP workloads):
- stock_posting: `document_post()` of 10-line drafts, the same alternation (target ≥ 2,000 move
  lines/s).

`SALESDEPT_BENCH_QUICK=1` (or quick=True) scales the data down (50,000 move lines)."""

import datetime
import json
import os
import random
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal

FULL = {"moves": 5_000_000, "products": 250}
QUICK = {"moves": 50_000, "products": 60}
LINES = 10  # lines per document
BINS = 12  # storage bins per warehouse (A-01-01 …)
DAYS = 730  # the moves span the last two years
CHUNK_DOCS = 10_000  # documents generated and inserted per round
KEEPER = "keeper"
CARD_SAMPLES = 400  # product × location pairs the card workload picks from
POSTING_PAIRS = 40  # pairs the posting workload receives into and issues from (never issued to 0)
WAREHOUSES = [
    # code, Chinese, English, address
    ("BSH", "华东总仓（测试）", "Shanghai main warehouse (bench)", "上海市嘉定区兴贤路 1180 号"),
    ("BGZ", "华南分仓（测试）", "Guangzhou warehouse (bench)", "广州市黄埔区开创大道 2566 号"),
]
PRODUCT_WORDS = [
    ("离心泵", "Centrifugal pump", "台", 6800),
    ("闸阀", "Gate valve", "只", 860),
    ("球阀", "Ball valve", "只", 420),
    ("异步电机", "Induction motor", "台", 2680),
    ("机械密封", "Mechanical seal", "套", 380),
    ("深沟球轴承", "Ball bearing", "套", 96),
    ("联轴器", "Coupling", "只", 260),
    ("法兰", "Flange", "片", 58),
    ("压力表", "Pressure gauge", "只", 120),
    ("变频器", "Frequency inverter", "台", 5200),
]
SUPPLIERS = [
    "上海东方泵业有限公司",
    "浙江精工阀门有限公司",
    "江苏大中电机股份有限公司",
    "广州华南轴承有限公司",
]

# API paths (warehouse/api/documents.py, stock.py, reconciliation.py; mounted in salesdept/api.py)
DOCUMENTS = "/api/v1/warehouse/documents"
CARD = "/api/v1/warehouse/stock/card/{product}/{location}"
RECONCILIATION = "/api/v1/warehouse/reconciliation/?warehouse={warehouse}"


def sizes(quick: bool | None = None) -> dict:
    if quick is None:
        quick = os.environ.get("SALESDEPT_BENCH_QUICK") == "1"
    return dict(QUICK if quick else FULL)


# ---------------------------------------------------------------------------- seeder (Django)


@contextmanager
def _bulk_load(models):
    """Drop the secondary indexes (and on PostgreSQL the foreign keys) of `models`' tables for a
    bulk load and build them again afterwards: one index build is much faster than keeping eight
    indexes (and a foreign-key trigger per row) up to date over millions of rows."""
    from django.db import connection, transaction

    qn = connection.ops.quote_name
    restore: list[str] = []
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:  # no ALTER TABLE while deferred foreign-key checks are pending
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for model in models:
            table = model._meta.db_table
            if postgres:
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
                    restore.append(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND tablename = %s AND indexname NOT IN "
                    "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) ORDER BY indexname",
                    [table, table],
                )
            else:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                    "AND sql IS NOT NULL ORDER BY name",
                    [table],
                )
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {qn(name)}")
                restore.insert(0, definition)  # indexes before the foreign keys that use them
    try:
        yield
    finally:
        with transaction.atomic(), connection.cursor() as cursor:
            if postgres:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for statement in restore:
                cursor.execute(statement)
            if postgres:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _half_up(numerator: int, denominator: int) -> int:
    """round(numerator / denominator), halves away from zero, for numerator ≥ 0."""
    return (2 * numerator + denominator) // (2 * denominator)


class _Card:
    """The running book of one product × location while the moves are generated (cents)."""

    __slots__ = ("last_issue", "last_move", "location", "product", "quantity", "value")

    def __init__(self, product: int, location: int):
        self.product, self.location = product, location
        self.quantity = 0
        self.value = 0  # cents
        self.last_move = None
        self.last_issue = None

    def move(self, rows: list, move_id: int, kind: str, quantity: int, value: int, context: tuple) -> int:
        """Append the move row `move_id` (quantity, value in cents, signed) with the running
        balance; returns the next move id."""
        self.quantity += quantity
        self.value += value
        day, document_id, line_id, at = context
        rows.append(
            (move_id, self.product, self.location, kind, quantity, _cents(value), self.quantity,
             _cents(self.value), day, document_id, line_id, at)
        )  # fmt: skip
        self.last_move = move_id
        return move_id + 1


def _cents(c: int) -> Decimal:
    return Decimal(c).scaleb(-2)


def _setup(rng: random.Random, n: dict):
    """The two warehouses (through A's setup services, as the keeper), their bins, the bench
    products and each product's bins."""
    from salesdept.accounts.models import User
    from salesdept.catalog.models import Category, Product
    from salesdept.warehouse.models import Location, Warehouse
    from salesdept.warehouse.services import setup

    keeper = User.objects.get(username=KEEPER)
    warehouses = []
    for code, name, name_en, address in WAREHOUSES:
        warehouse = Warehouse.objects.filter(code=code).first() or setup.warehouse_create(
            by=keeper,
            data={"code": code, "name": name, "name_en": name_en, "address": address, "keeper": keeper.pk},
        )
        bins = []
        for i in range(BINS):
            bin_code = f"{'AB'[i // 6]}-{(i % 6) // 3 + 1:02d}-{i % 3 + 1:02d}"
            location = Location.objects.filter(warehouse=warehouse, code=bin_code).first()
            bins.append(
                location
                or setup.location_create(
                    by=keeper, data={"warehouse": warehouse.pk, "code": bin_code, "name": f"货架 {bin_code}"}
                )
            )
        warehouses.append((warehouse, bins))
    category, _ = Category.objects.get_or_create(
        code="bench-stock", defaults={"name": "库存测试物料", "name_en": "Bench stock items"}
    )
    existing = {p.code: p for p in Product.objects.filter(code__startswith="BENCH-WH-")}
    new = []
    for i in range(n["products"]):
        code = f"BENCH-WH-{i + 1:04d}"
        if code not in existing:
            name, name_en, uom, price = PRODUCT_WORDS[i % len(PRODUCT_WORDS)]
            new.append(
                Product(
                    code=code,
                    name=f"{name} 型号{i + 1:04d}",
                    name_en=f"{name_en} model {i + 1:04d}",
                    category=category,
                    uom=uom,
                    list_price=Decimal(price),
                    tax_rate=Decimal("13.00"),
                )
            )
    Product.objects.bulk_create(new)
    products = list(Product.objects.filter(code__startswith="BENCH-WH-").order_by("code")[: n["products"]])
    # each product lives in two bins of each warehouse
    homes = {}
    for product in products:
        for warehouse, bins in warehouses:
            homes[(product.pk, warehouse.pk)] = [b.pk for b in rng.sample(bins, 2)]
    return keeper, warehouses, products, homes


def seed_warehouse(rng: random.Random, quick: bool | None = None, *, moves: int | None = None) -> dict:
    """Warehouses, products, ~`moves` posted move lines with their documents, Stock and StockLot
    rows, stock rules and a few counted stocktakes (see the module docstring)."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from salesdept.core.models import Sequence
    from salesdept.core.numbering import format_number
    from salesdept.warehouse.models import (
        StockDocument,
        StockDocumentLine,
        StockLot,
        StockMove,
        StockRule,
    )

    from .crm import _insert

    n = sizes(quick)
    if moves is not None:
        n["moves"] = moves
    started = time.perf_counter()
    with transaction.atomic():
        keeper, warehouses, products, homes = _setup(rng, n)
    cost = {p.pk: int(p.list_price * 100 * Decimal("0.62")) for p in products}  # cents
    today = timezone.localdate()
    first_day = today - datetime.timedelta(days=DAYS)
    tz = timezone.get_current_timezone()
    # ≈ 10 moves per document (a transfer has 5 lines of 2 moves)
    total_docs = max(1, n["moves"] // LINES)
    count_at = int(total_docs * 0.97)  # the stocktakes happen here: 3 % of the moves come after

    def next_id(model) -> int:
        return (model._base_manager.aggregate(m=Max("pk"))["m"] or 0) + 1

    doc_id, line_id, move_id = next_id(StockDocument), next_id(StockDocumentLine), next_id(StockMove)
    sequences = {year: last for year, last in Sequence.objects.filter(key="WH").values_list("year", "last")}
    cards: dict[tuple[int, int], _Card] = {}
    pairs_of = {}  # warehouse id → [(product, location)]
    for (product_id, warehouse_id), bins in homes.items():
        for location_id in bins:
            cards[(product_id, location_id)] = _Card(product_id, location_id)
            pairs_of.setdefault(warehouse_id, []).append((product_id, location_id))
    for pairs in pairs_of.values():
        pairs.sort()
    warehouse_ids = [w.pk for w, _bins in warehouses]
    doc_columns = [
        "id",
        "number",
        "status",
        "prepared_by_id",
        "kind",
        "purpose",
        "warehouse_id",
        "moved_on",
        "supplier",
        "reference",
        "created_at",
        "updated_at",
        "posted_at",
        "posted_by_id",
    ]  # fmt: skip
    doc_constants = {"review_round": 0, "version": 1, "notes": "", "source_type": ""}
    line_columns = [
        "id",
        "document_id",
        "position",
        "product_id",
        "quantity",
        "location_id",
        "to_location_id",
        "unit_cost",
        "value",
    ]  # fmt: skip
    line_constants = {"lot": "", "quality": "accepted", "notes": ""}
    move_columns = [
        "id",
        "product_id",
        "location_id",
        "kind",
        "quantity",
        "value",
        "balance",
        "balance_value",
        "moved_on",
        "document_id",
        "line_id",
        "created_at",
    ]  # fmt: skip
    move_constants = {"lot": "", "quality": "accepted", "created_by_id": keeper.pk}
    counted = None
    written = {"documents": 0, "lines": 0, "moves": 0}
    stamps: dict[datetime.date, datetime.datetime] = {}

    def stamp(day: datetime.date) -> datetime.datetime:
        if day not in stamps:
            stamps[day] = datetime.datetime.combine(day, datetime.time(10), tzinfo=tz)
        return stamps[day]

    with _bulk_load([StockDocumentLine, StockMove]):
        for chunk_start in range(0, total_docs, CHUNK_DOCS):
            docs, lines, moves_rows = [], [], []
            for d in range(chunk_start, min(chunk_start + CHUNK_DOCS, total_docs)):
                day = first_day + datetime.timedelta(days=d * DAYS // total_docs)
                if d == count_at:
                    counted = _snapshot(cards, pairs_of, warehouse_ids, day)
                warehouse_id = rng.choice(warehouse_ids)
                pairs = pairs_of[warehouse_id]
                roll = rng.random()
                kind = "receipt" if roll < 0.42 else "issue" if roll < 0.9 else "transfer"
                doc_lines = []  # (product, location, to_location, quantity, unit_cost cents)
                if kind == "receipt":
                    for product_id, location_id in rng.sample(pairs, LINES):
                        unit = _half_up(cost[product_id] * rng.randint(95, 105), 100)
                        doc_lines.append((product_id, location_id, None, rng.randint(5, 40), unit))
                elif kind == "issue":
                    for product_id, location_id in rng.sample(pairs, LINES * 3):
                        have = cards[(product_id, location_id)].quantity
                        if have > 0:
                            doc_lines.append(
                                (product_id, location_id, None, min(have, rng.randint(1, 30)), None)
                            )
                            if len(doc_lines) == LINES:
                                break
                else:
                    for product_id, location_id in rng.sample(pairs, LINES * 2):
                        have = cards[(product_id, location_id)].quantity
                        if have > 0:
                            other = next(b for b in homes[(product_id, warehouse_id)] if b != location_id)
                            doc_lines.append(
                                (product_id, location_id, other, min(have, rng.randint(1, 20)), None)
                            )
                            if len(doc_lines) == LINES // 2:
                                break
                if not doc_lines:  # nothing to issue yet: receive instead next time
                    continue
                year = day.year
                sequences[year] = sequences.get(year, 0) + 1
                at = stamp(day)
                docs.append(
                    (
                        doc_id,
                        format_number(StockDocument.NUMBER_PREFIX, year, sequences[year]),
                        "posted",
                        keeper.pk,
                        kind,
                        {"receipt": "purchase", "issue": "sale", "transfer": "move"}[kind],
                        warehouse_id,
                        day,
                        rng.choice(SUPPLIERS) if kind == "receipt" else "",
                        f"PO-{year}-{doc_id:07d}" if kind == "receipt" else "",
                        at,
                        at,
                        at,
                        keeper.pk,
                    )
                )
                for position, (product_id, location_id, to_location, quantity, unit) in enumerate(
                    doc_lines, 1
                ):
                    card = cards[(product_id, location_id)]
                    row = (day, doc_id, line_id, at)
                    if kind == "receipt":
                        value = quantity * unit
                    else:
                        value = (
                            card.value
                            if quantity == card.quantity
                            else _half_up(card.value * quantity, card.quantity)
                        )
                    lines.append(
                        (
                            line_id,
                            doc_id,
                            position,
                            product_id,
                            quantity,
                            location_id,
                            to_location,
                            _cents(unit) if unit is not None else None,
                            _cents(value),
                        )
                    )
                    if kind == "receipt":
                        move_id = card.move(moves_rows, move_id, "receipt", quantity, value, row)
                    else:
                        if kind == "issue":
                            card.last_issue = day
                        out_kind = "issue" if kind == "issue" else "transfer_out"
                        move_id = card.move(moves_rows, move_id, out_kind, -quantity, -value, row)
                        if to_location is not None:
                            target = cards[(product_id, to_location)]
                            move_id = target.move(moves_rows, move_id, "transfer_in", quantity, value, row)
                    line_id += 1
                doc_id += 1
            with transaction.atomic():
                _insert(StockDocument, doc_columns, docs, doc_constants)
                _insert(StockDocumentLine, line_columns, lines, line_constants)
                _insert(StockMove, move_columns, moves_rows, move_constants)
            written["documents"] += len(docs)
            written["lines"] += len(lines)
            written["moves"] += len(moves_rows)
    moved = time.perf_counter()

    with transaction.atomic():
        stock_before = next_id(_stock_model())
        stock_rows, lot_rows = [], []
        stock_ids = {}
        for k, ((product_id, location_id), card) in enumerate(sorted(cards.items())):
            if card.last_move is None:
                continue
            pk = stock_before + k
            stock_ids[(product_id, location_id)] = pk
            stock_rows.append(
                (
                    pk,
                    product_id,
                    location_id,
                    card.quantity,
                    _cents(card.value),
                    card.last_move,
                    card.last_issue,
                )
            )
            lot_rows.append((pk, product_id, location_id, card.quantity))
        _insert(
            _stock_model(),
            ["id", "product_id", "location_id", "quantity", "value", "last_move_id", "last_issue_on"],
            stock_rows,
            {},
        )
        _insert(
            StockLot,
            ["stock_id", "product_id", "location_id", "quantity"],
            lot_rows,
            {"lot": "", "quality": "accepted"},
        )
        for year, last in sequences.items():
            Sequence.objects.update_or_create(
                key=StockDocument.NUMBER_PREFIX, year=year, defaults={"last": last}
            )
        # the moves were written in bulk, not posted: their value enters the ledger as opening
        # stock, so the inventory account equals the stock value (I11)
        from salesdept.ledger.services import post_opening

        opening: dict[int, Decimal] = defaultdict(Decimal)
        for row in stock_rows:
            opening[row[1]] += row[4]
        post_opening(values=opening, on=first_day, by=keeper, source=warehouses[0][0])
        # stock levels: a rule per product and warehouse, a fifth of them above what is there
        rules = []
        for product in products:
            for warehouse_id in warehouse_ids:
                on_hand = sum(cards[(product.pk, b)].quantity for b in homes[(product.pk, warehouse_id)])
                low = (
                    on_hand + rng.randint(1, 50)
                    if rng.random() < 0.2
                    else max(0, on_hand // 2 - rng.randint(0, 20))
                )
                rules.append(
                    StockRule(
                        product_id=product.pk,
                        warehouse_id=warehouse_id,
                        min_quantity=Decimal(low),
                        max_quantity=Decimal(low * 2 + 20),
                    )
                )
        StockRule.objects.bulk_create(rules, ignore_conflicts=True)
        stocktakes = _stocktakes(counted, keeper, warehouses, today) if counted else {}
        if connection.vendor == "postgresql":  # explicit ids: move the id sequences past them
            from salesdept.warehouse.models import Stock

            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(
                    no_style(), [StockDocument, StockDocumentLine, StockMove, Stock]
                ):
                    cursor.execute(sql)
    # the posting workload receives into and issues from these (in the first warehouse); the
    # card workload reads cards with moves
    with_moves = sorted(pair for pair, card in cards.items() if card.last_move is not None)
    first_pairs = set(pairs_of[warehouse_ids[0]])
    posting = [pair for pair in with_moves if pair in first_pairs][:POSTING_PAIRS]
    samples = rng.sample(with_moves, min(CARD_SAMPLES, len(with_moves)))
    return {
        "wh_keeper": KEEPER,
        "wh_moves": written["moves"],
        "wh_documents": written["documents"],
        "wh_lines": written["lines"],
        "wh_stock_rows": len(stock_rows),
        "wh_products": len(products),
        "wh_warehouses": warehouse_ids,
        "wh_posting_warehouse": warehouse_ids[0],
        "wh_posting_pairs": [list(p) for p in posting],
        "wh_card_pairs": [list(p) for p in samples],
        **{f"wh_{k}": v for k, v in stocktakes.items()},
        "wh_moves_s": round(moved - started, 1),
        "wh_seed_s": round(time.perf_counter() - started, 1),
    }


def _stock_model():
    from salesdept.warehouse.models import Stock

    return Stock


def _snapshot(cards, pairs_of, warehouse_ids, day) -> dict:
    """What the counters find on `day`: the book and last move of the pairs to count."""
    snap = {"day": day, "lines": {}}
    for warehouse_id in warehouse_ids:
        for pair in pairs_of[warehouse_id]:
            card = cards[pair]
            if card.last_move is not None:
                snap["lines"][pair] = (warehouse_id, card.quantity, card.last_move)
    return snap


def _stocktakes(counted: dict, keeper, warehouses, today) -> dict:
    """Three counts on the snapshot day: a cycle count of 40 cards in the first warehouse
    (submitted, four differences), a full count of one bin of the second (draft, three
    differences) and a spot check that found the book right (draft)."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from salesdept.core.models import DocumentEvent, Sequence, Status
    from salesdept.core.numbering import format_number
    from salesdept.warehouse.models import Stocktake, StocktakeLine

    day = counted["day"]
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(16)))
    by_warehouse: dict[int, list] = {}
    for pair, (warehouse_id, quantity, last_move) in sorted(counted["lines"].items()):
        by_warehouse.setdefault(warehouse_id, []).append((pair, quantity, last_move))
    (first, _bins1), (second, bins2) = warehouses
    year = day.year
    last = (
        Sequence.objects.filter(key=Stocktake.NUMBER_PREFIX, year=year).values_list("last", flat=True).first()
        or 0
    )
    plans = []
    cycle = by_warehouse.get(first.pk, [])[:40]
    plans.append(("cycle", first, None, Status.SUBMITTED, cycle, {3, 11, 19, 27}))
    bin_id = bins2[0].pk
    full = [row for row in by_warehouse.get(second.pk, []) if row[0][1] == bin_id]
    plans.append(("full", second, bins2[0], Status.DRAFT, full, {0, 2, 4}))
    plans.append(("spot", first, None, Status.DRAFT, by_warehouse.get(first.pk, [])[-1:], set()))
    differences = 0
    made = []
    for kind, warehouse, location, status, rows, off in plans:
        if not rows:
            continue
        last += 1
        stocktake = Stocktake.objects.create(
            number=format_number(Stocktake.NUMBER_PREFIX, year, last),
            status=status,
            prepared_by=keeper,
            kind=kind,
            warehouse=warehouse,
            location=location,
            counted_on=day,
            notes="压力测试盘点",
            review_round=1 if status == Status.SUBMITTED else 0,
            submitted_at=at if status == Status.SUBMITTED else None,
        )
        lines = []
        for i, ((product_id, location_id), quantity, last_move) in enumerate(rows):
            found = quantity
            if i in off:
                found = max(0, quantity + (-2 if i % 2 else 1))
                differences += found != quantity
            lines.append(
                StocktakeLine(
                    stocktake=stocktake,
                    product_id=product_id,
                    location_id=location_id,
                    book_quantity=Decimal(quantity),
                    book_move_id=last_move,
                    counted_quantity=Decimal(found),
                    counted_by=keeper,
                    counted_at=at,
                )
            )
        StocktakeLine.objects.bulk_create(lines)
        if status == Status.SUBMITTED:
            DocumentEvent.objects.create(
                content_type=ContentType.objects.get_for_model(Stocktake),
                object_id=stocktake.pk,
                action="submit",
                actor=keeper,
                round=1,
                from_status=Status.DRAFT,
                to_status=Status.SUBMITTED,
            )
        made.append(stocktake.pk)
    Sequence.objects.update_or_create(key=Stocktake.NUMBER_PREFIX, year=year, defaults={"last": last})
    return {"stocktakes": made, "count_differences": differences, "counted_on": day.isoformat()}


# ---------------------------------------------------------------------------- workloads (HTTP)


def _token_client(host: str, port: int, params: dict):
    from .sales import TokenClient

    return TokenClient(host, port, params["wh_keeper"], params["password"])


def _document_body(params: dict, kind: str, i: int, pairs: list | None = None) -> dict:
    pairs = pairs or params["wh_posting_pairs"]
    lines = []
    for k in range(LINES):
        # an issue takes from the lines the receipt before it brought in
        product, location = pairs[((i // 2) * LINES + k) % len(pairs)]
        line = {"product": product, "location": location, "quantity": "3" if kind == "receipt" else "2"}
        if kind == "receipt":
            line.update(quality="accepted", unit_cost="100.00")
        lines.append(line)
    body = {
        "kind": kind,
        "purpose": "purchase" if kind == "receipt" else "sale",
        "warehouse": params["wh_posting_warehouse"],
        "lines": lines,
    }
    if kind == "receipt":
        body.update(supplier=SUPPLIERS[0], reference=f"BENCH-{i}")
    return body


def measure_posting(host: str, port: int, params: dict, n: int) -> tuple[list[float], int]:
    """POST /api/v1/warehouse/documents?post=true (10 lines, created and posted in one request) as
    the keeper, receipts and issues in turn (each issue takes less than the receipt before it
    brought). Each document's time is spread over its 10 move lines: `requests` counts move
    lines and `per_second` is move lines per second."""
    client = _token_client(host, port, params)
    times, errors = [], 0
    for i in range(n):
        kind = "receipt" if i % 2 == 0 else "issue"
        posted = client.post(f"{DOCUMENTS}?post=true", _document_body(params, kind, i))
        ok = posted.status == 201 and json.loads(posted.body).get("status") == "posted"
        if not ok and errors < 3:
            print(f"[bench] posting failed: HTTP {posted.status} {posted.body[:300]!r}", flush=True)
        times.extend([posted.seconds / LINES] * LINES)
        errors += not ok
    return times, errors


def measure_posting_service(params: dict, n: int) -> tuple[list[float], int]:
    """In-process (bench/inprocess.py): `document_post()` of a 10-line draft as the keeper,
    receipts and issues in turn as in measure_posting; the drafts are made by `document_create()`
    untimed. Each posting's time is spread over its 10 move lines (`per_second` = move lines/s)."""
    from salesdept.accounts.models import User
    from salesdept.core.errors import DomainError
    from salesdept.warehouse.services.documents import document_create, document_post

    keeper = User.objects.get(username=params["wh_keeper"])
    times, errors = [], 0
    for i in range(n):
        kind = "receipt" if i % 2 == 0 else "issue"
        draft = document_create(by=keeper, data=_document_body(params, kind, i))
        started = time.perf_counter()
        try:
            document_post(document_id=draft.pk, by=keeper)
        except DomainError as exc:
            if errors < 3:
                print(f"[bench] posting refused: {exc.code} {exc.message}", file=sys.stderr, flush=True)
            errors += 1
        times.extend([(time.perf_counter() - started) / LINES] * LINES)
    return times, errors


def measure_card(host: str, port: int, params: dict, n: int) -> tuple[list[float], int]:
    """GET the stock card (newest page) of random product × location as the keeper."""
    client = _token_client(host, port, params)
    pairs = params["wh_card_pairs"]
    rng = random.Random(n)
    times, errors = [], 0
    for _ in range(n):
        product, location = rng.choice(pairs)
        response = client.get(CARD.format(product=product, location=location))
        times.append(response.seconds)
        ok = response.status == 200 and _has_rows(response.body)
        if not ok and errors < 3:
            print(f"[bench] card failed: HTTP {response.status} {response.body[:300]!r}", flush=True)
        errors += not ok
    return times, errors


def measure_reconciliation(host: str, port: int, params: dict, n: int) -> tuple[list[float], int]:
    """GET the reconciliation (帐、物、卡) of a whole warehouse as the keeper, both in turn; the
    first warehouse's must list the differences its unposted cycle count found."""
    client = _token_client(host, port, params)
    warehouses = params["wh_warehouses"]
    times, errors = [], 0
    for i in range(n):
        warehouse = warehouses[i % len(warehouses)]
        response = client.get(RECONCILIATION.format(warehouse=warehouse))
        times.append(response.seconds)
        ok = response.status == 200
        if ok and params.get("wh_count_differences") and i == 0:
            ok = _has_rows(response.body)
        if not ok and errors < 3:
            print(
                f"[bench] reconciliation failed: HTTP {response.status} {response.body[:300]!r}", flush=True
            )
        errors += not ok
    return times, errors


def _has_rows(body: bytes) -> bool:
    data = json.loads(body)
    if isinstance(data, list):
        return bool(data)
    for key in ("count", "total"):
        if isinstance(data.get(key), int):
            return data[key] > 0
    for key in ("items", "rows", "lines", "moves", "results"):
        if isinstance(data.get(key), list):
            return bool(data[key])
    return False


# (name, description, measure); workloads.py wraps them in its Workload and appends them. The
# reads come first, over exactly the seeded move lines; the posting adds some.
WAREHOUSE_WORKLOADS = [
    (
        "stock_card",
        "GET the stock card of a random product × location (keeper, 5,000,000 move lines; "
        "target p95 < 100 ms)",
        measure_card,
    ),
    (
        "stock_reconciliation",
        "GET the reconciliation 帐、物、卡 of a whole warehouse (keeper, 5,000,000 move lines; target < 1 s)",
        measure_reconciliation,
    ),
    (
        "stock_posting_api",
        "POST /api/v1/warehouse/documents?post=true (10 lines, keeper), receipts and issues in turn; "
        "requests = move lines, per_second = move lines/s end to end (create, post, the answer)",
        measure_posting,
    ),
]

# keepers posting at once: one per core (SALESDEPT_BENCH_POSTERS to try others)
POSTERS = int(os.environ.get("SALESDEPT_BENCH_POSTERS") or os.cpu_count() or 2)


def post_drafts(params: dict, poster: int, documents: int, ready, go) -> dict:
    """One of the concurrent posters (its own process, bench/inprocess.py --poster): make
    `documents` drafts on its own tenth of the posting pairs (untimed), say `ready()`, wait for
    `go()`, then post them all; answers when it started and ended and each posting's time."""
    from salesdept.accounts.models import User
    from salesdept.core.errors import DomainError
    from salesdept.warehouse.services.documents import document_create, document_post

    keeper = User.objects.get(username=params["wh_keeper"])
    pairs = params["wh_posting_pairs"][poster * LINES : (poster + 1) * LINES]
    drafts = [
        document_create(
            by=keeper, data=_document_body(params, "receipt" if i % 2 == 0 else "issue", i, pairs)
        ).pk
        for i in range(documents)
    ]
    ready()
    go()
    times, errors = [], 0
    started = time.monotonic()
    for pk in drafts:
        t = time.monotonic()
        try:
            document_post(document_id=pk, by=keeper)
        except DomainError as exc:
            if errors < 3:
                print(f"[bench] posting refused: {exc.code} {exc.message}", file=sys.stderr, flush=True)
            errors += 1
        times.append(time.monotonic() - t)
    return {"started": started, "ended": time.monotonic(), "times": times, "errors": errors}


def measure_posting_concurrent(params: dict, n: int) -> dict:
    """POSTERS processes post n/POSTERS 10-line drafts each at the same moment, each on its own
    products (several keepers at work): move lines posted per second of wall time."""
    import subprocess

    posters = min(POSTERS, len(params["wh_posting_pairs"]) // LINES)
    documents = max(1, n // posters)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "salesdept.bench.inprocess",
                "--poster",
                params["_file"],
                str(k),
                str(documents),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for k in range(posters)
    ]
    for proc in procs:
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("a poster did not get ready")
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = [json.loads(proc.communicate()[0].strip().splitlines()[-1]) for proc in procs]
    wall = max(r["ended"] for r in results) - min(r["started"] for r in results)
    times = [t for r in results for t in r["times"]]
    lines = len(times) * LINES
    ms = sorted(t * 1000 for t in times)
    return {
        "processes": posters,
        "documents": len(times),
        "move_lines": lines,
        "errors": sum(r["errors"] for r in results),
        "wall_s": round(wall, 2),
        "document_p50_ms": round(ms[len(ms) // 2], 2),
        "document_p95_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.95))], 2),
        "per_second": round(lines / wall, 1),
    }


# Timed in-process by bench/inprocess.py after the HTTP workloads.
SERVICE_WORKLOADS = [
    (
        "stock_posting",
        "document_post() of a 10-line draft (keeper, in-process), receipts and issues in turn; "
        "requests = move lines, per_second = move lines posted per second (target ≥ 2,000)",
        measure_posting_service,
    ),
    (
        "stock_posting_concurrent",
        f"{POSTERS} processes each post 10-line drafts of their own products at once (document_post(), "
        "keeper); per_second = move lines posted per second of wall time (target ≥ 2,000)",
        measure_posting_concurrent,
    ),
]
