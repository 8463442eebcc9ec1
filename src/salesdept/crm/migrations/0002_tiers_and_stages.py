"""The default customer tiers with their revisit rules and the default lead stages (C1–C3).
Both are configurable afterwards (admin role)."""

from django.db import migrations

TIERS = [
    # code, name, name_en, revisit every N days
    ("A", "A类客户", "A — key account", 30),
    ("B", "B类客户", "B — regular", 60),
    ("C", "C类客户", "C — occasional", 90),
]

STAGES = [
    # code, name, name_en, outcome
    ("new", "新线索", "New", "open"),
    ("contacted", "已联系", "Contacted", "open"),
    ("qualified", "已确认需求", "Qualified", "open"),
    ("quoted", "已报价", "Quoted", "open"),
    ("negotiating", "谈判中", "Negotiating", "open"),
    ("won", "成交", "Won", "won"),
    ("lost", "丢单", "Lost", "lost"),
]


def create(apps, schema_editor):
    Tier = apps.get_model("crm", "Tier")
    LeadStage = apps.get_model("crm", "LeadStage")
    for i, (code, name, name_en, days) in enumerate(TIERS):
        Tier.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "revisit_days": days, "sort_order": i}
        )
    for i, (code, name, name_en, outcome) in enumerate(STAGES):
        LeadStage.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "outcome": outcome, "sort_order": (i + 1) * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
