"""Pages of stocktakes 盘点 (W3): the list (filters, sort, export), starting a count (spot,
cycle, full), the detail with its lines and review buttons, the count-entry page (one input per
line, Tab moves down the counted column), goods found, the variance report (export) and the
cycle-count proposal; the count sheet PDF (blind unless ?book=1). Thin: reads through
selectors.stocktakes, writes through services.stocktakes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from salesdept.core.errors import DomainError
from salesdept.core.exports import Column, export_response
from salesdept.core.listing import list_page
from salesdept.core.pdf import pdf_response
from salesdept.core.templatetags.salesdept import ACTION_STYLES, CONFIRM, action_label
from salesdept.crm.forms_feedback import show_refusal
from salesdept.crm.views.feedback import responsive_headers

from ..filters_stocktakes import StocktakeFilter
from ..forms_stocktakes import FoundLineForm, ProposalForm, StocktakeCreateForm
from ..models import Stocktake
from ..selectors import stocktakes as selectors
from ..services import stocktakes as services

FILTERS = ("q", "status", "kind", "warehouse", "date_from", "date_to")

COLUMNS = [
    Column("number", _("Number")),
    Column("kind", _("Kind"), lambda x: x.get_kind_display()),
    Column("warehouse", _("Warehouse"), lambda x: str(x.warehouse)),
    Column("location", _("Location"), lambda x: str(x.location) if x.location_id else ""),
    Column("counted_on", _("Count date")),
    Column("status", _("Status"), lambda x: x.get_status_display()),
    Column("line_count", _("Lines")),
    Column("counted_count", _("Counted")),
    Column("variance_count", _("Lines with a variance")),
    Column("prepared_by", _("Prepared by"), lambda x: str(x.prepared_by)),
    Column("adjustment", _("Variance posting"), lambda x: x.adjustment.number if x.adjustment_id else ""),
]
VARIANCE_COLUMNS = [
    Column("location.code", _("Location")),
    Column("product.code", _("Product code")),
    Column("product.name", _("Product")),
    Column("lot", _("Lot / serial number")),
    Column("quality", _("Quality"), lambda x: x.get_quality_display()),
    Column("book_quantity", _("Book quantity")),
    Column("counted_quantity", _("Counted quantity")),
    Column("variance", _("Variance")),
    Column("unit_cost", _("Average cost")),
    Column("variance_value", _("Variance value")),
    Column("counted_by", _("Counted by"), lambda x: str(x.counted_by) if x.counted_by_id else ""),
    Column("note", _("Note")),
]
ACTION_DONE = {
    "submit": _("The stocktake was submitted for review."),
    "approve": _("The variance was approved."),
    "reject": _("The stocktake was sent back to count again."),
    "cancel": _("The stocktake was cancelled."),
}
ACTIONS = {
    "submit": services.stocktake_submit,
    "approve": services.stocktake_approve,
    "reject": services.stocktake_reject,
    "cancel": services.stocktake_cancel,
}


@login_required
@permission_required("warehouse.view_stocktake", raise_exception=True)
def stocktake_list_view(request):
    """Stocktakes: search, filters, sortable columns, 50 a page, Export CSV/XLSX."""
    return list_page(
        request,
        rows=lambda: selectors.stocktake_list(user=request.user, filters=request.GET),
        empty=Stocktake.objects.none(),
        form=StocktakeFilter(request.GET or None).form,
        filters=FILTERS,
        columns=COLUMNS,
        export_name="stocktakes",
        export_title=str(_("Stocktakes")),
        template="warehouse/stocktake_list.html",
        context={
            "can_add": request.user.has_perm("warehouse.add_stocktake"),
            "headers": responsive_headers(
                request,
                [
                    ("number", _("Number"), ""),
                    ("kind", _("Kind"), "d-none d-sm-table-cell"),
                    ("warehouse", _("Warehouse"), "d-none d-md-table-cell"),
                    ("counted_on", _("Count date"), "d-none d-sm-table-cell"),
                    ("status", _("Status"), ""),
                ],
                default="-counted_on",
            ),
        },
    )


@login_required
@permission_required("warehouse.add_stocktake", raise_exception=True)
def stocktake_create_view(request):
    """Start a stocktake; ?kind=spot&product=ID&warehouse=ID preselects."""
    if request.method == "POST":
        form = StocktakeCreateForm(request.POST)
        if form.is_valid():
            try:
                stocktake = services.stocktake_create(by=request.user, **form.service_kwargs())
            except DomainError as exc:
                fields = {("product" if k.startswith("products") else k): v for k, v in exc.fields.items()}
                show_refusal(form, DomainError(exc.code, exc.message, fields=fields))
                return render(request, "warehouse/stocktake_form.html", {"form": form}, status=exc.status)
            messages.success(
                request, _("%(number)s was started: count the lines.") % {"number": stocktake.number}
            )
            return redirect("warehouse:stocktake_count", pk=stocktake.pk)
        return render(request, "warehouse/stocktake_form.html", {"form": form}, status=400)
    initial = {k: request.GET[k] for k in ("kind", "warehouse", "product", "location") if request.GET.get(k)}
    return render(request, "warehouse/stocktake_form.html", {"form": StocktakeCreateForm(initial=initial)})


def _review_buttons(stocktake, user) -> list[dict]:
    """The review buttons of the page: the services' own list (no "approve" for a counter)."""
    buttons = []
    for name in services.stocktake_allowed_actions(stocktake, user):
        if name not in ACTIONS:
            continue
        buttons.append(
            {
                "name": name,
                "label": action_label(stocktake, name),
                "style": ACTION_STYLES.get(name, "btn-outline-primary"),
                "needs_reason": stocktake.TRANSITIONS[name].needs_reason,
                "confirm": CONFIRM if name == "cancel" else "",
                "url": f"{stocktake.get_absolute_url().rstrip('/')}/{name}/",
            }
        )
    return buttons


