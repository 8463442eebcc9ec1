"""Optimistic locking of complaints (C4): every move carries the version the user loaded; a stale
one answers 409 stale_version and changes nothing, every successful move increments the version —
in the services, the API and the pages."""

import datetime
import re

import pytest
from django.utils import timezone

from salesdept.core.errors import DomainError
from salesdept.crm.models import Feedback, FeedbackStep
from salesdept.crm.services import feedback as services
from tests.api_helpers import assert_error, bearer

DAY = datetime.timedelta(days=1)
CONFLICT = "Someone else changed this record meanwhile. Reload it and try again."
CONFLICT_ZH = "在此期间其他人修改了这条记录。请刷新后重试。"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def complaint(org, make_customer, today):
    """An open complaint of sales1's customer, logged through the service (version 1)."""
    return services.feedback_create(
        by=org.sales1,
        customer_id=make_customer(owner=org.sales1).pk,
        kind="complaint",
        subject="交货延迟",
        description="晚到三天",
        received_on=today,
        deadline=today + 7 * DAY,
    )


def _snapshot(feedback_id: int) -> tuple:
    f = Feedback.objects.get(pk=feedback_id)
    steps = FeedbackStep.objects.filter(feedback_id=feedback_id).count()
    return (f.version, f.status, f.department, f.assignee_id, f.deadline, f.resolution, steps)


def _route(org, today, **kw):
    return {"department": "quality", "deadline": today + 3 * DAY, "assignee_id": org.sales2.pk, **kw}


# --- services --------------------------------------------------------------------------------


def test_new_complaint_starts_at_version_1_and_each_move_increments_it(org, complaint, today):
    # given a new complaint
    assert complaint.version == 1
    # when it is routed, started, resolved, reopened, resolved and confirmed with the right versions
    moves = [
        (services.feedback_route, org.manager1, _route(org, today)),
        (services.feedback_start, org.sales2, {}),
        (services.feedback_resolve, org.sales2, {"resolution": "补发"}),
        (services.feedback_reopen, org.sales1, {"reason": "客户不满意"}),
        (services.feedback_resolve, org.sales2, {"resolution": "更换"}),
        (services.feedback_confirm, org.sales1, {"customer_response": "满意"}),
    ]
    for n, (move, by, kwargs) in enumerate(moves, start=1):
        done = move(by=by, feedback_id=complaint.pk, version=n, **kwargs)
        # then each one answers and stores the next version
        assert done.version == n + 1
        assert Feedback.objects.get(pk=complaint.pk).version == n + 1
    assert Feedback.objects.get(pk=complaint.pk).status == "confirmed"


def test_moves_without_a_version_are_not_checked_but_still_increment(org, complaint):
    services.feedback_start(by=org.sales1, feedback_id=complaint.pk)
    services.feedback_resolve(by=org.sales1, feedback_id=complaint.pk, resolution="补发")
    assert Feedback.objects.get(pk=complaint.pk).version == 3


@pytest.mark.parametrize(
    "action, by, kwargs, prepare",
    [
        ("route", "manager1", {"department": "quality"}, None),
        ("start", "sales1", {}, None),
        ("resolve", "sales1", {"resolution": "补发"}, None),
        ("confirm", "sales1", {"customer_response": "满意"}, "resolve"),
        ("reopen", "sales1", {"reason": "不满意"}, "resolve"),
    ],
)
def test_stale_version_is_refused_with_409_and_changes_nothing(
    org, complaint, today, action, by, kwargs, prepare
):
    # given someone changed the complaint after the user loaded version 1
    services.feedback_start(by=org.sales1, feedback_id=complaint.pk, version=1)
    if prepare == "resolve":
        services.feedback_resolve(by=org.sales1, feedback_id=complaint.pk, resolution="先处理", version=2)
    before = _snapshot(complaint.pk)
    if action == "route":
        kwargs = {**kwargs, "deadline": today + 2 * DAY, "assignee_id": org.sales3.pk}
    # when the user makes a move with the version they loaded
    with pytest.raises(DomainError) as refused:
        getattr(services, f"feedback_{action}")(
            by=getattr(org, by), feedback_id=complaint.pk, version=1, **kwargs
        )
    # then it is refused as stale, naming the current version, and nothing changed
    assert refused.value.code == "stale_version" and refused.value.status == 409
    assert refused.value.extra == {"current_version": before[0]}
    assert _snapshot(complaint.pk) == before


