"""The review log and the audit trail are append-only: the database itself refuses UPDATE (and,
on PostgreSQL, DELETE) of their rows, whoever asks (X2, X3).

SQLite keeps DELETE possible because Django empties test databases with DELETE; PostgreSQL
empties them with TRUNCATE, which row triggers do not see. Both refusals surface in Django as
IntegrityError (SQLite: RAISE(ABORT); PostgreSQL: SQLSTATE 23001 restrict_violation)."""

from django.db import migrations

TABLES = ["core_documentevent", "auditlog_logentry"]

# No "%" in this SQL: schema_editor.execute() passes parameters, so psycopg would read a "%" as
# a placeholder.
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION salesdept_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'restrict_violation',
        MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused';
END; $$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END;"
            )
        elif vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION salesdept_append_only();"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update;")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS salesdept_append_only();")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auditlog", "0017_add_actor_email")]
    operations = [migrations.RunPython(forwards, backwards)]