def _show_book(request, stocktake) -> bool:
    """Book quantities are shown once the count is submitted, or on request (?book=1) to those
    who may read the book; while counting the page stays blind."""
    if not request.user.has_perm("warehouse.view_stock"):
        return False
    return stocktake.status not in stocktake.EDITABLE_STATES or bool(request.GET.get("book"))


def _detail(request, stocktake, *, status: int = 200, found_form=None):
    lines = list(stocktake.lines.all())
    return render(
        request,
        "warehouse/stocktake_detail.html",
        {
            "stocktake": stocktake,
            "lines": lines,
            "counted": sum(1 for x in lines if x.counted_quantity is not None),
            "variances": sum(1 for x in lines if x.variance),
            "show_book": _show_book(request, stocktake),
            "actions": services.stocktake_allowed_actions(stocktake, request.user),
            "review": _review_buttons(stocktake, request.user),
            "prefix": f"stocktake-{stocktake.pk}",
            "found_form": found_form,
        },
        status=status,
    )


@login_required
@permission_required("warehouse.view_stocktake", raise_exception=True)
def stocktake_detail_view(request, pk: int):
    return _detail(request, selectors.stocktake_get(user=request.user, stocktake_id=pk))


def _count_page(request, stocktake, *, errors=None, values=None, found_form=None, status=200):
    lines = list(stocktake.lines.all())
    values = values or {}
    for index, line in enumerate(lines):
        line.index = index
        line.error = (errors or {}).get(line.pk)
        line.entered = values.get(
            line.pk, "" if line.counted_quantity is None else line.counted_quantity.normalize()
        )
    return render(
        request,
        "warehouse/stocktake_count.html",
        {
            "stocktake": stocktake,
            "lines": lines,
            "show_book": bool(request.GET.get("book")) and request.user.has_perm("warehouse.view_stock"),
            "found_form": found_form
            or FoundLineForm(stocktake=stocktake, initial={"version": stocktake.version}),
        },
        status=status,
    )


@login_required
@permission_required("warehouse.change_stocktake", raise_exception=True)
def stocktake_count_view(request, pk: int):
    """GET: the count-entry page. POST: save every counted input (`counted_<line id>`, empty
    clears it) and, with `submit`, submit the stocktake for review."""
    stocktake = selectors.stocktake_get(user=request.user, stocktake_id=pk)
    if stocktake.status not in stocktake.EDITABLE_STATES:
        messages.info(request, _("This stocktake is no longer being counted."))
        return redirect("warehouse:stocktake_detail", pk=pk)
    if request.method != "POST":
        return _count_page(request, stocktake)
    lines = list(stocktake.lines.all())
    counts, values = [], {}
    for line in lines:
        key = f"counted_{line.pk}"
        if key not in request.POST:
            continue
        raw = request.POST[key].strip()
        values[line.pk] = raw
        row = {"line": line.pk, "counted_quantity": raw or None}
        if f"note_{line.pk}" in request.POST:
            row["note"] = request.POST[f"note_{line.pk}"]
        counts.append(row)
    try:
        services.stocktake_count(
            by=request.user, stocktake_id=pk, counts=counts, version=request.POST.get("version") or None
        )
        if request.POST.get("submit"):
            services.stocktake_submit(by=request.user, stocktake_id=pk)
    except DomainError as exc:
        errors = {}
        for name, message in exc.fields.items():
            parts = name.split(".")
            if len(parts) >= 2 and parts[1].isdigit():
                position = int(parts[1])
                source = counts if parts[0] == "counts" else [{"line": x.pk} for x in lines]
                if position < len(source):
                    errors[source[position]["line"]] = message
        messages.error(request, exc.message)
        stocktake = selectors.stocktake_get(user=request.user, stocktake_id=pk)
        return _count_page(request, stocktake, errors=errors, values=values, status=exc.status)
    if request.POST.get("submit"):
        messages.success(request, ACTION_DONE["submit"])
        return redirect("warehouse:stocktake_detail", pk=pk)
    messages.success(request, _("The counts were saved."))
    return redirect("warehouse:stocktake_count", pk=pk)


