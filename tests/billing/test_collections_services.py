"""Collection 催款: the daily run creates tasks for overdue invoices, escalates them to the team
manager after the configured delay, closes them when paid, and is idempotent; marking a task
done; the `collect` command; the credit limit on order confirmation with its override path."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from salesdept.billing.models import CollectionTask
from salesdept.billing.services.collections import (
    collection_task_done,
    collections_run,
    credit_override_approve,
)
from salesdept.core.errors import DomainError
from salesdept.sales.models import SalesOrder
from salesdept.sales.services import orders as order_services

from .fixtures_payments import customer, days, invoice, product, record, refresh, today

D = Decimal


def run(org, on=None):
    return collections_run(today=on or today(), by=org.finance)


def test_run_creates_one_task_per_overdue_invoice_for_the_order_owner_and_is_idempotent(org):
    # given one overdue, one due today, one paid-up overdue invoice
    cust = customer(org, org.sales1)
    overdue = invoice(org, cust, "100.00", due_on=days(-1), invoiced_on=days(-31))
    invoice(org, cust, "100.00", due_on=today(), invoiced_on=days(-30))
    paid = invoice(org, customer(org, org.sales1), "50.00", due_on=days(-10), invoiced_on=days(-40))
    record(org.finance, paid.customer, "50.00")
    # when the run goes twice
    first = run(org)
    second = run(org)
    # then one task for the overdue invoice only, to the order's salesperson, due in 3 days
    task = CollectionTask.objects.get()
    assert (task.invoice_id, task.assigned_to_id, task.customer_id) == (overdue.pk, org.sales1.pk, cust.pk)
    assert task.due_on == days(3) and task.created_on == today() and task.status == "open"
    assert (first.created, second.created, second.escalated, second.closed) == (1, 0, 0, 0)


def test_open_task_is_escalated_to_the_team_manager_after_the_delay(org, settings):
    settings.SALESDEPT = {**settings.SALESDEPT, "COLLECTION_ESCALATE_DAYS": 5}
    cust = customer(org, org.sales3)
    invoice(org, cust, "100.00", due_on=days(-20), invoiced_on=days(-50), owner=org.sales3)
    run(org, days(-10))
    task = CollectionTask.objects.get()
    # four days later: not yet
    assert run(org, days(-6)).escalated == 0
    assert refresh(task).status == "open"
    # five days later: escalated to the south team's manager
    assert run(org, days(-5)).escalated == 1
    task = refresh(task)
    assert (task.status, task.escalated_to_id, task.escalated_on) == ("escalated", org.manager2.pk, days(-5))
    # and not again, nor a second task while it is open
    again = run(org, today())
    assert (again.escalated, again.created) == (0, 0)
    assert CollectionTask.objects.count() == 1


def test_tasks_close_when_the_invoice_is_paid(org):
    cust = customer(org)
    inv = invoice(org, cust, "100.00", due_on=days(-3))
    run(org)
    task = CollectionTask.objects.get()
    record(org.finance, cust, "40.00")
    assert refresh(task).status == "open"  # partly paid: still chased
    record(org.finance, cust, "60.00")
    assert refresh(task).status == "done"  # closed by the allocation itself
    assert refresh(inv).outstanding == 0
    assert run(org).created == 0


def test_run_closes_tasks_whose_invoices_were_settled_another_way(org):
    from salesdept.billing.models import Invoice

    cust = customer(org)
    inv = invoice(org, cust, "100.00", due_on=days(-3))
    run(org)
    Invoice.objects.filter(pk=inv.pk).update(status="cancelled")  # e.g. written off by a later issue
    assert run(org).closed == 1
    assert CollectionTask.objects.get().status == "done"
    Invoice.objects.filter(pk=inv.pk).update(status="issued")  # restore: the invariants still hold


def test_done_task_comes_back_after_the_delay_while_unpaid(org, settings):
    settings.SALESDEPT = {**settings.SALESDEPT, "COLLECTION_ESCALATE_DAYS": 7}
    cust = customer(org)
    invoice(org, cust, "100.00", due_on=days(-30), invoiced_on=days(-60))
    run(org, days(-10))
    task = CollectionTask.objects.get()
    collection_task_done(by=org.sales1, task_id=task.pk, note="客户承诺下周付款")
    assert run(org, days(-9)).created == 0  # the next morning: not again
    assert run(org, days(-3)).created == 1  # a week later, still unpaid: chased again
    assert CollectionTask.objects.filter(status="open").count() == 1


def test_task_done_by_its_salesperson_with_a_note_scope_and_twice(org):
    cust = customer(org, org.sales1)
    invoice(org, cust, "100.00", due_on=days(-3))
    run(org)
    task = CollectionTask.objects.get()
    # another salesperson cannot see it: 404
    from django.http import Http404

    with pytest.raises(Http404):
        collection_task_done(by=org.sales3, task_id=task.pk, note="x")
    with pytest.raises(PermissionDenied):
        collection_task_done(by=org.keeper, task_id=task.pk)
    done = collection_task_done(by=org.sales1, task_id=task.pk, note="已电话催款")
    assert done.status == "done" and "已电话催款" in done.notes and str(org.sales1) in done.notes
    with pytest.raises(DomainError) as refused:
        collection_task_done(by=org.sales1, task_id=task.pk)
    assert refused.value.code == "invalid_transition"


def test_only_department_wide_roles_run_the_job(org):
    with pytest.raises(PermissionDenied):
        collections_run(today=today(), by=org.sales1)
    with pytest.raises(PermissionDenied):
        collections_run(today=today(), by=org.director)  # reads, but keeps no collection tasks


def test_collect_command(org):
    invoice(org, customer(org), "100.00", due_on=days(-3))
    out = StringIO()
    call_command("collect", f"--date={today().isoformat()}", stdout=out)
    assert "1 created" in out.getvalue()
    call_command("collect", stdout=out)
    assert CollectionTask.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("collect", "--date=yesterday")
    with pytest.raises(CommandError):
        call_command("collect", "--user=sales1")


# --- credit limit 信用额度 -----------------------------------------------------------------------


def _draft_order(org, cust, amount="600.00"):
    item = product(amount)
    return order_services.order_create(
        by=cust.owner, customer_id=cust.pk, lines=[{"product_id": item.pk, "quantity": D("1")}]
    )


def test_order_over_the_credit_limit_is_refused_with_the_figures(org):
    # given a limit of 1000 and 500 owed
    cust = customer(org, org.sales1, credit_limit=D("1000.00"))
    invoice(org, cust, "500.00", due_on=days(10))
    order = _draft_order(org, cust, "600.00")
    # when the salesperson confirms 600 more
    with pytest.raises(DomainError) as refused:
        order_services.order_confirm(by=org.sales1, order_id=order.pk)
    # then refused, naming the figures; the order stays a draft
    assert refused.value.code == "credit_limit" and refused.value.status == 409
    assert refused.value.extra == {"credit_limit": "1000.00", "receivable": "500.00", "order_total": "600.00"}
    assert "1000.00" in str(refused.value.message) and "1100.00" in str(refused.value.message)
    assert refresh(order).status == "draft"


def test_within_the_limit_or_without_one_confirms(org):
    cust = customer(org, org.sales1, credit_limit=D("1000.00"))
    invoice(org, cust, "500.00", due_on=days(10))
    record(org.finance, cust, "300.00")  # 200 still owed
    order = _draft_order(org, cust, "800.00")  # 200 + 800 = 1000: at the limit
    assert order_services.order_confirm(by=org.sales1, order_id=order.pk).status == "confirmed"
    free = customer(org, org.sales1)
    invoice(org, free, "90000.00", due_on=days(10))
    assert (
        order_services.order_confirm(by=org.sales1, order_id=_draft_order(org, free).pk).status == "confirmed"
    )


def test_customer_credit_counts_against_the_receivable(org):
    cust = customer(org, org.sales1, credit_limit=D("0.00"))
    record(org.finance, cust, "600.00", allocation="none")  # paid in advance
    order = _draft_order(org, cust, "600.00")
    assert order_services.order_confirm(by=org.sales1, order_id=order.pk).status == "confirmed"


def test_override_by_finance_lets_the_salesperson_confirm_and_is_logged(org):
    cust = customer(org, org.sales1, credit_limit=D("100.00"))
    order = _draft_order(org, cust, "600.00")
    with pytest.raises(DomainError):
        order_services.order_confirm(by=org.sales1, order_id=order.pk)
    # when finance approves the override with a reason
    credit_override_approve(by=org.finance, order_id=order.pk, note="老客户，总经理同意")
    # then the salesperson can confirm, and the log shows who allowed it and why
    assert order_services.order_confirm(by=org.sales1, order_id=order.pk).status == "confirmed"
    event = refresh(order).events.get(action="credit_override")
    assert event.actor_id == org.finance.pk and "老客户" in event.note and "600.00" in event.note


def test_an_edit_after_the_override_asks_again(org):
    cust = customer(org, org.sales1, credit_limit=D("100.00"))
    order = _draft_order(org, cust, "600.00")
    credit_override_approve(by=org.director, order_id=order.pk, note="ok")
    order_services.order_update(by=org.sales1, order_id=order.pk, notes="改了备注")
    with pytest.raises(DomainError) as refused:
        order_services.order_confirm(by=org.sales1, order_id=order.pk)
    assert refused.value.code == "credit_limit"


def test_salesperson_cannot_override_and_a_reason_is_required(org):
    cust = customer(org, org.sales1, credit_limit=D("100.00"))
    order = _draft_order(org, cust, "600.00")
    for person in (org.sales1, org.manager1, org.clerk):
        with pytest.raises(PermissionDenied):
            credit_override_approve(by=person, order_id=order.pk, note="please")
    with pytest.raises(DomainError) as refused:
        credit_override_approve(by=org.finance, order_id=order.pk, note=" ")
    assert refused.value.status == 400 and "note" in refused.value.fields
    assert not refresh(order).events.filter(action="credit_override").exists()
    with pytest.raises(DomainError):
        order_services.order_confirm(by=org.sales1, order_id=order.pk)
    assert SalesOrder.objects.get(pk=order.pk).status == "draft"


def test_override_of_a_confirmed_order_is_refused(org):
    cust = customer(org, org.sales1)
    order = _draft_order(org, cust)
    order_services.order_confirm(by=org.sales1, order_id=order.pk)
    with pytest.raises(DomainError) as refused:
        credit_override_approve(by=org.finance, order_id=order.pk, note="late")
    assert refused.value.code == "invalid_transition"


def test_escalation_without_a_team_manager_is_still_escalated(org, settings):
    settings.SALESDEPT = {**settings.SALESDEPT, "COLLECTION_ESCALATE_DAYS": 1}
    from salesdept.accounts.models import Team

    Team.objects.filter(pk=org.sales5.team_id).update(manager=None)
    cust = customer(org, org.sales5)
    invoice(org, cust, "10.00", due_on=days(-5), owner=org.sales5)
    run(org, days(-2))
    run(org, today())
    task = CollectionTask.objects.get()
    assert task.status == "escalated" and task.escalated_to_id is None
    assert datetime.date.today() >= task.created_on
