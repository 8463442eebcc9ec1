"""Customer indexes without duplicates: exact-lookup columns get a plain index (no PostgreSQL
`_like` twin), region/owner none of their own (the composite indexes start with them), and the
list's (name, id) index also holds the list's filter columns (fast deep pages).
SQLite rebuilds the table for these changes, which drops the search index 0004 made by hand:
it is made again at the end."""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

search_text = importlib.import_module("salesdept.crm.migrations.0004_search_text")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roles"),
        ("crm", "0004_search_text"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="customer",
            name="name_normalized",
            field=models.CharField(editable=False, max_length=200),
        ),
        migrations.AlterField(
            model_name="customer",
            name="owner",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="customers",
                to=settings.AUTH_USER_MODEL,
                verbose_name="salesperson",
            ),
        ),
        migrations.AlterField(
            model_name="customer",
            name="phone_normalized",
            field=models.CharField(blank=True, editable=False, max_length=50),
        ),
        migrations.AlterField(
            model_name="customer",
            name="region",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="customers",
                to="accounts.region",
                verbose_name="region",
            ),
        ),
        migrations.AlterField(
            model_name="customer",
            name="tax_id",
            field=models.CharField(blank=True, max_length=30, verbose_name="tax ID"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["name_normalized"], name="customer_name_norm_idx"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["phone_normalized"], name="customer_phone_norm_idx"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["tax_id"], name="customer_tax_id_idx"),
        ),
        migrations.RemoveIndex(
            model_name="customer",
            name="customer_name_idx",
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["name", "id", "is_active", "merged_into"], name="customer_name_cover_idx"),
        ),
        migrations.RunPython(search_text.add_indexes, migrations.RunPython.noop),
    ]
