"""Shared fixtures for the crm tests: `make_customer` / `make_lead` build records directly (test
set-up only; the code under test goes through the services)."""

import itertools

import pytest
from django.utils import timezone

from salesdept.crm.models import Customer, Lead, LeadStage, LeadStageChange, Tier
from salesdept.crm.text import normalize_name, normalize_phone, pinyin_key

_counter = itertools.count(1)


def new_customer(org, *, owner=None, name=None, tier="B", region=None, **fields) -> Customer:
    """What make_customer makes, for a fixture of a wider scope (it has no `org` fixture)."""
    n = next(_counter)
    owner = owner or org.sales1
    name = name or f"测试客户{n:05d}有限公司"
    return Customer.objects.create(
        code=f"T-{n:06d}",
        name=name,
        name_normalized=normalize_name(name),
        name_pinyin=pinyin_key(name),
        phone_normalized=normalize_phone(fields.get("phone", "")),
        tier=Tier.objects.get(code=tier) if tier else None,
        region=region or owner.region or org.regions["east"],
        owner=owner,
        created_by=owner,
        **fields,
    )


@pytest.fixture
def make_customer(org):
    """make_customer(owner=org.sales1, name="上海华强机械有限公司", tier="A", **fields)"""
    return lambda **kwargs: new_customer(org, **kwargs)


def new_lead(org, *, owner=None, name=None, stage="new", region=None, **fields) -> Lead:
    """What make_lead makes, for a fixture of a wider scope."""
    n = next(_counter)
    owner = owner or org.sales1
    name = name or f"潜在客户{n:05d}"
    lead = Lead.objects.create(
        code=f"TL-{n:06d}",
        name=name,
        name_normalized=normalize_name(name),
        name_pinyin=pinyin_key(name),
        phone_normalized=normalize_phone(fields.get("phone", "")),
        stage=LeadStage.objects.get(code=stage),
        region=region or owner.region or org.regions["east"],
        owner=owner,
        created_by=owner,
        created_at=fields.pop("created_at", timezone.now()),
        **fields,
    )
    # The history always starts with the first stage (invariant CRM3).
    LeadStageChange.objects.create(lead=lead, to_stage=lead.stage, by=owner, at=lead.created_at)
    if lead.stage.outcome != LeadStage.Outcome.OPEN and lead.closed_at is None:
        Lead.objects.filter(pk=lead.pk).update(closed_at=lead.created_at)
        lead.refresh_from_db()
    return lead


@pytest.fixture
def make_lead(org):
    return lambda **kwargs: new_lead(org, **kwargs)
