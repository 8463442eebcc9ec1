"""API of complaints (C4): /api/v1/feedback through the whole stack (session with CSRF, tokens)."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from salesdept.crm.models import Feedback, FeedbackStep
from tests.api_helpers import API, assert_error, bearer, session

DAY = datetime.timedelta(days=1)


@pytest.fixture
def today():
    return timezone.localdate()


def _body(customer, today, **fields):
    return {
        "customer": customer.pk,
        "kind": "complaint",
        "subject": "交货延迟",
        "description": "晚到三天",
        "received_on": today.isoformat(),
        "deadline": (today + 7 * DAY).isoformat(),
        **fields,
    }


def test_complaint_workflow_through_the_api(org, make_customer, today):
    customer = make_customer(owner=org.sales1)
    sales1, manager1, sales2 = bearer(org.sales1), bearer(org.manager1), bearer(org.sales2)
    # log
    created = sales1.post("/feedback", _body(customer, today))
    assert created.status_code == 201, created.content
    data = created.json()
    fid = data["id"]
    assert (
        data["status"] == "open"
        and data["number"].startswith("FB-")
        and data["customer_name"] == customer.name
    )
    assert data["actions"] == ["start", "resolve"] and [s["action"] for s in data["steps"]] == ["create"]
    # route
    routed = manager1.post(
        f"/feedback/{fid}/route",
        {
            "department": "quality",
            "assignee": org.sales2.pk,
            "deadline": (today + DAY).isoformat(),
            "note": "急",
        },
    )
    assert routed.status_code == 200, routed.content
    assert routed.json()["assignee_id"] == org.sales2.pk and routed.json()["department"] == "quality"
    # the assignee sees it, starts and resolves it
    assert sales2.get(f"/feedback/{fid}").json()["actions"] == ["start", "resolve"]
    assert sales2.post(f"/feedback/{fid}/start").json()["status"] == "in_progress"
    assert sales2.post(f"/feedback/{fid}/resolve", {"resolution": "补发"}).json()["status"] == "resolved"
    # the salesperson reopens, it is resolved again and confirmed
    assert sales1.post(f"/feedback/{fid}/reopen", {"reason": "客户不满意"}).json()["status"] == "in_progress"
    assert sales2.post(f"/feedback/{fid}/resolve", {"resolution": "退款"}).json()["status"] == "resolved"
    confirmed = sales1.post(f"/feedback/{fid}/confirm", {"customer_response": "满意"}).json()
    assert confirmed["status"] == "confirmed" and confirmed["actions"] == []
    assert [s["action"] for s in confirmed["steps"]] == [
        "create",
        "route",
        "start",
        "resolve",
        "reopen",
        "resolve",
        "confirm",
    ]


def test_illegal_move_answers_409_invalid_transition_and_writes_nothing(org, make_customer, today):
    api = bearer(org.sales1)
    fid = api.post("/feedback", _body(make_customer(owner=org.sales1), today)).json()["id"]
    assert_error(api.post(f"/feedback/{fid}/confirm", {"customer_response": "ok"}), 409, "invalid_transition")
    assert_error(api.post(f"/feedback/{fid}/reopen", {"reason": "x"}), 409, "invalid_transition")
    assert Feedback.objects.get(pk=fid).status == "open" and FeedbackStep.objects.count() == 1


def test_resolve_without_resolution_answers_400_naming_it(org, make_customer, today):
    api = bearer(org.sales1)
    fid = api.post("/feedback", _body(make_customer(owner=org.sales1), today)).json()["id"]
    assert_error(api.post(f"/feedback/{fid}/resolve", {"resolution": ""}), 400, "invalid", {"resolution"})
    assert Feedback.objects.get(pk=fid).status == "open"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"deadline": "2000-01-01"}, "deadline"),
        ({"kind": "quality"}, "product_name"),
        ({"subject": "   "}, "subject"),
    ],
)
def test_create_with_bad_input_answers_400_naming_the_field(org, make_customer, today, fields, field):
    response = bearer(org.sales1).post("/feedback", _body(make_customer(owner=org.sales1), today, **fields))
    assert_error(response, 400, "invalid", {field})
    assert not Feedback.objects.exists()


def test_create_refuses_unknown_fields_and_wrong_types(org, make_customer, today):
    api = bearer(org.sales1)
    customer = make_customer(owner=org.sales1)
    assert_error(
        api.post("/feedback", _body(customer, today, status="confirmed")), 422, "validation_error", {"status"}
    )
    assert_error(
        api.post("/feedback", _body(customer, today, received_on="yesterday")), 422, "validation_error"
    )
    assert not Feedback.objects.exists()


def test_create_for_a_customer_out_of_scope_answers_400_naming_customer(org, make_customer, today):
    response = bearer(org.sales1).post("/feedback", _body(make_customer(owner=org.sales3), today))
    assert_error(response, 400, "invalid", {"customer"})


def test_scope_in_the_api(org, make_customer, today):
    mine = bearer(org.sales1).post("/feedback", _body(make_customer(owner=org.sales1), today)).json()["id"]
    theirs = bearer(org.sales3).post("/feedback", _body(make_customer(owner=org.sales3), today)).json()["id"]

    def ids(user):
        return {f["id"] for f in bearer(user).get("/feedback").json()["items"]}

    assert ids(org.sales1) == {mine}
    assert ids(org.manager1) == {mine}
    assert ids(org.regional_east) == {mine}
    assert ids(org.auditor) == {mine, theirs}
    assert_error(bearer(org.sales1).get(f"/feedback/{theirs}"), 404, "not_found")
    assert_error(bearer(org.sales1).post(f"/feedback/{theirs}/start"), 404, "not_found")
    assert (
        bearer(org.sales1).get("/feedback", {"customer": make_customer(owner=org.sales3).pk}).json()["count"]
        == 0
    )


def test_route_by_a_salesperson_answers_403(org, make_customer, today):
    api = bearer(org.sales1)
    fid = api.post("/feedback", _body(make_customer(owner=org.sales1), today)).json()["id"]
    response = api.post(f"/feedback/{fid}/route", {"department": "quality", "deadline": today.isoformat()})
    assert_error(response, 403, "permission_denied")
    assert FeedbackStep.objects.filter(feedback_id=fid).count() == 1


def test_auditor_reads_but_every_write_answers_403(org, make_customer, today):
    fid = bearer(org.sales1).post("/feedback", _body(make_customer(owner=org.sales1), today)).json()["id"]
    auditor = bearer(org.auditor)
    assert auditor.get(f"/feedback/{fid}").json()["actions"] == []
    assert_error(
        auditor.post("/feedback", _body(make_customer(owner=org.sales1), today)), 403, "permission_denied"
    )
    assert_error(auditor.post(f"/feedback/{fid}/start"), 403, "permission_denied")
    assert_error(auditor.post(f"/feedback/{fid}/resolve", {"resolution": "x"}), 403, "permission_denied")
    assert Feedback.objects.count() == 1


def test_list_filters_overdue_and_paginates(org, make_customer, today):
    api = bearer(org.sales1)
    customer = make_customer(owner=org.sales1)
    late = api.post(
        "/feedback",
        _body(customer, today, received_on=(today - 5 * DAY).isoformat(), deadline=(today - DAY).isoformat()),
    ).json()["id"]
    for _ in range(3):
        api.post("/feedback", _body(customer, today))
    overdue = api.get("/feedback", {"overdue": "true"}).json()
    assert [f["id"] for f in overdue["items"]] == [late] and overdue["items"][0]["overdue"] is True
    page = api.get("/feedback", {"page_size": 2, "sort": "received_on"}).json()
    assert page["count"] == 4 and page["items"][0]["id"] == late
    assert_error(api.get("/feedback", {"sort": "secret"}), 422, "validation_error", {"sort"})


def test_list_query_budget(org, make_customer, today, django_assert_max_num_queries):
    api = bearer(org.manager1)
    customer = make_customer(owner=org.sales1)
    for _ in range(10):
        fid = api.post("/feedback", _body(customer, today)).json()["id"]
        api.post(
            f"/feedback/{fid}/route",
            {"department": "sales", "assignee": org.sales2.pk, "deadline": today.isoformat()},
        )
    api.get("/feedback")
    with django_assert_max_num_queries(10):
        response = api.get("/feedback")
    assert response.json()["count"] == 10


def test_session_writes_need_the_csrf_token(org, make_customer, today):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.sales1)
    response = client.post(
        f"{API}/feedback", _body(make_customer(owner=org.sales1), today), content_type="application/json"
    )
    assert_error(response, 403, "csrf_failed")
    # a session client without CSRF enforcement (the helper) goes through
    assert (
        session(org.sales1).post("/feedback", _body(make_customer(owner=org.sales1), today)).status_code
        == 201
    )
