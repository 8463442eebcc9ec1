"""Lead and visit reads (C2): scope per persona, filters, search, sort, funnel summary and query
budgets."""

import datetime
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from salesdept.accounts.scope import scope_of
from salesdept.core.errors import ValidationFailed
from salesdept.crm.selectors import leads as selectors
from salesdept.crm.services import leads as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def leads(org, make_lead):
    """One lead per salesperson of two teams, in different stages and regions."""
    return {
        "s1": make_lead(
            owner=org.sales1, name="上海华强机械", phone="13800138000", expected_amount=Decimal("100")
        ),
        "s1b": make_lead(
            owner=org.sales1, name="Acme Trading", stage="quoted", expected_amount=Decimal("50.5")
        ),
        "s2": make_lead(owner=org.sales2, name="苏州精工", stage="lost", source="visit"),
        "s3": make_lead(owner=org.sales3, name="广州明珠", stage="won", expected_amount=Decimal("7")),
        "s5": make_lead(owner=org.sales5, name="北京京华"),
    }


def _names(qs) -> set[str]:
    return {lead.name for lead in qs}


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("sales1", {"上海华强机械", "Acme Trading"}),
        ("sales3", {"广州明珠"}),
        ("manager1", {"上海华强机械", "Acme Trading", "苏州精工"}),
        ("regional_east", {"上海华强机械", "Acme Trading", "苏州精工"}),
        ("director", {"上海华强机械", "Acme Trading", "苏州精工", "广州明珠", "北京京华"}),
        ("auditor", {"上海华强机械", "Acme Trading", "苏州精工", "广州明珠", "北京京华"}),
    ],
)
def test_lead_list_scope_per_persona(org, leads, persona, expected):
    assert _names(selectors.lead_list(user=getattr(org, persona))) == expected


def test_lead_get_outside_scope_is_404(org, leads):
    with pytest.raises(Http404):
        selectors.lead_get(user=org.sales1, lead_id=leads["s3"].pk)
    assert selectors.lead_get(user=org.manager1, lead_id=leads["s2"].pk).name == "苏州精工"


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"q": "华强"}, {"上海华强机械"}),
        ({"q": "hqjx"}, {"上海华强机械"}),
        ({"q": "shanghai"}, {"上海华强机械"}),
        ({"q": "138 0013"}, {"上海华强机械"}),
        ({"q": "acme"}, {"Acme Trading"}),
        ({"stage": "quoted"}, {"Acme Trading"}),
        ({"status": "lost"}, {"苏州精工"}),
        ({"status": "open"}, {"上海华强机械", "Acme Trading"}),
        ({"source": "visit"}, {"苏州精工"}),
        ({"region": "east-js"}, {"苏州精工"}),
        ({"q": "广州"}, set()),  # sales3's lead: out of the manager's scope, not found
    ],
)
def test_lead_list_filters(org, leads, filters, expected):
    if filters.get("region"):
        filters = {"region": org.regions[filters["region"]].pk}
    assert _names(selectors.lead_list(user=org.manager1, filters=filters)) == expected


def test_lead_list_owner_and_created_filters(org, leads, make_lead):
    old = make_lead(owner=org.sales2, name="旧线索", created_at=timezone.now() - datetime.timedelta(days=40))
    names = _names(selectors.lead_list(user=org.manager1, filters={"owner": org.sales2.pk}))
    assert names == {"苏州精工", "旧线索"}
    today = timezone.localdate()
    recent = selectors.lead_list(
        user=org.manager1, filters={"created_from": today - datetime.timedelta(days=1)}
    )
    assert old.name not in _names(recent) and len(recent) == 3
    before = selectors.lead_list(
        user=org.manager1, filters={"created_to": today - datetime.timedelta(days=30)}
    )
    assert _names(before) == {"旧线索"}


def test_lead_list_sort_by_amount(org, leads):
    ordered = [lead.name for lead in selectors.lead_list(user=org.sales1, filters={"sort": "-amount"})]
    assert ordered == ["上海华强机械", "Acme Trading"]


