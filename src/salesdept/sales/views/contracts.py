"""Pages of contracts 合同 (S3): the list (filters, sort, export), the detail (lines, milestones,
delivery schedule, attachments, review route and history, amendment chain, the buttons the
workflow allows), the form with line / milestone / delivery editors, signing with the signed
copy, registration, attachments, the PDF, and "orders from the delivery schedule". Thin: reads
through selectors.contracts, writes through services.contracts / services.orders."""

import mimetypes
import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from salesdept.core.errors import DomainError
from salesdept.core.exports import Column
from salesdept.core.listing import list_page

from ..filters_contracts import ContractFilter
from ..forms_contracts import (
    AttachmentForm,
    ContractForm,
    DeliveryFormSet,
    LineFormSet,
    MilestoneFormSet,
    RegisterForm,
    SignForm,
    apply_refusal,
    product_choices,
)
from ..models import Contract, ContractStatus
from ..selectors import contracts as selectors
from ..services import contracts as services
from ..services import orders as order_services

FILTERS = (
    "q",
    "status",
    "customer",
    "owner",
    "signed_from",
    "signed_to",
    "amount_min",
    "amount_max",
    "waiting",
)

COLUMNS = [
    Column("number", _("Number")),
    Column("title", _("Title")),
    Column("customer.name", _("Customer")),
    Column("owner", _("Salesperson"), lambda c: str(c.owner)),
    Column("status", _("Status"), lambda c: c.get_status_display()),
    Column("total_amount", _("Total")),
    Column("signed_on", _("Signed on")),
    Column("registration_number", _("Registration number")),
    Column("amendment_no", _("Amendment")),
    Column("created_at", _("Created at")),
]


def file_response(field) -> FileResponse:
    """A stored file as a download (page and API); 404 without one. Never sniffed or run."""
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    name = os.path.basename(field.name)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def pdf_context(contract: Contract) -> dict:
    try:
        from ..services.quotations import amount_in_chinese
    except ImportError:  # pragma: no cover - the quotations helper ships it
        amount_in_chinese = None
    lines = list(contract.lines.select_related("product"))
    deliveries = list(contract.deliveries.select_related("line", "line__product"))
    return {
        "contract": contract,
        "title": f"{contract.number} {contract.title}",
        "customer": contract.customer,
        "lines": lines,
        "milestones": list(contract.milestones.all()),
        "deliveries": deliveries,
        "amount_in_words": amount_in_chinese(contract.total_amount) if amount_in_chinese else "",
    }


def pdf_for(contract: Contract, *, language: str | None = None):
    from salesdept.core.pdf import pdf_response, render_pdf

    pdf = render_pdf("pdf/contract.html", pdf_context(contract), language=language or contract.language)
    return pdf_response(pdf, f"{contract.number} 合同.pdf")


# --- list ------------------------------------------------------------------------------------


@login_required
@permission_required("sales.view_contract", raise_exception=True)
def contract_list_view(request):
    """Contracts in scope: search, filters (status, customer, salesperson, signing dates, amount,
    waiting for my review), sortable columns, 50 a page, Export CSV/XLSX of the same rows."""
    return list_page(
        request,
        rows=lambda: selectors.contract_list(user=request.user, filters=request.GET),
        empty=Contract.objects.none(),
        form=ContractFilter(request.GET or None, user=request.user).form,
        filters=FILTERS,
        columns=COLUMNS,
        export_name="contracts",
        export_title=str(_("Contracts")),
        template="sales/contract_list.html",
        context={"can_add": request.user.has_perm("sales.add_contract")},
    )


# --- detail and actions ------------------------------------------------------------------------


def _detail(
    request, contract: Contract, *, status: int = 200, sign_form=None, register_form=None, attach_form=None
):
    actions = services.contract_allowed_actions(contract, request.user)
    return render(
        request,
        "sales/contract_detail.html",
        {
            "contract": contract,
            "lines": selectors.contract_lines_with_ordered(contract),
            "milestones": list(contract.milestones.all()),
            "deliveries": selectors.deliveries_with_ordered(contract),
            "attachments": list(contract.attachments.select_related("uploaded_by")),
            "steps": selectors.review_steps(contract),
            "chain": selectors.chain(contract),
            "orders": list(contract.orders.select_related("customer").order_by("-ordered_on", "-pk")),
            "actions": actions,
            "sign_form": sign_form or SignForm(),
            "register_form": register_form or RegisterForm(),
            "attach_form": attach_form or AttachmentForm(),
            "can_order": contract.status == ContractStatus.SIGNED
            and request.user.has_perm("sales.add_salesorder"),
        },
        status=status,
    )


