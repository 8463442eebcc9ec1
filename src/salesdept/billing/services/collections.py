"""Writes of collection 催款 (F3): the daily collections run, closing a task, and the approval
that lets an order over the customer's credit limit be confirmed.

`collections_run` is idempotent (run it twice a day, nothing changes the second time):
- every issued invoice past due with something outstanding and no open task gets a
  `CollectionTask` for the order's salesperson, due in 3 days — unless a task for it was
  created within the escalation delay (a task just marked done is not recreated the next
  morning; it comes back after the delay while the invoice stays unpaid);
- an open task created `COLLECTION_ESCALATE_DAYS` (settings.SALESDEPT, default 7) days ago or
  earlier is escalated to the salesperson's team manager;
- tasks of invoices that are paid (or credited) in full are done.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import Scope, scope_of, visible
from salesdept.core.errors import DomainError, refusal
from salesdept.core.events import log
from salesdept.core.permissions import require
from salesdept.sales.models import OrderStatus, SalesOrder

from ..models import OPEN, SETTLED, CollectionTask, Invoice, InvoiceKind, InvoiceStatus

__all__ = ["collection_task_done", "collections_run", "credit_override_approve", "escalate_days"]

TASK_DUE_DAYS = 3
CREDIT_OVERRIDE = "credit_override"  # the DocumentEvent action sales.services.orders.credit_check reads


def escalate_days() -> int:
    return int(settings.SALESDEPT.get("COLLECTION_ESCALATE_DAYS", 7))


@dataclass
class RunResult:
    created: int = 0
    escalated: int = 0
    closed: int = 0


def _close_paid() -> int:
    paid = Invoice.objects.filter(SETTLED, pk=OuterRef("invoice_id"))
    cancelled = Invoice.objects.filter(pk=OuterRef("invoice_id"), status=InvoiceStatus.CANCELLED)
    tasks = CollectionTask.objects.exclude(status=CollectionTask.Status.DONE).filter(
        Exists(paid) | Exists(cancelled)
    )
    return tasks.update(status=CollectionTask.Status.DONE)


def _escalate(today: datetime.date, days: int) -> int:
    User = get_user_model()
    due = list(
        CollectionTask.objects.select_for_update(of=("self",))
        .filter(status=CollectionTask.Status.OPEN, created_on__lte=today - datetime.timedelta(days=days))
        .order_by("pk")
    )
    if not due:
        return 0
    managers = dict(
        User.objects.filter(pk__in={t.assigned_to_id for t in due}).values_list("pk", "team__manager_id")
    )
    for task in due:
        task.status = CollectionTask.Status.ESCALATED
        task.escalated_to_id = managers.get(task.assigned_to_id)
        task.escalated_on = today
        task.save(update_fields=["status", "escalated_to", "escalated_on"])
    return len(due)


def _create(today: datetime.date, days: int) -> int:
    open_task = CollectionTask.objects.filter(invoice_id=OuterRef("pk")).exclude(
        status=CollectionTask.Status.DONE
    )
    recent = CollectionTask.objects.filter(
        invoice_id=OuterRef("pk"), created_on__gt=today - datetime.timedelta(days=days)
    )
    overdue = (
        Invoice.objects.filter(status=InvoiceStatus.ISSUED, kind=InvoiceKind.INVOICE, due_on__lt=today)
        .filter(OPEN)
        .filter(~Exists(open_task), ~Exists(recent))
        .values_list("pk", "customer_id", "order__owner_id")
        .order_by("pk")
    )
    tasks = [
        CollectionTask(
            invoice_id=pk,
            customer_id=customer_id,
            assigned_to_id=owner_id,
            due_on=today + datetime.timedelta(days=TASK_DUE_DAYS),
            created_on=today,
        )
        for pk, customer_id, owner_id in overdue.iterator(chunk_size=2000)
    ]
    # ignore_conflicts: a concurrent run that created the same open task wins (one open task per
    # invoice is a database constraint).
    CollectionTask.objects.bulk_create(tasks, batch_size=1000, ignore_conflicts=True)
    return len(tasks)


@transaction.atomic
def collections_run(*, today: datetime.date | None = None, by) -> RunResult:
    """The daily collections job (idempotent): close tasks of paid invoices, escalate open tasks
    older than the delay to the team manager, create tasks for overdue invoices. Needs
    billing.change_collectiontask and a department-wide scope (finance; the command's user)."""
    require(by, "billing.change_collectiontask")
    if scope_of(by) != Scope.ALL:
        raise PermissionDenied
    today = today or timezone.localdate()
    days = escalate_days()
    result = RunResult()
    result.closed = _close_paid()
    result.escalated = _escalate(today, days)
    result.created = _create(today, days)
    return result


@transaction.atomic
def collection_task_done(*, by, task_id: int, note: str = "") -> CollectionTask:
    """Mark a collection task done (the salesperson followed up), with a note appended to its
    notes. 409 invalid_transition when it is already done; 404 outside the user's scope."""
    require(by, "billing.change_collectiontask")
    task = get_object_or_404(visible(CollectionTask.objects, by).select_for_update(of=("self",)), pk=task_id)
    if task.status == CollectionTask.Status.DONE:
        raise refusal("invalid_transition")
    note = str(note or "").strip()[:2000]
    stamp = f"{formats.date_format(timezone.localdate(), 'Y-m-d')} {by}"
    task.notes = "\n".join(x for x in (task.notes, f"{stamp}: {note}" if note else stamp) if x)
    task.status = CollectionTask.Status.DONE
    task.save(update_fields=["status", "notes"])
    return task


@transaction.atomic
def credit_override_approve(*, by, order_id: int, note: str = "") -> SalesOrder:
    """Approve confirming a draft order beyond the customer's credit limit (信用额度). Needs
    billing.override_credit_limit (finance, director); the approval is logged on the order
    (DocumentEvent "credit_override" with the note and the amount) and lets the order be
    confirmed by its salesperson as long as it is not edited afterwards (an edit asks again)."""
    require(by, "billing.override_credit_limit")
    order = get_object_or_404(visible(SalesOrder.objects, by).select_for_update(of=("self",)), pk=order_id)
    if order.status != OrderStatus.DRAFT:
        raise refusal("invalid_transition")
    note = str(note or "").strip()
    if not note:
        raise DomainError(
            "reason_required",
            _("Please give a reason."),
            status=400,
            fields={"note": _("Please give a reason.")},
        )
    log(order, CREDIT_OVERRIDE, by=by, note=f"{order.total_amount}: {note[:1900]}")
    return order
