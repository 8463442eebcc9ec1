"""search_text on customers, contacts and leads (crm/search_keys.py), filled for existing rows,
and the indexes that make a search one short scan:
- SQLite: covering b-tree indexes (search_text first, then the columns the search's WHERE reads),
  so a `LIKE '%key%'` scans a narrow index instead of the wide rows;
- PostgreSQL: pg_trgm GIN indexes, which answer a LIKE of 3 or more characters from the index
  (a 2-character query is a sequential scan that stops at the 101st match). Creating the
  extension needs the CREATE privilege (pg_trgm is a trusted extension); without it the search
  stays correct and only slower.
These indexes depend on the database, so they live here and not in the models' Meta."""

import logging

from django.db import migrations, transaction

import salesdept.crm.search_keys

BATCH = 2000
logger = logging.getLogger(__name__)

SQLITE_INDEXES = {
    "crm_customer_search_idx": ("crm_customer", "search_text, is_active, merged_into_id, owner_id, region_id"),
    "crm_contact_search_idx": ("crm_contact", "search_text, is_active, customer_id"),
}
TRGM_INDEXES = {
    "crm_customer_search_trgm": "crm_customer",
    "crm_contact_search_trgm": "crm_contact",
    "crm_lead_search_trgm": "crm_lead",
}


def backfill(apps, schema_editor):
    from salesdept.crm.search_keys import TEXTS

    connection = schema_editor.connection
    quote = connection.ops.quote_name
    for name in ("Customer", "Contact", "Lead"):
        model = apps.get_model("crm", name)
        text = TEXTS[f"crm.{name.lower()}"]
        table = quote(model._meta.db_table)
        last = 0
        while True:
            # keyset batches: each is one indexed range read and one write
            rows = list(model.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
            if not rows:
                break
            values = [(row.pk, text(row)) for row in rows]
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute(
                        f"UPDATE {table} AS t SET search_text = v.s FROM (VALUES "
                        + ", ".join(["(%s, %s)"] * len(values))
                        + ") AS v(id, s) WHERE t.id = v.id",
                        [x for pair in values for x in pair],
                    )
                else:
                    cursor.executemany(
                        f"UPDATE {table} SET search_text = %s WHERE id = %s", [(s, pk) for pk, s in values]
                    )
            last = rows[-1].pk


def add_indexes(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for index, (table, columns) in SQLITE_INDEXES.items():
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} ({columns})")
        elif connection.vendor == "postgresql":
            try:
                with transaction.atomic(using=connection.alias):
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except Exception as exc:  # noqa: BLE001 (no privilege: search works without it)
                logger.warning("pg_trgm not available, search_text has no trigram index: %s", exc)
                return
            for index, table in TRGM_INDEXES.items():
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin (search_text gin_trgm_ops)"
                )


def drop_indexes(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for index in (*SQLITE_INDEXES, *TRGM_INDEXES):
            cursor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):

    dependencies = [
        ("crm", "0003_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="search_text",
            field=salesdept.crm.search_keys.SearchTextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="customer",
            name="search_text",
            field=salesdept.crm.search_keys.SearchTextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="lead",
            name="search_text",
            field=salesdept.crm.search_keys.SearchTextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(add_indexes, drop_indexes),
    ]
