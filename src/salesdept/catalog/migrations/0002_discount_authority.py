"""The default discount authority per role (S1): salesperson and supervisor 5 %, regional
manager 8 %, sales manager 10 %, director 20 % and prices under the floor. The administrator
changes these in the admin; roles not listed may not discount at all."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    ("salesperson", Decimal("5"), False),
    ("supervisor", Decimal("5"), False),
    ("regional_manager", Decimal("8"), False),
    ("manager", Decimal("10"), False),
    ("director", Decimal("20"), True),
]


def seed(apps, schema_editor):
    DiscountAuthority = apps.get_model("catalog", "DiscountAuthority")
    for role, max_discount, below_floor in DEFAULTS:
        DiscountAuthority.objects.get_or_create(
            role=role, defaults={"max_discount": max_discount, "below_floor": below_floor}
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
