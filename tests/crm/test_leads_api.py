"""Lead API (/api/v1/leads, C2) through the whole stack: list/get/create/patch/move/win, visits,
conversion; scope (404), permissions (403), bad input (400 naming the field), conflicts (409)."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from salesdept.crm.models import Customer, Lead, LeadStageChange, Visit
from salesdept.crm.services import leads as services
from tests.api_helpers import ApiClient, assert_error, bearer, session

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(org):
    return services.lead_create(by=org.sales1, data={"name": "上海华强机械", "phone": "13800138000"})


@pytest.fixture
def theirs(org):
    return services.lead_create(by=org.sales3, data={"name": "广州明珠"})


def test_list_leads_is_scoped_and_paginated(org, mine, theirs, django_assert_max_num_queries):
    api = session(org.sales1)
    api.get("/leads/")  # warm up the session and the permission caches
    with django_assert_max_num_queries(8):
        response = api.get("/leads/", {"q": "华强"})
    body = response.json()
    assert response.status_code == 200 and body["count"] == 1
    (item,) = body["items"]
    assert item["code"] == mine.code and item["stage"] == "new" and item["outcome"] == "open"
    assert item["owner_id"] == org.sales1.pk and item["version"] == 1


def test_list_leads_bad_filter_names_the_field(org):
    assert_error(session(org.sales1).get("/leads/", {"stage": "nope"}), 400, "invalid", {"stage"})


def test_get_lead_outside_scope_is_404(org, theirs):
    assert_error(session(org.sales1).get(f"/leads/{theirs.pk}"), 404, "not_found")
    response = session(org.manager2).get(f"/leads/{theirs.pk}")
    assert response.status_code == 200 and response.json()["history"][0]["to_stage"] == "new"


def test_create_lead_by_token(org):
    response = bearer(org.sales1).post(
        "/leads/",
        {"name": "杭州新材料", "source": "exhibition", "expected_amount": "80000.00", "stage": "contacted"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"].startswith("LD-") and body["stage"] == "contacted"
    assert body["expected_amount"] in ("80000.00", 80000.0) and body["region_id"] == org.sales1.region_id
    assert [h["to_stage"] for h in body["history"]] == ["contacted"]


@pytest.mark.parametrize(
    "body, field, status, code",
    [
        ({"name": "A", "owner_id": "me"}, "owner_id", 422, "validation_error"),
        ({"name": "A", "stage": "won"}, "stage", 400, "invalid"),
        ({"name": "A", "region_id": 99999}, "region_id", 400, "invalid"),
        ({"name": "A", "expected_amount": "1e999"}, "expected_amount", 422, "validation_error"),
        ({"name": "A", "code": "LD-X"}, "code", 422, "validation_error"),
        ({"name": "A", "email": "nope"}, "email", 400, "invalid"),
    ],
)
def test_create_lead_bad_input_writes_nothing(org, body, field, status, code):
    assert_error(session(org.sales1).post("/leads/", body), status, code, {field})
    assert not Lead.objects.exists()


def test_create_lead_as_auditor_is_403(org):
    assert_error(session(org.auditor).post("/leads/", {"name": "A"}), 403, "permission_denied")


def test_session_write_without_csrf_is_refused(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.sales1)
    assert_error(ApiClient(client).post("/leads/", {"name": "A"}), 403, "csrf_failed")
    assert not Lead.objects.exists()


def test_patch_lead_needs_current_version(org, mine):
    api = session(org.sales1)
    response = api.patch(f"/leads/{mine.pk}", {"version": 1, "notes": "首次拜访", "expected_amount": "5.50"})
    assert response.status_code == 200 and response.json()["version"] == 2
    error = assert_error(api.patch(f"/leads/{mine.pk}", {"version": 1, "notes": "x"}), 409, "stale_version")
    assert error["extra"] == {"current_version": 2}
    assert_error(api.patch(f"/leads/{mine.pk}", {"notes": "x"}), 422, "validation_error", {"version"})
    assert_error(
        api.patch(f"/leads/{mine.pk}", {"version": 2, "stage": "won"}), 422, "validation_error", {"stage"}
    )


def test_patch_lead_outside_scope_is_404(org, theirs):
    assert_error(
        session(org.sales1).patch(f"/leads/{theirs.pk}", {"version": 1, "notes": "x"}), 404, "not_found"
    )


def test_move_lead_and_lost_reason(org, mine):
    api = session(org.sales1)
    response = api.post(f"/leads/{mine.pk}/move", {"stage": "qualified", "version": 1})
    assert response.status_code == 200 and response.json()["stage"] == "qualified"
    assert_error(api.post(f"/leads/{mine.pk}/move", {"stage": "lost"}), 400, "invalid", {"lost_reason"})
    response = api.post(f"/leads/{mine.pk}/move", {"stage": "lost", "lost_reason": "预算不足"})
    body = response.json()
    assert body["outcome"] == "lost" and body["lost_reason"] == "预算不足" and body["closed_at"]
    assert [h["to_stage"] for h in body["history"]] == ["new", "qualified", "lost"]


def test_move_lead_outside_scope_is_404_and_nothing_changes(org, theirs):
    assert_error(
        session(org.sales1).post(f"/leads/{theirs.pk}/move", {"stage": "contacted"}), 404, "not_found"
    )
    assert LeadStageChange.objects.filter(lead=theirs).count() == 1


def test_win_lead_creates_customer(org, mine):
    response = session(org.sales1).post(
        f"/leads/{mine.pk}/win",
        {"customer": {"name": "上海华强机械有限公司", "industry": "机械"}, "note": "签约"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    customer = Customer.objects.get(pk=body["customer_id"])
    assert (
        body["outcome"] == "won"
        and customer.industry == "机械"
        and customer.phone_normalized == "13800138000"
    )


def test_win_lead_duplicate_then_link(org, mine, make_customer):
    existing = make_customer(owner=org.sales1, name="上海华强机械有限公司")
    api = session(org.sales1)
    error = assert_error(api.post(f"/leads/{mine.pk}/win", {}), 409, "duplicate_customer")
    assert error["extra"]["duplicates"][0]["id"] == existing.pk
    response = api.post(f"/leads/{mine.pk}/win", {"customer_id": existing.pk})
    assert response.status_code == 200 and response.json()["customer_id"] == existing.pk
    assert_error(api.post(f"/leads/{mine.pk}/win", {"customer_id": existing.pk}), 409, "already_won")


def test_win_lead_bad_customer_fields_are_named_under_customer(org, mine):
    api = session(org.sales1)
    assert_error(
        api.post(f"/leads/{mine.pk}/win", {"customer": {"name": " "}}), 400, "invalid", {"customer.name"}
    )
    assert_error(
        api.post(f"/leads/{mine.pk}/win", {"customer_id": 1, "customer": {"name": "x"}}),
        400,
        "invalid",
        {"customer_id"},
    )
    assert not Customer.objects.exists()


def test_visits_create_with_lead_and_list(org):
    api = session(org.sales1)
    response = api.post(
        "/leads/visits",
        {
            "visitor_name": "王先生",
            "company": "苏州精工",
            "purpose": "询价",
            "people": 3,
            "create_lead": True,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["people"] == 3 and body["lead_code"].startswith("LD-")
    assert Visit.objects.get().lead.source == "visit"
    listed = api.get("/leads/visits").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    assert session(org.sales3).get("/leads/visits").json()["count"] == 0
    assert_error(session(org.sales3).get(f"/leads/visits/{body['id']}"), 404, "not_found")


def test_visit_create_bad_input(org):
    api = session(org.sales1)
    assert_error(api.post("/leads/visits", {"visitor_name": "A"}), 422, "validation_error", {"purpose"})
    assert_error(
        api.post("/leads/visits", {"visitor_name": "A", "purpose": "x", "received_by_id": org.sales3.pk}),
        400,
        "invalid",
        {"received_by_id"},
    )
    assert not Visit.objects.exists()


def test_conversion_endpoint(org):
    at = timezone.make_aware(datetime.datetime(2025, 4, 2, 9))
    lead = services.lead_create(by=org.sales1, data={"name": "A"}, at=at)
    services.lead_move(by=org.sales1, lead_id=lead.pk, stage_code="lost", lost_reason="r", at=at)
    services.lead_create(by=org.sales3, data={"name": "B"}, at=at)
    api = session(org.sales1)
    response = api.get(
        "/leads/conversion",
        {"group_by": "source", "period": "quarter", "start": "2025-01-01", "end": "2025-12-31"},
    )
    body = response.json()
    assert response.status_code == 200
    assert [(r["key"], r["period_label"], r["created"], r["lost"]) for r in body["rows"]] == [
        ("other", "2025 Q2", 1, 1)
    ]
    assert body["totals"]["created"] == 1 and body["totals"]["rate"] in ("0.0", 0.0)
    assert_error(api.get("/leads/conversion", {"group_by": "colour"}), 400, "invalid", {"group_by"})
    assert_error(
        api.get("/leads/conversion", {"start": "2025-05-01", "end": "2025-01-01"}), 400, "invalid", {"end"}
    )
