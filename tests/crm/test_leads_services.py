"""Lead services (C2): create, edit, move between stages with history, win into a customer,
visitor receptions that create leads; permissions, scope and bad input."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.crm.models import Customer, Lead, LeadStageChange, Visit
from salesdept.crm.services import leads as services

pytestmark = pytest.mark.django_db


def _history(lead) -> list[tuple]:
    return [
        (c.from_stage.code if c.from_stage else None, c.to_stage.code)
        for c in LeadStageChange.objects.filter(lead=lead)
        .select_related("from_stage", "to_stage")
        .order_by("at", "pk")
    ]


def _create(by, **data) -> Lead:
    return services.lead_create(by=by, data={"name": "上海华强机械有限公司", **data})


# --- create ------------------------------------------------------------------------------------


def test_lead_create_numbers_normalises_and_records_first_stage(org):
    # when
    lead = _create(org.sales1, phone="+86 138-0013-8000", expected_amount="120000.50", source="exhibition")
    # then
    year = timezone.localdate().year
    assert lead.code.startswith(f"LD-{year}-")
    assert lead.owner == org.sales1 and lead.region == org.sales1.region
    assert lead.stage.code == "new" and lead.version == 1
    assert lead.phone_normalized == "13800138000"
    assert lead.name_normalized == "上海华强机械" and "shanghai" in lead.name_pinyin
    assert lead.expected_amount == Decimal("120000.50")
    assert _history(lead) == [(None, "new")]
    assert lead.stage_changes.get().by == org.sales1


def test_lead_create_numbers_are_consecutive(org):
    first, second = _create(org.sales1), _create(org.sales1, name="另一家")
    assert int(second.code[-6:]) == int(first.code[-6:]) + 1


def test_lead_create_in_a_later_open_stage_is_allowed(org):
    lead = _create(org.sales1, stage="qualified")
    assert lead.stage.code == "qualified" and _history(lead) == [(None, "qualified")]


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "A", "expected_amount": "-1"}, "expected_amount"),
        ({"name": "A", "expected_amount": "abc"}, "expected_amount"),
        ({"name": "A", "expected_amount": "1.234"}, "expected_amount"),
        ({"name": "A", "expected_on": "2026-13-40"}, "expected_on"),
        ({"name": "A", "email": "not-an-email"}, "email"),
        ({"name": "A", "source": "carrier-pigeon"}, "source"),
        ({"name": "A", "stage": "won"}, "stage"),
        ({"name": "A", "stage": "nope"}, "stage"),
        ({"name": "A", "region_id": 999999}, "region_id"),
        ({"name": "A", "owner_id": 999999}, "owner_id"),
        ({"name": "A", "code": "LD-1"}, "code"),
    ],
)
def test_lead_create_with_bad_input_names_the_field_and_writes_nothing(org, data, field):
    with pytest.raises(ValidationFailed) as refused:
        services.lead_create(by=org.sales1, data=data)
    assert field in refused.value.fields and refused.value.status == 400
    assert not Lead.objects.exists() and not LeadStageChange.objects.exists()


def test_salesperson_cannot_create_a_lead_for_a_colleague(org):
    with pytest.raises(ValidationFailed) as refused:
        _create(org.sales1, owner_id=org.sales2.pk)
    assert set(refused.value.fields) == {"owner_id"}


def test_manager_may_create_a_lead_for_a_team_member_but_not_another_team(org):
    lead = _create(org.manager1, owner_id=org.sales2.pk)
    assert lead.owner == org.sales2 and lead.region == org.sales2.region
    with pytest.raises(ValidationFailed) as refused:
        _create(org.manager1, owner_id=org.sales3.pk)
    assert "owner_id" in refused.value.fields


def test_regional_manager_cannot_place_a_colleagues_lead_outside_the_region(org):
    # given sales2 is in the east region; the lead would be in the south
    with pytest.raises(ValidationFailed) as refused:
        _create(org.regional_east, owner_id=org.sales2.pk, region_id=org.regions["south"].pk)
    assert "region_id" in refused.value.fields
    lead = _create(org.regional_east, owner_id=org.sales2.pk, region_id=org.regions["east-js"].pk)
    assert lead.region.code == "east-js"


def test_import_style_keys_region_code_and_username_are_accepted(org):
    lead = services.lead_build(by=org.manager1, data={"name": "A", "region": "east-js", "owner": "sales2"})
    assert lead.pk is None and lead.region.code == "east-js" and lead.owner == org.sales2


@pytest.mark.parametrize("persona", ["auditor", "finance", "keeper", "admin"])
def test_lead_create_is_refused_without_permission(org, persona):
    with pytest.raises(PermissionDenied):
        _create(getattr(org, persona), region_id=org.regions["east"].pk)
    assert not Lead.objects.exists()


# --- update ------------------------------------------------------------------------------------


def test_lead_update_changes_fields_and_bumps_version(org):
    lead = _create(org.sales1)
    updated = services.lead_update(
        by=org.sales1, lead_id=lead.pk, data={"name": "华强", "phone": "021-5555 1234"}, version=1
    )
    assert updated.version == 2 and updated.name == "华强" and updated.phone_normalized == "02155551234"
    assert updated.stage.code == "new"


def test_lead_update_with_stale_version_is_refused_and_changes_nothing(org):
    lead = _create(org.sales1)
    services.lead_update(by=org.sales1, lead_id=lead.pk, data={"notes": "first"}, version=1)
    with pytest.raises(DomainError) as refused:
        services.lead_update(by=org.sales1, lead_id=lead.pk, data={"notes": "second"}, version=1)
    assert refused.value.code == "stale_version" and refused.value.status == 409
    assert refused.value.extra == {"current_version": 2}
    lead.refresh_from_db()
    assert lead.notes == "first"


def test_lead_update_cannot_change_the_stage(org):
    lead = _create(org.sales1)
    with pytest.raises(ValidationFailed) as refused:
        services.lead_update(by=org.sales1, lead_id=lead.pk, data={"stage": "quoted"})
    assert "stage" in refused.value.fields


def test_lead_of_another_salesperson_is_not_found(org):
    lead = _create(org.sales3, region_id=org.regions["south-gd"].pk)
    with pytest.raises(Http404):
        services.lead_update(by=org.sales1, lead_id=lead.pk, data={"notes": "x"})
    with pytest.raises(Http404):
        services.lead_move(by=org.sales1, lead_id=lead.pk, stage_code="contacted")
    with pytest.raises(Http404):
        services.lead_win(by=org.sales1, lead_id=lead.pk)
    assert _history(lead) == [(None, "new")]


# --- moves -------------------------------------------------------------------------------------


def test_lead_moves_forward_and_back_are_all_recorded(org):
    lead = _create(org.sales1)
    for code in ("contacted", "qualified", "contacted", "quoted", "negotiating"):
        lead = services.lead_move(by=org.sales1, lead_id=lead.pk, stage_code=code, note=f"to {code}")
    assert lead.stage.code == "negotiating" and lead.version == 6 and lead.closed_at is None
    assert _history(lead) == [
        (None, "new"),
        ("new", "contacted"),
        ("contacted", "qualified"),
        ("qualified", "contacted"),
        ("contacted", "quoted"),
        ("quoted", "negotiating"),
    ]
    assert lead.stage_changes.last().note == "to negotiating"


def test_moving_to_lost_requires_a_reason(org):
    lead = _create(org.sales1)
    with pytest.raises(ValidationFailed) as refused:
        services.lead_move(by=org.sales1, lead_id=lead.pk, stage_code="lost", lost_reason="  ")
    assert set(refused.value.fields) == {"lost_reason"}
    lead.refresh_from_db()
    assert lead.stage.code == "new" and lead.version == 1 and _history(lead) == [(None, "new")]


def test_moving_to_lost_closes_the_lead_with_its_reason(org):
    lead = _create(org.sales1)
    lead = services.lead_move(by=org.sales1, lead_id=lead.pk, stage_code="lost", lost_reason="价格太高")
    assert lead.stage.code == "lost" and lead.lost_reason == "价格太高" and lead.closed_at is not None
    assert lead.stage_changes.last().note == "价格太高"


def test_reopening_a_lost_lead_needs_a_note_and_clears_the_close(org):
    lead = _create(org.sales1)
    services.lead_move(by=org.sales1, lead_id=lead.pk, stage_code="lost", lost_reason="no budget")
    with pytest.raises(ValidationFailed) as refused:
        services.lead_move(by=org.sales1, lead_id=lead.pk, stage_code="contacted")
    assert set(refused.value.fields) == {"note"}
    lead = services.lead_move(by=org.sales1, lead_id=lead.pk, stage_code="contacted", note="new budget")
    assert lead.stage.code == "contacted" and lead.closed_at is None and lead.lost_reason == ""
    assert _history(lead)[-1] == ("lost", "contacted")


@pytest.mark.parametrize("code", ["new", "won", "unknown"])
def test_bad_moves_are_refused(org, code):
    lead = _create(org.sales1)
    with pytest.raises(ValidationFailed) as refused:
        services.lead_move(by=org.sales1, lead_id=lead.pk, stage_code=code)
    assert set(refused.value.fields) == {"stage"}
    assert _history(lead) == [(None, "new")]


def test_move_with_stale_version_is_refused(org):
    lead = _create(org.sales1)
    services.lead_move(by=org.sales1, lead_id=lead.pk, stage_code="contacted", version=1)
    with pytest.raises(DomainError) as refused:
        services.lead_move(by=org.sales1, lead_id=lead.pk, stage_code="quoted", version=1)
    assert refused.value.code == "stale_version"
    assert _history(lead) == [(None, "new"), ("new", "contacted")]


def test_auditor_cannot_move_a_lead(org):
    lead = _create(org.sales1)
    with pytest.raises(PermissionDenied):
        services.lead_move(by=org.auditor, lead_id=lead.pk, stage_code="contacted")


def test_manager_moves_a_team_members_lead(org):
    lead = _create(org.sales2)
    lead = services.lead_move(by=org.manager1, lead_id=lead.pk, stage_code="contacted")
    assert lead.stage_changes.last().by == org.manager1


# --- win ---------------------------------------------------------------------------------------


def test_win_creates_a_customer_from_the_lead(org):
    lead = _create(org.sales1, phone="13800138000", source="referral", email="buy@hq.example")
    lead = services.lead_win(by=org.sales1, lead_id=lead.pk, note="signed")
    customer = lead.customer
    assert lead.stage.code == "won" and lead.closed_at is not None
    assert customer.name == "上海华强机械有限公司" and customer.owner == org.sales1
    assert customer.region == lead.region and customer.phone_normalized == "13800138000"
    assert customer.source == "referral" and customer.code.startswith("CUS-")
    assert _history(lead)[-1] == ("new", "won") and lead.stage_changes.last().note == "signed"


def test_win_with_edited_customer_data(org):
    lead = _create(org.sales1)
    data = {"name": "华强机械(上海)", "region_id": org.regions["east-js"].pk, "tier_id": None}
    lead = services.lead_win(by=org.sales1, lead_id=lead.pk, customer_data=data)
    assert lead.customer.name == "华强机械(上海)" and lead.customer.region.code == "east-js"


def test_win_links_an_existing_visible_customer(org, make_customer):
    customer = make_customer(owner=org.sales1)
    lead = _create(org.sales1, stage="negotiating")
    lead = services.lead_win(by=org.sales1, lead_id=lead.pk, customer_id=customer.pk)
    assert lead.customer == customer and Customer.objects.count() == 1


def test_win_cannot_link_a_customer_outside_scope(org, make_customer):
    theirs = make_customer(owner=org.sales3)
    lead = _create(org.sales1)
    with pytest.raises(ValidationFailed) as refused:
        services.lead_win(by=org.sales1, lead_id=lead.pk, customer_id=theirs.pk)
    assert set(refused.value.fields) == {"customer_id"}
    lead.refresh_from_db()
    assert lead.customer is None and lead.stage.code == "new"


def test_win_with_a_duplicate_customer_is_refused_then_allowed(org, make_customer):
    # given a customer of another salesperson with the same name
    existing = make_customer(owner=org.sales3, name="上海华强机械有限公司")
    lead = _create(org.sales1, name="上海华强机械")
    # when
    with pytest.raises(DomainError) as refused:
        services.lead_win(by=org.sales1, lead_id=lead.pk)
    # then nothing was written and the duplicate is named without revealing its owner
    assert refused.value.code == "duplicate_customer"
    (dup,) = refused.value.extra["duplicates"]
    assert dup["id"] == existing.pk and dup["visible"] is False and dup["owner"] is None
    lead.refresh_from_db()
    assert lead.stage.code == "new" and Customer.objects.count() == 1
    assert _history(lead) == [(None, "new")]
    # when the salesperson creates it anyway
    lead = services.lead_win(by=org.sales1, lead_id=lead.pk, allow_duplicate=True)
    assert lead.customer != existing and Customer.objects.count() == 2


def test_win_twice_is_refused(org):
    lead = _create(org.sales1)
    services.lead_win(by=org.sales1, lead_id=lead.pk)
    with pytest.raises(DomainError) as refused:
        services.lead_win(by=org.sales1, lead_id=lead.pk)
    assert refused.value.code == "already_won" and Customer.objects.count() == 1


def test_win_with_bad_customer_data_names_the_field(org):
    lead = _create(org.sales1)
    with pytest.raises(ValidationFailed) as refused:
        services.lead_win(by=org.sales1, lead_id=lead.pk, customer_data={"name": ""})
    assert "name" in refused.value.fields
    assert not Customer.objects.exists()


def test_won_lead_reopened_keeps_its_customer(org):
    lead = _create(org.sales1)
    services.lead_win(by=org.sales1, lead_id=lead.pk)
    lead = services.lead_move(
        by=org.sales1, lead_id=lead.pk, stage_code="negotiating", note="order cancelled"
    )
    assert lead.customer is not None and lead.closed_at is None
    assert [to for _from, to in _history(lead)] == ["new", "won", "negotiating"]


# --- visitor reception -------------------------------------------------------------------------


def test_visit_create_defaults_receiver_and_time(org):
    visit = services.visit_create(
        by=org.clerk, data={"visitor_name": "王先生", "company": "苏州精工", "purpose": "询价", "people": 2}
    )
    assert visit.received_by == org.clerk and visit.created_by == org.clerk and visit.lead is None
    assert abs(visit.visited_at - timezone.now()) < datetime.timedelta(minutes=1)


def test_visit_create_with_create_lead_links_a_new_lead(org):
    visit = services.visit_create(
        by=org.sales1,
        data={"visitor_name": "王先生", "company": "苏州精工", "phone": "13911112222", "purpose": "询价"},
        create_lead=True,
    )
    lead = visit.lead
    assert lead.name == "苏州精工" and lead.contact_name == "王先生" and lead.source == "visit"
    assert lead.owner == org.sales1 and lead.phone_normalized == "13911112222"
    assert _history(lead) == [(None, "new")]


def test_visit_received_by_a_colleague_creates_the_lead_for_them(org):
    visit = services.visit_create(
        by=org.clerk,
        data={"visitor_name": "李女士", "purpose": "看样品", "received_by_id": org.sales3.pk},
        create_lead=True,
    )
    assert visit.lead.owner == org.sales3 and visit.lead.region == org.sales3.region
    assert visit.lead.name == "李女士"


def test_visit_lead_without_any_region_names_the_lead_region(org):
    with pytest.raises(ValidationFailed) as refused:
        services.visit_create(by=org.clerk, data={"visitor_name": "A", "purpose": "B"}, create_lead=True)
    assert "lead_region_id" in refused.value.fields
    assert not Visit.objects.exists() and not Lead.objects.exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"purpose": "x"}, "visitor_name"),
        ({"visitor_name": "A"}, "purpose"),
        ({"visitor_name": "A", "purpose": "x", "people": 0}, "people"),
        ({"visitor_name": "A", "purpose": "x", "visited_at": "yesterday"}, "visited_at"),
        ({"visitor_name": "A", "purpose": "x", "received_by_id": 999999}, "received_by_id"),
        ({"visitor_name": "A", "purpose": "x", "status": "done"}, "status"),
    ],
)
def test_visit_create_bad_input_names_the_field(org, data, field):
    with pytest.raises(ValidationFailed) as refused:
        services.visit_create(by=org.sales1, data=data, create_lead=True)
    assert field in refused.value.fields
    assert not Visit.objects.exists() and not Lead.objects.exists()


def test_visit_update_and_later_lead(org):
    visit = services.visit_create(by=org.sales1, data={"visitor_name": "A", "purpose": "x"})
    visit = services.visit_update(
        by=org.sales1, visit_id=visit.pk, data={"company": "新公司"}, create_lead=True
    )
    assert visit.company == "新公司" and visit.lead.name == "新公司"
    with pytest.raises(ValidationFailed) as refused:
        services.visit_update(by=org.sales1, visit_id=visit.pk, data={}, create_lead=True)
    assert "create_lead" in refused.value.fields


def test_visit_of_another_salesperson_cannot_be_edited(org):
    visit = services.visit_create(by=org.sales3, data={"visitor_name": "A", "purpose": "x"})
    with pytest.raises(Http404):
        services.visit_update(by=org.sales1, visit_id=visit.pk, data={"company": "x"})


def test_auditor_cannot_record_a_visit(org):
    with pytest.raises(PermissionDenied):
        services.visit_create(by=org.auditor, data={"visitor_name": "A", "purpose": "x"})


def test_lead_build_with_shared_lookups_costs_no_query_per_row(org, django_assert_num_queries):
    # given one Lookups for a whole import, warmed by the first row
    lookups = services.Lookups(org.regional_east)
    row = {"name": "华东客户", "region": "上海", "owner": "刘洋 Liu Yang", "stage": "contacted"}
    services.lead_build(by=org.regional_east, data=row, lookups=lookups)
    # when the other rows are built
    with django_assert_num_queries(0):
        built = [services.lead_build(by=org.regional_east, data=row, lookups=lookups) for _ in range(20)]
    # then they were resolved by name without asking the database again
    assert {(b.region.code, b.owner.username, b.stage.code) for b in built} == {
        ("east-sh", "sales2", "contacted")
    }
