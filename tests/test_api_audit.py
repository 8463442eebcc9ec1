"""The audit trail through the API (X3): who may read it, what it shows, how it filters."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from salesdept.accounts.models import Team, User
from tests.api_helpers import assert_error, bearer, session


def _person(username="sales7") -> dict:
    return {"username": username, "password": "a-Long-passphrase-7", "roles": ["salesperson"]}


@pytest.fixture
def changes(org):
    """The admin creates sales7 through the API with a token and renames sales1 in the browser."""
    assert bearer(org.admin).post("/users", _person()).status_code == 201
    assert (
        session(org.admin).patch(f"/users/{org.sales1.pk}", {"display_name": "张伟 (East)"}).status_code
        == 200
    )
    return User.objects.get(username="sales7")


@pytest.mark.parametrize("persona", ["auditor", "director"])
def test_auditor_and_director_read_the_audit_trail(org, changes, persona):
    response = bearer(org.people[persona]).get("/audit")
    assert response.status_code == 200, response.content
    assert response.json()["count"] == LogEntry.objects.count() > 0


@pytest.mark.parametrize("persona", ["admin", "sales1", "manager1", "finance", "clerk"])
def test_others_may_not_read_the_audit_trail(org, persona):
    assert_error(bearer(org.people[persona]).get("/audit"), 403, "permission_denied")


def test_audit_trail_needs_sign_in(db):
    from tests.api_helpers import ApiClient

    assert_error(ApiClient().get("/audit"), 401, "not_authenticated")


def test_changes_made_with_a_token_or_a_session_name_who_made_them(org, changes):
    client = bearer(org.auditor)
    created = client.get(
        "/audit", {"model": "accounts.user", "object_id": changes.pk, "action": "create"}
    ).json()
    assert created["count"] == 1
    entry = created["items"][0]
    assert entry["actor_id"] == org.admin.pk and entry["actor"] == str(org.admin)
    assert entry["model"] == "accounts.user" and entry["object_repr"] == "sales7"
    assert "password" not in entry["changes"]
    query = {"object_id": org.sales1.pk, "action": "update", "model": "accounts.user", "user": org.admin.pk}
    renamed = client.get("/audit", query).json()
    assert renamed["count"] == 1
    assert renamed["items"][0]["actor_id"] == org.admin.pk
    assert renamed["items"][0]["changes"]["display_name"] == ["张伟 Zhang Wei", "张伟 (East)"]


def test_audit_trail_is_newest_first(org, changes):
    items = bearer(org.auditor).get("/audit", {"page_size": 200}).json()["items"]
    stamps = [(e["timestamp"], e["id"]) for e in items]
    assert stamps == sorted(stamps, reverse=True)


def test_sort_oldest_first(org, changes):
    items = bearer(org.auditor).get("/audit", {"page_size": 200, "sort": "time"}).json()["items"]
    stamps = [(e["timestamp"], e["id"]) for e in items]
    assert stamps == sorted(stamps)


def test_filter_by_user(org, changes):
    items = bearer(org.auditor).get("/audit", {"user": org.admin.pk, "page_size": 200}).json()["items"]
    assert items and {e["actor_id"] for e in items} == {org.admin.pk}
    assert bearer(org.auditor).get("/audit", {"user": org.sales2.pk}).json()["count"] == 0


def test_filter_by_model(org, changes):
    Team.objects.filter(code="east").update(name_en="East")  # .update() is not audited
    body = bearer(org.auditor).get("/audit", {"model": "accounts.team"}).json()
    team_entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Team)).count()
    assert body["count"] == team_entries > 0
    assert {e["model"] for e in body["items"]} == {"accounts.team"}


def test_filter_by_dates_is_inclusive_of_both_days(org, changes):
    client = bearer(org.auditor)
    today = timezone.localdate()
    total = LogEntry.objects.count()
    assert client.get("/audit", {"date_from": today, "date_to": today}).json()["count"] == total
    assert client.get("/audit", {"date_to": today - timedelta(days=1)}).json()["count"] == 0
    assert client.get("/audit", {"date_from": today + timedelta(days=1)}).json()["count"] == 0
    # an entry from last week shows only in a range that covers it (the log is append-only, so
    # the old entry is written as it would have been then)
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User),
        object_pk=str(org.sales2.pk),
        object_id=org.sales2.pk,
        object_repr="sales2",
        action=LogEntry.Action.UPDATE,
        timestamp=timezone.now() - timedelta(days=7),
    )
    week_ago = today - timedelta(days=7)
    assert client.get("/audit", {"date_from": week_ago, "date_to": week_ago}).json()["count"] == 1


@pytest.mark.parametrize(
    "query, status, field",
    [
        ({"model": "nothing.here"}, 400, "model"),
        ({"model": "x" * 101}, 422, "model"),
        ({"date_from": "2026-13-01"}, 422, "date_from"),
        ({"date_to": "yesterday"}, 422, "date_to"),
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, 400, "date_to"),
        ({"user": "admin"}, 422, "user"),
        ({"user": 999999}, 400, "user"),
        ({"object_id": 3}, 400, "model"),
        ({"sort": "random"}, 422, "sort"),
        ({"object_id": -1}, 422, "object_id"),
        ({"action": "approve"}, 422, "action"),
        ({"page_size": 201}, 422, "page_size"),
    ],
)
def test_bad_filters_name_the_field(org, query, status, field):
    code = "validation_error" if status == 422 else "invalid"
    assert_error(bearer(org.auditor).get("/audit", query), status, code, fields={field})


def test_audit_list_query_budget_does_not_grow_with_entries(org, changes, django_assert_max_num_queries):
    client = bearer(org.auditor)
    for i in range(30):
        Team.objects.create(code=f"t{i}", name=f"组{i}")
    with django_assert_max_num_queries(6):
        body = client.get("/audit", {"page_size": 200}).json()
    assert body["count"] == len(body["items"]) > 30


def test_the_audit_trail_cannot_be_written_through_the_api(org):
    client = bearer(org.auditor)
    assert_error(client.post("/audit", {"action": "delete"}), 405, "method_not_allowed")
    assert_error(client.delete("/audit"), 405, "method_not_allowed")
