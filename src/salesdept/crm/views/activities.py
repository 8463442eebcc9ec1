"""Pages of follow-ups (C3), the phone log and the reminders (X7). Thin: the selectors read, the
services write; a service's refusal is shown on the form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from salesdept.accounts.scope import visible
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.exports import Column, export_response
from salesdept.core.pagination import Paginator

from ..filters_activities import ActivityFilter, PhoneCallFilter
from ..forms_activities import (
    ActivityCancelForm,
    ActivityEditForm,
    ActivityLogForm,
    ActivityPlanForm,
    PhoneCallForm,
    add_service_errors,
    initial_call,
)
from ..models import Activity, Customer, Lead
from ..selectors import activities as selectors
from ..selectors import reminders as reminder_selectors
from ..services import activities as services

PAGE_SIZE = 50
TODAY_LIMIT = 100  # rows per section of the Today page; the full list has the rest
PANEL_ROWS = 5
ACTIVITY_FILTERS = ("q", "status", "kind", "owner", "customer", "lead", "due_from", "due_to")
CALL_FILTERS = ("q", "date_from", "date_to", "handed_to")
REMINDER_TITLES = {
    "follow_ups_due": gettext_lazy("Follow-ups due today"),
    "follow_ups_overdue": gettext_lazy("Overdue follow-ups"),
    "complaints_past_deadline": gettext_lazy("Complaints past deadline"),
    "documents_expiring": gettext_lazy("Documents expiring within 30 days"),
}

ACTIVITY_COLUMNS = [
    Column("due_on", gettext_lazy("Due date")),
    Column("status", gettext_lazy("Status"), lambda a: a.get_status_display()),
    Column("kind", gettext_lazy("Kind"), lambda a: a.get_kind_display()),
    Column("customer", gettext_lazy("Customer"), lambda a: a.customer.code if a.customer_id else ""),
    Column("name", gettext_lazy("Customer or lead"), lambda a: (a.customer or a.lead).name),
    Column("subject", gettext_lazy("Subject")),
    Column("owner", gettext_lazy("Salesperson"), lambda a: str(a.owner)),
    Column("done_at", gettext_lazy("Done at")),
    Column("result", gettext_lazy("Result")),
    Column("next_step", gettext_lazy("Next step")),
]
CALL_COLUMNS = [
    Column("called_at", gettext_lazy("Time of call")),
    Column("caller", gettext_lazy("Caller")),
    Column("number", gettext_lazy("Phone number")),
    Column("customer", gettext_lazy("Customer"), lambda c: c.customer.name if c.customer_id else ""),
    Column("topic", gettext_lazy("Topic")),
    Column("result", gettext_lazy("Result")),
    Column("handed_to", gettext_lazy("Handed to"), lambda c: str(c.handed_to) if c.handed_to_id else ""),
    Column("taken_by", gettext_lazy("Taken by"), lambda c: str(c.taken_by)),
]


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _filtered(request, names) -> int:
    return sum(1 for k in names if request.GET.get(k))


def _export(request, filterset, rows, columns, filename: str, title: str):
    """The filtered rows as a download; a bad filter or format answers 400 with the reason."""
    if filterset.is_bound and not filterset.is_valid():
        reasons = [f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()]
        return HttpResponseBadRequest("\n".join(reasons), content_type="text/plain; charset=utf-8")
    try:
        return export_response(rows, columns, filename=filename, fmt=request.GET.get("format"), title=title)
    except DomainError as exc:
        return HttpResponseBadRequest(str(exc.message), content_type="text/plain; charset=utf-8")


# ------------------------------------------------------------------------------- Today


@login_required
@permission_required("crm.view_activity", raise_exception=True)
def activity_today_view(request):
    """The user's follow-ups due today and overdue (each loggable in place); managers also see
    their team's overdue ones and the customers overdue by their tier's revisit rule."""
    day = timezone.localdate()
    user = request.user
    sees_team = selectors.sees_team(user)
    tab = request.GET.get("tab") or "mine"
    if tab not in ("mine", "team", "rule") or (tab == "team" and not sees_team):
        raise Http404
    context = {"day": day, "tab": tab, "sees_team": sees_team}
    if tab == "mine":
        mine = selectors.today_list(user=user, day=day)
        overdue = list(mine.filter(due_on__lt=day)[: TODAY_LIMIT + 1])
        due = list(mine.filter(due_on=day)[: TODAY_LIMIT + 1])
        context.update(
            overdue=_mark(overdue[:TODAY_LIMIT], day),
            overdue_more=len(overdue) > TODAY_LIMIT,
            due=_mark(due[:TODAY_LIMIT], day),
            due_more=len(due) > TODAY_LIMIT,
        )
    elif tab == "team":
        groups = selectors.team_overdue(user=user, day=day)
        rows = selectors.overdue(user=user, day=day)
        owner = request.GET.get("owner")
        if owner and owner.isdigit():
            rows = rows.filter(owner_id=int(owner))
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        _mark(page, day)
        context.update(groups=groups, total=sum(g["count"] for g in groups), owner=owner, page_obj=page)
    else:
        page = Paginator(selectors.customers_overdue_by_rule(user=user, day=day), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        for customer in page:
            customer.revisit_due = selectors.revisit_due(customer)
            customer.days_over = (day - customer.revisit_due).days
        context.update(page_obj=page)
    return render(request, "crm/activity_today.html", context)


def _mark(rows, day):
    """Give each follow-up `overdue_days` (how many days past its due date; ≤ 0 when not)."""
    for activity in rows:
        activity.overdue_days = (day - activity.due_on).days
    return rows


def _row_context(activity, day=None) -> dict:
    day = day or timezone.localdate()
    _mark([activity], day)
    return {"a": activity, "day": day}


@login_required
@permission_required("crm.view_activity", raise_exception=True)
def activity_row_view(request, pk: int):
    """One row of the Today page (htmx: puts the row back when the log form is closed)."""
    activity = selectors.activity_get(user=request.user, activity_id=pk)
    return render(request, "crm/_activity_row.html", _row_context(activity))


@login_required
@permission_required("crm.change_activity", raise_exception=True)
@require_http_methods(["GET", "POST"])
def activity_log_view(request, pk: int):
    """Log a planned follow-up: result, next step, optional next date. In the Today list this is
    an inline htmx form that replaces its row and, once logged, shows the next follow-up."""
    activity = selectors.activity_get(user=request.user, activity_id=pk)
    partial = _is_htmx(request)
    if activity.status != Activity.Status.PLANNED:
        if partial:
            return render(request, "crm/_activity_logged.html", {"a": activity, "already": True})
        messages.info(request, _("This follow-up was already logged or cancelled."))
        return redirect("crm:activity_detail", pk=activity.pk)
    form = ActivityLogForm(request.POST or None, activity=activity)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                logged = services.activity_log(
                    by=request.user,
                    activity_id=activity.pk,
                    result=d["result"],
                    next_step=d.get("next_step", ""),
                    next_due_on=d.get("next_due_on"),
                    kind=d.get("kind") or None,
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                if partial:
                    return render(request, "crm/_activity_logged.html", {"a": logged})
                messages.success(request, _logged_message(logged))
                return redirect(_safe_next(request, reverse("crm:activity_today")))
        status = 400
    template = "crm/_activity_log_form.html" if partial else "crm/activity_log.html"
    return render(request, template, {**_row_context(activity), "form": form}, status=status)


def _logged_message(activity) -> str:
    nxt = activity.next_follow_up
    if nxt is None:
        return _("Follow-up logged. No next follow-up was scheduled.")
    date = {"date": nxt.due_on.isoformat()}
    if activity.next_created:
        return _("Follow-up logged. Next follow-up scheduled for %(date)s.") % date
    return _("Follow-up logged. A follow-up is already planned for %(date)s.") % date


# ------------------------------------------------------------------------------- plan, edit, cancel


@login_required
@permission_required("crm.add_activity", raise_exception=True)
@require_http_methods(["GET", "POST"])
def activity_create_view(request):
    """Plan a follow-up; ?customer=ID or ?lead=ID preselects whom (from their page)."""
    customer = lead = None
    if cid := request.GET.get("customer"):
        if not cid.isdigit():
            raise Http404
        customer = get_object_or_404(visible(Customer.objects.active(), request.user), pk=int(cid))
    if lid := request.GET.get("lead"):
        if not lid.isdigit():
            raise Http404
        lead = get_object_or_404(visible(Lead.objects, request.user), pk=int(lid))
    form = ActivityPlanForm(request.POST or None, user=request.user, customer=customer, lead=lead)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                activity = services.activity_plan(by=request.user, data=form.service_data())
            except DomainError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Follow-up planned for %(date)s.") % {"date": activity.due_on.isoformat()},
                )
                return redirect(_safe_next(request, reverse("crm:activity_detail", args=[activity.pk])))
        status = 400
    return render(
        request,
        "crm/activity_form.html",
        {"form": form, "customer": customer, "lead": lead, "next": _safe_next(request, "")},
        status=status,
    )


@login_required
@permission_required("crm.view_activity", raise_exception=True)
def activity_detail_view(request, pk: int):
    activity = selectors.activity_get(user=request.user, activity_id=pk)
    following = selectors.activities(request.user).filter(follows=activity).order_by("due_on", "pk").first()
    return render(
        request,
        "crm/activity_detail.html",
        {"a": activity, "following": following, **_row_context(activity)},
    )


@login_required
@permission_required("crm.change_activity", raise_exception=True)
@require_http_methods(["GET", "POST"])
def activity_update_view(request, pk: int):
    activity = selectors.activity_get(user=request.user, activity_id=pk)
    if activity.status != Activity.Status.PLANNED:
        messages.info(request, _("This follow-up was already logged or cancelled."))
        return redirect("crm:activity_detail", pk=pk)
    form = ActivityEditForm(request.POST or None, user=request.user, activity=activity)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.activity_update(by=request.user, activity_id=pk, data=form.service_data())
            except DomainError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Follow-up saved."))
                return redirect("crm:activity_detail", pk=pk)
        status = 400
    return render(request, "crm/activity_edit.html", {"form": form, "a": activity}, status=status)


@login_required
@permission_required("crm.change_activity", raise_exception=True)
@require_http_methods(["GET", "POST"])
def activity_cancel_view(request, pk: int):
    """Cancel a planned follow-up: a confirmation page asking for the reason."""
    activity = selectors.activity_get(user=request.user, activity_id=pk)
    form = ActivityCancelForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.activity_cancel(by=request.user, activity_id=pk, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Follow-up cancelled."))
                return redirect("crm:activity_detail", pk=pk)
        status = 400
    return render(request, "crm/activity_cancel.html", {"form": form, "a": activity}, status=status)


# ------------------------------------------------------------------------------- full list


def _activity_rows(request):
    filterset = ActivityFilter(request.GET or None, request=request)
    try:
        rows = selectors.activity_list(user=request.user, filters=request.GET)
    except ValidationFailed:
        rows = Activity.objects.none()  # the form shows what is wrong next to each field
    return filterset, rows


@login_required
@permission_required("crm.view_activity", raise_exception=True)
def activity_list_view(request):
    """Every follow-up in the user's scope: search, filters, sortable columns, 50 a page, export."""
    filterset, rows = _activity_rows(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "crm/activity_list.html",
        {
            "form": filterset.form,
            "page_obj": page,
            "filtered": _filtered(request, ACTIVITY_FILTERS),
            "query": query.urlencode(),
            "day": timezone.localdate(),
        },
    )


