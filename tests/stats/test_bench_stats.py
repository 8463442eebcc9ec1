"""The statistics bench: its seeder writes the facts of N order lines in bulk and sums the monthly
totals in the database, and they agree with record_facts' own sums (I12; the org fixture also
checks every invariant after the test); the workload finds sales in each report."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from salesdept.bench import stats as bench
from salesdept.stats.models import TOTAL_MEASURES, Kind, SalesFact, SalesTotal, Source
from salesdept.stats.selectors import totals_mismatches
from salesdept.stats.services import record_facts, totals_of

from .conftest import fact

pytestmark = pytest.mark.django_db


def test_seeded_facts_and_totals_agree(world, monkeypatch):
    monkeypatch.setattr(bench, "sizes", lambda: {"lines": 1_500})
    params = bench.seed_stats(random.Random(3))
    ordered = SalesFact.objects.filter(kind=Kind.ORDERED)
    assert params["stats_lines"] == ordered.count() == 1_500
    assert params["stats_facts"] == SalesFact.objects.count()
    assert set(SalesFact.objects.values_list("kind", flat=True)) == set(Kind.values)
    # the database's sums are record_facts' sums
    assert totals_mismatches() == []
    expected = {
        cell: measures for cell, measures in totals_of(SalesFact.objects.all()).items() if any(measures)
    }
    stored = {
        (t.dimension, t.month, t.key): [getattr(t, name) for name in bench_measures()]
        for t in SalesTotal.objects.all()
        if any(getattr(t, name) for name in bench_measures())
    }
    assert stored == expected
    # the indexes (and on PostgreSQL the foreign keys) dropped for the load are back
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, SalesFact._meta.db_table)
    assert {index.name for index in SalesFact._meta.indexes} <= set(constraints)
    assert sum(1 for c in constraints.values() if c["foreign_key"]) == 6


def bench_measures():
    from salesdept.stats.models import TOTAL_MEASURES

    return TOTAL_MEASURES


def test_the_workload_reports_every_report_with_sales(world, monkeypatch):
    monkeypatch.setattr(bench, "sizes", lambda: {"lines": 1_500})
    monkeypatch.setattr(bench, "RUNS", 2)
    params = bench.seed_stats(random.Random(4))
    assert bench.measure_reports_service(params, 5) == ([], 0)  # the warm-up call measures nothing
    figures = bench.measure_reports_service(params, 50)
    assert figures["errors"] == 0
    assert set(figures["reports"]) == {"year by month × region", "quarter by salesperson", "month by product"}
    assert all("cold_ms" in r and r["requests"] == 2 for r in figures["reports"].values())


def test_the_dashboard_workload_times_the_page_and_the_aging_panel(world, monkeypatch):
    monkeypatch.setattr(bench, "sizes", lambda: {"lines": 1_500})
    monkeypatch.setattr(bench, "RUNS", 2)
    params = bench.seed_stats(random.Random(5))
    assert bench.measure_dashboard_service(params, 5) == ([], 0)
    figures = bench.measure_dashboard_service(params, 50)
    assert figures["errors"] == 0 and set(figures["parts"]) == {"page", "aging"}
    assert figures["p95_ms"] == figures["parts"]["page"]["p95_ms"]


def test_the_http_workload_needs_no_django(tmp_path):
    """`salesdept bench` runs the HTTP workloads in a process without Django: the workload must
    take everything from the seeder's parameters (here it reaches the network, and fails there)."""
    import json
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    params = {"password": "x", "stats_reports": [["r", "region", "2026-01-01", "2026-12-31"]]}
    code = (
        "import json, sys\n"
        "from salesdept.bench import stats\n"
        f"stats.measure_reports_api('127.0.0.1', {port}, json.loads(sys.argv[1]), 3)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps(params)], env=env, capture_output=True, text=True, timeout=60
    )
    assert "ConnectionRefusedError" in result.stderr, result.stderr[-2000:]
    assert "settings are not configured" not in result.stderr


def _stored_totals() -> dict:
    return {
        (t.dimension, t.month, t.key): [getattr(t, name) for name in TOTAL_MEASURES]
        for t in SalesTotal.objects.all()
        if any(getattr(t, name) for name in TOTAL_MEASURES)
    }


