"""Pages of the customer archive (C1): list with search, filters and export, the customer page
with contacts, documents and history, create/edit with the duplicate warning, transfer, merge,
deactivation and the incomplete files per salesperson. Thin: reads through the selectors, every
change through services.customers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from salesdept.accounts.scope import visible
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.exports import export_response
from salesdept.core.pagination import Paginator

from ..filters_customers import EXPORT_COLUMNS, CustomerFilter
from ..forms_customers import ContactForm, CustomerForm, DocumentForm, MergeForm, TransferForm
from ..models import Contact, Customer, CustomerDocument
from ..selectors import customers as selectors
from ..services import customers as services

PAGE_SIZE = 50
EXPIRY_WARNING_DAYS = 30
FILTERS = ("q", "kind", "tier", "region", "owner", "source", "industry", "incomplete", "active")
MISSING_LABELS = {"contacts": _("at least one contact")}

view = permission_required("crm.view_customer", raise_exception=True)


def _show_error(form, exc: DomainError) -> None:
    """A service's refusal on the form: field messages next to their fields, the rest on top."""
    for name, message in exc.fields.items():
        form.add_error(name if name in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, exc.message)


def _detail(customer) -> str:
    return reverse("crm:customer_detail", args=[customer.pk])


BASIC_FIELDS = ("kind", "name_en", "industry", "source", "phone", "email", "address", "website", "notes")
INVOICE_FIELDS = ("invoice_name", "tax_id", "bank_name", "bank_account", "invoice_address", "invoice_phone")


def _rows(customer, names) -> list[dict]:
    """(label, value) pairs labelled with the model's translated field names."""
    rows = []
    for name in names:
        field = Customer._meta.get_field(name)
        value = getattr(customer, f"get_{name}_display")() if field.choices else getattr(customer, name)
        rows.append({"name": name, "label": capfirst(field.verbose_name), "value": value})
    return rows


def missing_labels(names: list[str]) -> list:
    return [MISSING_LABELS.get(n) or capfirst(Customer._meta.get_field(n).verbose_name) for n in names]


# --- list, export, incomplete ----------------------------------------------------------------


@login_required
@view
def customer_list_view(request):
    """Customers in the user's scope: search, filters, sortable columns, 50 a page."""
    filterset = CustomerFilter(request.GET or None, queryset=Customer.objects.none(), user=request.user)
    try:
        customers = selectors.customer_list(user=request.user, filters=request.GET)
    except ValidationFailed:
        customers = Customer.objects.none()  # the filter card shows what is wrong
        filterset.is_valid()
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "crm/customer_list.html",
        {
            "form": filterset.form,
            "page_obj": page,
            "filtered": sum(1 for k in FILTERS if request.GET.get(k)),
            "export_query": request.GET.urlencode(),
        },
    )


@login_required
@permission_required("crm.export_customer", raise_exception=True)
def customer_export_view(request):
    """The filtered list as CSV or XLSX: exactly the rows the list shows, every page."""
    try:
        rows = selectors.customer_list(user=request.user, filters=request.GET)
        return export_response(rows, EXPORT_COLUMNS, filename="customers", fmt=request.GET.get("format"))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("crm:customer_list"))


@login_required
@view
def customer_incomplete_view(request):
    """Incomplete files (完整、真实) per salesperson, and the files themselves with what is missing."""
    owners = selectors.incomplete_by_salesperson(user=request.user)
    filters = {"incomplete": True, "sort": "completeness", "owner": request.GET.get("owner", "")}
    try:
        customers = selectors.customer_list(user=request.user, filters=filters)
    except ValidationFailed:
        raise Http404 from None  # an owner outside the user's scope
    customers = customers.annotate(active_contacts=Count("contacts", filter=Q(contacts__is_active=True)))
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "customer": c,
            "missing": missing_labels(services.customer_missing_fields(c, contacts=c.active_contacts)),
        }
        for c in page
    ]
    selected = next((o["owner"] for o in owners if str(o["owner"].pk) == filters["owner"]), None)
    return render(
        request,
        "crm/customer_incomplete.html",
        {"owners": owners, "page_obj": page, "rows": rows, "selected": selected},
    )


# --- the customer page -----------------------------------------------------------------------


