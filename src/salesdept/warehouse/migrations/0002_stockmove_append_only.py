"""Stock moves are append-only like the review log (core 0002): the database refuses UPDATE
(and DELETE on PostgreSQL) of their rows."""

from django.db import migrations

TABLE = "warehouse_stockmove"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: UPDATE refused'); END;"
        )
    elif vendor == "postgresql":  # salesdept_append_only() comes from core 0002
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION salesdept_append_only();"
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update;")
    elif vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE};")


class Migration(migrations.Migration):
    dependencies = [("warehouse", "0001_initial"), ("core", "0002_append_only_logs")]
    operations = [migrations.RunPython(forwards, backwards)]
