"""/api/v1/work-reports: list, get, create (pre-filled), update a draft, submit, comment, the
team view; every refusal the one JSON error body naming the field, with nothing written; a
salesperson never reads another's report."""

import datetime as dt

import pytest

from salesdept.workreports.models import ReportStatus, WorkReport, WorkReportComment
from tests.api_helpers import assert_error, bearer, session

from .conftest import activity, local, today

D = dt.date(2026, 11, 10)


def test_create_update_submit_comment(org, customer):
    activity(org.sales1, customer=customer, done_at=local(D - dt.timedelta(days=1), 10))
    activity(org.sales1, customer=customer, status="planned", due_on=D, subject="回访王总")
    me, manager = bearer(org.sales1), bearer(org.manager1)
    r = me.post("/work-reports", {"kind": "daily", "period_start": D.isoformat(), "done": "拜访一家"})
    assert r.status_code == 201, r.content
    report = r.json()
    assert report["status"] == "draft" and report["figures"]["visits"] == 1 and "回访王总" in report["plan"]
    rid = report["id"]
    r = me.patch(f"/work-reports/{rid}", {"problems": "需要报价支持"})
    assert r.status_code == 200 and r.json()["problems"] == "需要报价支持" and r.json()["done"] == "拜访一家"
    assert_error(manager.get(f"/work-reports/{rid}"), 404, "not_found")  # a draft is the author's own
    r = me.post(f"/work-reports/{rid}/submit")
    assert r.status_code == 200 and r.json()["status"] == "submitted" and r.json()["submitted_at"]
    assert_error(me.post(f"/work-reports/{rid}/submit"), 409, "already_submitted")
    assert_error(me.patch(f"/work-reports/{rid}", {"done": "改"}), 409, "not_draft")
    assert_error(me.post(f"/work-reports/{rid}/comments", {"text": "自己批"}), 403, "permission_denied")
    r = manager.post(f"/work-reports/{rid}/comments", {"text": "继续跟进"})
    assert r.status_code == 201 and r.json()["status"] == "reviewed"
    assert [c["text"] for c in r.json()["comments"]] == ["继续跟进"]
    assert me.get(f"/work-reports/{rid}").json()["comments"][0]["author_id"] == org.manager1.pk


def test_salesperson_cannot_read_anothers_report(org, make_report):
    report = make_report(state="submitted")
    other = bearer(org.sales2)
    assert_error(other.get(f"/work-reports/{report.pk}"), 404, "not_found")
    assert_error(other.patch(f"/work-reports/{report.pk}", {"done": "x"}), 404, "not_found")
    assert other.get("/work-reports").json() == {"items": [], "count": 0}
    assert bearer(org.sales1).get("/work-reports").json()["count"] == 1
    assert_error(
        bearer(org.manager2).post(f"/work-reports/{report.pk}/comments", {"text": "x"}), 404, "not_found"
    )
    assert_error(bearer(org.clerk).get("/work-reports"), 403, "permission_denied")


def test_list_filters_and_mine(org, make_report):
    make_report(state="submitted")
    make_report(kind="weekly", state="submitted")
    make_report(by=org.sales2, state="submitted")
    manager = bearer(org.manager1)
    assert manager.get("/work-reports").json()["count"] == 3
    assert manager.get("/work-reports", {"mine": "true"}).json()["count"] == 0
    body = manager.get("/work-reports", {"kind": "weekly"}).json()
    assert body["count"] == 1 and body["items"][0]["kind"] == "weekly"
    body = manager.get("/work-reports", {"author": org.sales2.pk, "sort": "-period"}).json()
    assert [i["author_id"] for i in body["items"]] == [org.sales2.pk]
    assert_error(manager.get("/work-reports", {"kind": "monthly"}), 422, "validation_error", {"kind"})
    assert_error(
        manager.get("/work-reports", {"date_from": "2026-12-02", "date_to": "2026-12-01"}),
        400,
        "invalid",
        {"date_to"},
    )