def _documents(request, customer) -> list[dict]:
    today = timezone.localdate()
    rows = []
    for doc in selectors.customer_documents(user=request.user, customer=customer):
        days = (doc.expires_on - today).days if doc.expires_on else None
        state = (
            "" if days is None else "expired" if days < 0 else "soon" if days <= EXPIRY_WARNING_DAYS else ""
        )
        rows.append({"doc": doc, "days": days, "state": state, "file_name": doc.file.name.rsplit("/", 1)[-1]})
    return rows


@login_required
@view
def customer_detail_view(request, pk: int):
    customer = selectors.customer_get(user=request.user, customer_id=pk)
    contacts = list(selectors.customer_contacts(user=request.user, customer=customer))
    user = request.user
    live = customer.merged_into_id is None
    return render(
        request,
        "crm/customer_detail.html",
        {
            "customer": customer,
            "basic": _rows(customer, BASIC_FIELDS),
            "invoicing": _rows(customer, INVOICE_FIELDS),
            "contacts": contacts,
            "documents": _documents(request, customer),
            "transfers": selectors.customer_transfers(user=user, customer=customer),
            "merges": selectors.customer_merges(user=user, customer=customer),
            "history": selectors.customer_history(user=user, customer=customer),
            "missing": missing_labels(services.customer_missing_fields(customer, contacts=len(contacts))),
            "can": {
                "edit": live and user.has_perm("crm.change_customer"),
                "transfer": live and customer.is_active and user.has_perm("crm.transfer_customer"),
                "merge": live and customer.is_active and user.has_perm("crm.merge_customer"),
                "add_contact": live and user.has_perm("crm.add_contact"),
                "change_contact": live and user.has_perm("crm.change_contact"),
                "upload": live and user.has_perm("crm.add_customerdocument"),
                "replace": live and user.has_perm("crm.change_customerdocument"),
                "verify": user.has_perm("crm.verify_customerdocument"),
            },
        },
    )


# --- create and edit -------------------------------------------------------------------------


@login_required
@permission_required("crm.add_customer", raise_exception=True)
def customer_create_view(request):
    """New customer; a duplicate is shown with its number and a "create anyway" box."""
    form = CustomerForm(request.POST or None, user=request.user)
    duplicates, status = [], 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                customer = services.customer_create(
                    by=request.user,
                    data=form.service_data(),
                    allow_duplicate=form.cleaned_data["allow_duplicate"],
                )
            except DomainError as exc:
                if exc.code == "duplicate_customer":
                    duplicates, status = exc.extra["duplicates"], 409
                else:
                    _show_error(form, exc)
            else:
                messages.success(request, _("Customer %(code)s created.") % {"code": customer.code})
                return redirect(_detail(customer))
    return render(request, "crm/customer_form.html", {"form": form, "duplicates": duplicates}, status=status)


@login_required
@permission_required("crm.change_customer", raise_exception=True)
def customer_edit_view(request, pk: int):
    customer = selectors.customer_get(user=request.user, customer_id=pk)
    if customer.merged_into_id:
        raise Http404
    form = CustomerForm(request.POST or None, instance=customer, user=request.user)
    duplicates, status = [], 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.customer_update(
                    by=request.user,
                    customer_id=pk,
                    data=form.service_data(),
                    version=form.cleaned_data["version"],
                    allow_duplicate=form.cleaned_data["allow_duplicate"],
                )
            except DomainError as exc:
                if exc.code == "duplicate_customer":
                    duplicates, status = exc.extra["duplicates"], 409
                else:
                    status = exc.status if exc.status == 409 else 400
                    _show_error(form, exc)
            else:
                messages.success(request, _("Customer saved."))
                return redirect(_detail(customer))
    context = {"form": form, "customer": customer, "duplicates": duplicates}
    return render(request, "crm/customer_form.html", context, status=status)


# --- transfer, merge, deactivate -------------------------------------------------------------


@login_required
@permission_required("crm.transfer_customer", raise_exception=True)
def customer_transfer_view(request, pk: int):
    customer = selectors.customer_get(user=request.user, customer_id=pk)
    form = TransferForm(request.POST or None, user=request.user, customer=customer)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.customer_transfer(
                    by=request.user,
                    customer_id=pk,
                    to_owner_id=form.cleaned_data["to_owner"].pk,
                    reason=form.cleaned_data["reason"],
                    version=form.cleaned_data["version"],
                )
            except DomainError as exc:
                _show_error(form, exc)
            else:
                messages.success(
                    request, _("Customer transferred to %(name)s.") % {"name": form.cleaned_data["to_owner"]}
                )
                return redirect(_detail(customer))
    return render(request, "crm/customer_transfer.html", {"form": form, "customer": customer}, status=status)


