"""Pages of inquiries 询盘 (S2): the list (filters, sort, export), the detail with lines and the
quotations answering it, the form with inline lines, close (with a reason) and "Quote" (drafts
a quotation from the lines). Thin: reads through selectors.inquiries, writes through
services.inquiries."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from salesdept.core.errors import DomainError
from salesdept.core.exports import Column
from salesdept.core.listing import list_page
from salesdept.crm.forms_feedback import show_refusal
from salesdept.crm.views.feedback import responsive_headers

from ..filters_inquiries import InquiryFilter
from ..forms_inquiries import InquiryCloseForm, InquiryForm, InquiryLineFormSet, InquiryQuoteForm
from ..models import Inquiry
from ..selectors import inquiries as selectors
from ..services import inquiries as services

FILTERS = ("q", "status", "customer", "owner", "channel", "date_from", "date_to")
STATUS_COLOURS = {"open": "warning", "quoted": "success", "closed": "secondary"}

COLUMNS = [
    Column("number", _("Number")),
    Column("customer.name", _("Customer")),
    Column("contact_name", _("Contact person")),
    Column("channel", _("Channel"), lambda x: x.get_channel_display()),
    Column("received_on", _("Received on")),
    Column("respond_by", _("Respond by")),
    Column("wanted_on", _("Wanted by")),
    Column("status", _("Status"), lambda x: x.get_status_display()),
    Column("overdue", _("Overdue"), lambda x: bool(x.overdue)),
    Column("line_count", _("Lines")),
    Column("owner", _("Salesperson"), lambda x: str(x.owner)),
    Column("close_reason", _("Reason closed")),
]


def decorate(inquiry: Inquiry) -> Inquiry:
    inquiry.status_colour = STATUS_COLOURS.get(inquiry.status, "secondary")
    return inquiry


@login_required
@permission_required("sales.view_inquiry", raise_exception=True)
def inquiry_list_view(request):
    """Inquiries in scope: search, filters, sortable columns, 50 a page, Export CSV/XLSX."""
    return list_page(
        request,
        rows=lambda: selectors.inquiry_list(user=request.user, filters=request.GET),
        empty=Inquiry.objects.none(),
        form=InquiryFilter(request.GET or None).form,
        filters=FILTERS,
        columns=COLUMNS,
        export_name="inquiries",
        export_title=str(_("Inquiries")),
        template="sales/inquiry_list.html",
        decorate=decorate,
        context={
            "can_add": request.user.has_perm("sales.add_inquiry"),
            "headers": responsive_headers(
                request,
                [
                    ("number", _("Number"), ""),
                    ("customer", _("Customer"), "d-none d-md-table-cell"),
                    ("received_on", _("Received on"), "d-none d-sm-table-cell"),
                    ("respond_by", _("Respond by"), "d-none d-sm-table-cell"),
                    ("status", _("Status"), ""),
                ],
                default="-received_on",
            ),
        },
    )


def _form_page(request, *, form, formset, inquiry=None, status=200):
    return render(
        request,
        "sales/inquiry_form.html",
        {"form": form, "formset": formset, "inquiry": inquiry},
        status=status,
    )


def _save(request, *, inquiry=None):
    form = InquiryForm(request.POST, user=request.user)
    formset = InquiryLineFormSet(request.POST, prefix="lines")
    if form.is_valid() and formset.is_valid():
        lines = [f.line() for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        kwargs = form.service_kwargs()
        try:
            if inquiry is None:
                kwargs.pop("version", None)
                saved = services.inquiry_create(by=request.user, lines=lines, **kwargs)
            else:
                saved = services.inquiry_update(by=request.user, inquiry_id=inquiry.pk, lines=lines, **kwargs)
        except DomainError as exc:
            show_refusal(form, exc)
            return _form_page(request, form=form, formset=formset, inquiry=inquiry, status=exc.status)
        messages.success(request, _("%(number)s was saved.") % {"number": saved.number})
        return redirect("sales:inquiry_detail", pk=saved.pk)
    return _form_page(request, form=form, formset=formset, inquiry=inquiry, status=400)


@login_required
@permission_required("sales.add_inquiry", raise_exception=True)
def inquiry_create_view(request):
    """Register an inquiry; ?customer=ID preselects the customer."""
    if request.method == "POST":
        return _save(request)
    initial = {}
    if (customer := request.GET.get("customer", "")).isdigit():
        initial["customer"] = int(customer)
    form = InquiryForm(initial=initial, user=request.user)
    return _form_page(
        request, form=form, formset=InquiryLineFormSet(prefix="lines", initial=[{"quantity": 1}])
    )


@login_required
@permission_required("sales.change_inquiry", raise_exception=True)
def inquiry_edit_view(request, pk: int):
    """Change an open inquiry."""
    inquiry = selectors.inquiry_get(user=request.user, inquiry_id=pk)
    if inquiry.status != Inquiry.Status.OPEN:
        messages.info(request, _("Only open inquiries can be changed."))
        return redirect("sales:inquiry_detail", pk=pk)
    if request.method == "POST":
        return _save(request, inquiry=inquiry)
    initial = {
        "customer": inquiry.customer_id,
        "contact_name": inquiry.contact_name,
        "channel": inquiry.channel,
        "received_on": inquiry.received_on,
        "respond_by": inquiry.respond_by,
        "wanted_on": inquiry.wanted_on,
        "notes": inquiry.notes,
        "owner": inquiry.owner_id,
        "version": inquiry.version,
    }
    lines = [
        {"product": x.product_id, "description": x.description, "quantity": x.quantity}
        for x in inquiry.lines.all()
    ]
    form = InquiryForm(initial=initial, user=request.user)
    return _form_page(
        request,
        form=form,
        formset=InquiryLineFormSet(prefix="lines", initial=lines),
        inquiry=decorate(inquiry),
    )


def _detail(request, inquiry: Inquiry, *, close_form=None, status: int = 200):
    return render(
        request,
        "sales/inquiry_detail.html",
        {
            "inquiry": decorate(inquiry),
            "actions": services.inquiry_allowed_actions(inquiry, request.user),
            "close_form": close_form or InquiryCloseForm(initial={"version": inquiry.version}),
        },
        status=status,
    )


@login_required
@permission_required("sales.view_inquiry", raise_exception=True)
def inquiry_detail_view(request, pk: int):
    return _detail(request, selectors.inquiry_get(user=request.user, inquiry_id=pk))


@login_required
@permission_required("sales.change_inquiry", raise_exception=True)
@require_POST
def inquiry_close_view(request, pk: int):
    """POST: close with a reason."""
    form = InquiryCloseForm(request.POST)
    if not form.is_valid():
        return _detail(
            request, selectors.inquiry_get(user=request.user, inquiry_id=pk), close_form=form, status=400
        )
    try:
        services.inquiry_close(by=request.user, inquiry_id=pk, **form.service_kwargs())
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail(request, selectors.inquiry_get(user=request.user, inquiry_id=pk), status=exc.status)
    messages.success(request, _("The inquiry was closed."))
    return redirect("sales:inquiry_detail", pk=pk)


@login_required
@permission_required("sales.change_inquiry", raise_exception=True)
@require_POST
def inquiry_quote_view(request, pk: int):
    """POST: draft a quotation from the inquiry's lines and open it."""
    form = InquiryQuoteForm(request.POST)
    form.is_valid()
    try:
        quotation = services.inquiry_quote(
            by=request.user, inquiry_id=pk, version=form.cleaned_data.get("version")
        )
    except DomainError as exc:
        message = " ".join(str(m) for m in exc.fields.values()) if exc.fields else exc.message
        messages.error(request, message)
        return _detail(request, selectors.inquiry_get(user=request.user, inquiry_id=pk), status=exc.status)
    messages.success(request, _("Quotation %(number)s was drafted.") % {"number": quotation.number})
    return redirect("sales:quotation_detail", pk=quotation.pk)


urlpatterns = [
    path("inquiries/", inquiry_list_view, name="inquiry_list"),
    path("inquiries/new/", inquiry_create_view, name="inquiry_create"),
    path("inquiries/<int:pk>/", inquiry_detail_view, name="inquiry_detail"),
    path("inquiries/<int:pk>/edit/", inquiry_edit_view, name="inquiry_edit"),
    path("inquiries/<int:pk>/close/", inquiry_close_view, name="inquiry_close"),
    path("inquiries/<int:pk>/quote/", inquiry_quote_view, name="inquiry_quote"),
]
