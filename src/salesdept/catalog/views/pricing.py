"""Pages of the price policy: discount authority and price approvals 事前请示 (S1)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from salesdept.accounts.roles import ROLES
from salesdept.accounts.scope import visible
from salesdept.core.errors import DomainError
from salesdept.core.exports import Column, export_response

from ..forms import STATUS_COLOURS, DecideForm, DiscountAuthorityForm, PriceRequestForm, show_refusal
from ..models import PriceApproval
from ..pricing import authority_of, judge_lines
from ..selectors import pricing as selectors
from ..services import pricing as services


def _role_label(role: str) -> str:
    return str(ROLES[role].label) if role in ROLES else role


@login_required
@permission_required("catalog.view_discountauthority", raise_exception=True)
def discount_authority_view(request):
    """How far each role may go below the price on its own; the director and the administrator
    change it here (one row at a time)."""
    can_edit = request.user.has_perm("catalog.change_discountauthority")
    errors: dict[str, DiscountAuthorityForm] = {}
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = DiscountAuthorityForm(request.POST, auto_id=f"id_{request.POST.get('role', '')}_%s")
        if form.is_valid():
            try:
                row = services.discount_authority_update(
                    by=request.user,
                    role=form.cleaned_data["role"],
                    max_discount=form.cleaned_data["max_discount"],
                    below_floor=form.cleaned_data["below_floor"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
                for message in exc.fields.values():
                    form.add_error(None, str(message))
            else:
                messages.success(
                    request,
                    _("%(role)s may now give up to %(limit)s %% off.")
                    % {"role": _role_label(row.role), "limit": row.max_discount},
                )
                return redirect("catalog:discount_authority")
        errors[request.POST.get("role", "")] = form
    rows = []
    for row in selectors.discount_authority_list(user=request.user):
        form = errors.get(row.role) or DiscountAuthorityForm(
            initial={"role": row.role, "max_discount": row.max_discount, "below_floor": row.below_floor},
            auto_id=f"id_{row.role}_%s",
        )
        rows.append({"row": row, "label": _role_label(row.role), "form": form})
    mine = authority_of(request.user)
    return render(
        request,
        "catalog/discount_authority.html",
        {"rows": rows, "can_edit": can_edit, "mine": mine},
        status=400 if errors else 200,
    )


APPROVAL_COLUMNS = [
    Column("id", _("Number")),
    Column("document", _("Document"), lambda a: str(a.document) if a.document is not None else ""),
    Column("discount", _("Discount asked (%)")),
    Column("below_floor", _("Under the floor price")),
    Column("reason", _("Reason")),
    Column("status", _("Status"), lambda a: a.get_status_display()),
    Column("requested_by", _("Requested by"), lambda a: str(a.requested_by)),
    Column("requested_at", _("Requested at")),
    Column("decided_by", _("Decided by"), lambda a: str(a.decided_by) if a.decided_by_id else ""),
    Column("decided_at", _("Decided at")),
    Column("decision_note", _("Decision note")),
]


def _decorate(approval: PriceApproval) -> PriceApproval:
    approval.status_colour = STATUS_COLOURS.get(approval.status, "secondary")
    doc = approval.document
    approval.doc_label = str(doc) if doc is not None else f"#{approval.object_id}"
    approval.doc_url = _document_url(doc) if doc is not None else ""
    return approval


@login_required
@permission_required("catalog.view_priceapproval", raise_exception=True)
def price_approval_list_view(request):
    """Two lists: requests waiting for my decision (with approve / reject) and my own requests
    (with withdraw while pending). ?format=csv|xlsx exports my requests and those to decide."""
    to_decide = list(selectors.approvals_to_decide(request.user)[:200])
    mine = list(selectors.my_approval_requests(request.user)[:200])
    if fmt := request.GET.get("format"):
        try:
            return export_response(
                to_decide + mine, APPROVAL_COLUMNS, filename="price-approvals", fmt=fmt,
                title=str(_("Price approvals")),
            )  # fmt: skip
        except DomainError as exc:
            return HttpResponseBadRequest(exc.message)
    for approval in to_decide + mine:
        _decorate(approval)
    return render(
        request,
        "catalog/price_approval_list.html",
        {
            "to_decide": to_decide,
            "mine": mine,
            "can_decide": request.user.has_perm("catalog.decide_priceapproval"),
            "authority": authority_of(request.user),
        },
    )


@login_required
@permission_required("catalog.decide_priceapproval", raise_exception=True)
@require_POST
def price_approval_decide_view(request, pk: int):
    form = DecideForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("catalog:price_approval_list")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.price_approval_decide(
            by=request.user, approval_id=pk, approve=approve, note=form.cleaned_data.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, " ".join([str(exc.message), *map(str, exc.fields.values())]))
    else:
        messages.success(
            request, _("The request was approved.") if approve else _("The request was rejected.")
        )
    return redirect("catalog:price_approval_list")


@login_required
@permission_required("catalog.add_priceapproval", raise_exception=True)
@require_POST
def price_approval_withdraw_view(request, pk: int):
    try:
        services.price_approval_withdraw(by=request.user, approval_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The request was withdrawn."))
    return redirect("catalog:price_approval_list")


DOCUMENT_MODELS = {
    "quotation": "sales.Quotation",
    "contract": "sales.Contract",
    "salesorder": "sales.SalesOrder",
}


def document_of(document_type: str, document_id: int, user):
    """The sales document (quotation, contract, salesorder) `user` may see, else 404."""
    from django.apps import apps

    if document_type not in DOCUMENT_MODELS:
        raise Http404
    model = apps.get_model(DOCUMENT_MODELS[document_type])
    return get_object_or_404(visible(model.objects, user), pk=document_id)


@login_required
@permission_required("catalog.add_priceapproval", raise_exception=True)
def price_approval_request_view(request, document_type: str, document_id: int):
    """Ask for a price approval of a document (事前请示): shows which lines go beyond your own
    authority or under the floor, with the discount asked prefilled. Documents link here with
    reverse("catalog:price_approval_request", args=["quotation", pk])."""
    doc = document_of(document_type, document_id, request.user)
    lines = list(doc.lines.select_related("product")) if hasattr(doc, "lines") else []
    issues = judge_lines(request.user, lines)
    suggested = max((i.discount for i in issues if i.kind == "over_authority"), default=None)
    form = PriceRequestForm(
        request.POST or None,
        initial={"discount": suggested, "below_floor": any(i.kind == "under_floor" for i in issues)},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.price_approval_request(by=request.user, doc=doc, **form.cleaned_data)
            except DomainError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Your price request was sent."))
                return redirect("catalog:price_approval_list")
        status = 400
    return render(
        request,
        "catalog/price_approval_request.html",
        {
            "doc": doc,
            "doc_url": _document_url(doc),
            "issues": issues,
            "form": form,
            "authority": authority_of(request.user),
        },
        status=status,
    )


def _document_url(doc) -> str:
    try:
        return doc.get_absolute_url()
    except (AttributeError, NoReverseMatch):
        return ""


urlpatterns = [
    path(
        "price-approvals/new/<str:document_type>/<int:document_id>/",
        price_approval_request_view,
        name="price_approval_request",
    ),
    path("discount-authority/", discount_authority_view, name="discount_authority"),
    path("price-approvals/", price_approval_list_view, name="price_approval_list"),
    path("price-approvals/<int:pk>/decide/", price_approval_decide_view, name="price_approval_decide"),
    path("price-approvals/<int:pk>/withdraw/", price_approval_withdraw_view, name="price_approval_withdraw"),
]
