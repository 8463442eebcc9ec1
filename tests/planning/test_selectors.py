"""Reads of sales plans: scope of target rows (X1), quarter and year sums computed in SQL."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from salesdept.core.errors import ValidationFailed
from salesdept.planning import selectors, services

from .conftest import YEAR, company_targets, team_targets


@pytest.fixture
def full_plan(org, make_plan, category):
    """The director's company targets plus manager1's East team targets."""
    plan = make_plan(by=org.director, targets=company_targets(org, category))
    services.plan_update_draft(by=org.manager1, plan_id=plan.pk, targets=team_targets(org))
    return plan


def subjects(user, plan) -> set[str]:
    rows = selectors.targets(user=user, plan=plan, period="year")
    return {f"{r['level']}:{r['subject'].pk if r['subject'] else '-'}" for r in rows}


def test_each_persona_sees_exactly_their_target_rows(org, full_plan, category):
    east, south = org.teams["east"].pk, org.regions["south"].pk
    everything = {
        "company:-",
        f"region:{south}",
        f"salesperson:{org.sales3.pk}",
        f"category:{category.pk}",
        f"team:{east}",
        f"salesperson:{org.sales1.pk}",
        f"salesperson:{org.sales2.pk}",
    }
    expected = {
        "sales1": {f"salesperson:{org.sales1.pk}"},
        "sales2": {f"salesperson:{org.sales2.pk}"},
        "sales3": {f"salesperson:{org.sales3.pk}"},
        "sales4": set(),
        "manager1": {f"team:{east}", f"salesperson:{org.sales1.pk}", f"salesperson:{org.sales2.pk}"},
        "manager2": {f"salesperson:{org.sales3.pk}"},
        "regional_east": {f"team:{east}", f"salesperson:{org.sales1.pk}", f"salesperson:{org.sales2.pk}"},
        "director": everything,
        "auditor": everything,
        "finance": everything,
    }
    seen = {name: subjects(org.people[name], full_plan) for name in expected}
    assert seen == expected


def test_salesperson_cannot_see_anothers_targets(org, full_plan):
    rows = selectors.targets(user=org.sales2, plan=full_plan)
    assert {r["subject"] for r in rows} == {org.sales2}
    assert all(r["subject"] != org.sales1 for r in rows)


def test_plans_are_listed_for_every_role_with_view_permission(org, full_plan):
    for name in ("sales1", "manager2", "regional_east", "director", "auditor", "clerk"):
        assert list(selectors.plan_list(user=org.people[name])) == [full_plan]
    with pytest.raises(PermissionDenied):
        selectors.plan_list(user=org.keeper)


def test_month_quarter_and_year_sums(org, full_plan):
    by_line = {r["line"]: r for r in selectors.targets(user=org.director, plan=full_plan, period="month")}
    quantity = next(r for r in by_line.values() if r["subject"] == org.sales2)
    assert quantity["values"] == [Decimal(n) for n in range(1, 13)]
    assert quantity["year"] == Decimal(78)
    quarters = {r["line"]: r for r in selectors.targets(user=org.director, plan=full_plan, period="quarter")}
    assert quarters[quantity["line"]]["values"] == [Decimal(6), Decimal(15), Decimal(24), Decimal(33)]
    for line, row in quarters.items():
        assert sum(row["values"]) == row["year"] == sum(by_line[line]["values"])
    company = next(r for r in by_line.values() if r["level"] == "company")
    assert company["year"] == Decimal("10000000.00")
    collections = next(r for r in by_line.values() if r["measure"] == "collections")
    assert collections["year"] == Decimal("100.01")
    years = selectors.targets(user=org.director, plan=full_plan, period="year")
    assert all(r["values"] == [] for r in years)


def test_targets_read_in_a_fixed_number_of_queries(org, full_plan, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        selectors.targets(user=org.director, plan=full_plan, period="month")


def test_unknown_period_is_refused(org, full_plan):
    with pytest.raises(ValidationFailed) as refused:
        selectors.targets(user=org.director, plan=full_plan, period="week")
    assert "period" in refused.value.fields


def test_list_filters(org, make_plan):
    plan = make_plan()
    other = services.plan_create(by=org.director, year=YEAR + 1, title="明年")
    assert list(selectors.plan_list(user=org.director, filters={"year": YEAR})) == [plan]
    assert list(selectors.plan_list(user=org.director, filters={"q": "明年"})) == [other]
    assert list(selectors.plan_list(user=org.director, filters={"sort": "year"})) == [plan, other]
    with pytest.raises(ValidationFailed) as refused:
        selectors.plan_list(user=org.director, filters={"status": "lost"})
    assert "status" in refused.value.fields
