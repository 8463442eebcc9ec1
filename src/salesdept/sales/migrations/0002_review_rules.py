"""合同评审 route by amount (S3): the sales manager reviews every contract, finance from
100,000, the director from 500,000. The administrator changes the thresholds in the admin."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    ("sales.review_contract_as_manager", Decimal("0")),
    ("sales.review_contract_as_finance", Decimal("100000")),
    ("sales.review_contract_as_director", Decimal("500000")),
]


def seed(apps, schema_editor):
    ContractReviewRule = apps.get_model("sales", "ContractReviewRule")
    for permission, amount_from in DEFAULTS:
        ContractReviewRule.objects.get_or_create(permission=permission, defaults={"amount_from": amount_from})


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
