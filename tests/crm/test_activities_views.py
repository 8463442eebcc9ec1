"""Follow-up pages (C3): the Today list with its inline log form, planning, the full list with
export, and the phone log — through the full stack as a browser sends them."""

import datetime
import re

import pytest
from django.utils import timezone

from salesdept.crm.models import Activity, Customer, PhoneCall
from salesdept.crm.services import activities as services

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def plan(by, customer, due_on=None, **data):
    return services.activity_plan(
        by=by, data={"customer_id": customer.pk, "due_on": due_on or today(), **data}
    )


def section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.find("</section>", start)]


def rows(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-testid="activity-row" data-activity="(\d+)"', html)]


# --- Today -----------------------------------------------------------------------------------


def test_today_page_lists_overdue_and_due_today(client, org, make_customer):
    c = make_customer(owner=org.sales1, name="上海华强机械有限公司", tier="A")
    due = plan(org.sales1, c, today(), subject="Confirm the order")
    late = plan(org.sales1, c, today() - days(3))
    plan(org.sales1, c, today() + days(1))
    plan(org.sales3, make_customer(owner=org.sales3), today())
    client.force_login(org.sales1)
    html = client.get("/crm/activities/").content.decode()
    assert rows(section(html, "overdue")) == [late.pk]
    assert rows(section(html, "due-today")) == [due.pk]
    assert "3 days overdue" in html and "上海华强机械有限公司" in html and "Confirm the order" in html
    assert f'hx-get="/crm/activities/{due.pk}/log/"' in html
    # a salesperson has no team tab
    assert 'data-testid="tab-team"' not in html
    assert client.get("/crm/activities/?tab=team").status_code == 404


def test_today_page_empty_states(client, org):
    client.force_login(org.sales2)
    html = client.get("/crm/activities/").content.decode()
    assert "Nothing overdue." in html and "No follow-ups due today." in html


def test_log_inline_swaps_the_row_and_shows_the_next_follow_up(client, org, make_customer):
    # given sales1's tier-A customer with a follow-up due today
    customer = make_customer(owner=org.sales1, tier="A")
    activity = plan(org.sales1, customer)
    client.force_login(org.sales1)
    # when they open the inline form
    form = client.get(f"/crm/activities/{activity.pk}/log/", headers=HTMX)
    assert form.status_code == 200
    text = form.content.decode()
    assert "<html" not in text and 'name="result"' in text and 'data-testid="activity-log-form"' in text
    # and log it
    r = client.post(
        f"/crm/activities/{activity.pk}/log/", {"result": "Agreed on 20 units", "kind": "call"}, headers=HTMX
    )
    # then the row shows the next follow-up, 30 days from today
    assert r.status_code == 200
    text = r.content.decode()
    nxt = (today() + days(30)).isoformat()
    assert f"Next follow-up scheduled for {nxt}" in text
    assert f'id="activity-{activity.pk}"' in text
    activity.refresh_from_db()
    assert activity.status == "done" and activity.result == "Agreed on 20 units"
    assert Activity.objects.get(follows=activity).due_on == today() + days(30)


def test_log_inline_without_result_answers_400_with_the_form(client, org, make_customer):
    activity = plan(org.sales1, make_customer(owner=org.sales1, tier="A"))
    client.force_login(org.sales1)
    r = client.post(f"/crm/activities/{activity.pk}/log/", {"result": "", "kind": "call"}, headers=HTMX)
    assert r.status_code == 400
    text = r.content.decode()
    assert "This field is required." in text and 'data-testid="activity-log-form"' in text
    activity.refresh_from_db()
    assert activity.status == "planned" and not Activity.objects.filter(follows=activity).exists()


def test_log_page_without_htmx_redirects_with_the_next_date(client, org, make_customer):
    activity = plan(org.sales1, make_customer(owner=org.sales1, tier="B"))
    client.force_login(org.sales1)
    assert "<html" in client.get(f"/crm/activities/{activity.pk}/log/").content.decode()
    r = client.post(f"/crm/activities/{activity.pk}/log/", {"result": "ok", "kind": "visit"}, follow=True)
    assert r.redirect_chain[-1][0] == "/crm/activities/"
    assert f"Next follow-up scheduled for {(today() + days(60)).isoformat()}" in r.content.decode()


def test_log_with_a_next_date_in_the_past_shows_the_error_next_to_it(client, org, make_customer):
    activity = plan(org.sales1, make_customer(owner=org.sales1))
    client.force_login(org.sales1)
    r = client.post(
        f"/crm/activities/{activity.pk}/log/",
        {"result": "ok", "kind": "call", "next_due_on": str(today() - days(1))},
        headers=HTMX,
    )
    assert r.status_code == 400
    assert "The next follow-up cannot be before this one." in r.content.decode()


def test_log_another_salespersons_follow_up_is_404(client, org, make_customer):
    theirs = plan(org.sales3, make_customer(owner=org.sales3))
    client.force_login(org.sales1)
    assert client.get(f"/crm/activities/{theirs.pk}/log/", headers=HTMX).status_code == 404
    assert (
        client.post(f"/crm/activities/{theirs.pk}/log/", {"result": "x", "kind": "call"}).status_code == 404
    )
    assert client.get(f"/crm/activities/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "planned"


def test_auditor_cannot_open_the_log_form(client, org, make_customer):
    activity = plan(org.sales1, make_customer())
    client.force_login(org.auditor)
    assert client.get(f"/crm/activities/{activity.pk}/log/").status_code == 403
    assert client.get(f"/crm/activities/{activity.pk}/").status_code == 200


def test_close_puts_the_row_back(client, org, make_customer):
    activity = plan(org.sales1, make_customer(owner=org.sales1))
    client.force_login(org.sales1)
    r = client.get(f"/crm/activities/{activity.pk}/row/", headers=HTMX)
    assert rows(r.content.decode()) == [activity.pk]


def test_manager_sees_team_overdue_and_customers_due_by_rule(client, org, make_customer):
    plan(org.sales1, make_customer(owner=org.sales1), today() - days(2))
    plan(org.sales2, make_customer(owner=org.sales2), today() - days(5))
    plan(org.sales3, make_customer(owner=org.sales3), today() - days(5))
    quiet = make_customer(owner=org.sales2, tier="A", name="南京远东贸易有限公司")
    Customer.objects.filter(pk=quiet.pk).update(last_contact_on=today() - days(45))
    client.force_login(org.manager1)
    html = client.get("/crm/activities/?tab=team").content.decode()
    groups = re.findall(r'data-testid="team-group" data-owner="(\d+)" data-count="(\d+)"', html)
    # the longest overdue first when the counts tie
    assert groups == [(str(org.sales2.pk), "1"), (str(org.sales1.pk), "1")]
    assert html.count('data-testid="team-overdue-row"') == 2
    only = client.get(f"/crm/activities/?tab=team&owner={org.sales2.pk}").content.decode()
    assert only.count('data-testid="team-overdue-row"') == 1
    html = client.get("/crm/activities/?tab=rule").content.decode()
    assert re.findall(r'data-testid="rule-row" data-customer="(\d+)"', html) == [str(quiet.pk)]
    assert "南京远东贸易有限公司" in html and "15 days overdue" in html
    assert f"/crm/activities/new/?customer={quiet.pk}" in html


def test_today_page_query_budget(client, org, make_customer, django_assert_max_num_queries):
    for i in range(12):
        plan(org.sales1, make_customer(owner=org.sales1, tier="A"), today() - days(i))
    client.force_login(org.sales1)
    with django_assert_max_num_queries(8):
        html = client.get("/crm/activities/").content.decode()
    assert len(rows(html)) == 12
    client.force_login(org.manager1)
    for tab in ("team", "rule"):
        with django_assert_max_num_queries(10):
            assert client.get(f"/crm/activities/?tab={tab}").status_code == 200


# --- plan, edit, cancel ----------------------------------------------------------------------


def test_plan_form_prefilled_from_the_customer(client, org, make_customer):
    customer = make_customer(owner=org.sales1, name="杭州西湖茶业有限公司")
    client.force_login(org.sales1)
    html = client.get(f"/crm/activities/new/?customer={customer.pk}").content.decode()
    assert f'<option value="{customer.pk}" selected>' in html
    r = client.post(
        f"/crm/activities/new/?customer={customer.pk}",
        {"customer": customer.pk, "kind": "visit", "due_on": str(today() + days(2))},
    )
    activity = Activity.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/crm/activities/{activity.pk}/"
    assert activity.customer == customer and activity.kind == "visit" and activity.owner == org.sales1


def test_plan_form_for_a_lead(client, org, make_lead):
    lead = make_lead(owner=org.sales1)
    client.force_login(org.sales1)
    assert (
        f'<option value="{lead.pk}" selected>'
        in client.get(f"/crm/activities/new/?lead={lead.pk}").content.decode()
    )
    r = client.post("/crm/activities/new/", {"lead": lead.pk, "kind": "call", "due_on": str(today())})
    assert r.status_code == 302 and Activity.objects.get().lead == lead


def test_plan_form_errors_are_400_and_nothing_is_planned(client, org, make_customer):
    client.force_login(org.sales1)
    r = client.post("/crm/activities/new/", {"kind": "call", "due_on": ""})
    assert r.status_code == 400
    text = r.content.decode()
    assert "Choose the customer or the lead to follow up." in text and "This field is required." in text
    assert not Activity.objects.exists()


def test_plan_form_for_another_teams_customer_is_404(client, org, make_customer):
    theirs = make_customer(owner=org.sales3)
    client.force_login(org.sales1)
    assert client.get(f"/crm/activities/new/?customer={theirs.pk}").status_code == 404
    # and posting its id is refused as not a choice
    r = client.post("/crm/activities/new/", {"customer": theirs.pk, "kind": "call", "due_on": str(today())})
    assert r.status_code == 400 and not Activity.objects.exists()


def test_edit_and_cancel_pages(client, org, make_customer):
    activity = plan(org.sales1, make_customer(owner=org.sales1))
    client.force_login(org.sales1)
    r = client.post(
        f"/crm/activities/{activity.pk}/edit/",
        {
            "kind": "meeting",
            "due_on": str(today() + days(1)),
            "subject": "Quarterly review",
            "owner": org.sales1.pk,
        },
    )
    assert r.status_code == 302
    activity.refresh_from_db()
    assert activity.kind == "meeting" and activity.subject == "Quarterly review"
    page = client.get(f"/crm/activities/{activity.pk}/cancel/").content.decode()
    assert "data-confirm=" in page
    assert client.post(f"/crm/activities/{activity.pk}/cancel/", {"reason": ""}).status_code == 400
    r = client.post(f"/crm/activities/{activity.pk}/cancel/", {"reason": "Customer on holiday"})
    assert r.status_code == 302
    activity.refresh_from_db()
    assert activity.status == "cancelled"


# --- the full list and its export ------------------------------------------------------------


def test_activity_list_filters_sorts_and_paginates(client, org, make_customer):
    c = make_customer(owner=org.sales1, name="上海华强机械有限公司")
    visit = plan(org.sales1, c, today() + days(1), kind="visit")
    plan(org.sales1, c, today() + days(2), kind="call")
    plan(org.sales3, make_customer(owner=org.sales3), today())
    client.force_login(org.sales1)
    html = client.get("/crm/activities/all/").content.decode()
    assert html.count('data-testid="activity-list-row"') == 2
    html = client.get("/crm/activities/all/?kind=visit").content.decode()
    assert re.findall(r'data-testid="activity-list-row" data-activity="(\d+)"', html) == [str(visit.pk)]
    html = client.get("/crm/activities/all/?sort=-due_on").content.decode()
    assert 'aria-sort="descending"' in html
    html = client.get("/crm/activities/all/?due_from=bad").content.decode()
    assert "Enter a valid date." in html
    html = client.get("/crm/activities/all/?q=nothing-like-this").content.decode()
    assert "No follow-ups match these filters." in html


def test_activity_export_is_scoped_and_filtered(client, org, make_customer):
    plan(org.sales1, make_customer(owner=org.sales1, name="上海华强机械有限公司"), subject="mine")
    plan(org.sales3, make_customer(owner=org.sales3, name="广州南方电器有限公司"), subject="theirs")
    client.force_login(org.sales1)
    r = client.get("/crm/activities/export/?format=csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = b"".join(r.streaming_content).decode("utf-8-sig")
    assert "上海华强机械有限公司" in text and "广州南方电器有限公司" not in text
    assert text.splitlines()[0].startswith("Due date,Status,Kind")
    r = client.get("/crm/activities/export/?format=xlsx&status=planned")
    assert r.status_code == 200 and "spreadsheetml" in r["Content-Type"]
    assert client.get("/crm/activities/export/?format=pdf").status_code == 400
    assert client.get("/crm/activities/export/?due_from=bad").status_code == 400


# --- the phone log ---------------------------------------------------------------------------


def test_clerk_logs_a_call_from_the_form_and_it_finds_the_customer(client, org, make_customer):
    customer = make_customer(owner=org.sales1, name="苏州精工模具有限公司", phone="0512-6666 8888")
    client.force_login(org.clerk)
    assert client.get("/crm/calls/new/").status_code == 200
    r = client.post(
        "/crm/calls/new/",
        {
            "caller": "钱经理",
            "number": "0512 66668888",
            "topic": "Asks for a quotation",
            "handed_to": org.sales1.pk,
        },
        follow=True,
    )
    assert r.redirect_chain[-1][0] == "/crm/calls/"
    text = r.content.decode()
    assert "苏州精工模具有限公司" in text and "钱经理" in text
    call = PhoneCall.objects.get()
    assert call.customer == customer and call.taken_by == org.clerk and call.handed_to == org.sales1


def test_call_form_errors_and_unknown_customer_number(client, org):
    client.force_login(org.clerk)
    r = client.post("/crm/calls/new/", {"caller": "", "topic": "", "customer": "CUS-NOPE"})
    assert r.status_code == 400
    text = r.content.decode()
    assert "No customer you can see has this number." in text and "This field is required." in text
    assert not PhoneCall.objects.exists()


def test_salesperson_reads_the_phone_log_but_cannot_log(client, org):
    services.phone_call_create(
        by=org.clerk, data={"caller": "a", "topic": "for sales1", "handed_to_id": org.sales1.pk}
    )
    services.phone_call_create(
        by=org.clerk, data={"caller": "b", "topic": "for sales3", "handed_to_id": org.sales3.pk}
    )
    client.force_login(org.sales1)
    html = client.get("/crm/calls/").content.decode()
    assert "for sales1" in html and "for sales3" not in html
    assert client.get("/crm/calls/new/").status_code == 403


def test_call_edit_page(client, org, make_customer):
    call = services.phone_call_create(by=org.clerk, data={"caller": "a", "topic": "t"})
    customer = make_customer()
    client.force_login(org.clerk)
    assert client.get(f"/crm/calls/{call.pk}/edit/").status_code == 200
    r = client.post(f"/crm/calls/{call.pk}/edit/", {"caller": "a", "topic": "t2", "customer": customer.code})
    assert r.status_code == 302
    call.refresh_from_db()
    assert call.topic == "t2" and call.customer == customer


def test_pages_in_chinese(client, org, make_customer):
    org.sales1.language = "zh-hans"
    org.sales1.save(update_fields=["language"])
    plan(org.sales1, make_customer(owner=org.sales1))
    client.force_login(org.sales1)
    r = client.get("/crm/activities/")
    assert r.status_code == 200 and 'lang="zh-hans"' in r.content.decode()