def _merge_candidates(user, customer) -> list:
    found = services.customer_duplicates(
        name=customer.name, tax_id=customer.tax_id, phone=customer.phone, exclude_id=customer.pk
    )
    return list(visible(Customer.objects, user).filter(pk__in=[c.pk for c in found]).select_related("owner"))


@login_required
@permission_required("crm.merge_customer", raise_exception=True)
def customer_merge_view(request, pk: int):
    """Step 1: the duplicate's number (or one of the suggested duplicates). Step 2: a
    confirmation listing what moves. Step 3 (confirm=1): the merge."""
    kept = selectors.customer_get(user=request.user, customer_id=pk)
    form = MergeForm(request.POST or None)
    context = {"customer": kept, "form": form, "candidates": _merge_candidates(request.user, kept)}
    if request.method == "POST" and form.is_valid():
        merged = (
            visible(Customer.objects, request.user)
            .filter(code__iexact=form.cleaned_data["code"].strip())
            .first()
        )
        if merged is None:
            form.add_error("code", _("No customer with this number in your scope."))
        elif merged.pk == kept.pk:
            form.add_error("code", _("A customer cannot be merged into itself."))
        elif merged.merged_into_id:
            form.add_error("code", _("This customer was already merged into another one."))
        elif request.POST.get("confirm") == "1":
            try:
                merge = services.customer_merge(by=request.user, kept_id=kept.pk, merged_id=merged.pk)
            except DomainError as exc:
                _show_error(form, exc)
            else:
                moved = sum(merge.moved.values())
                messages.success(
                    request,
                    _("%(merged)s merged into this customer; %(count)s records moved.")
                    % {"merged": merged.code, "count": moved},
                )
                return redirect(_detail(kept))
        else:
            fills = [
                capfirst(Customer._meta.get_field(name).verbose_name)
                for name in services.FILLED_ON_MERGE
                if not getattr(kept, name) and getattr(merged, name)
            ]
            context.update(merged=merged, preview=services.merge_preview(merged), fills=fills)
            return render(request, "crm/customer_merge.html", context)
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/customer_merge.html", context, status=status)


