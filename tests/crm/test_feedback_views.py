"""The complaint pages (C4): list (filters, overdue badge, export), detail with the allowed moves,
the form; through the whole stack with the test client."""

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from salesdept.crm.models import Feedback, FeedbackStep
from salesdept.crm.services import feedback as services

DAY = datetime.timedelta(days=1)
LIST = "/crm/feedback/"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def log_complaint(org, make_customer, today):
    def log(*, by=None, customer=None, **fields):
        by = by or org.sales1
        customer = customer or make_customer(owner=by)
        data = {
            "kind": "complaint",
            "subject": "交货延迟",
            "description": "晚到三天",
            "received_on": today,
            "deadline": today + 7 * DAY,
            **fields,
        }
        return services.feedback_create(by=by, customer_id=customer.pk, **data)

    return log


def _numbers(response) -> list[str]:
    return re.findall(r'data-testid="feedback-row" data-number="([^"]+)"', response.content.decode())


def _signed_in(client, user):
    client.force_login(user)
    return client


# --- list ------------------------------------------------------------------------------------


def test_list_shows_only_the_users_complaints_and_marks_overdue_ones(
    client, org, log_complaint, make_customer, today
):
    # given an overdue complaint and a fresh one of sales1, and one of sales3
    late = log_complaint(received_on=today - 9 * DAY, deadline=today - DAY)
    fresh = log_complaint()
    theirs = log_complaint(by=org.sales3)
    # when sales1 opens the list
    response = _signed_in(client, org.sales1).get(LIST)
    # then only theirs are listed, the late one with a red Overdue badge
    assert response.status_code == 200
    assert set(_numbers(response)) == {late.number, fresh.number}
    assert theirs.number not in response.content.decode()
    html = response.content.decode()
    row = re.search(rf'data-number="{late.number}"[^>]*>', html).group(0)
    assert 'data-overdue="1"' in row and "table-danger" in row
    assert html.count('data-testid="overdue-badge"') == 1


def test_list_filters_overdue_and_search(client, org, log_complaint, today):
    late = log_complaint(subject="包装破损", received_on=today - 9 * DAY, deadline=today - DAY)
    log_complaint(subject="发票错误")
    client = _signed_in(client, org.sales1)
    assert _numbers(client.get(LIST, {"overdue": "on"})) == [late.number]
    assert _numbers(client.get(LIST, {"q": "包装"})) == [late.number]
    empty = client.get(LIST, {"q": "没有这个"})
    assert 'data-testid="empty-state"' in empty.content.decode()


def test_list_with_a_bad_filter_shows_the_error_and_no_rows(client, org, log_complaint, today):
    log_complaint()
    response = _signed_in(client, org.sales1).get(LIST, {"received_from": today, "received_to": today - DAY})
    assert response.status_code == 200
    assert _numbers(response) == [] and "is-invalid" in response.content.decode()


def test_list_query_budget(client, org, log_complaint, today, django_assert_max_num_queries):
    for _ in range(15):
        c = log_complaint()
        services.feedback_route(
            by=org.manager1, feedback_id=c.pk, department="sales", assignee_id=org.sales2.pk, deadline=today
        )
    client = _signed_in(client, org.manager1)
    client.get(LIST)  # warm caches (permissions, menu)
    # session, user, permissions (2), roles, count, rows, the users of the assignee filter
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert len(_numbers(response)) == 15