@pytest.mark.parametrize(
    "body, status, code, field",
    [
        ({"kind": "weekly", "period_start": "2026-11-10"}, 400, "invalid", "period_start"),
        ({"kind": "monthly", "period_start": "2026-11-10"}, 422, "validation_error", "kind"),
        ({"kind": "daily", "period_start": "2026-11-31"}, 422, "validation_error", "period_start"),
        ({"kind": "daily"}, 422, "validation_error", "period_start"),
        (
            {"kind": "daily", "period_start": "2026-11-10", "done": "字" * 5001},
            422,
            "validation_error",
            "done",
        ),
        (
            {"kind": "daily", "period_start": "2026-11-10", "status": "submitted"},
            422,
            "validation_error",
            "status",
        ),
        (
            {"kind": "daily", "period_start": "2026-11-10", "figures": {"visits": 99}},
            422,
            "validation_error",
            "figures",
        ),
    ],
)
def test_bad_create_names_the_field_and_writes_nothing(org, body, status, code, field):
    assert_error(bearer(org.sales1).post("/work-reports", body), status, code, {field})
    assert not WorkReport.objects.exists()


def test_duplicate_and_bad_patch_change_nothing(org, make_report):
    report = make_report(period_start=D, done="原文")
    me = bearer(org.sales1)
    assert_error(
        me.post("/work-reports", {"kind": "daily", "period_start": D.isoformat()}),
        409,
        "duplicate",
        {"period_start"},
    )
    assert_error(
        me.patch(f"/work-reports/{report.pk}", {"figures": {}}), 422, "validation_error", {"figures"}
    )
    assert_error(
        me.patch(f"/work-reports/{report.pk}", {"plan": "字" * 5001}), 422, "validation_error", {"plan"}
    )
    report.refresh_from_db()
    assert WorkReport.objects.count() == 1 and report.done == "原文" and report.status == ReportStatus.DRAFT


def test_comment_needs_text_and_a_submitted_report(org, make_report):
    report = make_report(state="submitted")
    manager = bearer(org.manager1)
    assert_error(
        manager.post(f"/work-reports/{report.pk}/comments", {"text": ""}), 422, "validation_error", {"text"}
    )
    assert_error(
        manager.post(f"/work-reports/{report.pk}/comments", {"text": "   "}), 400, "invalid", {"text"}
    )
    assert not WorkReportComment.objects.exists()
    own = make_report(by=org.manager1, state="submitted")
    assert_error(manager.post(f"/work-reports/{own.pk}/comments", {"text": "好"}), 403, "own_report")


def test_team_view_and_prefill(org, make_report):
    make_report(state="submitted")
    r = bearer(org.manager1).get("/work-reports/team", {"kind": "daily", "period_start": today().isoformat()})
    assert r.status_code == 200
    assert [(row["user_id"], row["submitted"]) for row in r.json()] == [
        (org.sales2.pk, False),
        (org.sales1.pk, True),
    ]
    assert_error(
        bearer(org.sales1).get("/work-reports/team", {"period_start": today().isoformat()}),
        403,
        "permission_denied",
    )
    r = bearer(org.sales1).get("/work-reports/prefill", {"kind": "weekly", "period_start": "2026-11-09"})
    assert r.status_code == 200 and r.json()["figures"]["done_to"] == "2026-11-15"
    assert_error(
        bearer(org.sales1).get("/work-reports/prefill", {"kind": "weekly", "period_start": "2026-11-10"}),
        400,
        "invalid",
        {"period_start"},
    )


def test_session_write_needs_csrf(org):
    client = session(org.sales1, enforce_csrf_checks=True)
    assert_error(
        client.post("/work-reports", {"kind": "daily", "period_start": D.isoformat()}), 403, "csrf_failed"
    )
    assert not WorkReport.objects.exists()