@login_required
@permission_required("sales.view_contract", raise_exception=True)
def contract_detail_view(request, pk: int):
    return _detail(request, selectors.contract_get(user=request.user, contract_id=pk))


ACTIONS = {
    "submit": (services.contract_submit, _("The contract was submitted for review.")),
    "approve": (services.contract_approve, _("Your review step was recorded.")),
    "reject": (services.contract_reject, _("The contract was sent back.")),
    "cancel": (services.contract_cancel, _("The contract was cancelled.")),
    "archive": (services.contract_archive, _("The contract was archived.")),
}


@login_required
@require_POST
def contract_action_view(request, pk: int, action: str):
    """POST: one workflow move (submit, approve, reject with a reason, cancel, archive). A
    refusal is shown on the detail page with its status (403/409/400)."""
    if action not in ACTIONS:
        raise Http404
    func, done = ACTIONS[action]
    note = request.POST.get("note", "")
    try:
        func(by=request.user, contract_id=pk, note=note)
    except PermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        for message in exc.fields.values():
            if str(message) != str(exc.message):
                messages.error(request, message)
        contract = selectors.contract_get(user=request.user, contract_id=pk)
        return _detail(request, contract, status=exc.status)
    messages.success(request, done)
    return redirect("sales:contract_detail", pk=pk)


