"""Work report services: the pre-filled figures equal the author's own records of the period's
local days; the workflow (edit only a draft, submit once, comment by a manager in scope and never
by the author); the team view lists who has not submitted; bad input changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from salesdept.billing.services.payments import payment_record
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.models import DocumentEvent
from salesdept.sales.services.quotations import quotation_create, quotation_send
from salesdept.workreports import selectors, services
from salesdept.workreports.models import ReportStatus, WorkReport, WorkReportComment

from .conftest import activity, call, local, order_lines, reception, row, shipped, today

D = dt.date(2026, 11, 10)  # a Tuesday


def figures(user, kind="daily", period_start=None):
    return services.report_prefill(author=user, kind=kind, period_start=period_start or D)["figures"]


# --- pre-fill ------------------------------------------------------------------------------------


def test_activity_figures_follow_local_day_boundaries(org, customer):
    """A daily report of D counts what was done on D − 1 in local time: 00:00:00 to 23:59:59.999999
    (Asia/Shanghai), not the UTC day."""
    day = D - dt.timedelta(days=1)
    before, after = day - dt.timedelta(days=1), D
    activity(org.sales1, customer=customer, kind="visit", done_at=local(before, 23, 59, 59, 999999))  # no
    activity(org.sales1, customer=customer, kind="visit", done_at=local(day, 0, 0, 0))  # yes
    activity(
        org.sales1, customer=customer, kind="meeting", done_at=local(day, 7, 59)
    )  # 23:59 UTC the day before
    activity(org.sales1, customer=customer, kind="call", done_at=local(day, 23, 59, 59, 999999))  # yes
    activity(org.sales1, customer=customer, kind="call", done_at=local(after, 0, 0, 0))  # no
    reception(org.sales1, local(day, 8))
    reception(org.sales1, local(after, 0))  # no
    call(org.sales1, local(day, 12), org.clerk)
    call(org.sales1, local(before, 23, 59), org.clerk)  # no
    got = figures(org.sales1)
    assert (got["visits"], got["calls"], got["follow_ups"]) == (2 + 1, 1 + 1, 3)
    assert got["done_from"] == got["done_to"] == day.isoformat() and got["plan_from"] == D.isoformat()


def test_weekly_figures_cover_monday_to_sunday(org, customer):
    monday = dt.date(2026, 11, 9)
    activity(org.sales1, customer=customer, done_at=local(monday, 0, 0))
    activity(org.sales1, customer=customer, done_at=local(monday + dt.timedelta(days=6), 23, 59, 59))
    activity(org.sales1, customer=customer, done_at=local(monday + dt.timedelta(days=7), 0, 0))  # next week
    activity(org.sales1, customer=customer, done_at=local(monday - dt.timedelta(days=1), 23, 59))  # last week
    got = figures(org.sales1, "weekly", monday)
    assert got["visits"] == 2 and got["done_to"] == "2026-11-15" and got["plan_to"] == "2026-11-22"


def test_only_the_authors_own_records_count(org, customer):
    day = D - dt.timedelta(days=1)
    activity(org.sales2, customer=customer, done_at=local(day, 10))
    activity(org.sales1, customer=customer, status="cancelled", done_at=None, due_on=day)
    reception(org.sales2, local(day, 10))
    call(org.sales2, local(day, 10), org.clerk)
    assert figures(org.sales1)["visits"] == figures(org.sales1)["calls"] == 0
    assert figures(org.sales2)["visits"] == 2 and figures(org.sales2)["calls"] == 1


def test_document_figures_equal_the_records(org, make_order, ship, stock, wh, pump, customer):
    """Quotations sent, orders confirmed, shipments shipped and payments received today — of
    sales1's own, not of sales2's — make the figures of the daily report of tomorrow."""
    order, shipment = shipped(org, make_order, ship, stock, wh, pump, 3, org.sales1)
    make_order([(pump, 2)], owner=org.sales1)  # confirmed, not shipped
    make_order([(pump, 5)], owner=org.sales1, confirm=False)  # a draft is not an order yet
    _other_order, _other_shipment = shipped(org, make_order, ship, stock, wh, pump, 1, org.sales2)
    sent = quotation_create(
        by=org.sales1, customer_id=customer.pk, lines=[{"product_id": pump.pk, "quantity": "4"}]
    )
    quotation_send(by=org.sales1, quotation_id=sent.pk)
    quotation_create(
        by=org.sales1, customer_id=customer.pk, lines=[{"product_id": pump.pk, "quantity": "9"}]
    )  # draft
    payment_record(
        by=org.finance,
        data={"customer": customer.pk, "received_on": today(), "amount": "1234.56", "allocation": "none"},
    )
    payment_record(
        by=org.finance,
        data={
            "customer": customer.pk,
            "received_on": today() - dt.timedelta(days=1),
            "amount": "7.00",
            "allocation": "none",
        },
    )  # yesterday: not in the period

    from salesdept.sales.models import OrderStatus, Quotation, SalesOrder

    orders = SalesOrder.objects.filter(owner=org.sales1, status=OrderStatus.CONFIRMED)
    sent.refresh_from_db()
    got = figures(org.sales1, period_start=today() + dt.timedelta(days=1))
    assert got["orders"] == 2 and Decimal(got["order_amount"]) == sum(o.total_amount for o in orders)
    assert got["shipments"] == 1 and Decimal(got["shipment_amount"]) == shipment.amount > 0
    assert got["quotations"] == 1 and Decimal(got["quotation_amount"]) == sent.total_amount > 0
    assert Quotation.objects.filter(owner=org.sales1).count() == 2
    assert Decimal(got["collections"]) == Decimal("1234.56")
    theirs = figures(org.sales2, period_start=today() + dt.timedelta(days=1))
    assert theirs["orders"] == theirs["shipments"] == 1 and theirs["quotations"] == 0
    assert Decimal(theirs["collections"]) == 0


def test_suggested_plan_lists_due_follow_ups_and_deliveries(org, make_order, ship, customer, pump, wh):
    due = activity(org.sales1, customer=customer, status="planned", due_on=D, subject="回访张经理")
    overdue = activity(
        org.sales1, customer=customer, status="planned", due_on=D - dt.timedelta(days=3), subject="催款"
    )
    activity(
        org.sales1, customer=customer, status="planned", due_on=D + dt.timedelta(days=1), subject="明天的事"
    )
    activity(org.sales2, customer=customer, status="planned", due_on=D, subject="别人的事")
    order = make_order([(pump, 1)], owner=org.sales1)
    delivery = ship(order, [row(order_lines(order)[0], 1, wh.a1)], promised_on=today().isoformat())
    prefill = services.report_prefill(author=org.sales1, kind="daily", period_start=D)
    assert due.subject in prefill["plan"] and overdue.subject in prefill["plan"]
    assert "明天的事" not in prefill["plan"] and "别人的事" not in prefill["plan"]
    assert prefill["figures"]["follow_ups_due"] == 2
    on_the_day = services.report_prefill(author=org.sales1, kind="daily", period_start=today())
    assert delivery.number in on_the_day["plan"] and on_the_day["figures"]["deliveries_due"] == 1


# --- workflow ------------------------------------------------------------------------------------


def test_create_prefills_and_is_audited(org, customer):
    activity(org.sales1, customer=customer, done_at=local(D - dt.timedelta(days=1), 9))
    activity(org.sales1, customer=customer, status="planned", due_on=D, subject="拜访客户")
    report = services.report_create(by=org.sales1, kind="daily", period_start=D, done="见了客户")
    assert report.status == ReportStatus.DRAFT and report.team == org.teams["east"]
    assert report.figures["visits"] == 1 and "拜访客户" in report.plan and report.done == "见了客户"
    assert DocumentEvent.objects.filter(object_id=report.pk, action="create").exists()
    from auditlog.models import LogEntry

    assert LogEntry.objects.get_for_object(report).exists()


def test_edit_only_own_draft_and_submit_once(org, make_report):
    report = make_report()
    services.report_update(by=org.sales1, report_id=report.pk, done="拜访了三家客户", problems="需要样品")
    report.refresh_from_db()
    assert report.done == "拜访了三家客户" and report.problems == "需要样品"
    with pytest.raises(Http404):  # another salesperson does not even see it
        services.report_update(by=org.sales2, report_id=report.pk, done="x")
    services.report_submit(by=org.sales1, report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.submitted_at is not None
    with pytest.raises(DomainError) as exc:
        services.report_update(by=org.sales1, report_id=report.pk, done="改")
    assert exc.value.code == "not_draft" and exc.value.status == 409
    with pytest.raises(DomainError) as exc:
        services.report_submit(by=org.sales1, report_id=report.pk)
    assert exc.value.code == "already_submitted"
    report.refresh_from_db()
    assert report.done == "拜访了三家客户"
    assert list(
        DocumentEvent.objects.filter(object_id=report.pk, action__in=["create", "edit", "submit"])
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["create", "edit", "submit"]


def test_a_manager_cannot_change_or_submit_someone_elses_report(org, make_report):
    report = make_report(state="submitted")
    draft = make_report(period_start=D)
    with pytest.raises(DomainError) as exc:
        services.report_update(by=org.manager1, report_id=report.pk, done="x")
    assert exc.value.status == 403 and exc.value.code == "not_author"
    with pytest.raises(Http404):  # another person's draft is not shown to the manager
        services.report_submit(by=org.manager1, report_id=draft.pk)


def test_comment_by_the_manager_marks_reviewed(org, make_report):
    report = make_report(state="submitted")
    comment = services.report_comment(by=org.manager1, report_id=report.pk, text="  客户跟进要及时  ")
    report.refresh_from_db()
    assert report.status == ReportStatus.REVIEWED and comment.text == "客户跟进要及时"
    services.report_comment(by=org.director, report_id=report.pk, text="同意")
    assert report.comments.count() == 2
    assert DocumentEvent.objects.filter(object_id=report.pk, action="comment").count() == 2


@pytest.mark.parametrize("who", ["sales1", "sales2", "manager2"])
def test_comment_refused_to_author_salesperson_and_out_of_scope(org, make_report, who):
    report = make_report(state="submitted")
    expected = {"sales1": PermissionDenied, "sales2": PermissionDenied, "manager2": Http404}[who]
    with pytest.raises(expected):
        services.report_comment(by=getattr(org, who), report_id=report.pk, text="x")
    assert not WorkReportComment.objects.exists()


def test_never_comment_on_ones_own_report(org, make_report):
    report = make_report(by=org.manager1, state="submitted")
    with pytest.raises(DomainError) as exc:
        services.report_comment(by=org.manager1, report_id=report.pk, text="自评")
    assert exc.value.code == "own_report" and exc.value.status == 403
    assert not WorkReportComment.objects.exists()
    services.report_comment(by=org.director, report_id=report.pk, text="好")  # the director may


def test_no_comment_on_a_draft(org, make_report):
    draft = make_report()
    with pytest.raises(Http404):
        services.report_comment(by=org.manager1, report_id=draft.pk, text="x")
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT


@pytest.mark.parametrize(
    "kind, period, field",
    [
        ("weekly", D, "period_start"),
        ("monthly", D, "kind"),
        ("daily", "2026-13-01", "period_start"),
        ("daily", "", "period_start"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(org, kind, period, field):
    with pytest.raises(ValidationFailed) as exc:
        services.report_create(by=org.sales1, kind=kind, period_start=period)
    assert field in exc.value.fields and exc.value.status == 400
    assert not WorkReport.objects.exists()


def test_too_long_text_and_duplicate_period_are_refused(org, make_report):
    with pytest.raises(ValidationFailed) as exc:
        services.report_create(by=org.sales1, kind="daily", period_start=D, done="字" * 5001)
    assert "done" in exc.value.fields
    report = make_report(period_start=D, done="原文")
    with pytest.raises(DomainError) as exc:
        services.report_create(by=org.sales1, kind="daily", period_start=D, done="重复")
    assert exc.value.code == "duplicate" and "period_start" in exc.value.fields
    with pytest.raises(ValidationFailed):
        services.report_update(by=org.sales1, report_id=report.pk, plan="字" * 5001)
    with pytest.raises(ValidationFailed):
        services.report_update(by=org.sales1, report_id=report.pk, status="submitted")
    report.refresh_from_db()
    assert WorkReport.objects.count() == 1 and report.done == "原文" and report.status == ReportStatus.DRAFT


def test_refresh_figures_reads_the_records_again(org, make_report, customer):
    report = make_report(period_start=D)
    assert report.figures["visits"] == 0
    activity(org.sales1, customer=customer, done_at=local(D - dt.timedelta(days=1), 15))
    services.report_update(by=org.sales1, report_id=report.pk, refresh_figures=True)
    report.refresh_from_db()
    assert report.figures["visits"] == 1


# --- reading ------------------------------------------------------------------------------------


def test_scope_of_the_lists(org, make_report):
    mine = make_report(state="submitted")
    theirs = make_report(by=org.sales3, state="submitted")
    draft = make_report(by=org.sales2)
    assert list(selectors.report_list(user=org.sales1)) == [mine]
    assert set(selectors.report_list(user=org.manager1)) == {mine}  # sales2's draft is theirs until submitted
    assert set(selectors.report_list(user=org.director)) == {mine, theirs}
    assert set(selectors.report_list(user=org.regional_east)) == {mine}
    assert list(selectors.report_list(user=org.sales2, mine=True)) == [draft]
    with pytest.raises(Http404):
        selectors.report_get(user=org.sales2, report_id=mine.pk)
    with pytest.raises(PermissionDenied):
        selectors.report_list(user=org.clerk)


def test_team_view_lists_who_has_not_submitted(org, make_report):
    make_report(state="submitted")
    make_report(by=org.sales2)  # a draft is not submitted
    make_report(by=org.sales3, state="submitted")
    rows = selectors.team_status(user=org.manager1, kind="daily", period_start=today())
    assert [(r["member"].username, r["submitted"]) for r in rows] == [("sales2", False), ("sales1", True)]
    rows = selectors.team_status(user=org.director, kind="daily", period_start=today())
    status = {r["member"].username: r["submitted"] for r in rows}
    assert status["sales1"] is status["sales3"] is True
    assert status["sales2"] is status["sales4"] is status["manager1"] is False
    assert "director" not in status and "clerk" not in status
    rows = selectors.team_status(user=org.director, kind="weekly", period_start=services.week_start(today()))
    assert not any(r["submitted"] for r in rows)
    east = selectors.team_status(
        user=org.director, kind="daily", period_start=today(), team_id=org.teams["east"].pk
    )
    assert {r["member"].username for r in east} == {"manager1", "sales1", "sales2"}
    with pytest.raises(PermissionDenied):
        selectors.team_status(user=org.sales1, kind="daily", period_start=today())
