"""Time the statistics bench's seeding seeder by seeder, then its service workloads (dev tool).

    SALESDEPT_HOME=/tmp/h python scripts/bench_stats_full.py sqlite:////tmp/h/bench.sqlite3
    python scripts/bench_stats_full.py postgresql://postgres@127.0.0.1:5432/NAME
    (SALESDEPT_BENCH_QUICK=1 for the quick sizes; --replace to start again over an existing one)

`salesdept bench --only stats_reports,director_dashboard` still runs every seeder (the filter is
for workloads) and reports one seed_s for all of them; this seeds only what the two workloads
need — the bench's people, crm, receivables and stats seeders, in the bench's order, with its
seed — and times each. Like `salesdept bench`: a child process migrates and seeds (then VACUUM
ANALYZE / PRAGMA optimize, as bench/prepare.py does), and a fresh one (bench/inprocess.py, the
cold figures are its first calls) runs the warm-up and measured calls of `stats_reports`,
`director_dashboard`, `history_import` and `aging` (50 each), then check_invariants. Prints one
JSON document.

The database must be new (a PostgreSQL database that does not exist is created; it is kept
afterwards). The other seeders are skipped, so the random draws and the data differ from a full
bench run's: compare figures of this script with figures of this script."""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SEED = 20261127  # salesdept.bench.run.SEED
REQUESTS = 50
WORKLOADS = "stats_reports,director_dashboard,history_import,aging"


def _env(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG"}}
    env.update(DJANGO_SETTINGS_MODULE="salesdept.settings", DATABASE_URL=url, LOG_LEVEL="ERROR")
    env.setdefault("SALESDEPT_BENCH_QUICK", "0")
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    return env


def _fresh(url: str, replace: bool) -> None:
    """Refuse a database that is not new (or drop it first with --replace)."""
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        path = Path(parts.path[1:] if parts.path.startswith("//") else parts.path)
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        if any(f.exists() for f in files):
            if not replace:
                sys.exit(f"{path} exists: give a new file, or --replace")
            for f in files:
                f.unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not replace:
            sys.exit(f"database {name} exists: give a new name, or --replace")
        if exists:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def seed() -> None:
    """Child process: migrate, the four seeders (each timed), the bench's post-seed maintenance."""
    import random

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from salesdept.bench import crm, receivables, stats
    from salesdept.bench.workloads import seed_people

    seconds: dict = {}
    cpu_seconds: dict = {}
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    seconds["migrate"] = round(time.perf_counter() - started, 2)
    rng = random.Random(SEED)
    params: dict = {}
    for name, seeder in (
        ("people", seed_people),
        ("crm", crm.seed_crm),
        ("receivables", receivables.seed_receivables),
        ("stats", stats.seed_stats),
    ):
        started, cpu = time.perf_counter(), time.process_time()
        params.update(seeder(rng))
        seconds[name] = round(time.perf_counter() - started, 2)
        # this process's CPU: on SQLite nearly all the work, and less swayed by other load
        cpu_seconds[name] = round(time.process_time() - cpu, 2)
        print(f"[bench_stats_full] {name}: {seconds[name]} s", file=sys.stderr, flush=True)
    started = time.perf_counter()
    from salesdept.bench.prepare import tidy_after_seed

    database = tidy_after_seed()  # as bench/prepare.py does after the seeders
    seconds["vacuum_analyze" if connection.vendor == "postgresql" else "optimize"] = round(
        time.perf_counter() - started, 2
    )
    print(
        json.dumps({"database": database, "seconds": seconds, "cpu_seconds": cpu_seconds, "params": params}),
        flush=True,
    )


def _child(args: list[str], env: dict) -> dict:
    done = subprocess.run([sys.executable, *args], env=env, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args[:3])} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(url: str, replace: bool) -> None:
    _fresh(url, replace)
    env = _env(url)
    started = time.perf_counter()
    seeded = _child([__file__, "--seed"], env)
    seed_wall = time.perf_counter() - started
    params = seeded["params"]
    with tempfile.TemporaryDirectory(prefix="bench-stats-") as folder:
        params_file = Path(folder) / "params.json"
        params_file.write_text(json.dumps(params))
        measured = _child(
            ["-m", "salesdept.bench.inprocess", str(params_file), str(REQUESTS), WORKLOADS], env
        )
    seconds = seeded["seconds"]
    seeders = ("people", "crm", "receivables", "stats")
    output = {
        "database": seeded["database"],
        "quick": env["SALESDEPT_BENCH_QUICK"] == "1",
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "seconds": {**seconds, "seeders_total": round(sum(seconds[s] for s in seeders), 2)},
        "cpu_seconds": seeded["cpu_seconds"],
        "seed_process_s": round(seed_wall, 2),
        # the seeders' own breakdowns (stats: facts written / totals summed)
        "seeder_figures": {k: v for k, v in params.items() if k.endswith("_s")},
        "sizes": {
            k: params.get(k)
            for k in ("users", "aging_invoices", "stats_lines", "stats_facts", "stats_document_facts")
        },
        **measured,
    }
    print(json.dumps(output, indent=2, ensure_ascii=False), flush=True)
    if not measured.get("invariants", {}).get("ok") or any(
        isinstance(v, dict) and v.get("errors") for v in measured.values()
    ):
        sys.exit(1)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--seed"]:
        seed()
    elif len(sys.argv) >= 2:
        main(sys.argv[1], "--replace" in sys.argv[2:])
    else:
        sys.exit(__doc__)
