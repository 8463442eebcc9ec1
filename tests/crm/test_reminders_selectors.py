"""Reminders (X7): follow-ups due and overdue, complaints past deadline, documents expiring —
what the dashboard cards and /reminders show, in the reader's scope."""

import datetime
import itertools

import pytest
from django.utils import timezone

from salesdept.crm.models import CustomerDocument, Feedback
from salesdept.crm.selectors import reminders
from salesdept.crm.services import activities as services

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 6, 15)
_numbers = itertools.count(1)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def ids(rows) -> list[int]:
    return [r.pk for r in rows]


@pytest.fixture
def make_feedback(org):
    def make(customer, *, deadline, status="open", assignee=None, kind="complaint"):
        extra = {}
        if status in ("resolved", "confirmed"):
            extra = {"resolution": "fixed", "resolved_at": timezone.now(), "resolved_by": org.clerk}
        if status == "confirmed":
            extra |= {"confirmed_at": timezone.now(), "confirmed_by": org.clerk}
        return Feedback.objects.create(
            number=f"FB-T-{next(_numbers):05d}",
            kind=kind,
            status=status,
            customer=customer,
            subject="Late delivery",
            description="Three weeks late",
            received_on=deadline - days(7),
            department="logistics",
            assignee=assignee,
            deadline=deadline,
            created_by=org.clerk,
            **extra,
        )

    return make


@pytest.fixture
def make_document(org):
    def make(customer, *, expires_on, is_active=True, kind="licence"):
        return CustomerDocument.objects.create(
            customer=customer,
            kind=kind,
            number=f"DOC-{next(_numbers)}",
            expires_on=expires_on,
            file=f"crm/customers/{customer.pk}/licence.pdf",
            file_sha256="0" * 64,
            uploaded_by=org.clerk,
            uploaded_at=timezone.now(),
            is_active=is_active,
        )

    return make


def plan(by, customer, due_on):
    return services.activity_plan(by=by, data={"customer_id": customer.pk, "due_on": due_on})


def test_follow_ups_due_and_overdue(org, make_customer):
    c = make_customer(owner=org.sales1)
    due = plan(org.sales1, c, DAY)
    late = plan(org.sales1, c, DAY - days(2))
    later = plan(org.sales1, c, DAY - days(9))
    plan(org.sales1, c, DAY + days(1))
    done = plan(org.sales1, c, DAY)
    services.activity_cancel(by=org.sales1, activity_id=done.pk, reason="x")
    assert ids(reminders.follow_ups_due(user=org.sales1, day=DAY)) == [due.pk]
    assert ids(reminders.follow_ups_overdue(user=org.sales1, day=DAY)) == [later.pk, late.pk]


def test_follow_up_reminders_are_scoped(org, make_customer):
    mine = plan(org.sales1, make_customer(owner=org.sales1), DAY)
    teammate = plan(org.sales2, make_customer(owner=org.sales2), DAY)
    other = plan(org.sales3, make_customer(owner=org.sales3), DAY)
    assert ids(reminders.follow_ups_due(user=org.sales1, day=DAY)) == [mine.pk]
    assert set(ids(reminders.follow_ups_due(user=org.manager1, day=DAY))) == {mine.pk, teammate.pk}
    assert set(ids(reminders.follow_ups_due(user=org.director, day=DAY))) == {mine.pk, teammate.pk, other.pk}


def test_complaints_past_deadline(org, make_customer, make_feedback):
    c = make_customer(owner=org.sales1)
    late_open = make_feedback(c, deadline=DAY - days(1))
    late_started = make_feedback(c, deadline=DAY - days(5), status="in_progress")
    make_feedback(c, deadline=DAY)  # due today: not past
    make_feedback(c, deadline=DAY - days(3), status="resolved")
    make_feedback(c, deadline=DAY - days(3), status="confirmed")
    other = make_feedback(make_customer(owner=org.sales3), deadline=DAY - days(1))
    assert ids(reminders.complaints_past_deadline(user=org.sales1, day=DAY)) == [
        late_started.pk,
        late_open.pk,
    ]
    assert other.pk not in ids(reminders.complaints_past_deadline(user=org.manager1, day=DAY))
    assert other.pk in ids(reminders.complaints_past_deadline(user=org.manager2, day=DAY))


def test_complaint_assigned_to_me_reminds_me_even_for_anothers_customer(org, make_customer, make_feedback):
    routed = make_feedback(make_customer(owner=org.sales3), deadline=DAY - days(1), assignee=org.sales1)
    assert ids(reminders.complaints_past_deadline(user=org.sales1, day=DAY)) == [routed.pk]


def test_documents_expiring_within_30_days_not_31(org, make_customer, make_document):
    c = make_customer(owner=org.sales1)
    in_30 = make_document(c, expires_on=DAY + days(30))
    in_31 = make_document(c, expires_on=DAY + days(31))
    expired = make_document(c, expires_on=DAY - days(10))
    today = make_document(c, expires_on=DAY)
    make_document(c, expires_on=None)
    make_document(c, expires_on=DAY + days(5), is_active=False)  # replaced by a newer one
    found = ids(reminders.documents_expiring(user=org.sales1, day=DAY))
    assert found == [expired.pk, today.pk, in_30.pk]
    assert in_31.pk not in found
    assert in_31.pk in ids(reminders.documents_expiring(user=org.sales1, day=DAY, within_days=31))


def test_documents_expiring_are_scoped(org, make_customer, make_document):
    mine = make_document(make_customer(owner=org.sales1), expires_on=DAY + days(3))
    theirs = make_document(make_customer(owner=org.sales3), expires_on=DAY + days(3))
    assert ids(reminders.documents_expiring(user=org.sales1, day=DAY)) == [mine.pk]
    assert set(ids(reminders.documents_expiring(user=org.clerk, day=DAY))) == {mine.pk, theirs.pk}


def test_reminders_counts_and_first_rows_in_two_queries_at_most_each(
    org, make_customer, make_feedback, make_document, django_assert_max_num_queries
):
    c = make_customer(owner=org.sales1)
    for i in range(7):
        plan(org.sales1, c, DAY - days(i + 1))
    plan(org.sales1, c, DAY)
    make_feedback(c, deadline=DAY - days(1))
    org.manager1.has_perm("crm.view_activity") and org.manager1.scope  # roles load once per request
    with django_assert_max_num_queries(5):  # the overdue list needs its count; the others fit
        found = reminders.reminders(user=org.manager1, day=DAY, first=5)
        names = [str(x) for v in found.values() for x in v["items"]]
    assert {k: v["count"] for k, v in found.items()} == {
        "follow_ups_due": 1,
        "follow_ups_overdue": 7,
        "complaints_past_deadline": 1,
        "documents_expiring": 0,
    }
    assert len(found["follow_ups_overdue"]["items"]) == 5 and len(names) == 7
    assert not any(v["capped"] for v in found.values())


def test_reminder_count_stops_at_the_cap(org, make_customer, monkeypatch):
    monkeypatch.setattr(reminders, "COUNT_CAP", 3)
    c = make_customer(owner=org.sales1)
    for i in range(4):
        plan(org.sales1, c, DAY - days(i + 1))
    found = reminders.reminders(user=org.sales1, day=DAY, first=2)["follow_ups_overdue"]
    assert (found["count"], found["capped"], len(found["items"])) == (3, True, 2)


def test_reminders_leave_out_what_the_role_may_not_view(org):
    # the warehouse keeper views only customers and contacts
    assert reminders.reminders(user=org.keeper, day=DAY) == {}
    assert set(reminders.reminders(user=org.clerk, day=DAY)) == set(reminders.KINDS)