def test_totals_summed_round_by_round_equal_the_totals_summed_from_scratch(world, monkeypatch):
    """Each seeder adds only its own facts to the totals (sum_totals(after=…)): a fact posted
    by a service, then the stats seeder's facts, then more documents' facts written in bulk
    (odd cents, a credit note, an order cancelled, a payment) give the totals that summing every
    fact again gives — and record_facts' own sums."""
    a, b = world.customers
    p1, _p2, p3 = world.products
    month = timezone.localdate().replace(day=1)
    record_facts([fact(a, p1, day=month, amount="100.10", cost="60.05", number="SO-SVC")])
    monkeypatch.setattr(bench, "sizes", lambda: {"lines": 1_500})
    bench.seed_stats(random.Random(6))
    before = bench._last_fact()
    later = [
        fact(a, p1, day=month, amount="0.10", cost="0.07", quantity="0.333", number="SO-R2", line="1"),
        fact(a, p3, day=month, amount="0.20", cost="0.01", quantity="1.667", number="SO-R2", line="2"),
        fact(b, p1, day=month, kind=Kind.INVOICED, amount="-0.35", source=Source.INVOICE, number="CN-1"),
        fact(b, p1, day=month, amount="12.34", number="SO-GONE"),
        fact(b, p1, day=month, amount="-12.34", cost="-60.00", number="SO-GONE"),
        fact(b, None, day=month - datetime.timedelta(days=1), kind=Kind.COLLECTED, amount="999.99",
             cost="0", quantity="0", source=Source.PAYMENT, number="PAY-1", line=""),
    ]  # fmt: skip
    SalesFact.objects.bulk_create(later)  # in bulk, as the seeders write: no totals yet
    kept = set(SalesTotal.objects.values_list("pk", flat=True))
    bench.sum_totals(after=before)
    assert kept <= set(SalesTotal.objects.values_list("pk", flat=True))  # added to, not summed again
    added = _stored_totals()
    assert totals_mismatches() == []
    bench.sum_totals()  # every fact again, from scratch
    assert _stored_totals() == added
    expected = {cell: m for cell, m in totals_of(SalesFact.objects.all()).items() if any(m)}
    assert added == expected


def test_a_document_with_facts_in_both_rounds_is_summed_again_from_scratch(world):
    """An order counts once per cell: a second line of an order summed before cannot simply be
    added (it would count the order twice), so every total is summed again."""
    a, _b = world.customers
    p1, p2, _p3 = world.products
    SalesFact.objects.bulk_create([fact(a, p1, number="SO-SPLIT", line="1")])
    bench.sum_totals(after=0)
    before = bench._last_fact()
    SalesFact.objects.bulk_create([fact(a, p2, amount="0.30", number="SO-SPLIT", line="2")])
    kept = set(SalesTotal.objects.values_list("pk", flat=True))
    bench.sum_totals(after=before)
    assert not kept & set(SalesTotal.objects.values_list("pk", flat=True))  # summed again
    region = SalesTotal.objects.get(dimension="region", key=str(a.region_id))
    assert (region.orders, region.ordered_amount) == (1, Decimal("100.30"))
    assert totals_mismatches() == []


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_foreign_keys_are_checked_once_after_the_load(world, monkeypatch):
    """SQLite (where it may: outside a transaction, as the bench seeds) writes the facts without
    a foreign-key probe per row and checks them all after the load: a fact naming a product that
    does not exist is refused and nothing is written; the checks are on again afterwards."""
    from django.db import IntegrityError

    monkeypatch.setattr(bench, "sizes", lambda: {"lines": 300})
    real_catalog = bench._catalog
    monkeypatch.setattr(bench, "_catalog", lambda rng: [(999_999, *real_catalog(rng)[0][1:])])
    checked = []
    check = connection.check_constraints
    monkeypatch.setattr(connection, "check_constraints", lambda **kw: checked.append(kw) or check(**kw))
    before = SalesFact.objects.count()
    with pytest.raises(IntegrityError):
        bench.seed_stats(random.Random(7))
    assert SalesFact.objects.count() == before
    # SQLite: refused by the one check after the load (PostgreSQL: when the dropped key comes back)
    assert bool(checked) == (connection.vendor == "sqlite")
    monkeypatch.setattr(bench, "_catalog", real_catalog)
    params = bench.seed_stats(random.Random(7))
    assert SalesFact.objects.filter(kind=Kind.ORDERED).count() == params["stats_lines"] == 300
    assert totals_mismatches() == []
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
