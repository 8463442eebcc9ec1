"""Reminders (X7) as API and on the dashboard: the same four lists, with counts."""

import datetime

import pytest
from django.utils import timezone

from salesdept.crm.models import CustomerDocument, Feedback
from salesdept.crm.services import activities as services
from tests.api_helpers import assert_error, bearer

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def complaint(org, customer, deadline, number="FB-R-1"):
    return Feedback.objects.create(
        number=number,
        kind="complaint",
        customer=customer,
        subject="Damaged boxes",
        description="Two boxes arrived crushed",
        received_on=deadline - days(5),
        department="logistics",
        deadline=deadline,
        created_by=org.clerk,
    )


def document(org, customer, expires_on, number="LIC-1"):
    return CustomerDocument.objects.create(
        customer=customer,
        kind="licence",
        number=number,
        expires_on=expires_on,
        file="crm/customers/x/licence.pdf",
        file_sha256="0" * 64,
        uploaded_by=org.clerk,
        uploaded_at=timezone.now(),
    )


@pytest.fixture
def busy_day(org, make_customer):
    """sales1 has one follow-up due today, two overdue, a complaint past its deadline, and
    licences expiring in 30 and 31 days; sales3 (another team) has one of each too."""
    c = make_customer(owner=org.sales1, name="上海华强机械有限公司")
    due = services.activity_plan(
        by=org.sales1, data={"customer_id": c.pk, "due_on": today(), "subject": "Due call"}
    )
    for n in (1, 5):
        services.activity_plan(by=org.sales1, data={"customer_id": c.pk, "due_on": today() - days(n)})
    late = complaint(org, c, today() - days(1))
    complaint(org, c, today(), number="FB-R-2")  # deadline today: not past
    in_30 = document(org, c, today() + days(30))
    document(org, c, today() + days(31), number="LIC-2")
    other = make_customer(owner=org.sales3)
    services.activity_plan(by=org.sales3, data={"customer_id": other.pk, "due_on": today()})
    complaint(org, other, today() - days(3), number="FB-R-3")
    document(org, other, today() + days(2), number="LIC-3")
    return {"due": due, "complaint": late, "document": in_30, "customer": c}


def test_reminders_lists_all_four_with_counts(org, busy_day):
    r = bearer(org.sales1).get("/reminders")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["day"] == str(today())
    kinds = ("follow_ups_due", "follow_ups_overdue", "complaints_past_deadline", "documents_expiring")
    counts = {k: body[k]["count"] for k in kinds}
    assert counts == {
        "follow_ups_due": 1,
        "follow_ups_overdue": 2,
        "complaints_past_deadline": 1,
        "documents_expiring": 1,
    }
    assert body["follow_ups_due"]["items"][0] == {
        "type": "activity",
        "id": busy_day["due"].pk,
        "title": "Due call",
        "date": str(today()),
        "customer_id": busy_day["customer"].pk,
        "customer": "上海华强机械有限公司",
        "person": "张伟 Zhang Wei",
    }
    assert body["complaints_past_deadline"]["items"][0]["id"] == busy_day["complaint"].pk
    assert body["documents_expiring"]["items"][0]["id"] == busy_day["document"].pk


def test_reminders_follow_the_scope(org, busy_day):
    director = bearer(org.director).get("/reminders").json()
    assert director["follow_ups_due"]["count"] == 2
    assert director["complaints_past_deadline"]["count"] == 2
    manager1 = bearer(org.manager1).get("/reminders").json()
    assert manager1["complaints_past_deadline"]["count"] == 1


def test_one_reminder_list_in_full(org, busy_day):
    api = bearer(org.sales1)
    r = api.get("/reminders/follow_ups_overdue")
    assert r.status_code == 200
    assert r.json()["count"] == 2
    assert [i["date"] for i in r.json()["items"]] == [str(today() - days(5)), str(today() - days(1))]
    r = api.get("/reminders/documents_expiring", {"page_size": 1})
    assert r.json()["count"] == 1 and r.json()["items"][0]["type"] == "customer_document"
    assert_error(api.get("/reminders/birthdays"), 404, "not_found")


def test_reminders_of_a_role_without_crm_views(org, busy_day):
    body = bearer(org.keeper).get("/reminders").json()
    assert body["follow_ups_due"] is None and body["documents_expiring"] is None
    assert_error(bearer(org.keeper).get("/reminders/follow_ups_due"), 404, "not_found")


def test_reminders_query_budget(org, busy_day, django_assert_max_num_queries):
    api = bearer(org.manager1)
    api.get("/reminders")
    with django_assert_max_num_queries(12):  # token, user, roles, permissions, four lists (+ counts)
        assert api.get("/reminders").status_code == 200


# --- the dashboard ---------------------------------------------------------------------------


def test_dashboard_loads_the_reminder_panels(client, org, busy_day):
    client.force_login(org.sales1)
    html = client.get("/").content.decode()
    # the dashboard asks for the panels right after loading
    assert 'data-testid="reminders"' in html and 'hx-get="/crm/reminders/"' in html
    # which show four cards with counts, first rows and links to the lists
    panel = client.get("/crm/reminders/", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    text = panel.content.decode()
    assert "<html" not in text
    for kind, count in [
        ("follow_ups_due", 1),
        ("follow_ups_overdue", 2),
        ("complaints_past_deadline", 1),
        ("documents_expiring", 1),
    ]:
        assert f'data-kind="{kind}" data-count="{count}"' in text, kind
        assert f'href="/crm/reminders/{kind}/"' in text
    assert "Follow-ups due today" in text and "Documents expiring within 30 days" in text
    assert "上海华强机械有限公司" in text and "Damaged boxes" in text


def test_reminder_panels_empty_states(client, org):
    client.force_login(org.sales2)
    text = client.get("/crm/reminders/", headers={"HX-Request": "true"}).content.decode()
    assert text.count('data-testid="reminder-empty"') == 4
    assert "No complaint is past its deadline." in text


def test_reminder_panels_without_htmx_are_a_page(client, org, busy_day):
    client.force_login(org.sales1)
    html = client.get("/crm/reminders/").content.decode()
    assert "<html" in html and html.count('data-testid="reminder-card"') == 4


def test_dashboard_has_no_reminders_for_roles_without_crm(client, org):
    client.force_login(org.admin)
    assert 'data-testid="reminders"' not in client.get("/").content.decode()


def test_reminder_list_page(client, org, busy_day):
    client.force_login(org.sales1)
    r = client.get("/crm/reminders/complaints_past_deadline/")
    assert r.status_code == 200
    assert r.content.decode().count('data-testid="reminder-row"') == 1
    assert client.get("/crm/reminders/nothing/").status_code == 404
    client.force_login(org.keeper)
    assert client.get("/crm/reminders/follow_ups_due/").status_code == 404


def test_reminder_panel_query_budget(client, org, busy_day, django_assert_max_num_queries):
    client.force_login(org.manager1)
    with django_assert_max_num_queries(12):  # session, user, roles, permissions, four lists (+ counts)
        assert client.get("/crm/reminders/", headers={"HX-Request": "true"}).status_code == 200
