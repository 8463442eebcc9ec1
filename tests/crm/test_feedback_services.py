"""Feedback, complaints and quality issues (C4): the services and selectors — routing workflow,
legal moves, validation, overdue, and who sees and may do what."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.crm.models import Feedback, FeedbackStep
from salesdept.crm.selectors import feedback as selectors
from salesdept.crm.services import feedback as services

DAY = datetime.timedelta(days=1)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def log_complaint(org, make_customer, today):
    """log_complaint(by=org.sales1, customer=None, **fields) through the service."""

    def log(*, by=None, customer=None, **fields):
        by = by or org.sales1
        customer = customer or make_customer(owner=by if by.has_perm("crm.add_customer") else org.sales1)
        data = {
            "kind": "complaint",
            "subject": "交货延迟",
            "description": "客户反映第二批货晚到三天。",
            "received_on": today,
            "deadline": today + 7 * DAY,
            **fields,
        }
        return services.feedback_create(by=by, customer_id=customer.pk, **data)

    return log


def _steps(feedback) -> list[tuple[str, str, str]]:
    return list(feedback.steps.order_by("pk").values_list("action", "from_status", "to_status"))


# --- the workflow ----------------------------------------------------------------------------


def test_complaint_routing_workflow_end_to_end_records_every_step(org, log_complaint, today):
    # given sales1 logs a complaint about their customer
    complaint = log_complaint(by=org.sales1)
    assert complaint.number.startswith(f"FB-{today.year}-")
    assert complaint.status == "open" and complaint.department == "sales"
    # when the manager routes it to the quality department and sales2, who starts and resolves it
    services.feedback_route(
        by=org.manager1,
        feedback_id=complaint.pk,
        department="quality",
        assignee_id=org.sales2.pk,
        deadline=today + 3 * DAY,
        note="请尽快处理",
    )
    services.feedback_start(by=org.sales2, feedback_id=complaint.pk)
    services.feedback_resolve(by=org.sales2, feedback_id=complaint.pk, resolution="补发货物并致歉。")
    # and sales1 confirms with the customer
    done = services.feedback_confirm(by=org.sales1, feedback_id=complaint.pk, customer_response="客户满意")
    # then every step is recorded with who made it, and the complaint is confirmed
    done.refresh_from_db()
    assert done.status == "confirmed"
    assert (done.department, done.assignee, done.deadline) == ("quality", org.sales2, today + 3 * DAY)
    assert done.resolution == "补发货物并致歉。" and done.resolved_by == org.sales2 and done.resolved_at
    assert done.customer_response == "客户满意" and done.confirmed_by == org.sales1 and done.confirmed_at
    assert _steps(done) == [
        ("create", "", "open"),
        ("route", "open", "open"),
        ("start", "open", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("confirm", "resolved", "confirmed"),
    ]
    route = done.steps.get(action="route")
    assert route.by == org.manager1
    assert "请尽快处理" in route.note and (today + 3 * DAY).isoformat() in route.note
    assert [s.by for s in done.steps.order_by("pk")] == [
        org.sales1,
        org.manager1,
        org.sales2,
        org.sales2,
        org.sales1,
    ]


def test_reopen_sends_a_resolved_complaint_back_to_work_with_the_reason(org, log_complaint):
    # given a resolved complaint
    complaint = log_complaint()
    services.feedback_resolve(by=org.sales1, feedback_id=complaint.pk, resolution="已退款")
    # when the customer is not satisfied
    reopened = services.feedback_reopen(by=org.sales1, feedback_id=complaint.pk, reason="客户不接受")
    # then it is in progress again, no longer marked resolved, and the reason is in the timeline
    reopened.refresh_from_db()
    assert reopened.status == "in_progress" and reopened.resolved_at is None and reopened.resolved_by is None
    assert reopened.steps.get(action="reopen").note == "客户不接受"
    # and it can be resolved again
    assert (
        services.feedback_resolve(by=org.sales1, feedback_id=complaint.pk, resolution="换货").status
        == "resolved"
    )


ILLEGAL = [
    # (moves made first, the illegal move, its arguments)
    ([], "confirm", {"customer_response": "ok"}),
    ([], "reopen", {"reason": "x"}),
    (["start"], "start", {}),
    (["start", "resolve"], "start", {}),
    (["start", "resolve"], "resolve", {"resolution": "again"}),
    (["start", "resolve"], "route", {"department": "sales", "deadline": None}),
    (["start", "resolve", "confirm"], "reopen", {"reason": "x"}),
    (["start", "resolve", "confirm"], "resolve", {"resolution": "x"}),
]
SETUP_ARGS = {"start": {}, "resolve": {"resolution": "done"}, "confirm": {"customer_response": "ok"}}


@pytest.mark.parametrize("before, move, args", ILLEGAL)
def test_illegal_move_is_refused_with_409_and_changes_nothing(org, log_complaint, today, before, move, args):
    # given a complaint moved along `before`
    complaint = log_complaint()
    for name in before:
        getattr(services, f"feedback_{name}")(by=org.manager1, feedback_id=complaint.pk, **SETUP_ARGS[name])
    complaint.refresh_from_db()
    snapshot = Feedback.objects.filter(pk=complaint.pk).values().get()
    steps = complaint.steps.count()
    if move == "route":
        args = {**args, "deadline": today + DAY}
    # when the illegal move is tried
    with pytest.raises(DomainError) as refused:
        getattr(services, f"feedback_{move}")(by=org.manager1, feedback_id=complaint.pk, **args)
    # then it is refused as invalid_transition (409) and nothing changed, no step written
    assert refused.value.code == "invalid_transition" and refused.value.status == 409
    assert Feedback.objects.filter(pk=complaint.pk).values().get() == snapshot
    assert complaint.steps.count() == steps


def test_moves_table_names_exactly_the_documented_moves():
    assert {name: (set(m.source), m.target) for name, m in services.MOVES.items()} == {
        "route": ({"open", "in_progress"}, None),
        "start": ({"open"}, "in_progress"),
        "resolve": ({"open", "in_progress"}, "resolved"),
        "confirm": ({"resolved"}, "confirmed"),
        "reopen": ({"resolved"}, "in_progress"),
    }


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize("resolution", ["", "   "])
def test_resolve_without_resolution_is_refused_naming_resolution(org, log_complaint, resolution):
    complaint = log_complaint()
    with pytest.raises(ValidationFailed) as refused:
        services.feedback_resolve(by=org.sales1, feedback_id=complaint.pk, resolution=resolution)
    assert refused.value.status == 400 and set(refused.value.fields) == {"resolution"}
    complaint.refresh_from_db()
    assert complaint.status == "open" and complaint.steps.count() == 1


def test_confirm_and_reopen_need_their_text(org, log_complaint):
    complaint = log_complaint()
    services.feedback_resolve(by=org.sales1, feedback_id=complaint.pk, resolution="ok")
    with pytest.raises(ValidationFailed) as no_response:
        services.feedback_confirm(by=org.sales1, feedback_id=complaint.pk, customer_response="")
    with pytest.raises(ValidationFailed) as no_reason:
        services.feedback_reopen(by=org.sales1, feedback_id=complaint.pk, reason=" ")
    assert set(no_response.value.fields) == {"customer_response"} and set(no_reason.value.fields) == {
        "reason"
    }
    assert Feedback.objects.get(pk=complaint.pk).status == "resolved"


def test_deadline_before_received_day_is_refused_on_create_and_route(
    org, log_complaint, make_customer, today
):
    # when the deadline lies before the day it was received
    with pytest.raises(ValidationFailed) as refused:
        log_complaint(received_on=today - 2 * DAY, deadline=today - 3 * DAY)
    # then the deadline is named and nothing was written
    assert set(refused.value.fields) == {"deadline"}
    assert not Feedback.objects.exists()
    # the same day is fine
    complaint = log_complaint(received_on=today - 2 * DAY, deadline=today - 2 * DAY)
    with pytest.raises(ValidationFailed) as on_route:
        services.feedback_route(
            by=org.manager1, feedback_id=complaint.pk, department="sales", deadline=today - 3 * DAY
        )
    assert set(on_route.value.fields) == {"deadline"}
    assert Feedback.objects.get(pk=complaint.pk).deadline == today - 2 * DAY
    assert complaint.steps.count() == 1


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"kind": "praise"}, "kind"),
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"description": "  "}, "description"),
        ({"kind": "quality", "product_name": ""}, "product_name"),
        ({"department": "marketing"}, "department"),
        ({"received_on": None}, "received_on"),
        ({"deadline": None}, "deadline"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(org, log_complaint, fields, field):
    with pytest.raises(ValidationFailed) as refused:
        log_complaint(**fields)
    assert refused.value.status == 400 and set(refused.value.fields) == {field}
    assert not Feedback.objects.exists() and not FeedbackStep.objects.exists()


def test_received_in_the_future_is_refused(org, log_complaint, today):
    with pytest.raises(ValidationFailed) as refused:
        log_complaint(received_on=today + DAY, deadline=today + 2 * DAY)
    assert set(refused.value.fields) == {"received_on"}


def test_quality_issue_names_the_product_and_goes_to_quality_by_default(org, log_complaint):
    issue = log_complaint(kind="quality", product_name="液压泵 HP-200")
    assert issue.department == "quality" and issue.product_name == "液压泵 HP-200"


def test_customer_out_of_scope_is_refused_naming_customer(org, log_complaint, make_customer):
    theirs = make_customer(owner=org.sales3)
    with pytest.raises(ValidationFailed) as refused:
        log_complaint(by=org.sales1, customer=theirs)
    assert set(refused.value.fields) == {"customer"}
    assert not Feedback.objects.exists()


def test_salesperson_cannot_assign_a_colleague_when_logging(org, log_complaint):
    with pytest.raises(ValidationFailed) as refused:
        log_complaint(by=org.sales1, assignee_id=org.sales2.pk)
    assert set(refused.value.fields) == {"assignee"}
    # but may take it on themselves
    assert log_complaint(by=org.sales1, assignee_id=org.sales1.pk).assignee == org.sales1


def test_route_to_an_inactive_user_is_refused_naming_assignee(org, log_complaint, today):
    complaint = log_complaint()
    org.sales2.is_active = False
    org.sales2.save(update_fields=["is_active"])
    with pytest.raises(ValidationFailed) as refused:
        services.feedback_route(
            by=org.manager1,
            feedback_id=complaint.pk,
            department="sales",
            assignee_id=org.sales2.pk,
            deadline=today,
        )
    assert set(refused.value.fields) == {"assignee"}
    assert Feedback.objects.get(pk=complaint.pk).assignee is None


# --- overdue ---------------------------------------------------------------------------------


def test_overdue_starts_the_day_after_the_deadline(org, log_complaint, today):
    # given complaints due yesterday, today and tomorrow, and one due yesterday but resolved
    due = {n: log_complaint(received_on=today - 10 * DAY, deadline=today + n * DAY) for n in (-1, 0, 1)}
    resolved = log_complaint(received_on=today - 10 * DAY, deadline=today - DAY)
    services.feedback_resolve(by=org.sales1, feedback_id=resolved.pk, resolution="ok")
    in_progress = log_complaint(received_on=today - 10 * DAY, deadline=today - DAY)
    services.feedback_start(by=org.sales1, feedback_id=in_progress.pk)
    # then only the unresolved ones past their deadline are overdue
    rows = {f.pk: f.overdue for f in selectors.feedback_list(user=org.sales1)}
    assert rows == {
        due[-1].pk: True,
        due[0].pk: False,
        due[1].pk: False,
        resolved.pk: False,
        in_progress.pk: True,
    }
    overdue = selectors.feedback_list(user=org.sales1, filters={"overdue": True})
    assert {f.pk for f in overdue} == {due[-1].pk, in_progress.pk}
    # and tomorrow, today's deadline is overdue too
    assert selectors.is_overdue(Feedback.objects.get(pk=due[0].pk), today + DAY) is True
    assert selectors.is_overdue(Feedback.objects.get(pk=due[0].pk), today) is False


# --- scope and permissions -------------------------------------------------------------------


def test_scope_of_complaints_follows_the_customer_and_the_assignee(org, log_complaint, make_customer, today):
    # given a complaint about sales1's customer and one about sales3's customer
    east = log_complaint(by=org.sales1)
    south = log_complaint(by=org.sales3, customer=make_customer(owner=org.sales3))

    def seen(user):
        return {f.pk for f in selectors.feedback_list(user=user)}

    # then each sees what the scope rule says
    assert seen(org.sales1) == {east.pk}
    assert seen(org.sales3) == {south.pk}
    assert seen(org.sales2) == set()  # same team, but a salesperson sees only their own
    assert seen(org.manager1) == {east.pk}  # the team
    assert seen(org.manager2) == {south.pk}
    assert seen(org.regional_east) == {east.pk}  # the region (Shanghai lies in East)
    assert seen(org.director) == seen(org.auditor) == seen(org.clerk) == {east.pk, south.pk}
    # and out of scope is 404, not 403
    with pytest.raises(Http404):
        selectors.feedback_get(user=org.sales1, feedback_id=south.pk)
    with pytest.raises(Http404):
        services.feedback_start(by=org.sales1, feedback_id=south.pk)


def test_assignee_sees_a_complaint_routed_to_them_about_another_salespersons_customer(
    org, log_complaint, today
):
    # given a complaint about sales1's customer, routed by the director to sales3 (another team)
    complaint = log_complaint(by=org.sales1)
    assert complaint.pk not in {f.pk for f in selectors.feedback_list(user=org.sales3)}
    services.feedback_route(
        by=org.director,
        feedback_id=complaint.pk,
        department="service",
        assignee_id=org.sales3.pk,
        deadline=today,
    )
    # then sales3 sees it and may work on it, but sales4 (sales3's teammate) does not see it
    assert {f.pk for f in selectors.feedback_list(user=org.sales3)} == {complaint.pk}
    assert selectors.feedback_get(user=org.sales3, feedback_id=complaint.pk).pk == complaint.pk
    assert services.feedback_start(by=org.sales3, feedback_id=complaint.pk).status == "in_progress"
    assert complaint.pk not in {f.pk for f in selectors.feedback_list(user=org.sales4)}
    with pytest.raises(Http404):
        selectors.feedback_get(user=org.sales4, feedback_id=complaint.pk)


@pytest.mark.parametrize("persona", ["sales1", "regional_east"])
def test_route_needs_the_route_permission(org, log_complaint, today, persona):
    complaint = log_complaint(by=org.sales1)
    with pytest.raises(PermissionDenied):
        services.feedback_route(
            by=getattr(org, persona), feedback_id=complaint.pk, department="quality", deadline=today
        )
    assert complaint.steps.count() == 1
    assert "route" not in services.allowed_actions(complaint, getattr(org, persona))


@pytest.mark.parametrize("persona", ["manager1", "clerk", "director"])
def test_routers_may_route(org, log_complaint, today, persona):
    complaint = log_complaint(by=org.sales1)
    routed = services.feedback_route(
        by=getattr(org, persona), feedback_id=complaint.pk, department="logistics", deadline=today
    )
    assert routed.department == "logistics" and routed.steps.filter(action="route").count() == 1


def test_auditor_is_read_only(org, log_complaint, make_customer, today):
    complaint = log_complaint(by=org.sales1)
    calls = [
        lambda: services.feedback_create(
            by=org.auditor,
            customer_id=make_customer().pk,
            kind="complaint",
            subject="s",
            description="d",
            received_on=today,
            deadline=today,
        ),
        lambda: services.feedback_route(
            by=org.auditor, feedback_id=complaint.pk, department="sales", deadline=today
        ),
        lambda: services.feedback_start(by=org.auditor, feedback_id=complaint.pk),
        lambda: services.feedback_resolve(by=org.auditor, feedback_id=complaint.pk, resolution="x"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert Feedback.objects.count() == 1 and complaint.steps.count() == 1
    assert services.allowed_actions(complaint, org.auditor) == []


def test_only_the_assignee_or_a_router_handles_a_routed_complaint(org, log_complaint, today):
    # given sales1's complaint routed to sales2
    complaint = log_complaint(by=org.sales1)
    services.feedback_route(
        by=org.manager1,
        feedback_id=complaint.pk,
        department="sales",
        assignee_id=org.sales2.pk,
        deadline=today,
    )
    # then sales1 (the customer's salesperson) may not start or resolve it: it is sales2's now
    with pytest.raises(PermissionDenied):
        services.feedback_start(by=org.sales1, feedback_id=complaint.pk)
    with pytest.raises(PermissionDenied):
        services.feedback_resolve(by=org.sales1, feedback_id=complaint.pk, resolution="x")
    assert services.allowed_actions(Feedback.objects.get(pk=complaint.pk), org.sales1) == []
    assert services.allowed_actions(Feedback.objects.get(pk=complaint.pk), org.sales2) == ["start", "resolve"]
    assert services.allowed_actions(Feedback.objects.get(pk=complaint.pk), org.manager1) == [
        "route",
        "start",
        "resolve",
    ]
    # but once resolved, the customer's salesperson confirms it with the customer
    services.feedback_resolve(by=org.sales2, feedback_id=complaint.pk, resolution="ok")
    assert services.allowed_actions(Feedback.objects.get(pk=complaint.pk), org.sales1) == [
        "confirm",
        "reopen",
    ]


# --- list filters and budget -----------------------------------------------------------------


def test_list_filters_and_sort(org, log_complaint, make_customer, today):
    a = log_complaint(subject="包装破损", received_on=today - 5 * DAY)
    b = log_complaint(kind="quality", product_name="阀门 V-10", received_on=today - 1 * DAY)
    c = log_complaint(kind="feedback", subject="建议增加颜色", received_on=today - 3 * DAY)
    services.feedback_start(by=org.sales1, feedback_id=c.pk)

    def pks(**filters):
        return [f.pk for f in selectors.feedback_list(user=org.sales1, filters=filters)]

    assert pks() == [b.pk, c.pk, a.pk]  # newest received first
    assert pks(q="包装") == [a.pk]
    assert pks(q="V-10") == [b.pk]
    assert pks(q=a.number) == [a.pk]
    assert pks(kind="quality") == [b.pk]
    assert pks(status="in_progress") == [c.pk]
    assert set(pks(status="active")) == {a.pk, b.pk, c.pk}
    assert pks(department="quality") == [b.pk]
    assert pks(customer=a.customer_id) == [a.pk]
    assert pks(received_from=today - 4 * DAY, received_to=today - 2 * DAY) == [c.pk]
    assert pks(sort="received_on") == [a.pk, c.pk, b.pk]
    with pytest.raises(ValidationFailed) as bad:
        pks(sort="secret")
    assert set(bad.value.fields) == {"sort"}
    with pytest.raises(ValidationFailed) as bad_range:
        pks(received_from=today, received_to=today - DAY)
    assert set(bad_range.value.fields) == {"received_to"}


def test_list_query_budget_does_not_grow_with_rows(org, log_complaint, today, django_assert_max_num_queries):
    for _ in range(12):
        complaint = log_complaint()
        services.feedback_route(
            by=org.manager1,
            feedback_id=complaint.pk,
            department="sales",
            assignee_id=org.sales2.pk,
            deadline=today,
        )
    with django_assert_max_num_queries(1):
        rows = list(selectors.feedback_list(user=org.manager1))
        assert [str(f.customer.owner) for f in rows] and [str(f.assignee) for f in rows]
    with django_assert_max_num_queries(2):
        one = selectors.feedback_get(user=org.manager1, feedback_id=rows[0].pk)
        assert [str(s.by) for s in one.steps.all()]
