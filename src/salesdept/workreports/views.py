"""Pages of work reports 工作日报 / 周报 (P5): "My reports" (sortable, paginated, with the buttons
to write today's daily report and this week's report), the form (figures from the records shown
read-only, the text editable), the detail (figures, text, comments 批注, submit with a
confirmation, the comment form for a manager) and the team view (who has submitted the day's or
week's report and who has not). Thin: reads through selectors, writes through services."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from salesdept.core.errors import DomainError
from salesdept.core.exports import Column
from salesdept.core.listing import list_page

from . import selectors, services
from .filters import WorkReportFilter
from .forms import CommentForm, PeriodForm, ReportForm, TeamViewForm, apply_refusal
from .models import Kind, ReportStatus, WorkReport

FILTERS = ("kind", "status", "date_from", "date_to")

FIGURE_LABELS = {
    "visits": _("Visits and receptions"),
    "calls": _("Calls"),
    "follow_ups": _("Follow-ups done"),
    "quotations": _("Quotations"),
    "quotation_amount": _("Quoted amount"),
    "orders": _("Orders"),
    "order_amount": _("Order amount"),
    "shipments": _("Shipments"),
    "shipment_amount": _("Shipped amount"),
    "collections": _("Collections"),
    "follow_ups_due": _("Follow-ups due"),
    "deliveries_due": _("Deliveries due"),
}


def _figure(figures: dict, name: str):
    """A figure as a number (amounts as Decimal), so an export keeps numbers numeric."""
    value = figures.get(name)
    if value is None:
        return None
    return Decimal(str(value)) if name in services.AMOUNTS else value


COLUMNS = [
    Column("period_start", _("Period")),
    Column("kind", _("Kind"), lambda r: r.get_kind_display()),
    Column("author", _("Author"), lambda r: str(r.author)),
    Column("status", _("Status"), lambda r: r.get_status_display()),
    Column("submitted_at", _("Submitted at")),
    *(
        Column(name, label, lambda r, name=name: _figure(r.figures, name))
        for name, label in FIGURE_LABELS.items()
    ),
]


def figure_rows(figures: dict) -> list[dict]:
    return [
        {"name": name, "label": label, "value": figures.get(name, ""), "amount": name in services.AMOUNTS}
        for name, label in FIGURE_LABELS.items()
    ]


def _default_period(kind: str):
    today = selectors.today()
    return services.week_start(today) if kind == Kind.WEEKLY else today


@login_required
@permission_required("workreports.view_workreport", raise_exception=True)
def report_list_view(request):
    """My reports: kind, status and period filters, sortable columns, 50 a page, export."""
    today = selectors.today()
    return list_page(
        request,
        rows=lambda: selectors.report_list(user=request.user, filters=request.GET, mine=True),
        empty=WorkReport.objects.none(),
        form=WorkReportFilter(request.GET or None).form,
        filters=FILTERS,
        columns=COLUMNS,
        export_name="work-reports",
        export_title=str(_("My reports")),
        template="workreports/report_list.html",
        context={
            "can_add": request.user.has_perm("workreports.add_workreport"),
            "can_comment": request.user.has_perm("workreports.comment_workreport"),
            "today": today,
            "week": services.week_start(today),
        },
    )


def _form_page(request, form, *, report=None, kind=None, period=None, figures=None, status=200):
    if report is not None:
        kind, period, figures = report.kind, report.period_start, report.figures
    return render(
        request,
        "workreports/report_form.html",
        {
            "form": form,
            "report": report,
            "kind_label": Kind(kind).label,
            "kind": kind,
            "period": period,
            "days": services.periods(kind, period),
            "figures": figure_rows(figures or {}),
        },
        status=status,
    )


@login_required
@permission_required("workreports.add_workreport", raise_exception=True)
def report_create_view(request):
    """Write a report: GET ?kind=daily|weekly&period=YYYY-MM-DD (default today / this week)
    shows the pre-filled form; POST drafts it. A report already written for the period opens
    instead."""
    source = request.POST if request.method == "POST" else request.GET
    kind = source.get("kind") or Kind.DAILY
    period_form = PeriodForm({"kind": kind, "period": source.get("period") or _default_period(kind)})
    if not period_form.is_valid():
        messages.error(request, _("Choose daily or weekly and a valid day."))
        return redirect("workreports:report_list")
    kind = period_form.cleaned_data["kind"]
    period = period_form.cleaned_data["period"]
    if kind == Kind.WEEKLY:
        period = services.week_start(period)
    existing = selectors.own_report(user=request.user, kind=kind, period_start=period)
    if existing is not None:
        messages.info(request, _("You already have this report; here it is."))
        target = (
            "workreports:report_edit"
            if existing.status == ReportStatus.DRAFT
            else "workreports:report_detail"
        )
        return redirect(target, pk=existing.pk)
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                report = services.report_create(
                    by=request.user, kind=kind, period_start=period, **form.cleaned_data
                )
            except DomainError as exc:
                apply_refusal(exc, form)
                prefill = services.report_prefill(author=request.user, kind=kind, period_start=period)
                return _form_page(
                    request, form, kind=kind, period=period, figures=prefill["figures"], status=exc.status
                )
            messages.success(request, _("Your report was saved as a draft. Submit it when it is ready."))
            return redirect("workreports:report_detail", pk=report.pk)
        prefill = services.report_prefill(author=request.user, kind=kind, period_start=period)
        return _form_page(request, form, kind=kind, period=period, figures=prefill["figures"], status=400)
    prefill = services.report_prefill(author=request.user, kind=kind, period_start=period)
    form = ReportForm(initial={"plan": prefill["plan"]})
    return _form_page(request, form, kind=kind, period=period, figures=prefill["figures"])


@login_required
@permission_required("workreports.change_workreport", raise_exception=True)
def report_edit_view(request, pk: int):
    """Change one's own draft; "Refresh figures" fills them in again from the records."""
    report = selectors.report_get(user=request.user, report_id=pk)
    if report.author_id != request.user.pk or report.status != ReportStatus.DRAFT:
        messages.info(request, _("Only the author can change a report, and only while it is a draft."))
        return redirect("workreports:report_detail", pk=pk)
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                services.report_update(
                    by=request.user,
                    report_id=pk,
                    refresh_figures="refresh" in request.POST,
                    **form.cleaned_data,
                )
            except DomainError as exc:
                apply_refusal(exc, form)
                return _form_page(request, form, report=report, status=exc.status)
            if "refresh" in request.POST:
                messages.success(request, _("The figures were filled in again from the records."))
                return redirect("workreports:report_edit", pk=pk)
            messages.success(request, _("Your report was saved."))
            return redirect("workreports:report_detail", pk=pk)
        return _form_page(request, form, report=report, status=400)
    form = ReportForm(initial={"done": report.done, "plan": report.plan, "problems": report.problems})
    return _form_page(request, form, report=report)