def test_export_csv_and_xlsx_are_scoped_and_filtered(client, org, log_complaint, today):
    late = log_complaint(received_on=today - 9 * DAY, deadline=today - DAY)
    fresh = log_complaint()
    theirs = log_complaint(by=org.sales3)
    client = _signed_in(client, org.sales1)
    # CSV of everything sales1 sees
    response = client.get(LIST, {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Number"
    assert {r[0] for r in rows[1:]} == {late.number, fresh.number}
    assert theirs.number not in text
    # XLSX with the overdue filter
    response = client.get(LIST, {"format": "xlsx", "overdue": "on"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [late.number]
    # an unknown format is refused
    assert client.get(LIST, {"format": "pdf"}).status_code == 400


# --- detail and moves ------------------------------------------------------------------------


def test_detail_out_of_scope_is_404(client, org, log_complaint):
    theirs = log_complaint(by=org.sales3)
    assert _signed_in(client, org.sales1).get(f"/crm/feedback/{theirs.pk}/").status_code == 404


def test_detail_offers_only_allowed_moves(client, org, log_complaint):
    complaint = log_complaint()
    url = f"/crm/feedback/{complaint.pk}/"
    # the salesperson may start and resolve their own customer's complaint, not route it
    html = _signed_in(client, org.sales1).get(url).content.decode()
    assert set(re.findall(r'data-action="(\w+)"', html)) >= {"start", "resolve"}
    assert 'data-action="route"' not in html and 'data-action="confirm"' not in html
    # the manager may route it too
    client.force_login(org.manager1)
    assert 'data-testid="feedback-route-form"' in client.get(url).content.decode()
    # the auditor sees it but no buttons
    client.force_login(org.auditor)
    response = client.get(url)
    assert response.status_code == 200 and 'data-testid="feedback-actions"' not in response.content.decode()


def test_route_start_resolve_confirm_through_the_pages(client, org, log_complaint, today):
    complaint = log_complaint()
    url = f"/crm/feedback/{complaint.pk}/"
    client = _signed_in(client, org.manager1)
    response = client.post(
        f"{url}route/",
        {
            "route-department": "quality",
            "route-assignee": org.sales2.pk,
            "route-deadline": (today + 2 * DAY).isoformat(),
            "route-note": "质量部跟进",
        },
    )
    assert response.status_code == 302 and response.url == url
    client.force_login(org.sales2)
    assert client.post(f"{url}start/", {}).status_code == 302
    assert client.post(f"{url}resolve/", {"resolve-resolution": "更换零件"}).status_code == 302
    client.force_login(org.sales1)
    assert client.post(f"{url}confirm/", {"confirm-customer_response": "满意"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "confirmed" and complaint.assignee == org.sales2
    html = client.get(url).content.decode()
    assert re.findall(r'class="timeline-item[^"]*" data-action="(\w+)"', html) == [
        "create",
        "route",
        "start",
        "resolve",
        "confirm",
    ]


def test_resolve_without_resolution_re_renders_with_the_field_error(client, org, log_complaint):
    complaint = log_complaint()
    response = _signed_in(client, org.sales1).post(
        f"/crm/feedback/{complaint.pk}/resolve/", {"resolve-resolution": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_resolve-resolution-errors"' in html
    assert Feedback.objects.get(pk=complaint.pk).status == "open"


def test_illegal_move_through_the_page_is_409_and_changes_nothing(client, org, log_complaint):
    complaint = log_complaint()
    response = _signed_in(client, org.sales1).post(
        f"/crm/feedback/{complaint.pk}/confirm/", {"confirm-customer_response": "ok"}
    )
    assert response.status_code == 409
    assert Feedback.objects.get(pk=complaint.pk).status == "open" and complaint.steps.count() == 1


def test_route_page_is_403_for_a_salesperson_and_auditor(client, org, log_complaint, today):
    complaint = log_complaint()
    data = {"route-department": "quality", "route-deadline": today.isoformat()}
    for persona in (org.sales1, org.auditor):
        client.force_login(persona)
        assert client.post(f"/crm/feedback/{complaint.pk}/route/", data).status_code == 403
    assert complaint.steps.count() == 1


def test_move_on_an_out_of_scope_complaint_is_404(client, org, log_complaint):
    theirs = log_complaint(by=org.sales3)
    response = _signed_in(client, org.sales1).post(f"/crm/feedback/{theirs.pk}/start/", {})
    assert response.status_code == 404


# --- create form -----------------------------------------------------------------------------


def test_create_form_prefills_the_customer_from_the_query(client, org, make_customer):
    mine = make_customer(owner=org.sales1, name="上海华强机械有限公司")
    html = _signed_in(client, org.sales1).get("/crm/feedback/new/", {"customer": mine.pk}).content.decode()
    assert re.search(rf'<option value="{mine.pk}" selected>上海华强机械有限公司', html)


def test_create_form_logs_a_complaint(client, org, make_customer, today):
    mine = make_customer(owner=org.sales1)
    response = _signed_in(client, org.sales1).post(
        "/crm/feedback/new/",
        {
            "customer": mine.pk,
            "kind": "quality",
            "subject": "轴承异响",
            "description": "运行一周后异响",
            "product_name": "电机 M-3",
            "received_on": today.isoformat(),
            "deadline": (today + 5 * DAY).isoformat(),
        },
    )
    complaint = Feedback.objects.get()
    assert response.status_code == 302 and response.url == f"/crm/feedback/{complaint.pk}/"
    assert (complaint.customer, complaint.department, complaint.created_by) == (mine, "quality", org.sales1)


def test_create_form_with_bad_input_is_400_naming_the_field_and_writes_nothing(
    client, org, make_customer, today
):
    mine, theirs = make_customer(owner=org.sales1), make_customer(owner=org.sales3)
    client = _signed_in(client, org.sales1)
    base = {
        "customer": mine.pk,
        "kind": "quality",
        "subject": "轴承异响",
        "description": "x",
        "received_on": today.isoformat(),
        "deadline": (today - DAY).isoformat(),
    }
    response = client.post("/crm/feedback/new/", base)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_deadline-errors"' in html or 'id="id_product_name-errors"' in html
    # a customer out of scope is not a valid choice
    response = client.post(
        "/crm/feedback/new/", {**base, "customer": theirs.pk, "product_name": "p", "deadline": today}
    )
    assert response.status_code == 400 and 'id="id_customer-errors"' in response.content.decode()
    assert not Feedback.objects.exists() and not FeedbackStep.objects.exists()


def test_customer_picker_searches_only_visible_customers(client, org, make_customer):
    make_customer(owner=org.sales1, name="上海华强机械有限公司")
    make_customer(owner=org.sales3, name="广州华强贸易有限公司")
    html = _signed_in(client, org.sales1).get("/crm/feedback/customers/", {"q": "华强"}).content.decode()
    assert "上海华强机械" in html and "广州华强贸易" not in html


def test_auditor_cannot_open_the_create_form(client, org):
    assert _signed_in(client, org.auditor).get("/crm/feedback/new/").status_code == 403