@login_required
@permission_required("crm.view_activity", raise_exception=True)
def activity_export_view(request):
    """The filtered list as CSV or XLSX (?format=), the same rows as the page."""
    filterset, rows = _activity_rows(request)
    return _export(request, filterset, rows, ACTIVITY_COLUMNS, "follow-ups", _("Follow-ups"))


# ------------------------------------------------------------------------------- phone log


def _call_rows(request):
    filterset = PhoneCallFilter(request.GET or None, request=request)
    try:
        rows = selectors.phone_call_list(user=request.user, filters=request.GET)
    except ValidationFailed:
        rows = selectors.phone_calls(request.user).none()
    return filterset, rows


@login_required
@permission_required("crm.view_phonecall", raise_exception=True)
def call_list_view(request):
    """The phone log (电话接听记录): newest first, searchable, 50 a page."""
    filterset, rows = _call_rows(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "crm/call_list.html",
        {
            "form": filterset.form,
            "page_obj": page,
            "filtered": _filtered(request, CALL_FILTERS),
            "query": query.urlencode(),
        },
    )


@login_required
@permission_required("crm.view_phonecall", raise_exception=True)
def call_export_view(request):
    filterset, rows = _call_rows(request)
    return _export(request, filterset, rows, CALL_COLUMNS, "phone-log", _("Phone log"))