@login_required
@permission_required("crm.change_customer", raise_exception=True)
def customer_deactivate_view(request, pk: int):
    customer = selectors.customer_get(user=request.user, customer_id=pk)
    if request.method == "POST":
        try:
            services.customer_deactivate(
                by=request.user, customer_id=pk, version=_int(request.POST.get("version"))
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Customer deactivated."))
        return redirect(_detail(customer))
    return render(request, "crm/customer_deactivate.html", {"customer": customer})


@login_required
@require_POST
@permission_required("crm.change_customer", raise_exception=True)
def customer_reactivate_view(request, pk: int):
    customer = selectors.customer_get(user=request.user, customer_id=pk)
    try:
        services.customer_reactivate(
            by=request.user, customer_id=pk, version=_int(request.POST.get("version"))
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Customer reactivated."))
    return redirect(_detail(customer))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- contacts --------------------------------------------------------------------------------


def _contact_form_page(request, form, customer, contact=None, status=200):
    context = {"form": form, "customer": customer, "contact": contact}
    return render(request, "crm/contact_form.html", context, status=status)


@login_required
@permission_required("crm.add_contact", raise_exception=True)
def contact_create_view(request, pk: int):
    customer = selectors.customer_get(user=request.user, customer_id=pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_create(by=request.user, customer_id=pk, data=form.cleaned_data)
        except DomainError as exc:
            _show_error(form, exc)
        else:
            messages.success(request, _("Contact added."))
            return redirect(_detail(customer) + "#contacts")
    return _contact_form_page(request, form, customer, status=400 if request.method == "POST" else 200)


@login_required
@permission_required("crm.change_contact", raise_exception=True)
def contact_edit_view(request, pk: int):
    contact = get_object_or_404(visible(Contact.objects, request.user).select_related("customer"), pk=pk)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(by=request.user, contact_id=pk, data=form.cleaned_data)
        except DomainError as exc:
            _show_error(form, exc)
        else:
            messages.success(request, _("Contact saved."))
            return redirect(_detail(contact.customer) + "#contacts")
    status = 400 if request.method == "POST" else 200
    return _contact_form_page(request, form, contact.customer, contact, status=status)


@login_required
@require_POST
@permission_required("crm.change_contact", raise_exception=True)
def contact_deactivate_view(request, pk: int):
    contact = get_object_or_404(visible(Contact.objects, request.user).select_related("customer"), pk=pk)
    try:
        services.contact_deactivate(by=request.user, contact_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Contact removed."))
    return redirect(_detail(contact.customer) + "#contacts")


# --- documents -------------------------------------------------------------------------------


def _visible_document(request, pk: int) -> CustomerDocument:
    return get_object_or_404(
        visible(CustomerDocument.objects, request.user).select_related("customer"), pk=pk
    )


@login_required
@permission_required("crm.add_customerdocument", raise_exception=True)
def document_upload_view(request, pk: int):
    customer = selectors.customer_get(user=request.user, customer_id=pk)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.document_upload(
                by=request.user,
                customer_id=pk,
                kind=data["kind"],
                file=data["file"],
                number=data["number"],
                expires_on=data["expires_on"],
                notes=data["notes"],
            )
        except DomainError as exc:
            _show_error(form, exc)
        else:
            messages.success(request, _("Document uploaded. The back office will verify it."))
            return redirect(_detail(customer) + "#documents")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "customer": customer}
    return render(request, "crm/customerdocument_form.html", context, status=status)


@login_required
@permission_required("crm.change_customerdocument", raise_exception=True)
def document_edit_view(request, pk: int):
    doc = _visible_document(request, pk)
    form = DocumentForm(request.POST or None, request.FILES or None, instance=doc, replace=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new_file = request.FILES.get("file")
        try:
            services.document_update(
                by=request.user,
                document_id=pk,
                file=new_file,
                kind=data["kind"],
                number=data["number"],
                expires_on=data["expires_on"] or "",
                notes=data["notes"],
            )
        except DomainError as exc:
            _show_error(form, exc)
        else:
            messages.success(request, _("Document saved."))
            return redirect(_detail(doc.customer) + "#documents")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "customer": doc.customer, "document": doc}
    return render(request, "crm/customerdocument_form.html", context, status=status)


@login_required
@require_POST
@permission_required("crm.verify_customerdocument", raise_exception=True)
def document_verify_view(request, pk: int):
    doc = _visible_document(request, pk)
    try:
        services.document_verify(by=request.user, document_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Document verified."))
    return redirect(_detail(doc.customer) + "#documents")


@login_required
@permission_required("crm.view_customerdocument", raise_exception=True)
def document_file_view(request, pk: int):
    """The stored file, only for people who may see the customer (media is not public)."""
    doc = _visible_document(request, pk)
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, filename=doc.file.name.rsplit("/", 1)[-1])


urlpatterns = [
    path("customers/", customer_list_view, name="customer_list"),
    path("customers/export/", customer_export_view, name="customer_export"),
    path("customers/new/", customer_create_view, name="customer_create"),
    path("customers/incomplete/", customer_incomplete_view, name="customer_incomplete"),
    path("customers/<int:pk>/", customer_detail_view, name="customer_detail"),
    path("customers/<int:pk>/edit/", customer_edit_view, name="customer_edit"),
    path("customers/<int:pk>/transfer/", customer_transfer_view, name="customer_transfer"),
    path("customers/<int:pk>/merge/", customer_merge_view, name="customer_merge"),
    path("customers/<int:pk>/deactivate/", customer_deactivate_view, name="customer_deactivate"),
    path("customers/<int:pk>/reactivate/", customer_reactivate_view, name="customer_reactivate"),
    path("customers/<int:pk>/contacts/new/", contact_create_view, name="contact_create"),
    path("customers/contacts/<int:pk>/edit/", contact_edit_view, name="contact_edit"),
    path("customers/contacts/<int:pk>/deactivate/", contact_deactivate_view, name="contact_deactivate"),
    path("customers/<int:pk>/documents/new/", document_upload_view, name="customerdocument_upload"),
    path("customers/documents/<int:pk>/edit/", document_edit_view, name="customerdocument_edit"),
    path("customers/documents/<int:pk>/verify/", document_verify_view, name="customerdocument_verify"),
    path("customers/documents/<int:pk>/file/", document_file_view, name="customerdocument_file"),
]
