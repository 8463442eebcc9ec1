"""Personal API tokens through the API: list, create (the key once), revoke."""

import pytest

from salesdept.accounts.models import ApiToken
from tests.api_helpers import ApiClient, assert_error, bearer, session


def test_create_token_returns_the_key_once_and_keeps_only_its_hash(org):
    response = session(org.sales1).post("/tokens", {"name": "laptop"})
    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    key = body["key"]
    assert key.startswith("sd_") and body["name"] == "laptop" and body["is_active"] is True
    token = ApiToken.objects.get(pk=body["id"])
    assert token.digest == ApiToken.hash(key) and key not in (token.prefix, token.digest)
    # the key works, and the list never shows it again
    listed = ApiClient(Authorization=f"Bearer {key}").get("/tokens").json()
    assert listed["count"] == 1
    assert "key" not in listed["items"][0] and listed["items"][0]["prefix"] == key[:10]


def test_token_list_shows_only_my_tokens_newest_first(org):
    client = session(org.sales1)
    for name in ["one", "two"]:
        client.post("/tokens", {"name": name})
    session(org.sales2).post("/tokens", {"name": "someone else's"})
    assert [t["name"] for t in client.get("/tokens").json()["items"]] == ["two", "one"]


def test_revoked_token_stops_working_at_once(org):
    client = session(org.sales1)
    created = client.post("/tokens", {"name": "laptop"}).json()
    script = ApiClient(Authorization=f"Bearer {created['key']}")
    assert script.get("/me").status_code == 200
    response = client.delete(f"/tokens/{created['id']}")
    assert response.status_code == 204 and response.content == b""
    assert_error(script.get("/me"), 401, "invalid_token")
    listed = client.get("/tokens").json()["items"][0]
    assert listed["is_active"] is False and listed["revoked_at"] is not None


def test_a_token_can_revoke_itself(org):
    client = bearer(org.sales1)
    token_id = client.get("/tokens").json()["items"][0]["id"]
    assert client.delete(f"/tokens/{token_id}").status_code == 204
    assert_error(client.get("/me"), 401, "invalid_token")


def test_revoking_someone_elses_token_is_404_and_changes_nothing(org):
    other = session(org.sales3).post("/tokens", {"name": "theirs"}).json()
    assert_error(session(org.sales1).delete(f"/tokens/{other['id']}"), 404, "not_found")
    assert ApiToken.objects.get(pk=other["id"]).revoked_at is None


def test_revoking_an_unknown_token_is_404(org):
    assert_error(session(org.sales1).delete("/tokens/999999"), 404, "not_found")


def test_auditor_may_hold_a_token_to_read(org):
    client = session(org.auditor)
    key = client.post("/tokens", {"name": "audit script"}).json()["key"]
    assert ApiClient(Authorization=f"Bearer {key}").get("/users").json()["count"] == 16


@pytest.mark.parametrize(
    "body, status, fields",
    [
        ({}, 422, {"name"}),
        ({"name": ""}, 422, {"name"}),
        ({"name": "x" * 101}, 422, {"name"}),
        ({"name": 5}, 422, {"name"}),
        ({"name": "laptop", "user_id": 1}, 422, {"user_id"}),
        ({"name": "   "}, 400, {"name"}),
    ],
)
def test_create_token_with_bad_input_is_refused(org, body, status, fields):
    code = "validation_error" if status == 422 else "invalid"
    assert_error(session(org.sales1).post("/tokens", body), status, code, fields=fields)
    assert not ApiToken.objects.filter(user=org.sales1).exists()


def test_token_list_query_budget(org, django_assert_max_num_queries):
    client = session(org.sales1)
    for i in range(20):
        client.post("/tokens", {"name": f"t{i}"})
    with django_assert_max_num_queries(4):
        assert client.get("/tokens").json()["count"] == 20
