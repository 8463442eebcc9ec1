"""The statistics bench: its seeder writes the facts of N order lines in bulk and sums the monthly
totals in the database, and they agree with record_facts' own sums (I12; the org fixture also
checks every invariant after the test); the workload finds sales in each report."""

import random

import pytest
from django.db import connection

from salesdept.bench import stats as bench
from salesdept.stats.models import Kind, SalesFact, SalesTotal
from salesdept.stats.selectors import totals_mismatches
from salesdept.stats.services import totals_of

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