def _detail(request, report: WorkReport, *, comment_form=None, status: int = 200):
    user = request.user
    is_author = report.author_id == user.pk
    return render(
        request,
        "workreports/report_detail.html",
        {
            "report": report,
            "days": services.periods(report.kind, report.period_start),
            "figures": figure_rows(report.figures),
            "comments": selectors.comments(report),
            "can_edit": is_author
            and report.status == ReportStatus.DRAFT
            and user.has_perm("workreports.change_workreport"),
            "can_comment": not is_author
            and report.status != ReportStatus.DRAFT
            and user.has_perm("workreports.comment_workreport"),
            "comment_form": comment_form or CommentForm(),
        },
        status=status,
    )


@login_required
@permission_required("workreports.view_workreport", raise_exception=True)
def report_detail_view(request, pk: int):
    return _detail(request, selectors.report_get(user=request.user, report_id=pk))


@login_required
@require_POST
def report_submit_view(request, pk: int):
    """POST: submit one's own draft (the page asks for a confirmation first)."""
    report = selectors.report_get(user=request.user, report_id=pk)
    try:
        services.report_submit(by=request.user, report_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail(request, report, status=exc.status)
    messages.success(request, _("Your report was submitted to your manager."))
    return redirect("workreports:report_detail", pk=pk)


@login_required
@require_POST
def report_comment_view(request, pk: int):
    """POST: a manager's comment 批注 on a submitted report."""
    report = selectors.report_get(user=request.user, report_id=pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _detail(request, report, comment_form=form, status=400)
    try:
        services.report_comment(by=request.user, report_id=pk, text=form.cleaned_data["text"])
    except DomainError as exc:
        apply_refusal(exc, form)
        return _detail(
            request,
            selectors.report_get(user=request.user, report_id=pk),
            comment_form=form,
            status=exc.status,
        )
    messages.success(request, _("Your comment was added."))
    return redirect("workreports:report_detail", pk=pk)


@login_required
@permission_required("workreports.comment_workreport", raise_exception=True)
def team_view(request):
    """Who has submitted the day's (or week's) report and who has not, in the reader's scope."""
    kind = request.GET.get("kind") or Kind.DAILY
    data = {
        "kind": kind,
        "period": request.GET.get("period") or _default_period(kind),
        "team": request.GET.get("team"),
    }
    form = TeamViewForm(data)
    rows, status, period = [], 200, None
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        period = form.cleaned_data["period"]
        if kind == Kind.WEEKLY:
            period = services.week_start(period)
        team = form.cleaned_data.get("team")
        try:
            rows = selectors.team_status(
                user=request.user, kind=kind, period_start=period, team_id=team.pk if team else None
            )
        except DomainError as exc:
            apply_refusal(exc, form)
            status = exc.status
    else:
        status = 400
    missing = sum(1 for r in rows if not r["submitted"])
    return render(
        request,
        "workreports/team.html",
        {
            "form": form,
            "rows": rows,
            "period": period,
            "kind_label": Kind(kind).label if kind in Kind.values else "",
            "missing": missing,
            "submitted": len(rows) - missing,
        },
        status=status,
    )


urlpatterns = [
    path("", report_list_view, name="report_list"),
    path("new/", report_create_view, name="report_create"),
    path("team/", team_view, name="team"),
    path("<int:pk>/", report_detail_view, name="report_detail"),
    path("<int:pk>/edit/", report_edit_view, name="report_edit"),
    path("<int:pk>/submit/", report_submit_view, name="report_submit"),
    path("<int:pk>/comment/", report_comment_view, name="report_comment"),
]
