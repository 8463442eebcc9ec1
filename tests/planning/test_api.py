"""/api/v1/plans: list (paginated, search, sort), detail with targets by month, quarter and year
in the caller's scope, create, update draft, submit, approve, reject, revise; every refusal the
one JSON error body naming the field, with nothing written."""

from decimal import Decimal

import pytest

from salesdept.planning.models import Plan, PlanStatus, PlanTarget
from tests.api_helpers import assert_error, bearer, session

from .conftest import YEAR, company_targets, team_targets


def create_body(org, **more) -> dict:
    return {"year": YEAR, "title": "2027 年度销售计划", "targets": team_targets(org), **more}


def test_create_submit_approve_through_the_api(org):
    manager, director = bearer(org.manager1), bearer(org.director)
    r = manager.post("/plans", create_body(org))
    assert r.status_code == 201, r.content
    plan = r.json()
    assert plan["number"] == f"SP-{YEAR}-000001" and plan["year"] == YEAR and plan["status"] == "draft"
    assert plan["actions"] == ["edit", "submit", "cancel"]
    team = plan["targets"][0]
    assert team["level"] == "team" and team["subject"] == "East team"
    assert Decimal(team["year"]) == Decimal("1200000.00") == sum(Decimal(q) for q in team["quarters"])
    assert len(team["months"]) == 12 and Decimal(team["months"][0]) == Decimal("100000.00")
    pid = plan["id"]
    r = manager.post(f"/plans/{pid}/submit", {"note": ""})
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    assert_error(manager.post(f"/plans/{pid}/approve"), 409, "own_document")
    assert_error(bearer(org.manager2).post(f"/plans/{pid}/approve"), 403, "not_your_step")
    r = director.post(f"/plans/{pid}/approve", {"note": "同意"})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert r.json()["actions"] == ["revise"]


def test_preparer_cannot_approve_through_the_api(org, director2):
    director = bearer(org.director)
    pid = director.post("/plans", {"year": YEAR, "targets": company_targets(org)}).json()["id"]
    assert director.post(f"/plans/{pid}/submit").status_code == 200
    assert_error(director.post(f"/plans/{pid}/approve"), 409, "own_document")
    assert Plan.objects.get(pk=pid).status == PlanStatus.SUBMITTED
    assert bearer(director2).post(f"/plans/{pid}/approve").status_code == 200


def test_reject_needs_a_reason(org, make_plan):
    plan = make_plan("submitted")
    assert_error(
        bearer(org.director).post(f"/plans/{plan.pk}/reject", {"note": ""}), 400, "reason_required", {"note"}
    )
    r = bearer(org.director).post(f"/plans/{plan.pk}/reject", {"note": "再议"})
    assert r.status_code == 200 and r.json()["status"] == "draft"


@pytest.mark.parametrize(
    "body, status, code, field",
    [
        ({"year": 1990}, 422, "validation_error", "year"),
        (
            {"year": YEAR, "targets": [{"level": "moon", "measure": "amount"}]},
            422,
            "validation_error",
            "targets.0.level",
        ),
        (
            {"year": YEAR, "targets": [{"level": "company", "measure": "amount", "year_total": "-1"}]},
            422,
            "validation_error",
            "targets.0.year_total",
        ),
        (
            {"year": YEAR, "targets": [{"level": "company", "measure": "amount", "months": ["1"] * 3}]},
            422,
            "validation_error",
            "targets.0.months",
        ),
        ({"year": YEAR, "status": "approved"}, 422, "validation_error", "status"),
        (
            {"year": YEAR, "targets": [{"level": "company", "measure": "amount"}]},
            400,
            "invalid",
            "targets.1.year_total",
        ),
        (
            {
                "year": YEAR,
                "targets": [{"level": "team", "subject": 99999, "measure": "amount", "year_total": "1"}],
            },
            400,
            "invalid",
            "targets.1.subject",
        ),
        (
            {"year": YEAR, "targets": [{"level": "company", "measure": "quantity", "year_total": "2.50"}]},
            400,
            "invalid",
            "targets.1.year_total",
        ),
    ],
)
def test_bad_input_answers_4xx_naming_the_field_and_writes_nothing(org, body, status, code, field):
    r = bearer(org.director).post("/plans", body)
    assert_error(r, status, code, {field})
    assert not Plan.objects.exists() and not PlanTarget.objects.exists()


