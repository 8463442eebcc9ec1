"""The warehouse bench seeder writes what `ledger.post_moves()` would have written: every card's
running balance and value, Stock and StockLot rows equal to Σ moves, gap-free numbers, counted
stocktakes with unposted differences."""

import random
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from salesdept.bench import warehouse as bench
from salesdept.core.models import Sequence
from salesdept.warehouse.models import (
    Stock,
    StockDocument,
    StockDocumentLine,
    StockLot,
    StockMove,
    StockRule,
    Stocktake,
    StocktakeLine,
    Warehouse,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(org):
    """The quick bench size: 50,000 move lines."""
    return bench.seed_warehouse(random.Random(7), quick=True)


def test_quick_size_is_50000_moves(monkeypatch):
    monkeypatch.setenv("SALESDEPT_BENCH_QUICK", "1")
    assert bench.sizes()["moves"] == 50_000
    assert bench.sizes(quick=False)["moves"] == 5_000_000
    monkeypatch.setenv("SALESDEPT_BENCH_QUICK", "0")
    assert bench.sizes()["moves"] == 5_000_000


def test_seeds_about_the_moves_asked_for(seeded):
    moves = StockMove.objects.count()
    assert moves == seeded["wh_moves"]
    assert 45_000 <= moves <= 55_000
    assert StockDocument.objects.filter(status="posted").count() == seeded["wh_documents"]
    assert StockDocumentLine.objects.count() == seeded["wh_lines"]
    assert Warehouse.objects.filter(code__in=["BSH", "BGZ"]).count() == 2
    # each warehouse got its quarantine location from the setup service
    for warehouse in Warehouse.objects.all():
        assert warehouse.locations.filter(kind="quarantine").exists()
    kinds = set(StockMove.objects.values_list("kind", flat=True))
    assert {"receipt", "issue", "transfer_out", "transfer_in"} <= kinds
    # ~10 move lines per document
    per_document = StockMove.objects.values("document").annotate(n=Count("pk")).aggregate(avg=Sum("n"))
    assert per_document["avg"] / StockDocument.objects.count() > 8


def test_stock_is_the_sum_of_moves_and_lots(seeded):
    sums = {
        (r["product_id"], r["location_id"]): (r["q"], r["v"])
        for r in StockMove.objects.values("product_id", "location_id").annotate(
            q=Sum("quantity"), v=Sum("value")
        )
    }
    stocks = list(Stock.objects.all())
    assert len(stocks) == len(sums) == seeded["wh_stock_rows"]
    lots = {r["stock_id"]: r["q"] for r in StockLot.objects.values("stock_id").annotate(q=Sum("quantity"))}
    for stock in stocks:
        quantity, value = sums[(stock.product_id, stock.location_id)]
        assert stock.quantity == quantity >= 0
        assert stock.value == pytest.approx(value, abs=Decimal("0.001"))
        assert stock.value >= 0
        assert lots[stock.pk] == stock.quantity
        last = StockMove.objects.filter(product_id=stock.product_id, location_id=stock.location_id).last()
        assert stock.last_move_id == last.pk
        assert last.balance == stock.quantity
        assert last.balance_value == stock.value


def test_running_balances_follow_the_moves(seeded):
    running = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    moves = StockMove.objects.order_by("pk").values_list(
        "pk", "product_id", "location_id", "quantity", "value", "balance", "balance_value", "moved_on",
        "document__moved_on",
    )  # fmt: skip
    emptied = 0
    for pk, product, location, quantity, value, balance, balance_value, day, document_day in moves.iterator(
        chunk_size=2000
    ):
        card = running[(product, location)]
        card[0] += quantity
        card[1] += value
        assert balance == card[0] >= 0, pk
        assert balance_value == pytest.approx(card[1], abs=Decimal("0.001")), pk
        assert balance_value >= 0, pk
        assert day == document_day
        if balance == 0:  # the last unit out takes the rest of the value
            assert balance_value == 0, pk
            emptied += 1
    assert emptied  # the generator does empty cards now and then


def test_documents_lines_and_numbers_are_consistent(seeded):
    # a line carries the value it moved; a transfer line has two moves of opposite sign
    line_values = {
        line.pk: (line.value, line.to_location_id, line.document.kind)
        for line in StockDocumentLine.objects.select_related("document")[:500]
    }
    for line_id, (value, to_location, kind) in line_values.items():
        moves = list(StockMove.objects.filter(line_id=line_id))
        assert len(moves) == (2 if to_location else 1)
        assert abs(moves[0].value) == value
        if kind == "transfer":
            assert sum(m.quantity for m in moves) == 0
    # the number series continue where the seeder stopped (I8); checked in full by `org`
    last = StockDocument.objects.order_by("-number").values_list("number", flat=True).first()
    year = int(last.split("-")[1])
    assert Sequence.objects.get(key="WH", year=year).last == int(last.split("-")[2])


def test_stocktakes_have_unposted_differences(seeded):
    takes = Stocktake.objects.filter(pk__in=seeded["wh_stocktakes"])
    assert takes.count() == 3
    assert takes.filter(status="submitted").count() == 1
    assert all(t.adjustment_id is None for t in takes)
    lines = StocktakeLine.objects.filter(stocktake__in=takes)
    assert lines.filter(counted_quantity__isnull=True).count() == 0
    differences = [line for line in lines if line.variance]
    assert len(differences) == seeded["wh_count_differences"] > 0
    # the book taken at count time is the card's balance after the move it names
    for line in lines:
        move = StockMove.objects.get(pk=line.book_move_id)
        assert (move.product_id, move.location_id) == (line.product_id, line.location_id)
        assert move.balance == line.book_quantity
    # moves came after the count (the reconciliation's drill-down shows them)
    assert StockMove.objects.filter(moved_on__gt=takes.first().counted_on).exists()


def test_rules_and_workload_parameters(seeded):
    assert StockRule.objects.count() == 2 * seeded["wh_products"]
    pairs = seeded["wh_posting_pairs"]
    assert len(pairs) == bench.POSTING_PAIRS
    assert all(Stock.objects.filter(product_id=p, location_id=loc).exists() for p, loc in pairs)
    assert all(
        Stock.objects.filter(product_id=p, location_id=loc).exists() for p, loc in seeded["wh_card_pairs"]
    )
    # the posting bodies name those pairs; an issue takes less than the receipt before it brought
    receipt = bench._document_body(seeded, "receipt", 0)
    issue = bench._document_body(seeded, "issue", 1)
    assert [(ln["product"], ln["location"]) for ln in receipt["lines"]] == [
        (ln["product"], ln["location"]) for ln in issue["lines"]
    ]
    assert Decimal(issue["lines"][0]["quantity"]) < Decimal(receipt["lines"][0]["quantity"])
    assert all(ln["quality"] == "accepted" for ln in receipt["lines"])


def test_stock_moves_stay_append_only_after_seeding(seeded):
    from django.db import DatabaseError, transaction

    move = StockMove.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        StockMove.objects.filter(pk=move.pk).update(quantity=move.quantity + 1)


def test_the_id_sequences_continue_after_the_explicit_ids(seeded, org):
    """The services create rows after the seeder: the ids must not collide."""
    from salesdept.warehouse.models import Location

    stock = Stock.objects.order_by("-pk").first()
    document = StockDocument.objects.create(
        number="WH-1999-000001",
        prepared_by=org.keeper,
        kind="receipt",
        purpose="purchase",
        warehouse=Warehouse.objects.first(),
        moved_on="1999-01-01",
    )
    assert document.pk > StockDocument.objects.exclude(pk=document.pk).order_by("-pk").first().pk
    line = StockDocumentLine.objects.create(
        document=document, product_id=stock.product_id, quantity=1, location=Location.objects.first()
    )
    assert line.pk > StockDocumentLine.objects.exclude(pk=line.pk).order_by("-pk").first().pk
    document.lines.all().delete()
    document.delete()


def test_indexes_and_foreign_keys_are_back_after_the_bulk_load(org):
    """The seeder drops the big tables' indexes (and foreign keys on PostgreSQL) while it loads."""
    from django.db import connection

    def constraints():
        with connection.cursor() as cursor:
            return {
                table: sorted(connection.introspection.get_constraints(cursor, table))
                for table in ("warehouse_stockmove", "warehouse_stockdocumentline")
            }

    before = constraints()
    assert any("card" in name for name in before["warehouse_stockmove"])
    bench.seed_warehouse(random.Random(3), moves=500)
    assert constraints() == before


@pytest.mark.django_db(transaction=True)
def test_the_workloads_answer_over_http(live_server, org):
    """The three workloads against a live server on the seeded data: the API paths and bodies
    are right (no errors), the posting really posts, and a wrong password is refused."""
    from urllib.parse import urlsplit

    params = bench.seed_warehouse(random.Random(5), moves=2_000)
    params["password"] = "demo1234"
    url = urlsplit(live_server.url)
    before = StockMove.objects.count()
    for name, _description, measure in bench.WAREHOUSE_WORKLOADS:
        times, errors = measure(url.hostname, url.port, params, 4)
        assert errors == 0, name
        assert len(times) == (4 * bench.LINES if name == "stock_posting_api" else 4), name
    # 2 receipts of 10 lines and 2 issues of 10 lines were posted
    assert StockMove.objects.count() == before + 40
    assert StockDocument.objects.filter(reference__startswith="BENCH-").count() == 2
    with pytest.raises(RuntimeError):
        bench.measure_card(url.hostname, url.port, {**params, "password": "wrong"}, 1)


@pytest.mark.django_db(transaction=True)
def test_the_service_workloads_post_in_process(org):
    """stock_posting times document_post() of real drafts; a concurrent poster makes its drafts
    on its own pairs, waits for the start and posts them all; the invariants hold after both."""
    from salesdept.core import invariants

    params = bench.seed_warehouse(random.Random(6), moves=2_000)
    before = StockMove.objects.count()
    last = StockMove.objects.order_by("-pk").values_list("pk", flat=True).first()
    times, errors = bench.measure_posting_service(params, 4)
    assert errors == 0 and len(times) == 4 * bench.LINES
    assert StockMove.objects.count() == before + 40
    assert not StockDocument.objects.filter(reference__startswith="BENCH-", status="draft").exists()
    calls = []
    result = bench.post_drafts(
        params, 1, 2, ready=lambda: calls.append("ready"), go=lambda: calls.append("go")
    )
    assert calls == ["ready", "go"] and result["errors"] == 0 and len(result["times"]) == 2
    assert result["ended"] >= result["started"]
    assert StockMove.objects.count() == before + 60
    moved = set(StockMove.objects.filter(pk__gt=last).values_list("product_id", "location_id").distinct())
    assert moved >= {tuple(p) for p in params["wh_posting_pairs"][bench.LINES : 2 * bench.LINES]}
    assert invariants.run({"I2", "I3", "I4"}) == []
