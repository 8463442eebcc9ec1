"""The audit trail page (/audit/, X3): who changed what and when; read-only; auditor and director."""

import datetime
import re

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from salesdept.audit import selectors
from salesdept.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

URL = "/audit/"


def _ids(response) -> list[int]:
    return [
        int(i) for i in re.findall(r'data-testid="audit-row" data-entry="(\d+)"', response.content.decode())
    ]


def _local(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


def _entry(obj, *, actor=None, when=None, action=LogEntry.Action.UPDATE, changes=None) -> LogEntry:
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_pk=str(obj.pk),
        object_id=obj.pk,
        object_repr=str(obj),
        action=action,
        changes=changes or {},
        actor=actor,
        timestamp=when or timezone.now(),
    )


# --- who may see it --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["sales1", "manager1", "finance", "clerk", "admin", "regional_east"])
def test_audit_trail_is_forbidden_without_the_permission(client, org, persona):
    client.force_login(getattr(org, persona))
    response = client.get(URL)
    assert response.status_code == 403
    assert 'data-testid="error-page"' in response.content.decode()


@pytest.mark.parametrize("persona", ["auditor", "director"])
def test_audit_trail_is_open_to_auditor_and_director(client, org, persona):
    client.force_login(getattr(org, persona))
    response = client.get(URL)
    assert response.status_code == 200
    assert _ids(response)


def test_audit_trail_needs_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_audit_selector_refuses_a_salesperson(org):
    with pytest.raises(PermissionDenied):
        selectors.audit_list(user=org.sales1, filters={})


# --- filters ---------------------------------------------------------------------------------


def test_filter_by_user_shows_only_that_users_changes(client, org):
    # given the admin renamed a team and the director a region
    team, region = org.teams["east"], org.regions["south"]
    with set_actor(org.admin):
        team.name_en = "East sales"
        team.save()
    with set_actor(org.director):
        region.name_en = "South China"
        region.save()
    client.force_login(org.auditor)
    # when the auditor filters by the admin
    ids = _ids(client.get(URL, {"user": org.admin.pk}))
    # then exactly the admin's entries are listed
    assert ids and set(ids) == set(LogEntry.objects.filter(actor=org.admin).values_list("pk", flat=True))
    assert LogEntry.objects.get_for_object(team).latest("pk").pk in ids
    assert LogEntry.objects.get_for_object(region).latest("pk").pk not in ids


def test_filter_by_record_shows_that_records_history(client, org):
    user = org.sales2
    with set_actor(org.admin):
        user.email = "liu.yang@example.com"
        user.save()
    client.force_login(org.auditor)
    ids = _ids(client.get(URL, {"model": "accounts.user", "object_id": str(user.pk)}))
    assert set(ids) == set(LogEntry.objects.get_for_object(user).values_list("pk", flat=True))
    assert len(ids) >= 2  # created, then changed


def test_filter_by_date_range_uses_whole_local_days(client, org):
    team = org.teams["north"]
    before = _entry(team, actor=org.admin, when=_local(2025, 1, 9, 23, 59))
    first = _entry(team, actor=org.admin, when=_local(2025, 1, 10, 0, 0))
    last = _entry(team, actor=org.admin, when=_local(2025, 1, 31, 23, 30))
    after = _entry(team, actor=org.admin, when=_local(2025, 2, 1, 0, 10))
    client.force_login(org.auditor)
    ids = _ids(client.get(URL, {"date_from": "2025-01-10", "date_to": "2025-01-31"}))
    assert first.pk in ids and last.pk in ids
    assert before.pk not in ids and after.pk not in ids


def test_filter_by_action(client, org):
    deleted = _entry(org.teams["south"], actor=org.admin, action=LogEntry.Action.DELETE)
    client.force_login(org.auditor)
    ids = _ids(client.get(URL, {"action": "delete"}))
    assert ids == [deleted.pk]


def test_sorted_newest_first_and_oldest_first_on_request(client, org):
    team = org.teams["east"]
    old = _entry(team, when=_local(2024, 3, 1, 9, 0))
    new = _entry(team, when=_local(2024, 3, 2, 9, 0))
    client.force_login(org.auditor)
    query = {"model": "accounts.team", "object_id": str(team.pk), "date_to": "2024-12-31"}
    assert _ids(client.get(URL, query)) == [new.pk, old.pk]
    assert _ids(client.get(URL, {**query, "sort": "time"})) == [old.pk, new.pk]
    # the header link toggles the sort and keeps the filters
    html = client.get(URL, query).content.decode()
    assert re.search(r'aria-sort="descending"><a href="\?[^"]*sort=time', html)
    assert "model=accounts.team" in html