def test_salesperson_sees_only_their_targets_and_cannot_write(org, make_plan):
    plan = make_plan()
    sales1, sales2 = bearer(org.sales1), bearer(org.sales2)
    r = sales1.get(f"/plans/{plan.pk}")
    assert r.status_code == 200
    assert [t["subject_id"] for t in r.json()["targets"]] == [org.sales1.pk]
    assert [t["subject_id"] for t in sales2.get(f"/plans/{plan.pk}").json()["targets"]] == [org.sales2.pk]
    assert r.json()["actions"] == []
    assert_error(sales1.post("/plans", create_body(org, year=YEAR + 1)), 403, "permission_denied")
    assert_error(sales1.patch(f"/plans/{plan.pk}", {"title": "x"}), 403, "permission_denied")
    assert_error(bearer(org.keeper).get(f"/plans/{plan.pk}"), 403, "permission_denied")
    assert_error(sales1.get("/plans/999999"), 404, "not_found")


def test_update_draft_and_edit_of_approved_plan_is_refused(org, make_plan):
    plan = make_plan()
    manager = bearer(org.manager1)
    r = manager.patch(
        f"/plans/{plan.pk}",
        {
            "version": plan.version,
            "title": "修订前",
            "targets": [
                {"level": "salesperson", "subject": org.sales1.pk, "measure": "amount", "year_total": "12"}
            ],
        },
    )
    assert r.status_code == 200, r.content
    assert r.json()["title"] == "修订前" and len(r.json()["targets"]) == 1
    assert_error(manager.patch(f"/plans/{plan.pk}", {"version": 1, "title": "x"}), 409, "stale_version")
    bad = manager.patch(
        f"/plans/{plan.pk}",
        {
            "targets": [
                {"level": "salesperson", "subject": org.sales3.pk, "measure": "amount", "year_total": "1"}
            ]
        },
    )
    assert_error(bad, 400, "invalid", {"targets.1.subject"})
    assert PlanTarget.objects.filter(plan=plan).count() == 12  # the refused edit wrote nothing
    assert manager.post(f"/plans/{plan.pk}/submit").status_code == 200
    assert bearer(org.director).post(f"/plans/{plan.pk}/approve").status_code == 200
    assert_error(manager.patch(f"/plans/{plan.pk}", {"title": "x"}), 409, "read_only")


def test_revise_through_the_api(org, make_plan):
    plan = make_plan("approved")
    manager = bearer(org.manager1)
    r = manager.post(f"/plans/{plan.pk}/revise", {"note": "年中调整"})
    assert r.status_code == 201, r.content
    revision = r.json()
    assert revision["number"] == f"{plan.number}-R1" and revision["revision_of_id"] == plan.pk
    assert [v["number"] for v in revision["versions"]] == [plan.number, revision["number"]]
    assert_error(manager.post(f"/plans/{plan.pk}/revise"), 409, "revision_open")
    manager.post(f"/plans/{revision['id']}/submit")
    assert bearer(org.director).post(f"/plans/{revision['id']}/approve").status_code == 200
    old = bearer(org.sales1).get(f"/plans/{plan.pk}").json()
    assert old["status"] == "superseded" and old["targets"]


def test_list_is_paginated_searchable_and_sortable(org, make_plan, django_assert_max_num_queries):
    make_plan()
    for year in (YEAR + 1, YEAR + 2):
        make_plan(year=year)
    client = session(org.sales1)
    with django_assert_max_num_queries(10):
        r = client.get("/plans", {"sort": "year", "page_size": 2})
    assert r.status_code == 200
    assert r.json()["count"] == 3 and [p["year"] for p in r.json()["items"]] == [YEAR, YEAR + 1]
    assert [p["year"] for p in client.get("/plans", {"q": f"{YEAR + 2}"}).json()["items"]] == [YEAR + 2]
    assert_error(client.get("/plans", {"status": "lost"}), 422, "validation_error", {"status"})


def test_openapi_documents_the_plan_endpoints(org):
    r = session(org.director).client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert {"/api/v1/plans", "/api/v1/plans/{plan_id}", "/api/v1/plans/{plan_id}/revise"} <= set(paths)
    assert "year" in r.json()["components"]["schemas"]["PlanOut"]["properties"]