@login_required
@permission_required("warehouse.change_stocktake", raise_exception=True)
@require_POST
def stocktake_add_line_view(request, pk: int):
    """POST: goods found where the book has none."""
    stocktake = selectors.stocktake_get(user=request.user, stocktake_id=pk)
    form = FoundLineForm(request.POST, stocktake=stocktake)
    if form.is_valid():
        try:
            services.stocktake_add_line(by=request.user, stocktake_id=pk, **form.service_kwargs())
        except DomainError as exc:
            show_refusal(form, exc)
            messages.error(request, exc.message)
            return _count_page(request, stocktake, found_form=form, status=exc.status)
        messages.success(request, _("The line was added."))
        return redirect("warehouse:stocktake_count", pk=pk)
    return _count_page(request, stocktake, found_form=form, status=400)


@login_required
@require_POST
def stocktake_action_view(request, pk: int, action: str):
    """POST: submit, approve (a second person who did not count), reject (with a reason), cancel."""
    if action not in ACTIONS:
        raise Http404
    try:
        ACTIONS[action](by=request.user, stocktake_id=pk, note=request.POST.get("note", ""))
    except PermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        for message in exc.fields.values():
            if str(message) != str(exc.message):
                messages.error(request, message)
        return _detail(
            request, selectors.stocktake_get(user=request.user, stocktake_id=pk), status=exc.status
        )
    messages.success(request, ACTION_DONE[action])
    return redirect("warehouse:stocktake_detail", pk=pk)


@login_required
@permission_required("warehouse.view_stocktake", raise_exception=True)
def stocktake_variance_view(request, pk: int):
    """The variance report; ?format=csv|xlsx exports its lines."""
    report = selectors.variance_report(user=request.user, stocktake_id=pk, sort=request.GET.get("sort"))
    if fmt := request.GET.get("format"):
        try:
            return export_response(
                report["rows"],
                VARIANCE_COLUMNS,
                filename=f"variance-{report['stocktake'].number}",
                fmt=fmt,
                title=str(_("Variance report")),
            )
        except DomainError as exc:
            return HttpResponseBadRequest(exc.message)
    headers = responsive_headers(
        request,
        [
            ("location", _("Location"), ""),
            ("product", _("Product"), ""),
            ("variance", _("Variance"), "text-end"),
            ("value", _("Value"), "text-end"),
        ],
        default="location",
    )
    return render(request, "warehouse/stocktake_variance.html", {**report, "headers": headers})


@login_required
@permission_required("warehouse.view_stocktake", raise_exception=True)
def stocktake_sheet_view(request, pk: int):
    """The count sheet PDF in ?lang=zh-hans|en (default: the page's language); ?book=1 adds the
    book quantities (keeper's copy)."""
    lang = request.GET.get("lang")
    if lang not in (None, "zh-hans", "en"):
        lang = None
    pdf = selectors.count_sheet_pdf(
        user=request.user, stocktake_id=pk, language=lang, show_book=bool(request.GET.get("book"))
    )
    stocktake = selectors.stocktake_get(user=request.user, stocktake_id=pk)
    return pdf_response(pdf, f"{stocktake.number} {_('Count sheet')}.pdf")


@login_required
@permission_required("warehouse.view_stocktake", raise_exception=True)
def stocktake_proposal_view(request):
    """This week's cycle count of a warehouse, with a button to start it."""
    form = ProposalForm(request.GET or None)
    proposal = None
    if form.is_bound and form.is_valid():
        proposal = selectors.proposal(
            user=request.user, warehouse_id=form.cleaned_data["warehouse"].pk, on=form.cleaned_data.get("on")
        )
    elif not form.is_bound:
        first = form.fields["warehouse"].queryset.first()
        if first is not None:
            form = ProposalForm(initial={"warehouse": first.pk, "on": timezone.localdate()})
            proposal = selectors.proposal(user=request.user, warehouse_id=first.pk)
    return render(
        request,
        "warehouse/stocktake_proposal.html",
        {"form": form, "proposal": proposal, "can_add": request.user.has_perm("warehouse.add_stocktake")},
        status=400 if form.is_bound and form.errors else 200,
    )


urlpatterns = [
    path("stocktakes/", stocktake_list_view, name="stocktake_list"),
    path("stocktakes/new/", stocktake_create_view, name="stocktake_create"),
    path("stocktakes/cycle/", stocktake_proposal_view, name="stocktake_proposal"),
    path("stocktakes/<int:pk>/", stocktake_detail_view, name="stocktake_detail"),
    path("stocktakes/<int:pk>/count/", stocktake_count_view, name="stocktake_count"),
    path("stocktakes/<int:pk>/lines/", stocktake_add_line_view, name="stocktake_add_line"),
    path("stocktakes/<int:pk>/variance/", stocktake_variance_view, name="stocktake_variance"),
    path("stocktakes/<int:pk>/sheet/", stocktake_sheet_view, name="stocktake_sheet"),
    path("stocktakes/<int:pk>/<slug:action>/", stocktake_action_view, name="stocktake_action"),
]
