"""Pages of receivables (F3): aging 帐龄分析 (dimension switch, as-of date, drill-down, CSV/XLSX
with numeric cells), monthly collections 月回款, collection tasks 催款 (mine / scope, mark done),
the customer's statement of account 对帐单 and the credit-limit override of a draft order.
Thin: reads through selectors, writes through services."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from salesdept.accounts.scope import visible
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.exports import Column, export_response
from salesdept.core.listing import list_page
from salesdept.sales.models import SalesOrder

from ..filters_payments import CollectionTaskFilter
from ..forms_payments import AgingForm, CollectionsForm, StatementForm
from ..models import CollectionTask
from ..selectors import payments as payment_selectors
from ..selectors import receivables as selectors
from ..services import collections as services

MONTHS = [datetime.date(2000, m, 1) for m in range(1, 13)]


def _bad_request(message):
    from django.http import HttpResponseBadRequest

    return HttpResponseBadRequest(message)


def _aging_params(request):
    form = AgingForm(request.GET or None)
    dimension, as_of = "customer", timezone.localdate()
    if form.is_bound and form.is_valid():
        dimension = form.cleaned_data["by"] or dimension
        as_of = form.cleaned_data["as_of"] or as_of
    return form, dimension, as_of


def aging_columns(dimension: str) -> list[Column]:
    cols = [Column("label", selectors.DIMENSION_LABELS[dimension])]
    cols += [Column(key, label, lambda r, k=key: r.buckets[k]) for key, label in selectors.AGING_BUCKETS]
    cols += [Column("total", _("Total")), Column("invoices", _("Invoices"))]
    return cols


@login_required
@permission_required("billing.view_receivables", raise_exception=True)
def aging_view(request):
    form, dimension, as_of = _aging_params(request)
    report = selectors.aging(user=request.user, dimension=dimension, as_of=as_of)
    if fmt := request.GET.get("format"):
        try:
            return export_response(
                [*report.rows, report.totals],
                aging_columns(dimension),
                filename=f"aging-{dimension}-{as_of.isoformat()}",
                fmt=fmt,
                title=str(_("Aging")),
            )
        except DomainError as exc:
            return _bad_request(exc.message)
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "billing/aging.html",
        {
            "form": form,
            "report": report,
            "buckets": selectors.AGING_BUCKETS,
            "dimension_label": selectors.DIMENSION_LABELS[dimension],
            "export_query": query.urlencode(),
        },
    )


@login_required
@permission_required("billing.view_receivables", raise_exception=True)
def aging_detail_view(request):
    """The open invoices behind one row of the aging report."""
    form, dimension, as_of = _aging_params(request)
    try:
        key = int(request.GET.get("key", ""))
    except ValueError:
        return _bad_request(_("Choose a row of the report."))
    invoices = selectors.aging_invoices(user=request.user, dimension=dimension, key=key, as_of=as_of)
    labels = dict(selectors.AGING_BUCKETS)
    for inv in invoices:
        inv.bucket_label = labels[inv.bucket]
    return render(
        request,
        "billing/aging_detail.html",
        {"invoices": invoices, "as_of": as_of, "dimension": dimension, "key": key},
    )


@login_required
@permission_required("billing.view_receivables", raise_exception=True)
def collections_view(request):
    """月回款: payments received per month, per region or salesperson."""
    form = CollectionsForm(request.GET or None)
    year, dimension = timezone.localdate().year, "region"
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"] or year
        dimension = form.cleaned_data["by"] or dimension
    report = selectors.collections_by_month(user=request.user, year=year, dimension=dimension)
    label = selectors.DIMENSION_LABELS[dimension]
    if fmt := request.GET.get("format"):
        cols = [Column("label", label)]
        cols += [Column(f"m{i}", f"{year}-{i:02d}", lambda r, i=i: r["months"][i - 1]) for i in range(1, 13)]
        cols.append(Column("total", _("Total")))
        try:
            return export_response(
                [*report.rows, report.totals],
                cols,
                filename=f"collections-{year}-{dimension}",
                fmt=fmt,
                title=str(_("Monthly collections")),
            )
        except DomainError as exc:
            return _bad_request(exc.message)
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "billing/collections.html",
        {
            "form": form,
            "report": report,
            "dimension_label": label,
            "months": MONTHS,
            "export_query": query.urlencode(),
        },
    )


TASK_COLUMNS = [
    Column("invoice", _("Invoice"), lambda t: t.invoice.number),
    Column("customer", _("Customer"), lambda t: t.customer.name),
    Column("assigned_to", _("Assigned to"), lambda t: str(t.assigned_to)),
    Column("escalated_to", _("Escalated to"), lambda t: str(t.escalated_to or "")),
    Column("status", _("Status"), lambda t: t.get_status_display()),
    Column("created_on", _("Created on")),
    Column("due_on", _("Due date")),
    Column("outstanding", _("Outstanding"), lambda t: t.invoice.outstanding),
    Column("notes", _("Notes")),
]
TASK_COLOURS = {"open": "warning", "escalated": "danger", "done": "success"}


def _decorate_task(task):
    task.colour = TASK_COLOURS.get(task.status, "secondary")


@login_required
@permission_required("billing.view_collectiontask", raise_exception=True)
def collection_tasks_view(request):
    return list_page(
        request,
        rows=lambda: payment_selectors.collection_task_list(user=request.user, filters=request.GET),
        empty=CollectionTask.objects.none(),
        form=CollectionTaskFilter(request.GET or None).form,
        filters=("q", "status", "mine"),
        columns=TASK_COLUMNS,
        export_name="collection-tasks",
        export_title=str(_("Collection tasks")),
        template="billing/collection_tasks.html",
        decorate=_decorate_task,
        context={"can_change": request.user.has_perm("billing.change_collectiontask")},
    )


@login_required
@require_POST
def collection_task_done_view(request, pk: int):
    try:
        services.collection_task_done(by=request.user, task_id=pk, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The collection task was marked done."))
    return redirect("billing:collection_tasks")


@login_required
@permission_required("billing.view_receivables", raise_exception=True)
def customer_statement_view(request, customer_id: int):
    """对帐单 of one customer for a period (default: this year to today)."""
    form = StatementForm(request.GET or None)
    today = timezone.localdate()
    start, end = today.replace(month=1, day=1), today
    if form.is_bound and form.is_valid():
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end
    try:
        statement = selectors.customer_statement(
            user=request.user, customer_id=customer_id, start=start, end=end
        )
    except ValidationFailed as exc:
        for name, message in exc.fields.items():
            form.add_error(name if name in form.fields else None, message)
        statement = None
    return render(request, "billing/aging_statement.html", {"form": form, "statement": statement})


@login_required
def credit_override_view(request, order_id: int):
    """GET: the order and why it needs an override; POST: approve it (finance, director)."""
    if not request.user.has_perm("billing.override_credit_limit"):
        raise PermissionDenied
    order = get_object_or_404(
        visible(SalesOrder.objects, request.user).select_related("customer"), pk=order_id
    )
    status = 200
    if request.method == "POST":
        try:
            services.credit_override_approve(
                by=request.user, order_id=order_id, note=request.POST.get("note", "")
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            status = exc.status
        else:
            messages.success(request, _("The credit override was approved; the order can now be confirmed."))
            return redirect(order.get_absolute_url())
    return render(request, "billing/collection_credit_override.html", {"order": order}, status=status)


urlpatterns = [
    path("receivables/aging/", aging_view, name="aging"),
    path("receivables/aging/invoices/", aging_detail_view, name="aging_detail"),
    path("receivables/collections/", collections_view, name="collections"),
    path("receivables/tasks/", collection_tasks_view, name="collection_tasks"),
    path("receivables/tasks/<int:pk>/done/", collection_task_done_view, name="collection_task_done"),
    path("receivables/statement/<int:customer_id>/", customer_statement_view, name="customer_statement"),
    path("receivables/credit-override/<int:order_id>/", credit_override_view, name="credit_override"),
]
