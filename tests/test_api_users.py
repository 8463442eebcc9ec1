"""API for people and organisation: me, users (admin writes, scoped reads), regions, teams.

Scope (X1): another person's record outside your scope answers 404, so its existence does not
leak; the auditor reads and never writes."""

import pytest
from django.contrib.auth.models import Group

from salesdept.accounts.models import User
from tests.api_helpers import assert_error, bearer, session

ALL_PEOPLE = 16


def _usernames(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {u["username"] for u in response.json()["items"]}


def _new_user(**overrides) -> dict:
    return {
        "username": "sales7",
        "password": "a-Long-passphrase-7",
        "display_name": "新人 New Person",
        "email": "sales7@example.com",
        "roles": ["salesperson"],
        **overrides,
    }


# --- me ----------------------------------------------------------------------------------------


def test_me_tells_who_i_am(org):
    body = bearer(org.sales1).get("/me").json()
    assert body["username"] == "sales1"
    assert body["roles"] == ["salesperson"]
    assert body["scope"] == "own"
    assert body["team_id"] == org.teams["east"].pk
    assert "password" not in body


def test_me_works_for_a_person_without_roles(org):
    loner = User.objects.create_user("loner", password="x")
    body = session(loner).get("/me").json()
    assert body["username"] == "loner" and body["roles"] == [] and body["scope"] == "none"


def test_patch_me_remembers_my_language(org):
    response = bearer(org.auditor).patch("/me", {"language": "zh-hans"})
    assert response.status_code == 200, response.content
    assert response.json()["language"] == "zh-hans"
    org.auditor.refresh_from_db()
    assert org.auditor.language == "zh-hans"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"language": "fr"}, "language"),
        ({}, "language"),
        ({"language": "en", "is_superuser": True}, "is_superuser"),
    ],
)
def test_patch_me_with_bad_input_is_422_and_changes_nothing(org, body, field):
    assert_error(bearer(org.sales1).patch("/me", body), 422, "validation_error", fields={field})
    org.sales1.refresh_from_db()
    assert org.sales1.language == "" and not org.sales1.is_superuser


# --- user list and scope -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("sales1", {"sales1"}),
        ("manager1", {"manager1", "sales1", "sales2"}),
        ("regional_east", {"regional_east", "manager1", "sales1", "sales2"}),
    ],
)
def test_user_list_follows_the_scope_rule(org, persona, expected):
    assert _usernames(bearer(org.people[persona]).get("/users")) == expected


@pytest.mark.parametrize("persona", ["director", "auditor", "admin", "finance"])
def test_user_list_shows_everyone_to_department_wide_roles(org, persona):
    response = bearer(org.people[persona]).get("/users", {"page_size": 100})
    assert response.json()["count"] == ALL_PEOPLE
    assert len(_usernames(response)) == ALL_PEOPLE


def test_user_list_is_sorted_and_paginated(org):
    client = bearer(org.admin)
    first = client.get("/users", {"page_size": 5}).json()
    assert first["count"] == ALL_PEOPLE and len(first["items"]) == 5
    names = [u["username"] for u in first["items"]]
    assert names == sorted(names)
    last = client.get("/users", {"page_size": 5, "page": 4}).json()
    assert last["count"] == ALL_PEOPLE and len(last["items"]) == 1
    beyond = client.get("/users", {"page_size": 5, "page": 9}).json()
    assert beyond == {"items": [], "count": ALL_PEOPLE}


def test_user_search_matches_name_and_stays_in_scope(org):
    assert _usernames(bearer(org.admin).get("/users", {"search": "Wei"})) == {"sales1", "manager3"}
    assert _usernames(bearer(org.admin).get("/users", {"search": "黄磊"})) == {"sales3"}
    assert _usernames(bearer(org.admin).get("/users", {"search": "SALES4"})) == {"sales4"}
    # manager1 does not find someone of another team by searching
    assert _usernames(bearer(org.manager1).get("/users", {"search": "Wei"})) == {"sales1"}


