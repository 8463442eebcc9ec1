"""Pages of invoices 开票 and credit notes 红字发票 (F2): the registry 发票登记 (filters, sort,
CSV/XLSX export), the form from an order (?order=ID, pre-filled with what is invoiceable; the
quantity and price of each line can be changed — the automatic check shows a changed price),
the detail page with the check's result line by line and the review actions, editing a draft,
and the credit note form of an issued invoice. Thin: reads through selectors.invoices, writes
through services.invoices / services.credit_notes — the same functions as the API."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from salesdept.core.errors import DomainError
from salesdept.core.exports import Column
from salesdept.core.listing import list_page

from ..filters_invoices import InvoiceFilter
from ..forms_invoices import ApproveForm, CreditNoteForm, InvoiceForm
from ..models import Invoice, InvoiceKind, InvoiceStatus
from ..selectors import invoices as selectors
from ..services import credit_notes as credit_services
from ..services import invoices as services
from ..services.invoices import invoice_allowed_actions

FILTERS = ("q", "status", "kind", "customer", "order", "date_from", "date_to", "overdue")

COLUMNS = [
    Column("number", _("Number")),
    Column("kind", _("Kind"), lambda i: i.get_kind_display()),
    Column("invoice_no", _("Invoice number (发票号码)")),
    Column("invoiced_on", _("Invoice date")),
    Column("customer.name", _("Customer")),
    Column("order.number", _("Sales order")),
    Column("net_amount", _("Net amount")),
    Column("tax_amount", _("Tax")),
    Column("total_amount", _("Total")),
    Column("paid_amount", _("Paid")),
    Column("credited_amount", _("Credited")),
    Column("outstanding", _("Outstanding")),
    Column("due_on", _("Due date")),
    Column("status", _("Status"), lambda i: i.get_status_display()),
]

DONE = {
    "submit": _("Invoice %(number)s was submitted for approval."),
    "approve": _("Invoice %(number)s was approved and issued."),
    "reject": _("Invoice %(number)s was sent back to its preparer."),
    "cancel": _("Invoice %(number)s was cancelled."),
}


@login_required
@permission_required("billing.view_invoice", raise_exception=True)
def invoice_list_view(request):
    return list_page(
        request,
        rows=lambda: selectors.invoice_list(user=request.user, filters=request.GET),
        empty=Invoice.objects.none(),
        form=InvoiceFilter(request.GET or None).form,
        filters=FILTERS,
        columns=COLUMNS,
        export_name="invoices",
        export_title=str(_("Invoice registry")),
        template="billing/invoice_list.html",
    )


def _detail(request, invoice: Invoice, *, status: int = 200, approve_form=None):
    checks = (
        selectors.invoice_check(invoice)
        if invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.SUBMITTED)
        else None
    )
    actions = invoice_allowed_actions(invoice, request.user)
    return render(
        request,
        "billing/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": selectors.invoice_lines(invoice),
            "checks": checks,
            "check_ok": checks is not None and all(c.ok for c in checks),
            "actions": actions,
            "approve_form": approve_form or ApproveForm(initial={"invoice_no": invoice.invoice_no}),
            "credit_notes": invoice.credit_notes.order_by("pk")
            if invoice.kind == InvoiceKind.INVOICE
            else [],
        },
        status=status,
    )


@login_required
@permission_required("billing.view_invoice", raise_exception=True)
def invoice_detail_view(request, pk: int):
    return _detail(request, selectors.invoice_get(user=request.user, invoice_id=pk))


@login_required
@require_POST
def invoice_action_view(request, pk: int, action: str):
    if action not in DONE:
        raise Http404
    invoice = selectors.invoice_get(user=request.user, invoice_id=pk)
    note = request.POST.get("note", "")
    form = None
    try:
        if action == "approve":
            form = ApproveForm(request.POST)
            form.is_valid()
            services.invoice_approve(
                by=request.user,
                invoice_id=pk,
                invoice_no=form.cleaned_data.get("invoice_no", ""),
                note=form.cleaned_data.get("note", ""),
            )
        else:
            getattr(services, f"invoice_{action}")(by=request.user, invoice_id=pk, note=note)
    except PermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        if form is not None:
            for name, message in exc.fields.items():
                if name in form.fields:
                    form.add_error(name, str(message))
        fresh = selectors.invoice_get(user=request.user, invoice_id=pk)
        return _detail(request, fresh, status=exc.status, approve_form=form)
    messages.success(request, DONE[action] % {"number": invoice.number})
    return redirect("billing:invoice_detail", pk=pk)


# --- the form of an invoice ------------------------------------------------------------------


def _line_rows(request, order_lines) -> tuple[list[dict], list[int]]:
    """Rows for the service from qty-<id>/price-<id>, and which order line each row is."""
    rows, keys = [], []
    for line in order_lines:
        qty = (request.POST.get(f"qty-{line.pk}") or "").strip()
        if qty in ("", "0"):
            continue
        row = {"order_line_id": line.pk, "quantity": qty}
        price = (request.POST.get(f"price-{line.pk}") or "").strip()
        if price:
            row["unit_price"] = price
        rows.append(row)
        keys.append(line.pk)
    return rows, keys


def _apply(exc: DomainError, form, keys: list[int]) -> dict:
    """Put a refusal next to its input; returns {order line id: message} for the line table."""
    line_errors = {}
    for name, message in (exc.fields or {}).items():
        parts = str(name).split(".")
        if parts[0] == "lines" and len(parts) >= 2 and parts[1].isdigit() and 0 < int(parts[1]) <= len(keys):
            line_errors[keys[int(parts[1]) - 1]] = str(message)
        elif parts[0] in form.fields:
            form.add_error(parts[0], str(message))
        else:
            form.add_error(None, str(message))
    if not exc.fields or exc.code != "invalid":
        form.add_error(None, str(exc.message))
    return line_errors


def _form_page(request, *, order, form, rows, invoice=None, line_errors=None, status=200):
    return render(
        request,
        "billing/invoice_form.html",
        {"order": order, "form": form, "rows": rows, "invoice": invoice, "line_errors": line_errors or {}},
        status=status,
    )


def _rows_for_page(order, values: dict | None = None, request=None) -> list[dict]:
    """One row per order line: the line, what is invoiceable, and the input values."""
    out = []
    for r in selectors.invoiceable_lines(order, all_lines=True):
        qty, price = (values or {}).get(r.line.pk, (r.quantity if r.quantity > 0 else "", r.line.unit_price))
        if request is not None and request.method == "POST":
            qty = request.POST.get(f"qty-{r.line.pk}", "")
            price = request.POST.get(f"price-{r.line.pk}", "")
        out.append({"line": r.line, "invoiceable": r.quantity, "qty": qty, "price": price})
    return out


@login_required
@permission_required("billing.add_invoice", raise_exception=True)
def invoice_create_view(request):
    order_id = request.GET.get("order") or request.POST.get("order")
    if not str(order_id or "").isdigit():
        messages.info(request, _("Start an invoice from a confirmed sales order."))
        return redirect("billing:invoice_list")
    order = selectors.order_for_invoicing(user=request.user, order_id=int(order_id))
    order_lines = [r.line for r in selectors.invoiceable_lines(order, all_lines=True)]
    if request.method != "POST":
        return _form_page(request, order=order, form=InvoiceForm(), rows=_rows_for_page(order))
    form = InvoiceForm(request.POST)
    rows = _rows_for_page(order, request=request)
    if not form.is_valid():
        return _form_page(request, order=order, form=form, rows=rows, status=400)
    data, keys = _line_rows(request, order_lines)
    try:
        invoice = services.invoice_create(
            by=request.user, order_id=order.pk, data={**form.header(), "lines": data}
        )
    except DomainError as exc:
        errors = _apply(exc, form, keys)
        return _form_page(request, order=order, form=form, rows=rows, line_errors=errors, status=exc.status)
    messages.success(request, _("Invoice %(number)s was created.") % {"number": invoice.number})
    return redirect("billing:invoice_detail", pk=invoice.pk)


@login_required
@permission_required("billing.change_invoice", raise_exception=True)
def invoice_edit_view(request, pk: int):
    invoice = selectors.invoice_get(user=request.user, invoice_id=pk)
    if invoice.status != InvoiceStatus.DRAFT:
        messages.info(request, _("Only a draft can be changed."))
        return redirect("billing:invoice_detail", pk=pk)
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        return _credit_note_page(request, invoice.corrects, note=invoice)
    order = invoice.order
    order_lines = [r.line for r in selectors.invoiceable_lines(order, all_lines=True)]
    current = {x.order_line_id: (x.quantity, x.unit_price) for x in invoice.lines.all()}
    values = {line.pk: current.get(line.pk, ("", line.unit_price)) for line in order_lines}
    if request.method != "POST":
        initial = {
            "invoiced_on": invoice.invoiced_on,
            "due_on": invoice.due_on,
            "invoice_no": invoice.invoice_no,
            "notes": invoice.notes,
            "version": invoice.version,
        }
        return _form_page(
            request,
            order=order,
            form=InvoiceForm(initial=initial),
            rows=_rows_for_page(order, values),
            invoice=invoice,
        )
    form = InvoiceForm(request.POST)
    rows = _rows_for_page(order, request=request)
    if not form.is_valid():
        return _form_page(request, order=order, form=form, rows=rows, invoice=invoice, status=400)
    data, keys = _line_rows(request, order_lines)
    header = form.header()
    header.setdefault("due_on", None)
    try:
        services.invoice_update(
            by=request.user,
            invoice_id=pk,
            version=form.cleaned_data.get("version"),
            data={**header, "lines": data},
        )
    except DomainError as exc:
        errors = _apply(exc, form, keys)
        return _form_page(
            request, order=order, form=form, rows=rows, invoice=invoice, line_errors=errors, status=exc.status
        )
    messages.success(request, _("The invoice was saved."))
    return redirect("billing:invoice_detail", pk=pk)


# --- credit notes ----------------------------------------------------------------------------


def _credit_note_page(request, original: Invoice, *, note: Invoice | None = None):
    """GET: the form; POST: create (or, for `note`, change) the credit note."""
    lines = selectors.invoice_lines(original)
    credited = selectors.credited_per_line(original, exclude_id=note.pk if note else None)
    current = {x.order_line_id: x for x in note.lines.all()} if note else {}
    rows = []
    for line in lines:
        done_q, done_a = credited.get(line.order_line_id, (0, 0))
        mine = current.get(line.order_line_id)
        qty = amount = ""
        if mine is not None:
            qty, amount = (mine.quantity, "") if mine.quantity else ("", mine.amount)
        if request.method == "POST":
            qty = request.POST.get(f"qty-{line.pk}", "")
            amount = request.POST.get(f"amount-{line.pk}", "")
        rows.append(
            {
                "line": line,
                "left_qty": line.quantity - done_q,
                "left_amount": line.amount - done_a,
                "qty": qty,
                "amount": amount,
            }
        )
    context = {"original": original, "rows": rows, "note": note, "line_errors": {}}
    if request.method != "POST":
        initial = (
            {"invoiced_on": note.invoiced_on, "notes": note.notes, "invoice_no": note.invoice_no}
            if note
            else {}
        )
        return render(
            request, "billing/invoice_credit_note.html", {**context, "form": CreditNoteForm(initial=initial)}
        )
    form = CreditNoteForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        return render(request, "billing/invoice_credit_note.html", context, status=400)
    data, keys = [], []
    for line in lines:
        qty = (request.POST.get(f"qty-{line.pk}") or "").strip()
        amount = (request.POST.get(f"amount-{line.pk}") or "").strip()
        if qty in ("", "0") and amount in ("", "0"):
            continue
        row = {"invoice_line_id": line.pk}
        if qty not in ("", "0"):
            row["quantity"] = qty
        if amount not in ("", "0"):
            row["amount"] = amount
        data.append(row)
        keys.append(line.order_line_id)
    try:
        if note is None:
            note = credit_services.credit_note_create(
                by=request.user, invoice_id=original.pk, data={**form.header(), "lines": data}
            )
        else:
            services.invoice_update(
                by=request.user, invoice_id=note.pk, data={**form.header(), "lines": data}
            )
    except DomainError as exc:
        errors = _apply(exc, form, keys)
        context["line_errors"] = {
            x["line"].pk: errors[x["line"].order_line_id] for x in rows if x["line"].order_line_id in errors
        }
        return render(request, "billing/invoice_credit_note.html", context, status=exc.status)
    messages.success(request, _("Credit note %(number)s was saved.") % {"number": note.number})
    return redirect("billing:invoice_detail", pk=note.pk)


@login_required
@permission_required("billing.add_invoice", raise_exception=True)
def credit_note_create_view(request, pk: int):
    original = selectors.invoice_get(user=request.user, invoice_id=pk)
    if original.kind != InvoiceKind.INVOICE or original.status != InvoiceStatus.ISSUED:
        messages.info(request, _("Only issued invoices are corrected with a credit note."))
        return redirect("billing:invoice_detail", pk=pk)
    return _credit_note_page(request, original)


urlpatterns = [
    path("invoices/", invoice_list_view, name="invoice_list"),
    path("invoices/new/", invoice_create_view, name="invoice_create"),
    path("invoices/<int:pk>/", invoice_detail_view, name="invoice_detail"),
    path("invoices/<int:pk>/edit/", invoice_edit_view, name="invoice_edit"),
    path("invoices/<int:pk>/credit-note/", credit_note_create_view, name="credit_note_create"),
    path("invoices/<int:pk>/<str:action>/", invoice_action_view, name="invoice_action"),
]