def test_bad_filters_are_shown_next_to_the_field_and_list_nothing(client, org):
    client.force_login(org.auditor)
    response = client.get(URL, {"date_from": "2025-02-01", "date_to": "2025-01-01"})
    assert response.status_code == 200
    assert 'id="id_date_to-errors"' in response.content.decode()
    assert _ids(response) == []
    response = client.get(URL, {"date_from": "yesterday", "user": "999999"})
    html = response.content.decode()
    assert 'id="id_date_from-errors"' in html and 'id="id_user-errors"' in html


def test_selector_takes_plain_dicts_and_names_bad_fields(org):
    # the API passes a dict of parsed values; bad ones name the field
    team = org.teams["east"]
    entries = selectors.audit_list(user=org.auditor, filters={"model": "accounts.team", "object_id": team.pk})
    assert set(entries.values_list("object_pk", flat=True)) == {str(team.pk)}
    with pytest.raises(ValidationFailed) as exc:
        selectors.audit_list(user=org.auditor, filters={"action": "rewrite"})
    assert set(exc.value.fields) == {"action"}


# --- rows ------------------------------------------------------------------------------------


def test_row_expands_to_changed_fields_old_and_new(client, org):
    team = org.teams["east"]
    entry = _entry(
        team, actor=org.admin, changes={"name_en": ["East team", "East sales"], "manager": ["None", "3"]}
    )
    client.force_login(org.auditor)
    html = client.get(URL, {"model": "accounts.team", "object_id": str(team.pk)}).content.decode()
    assert f'data-bs-target="#entry-{entry.pk}"' in html
    block = html[html.index(f'id="entry-{entry.pk}"') :]
    block = block[: block.index("</table>")]
    assert "Name (English)" in block
    assert "East team" in block and "East sales" in block
    assert "Manager" in block


def test_page_has_no_way_to_edit_the_trail(client, org):
    client.force_login(org.auditor)
    html = client.get(URL).content.decode()
    main = html[html.index("<main") :]
    assert 'method="post"' not in main


def test_pages_of_fifty_with_page_x_of_y(client, org):
    team = org.teams["east"]
    for i in range(60):
        _entry(team, when=_local(2024, 5, 1, 8, i % 60))
    client.force_login(org.auditor)
    query = {"model": "accounts.team", "object_id": str(team.pk), "date_to": "2024-12-31"}
    first = client.get(URL, query)
    assert len(_ids(first)) == 50
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(URL, {**query, "page": 2})
    assert len(_ids(second)) == 10
    assert not set(_ids(first)) & set(_ids(second))


def test_audit_page_query_budget(client, org, django_assert_max_num_queries):
    # given a full page of entries naming related records (managers, regions) and actors
    team = org.teams["east"]
    managers = [org.manager1, org.manager2, org.manager3, org.director]
    regions = list(org.regions.values())
    for i in range(60):
        changes = {
            "name_en": [str(i), str(i + 1)],
            "manager": [str(managers[i % 4].pk), str(managers[(i + 1) % 4].pk)],
            "region": [str(regions[i % len(regions)].pk), str(regions[(i + 1) % len(regions)].pk)],
        }
        _entry(team, actor=managers[i % 4], when=_local(2024, 5, 1, 8, i % 60), changes=changes)
    client.force_login(org.auditor)
    # then the page costs a fixed number of queries: session, user, permissions, the filter's
    # user list, count, page, and one per related model named
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert len(_ids(response)) == 50
    assert "East team" in response.content.decode()


def test_changed_values_read_like_the_record(client, org):
    # given a user whose team, active flag and language changed, plus django-auditlog's notes of
    # reverse relations that did not change
    user = org.sales5
    entry = _entry(
        user,
        actor=org.admin,
        changes={
            "team": [str(org.teams["north"].pk), str(org.teams["south"].pk)],
            "is_active": ["True", "False"],
            "language": ["", "zh-hans"],
            "api_tokens": ["None", "accounts.ApiToken.None"],
        },
    )
    client.force_login(org.auditor)
    html = client.get(URL, {"model": "accounts.user", "object_id": str(user.pk)}).content.decode()
    block = html[html.index(f'id="entry-{entry.pk}"') :]
    block = block[: block.index("</table>")]
    # then related records are named, flags say yes/no, choices show their label
    north, south = org.teams["north"], org.teams["south"]
    assert f"North team (#{north.pk})" in block and f"South team (#{south.pk})" in block
    assert ">Yes<" in block and ">No<" in block
    assert "Simplified Chinese" in block
    assert "api_tokens" not in block and "ApiToken.None" not in block
