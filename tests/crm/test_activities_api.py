"""API of follow-ups and the phone log (C3): /api/v1/activities…, /api/v1/phone-calls…, through
the whole stack (token or session + CSRF)."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from salesdept.crm.models import Activity, Customer, PhoneCall
from salesdept.crm.services import activities as services
from tests.api_helpers import ApiClient, assert_error, bearer, session

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def plan(by, customer, due_on=None, **data):
    return services.activity_plan(
        by=by, data={"customer_id": customer.pk, "due_on": due_on or today(), **data}
    )


def test_salesperson_plans_and_logs_a_follow_up_and_sees_the_next(org, make_customer):
    # given sales1's tier-A customer
    customer = make_customer(owner=org.sales1, tier="A")
    api = bearer(org.sales1)
    # when they plan a call due today
    r = api.post(
        "/activities", {"customer_id": customer.pk, "due_on": str(today()), "subject": "Spring order"}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "planned" and body["customer_name"] == customer.name
    assert body["owner_id"] == org.sales1.pk and body["kind"] == "call"
    # and log it
    r = api.post(
        f"/activities/{body['id']}/log", {"result": "Will order 20 units", "next_step": "Send contract"}
    )
    assert r.status_code == 200, r.content
    logged = r.json()
    # then it is done and the next one is due in 30 days
    assert logged["status"] == "done" and logged["result"] == "Will order 20 units"
    assert logged["next_created"] is True
    assert logged["next_follow_up"]["due_on"] == str(today() + days(30))
    assert logged["next_follow_up"]["follows_id"] == body["id"]
    customer.refresh_from_db()
    assert customer.last_contact_on == today()


def test_log_with_next_due_on_and_without_result(org, make_customer):
    activity = plan(org.sales1, make_customer(tier="C"))
    api = bearer(org.sales1)
    # a missing result is 400 naming result, and nothing changes
    assert_error(api.post(f"/activities/{activity.pk}/log", {}), 400, "invalid", {"result"})
    assert_error(api.post(f"/activities/{activity.pk}/log", {"result": "  "}), 400, "invalid", {"result"})
    activity.refresh_from_db()
    assert activity.status == "planned"
    # the given date wins over the rule (C: 90 days)
    r = api.post(f"/activities/{activity.pk}/log", {"result": "ok", "next_due_on": str(today() + days(3))})
    assert r.json()["next_follow_up"]["due_on"] == str(today() + days(3))
    # a second log is a conflict
    assert_error(api.post(f"/activities/{activity.pk}/log", {"result": "again"}), 409, "not_planned")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"due_on": "2025-01-01"}, {"customer_id"}),
        ({"customer_id": "CUSTOMER"}, {"customer_id"}),
        ({"due_on": "tomorrow"}, {"due_on"}),
        ({"kind": "fax"}, {"kind"}),
        ({"status": "done"}, {"status"}),
    ],
)
def test_plan_with_bad_input_names_the_field(org, make_customer, body, fields):
    customer = make_customer()
    payload = {"customer_id": customer.pk, "due_on": str(today()), **body}
    if "customer_id" in fields and body.get("customer_id") is None:
        payload.pop("customer_id")
    r = bearer(org.sales1).post("/activities", payload)
    assert r.status_code in (400, 422)
    assert fields <= set(r.json()["error"]["fields"]), r.json()
    assert not Activity.objects.exists()


def test_plan_without_due_date_is_400_naming_due_on(org, make_customer):
    r = bearer(org.sales1).post("/activities", {"customer_id": make_customer().pk})
    assert_error(r, 400, "invalid", {"due_on"})


def test_sales1_cannot_see_or_log_sales3s_follow_up(org, make_customer):
    theirs = plan(org.sales3, make_customer(owner=org.sales3, tier="A"))
    api = bearer(org.sales1)
    assert_error(api.get(f"/activities/{theirs.pk}"), 404, "not_found")
    assert_error(api.post(f"/activities/{theirs.pk}/log", {"result": "x"}), 404, "not_found")
    assert_error(api.patch(f"/activities/{theirs.pk}", {"subject": "x"}), 404, "not_found")
    assert_error(api.post(f"/activities/{theirs.pk}/cancel", {"reason": "x"}), 404, "not_found")
    assert api.get("/activities").json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.status == "planned" and theirs.subject != "x"


def test_auditor_reads_but_cannot_write(org, make_customer):
    activity = plan(org.sales1, make_customer())
    api = bearer(org.auditor)
    assert api.get(f"/activities/{activity.pk}").status_code == 200
    assert_error(api.post(f"/activities/{activity.pk}/log", {"result": "x"}), 403, "permission_denied")
    assert_error(
        api.post("/activities", {"customer_id": activity.customer_id, "due_on": str(today())}),
        403,
        "permission_denied",
    )


def test_patch_and_cancel(org, make_customer):
    activity = plan(org.sales1, make_customer())
    api = bearer(org.sales1)
    r = api.patch(f"/activities/{activity.pk}", {"due_on": str(today() + days(2)), "kind": "visit"})
    assert (
        r.status_code == 200 and r.json()["due_on"] == str(today() + days(2)) and r.json()["kind"] == "visit"
    )
    assert_error(
        api.patch(f"/activities/{activity.pk}", {"subject": None}), 422, "validation_error", {"subject"}
    )
    assert_error(api.post(f"/activities/{activity.pk}/cancel", {}), 400, "invalid", {"reason"})
    r = api.post(f"/activities/{activity.pk}/cancel", {"reason": "Duplicate"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert_error(api.patch(f"/activities/{activity.pk}", {"subject": "late"}), 409, "not_planned")


def test_session_write_needs_the_csrf_token(org, make_customer):
    activity = plan(org.sales1, make_customer())
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.sales1)
    api = ApiClient(client)
    assert_error(api.post(f"/activities/{activity.pk}/log", {"result": "x"}), 403, "csrf_failed")
    client.get("/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    r = api.post(f"/activities/{activity.pk}/log", {"result": "x"}, headers={"X-CSRFToken": token})
    assert r.status_code == 200, r.content


def test_today_list_and_full_list(org, make_customer):
    c = make_customer(owner=org.sales1)
    late = plan(org.sales1, c, today() - days(3))
    due = plan(org.sales1, c, today())
    plan(org.sales1, c, today() + days(3))
    api = bearer(org.sales1)
    r = api.get("/activities/today")
    assert [a["id"] for a in r.json()["items"]] == [late.pk, due.pk]
    r = api.get("/activities", {"due_from": str(today()), "sort": "-due_on"})
    assert [a["due_on"] for a in r.json()["items"]] == [str(today() + days(3)), str(today())]
    assert_error(api.get("/activities", {"status": "late"}), 422, "validation_error", {"status"})
    assert_error(
        api.get("/activities", {"due_from": str(today()), "due_to": str(today() - days(1))}), 400, "invalid"
    )


def test_team_overdue_for_the_manager_only(org, make_customer):
    plan(org.sales1, make_customer(owner=org.sales1), today() - days(2))
    plan(org.sales2, make_customer(owner=org.sales2), today() - days(4))
    plan(org.sales2, make_customer(owner=org.sales2), today() - days(1))
    plan(org.sales3, make_customer(owner=org.sales3), today() - days(1))
    r = bearer(org.manager1).get("/activities/team-overdue")
    assert r.status_code == 200
    assert [(g["owner_id"], g["count"]) for g in r.json()] == [(org.sales2.pk, 2), (org.sales1.pk, 1)]
    assert bearer(org.sales1).get("/activities/team-overdue").json() == []


def test_customers_overdue_by_rule(org, make_customer):
    late = make_customer(owner=org.sales1, tier="A")
    Customer.objects.filter(pk=late.pk).update(last_contact_on=today() - days(31))
    fine = make_customer(owner=org.sales1, tier="A")
    Customer.objects.filter(pk=fine.pk).update(last_contact_on=today() - days(30))
    r = bearer(org.sales1).get("/activities/customers-overdue")
    assert r.status_code == 200
    items = r.json()["items"]
    assert [c["id"] for c in items] == [late.pk]
    assert items[0]["revisit_due"] == str(today() - days(1)) and items[0]["tier"] == "A"
    assert bearer(org.sales3).get("/activities/customers-overdue").json()["count"] == 0


def test_list_query_budget(org, make_customer, django_assert_max_num_queries):
    for i in range(12):
        plan(org.sales1, make_customer(owner=org.sales1), today() + days(i))
    api = bearer(org.manager1)
    api.get("/activities")
    with django_assert_max_num_queries(8):
        r = api.get("/activities", {"page_size": 50})
    assert r.json()["count"] == 12


# --- phone log -------------------------------------------------------------------------------


def test_clerk_logs_a_call_and_it_links_the_customer_by_phone(org, make_customer):
    customer = make_customer(owner=org.sales1, phone="13912345678")
    api = bearer(org.clerk)
    r = api.post(
        "/phone-calls",
        {
            "caller": "赵女士",
            "number": "+86 139 1234 5678",
            "topic": "Wants a catalogue",
            "handed_to_id": org.sales1.pk,
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["customer_id"] == customer.pk and body["customer_name"] == customer.name
    assert body["handed_to_id"] == org.sales1.pk and body["taken_by_id"] == org.clerk.pk
    # sales1 sees it in their phone log; sales3 does not
    assert [c["id"] for c in bearer(org.sales1).get("/phone-calls").json()["items"]] == [body["id"]]
    assert_error(bearer(org.sales3).get(f"/phone-calls/{body['id']}"), 404, "not_found")
    r = api.patch(f"/phone-calls/{body['id']}", {"result": "Catalogue sent"})
    assert r.status_code == 200 and r.json()["result"] == "Catalogue sent"


def test_phone_call_bad_input_and_permissions(org):
    assert_error(bearer(org.clerk).post("/phone-calls", {"number": "1"}), 400, "invalid", {"caller", "topic"})
    assert_error(
        bearer(org.sales1).post("/phone-calls", {"caller": "a", "topic": "b"}), 403, "permission_denied"
    )
    assert not PhoneCall.objects.exists()
    assert_error(
        bearer(org.clerk).post("/phone-calls", {"caller": "a", "topic": "b", "x": 1}), 422, "validation_error"
    )


def test_anonymous_is_401(org):
    assert_error(ApiClient().get("/activities"), 401, "not_authenticated")
    assert_error(session(org.sales1).get("/activities/999999"), 404, "not_found")