@pytest.mark.parametrize(
    "query, field",
    [
        ({"page_size": 201}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page": 0}, "page"),
        ({"page": "abc"}, "page"),
        ({"search": "x" * 101}, "search"),
    ],
)
def test_user_list_with_bad_query_is_422_naming_the_parameter(org, query, field):
    assert_error(bearer(org.admin).get("/users", query), 422, "validation_error", fields={field})


def test_page_size_at_the_maximum_is_accepted(org, settings):
    response = bearer(org.admin).get("/users", {"page_size": settings.SALESDEPT["MAX_PAGE_SIZE"]})
    assert response.status_code == 200 and len(response.json()["items"]) == ALL_PEOPLE


def test_user_list_query_budget_does_not_grow_with_rows(org, django_assert_max_num_queries):
    client = bearer(org.admin)
    for i in range(30):
        User.objects.create_user(f"extra{i:02}", password="x").groups.set(
            Group.objects.filter(name="salesperson")
        )
    with django_assert_max_num_queries(6):
        response = client.get("/users", {"page_size": 100})
    assert response.json()["count"] == ALL_PEOPLE + 30


def test_user_list_query_budget_for_a_regional_manager(org, django_assert_max_num_queries):
    client = session(org.regional_east)
    with django_assert_max_num_queries(7):
        assert len(_usernames(client.get("/users"))) == 4


# --- user detail -------------------------------------------------------------------------------


def test_another_persons_record_outside_my_scope_is_404(org):
    assert_error(bearer(org.sales1).get(f"/users/{org.sales3.pk}"), 404, "not_found")
    assert_error(bearer(org.manager1).get(f"/users/{org.sales3.pk}"), 404, "not_found")


def test_records_inside_my_scope_are_readable(org):
    assert bearer(org.sales1).get(f"/users/{org.sales1.pk}").json()["username"] == "sales1"
    assert bearer(org.manager1).get(f"/users/{org.sales2.pk}").json()["username"] == "sales2"
    assert bearer(org.regional_east).get(f"/users/{org.sales2.pk}").status_code == 200
    assert bearer(org.auditor).get(f"/users/{org.sales3.pk}").status_code == 200


def test_unknown_user_is_404(org):
    assert_error(bearer(org.admin).get("/users/999999"), 404, "not_found")


# --- create ------------------------------------------------------------------------------------


def test_admin_creates_a_user_with_roles(org):
    response = bearer(org.admin).post("/users", _new_user(team_id=org.teams["east"].pk))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "sales7" and body["roles"] == ["salesperson"] and body["scope"] == "own"
    user = User.objects.get(username="sales7")
    assert user.team == org.teams["east"]
    assert user.check_password("a-Long-passphrase-7")


@pytest.mark.parametrize("persona", ["auditor", "director", "sales1", "manager1"])
def test_only_the_admin_role_creates_users(org, persona):
    assert_error(bearer(org.people[persona]).post("/users", _new_user()), 403, "permission_denied")
    assert not User.objects.filter(username="sales7").exists()


@pytest.mark.parametrize(
    "changes, status, fields",
    [
        ({"username": None}, 422, {"username"}),
        ({"password": None}, 422, {"password"}),
        ({"is_superuser": True}, 422, {"is_superuser"}),
        ({"status": "active", "owner": 1}, 422, {"status", "owner"}),
        ({"team_id": "east"}, 422, {"team_id"}),
        ({"roles": "salesperson"}, 422, {"roles"}),
        ({"display_name": "x" * 101}, 422, {"display_name"}),
        ({"username": "has space"}, 422, {"username"}),
        ({"language": "fr"}, 422, {"language"}),
        ({"team_id": 999999}, 400, {"team_id"}),
        ({"region_id": 999999}, 400, {"region_id"}),
        ({"roles": ["emperor"]}, 400, {"roles"}),
        ({"username": "SALES1"}, 400, {"username"}),
        ({"password": "123"}, 400, {"password"}),
        ({"email": "not-an-address"}, 400, {"email"}),
    ],
)
def test_create_user_with_bad_input_names_the_field_and_creates_nothing(org, changes, status, fields):
    body = {k: v for k, v in _new_user(**changes).items() if v is not None}
    code = "validation_error" if status == 422 else "invalid"
    assert_error(bearer(org.admin).post("/users", body), status, code, fields=fields)
    assert User.objects.count() == ALL_PEOPLE


# --- update ------------------------------------------------------------------------------------


def test_admin_updates_a_user(org):
    response = bearer(org.admin).patch(
        f"/users/{org.sales1.pk}",
        {"display_name": "张伟", "team_id": org.teams["south"].pk, "roles": ["salesperson", "supervisor"]},
    )
    assert response.status_code == 200, response.content
    assert response.json()["roles"] == ["salesperson", "supervisor"]
    org.sales1.refresh_from_db()
    assert org.sales1.display_name == "张伟" and org.sales1.team == org.teams["south"]


def test_patch_leaves_fields_it_does_not_name_and_null_clears_team(org):
    bearer(org.admin).patch(f"/users/{org.sales1.pk}", {"team_id": None})
    org.sales1.refresh_from_db()
    assert org.sales1.team is None and org.sales1.display_name == "张伟 Zhang Wei"
    assert org.sales1.region == org.regions["east-sh"]


@pytest.mark.parametrize("persona", ["auditor", "director", "manager1"])
def test_readers_cannot_update_users_they_see(org, persona):
    response = bearer(org.people[persona]).patch(f"/users/{org.sales1.pk}", {"display_name": "hacked"})
    assert_error(response, 403, "permission_denied")
    org.sales1.refresh_from_db()
    assert org.sales1.display_name == "张伟 Zhang Wei"


def test_update_outside_my_scope_is_404_not_403(org):
    assert_error(bearer(org.sales1).patch(f"/users/{org.sales3.pk}", {"display_name": "x"}), 404, "not_found")


@pytest.mark.parametrize(
    "body, status, fields",
    [
        ({"display_name": None}, 422, {"display_name"}),
        ({"is_active": "perhaps"}, 422, {"is_active"}),
        ({"password": "new-password-1"}, 422, {"password"}),
        ({"username": "renamed"}, 422, {"username"}),
        ({"is_staff": True}, 422, {"is_staff"}),
        ({"email": "x" * 255}, 422, {"email"}),
        ({"team_id": 999999}, 400, {"team_id"}),
        ({"roles": ["emperor"]}, 400, {"roles"}),
    ],
)
def test_update_user_with_bad_input_is_refused_and_changes_nothing(org, body, status, fields):
    code = "validation_error" if status == 422 else "invalid"
    assert_error(bearer(org.admin).patch(f"/users/{org.sales1.pk}", body), status, code, fields=fields)
    org.sales1.refresh_from_db()
    assert (
        org.sales1.username == "sales1" and org.sales1.team == org.teams["east"] and not org.sales1.is_staff
    )


def test_admin_cannot_deactivate_themself(org):
    assert_error(
        bearer(org.admin).patch(f"/users/{org.admin.pk}", {"is_active": False}), 409, "cannot_deactivate_self"
    )


def test_update_unknown_user_is_404(org):
    assert_error(bearer(org.admin).patch("/users/999999", {"display_name": "x"}), 404, "not_found")


# --- regions and teams -------------------------------------------------------------------------


def test_regions_are_listed_as_a_tree(org):
    body = bearer(org.sales1).get("/regions").json()
    assert body["count"] == 7
    by_code = {r["code"]: r for r in body["items"]}
    assert by_code["east-sh"]["parent_id"] == org.regions["east"].pk
    assert by_code["east"]["name"] == "华东" and by_code["east"]["name_en"] == "East"


def test_teams_are_listed_with_manager_and_region(org):
    body = bearer(org.sales3).get("/teams").json()
    assert body["count"] == 3
    east = next(t for t in body["items"] if t["code"] == "east")
    assert east["manager_id"] == org.manager1.pk and east["region_id"] == org.regions["east"].pk


def test_region_and_team_detail(org):
    client = bearer(org.sales1)
    assert client.get(f"/regions/{org.regions['south'].pk}").json()["code"] == "south"
    assert client.get(f"/teams/{org.teams['north'].pk}").json()["code"] == "north"
    assert_error(client.get("/regions/999999"), 404, "not_found")
    assert_error(client.get("/teams/999999"), 404, "not_found")


def test_a_person_without_roles_sees_no_master_data(org):
    loner = User.objects.create_user("loner", password="x")
    assert bearer(loner).get("/regions").json() == {"items": [], "count": 0}


@pytest.mark.parametrize("path", ["/regions", "/teams"])
def test_master_data_lists_have_a_fixed_query_budget(org, path, django_assert_max_num_queries):
    client = bearer(org.sales1)
    with django_assert_max_num_queries(5):
        assert client.get(path).status_code == 200
