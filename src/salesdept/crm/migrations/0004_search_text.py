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
    from salesdept.crm.search_keys import refresh_search_text

    for name in ("Customer", "Contact", "Lead"):
        refresh_search_text(apps.get_model("crm", name), using=schema_editor.connection.alias)


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
            field=salesdept.crm.search_keys.SearchTextField(blank=True, db_default="", default="", editable=False),
        ),
        migrations.AddField(
            model_name="customer",
            name="search_text",
            field=salesdept.crm.search_keys.SearchTextField(blank=True, db_default="", default="", editable=False),
        ),
        migrations.AddField(
            model_name="lead",
            name="search_text",
            field=salesdept.crm.search_keys.SearchTextField(blank=True, db_default="", default="", editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(add_indexes, drop_indexes),
    ]