@pytest.mark.parametrize(
    "filters, field",
    [
        ({"stage": "nope"}, "stage"),
        ({"sort": "salary"}, "sort"),
        ({"created_from": "2025-02-01", "created_to": "2025-01-01"}, "created_to"),
        ({"created_from": "yesterday"}, "created_from"),
    ],
)
def test_lead_list_bad_filter_names_the_field(org, filters, field):
    with pytest.raises(ValidationFailed) as refused:
        selectors.lead_list(user=org.sales1, filters=filters)
    assert field in refused.value.fields


def test_stage_summary_counts_visible_leads_per_stage(org, leads, django_assert_max_num_queries):
    scope_of(org.manager1)
    org.manager1.has_perm("crm.view_lead")  # permissions cached too
    with django_assert_max_num_queries(2):  # the counts, the stages
        summary = selectors.stage_summary(user=org.manager1, filters={"stage": "won"})
    by_code = {s["stage"].code: (s["count"], s["amount"]) for s in summary}
    assert list(by_code) == ["new", "contacted", "qualified", "quoted", "negotiating", "won", "lost"]
    assert by_code["new"] == (1, Decimal("100"))
    assert by_code["quoted"] == (1, Decimal("50.5"))
    assert by_code["lost"] == (1, Decimal("0"))
    assert by_code["won"] == (0, Decimal("0"))  # sales3's won lead is outside the team


def test_lead_list_query_budget(org, make_lead, django_assert_max_num_queries):
    for _ in range(30):
        make_lead(owner=org.sales1)
    scope_of(org.sales1)
    org.sales1.has_perm("crm.view_lead")  # permissions cached too
    with django_assert_max_num_queries(1):
        rows = list(selectors.lead_list(user=org.sales1, filters={"sort": "name"}))
        assert {str(r.stage) for r in rows} and {str(r.owner) for r in rows} and {str(r.region) for r in rows}


def test_lead_history_and_activities_are_scoped(org):
    lead = services.lead_create(by=org.sales1, data={"name": "A"})
    services.lead_move(by=org.sales1, lead_id=lead.pk, stage_code="contacted")
    assert [c.to_stage.code for c in selectors.lead_history(user=org.sales1, lead_id=lead.pk)] == [
        "new",
        "contacted",
    ]
    assert selectors.lead_history(user=org.sales3, lead_id=lead.pk) == []


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("sales1", {"甲"}),
        ("sales3", {"丙"}),
        ("manager1", {"甲", "乙"}),
        ("regional_east", {"甲", "乙"}),
        ("clerk", {"甲", "乙", "丙", "丁"}),
    ],
)
def test_visit_list_scope(org, persona, expected):
    services.visit_create(by=org.sales1, data={"visitor_name": "甲", "purpose": "x"})
    services.visit_create(by=org.sales2, data={"visitor_name": "乙", "purpose": "x"})
    services.visit_create(by=org.sales3, data={"visitor_name": "丙", "purpose": "x"})
    services.visit_create(by=org.clerk, data={"visitor_name": "丁", "purpose": "x"})
    assert {v.visitor_name for v in selectors.visit_list(user=getattr(org, persona))} == expected


def test_visit_list_filters(org):
    services.visit_create(by=org.sales1, data={"visitor_name": "甲", "company": "华强", "purpose": "询价"})
    services.visit_create(by=org.sales1, data={"visitor_name": "乙", "purpose": "参观"}, create_lead=True)
    assert [v.visitor_name for v in selectors.visit_list(user=org.sales1, filters={"q": "华强"})] == ["甲"]
    assert [v.visitor_name for v in selectors.visit_list(user=org.sales1, filters={"has_lead": True})] == [
        "乙"
    ]
    assert [v.visitor_name for v in selectors.visit_list(user=org.sales1, filters={"has_lead": False})] == [
        "甲"
    ]
