"""Pages of leads and opportunities (C2): the lead list with its funnel strip, a lead's page
(data, stage history, move, win, follow-ups), lead entry, the visitor reception log and the
conversion-rate report (成交率). Thin: selectors read, services write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.exports import Column, export_response
from salesdept.core.pagination import Paginator

from ..filters_leads import LeadFilter, VisitFilter
from ..forms_leads import ConversionForm, LeadForm, LeadMoveForm, LeadWinForm, VisitForm
from ..models import Lead, LeadStage, Visit
from ..selectors import leads as selectors
from ..services import leads as services

PAGE_SIZE = 50
LEAD_FILTERS = ("q", "stage", "source", "owner", "region", "created_from", "created_to", "status")
VISIT_FILTERS = ("q", "received_by", "date_from", "date_to", "has_lead")

LEAD_COLUMNS = [
    Column("code", _("Lead number")),
    Column("name", _("Prospect")),
    Column("contact_name", _("Contact person")),
    Column("phone", _("Phone")),
    Column("email", _("Email")),
    Column("source", _("Source"), lambda lead: lead.get_source_display()),
    Column("stage", _("Stage"), lambda lead: str(lead.stage)),
    Column("expected_amount", _("Expected amount")),
    Column("expected_on", _("Expected closing date")),
    Column("owner", _("Salesperson"), lambda lead: str(lead.owner)),
    Column("region", _("Region"), lambda lead: str(lead.region)),
    Column("customer", _("Customer"), lambda lead: lead.customer.code if lead.customer_id else ""),
    Column("lost_reason", _("Lost reason")),
    Column("created_at", _("Created at")),
    Column("closed_at", _("Closed at")),
]
VISIT_COLUMNS = [
    Column("visited_at", _("Visited at")),
    Column("visitor_name", _("Visitor")),
    Column("company", _("Company")),
    Column("phone", _("Phone")),
    Column("people", _("Number of visitors")),
    Column("purpose", _("What they wanted")),
    Column("received_by", _("Received by"), lambda v: str(v.received_by)),
    Column("lead", _("Lead"), lambda v: v.lead.code if v.lead_id else ""),
    Column("notes", _("Notes")),
]
CONVERSION_COLUMNS = [
    Column("label", _("Group")),
    Column("period_label", _("Period")),
    Column("created", _("Created")),
    Column("won", _("Won")),
    Column("lost", _("Lost")),
    Column("open", _("Open")),
    Column("rate", _("Conversion rate (%)")),
]
# service field → form field, so an error shows next to the field the user filled in
FIELD_NAMES = {
    "region_id": "region",
    "owner_id": "owner",
    "received_by_id": "received_by",
    "lead_region_id": "lead_region",
    "customer_id": "customer_code",
}


def show_errors(form, exc: DomainError) -> None:
    """Put a service's refusal on the form: field messages next to their fields, the rest on top."""
    if not exc.fields:
        form.add_error(None, exc.message)
    for name, message in exc.fields.items():
        name = FIELD_NAMES.get(name, name)
        form.add_error(name if name in form.fields else None, message)


def _count_filters(request, names) -> int:
    return sum(1 for k in names if request.GET.get(k))


# --- leads -------------------------------------------------------------------------------------