@login_required
@require_POST
def contract_amend_view(request, pk: int):
    try:
        amendment = services.contract_amend(
            by=request.user, contract_id=pk, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail(request, selectors.contract_get(user=request.user, contract_id=pk), status=exc.status)
    messages.success(request, _("Amendment %(number)s was drafted.") % {"number": amendment.number})
    return redirect("sales:contract_edit", pk=amendment.pk)


@login_required
@permission_required("sales.register_contract", raise_exception=True)
def contract_sign_view(request, pk: int):
    """The signing form (date, signed copy) and its POST."""
    contract = selectors.contract_get(user=request.user, contract_id=pk)
    if request.method != "POST":
        return render(request, "sales/contract_sign.html", {"contract": contract, "form": SignForm()})
    form = SignForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        try:
            services.contract_sign(
                by=request.user,
                contract_id=pk,
                signed_on=form.cleaned_data["signed_on"],
                signed_copy=form.cleaned_data.get("signed_copy"),
                note=form.cleaned_data.get("note", ""),
            )
        except DomainError as exc:
            for name, message in exc.fields.items():
                form.add_error(name if name in form.fields else None, str(message))
            if not exc.fields:
                form.add_error(None, str(exc.message))
            status = exc.status
        else:
            messages.success(request, _("The signing was recorded."))
            return redirect("sales:contract_detail", pk=pk)
    return render(request, "sales/contract_sign.html", {"contract": contract, "form": form}, status=status)


@login_required
@permission_required("sales.register_contract", raise_exception=True)
@require_POST
def contract_register_view(request, pk: int):
    form = RegisterForm(request.POST)
    contract = selectors.contract_get(user=request.user, contract_id=pk)
    if not form.is_valid():
        return _detail(request, contract, register_form=form, status=400)
    try:
        services.contract_register(
            by=request.user, contract_id=pk, registration_number=form.cleaned_data["registration_number"]
        )
    except DomainError as exc:
        for name, message in exc.fields.items():
            form.add_error(name if name in form.fields else None, str(message))
        if not exc.fields:
            messages.error(request, exc.message)
        return _detail(request, contract, register_form=form, status=exc.status)
    messages.success(request, _("The registration number was recorded."))
    return redirect("sales:contract_detail", pk=pk)


@login_required
@permission_required("sales.change_contract", raise_exception=True)
@require_POST
def contract_attach_view(request, pk: int):
    form = AttachmentForm(request.POST, request.FILES)
    form.is_valid()
    try:
        services.contract_attachment_add(
            by=request.user,
            contract_id=pk,
            title=form.cleaned_data.get("title", ""),
            file=form.cleaned_data.get("file"),
        )
    except DomainError as exc:
        for name, message in exc.fields.items():
            form.add_error(name if name in form.fields else None, str(message))
        if not exc.fields:
            messages.error(request, exc.message)
        contract = selectors.contract_get(user=request.user, contract_id=pk)
        return _detail(request, contract, attach_form=form, status=exc.status)
    messages.success(request, _("The file was attached."))
    return redirect("sales:contract_detail", pk=pk)


@login_required
@permission_required("sales.change_contract", raise_exception=True)
@require_POST
def contract_attachment_remove_view(request, pk: int, attachment_id: int):
    try:
        services.contract_attachment_remove(by=request.user, contract_id=pk, attachment_id=attachment_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The attachment was removed."))
    return redirect("sales:contract_detail", pk=pk)


@login_required
@permission_required("sales.view_contract", raise_exception=True)
@require_GET
def contract_attachment_view(request, pk: int, attachment_id: int):
    contract = selectors.contract_get(user=request.user, contract_id=pk)
    return file_response(get_object_or_404(contract.attachments, pk=attachment_id).file)


@login_required
@permission_required("sales.view_contract", raise_exception=True)
@require_GET
def contract_signed_copy_view(request, pk: int):
    return file_response(selectors.contract_get(user=request.user, contract_id=pk).signed_copy)


@login_required
@permission_required("sales.view_contract", raise_exception=True)
@require_GET
def contract_pdf_view(request, pk: int):
    """The contract as a PDF, in its print language (or ?language=en / zh-hans)."""
    language = request.GET.get("language")
    if language not in (None, "en", "zh-hans"):
        return HttpResponseBadRequest(_("Choose en or zh-hans."))
    return pdf_for(selectors.contract_get(user=request.user, contract_id=pk), language=language)


# --- form -------------------------------------------------------------------------------------


def _formsets(data=None, *, contract: Contract | None = None):
    products = product_choices()
    if contract is not None and data is None:
        lines = [
            {
                "id": line.pk,
                "product": line.product_id,
                "description": line.description,
                "quantity": line.quantity,
                "discount": line.discount,
            }
            for line in contract.lines.all()
        ]
        milestones = [
            {"label": m.label, "percent": m.percent, "trigger": m.trigger, "days": m.days, "due_on": m.due_on}
            for m in contract.milestones.all()
        ]
        positions = {line.pk: line.position for line in contract.lines.all()}
        deliveries = [
            {"line": positions.get(d.line_id), "planned_on": d.planned_on, "quantity": d.quantity}
            for d in contract.deliveries.all()
        ]
    else:
        lines = milestones = deliveries = None
    return {
        "lines": LineFormSet(data, initial=lines, prefix="lines", form_kwargs={"products": products}),
        "milestones": MilestoneFormSet(data, initial=milestones, prefix="milestones"),
        "deliveries": DeliveryFormSet(data, initial=deliveries, prefix="deliveries"),
    }


def _form_page(request, form, formsets, contract=None, status=200):
    return render(
        request,
        "sales/contract_form.html",
        {"form": form, "contract": contract, **formsets},
        status=status,
    )


@login_required
@permission_required("sales.add_contract", raise_exception=True)
def contract_create_view(request):
    """Draft a contract: header, lines, payment milestones and the delivery schedule in one page."""
    if request.method == "POST":
        form = ContractForm(request.POST, user=request.user)
        formsets = _formsets(request.POST)
        if form.is_valid() and all(fs.is_valid() for fs in formsets.values()):
            try:
                contract = services.contract_create(
                    by=request.user,
                    **form.header(),
                    lines=formsets["lines"].rows(),
                    milestones=formsets["milestones"].rows(),
                    deliveries=formsets["deliveries"].rows(),
                )
            except DomainError as exc:
                apply_refusal(exc, form, formsets)
                return _form_page(request, form, formsets, status=exc.status)
            messages.success(request, _("%(number)s was drafted.") % {"number": contract.number})
            return redirect("sales:contract_detail", pk=contract.pk)
        return _form_page(request, form, formsets, status=400)
    initial = {}
    if (customer := request.GET.get("customer", "")).isdigit():
        initial["customer"] = int(customer)
    return _form_page(request, ContractForm(initial=initial, user=request.user), _formsets())


@login_required
@permission_required("sales.change_contract", raise_exception=True)
def contract_edit_view(request, pk: int):
    contract = selectors.contract_get(user=request.user, contract_id=pk)
    if contract.status != ContractStatus.DRAFT:
        messages.info(request, _("Only a draft can be changed."))
        return redirect("sales:contract_detail", pk=pk)
    if request.method == "POST":
        form = ContractForm(request.POST, user=request.user)
        formsets = _formsets(request.POST)
        if form.is_valid() and all(fs.is_valid() for fs in formsets.values()):
            try:
                services.contract_update(
                    by=request.user,
                    contract_id=pk,
                    version=form.cleaned_data.get("version"),
                    **form.header(),
                    lines=formsets["lines"].rows(),
                    milestones=formsets["milestones"].rows(),
                    deliveries=formsets["deliveries"].rows(),
                )
            except DomainError as exc:
                apply_refusal(exc, form, formsets)
                return _form_page(request, form, formsets, contract, status=exc.status)
            messages.success(request, _("The contract was saved."))
            return redirect("sales:contract_detail", pk=pk)
        return _form_page(request, form, formsets, contract, status=400)
    initial = {
        "title": contract.title,
        "customer": contract.customer_id,
        "channel": contract.channel,
        "language": contract.language,
        "payment_terms": contract.payment_terms,
        "delivery_terms": contract.delivery_terms,
        "notes": contract.notes,
        "version": contract.version,
    }
    return _form_page(
        request, ContractForm(initial=initial, user=request.user), _formsets(contract=contract), contract
    )


@login_required
@permission_required("sales.add_contract", raise_exception=True)
def contract_from_quotation_view(request, quotation_id: int):
    """GET: confirm; POST: draft a contract from an accepted quotation, then edit its milestones
    and deliveries."""
    from salesdept.accounts.scope import visible

    from ..models import Quotation

    quotation = get_object_or_404(
        visible(Quotation.objects, request.user).select_related("customer"), pk=quotation_id
    )
    if request.method != "POST":
        return render(
            request,
            "sales/contract_from_quotation.html",
            {
                "quotation": quotation,
                "heading": _("Create a contract from quotation %(number)s") % {"number": quotation.number},
                "lines": quotation.lines.select_related("product"),
            },
        )
    try:
        contract = services.contract_create_from_quotation(by=request.user, quotation_id=quotation_id)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("sales:quotation_detail", pk=quotation_id)
    messages.success(
        request,
        _("%(number)s was drafted from the quotation. Add the payment milestones and deliveries.")
        % {"number": contract.number},
    )
    return redirect("sales:contract_edit", pk=contract.pk)


# --- orders from the delivery schedule ---------------------------------------------------------


@login_required
@permission_required("sales.add_salesorder", raise_exception=True)
def contract_orders_new_view(request, pk: int):
    """Choose planned deliveries of a signed contract (each with the quantity to order now) and
    create one draft order from them."""
    contract = selectors.contract_get(user=request.user, contract_id=pk)
    deliveries = selectors.deliveries_with_ordered(contract)
    status = 200
    if request.method == "POST":
        rows = []
        for d in deliveries:
            if request.POST.get(f"pick-{d.pk}"):
                rows.append(
                    {
                        "delivery_id": d.pk,
                        "contract_line_id": d.line_id,
                        "quantity": request.POST.get(f"qty-{d.pk}"),
                    }
                )
        if not rows:
            messages.error(request, _("Choose at least one delivery."))
            status = 400
        else:
            try:
                order = order_services.order_create_from_contract(
                    by=request.user,
                    contract_id=pk,
                    lines=rows,
                    wanted_on=min(d.planned_on for d in deliveries if request.POST.get(f"pick-{d.pk}")),
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                for message in exc.fields.values():
                    if str(message) != str(exc.message):
                        messages.error(request, message)
                status = exc.status
            else:
                messages.success(request, _("Order %(number)s was created.") % {"number": order.number})
                return redirect("sales:order_detail", pk=order.pk)
    return render(
        request,
        "sales/contract_orders_new.html",
        {"contract": contract, "deliveries": deliveries, "posted": request.POST},
        status=status,
    )


urlpatterns = [
    path("contracts/", contract_list_view, name="contract_list"),
    path("contracts/new/", contract_create_view, name="contract_create"),
    path(
        "contracts/from-quotation/<int:quotation_id>/",
        contract_from_quotation_view,
        name="contract_from_quotation",
    ),
    path("contracts/<int:pk>/", contract_detail_view, name="contract_detail"),
    path("contracts/<int:pk>/edit/", contract_edit_view, name="contract_edit"),
    path("contracts/<int:pk>/sign/", contract_sign_view, name="contract_sign"),
    path("contracts/<int:pk>/register/", contract_register_view, name="contract_register"),
    path("contracts/<int:pk>/amend/", contract_amend_view, name="contract_amend"),
    path("contracts/<int:pk>/attachments/", contract_attach_view, name="contract_attach"),
    path(
        "contracts/<int:pk>/attachments/<int:attachment_id>/",
        contract_attachment_view,
        name="contract_attachment",
    ),
    path(
        "contracts/<int:pk>/attachments/<int:attachment_id>/remove/",
        contract_attachment_remove_view,
        name="contract_attachment_remove",
    ),
    path("contracts/<int:pk>/signed-copy/", contract_signed_copy_view, name="contract_signed_copy"),
    path("contracts/<int:pk>/pdf/", contract_pdf_view, name="contract_pdf"),
    path("contracts/<int:pk>/orders/new/", contract_orders_new_view, name="contract_orders_new"),
    path("contracts/<int:pk>/<str:action>/", contract_action_view, name="contract_action"),
]
