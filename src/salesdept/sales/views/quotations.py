"""Pages of quotations 报价 (S2): the list (filters incl. expired, sort, export), the detail with
lines, totals, tax and the revision history, the form with its inline lines, the actions (send,
revise, accept, reject, cancel) and the PDF in Chinese or English. Thin: reads through
selectors.quotations, writes through services.quotations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from salesdept.core.errors import DomainError
from salesdept.core.exports import Column
from salesdept.core.listing import list_page
from salesdept.crm.forms_feedback import show_refusal
from salesdept.crm.views.feedback import responsive_headers

from ..filters_quotations import QuotationFilter
from ..forms_quotations import QuotationForm, QuotationLineFormSet, VersionForm, active_products
from ..models import Quotation
from ..selectors import quotations as selectors
from ..services import quotations as services

FILTERS = ("q", "status", "customer", "owner", "date_from", "date_to", "current")
STATUS_COLOURS = {
    "draft": "secondary",
    "sent": "primary",
    "accepted": "success",
    "rejected": "danger",
    "superseded": "light",
    "cancelled": "dark",
}
ACTIONS = {
    "send": (services.quotation_send, _("%(number)s was sent.")),
    "accept": (services.quotation_accept, _("%(number)s was accepted.")),
    "reject": (services.quotation_reject, _("%(number)s was rejected.")),
    "cancel": (services.quotation_cancel, _("%(number)s was cancelled.")),
    "revise": (services.quotation_revise, _("Revision %(number)s was created.")),
}

COLUMNS = [
    Column("number", _("Number")),
    Column("revision", _("Revision")),
    Column("customer.name", _("Customer")),
    Column("quoted_on", _("Date")),
    Column("valid_until", _("Valid until")),
    Column("status", _("Status"), lambda x: x.get_status_display()),
    Column("expired", _("Expired"), lambda x: bool(x.expired)),
    Column("total_amount", _("Total")),
    Column("owner", _("Salesperson"), lambda x: str(x.owner)),
    Column("channel", _("Channel"), lambda x: x.get_channel_display()),
]


def decorate(quotation: Quotation) -> Quotation:
    quotation.status_colour = STATUS_COLOURS.get(quotation.status, "secondary")
    return quotation


@login_required
@permission_required("sales.view_quotation", raise_exception=True)
def quotation_list_view(request):
    """Quotations in scope: search, filters (status incl. expired), sortable columns, 50 a page,
    Export CSV/XLSX of the same rows."""
    return list_page(
        request,
        rows=lambda: selectors.quotation_list(user=request.user, filters=request.GET),
        empty=Quotation.objects.none(),
        form=QuotationFilter(request.GET or None).form,
        filters=FILTERS,
        columns=COLUMNS,
        export_name="quotations",
        export_title=str(_("Quotations")),
        template="sales/quotation_list.html",
        decorate=decorate,
        context={
            "can_add": request.user.has_perm("sales.add_quotation"),
            "headers": responsive_headers(
                request,
                [
                    ("number", _("Number"), ""),
                    ("customer", _("Customer"), "d-none d-md-table-cell"),
                    ("quoted_on", _("Date"), "d-none d-sm-table-cell"),
                    ("valid_until", _("Valid until"), "d-none d-lg-table-cell"),
                    ("total_amount", _("Total"), "text-end"),
                    ("status", _("Status"), ""),
                ],
                default="-quoted_on",
            ),
        },
    )


def _product_prices() -> dict:
    return {
        str(p.pk): {"price": str(p.list_price), "tax": str(p.tax_rate), "uom": p.uom}
        for p in active_products().only("pk", "list_price", "tax_rate", "uom")
    }


def _form_page(request, *, form, formset, quotation=None, status=200):
    return render(
        request,
        "sales/quotation_form.html",
        {"form": form, "formset": formset, "quotation": quotation, "prices": _product_prices()},
        status=status,
    )


def _save(request, *, quotation=None):
    form = QuotationForm(request.POST, user=request.user)
    formset = QuotationLineFormSet(request.POST, prefix="lines")
    if form.is_valid() and formset.is_valid():
        lines = [f.line() for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        kwargs = form.service_kwargs()
        try:
            if quotation is None:
                kwargs.pop("version", None)
                saved = services.quotation_create(by=request.user, lines=lines, **kwargs)
            else:
                saved = services.quotation_update(
                    by=request.user, quotation_id=quotation.pk, lines=lines, **kwargs
                )
        except DomainError as exc:
            show_refusal(form, exc)
            return _form_page(request, form=form, formset=formset, quotation=quotation, status=exc.status)
        messages.success(request, _("%(number)s was saved.") % {"number": saved.number})
        return redirect("sales:quotation_detail", pk=saved.pk)
    return _form_page(request, form=form, formset=formset, quotation=quotation, status=400)


@login_required
@permission_required("sales.add_quotation", raise_exception=True)
def quotation_create_view(request):
    """A new draft quotation; ?customer=ID preselects the customer."""
    if request.method == "POST":
        return _save(request)
    initial = {}
    if (customer := request.GET.get("customer", "")).isdigit():
        initial["customer"] = int(customer)
    form = QuotationForm(initial=initial, user=request.user)
    formset = QuotationLineFormSet(prefix="lines", initial=[{"quantity": 1, "discount": 0}])
    return _form_page(request, form=form, formset=formset)


@login_required
@permission_required("sales.change_quotation", raise_exception=True)
def quotation_edit_view(request, pk: int):
    """Change a draft (the newest revision); anything else is read-only."""
    quotation = selectors.quotation_get(user=request.user, quotation_id=pk)
    if "edit" not in services.quotation_allowed_actions(quotation, request.user):
        messages.info(request, _("This quotation can no longer be changed. Revise it instead."))
        return redirect("sales:quotation_detail", pk=pk)
    if request.method == "POST":
        return _save(request, quotation=quotation)
    initial = {
        "customer": quotation.customer_id,
        "channel": quotation.channel,
        "quoted_on": quotation.quoted_on,
        "valid_until": quotation.valid_until,
        "language": quotation.language,
        "payment_terms": quotation.payment_terms,
        "delivery_terms": quotation.delivery_terms,
        "terms": quotation.terms,
        "notes": quotation.notes,
        "owner": quotation.owner_id,
        "version": quotation.version,
    }
    lines = [
        {
            "product": line.product_id,
            "quantity": line.quantity,
            "discount": line.discount,
            "description": line.description,
        }
        for line in quotation.lines.all()
    ]
    form = QuotationForm(initial=initial, user=request.user)
    formset = QuotationLineFormSet(prefix="lines", initial=lines)
    return _form_page(request, form=form, formset=formset, quotation=decorate(quotation))


def _history(quotation: Quotation) -> list:
    """Who changed the quotation when (auditlog), newest first."""
    try:
        from auditlog.models import LogEntry
    except ImportError:  # pragma: no cover
        return []
    entries = LogEntry.objects.get_for_object(quotation).select_related("actor").order_by("-timestamp")[:20]
    rows = []
    for entry in entries:
        changes = entry.changes_dict if hasattr(entry, "changes_dict") else {}
        status = changes.get("status")
        labels = dict(Quotation.Status.choices)
        rows.append(
            {
                "at": entry.timestamp,
                "actor": entry.actor,
                "action": entry.get_action_display(),
                "status": status[1] if status else "",
                "status_label": labels.get(status[1], status[1]) if status else "",
            }
        )
    return rows


def _detail(request, quotation: Quotation, *, status: int = 200):
    return render(
        request,
        "sales/quotation_detail.html",
        {
            "quotation": decorate(quotation),
            "actions": services.quotation_allowed_actions(quotation, request.user),
            "totals": selectors.quotation_totals(quotation),
            "revisions": [
                decorate(r) for r in selectors.quotation_revisions(user=request.user, quotation=quotation)
            ],
            "history": _history(quotation),
            "version_form": VersionForm(initial={"version": quotation.version}),
        },
        status=status,
    )


@login_required
@permission_required("sales.view_quotation", raise_exception=True)
def quotation_detail_view(request, pk: int):
    """One quotation: header, lines, totals with tax, revisions, history and the actions."""
    return _detail(request, selectors.quotation_get(user=request.user, quotation_id=pk))


@login_required
@permission_required("sales.change_quotation", raise_exception=True)
@require_POST
def quotation_action_view(request, pk: int, action: str):
    """POST: send, accept, reject, cancel or revise (409 with the reason when refused)."""
    if action not in ACTIONS:
        return HttpResponseBadRequest(_("Unknown action."))
    service, message = ACTIONS[action]
    form = VersionForm(request.POST)
    form.is_valid()
    try:
        result = service(by=request.user, quotation_id=pk, version=form.cleaned_data.get("version"))
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail(
            request, selectors.quotation_get(user=request.user, quotation_id=pk), status=exc.status
        )
    messages.success(request, message % {"number": result.number})
    return redirect("sales:quotation_detail", pk=result.pk)


def pdf_for(request, quotation: Quotation, lang: str | None):
    """The PDF response of `quotation` (page and API), in `lang` or the quotation's language."""
    from salesdept.core.pdf import pdf_response, render_pdf

    from ..services.quotations import amount_in_chinese

    language = lang if lang in ("zh-hans", "en") else quotation.language
    context = {
        "quotation": quotation,
        "lines": list(quotation.lines.all()),
        "totals": selectors.quotation_totals(quotation),
        "amount_words": amount_in_chinese(quotation.total_amount),
        "customer": quotation.customer,
        "contact": quotation.customer.contacts.filter(is_active=True).order_by("-is_primary", "pk").first()
        if hasattr(quotation.customer, "contacts")
        else None,
        "title": quotation.number,
        "zh": language == "zh-hans",
    }
    pdf = render_pdf("pdf/quotation.html", context, language=language)
    return pdf_response(pdf, f"{quotation.number}.pdf")


@login_required
@permission_required("sales.view_quotation", raise_exception=True)
@require_GET
def quotation_pdf_view(request, pk: int):
    """The quotation as PDF (?lang=zh-hans|en; default its print language)."""
    return pdf_for(
        request, selectors.quotation_get(user=request.user, quotation_id=pk), request.GET.get("lang")
    )


urlpatterns = [
    path("quotations/", quotation_list_view, name="quotation_list"),
    path("quotations/new/", quotation_create_view, name="quotation_create"),
    path("quotations/<int:pk>/", quotation_detail_view, name="quotation_detail"),
    path("quotations/<int:pk>/edit/", quotation_edit_view, name="quotation_edit"),
    path("quotations/<int:pk>/pdf/", quotation_pdf_view, name="quotation_pdf"),
    path("quotations/<int:pk>/<slug:action>/", quotation_action_view, name="quotation_action"),
]
