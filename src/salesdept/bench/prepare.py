"""Child process of `salesdept bench`: migrate the throwaway database and seed it.

Run as `python -m salesdept.bench.prepare SEED`, with SALESDEPT_HOME and DATABASE_URL pointing at
the temporary folder and database; prints one JSON line: the seeders' parameters and the database."""

import json
import os
import random
import sys
import time


def main(seed: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesdept.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from .workloads import SEEDERS

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrated = time.perf_counter()
    rng = random.Random(seed)
    params: dict = {}
    for seeder in SEEDERS:
        params.update(seeder(rng))
    seeded = time.perf_counter()
    database = tidy_after_seed()
    print(
        json.dumps(
            {
                "params": params,
                "database": database,
                "migrate_s": round(migrated - started, 2),
                "seed_s": round(seeded - migrated, 2),
            }
        ),
        flush=True,
    )


def tidy_after_seed() -> str:
    """What follows a bulk seed before anything is measured; returns the database's name and
    version."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A database in use has been vacuumed by autovacuum; right after a bulk seed it has
            # not, and index-only scans (deep list pages) would still visit the table.
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("PRAGMA optimize")
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