@login_required
@permission_required("crm.add_phonecall", raise_exception=True)
@require_http_methods(["GET", "POST"])
def call_create_view(request):
    form = PhoneCallForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                call = services.phone_call_create(by=request.user, data=form.service_data())
            except DomainError as exc:
                add_service_errors(form, exc)
            else:
                if call.customer_id:
                    message = _("Call logged and linked to %(customer)s.") % {"customer": call.customer.name}
                else:
                    message = _("Call logged.")
                messages.success(request, message)
                if "add_another" in request.POST:
                    return redirect("crm:call_create")
                return redirect("crm:call_list")
        status = 400
    return render(request, "crm/call_form.html", {"form": form, "call": None}, status=status)


@login_required
@permission_required("crm.change_phonecall", raise_exception=True)
@require_http_methods(["GET", "POST"])
def call_update_view(request, pk: int):
    call = selectors.phone_call_get(user=request.user, call_id=pk)
    form = PhoneCallForm(request.POST or None, user=request.user, initial=initial_call(call))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.phone_call_update(
                    by=request.user, call_id=pk, data=form.service_data(partial_customer=True)
                )
            except DomainError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Call saved."))
                return redirect("crm:call_list")
        status = 400
    return render(request, "crm/call_form.html", {"form": form, "call": call}, status=status)


