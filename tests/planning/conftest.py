"""Fixtures of the planning tests: the demo personas (tests/conftest.py `org`), a second director
(a plan the director prepares needs another reviewer), a product category, and plans made
through the services."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from salesdept.accounts.models import User
from salesdept.catalog.models import Category
from salesdept.planning import services

YEAR = 2027


@pytest.fixture
def director2(org):
    user = User.objects.create(username="director2", display_name="Second director")
    user.groups.add(Group.objects.get(name="director"))
    return user


@pytest.fixture
def category(db):
    return Category.objects.create(code="plan-test", name="液压泵", name_en="Hydraulic pumps")


def team_targets(org) -> list[dict]:
    """What manager1 (East team) plans: the team's amount, and sales1's and sales2's amounts."""
    return [
        {"level": "team", "subject": org.teams["east"].pk, "measure": "amount", "year_total": "1200000.00"},
        {"level": "salesperson", "subject": org.sales1.pk, "measure": "amount", "year_total": "600000.00"},
        {
            "level": "salesperson",
            "subject": org.sales2.pk,
            "measure": "quantity",
            "months": [str(n) for n in range(1, 13)],
        },
    ]


def company_targets(org, category=None) -> list[dict]:
    """What the director plans: the company, the South team, sales3 and (optionally) a category."""
    rows = [
        {"level": "company", "measure": "amount", "year_total": "10000000.00"},
        {
            "level": "region",
            "subject": org.regions["south"].pk,
            "measure": "collections",
            "year_total": "100.01",
        },
        {"level": "salesperson", "subject": org.sales3.pk, "measure": "new_customers", "year_total": "7"},
    ]
    if category is not None:
        rows.append({"level": "category", "subject": category.pk, "measure": "quantity", "year_total": "13"})
    return rows


@pytest.fixture
def make_plan(org):
    """make_plan(state="draft"|"submitted"|"approved", by=org.manager1, targets=None, year=YEAR):
    a plan through the services; approved by the director."""

    def make(state="draft", *, by=None, targets=None, year=YEAR, reviewer=None):
        by = by or org.manager1
        plan = services.plan_create(
            by=by,
            year=year,
            title=f"{year} 年度销售计划",
            targets=team_targets(org) if targets is None else targets,
        )
        if state in ("submitted", "approved"):
            services.plan_submit(by=by, plan_id=plan.pk)
        if state == "approved":
            services.plan_approve(by=reviewer or org.director, plan_id=plan.pk)
        plan.refresh_from_db()
        return plan

    return make


def money(value) -> Decimal:
    return Decimal(value)
