"""Pages of samples and sales materials (W5): the loans in scope (a salesperson sees the samples
they hold) with an overdue badge, one loan with "record as consumed", and the register of
samples received from others (样品的登记、查收、核实): list, form, detail with check, verify (a
second person), return to sender and dispose. Thin: selectors.samples and services.samples."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from salesdept.core.errors import DomainError
from salesdept.core.exports import Column
from salesdept.core.listing import list_page
from salesdept.crm.forms_feedback import show_refusal
from salesdept.crm.views.feedback import responsive_headers

from ..filters_samples import LoanFilter, ReceivedFilter
from ..forms_samples import LoanConsumeForm, NoteForm, ReceivedSampleForm
from ..models import ReceivedSample, SampleLoan
from ..selectors import samples as selectors
from ..services import samples as services

LOAN_FILTERS = ("q", "status", "holder")
RECEIVED_FILTERS = ("q", "status", "date_from", "date_to")
RECEIVED_COLOURS = {
    "registered": "secondary",
    "checked": "info",
    "verified": "success",
    "returned": "dark",
    "disposed": "dark",
}

LOAN_COLUMNS = [
    Column("issue_line.document.number", _("Issue")),
    Column("product.code", _("Product code")),
    Column("product.name", _("Product")),
    Column("holder", _("Salesperson"), lambda x: str(x.holder) if x.holder_id else ""),
    Column("customer.name", _("Customer")),
    Column("quantity", _("Quantity")),
    Column("returned", _("Returned")),
    Column("consumed", _("Consumed")),
    Column("outstanding_quantity", _("Not yet returned")),
    Column("issued_on", _("Issued on")),
    Column("due_back", _("Expected return")),
    Column("overdue", _("Overdue"), lambda x: bool(x.overdue)),
    Column("status", _("Status"), lambda x: x.get_status_display()),
]
RECEIVED_COLUMNS = [
    Column("received_on", _("Received on")),
    Column("sender", _("Sender")),
    Column("customer.name", _("Customer")),
    Column("description", _("Description")),
    Column("quantity", _("Quantity")),
    Column("location", _("Kept at"), lambda x: str(x.location) if x.location_id else ""),
    Column("status", _("Status"), lambda x: x.get_status_display()),
    Column("registered_by", _("Registered by"), lambda x: str(x.registered_by)),
    Column("checked_by", _("Checked by"), lambda x: str(x.checked_by) if x.checked_by_id else ""),
    Column("verified_by", _("Verified by"), lambda x: str(x.verified_by) if x.verified_by_id else ""),
]
RECEIVED_DONE = {
    "check": _("The sample was checked."),
    "verify": _("The sample was verified."),
    "return": _("The sample was returned to the sender."),
    "dispose": _("The sample was disposed of."),
}
RECEIVED_ACTIONS = {
    "check": services.received_check,
    "verify": services.received_verify,
    "return": services.received_return,
    "dispose": services.received_dispose,
}


def _colour(sample: ReceivedSample) -> ReceivedSample:
    sample.status_colour = RECEIVED_COLOURS.get(sample.status, "secondary")
    return sample


# --- loans -----------------------------------------------------------------------------------


@login_required
@permission_required("warehouse.view_sampleloan", raise_exception=True)
def loan_list_view(request):
    """Samples and materials out, in scope; overdue ones carry a red badge."""
    return list_page(
        request,
        rows=lambda: selectors.loan_list(user=request.user, filters=request.GET),
        empty=SampleLoan.objects.none(),
        form=LoanFilter(request.GET or None).form,
        filters=LOAN_FILTERS,
        columns=LOAN_COLUMNS,
        export_name="sample-loans",
        export_title=str(_("Samples out")),
        template="warehouse/sample_list.html",
        context={
            "overdue_count": selectors.overdue_loans(user=request.user).count(),
            "headers": responsive_headers(
                request,
                [
                    ("product", _("Product"), ""),
                    ("holder", _("Salesperson"), "d-none d-md-table-cell"),
                    ("issued_on", _("Issued on"), "d-none d-sm-table-cell"),
                    ("due_back", _("Expected return"), "d-none d-sm-table-cell"),
                    ("status", _("Status"), ""),
                ],
                default="-issued_on",
            ),
        },
    )


def _loan_page(request, loan, *, form=None, status=200):
    return render(
        request,
        "warehouse/sample_detail.html",
        {
            "loan": loan,
            "can_consume": loan.status == SampleLoan.Status.OUT
            and request.user.has_perm("warehouse.change_sampleloan"),
            "form": form or LoanConsumeForm(initial={"quantity": loan.outstanding.normalize()}),
        },
        status=status,
    )


@login_required
@permission_required("warehouse.view_sampleloan", raise_exception=True)
def loan_detail_view(request, pk: int):
    return _loan_page(request, selectors.loan_get(user=request.user, loan_id=pk))


@login_required
@permission_required("warehouse.change_sampleloan", raise_exception=True)
@require_POST
def loan_consume_view(request, pk: int):
    """POST: record part (or all) of what is outstanding as given away or used up."""
    form = LoanConsumeForm(request.POST)
    if form.is_valid():
        try:
            services.loan_consume(by=request.user, loan_id=pk, **form.cleaned_data)
        except DomainError as exc:
            show_refusal(form, exc)
            return _loan_page(
                request, selectors.loan_get(user=request.user, loan_id=pk), form=form, status=exc.status
            )
        messages.success(request, _("The consumption was recorded."))
        return redirect("warehouse:sample_detail", pk=pk)
    return _loan_page(request, selectors.loan_get(user=request.user, loan_id=pk), form=form, status=400)


# --- received samples ------------------------------------------------------------------------


@login_required
@permission_required("warehouse.view_receivedsample", raise_exception=True)
def received_list_view(request):
    """Samples received from customers and suppliers."""
    return list_page(
        request,
        rows=lambda: selectors.received_list(user=request.user, filters=request.GET),
        empty=ReceivedSample.objects.none(),
        form=ReceivedFilter(request.GET or None).form,
        filters=RECEIVED_FILTERS,
        columns=RECEIVED_COLUMNS,
        export_name="received-samples",
        export_title=str(_("Received samples")),
        template="warehouse/received_list.html",
        decorate=_colour,
        context={
            "can_add": request.user.has_perm("warehouse.add_receivedsample"),
            "headers": responsive_headers(
                request,
                [
                    ("received_on", _("Received on"), ""),
                    ("sender", _("Sender"), ""),
                    ("status", _("Status"), ""),
                ],
                default="-received_on",
            ),
        },
    )


def _form_page(request, form, *, sample=None, status=200):
    return render(request, "warehouse/received_form.html", {"form": form, "sample": sample}, status=status)


@login_required
@permission_required("warehouse.add_receivedsample", raise_exception=True)
def received_create_view(request):
    """Register a sample on arrival (登记)."""
    if request.method != "POST":
        return _form_page(request, ReceivedSampleForm(user=request.user))
    form = ReceivedSampleForm(request.POST, user=request.user)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    try:
        sample = services.received_register(by=request.user, data=form.service_data())
    except DomainError as exc:
        show_refusal(form, exc)
        return _form_page(request, form, status=exc.status)
    messages.success(request, _("The sample was registered."))
    return redirect("warehouse:received_detail", pk=sample.pk)


@login_required
@permission_required("warehouse.change_receivedsample", raise_exception=True)
def received_edit_view(request, pk: int):
    """Correct a registration before it is checked."""
    sample = selectors.received_get(user=request.user, sample_id=pk)
    if sample.status != ReceivedSample.Status.REGISTERED:
        messages.info(request, _("Only a sample not yet checked can be changed."))
        return redirect("warehouse:received_detail", pk=pk)
    if request.method != "POST":
        initial = {
            "received_on": sample.received_on,
            "sender": sample.sender,
            "customer": sample.customer_id,
            "product": sample.product_id,
            "description": sample.description,
            "quantity": sample.quantity.normalize(),
            "location": sample.location_id,
            "notes": sample.notes,
        }
        return _form_page(request, ReceivedSampleForm(initial=initial, user=request.user), sample=sample)
    form = ReceivedSampleForm(request.POST, user=request.user)
    if not form.is_valid():
        return _form_page(request, form, sample=sample, status=400)
    try:
        services.received_update(by=request.user, sample_id=pk, data=form.service_data())
    except DomainError as exc:
        show_refusal(form, exc)
        return _form_page(request, form, sample=sample, status=exc.status)
    messages.success(request, _("The sample was saved."))
    return redirect("warehouse:received_detail", pk=pk)


def _received_page(request, sample, *, status=200):
    return render(
        request,
        "warehouse/received_detail.html",
        {
            "sample": _colour(sample),
            "actions": services.received_allowed_actions(sample, request.user),
            "note_form": NoteForm(),
            "own_registration": sample.status == ReceivedSample.Status.CHECKED
            and sample.registered_by_id == request.user.pk,
        },
        status=status,
    )


@login_required
@permission_required("warehouse.view_receivedsample", raise_exception=True)
def received_detail_view(request, pk: int):
    return _received_page(request, selectors.received_get(user=request.user, sample_id=pk))


@login_required
@permission_required("warehouse.change_receivedsample", raise_exception=True)
@require_POST
def received_action_view(request, pk: int, action: str):
    """POST: check (查收), verify (核实, not by the registrar), return, dispose (with a note)."""
    if action not in RECEIVED_ACTIONS:
        raise Http404
    try:
        RECEIVED_ACTIONS[action](by=request.user, sample_id=pk, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        for message in exc.fields.values():
            if str(message) != str(exc.message):
                messages.error(request, message)
        return _received_page(
            request, selectors.received_get(user=request.user, sample_id=pk), status=exc.status
        )
    messages.success(request, RECEIVED_DONE[action])
    return redirect("warehouse:received_detail", pk=pk)


urlpatterns = [
    path("samples/", loan_list_view, name="sample_list"),
    path("samples/<int:pk>/", loan_detail_view, name="sample_detail"),
    path("samples/<int:pk>/consume/", loan_consume_view, name="sample_consume"),
    path("received-samples/", received_list_view, name="received_list"),
    path("received-samples/new/", received_create_view, name="received_create"),
    path("received-samples/<int:pk>/", received_detail_view, name="received_detail"),
    path("received-samples/<int:pk>/edit/", received_edit_view, name="received_edit"),
    path("received-samples/<int:pk>/<slug:action>/", received_action_view, name="received_action"),
]