# ------------------------------------------------------------------------------- reminders (X7)


def reminder_cards(user, day) -> list[dict]:
    """The dashboard's reminder cards the user may see, each with its count and first rows."""
    found = reminder_selectors.reminders(user=user, day=day, first=PANEL_ROWS)
    return [
        {
            "kind": kind,
            "title": REMINDER_TITLES[kind],
            "count": found[kind]["count"],
            "capped": found[kind]["capped"],
            "items": found[kind]["items"],
            "url": reverse("crm:reminder_list", args=[kind]),
        }
        for kind in reminder_selectors.KINDS
        if kind in found
    ]


@login_required
def reminders_panel_view(request):
    """The dashboard's four reminder cards (loaded by htmx after the dashboard itself)."""
    day = timezone.localdate()
    template = "crm/_reminders.html" if _is_htmx(request) else "crm/activity_reminder_cards.html"
    return render(request, template, {"cards": reminder_cards(request.user, day), "day": day})


@login_required
def reminder_list_view(request, kind: str):
    """One reminder list in full (the cards' "show all")."""
    if kind not in reminder_selectors.KINDS:
        raise Http404
    if not request.user.has_perm(reminder_selectors.PERMISSIONS[kind]):
        raise Http404
    day = timezone.localdate()
    rows = reminder_selectors.reminder_list(user=request.user, kind=kind, day=day)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "crm/activity_reminders.html",
        {"kind": kind, "title": REMINDER_TITLES[kind], "page_obj": page, "day": day},
    )


urlpatterns = [
    path("activities/", activity_today_view, name="activity_today"),
    path("activities/all/", activity_list_view, name="activity_list"),
    path("activities/export/", activity_export_view, name="activity_export"),
    path("activities/new/", activity_create_view, name="activity_create"),
    path("activities/<int:pk>/", activity_detail_view, name="activity_detail"),
    path("activities/<int:pk>/edit/", activity_update_view, name="activity_update"),
    path("activities/<int:pk>/log/", activity_log_view, name="activity_log"),
    path("activities/<int:pk>/row/", activity_row_view, name="activity_row"),
    path("activities/<int:pk>/cancel/", activity_cancel_view, name="activity_cancel"),
    path("calls/", call_list_view, name="call_list"),
    path("calls/export/", call_export_view, name="call_export"),
    path("calls/new/", call_create_view, name="call_create"),
    path("calls/<int:pk>/edit/", call_update_view, name="call_update"),
    path("reminders/", reminders_panel_view, name="reminders_panel"),
    path("reminders/<slug:kind>/", reminder_list_view, name="reminder_list"),
]