def test_stale_version_wins_over_an_illegal_move(org, complaint):
    # the page is stale: telling the user to reload explains more than "not possible now"
    services.feedback_start(by=org.sales1, feedback_id=complaint.pk)
    with pytest.raises(DomainError) as refused:
        services.feedback_confirm(by=org.sales1, feedback_id=complaint.pk, customer_response="x", version=1)
    assert refused.value.code == "stale_version"


# --- API -------------------------------------------------------------------------------------


def test_api_exposes_the_version_and_refuses_a_stale_move_with_409(org, complaint, today):
    api = bearer(org.manager1)
    # given the complaint as the API shows it
    loaded = api.get(f"/feedback/{complaint.pk}").json()
    assert loaded["version"] == 1
    assert [row["version"] for row in api.get("/feedback").json()["items"]] == [1]
    # when a move with that version succeeds, the answer carries the next version
    routed = api.post(
        f"/feedback/{complaint.pk}/route",
        {"department": "quality", "deadline": (today + 3 * DAY).isoformat(), "version": 1},
    )
    assert routed.status_code == 200, routed.content
    assert routed.json()["version"] == 2
    before = _snapshot(complaint.pk)
    # then the same version again is stale: 409 naming the current version, nothing written
    for path, body in [
        ("route", {"department": "sales", "deadline": (today + 1 * DAY).isoformat()}),
        ("start", {}),
        ("resolve", {"resolution": "补发"}),
    ]:
        error = assert_error(
            api.post(f"/feedback/{complaint.pk}/{path}", {**body, "version": 1}), 409, "stale_version"
        )
        assert error["extra"] == {"current_version": 2}
    assert _snapshot(complaint.pk) == before
    # and the current version goes through
    assert api.post(f"/feedback/{complaint.pk}/start", {"version": 2}).json()["version"] == 3


def test_api_refuses_a_version_below_1_with_422(org, complaint):
    response = bearer(org.sales1).post(f"/feedback/{complaint.pk}/start", {"version": 0})
    assert response.status_code == 422
    assert Feedback.objects.get(pk=complaint.pk).version == 1


# --- pages -----------------------------------------------------------------------------------


def _hidden_versions(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)-version" value="(\d+)"', html))


def test_detail_page_carries_the_loaded_version_in_each_move_form(client, org, complaint):
    client.force_login(org.manager1)
    html = client.get(f"/crm/feedback/{complaint.pk}/").content.decode()
    assert _hidden_versions(html) == {"route": "1", "start": "1", "resolve": "1"}


def test_stale_move_on_the_page_is_409_with_the_message_and_fresh_forms(client, org, complaint):
    # given sales1 opened the page at version 1, then someone else started work
    services.feedback_start(by=org.manager1, feedback_id=complaint.pk)
    before = _snapshot(complaint.pk)
    client.force_login(org.sales1)
    # when sales1 resolves from the stale page
    response = client.post(
        f"/crm/feedback/{complaint.pk}/resolve/", {"resolve-resolution": "补发", "resolve-version": "1"}
    )
    # then the page answers 409 with the conflict message, and nothing changed
    assert response.status_code == 409
    html = response.content.decode()
    assert CONFLICT in html
    assert _snapshot(complaint.pk) == before
    # and the forms now carry the current version, so a retry goes through
    assert set(_hidden_versions(html).values()) == {"2"}
    again = client.post(
        f"/crm/feedback/{complaint.pk}/resolve/", {"resolve-resolution": "补发", "resolve-version": "2"}
    )
    assert again.status_code == 302
    assert Feedback.objects.get(pk=complaint.pk).status == "resolved"


def test_stale_move_message_is_shown_in_chinese(client, org, complaint):
    services.feedback_start(by=org.manager1, feedback_id=complaint.pk)
    org.sales1.language = "zh-hans"
    org.sales1.save(update_fields=["language"])
    client.force_login(org.sales1)
    response = client.post(
        f"/crm/feedback/{complaint.pk}/resolve/", {"resolve-resolution": "补发", "resolve-version": "1"}
    )
    assert response.status_code == 409
    assert CONFLICT_ZH in response.content.decode()


def test_malformed_version_on_the_page_is_400_and_changes_nothing(client, org, complaint):
    client.force_login(org.sales1)
    response = client.post(f"/crm/feedback/{complaint.pk}/start/", {"start-version": "abc"})
    assert response.status_code == 400
    assert _snapshot(complaint.pk)[:2] == (1, "open")