@login_required
@permission_required("crm.view_lead", raise_exception=True)
def lead_list_view(request):
    """Leads in the user's scope with the funnel strip: search, filters, sortable, 50 a page."""
    filterset = LeadFilter(request.GET or None, queryset=Lead.objects.none(), user=request.user)
    try:
        leads = selectors.lead_list(user=request.user, filters=request.GET)
        funnel = selectors.stage_summary(user=request.user, filters=request.GET)
    except ValidationFailed:
        leads, funnel = Lead.objects.none(), []  # the filter card shows what is wrong
        filterset.is_valid()
    page = Paginator(leads, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    funnel_query = query.copy()
    funnel_query.pop("stage", None)
    return render(
        request,
        "crm/lead_list.html",
        {
            "form": filterset.form,
            "page_obj": page,
            "funnel": funnel,
            "current_stage": request.GET.get("stage", ""),
            "filtered": _count_filters(request, LEAD_FILTERS),
            "export_query": query.urlencode(),
            "funnel_query": funnel_query.urlencode(),
        },
    )


@login_required
@permission_required("crm.view_lead", raise_exception=True)
def lead_export_view(request):
    """The filtered lead list as CSV or XLSX: exactly the rows the list shows, every page."""
    try:
        rows = selectors.lead_list(user=request.user, filters=request.GET)
        return export_response(
            rows, LEAD_COLUMNS, filename="leads", fmt=request.GET.get("format"), title=str(_("Leads"))
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("crm:lead_list"))


def _detail_context(request, lead, move_form=None) -> dict:
    return {
        "lead": lead,
        "history": selectors.lead_history(user=request.user, lead_id=lead.pk),
        "activities": list(selectors.lead_activities(user=request.user, lead_id=lead.pk)[:20]),
        "visits": list(selectors.visit_list(user=request.user).filter(lead_id=lead.pk)[:20]),
        "move_form": move_form or LeadMoveForm(lead=lead),
        "is_won": lead.stage.outcome == LeadStage.Outcome.WON,
    }


@login_required
@permission_required("crm.view_lead", raise_exception=True)
def lead_detail_view(request, pk: int):
    lead = selectors.lead_get(user=request.user, lead_id=pk)
    return render(request, "crm/lead_detail.html", _detail_context(request, lead))


@login_required
@permission_required("crm.change_lead", raise_exception=True)
@require_POST
def lead_move_view(request, pk: int):
    """Move the lead to another stage; errors are shown on the lead's page (400, or 409 when
    someone else changed it meanwhile)."""
    lead = selectors.lead_get(user=request.user, lead_id=pk)
    form = LeadMoveForm(request.POST, lead=lead)
    status = 400
    if form.is_valid():
        try:
            services.lead_move(
                by=request.user,
                lead_id=pk,
                stage_code=form.cleaned_data["stage"],
                note=form.cleaned_data["note"],
                lost_reason=form.cleaned_data["lost_reason"],
                version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            show_errors(form, exc)
            status = exc.status
        else:
            messages.success(request, _("The lead was moved."))
            return redirect(reverse("crm:lead_detail", args=[pk]))
    lead = selectors.lead_get(user=request.user, lead_id=pk)
    return render(request, "crm/lead_detail.html", _detail_context(request, lead, form), status=status)


@login_required
@permission_required("crm.add_lead", raise_exception=True)
def lead_create_view(request):
    form = LeadForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_create(by=request.user, data=form.to_data())
        except DomainError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Lead %(code)s was created.") % {"code": lead.code})
            return redirect(reverse("crm:lead_detail", args=[lead.pk]))
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/lead_form.html", {"form": form, "lead": None}, status=status)


@login_required
@permission_required("crm.change_lead", raise_exception=True)
def lead_edit_view(request, pk: int):
    lead = selectors.lead_get(user=request.user, lead_id=pk)
    initial = {
        "name": lead.name,
        "contact_name": lead.contact_name,
        "phone": lead.phone,
        "email": lead.email,
        "source": lead.source,
        "expected_amount": lead.expected_amount,
        "expected_on": lead.expected_on,
        "owner": lead.owner_id,
        "region": lead.region_id,
        "notes": lead.notes,
        "version": lead.version,
    }
    form = LeadForm(request.POST or None, initial=initial, user=request.user, lead=lead)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.lead_update(
                    by=request.user, lead_id=pk, data=form.to_data(), version=form.cleaned_data["version"]
                )
            except DomainError as exc:
                show_errors(form, exc)
                status = exc.status
            else:
                messages.success(request, _("The lead was saved."))
                return redirect(reverse("crm:lead_detail", args=[pk]))
    return render(request, "crm/lead_form.html", {"form": form, "lead": lead}, status=status)


@login_required
@permission_required("crm.change_lead", raise_exception=True)
def lead_win_view(request, pk: int):
    """Win the lead: create the customer (prefilled from the lead) or link one the user sees. A
    likely duplicate is shown with the matches; the user links one of them or creates anyway."""
    lead = selectors.lead_get(user=request.user, lead_id=pk)
    if lead.stage.outcome == LeadStage.Outcome.WON:
        messages.info(request, _("This lead has already been won."))
        return redirect(reverse("crm:lead_detail", args=[pk]))
    candidates = [
        {"id": c.pk, "code": c.code, "name": c.name}
        for c in selectors.win_candidates(user=request.user, lead=lead)
    ]
    initial = {
        "mode": "create",
        "name": lead.name,
        "phone": lead.phone,
        "email": lead.email,
        "region": lead.region_id,
        "version": lead.version,
    }
    form = LeadWinForm(request.POST or None, initial=initial)
    duplicates, status = [], 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                _win(request, lead, form)
            except DomainError as exc:
                if exc.code == "duplicate_customer":
                    # the matches the user may see can be linked instead; the others are only named
                    duplicates = exc.extra.get("duplicates", [])
                    known = {c["id"] for c in candidates}
                    candidates += [d for d in duplicates if d.get("visible") and d["id"] not in known]
                    form.add_error(None, exc.message)
                else:
                    show_errors(form, exc)
                    status = exc.status
            else:
                messages.success(request, _("The lead was won."))
                return redirect(reverse("crm:lead_detail", args=[pk]))
    return render(
        request,
        "crm/lead_win.html",
        {"lead": lead, "form": form, "candidates": candidates, "duplicates": duplicates},
        status=status,
    )


def _win(request, lead, form) -> None:
    data = form.cleaned_data
    common = {"by": request.user, "lead_id": lead.pk, "note": data["note"], "version": data["version"]}
    if data["mode"] == "link":
        customer_id = data.get("customer")
        if not customer_id:
            customer = selectors.customer_by_code(user=request.user, code=data["customer_code"])
            if customer is None:
                raise ValidationFailed({"customer_code": _("No customer with this number among yours.")})
            customer_id = customer.pk
        services.lead_win(customer_id=customer_id, **common)
    else:
        services.lead_win(
            customer_data=form.customer_data(), allow_duplicate=data["allow_duplicate"], **common
        )


# --- visitor reception -------------------------------------------------------------------------


@login_required
@permission_required("crm.view_visit", raise_exception=True)
def visit_list_view(request):
    """The visitor reception log (来访接待) in the user's scope, newest first."""
    filterset = VisitFilter(request.GET or None, queryset=Visit.objects.none(), user=request.user)
    try:
        visits = selectors.visit_list(user=request.user, filters=request.GET)
    except ValidationFailed:
        visits = Visit.objects.none()
        filterset.is_valid()
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "crm/visit_list.html",
        {
            "form": filterset.form,
            "page_obj": page,
            "filtered": _count_filters(request, VISIT_FILTERS),
            "export_query": query.urlencode(),
        },
    )


@login_required
@permission_required("crm.view_visit", raise_exception=True)
def visit_export_view(request):
    try:
        rows = selectors.visit_list(user=request.user, filters=request.GET)
        return export_response(
            rows,
            VISIT_COLUMNS,
            filename="visits",
            fmt=request.GET.get("format"),
            title=str(_("Visitor reception")),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("crm:visit_list"))


def _visit_form_view(request, visit=None):
    initial = {}
    if visit is not None:
        initial = {
            "visited_at": visit.visited_at,
            "visitor_name": visit.visitor_name,
            "company": visit.company,
            "phone": visit.phone,
            "people": visit.people,
            "purpose": visit.purpose,
            "received_by": visit.received_by_id,
            "notes": visit.notes,
        }
    form = VisitForm(request.POST or None, initial=initial, user=request.user, visit=visit)
    if request.method == "POST" and form.is_valid():
        create_lead = form.cleaned_data.get("create_lead", False)
        try:
            if visit is None:
                visit = services.visit_create(by=request.user, data=form.to_data(), create_lead=create_lead)
            else:
                visit = services.visit_update(
                    by=request.user, visit_id=visit.pk, data=form.to_data(), create_lead=create_lead
                )
        except DomainError as exc:
            show_errors(form, exc)
        else:
            if create_lead and visit.lead_id:
                messages.success(
                    request,
                    _("The visit was recorded and lead %(code)s created.") % {"code": visit.lead.code},
                )
                return redirect(reverse("crm:lead_detail", args=[visit.lead_id]))
            messages.success(request, _("The visit was recorded."))
            return redirect(reverse("crm:visit_list"))
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/visit_form.html", {"form": form, "visit": visit}, status=status)


@login_required
@permission_required("crm.add_visit", raise_exception=True)
def visit_create_view(request):
    return _visit_form_view(request)


@login_required
@permission_required("crm.change_visit", raise_exception=True)
def visit_edit_view(request, pk: int):
    return _visit_form_view(request, selectors.visit_get(user=request.user, visit_id=pk))


# --- conversion rate ---------------------------------------------------------------------------


@login_required
@permission_required("crm.view_lead", raise_exception=True)
def conversion_view(request):
    """成交率 per salesperson, team or source and period, with totals; ?format=xlsx|csv exports
    the same table."""
    given = {k: v for k, v in request.GET.items() if k in ConversionForm.base_fields and v}
    form = ConversionForm({**ConversionForm.defaults(), **given})
    report = None
    if form.is_valid():
        try:
            report = selectors.conversion_rates(user=request.user, **form.params())
        except ValidationFailed as exc:
            show_errors(form, exc)
    if report is not None and request.GET.get("format"):
        rows = [*report.rows, report.totals]
        try:
            return export_response(
                rows,
                CONVERSION_COLUMNS,
                filename="conversion-rates",
                fmt=request.GET.get("format"),
                title=str(_("Conversion rate")),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
    query = request.GET.copy()
    query.pop("format", None)
    status = 200 if report is not None else 400
    return render(
        request,
        "crm/conversion_rates.html",
        {"form": form, "report": report, "export_query": query.urlencode()},
        status=status,
    )


urlpatterns = [
    path("leads/", lead_list_view, name="lead_list"),
    path("leads/export/", lead_export_view, name="lead_export"),
    path("leads/new/", lead_create_view, name="lead_create"),
    path("leads/conversion/", conversion_view, name="conversion_rates"),
    path("leads/<int:pk>/", lead_detail_view, name="lead_detail"),
    path("leads/<int:pk>/edit/", lead_edit_view, name="lead_edit"),
    path("leads/<int:pk>/move/", lead_move_view, name="lead_move"),
    path("leads/<int:pk>/win/", lead_win_view, name="lead_win"),
    path("visits/", visit_list_view, name="visit_list"),
    path("visits/export/", visit_export_view, name="visit_export"),
    path("visits/new/", visit_create_view, name="visit_create"),
    path("visits/<int:pk>/edit/", visit_edit_view, name="visit_edit"),
]
