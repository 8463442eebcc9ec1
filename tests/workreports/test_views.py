"""The work report pages through the test client (full middleware, real URLs), in English and
Chinese: My reports (empty state, buttons, sort, badges), the pre-filled form, the detail with
its confirmation before submit and the manager's comment form, the team view's badges; another
salesperson gets 404."""

import datetime as dt

import pytest
from django.test import Client

from salesdept.workreports.models import ReportStatus, WorkReport, WorkReportComment
from salesdept.workreports.services import week_start

from .conftest import activity, local, today


def client_for(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.mark.parametrize("language, words", [("en", "My reports"), ("zh-hans", 'lang="zh-hans"')])
def test_empty_list_with_buttons_in_both_languages(org, language, words):
    r = client_for(org.sales1, language).get("/work-reports/")
    page = r.content.decode()
    assert r.status_code == 200 and words in page and 'data-testid="empty-state"' in page
    assert 'data-testid="write-daily"' in page and 'data-testid="write-weekly"' in page
    assert f"period={week_start(today()):%Y-%m-%d}" in page
    assert 'data-testid="team-view-link"' not in page
    assert 'data-testid="team-view-link"' in client_for(org.manager1).get("/work-reports/").content.decode()


def test_write_the_daily_report_from_the_prefilled_form(org, customer):
    activity(org.sales1, customer=customer, done_at=local(today() - dt.timedelta(days=1), 11))
    activity(org.sales1, customer=customer, status="planned", due_on=today(), subject="回访李总")
    client = client_for(org.sales1)
    r = client.get("/work-reports/new/", {"kind": "daily"})
    page = r.content.decode()
    assert r.status_code == 200 and 'data-figure="visits">1<' in page and "回访李总" in page
    assert 'name="figures' not in page  # figures are not a form field
    r = client.post(
        "/work-reports/new/",
        {"kind": "daily", "period": today().isoformat(), "done": "拜访", "plan": "回访李总", "problems": ""},
    )
    report = WorkReport.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/work-reports/{report.pk}/"
    assert report.figures["visits"] == 1 and report.done == "拜访"
    # a second click on the button opens the report already written
    r = client.get("/work-reports/new/", {"kind": "daily"})
    assert r.status_code == 302 and r["Location"] == f"/work-reports/{report.pk}/edit/"
    page = client.get("/work-reports/").content.decode()
    assert 'data-testid="report-row"' in page and 'data-status="draft"' in page


def test_weekly_form_takes_the_monday(org):
    client = client_for(org.sales1)
    r = client.post("/work-reports/new/", {"kind": "weekly", "period": "2026-11-12", "done": "本周"})
    assert r.status_code == 302
    assert WorkReport.objects.get().period_start == dt.date(2026, 11, 9)


def test_bad_form_input_shows_errors_and_writes_nothing(org):
    client = client_for(org.sales1)
    r = client.post(
        "/work-reports/new/", {"kind": "daily", "period": today().isoformat(), "done": "字" * 5001}
    )
    assert r.status_code == 400 and "is-invalid" in r.content.decode()
    r = client.get("/work-reports/new/", {"kind": "monthly"})
    assert r.status_code == 302 and r["Location"] == "/work-reports/"
    assert not WorkReport.objects.exists()


def test_detail_edit_submit_with_confirmation(org, make_report):
    report = make_report()
    client = client_for(org.sales1)
    page = client.get(f"/work-reports/{report.pk}/").content.decode()
    assert "data-confirm=" in page and 'data-action="submit"' in page
    r = client.post(f"/work-reports/{report.pk}/edit/", {"done": "新内容", "plan": "计划", "problems": "无"})
    assert r.status_code == 302
    r = client.post(f"/work-reports/{report.pk}/submit/")
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.done == "新内容"
    page = client.get(f"/work-reports/{report.pk}/").content.decode()
    assert 'data-testid="report-actions"' not in page and 'data-testid="comment-form"' not in page
    assert "Submitted to the manager" in page  # the history
    r = client.post(f"/work-reports/{report.pk}/submit/")
    assert r.status_code == 409
    r = client.post(f"/work-reports/{report.pk}/edit/", {"done": "再改"})
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.done == "新内容"


def test_another_salesperson_gets_404(org, make_report):
    report = make_report(state="submitted")
    client = client_for(org.sales2)
    assert client.get(f"/work-reports/{report.pk}/").status_code == 404
    assert client.post(f"/work-reports/{report.pk}/submit/").status_code == 404
    assert client.post(f"/work-reports/{report.pk}/comment/", {"text": "x"}).status_code == 404
    assert client.get("/work-reports/team/").status_code == 403


def test_manager_comments_from_the_detail(org, make_report):
    report = make_report(state="submitted")
    client = client_for(org.manager1, "zh-hans")
    page = client.get(f"/work-reports/{report.pk}/").content.decode()
    assert 'data-testid="comment-form"' in page
    assert client.post(f"/work-reports/{report.pk}/comment/", {"text": ""}).status_code == 400
    assert not WorkReportComment.objects.exists()
    r = client.post(f"/work-reports/{report.pk}/comment/", {"text": "很好,继续"})
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.REVIEWED
    assert "很好,继续" in client_for(org.sales1).get(f"/work-reports/{report.pk}/").content.decode()


def test_team_view_badges(org, make_report):
    report = make_report(state="submitted")
    make_report(by=org.sales2)
    client = client_for(org.manager1)
    page = client.get("/work-reports/team/").content.decode()
    assert (
        'data-user="sales1" data-submitted="yes"' in page and 'data-user="sales2" data-submitted="no"' in page
    )
    assert f"/work-reports/{report.pk}/" in page and "sales3" not in page
    assert 'data-testid="team-summary"' in page
    page = client.get("/work-reports/team/", {"kind": "weekly"}).content.decode()
    assert 'data-submitted="yes"' not in page
    assert client.get("/work-reports/team/", {"period": "not-a-date"}).status_code == 400
    zh = client_for(org.director, "zh-hans").get("/work-reports/team/")
    assert zh.status_code == 200 and 'data-user="sales5"' in zh.content.decode()


def test_list_sort_and_filters(org, make_report):
    make_report(period_start=dt.date(2026, 11, 2), state="submitted")
    make_report(period_start=dt.date(2026, 11, 3))
    client = client_for(org.sales1)
    page = client.get("/work-reports/", {"sort": "period"}).content.decode()
    assert page.index('data-period="2026-11-02"') < page.index('data-period="2026-11-03"')
    page = client.get("/work-reports/", {"sort": "-period"}).content.decode()
    assert page.index('data-period="2026-11-03"') < page.index('data-period="2026-11-02"')
    page = client.get("/work-reports/", {"status": "submitted"}).content.decode()
    assert 'data-period="2026-11-02"' in page and 'data-period="2026-11-03"' not in page
    page = client.get("/work-reports/", {"date_from": "2026-11-05", "date_to": "2026-11-01"}).content.decode()
    assert 'data-testid="empty-state"' in page
