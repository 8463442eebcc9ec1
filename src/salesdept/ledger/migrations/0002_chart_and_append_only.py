"""The chart of accounts a sales department needs (ledger/codes.py), journal entries and lines
append-only like the stock moves (the database refuses UPDATE, and DELETE on PostgreSQL), and —
on a database that already holds stock — the opening entry that brings the stock value found
into the inventory account (I11)."""

from decimal import Decimal

from django.db import migrations

TABLES = ("ledger_journalentry", "ledger_journalline")


def seed_chart(apps, schema_editor):
    from salesdept.ledger.codes import CHART

    Account = apps.get_model("ledger", "Account")
    for code, name, name_zh, kind in CHART:
        Account.objects.update_or_create(code=code, defaults={"name": str(name), "name_zh": name_zh, "kind": kind})


def append_only(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END;"
            )
        elif vendor == "postgresql":  # salesdept_append_only() comes from core 0002
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION salesdept_append_only();"
            )


def drop_append_only(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update;")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};")


def opening_stock(apps, schema_editor):
    """Stock posted before the ledger existed: Dr inventory per product, Cr opening balances."""
    import datetime

    from django.db.models import Sum

    Stock = apps.get_model("warehouse", "Stock")
    Account = apps.get_model("ledger", "Account")
    JournalEntry = apps.get_model("ledger", "JournalEntry")
    JournalLine = apps.get_model("ledger", "JournalLine")
    User = apps.get_model("accounts", "User")
    values = [
        (product, value)
        for product, value in Stock.objects.values_list("product_id").annotate(v=Sum("value")).order_by("product_id")
        if value
    ]
    if not values:
        return
    by = User.objects.order_by("-is_superuser", "pk").first()
    inventory = Account.objects.get(code="1405")
    opening = Account.objects.get(code="4001")
    today = datetime.date.today()
    entry = JournalEntry.objects.create(
        entry_date=today, source_type="ledger.account", source_id=opening.pk, memo="Opening stock value", created_by=by
    )
    lines = []
    total = Decimal("0")
    for product, value in values:
        value = Decimal(value).quantize(Decimal("0.01"))
        total += value
        side = {"debit": value} if value > 0 else {"credit": -value}
        lines.append(JournalLine(entry=entry, account=inventory, entry_date=today, product_id=product, **side))
    side = {"credit": total} if total > 0 else {"debit": -total}
    lines.append(JournalLine(entry=entry, account=opening, entry_date=today, **side))
    JournalLine.objects.bulk_create(lines)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0001_initial"),
        ("core", "0002_append_only_logs"),
        ("warehouse", "0003_stock_reservations"),
        ("accounts", "0001_initial"),
    ]
    operations = [
        migrations.RunPython(seed_chart, migrations.RunPython.noop),
        migrations.RunPython(append_only, drop_append_only),
        migrations.RunPython(opening_stock, migrations.RunPython.noop),
    ]
