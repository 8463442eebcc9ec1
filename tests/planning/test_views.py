"""The plan pages through the test client (full middleware, real URLs), in English and Chinese:
list with filters, sort, badges, empty state and export; the detail with the targets table (months,
quarters, year) in the reader's scope and the buttons the workflow allows; the form with its
targets formset; the workflow and revision posts."""

from decimal import Decimal

import pytest
from django.test import Client

from salesdept.planning.models import Plan, PlanStatus, PlanTarget

from .conftest import YEAR


def client_for(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def management(total):
    return {
        "targets-TOTAL_FORMS": str(total),
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
    }


@pytest.mark.parametrize("language, words", [("en", "Sales plans"), ("zh-hans", 'lang="zh-hans"')])
def test_empty_list_renders_in_both_languages(org, language, words):
    r = client_for(org.director, language).get("/planning/plans/")
    assert r.status_code == 200
    page = r.content.decode()
    assert words in page and 'data-testid="empty-state"' in page
    assert 'data-testid="plan-new"' in page
    assert 'data-testid="plan-new"' not in client_for(org.sales1).get("/planning/plans/").content.decode()


def test_list_filters_sort_badges_and_export(org, make_plan):
    approved = make_plan("approved")
    draft = make_plan(year=YEAR + 1)
    client = client_for(org.sales1)
    page = client.get("/planning/plans/").content.decode()
    assert approved.number in page and draft.number in page and 'data-status="approved"' in page
    page = client.get("/planning/plans/", {"status": "draft", "sort": "-year"}).content.decode()
    assert draft.number in page and approved.number not in page
    page = client.get("/planning/plans/", {"year": "1900"}).content.decode()
    assert 'data-testid="empty-state"' in page
    r = client.get("/planning/plans/", {"format": "csv"})
    assert r.status_code == 200 and approved.number in b"".join(r.streaming_content).decode("utf-8-sig")
    assert client_for(org.keeper).get("/planning/plans/").status_code == 403


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_detail_shows_months_quarters_year_and_buttons(org, make_plan, language):
    plan = make_plan("submitted")
    page = client_for(org.director, language).get(f"/planning/plans/{plan.pk}/").content.decode()
    assert page.count('data-testid="target-row"') == 3
    assert "1200000.00" in page and "300000.00" in page  # the team's year and first quarter
    assert 'data-action="approve"' in page and 'data-action="reject"' in page
    own = client_for(org.manager1, language).get(f"/planning/plans/{plan.pk}/").content.decode()
    assert 'data-action="approve"' not in own
    mine = client_for(org.sales1, language).get(f"/planning/plans/{plan.pk}/").content.decode()
    assert mine.count('data-testid="target-row"') == 1 and "1200000.00" not in mine


def test_workflow_posts_and_refusals(org, make_plan):
    plan = make_plan()
    r = client_for(org.manager1).post(f"/planning/plans/{plan.pk}/submit/")
    assert r.status_code == 302
    r = client_for(org.manager1).post(f"/planning/plans/{plan.pk}/approve/")
    assert r.status_code == 409  # the preparer: refused, reason shown on the page
    r = client_for(org.director).post(f"/planning/plans/{plan.pk}/reject/", {"note": ""})
    assert r.status_code == 400
    r = client_for(org.director).post(f"/planning/plans/{plan.pk}/approve/", {"note": "同意"})
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    page = client_for(org.director).get(f"/planning/plans/{plan.pk}/").content.decode()
    assert 'data-action="revise"' in page and 'data-action="edit"' not in page
    r = client_for(org.manager1).get(f"/planning/plans/{plan.pk}/edit/")
    assert r.status_code == 302  # an approved plan is fixed
    r = client_for(org.manager1).post(f"/planning/plans/{plan.pk}/revise/")
    assert r.status_code == 302
    revision = Plan.objects.get(revision_of=plan)
    assert r["Location"] == f"/planning/plans/{revision.pk}/edit/"
    page = client_for(org.manager1, "zh-hans").get(f"/planning/plans/{revision.pk}/").content.decode()
    assert 'data-testid="plan-versions"' in page


def test_create_through_the_form(org):
    client = client_for(org.manager1)
    r = client.get("/planning/plans/new/")
    assert r.status_code == 200 and 'data-formset="targets"' in r.content.decode()
    data = {
        "year": str(YEAR),
        "title": "东区年度计划",
        **management(3),
        "targets-0-level": "team",
        "targets-0-subject": f"team:{org.teams['east'].pk}",
        "targets-0-measure": "amount",
        "targets-0-year_total": "100.01",
        "targets-0-spread": "even",
        "targets-1-level": "salesperson",
        "targets-1-subject": f"salesperson:{org.sales1.pk}",
        "targets-1-measure": "quantity",
        "targets-1-year_total": "24",
        "targets-1-spread": "weights",
        "targets-1-weights": "1,1,1,1,1,1,1,1,1,1,1,13",
        "targets-2-level": "salesperson",
        "targets-2-subject": f"salesperson:{org.sales2.pk}",
        "targets-2-measure": "new_customers",
        "targets-2-spread": "months",
        **{f"targets-2-m{m}": "1" for m in range(1, 13)},
    }
    r = client.post("/planning/plans/new/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    plan = Plan.objects.get()
    assert sum(t.value for t in plan.targets.filter(line=1)) == Decimal("100.01")
    assert plan.targets.get(line=2, month=12).value == 13
    assert sum(t.value for t in plan.targets.filter(line=3)) == 12
    # the edit page shows the targets back, and saving it keeps them
    r = client.get(f"/planning/plans/{plan.pk}/edit/")
    assert r.status_code == 200 and "东区年度计划" in r.content.decode()
    form = r.context["targets"]
    edit = {**management(3), "title": "东区年度计划（二稿）", "version": str(plan.version)}
    for i, f in enumerate(form.forms):
        for name, value in f.initial.items():
            edit[f"targets-{i}-{name}"] = "" if value is None else str(value)
    r = client.post(f"/planning/plans/{plan.pk}/edit/", edit)
    assert r.status_code == 302, r.content.decode()[:3000]
    plan.refresh_from_db()
    assert plan.title == "东区年度计划（二稿）" and plan.targets.count() == 36
    assert sum(t.value for t in plan.targets.filter(level="team")) == Decimal("100.01")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"targets-0-subject": "team:999999"}, "Choose a subject of the level chosen."),
        ({"targets-0-spread": "weights", "targets-0-weights": "1,2"}, "Enter 12 weights, one per month."),
        ({"year": "1800"}, ""),
    ],
)
def test_bad_form_answers_400_and_writes_nothing(org, change, message):
    data = {
        "year": str(YEAR),
        **management(1),
        "targets-0-level": "salesperson",
        "targets-0-subject": f"salesperson:{org.sales1.pk}",
        "targets-0-measure": "amount",
        "targets-0-year_total": "12",
        "targets-0-spread": "even",
        **change,
    }
    r = client_for(org.manager1).post("/planning/plans/new/", data)
    assert r.status_code == 400
    assert message in r.content.decode()
    assert not Plan.objects.exists() and not PlanTarget.objects.exists()


def test_out_of_scope_target_is_refused_on_the_form(org):
    data = {
        "year": str(YEAR),
        **management(1),
        "targets-0-level": "salesperson",
        "targets-0-subject": f"salesperson:{org.sales3.pk}",
        "targets-0-measure": "amount",
        "targets-0-year_total": "12",
        "targets-0-spread": "even",
    }
    r = client_for(org.manager1, "zh-hans").post("/planning/plans/new/", data)
    assert r.status_code == 400
    assert not Plan.objects.exists()


def test_menu_has_the_plans_entry(org):
    assert 'href="/planning/plans/"' in client_for(org.sales1).get("/").content.decode()
    assert 'href="/planning/plans/"' not in client_for(org.keeper).get("/").content.decode()


def test_submitted_plan_waits_on_the_directors_dashboard(org, make_plan):
    plan = make_plan("submitted")
    assert plan.number in client_for(org.director).get("/").content.decode()
    assert plan.number not in client_for(org.manager2).get("/").content.decode()
