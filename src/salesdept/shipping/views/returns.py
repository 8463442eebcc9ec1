"""Pages of returns 退货单 (F5): the list (search, status, sort, export), a new return of a
shipped shipment (?shipment=ID: its lines with what can still be returned, a quantity per line
and the reason), and the detail with the review actions (submit, approve and receive, send back
with a reason, cancel after confirming). Thin: reads through selectors.returns, writes through
services.returns."""

from decimal import Decimal, InvalidOperation

from django import forms
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

from ..models import ReturnAuthorisation, ReturnStatus
from ..selectors import returns as selectors
from ..services import returns as services

COLUMNS = [
    Column("number", _("Number")),
    Column("shipment.number", _("Shipment")),
    Column("order.number", _("Sales order")),
    Column("customer.name", _("Customer")),
    Column("amount", _("Amount")),
    Column("received_on", _("Received on")),
    Column("status", _("Status"), lambda r: r.get_status_display()),
]
BUTTONS = {
    "submit": (pgettext_lazy("document action", "Submit for review"), "btn-primary"),
    "approve": (pgettext_lazy("document action", "Approve and receive"), "btn-success"),
    "reject": (pgettext_lazy("document action", "Send back"), "btn-outline-danger"),
    "cancel": (pgettext_lazy("document action", "Cancel document"), "btn-outline-secondary"),
}
CONFIRM = {
    "cancel": _("Cancel this return? This cannot be undone."),
    "approve": _("Approve this return? The goods are received back into stock, pending inspection."),
}
DONE = {
    "submit": _("%(number)s was submitted for review."),
    "approve": _("%(number)s was approved."),
    "reject": _("%(number)s was sent back."),
    "cancel": _("%(number)s was cancelled."),
}


class ReturnFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + list(ReturnStatus.choices)
    )


@login_required
@permission_required("shipping.view_returnauthorisation", raise_exception=True)
def return_list_view(request):
    return list_page(
        request,
        rows=lambda: selectors.return_list(user=request.user, filters=request.GET),
        empty=ReturnAuthorisation.objects.none(),
        form=ReturnFilterForm(request.GET or None),
        filters=("q", "status"),
        columns=COLUMNS,
        export_name="returns",
        export_title=str(_("Returns")),
        template="shipping/return_list.html",
    )


def _detail(request, authorisation: ReturnAuthorisation, *, status: int = 200):
    actions = services.return_allowed_actions(authorisation, request.user)
    return render(
        request,
        "shipping/return_detail.html",
        {
            "authorisation": authorisation,
            "lines": selectors.return_lines(authorisation),
            "buttons": [
                {
                    "name": name,
                    "label": BUTTONS[name][0],
                    "style": BUTTONS[name][1],
                    "confirm": CONFIRM.get(name, ""),
                    "needs_reason": name == "reject",
                }
                for name in actions
                if name in BUTTONS
            ],
        },
        status=status,
    )


@login_required
@permission_required("shipping.view_returnauthorisation", raise_exception=True)
def return_detail_view(request, pk: int):
    return _detail(request, selectors.return_get(user=request.user, return_id=pk))


@login_required
@require_POST
def return_action_view(request, pk: int, action: str):
    if action not in BUTTONS:
        raise Http404
    authorisation = selectors.return_get(user=request.user, return_id=pk)
    try:
        getattr(services, f"return_{action}")(
            by=request.user, return_id=pk, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail(request, selectors.return_get(user=request.user, return_id=pk), status=exc.status)
    messages.success(request, DONE[action] % {"number": authorisation.number})
    return redirect("shipping:return_detail", pk=pk)


def _posted_lines(request, rows: list[dict]) -> list[dict]:
    out = []
    for row in rows:
        raw = (request.POST.get(f"qty-{row['shipment_line']}") or "").strip()
        if not raw:
            continue
        try:
            quantity = Decimal(raw)
        except InvalidOperation:
            quantity = raw  # the service names the field
        if quantity == 0:
            continue
        out.append({"shipment_line": row["shipment_line"], "quantity": quantity})
    return out


@login_required
@permission_required("shipping.add_returnauthorisation", raise_exception=True)
def return_create_view(request):
    """GET ?shipment=ID: the returnable lines; POST: a draft return of them."""
    try:
        shipment_id = int(request.GET.get("shipment") or request.POST.get("shipment") or "")
    except ValueError:
        raise Http404 from None
    shipment, rows = selectors.returnable_lines(user=request.user, shipment_id=shipment_id)
    errors, reason = {}, ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        lines = _posted_lines(request, rows)
        try:
            authorisation = services.return_create(
                by=request.user, shipment_id=shipment.pk, data={"reason": reason, "lines": lines}
            )
        except DomainError as exc:
            errors = {str(k): v for k, v in exc.fields.items()} or {"form": exc.message}
            # a line error names lines.N (N: the N-th line sent): show it beside that input
            for index, line in enumerate(lines, start=1):
                for key in (f"lines.{index}.quantity", f"lines.{index}.shipment_line"):
                    if key in errors:
                        errors[f"qty-{line['shipment_line']}"] = errors.pop(key)
            messages.error(request, exc.message)
            for row in rows:
                row["error"] = errors.get(f"qty-{row['shipment_line']}")
                row["value"] = request.POST.get(f"qty-{row['shipment_line']}", "")
            return render(
                request,
                "shipping/return_form.html",
                {"shipment": shipment, "rows": rows, "errors": errors, "reason": reason},
                status=exc.status,
            )
        messages.success(request, _("Return %(number)s was drafted.") % {"number": authorisation.number})
        return redirect("shipping:return_detail", pk=authorisation.pk)
    return render(
        request, "shipping/return_form.html", {"shipment": shipment, "rows": rows, "errors": errors}
    )


urlpatterns = [
    path("returns/", return_list_view, name="return_list"),
    path("returns/new/", return_create_view, name="return_create"),
    path("returns/<int:pk>/", return_detail_view, name="return_detail"),
    path("returns/<int:pk>/<str:action>/", return_action_view, name="return_action"),
]
