"""Pages of stock documents (W1, W5, W6): the list (kind filter, status badges, export), the
form of a new document of each kind with its lines, editing a draft, the detail with lines,
moves, quality inspections, history and the actions the user may take (reverse and cancel ask
first), and the inspection of a pending line. Thin: reads through selectors.documents, writes
through services.documents."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from salesdept.core.errors import DomainError
from salesdept.core.exports import Column
from salesdept.core.listing import list_page

from ..filters_documents import DocumentFilter
from ..forms_documents import (
    DocumentForm,
    InspectionForm,
    LineFormSet,
    apply_refusal,
    line_choices,
    line_initial,
)
from ..models import DocumentKind, StockDocument, StockDocumentStatus
from ..selectors import documents as selectors
from ..services import documents as services

FILTERS = ("q", "kind", "status", "purpose", "warehouse", "product", "date_from", "date_to")

COLUMNS = [
    Column("number", _("Number")),
    Column("kind", _("Kind"), lambda d: d.get_kind_display()),
    Column("purpose", _("Purpose"), lambda d: d.get_purpose_display()),
    Column("status", _("Status"), lambda d: d.get_status_display()),
    Column("warehouse", _("Warehouse"), lambda d: d.warehouse.code),
    Column("moved_on", _("Date")),
    Column("partner", _("Customer / supplier"), lambda d: d.customer.name if d.customer_id else d.supplier),
    Column("reference", _("Reference")),
    Column("line_count", _("Lines")),
]

NEW_LABELS = {
    DocumentKind.RECEIPT: _("New receipt"),
    DocumentKind.ISSUE: _("New issue"),
    DocumentKind.RETURN: _("New return"),
    DocumentKind.TRANSFER: _("New transfer"),
    DocumentKind.ADJUSTMENT: _("New adjustment"),
}
DONE = {
    "post": _("%(number)s was posted."),
    "submit": _("%(number)s was submitted for review."),
    "approve": _("%(number)s was approved."),
    "reject": _("%(number)s was sent back."),
    "cancel": _("%(number)s was cancelled."),
    "reverse": _("%(number)s was reversed."),
}
BUTTONS = {
    "post": (pgettext_lazy("document action", "Post"), "btn-success"),
    "submit": (pgettext_lazy("document action", "Submit for review"), "btn-primary"),
    "approve": (pgettext_lazy("document action", "Approve and post"), "btn-success"),
    "reject": (pgettext_lazy("document action", "Send back"), "btn-outline-danger"),
    "cancel": (pgettext_lazy("document action", "Cancel document"), "btn-outline-secondary"),
    "reverse": (pgettext_lazy("document action", "Reverse"), "btn-outline-danger"),
}
CONFIRM = {
    "cancel": _("Cancel this document? This cannot be undone."),
    "reverse": _(
        "Reverse this document? Its moves are undone by a new posted document; this cannot be undone."
    ),
    "post": _("Post this document? Stock changes at once and the document can then only be reversed."),
}


@login_required
@permission_required("warehouse.view_stockdocument", raise_exception=True)
def document_list_view(request):
    can_add = request.user.has_perm("warehouse.add_stockdocument")
    return list_page(
        request,
        rows=lambda: selectors.document_list(user=request.user, filters=request.GET),
        empty=StockDocument.objects.none(),
        form=DocumentFilter(request.GET or None).form,
        filters=FILTERS,
        columns=COLUMNS,
        export_name="stock-documents",
        export_title=str(_("Stock documents")),
        template="warehouse/document_list.html",
        context={
            "can_add": can_add,
            "new_kinds": [(k, label) for k, label in NEW_LABELS.items()] if can_add else [],
            "kinds": DocumentKind.choices,
        },
    )


def _buttons(actions: list[str]) -> list[dict]:
    return [
        {
            "name": name,
            "label": BUTTONS[name][0],
            "style": BUTTONS[name][1],
            "confirm": CONFIRM.get(name, ""),
            "needs_reason": name == "reject",
            "optional_note": name in ("reverse", "approve"),
        }
        for name in actions
        if name in BUTTONS
    ]


def _detail(request, document: StockDocument, *, status: int = 200, inspect_forms: dict | None = None):
    lines = selectors.document_lines(document)
    actions = services.document_allowed_actions(document, request.user)
    pending = {}
    if "inspect" in actions:
        for line in lines:
            amount = services.pending_quantity(line)
            if amount > 0:
                pending[line.pk] = amount
    forms_ = inspect_forms or {}
    for line in lines:
        line.pending = pending.get(line.pk)
        if line.pk in pending:
            line.inspect_form = forms_.get(line.pk) or InspectionForm(
                prefix=f"inspect-{line.pk}", initial={"accepted": line.pending}
            )
    try:
        reversal = document.reversed_by
    except StockDocument.reversed_by.RelatedObjectDoesNotExist:
        reversal = None
    return render(
        request,
        "warehouse/document_detail.html",
        {
            "document": document,
            "lines": lines,
            "moves": selectors.document_moves(document, request.user),
            "checks": selectors.document_quality_checks(document),
            "actions": actions,
            "buttons": _buttons(actions),
            "reversal": reversal,
            "can_edit": "edit" in actions,
        },
        status=status,
    )


@login_required
@permission_required("warehouse.view_stockdocument", raise_exception=True)
def document_detail_view(request, pk: int):
    return _detail(request, selectors.document_get(user=request.user, document_id=pk))


@login_required
@require_POST
def document_action_view(request, pk: int, action: str):
    if action not in BUTTONS:
        raise Http404
    document = selectors.document_get(user=request.user, document_id=pk)
    note = request.POST.get("note", "")
    try:
        if action == "post":
            services.document_post(document_id=pk, by=request.user)
        elif action == "reverse":
            reversal = services.document_reverse(document_id=pk, by=request.user, note=note)
        else:
            getattr(services, f"document_{action}")(document_id=pk, by=request.user, note=note)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail(request, selectors.document_get(user=request.user, document_id=pk), status=exc.status)
    messages.success(request, DONE[action] % {"number": document.number})
    if action == "reverse":
        return redirect("warehouse:document_detail", pk=reversal.pk)
    return redirect("warehouse:document_detail", pk=pk)


@login_required
@require_POST
def document_inspect_view(request, pk: int, line_id: int):
    """Record the inspection of one pending line (the form sits on the detail page)."""
    document = selectors.document_get(user=request.user, document_id=pk)
    line = selectors.document_line_get(user=request.user, document_id=pk, line_id=line_id)
    form = InspectionForm(request.POST, prefix=f"inspect-{line.pk}")
    if form.is_valid():
        try:
            services.quality_inspect(
                line_id=line.pk,
                by=request.user,
                accepted=form.cleaned_data["accepted"],
                rejected=form.cleaned_data["rejected"],
                notes=form.cleaned_data["notes"],
            )
        except DomainError as exc:
            for name, message in exc.fields.items():
                form.add_error(name if name in form.fields else None, str(message))
            if not exc.fields:
                form.add_error(None, str(exc.message))
            return _detail(request, document, status=exc.status, inspect_forms={line.pk: form})
        messages.success(request, _("The inspection of line %(pos)s was recorded.") % {"pos": line.position})
        return redirect("warehouse:document_detail", pk=pk)
    return _detail(request, document, status=400, inspect_forms={line.pk: form})


def _form_page(request, *, kind, form, lines, document=None, status=200):
    return render(
        request,
        "warehouse/document_form.html",
        {
            "form": form,
            "lines": lines,
            "document": document,
            "kind": kind,
            "kind_label": DocumentKind(kind).label,
            "title": NEW_LABELS[kind],
        },
        status=status,
    )


@login_required
@permission_required("warehouse.add_stockdocument", raise_exception=True)
def document_create_view(request, kind: str):
    if kind not in DocumentKind.values:
        raise Http404
    choices = line_choices()
    if request.method == "POST":
        form = DocumentForm(request.POST, kind=kind, user=request.user)
        lines = LineFormSet(request.POST, prefix="lines", form_kwargs={"kind": kind, "choices": choices})
        if form.is_valid() and lines.is_valid():
            try:
                document = services.document_create(
                    by=request.user, data={"kind": kind, **form.data_dict(), "lines": lines.rows()}
                )
            except DomainError as exc:
                apply_refusal(exc, form, {"lines": lines})
                return _form_page(request, kind=kind, form=form, lines=lines, status=exc.status)
            messages.success(request, _("%(number)s was created.") % {"number": document.number})
            return redirect("warehouse:document_detail", pk=document.pk)
        return _form_page(request, kind=kind, form=form, lines=lines, status=400)
    initial = {}
    if warehouse := request.GET.get("warehouse"):
        initial["warehouse"] = warehouse
    form = DocumentForm(kind=kind, user=request.user, initial=initial)
    lines = LineFormSet(prefix="lines", form_kwargs={"kind": kind, "choices": choices})
    return _form_page(request, kind=kind, form=form, lines=lines)


@login_required
@permission_required("warehouse.change_stockdocument", raise_exception=True)
def document_edit_view(request, pk: int):
    document = selectors.document_get(user=request.user, document_id=pk)
    if document.status != StockDocumentStatus.DRAFT:
        messages.info(request, _("Only a draft can be changed."))
        return redirect("warehouse:document_detail", pk=pk)
    kind = document.kind
    choices = line_choices()
    if request.method == "POST":
        form = DocumentForm(request.POST, kind=kind, user=request.user)
        lines = LineFormSet(request.POST, prefix="lines", form_kwargs={"kind": kind, "choices": choices})
        if form.is_valid() and lines.is_valid():
            try:
                services.document_update(
                    document_id=pk,
                    by=request.user,
                    version=form.cleaned_data.get("version"),
                    data={**form.data_dict(), "lines": lines.rows()},
                )
            except DomainError as exc:
                apply_refusal(exc, form, {"lines": lines})
                return _form_page(
                    request, kind=kind, form=form, lines=lines, document=document, status=exc.status
                )
            messages.success(request, _("%(number)s was saved.") % {"number": document.number})
            return redirect("warehouse:document_detail", pk=pk)
        return _form_page(request, kind=kind, form=form, lines=lines, document=document, status=400)
    form = DocumentForm(
        kind=kind,
        user=request.user,
        initial={
            "purpose": document.purpose,
            "warehouse": document.warehouse_id,
            "moved_on": document.moved_on,
            "customer": document.customer_id,
            "supplier": document.supplier,
            "holder": document.holder_id,
            "reference": document.reference,
            "notes": document.notes,
            "version": document.version,
        },
    )
    lines = LineFormSet(
        prefix="lines",
        initial=line_initial(selectors.document_lines(document)),
        form_kwargs={"kind": kind, "choices": choices},
    )
    return _form_page(request, kind=kind, form=form, lines=lines, document=document)


urlpatterns = [
    path("documents/", document_list_view, name="document_list"),
    path("documents/new/<str:kind>/", document_create_view, name="document_create"),
    path("documents/<int:pk>/", document_detail_view, name="document_detail"),
    path("documents/<int:pk>/edit/", document_edit_view, name="document_edit"),
    path("documents/<int:pk>/lines/<int:line_id>/inspect/", document_inspect_view, name="document_inspect"),
    path("documents/<int:pk>/<str:action>/", document_action_view, name="document_action"),
]
