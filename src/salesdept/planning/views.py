"""Pages of sales plans 销售计划 (P1): the list (search, year, status, sortable columns, export),
the detail (targets in the reader's scope, rows × months with quarter and year columns, the
review buttons the workflow allows, versions and history) and the form (year, targets with a
yearly figure spread evenly or by weights, or 12 monthly values). Thin: reads through selectors,
writes through services."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dates import MONTHS_AP
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.exports import Column, export_response
from salesdept.core.listing import list_page

from . import selectors, services
from .achievement import LIGHTS, approved_plan
from .achievement import period_bounds as achievement_bounds
from .filters import PlanFilter
from .forms import PlanForm, TargetFormSet, apply_refusal, subject_choices
from .models import FIRST_YEAR, LAST_YEAR, Level, Measure, Plan, PlanStatus

FILTERS = ("q", "year", "status")

COLUMNS = [
    Column("number", _("Number")),
    Column("calendar_year", _("Year")),
    Column("title", _("Plan title")),
    Column("status", _("Status"), lambda p: p.get_status_display()),
    Column("prepared_by", _("Prepared by"), lambda p: str(p.prepared_by)),
    Column("revision_no", _("Revision")),
    Column("created_at", _("Created at")),
]

DONE = {
    "submit": _("%(number)s was submitted for review."),
    "approve": _("%(number)s was approved."),
    "reject": _("%(number)s was sent back."),
    "cancel": _("%(number)s was cancelled."),
}
BUTTONS = {
    "submit": (pgettext_lazy("document action", "Submit for review"), "btn-primary"),
    "approve": (pgettext_lazy("document action", "Approve"), "btn-success"),
    "reject": (pgettext_lazy("document action", "Send back"), "btn-outline-danger"),
    "cancel": (pgettext_lazy("document action", "Cancel document"), "btn-outline-secondary"),
}
CONFIRM = {
    "cancel": _("Cancel this plan? This cannot be undone."),
    "approve": _("Approve this plan? It becomes the year's plan and can then only be changed by a revision."),
}


@login_required
@permission_required("planning.view_plan", raise_exception=True)
def plan_list_view(request):
    """Plans: search, year, status, sortable columns, 50 a page, Export CSV/XLSX."""
    return list_page(
        request,
        rows=lambda: selectors.plan_list(user=request.user, filters=request.GET),
        empty=Plan.objects.none(),
        form=PlanFilter(request.GET or None).form,
        filters=FILTERS,
        columns=COLUMNS,
        export_name="plans",
        export_title=str(_("Sales plans")),
        template="planning/plan_list.html",
        context={"can_add": request.user.has_perm("planning.add_plan")},
    )


def _buttons(actions: list[str]) -> list[dict]:
    return [
        {
            "name": name,
            "label": BUTTONS[name][0],
            "style": BUTTONS[name][1],
            "confirm": CONFIRM.get(name, ""),
            "needs_reason": name == "reject",
            "optional_note": name == "approve",
        }
        for name in actions
        if name in BUTTONS
    ]


def period_headers() -> dict:
    return {
        "months": [MONTHS_AP[m] for m in services.MONTHS],
        "quarters": [_("Q%(number)s") % {"number": q} for q in selectors.QUARTERS],
    }


def _detail(request, plan: Plan, *, status: int = 200):
    actions = services.plan_allowed_actions(plan, request.user)
    quarters = {
        r["line"]: r["values"] for r in selectors.targets(user=request.user, plan=plan, period="quarter")
    }
    rows = selectors.targets(user=request.user, plan=plan, period="month")
    labels = {"level": dict(Level.choices), "measure": dict(Measure.choices)}
    for row in rows:
        row["quarters"] = quarters.get(row["line"], [])
        row["level_label"] = labels["level"].get(row["level"], row["level"])
        row["measure_label"] = labels["measure"].get(row["measure"], row["measure"])
        row["places"] = 2 if row["measure"] in (Measure.AMOUNT, Measure.COLLECTIONS) else 0
    return render(
        request,
        "planning/plan_detail.html",
        {
            "plan": plan,
            "rows": rows,
            "actions": actions,
            "buttons": _buttons(actions),
            "chain": selectors.chain(plan),
            **period_headers(),
        },
        status=status,
    )


@login_required
@permission_required("planning.view_plan", raise_exception=True)
def plan_detail_view(request, pk: int):
    return _detail(request, selectors.plan_get(user=request.user, plan_id=pk))


ACTIONS = {
    "submit": services.plan_submit,
    "approve": services.plan_approve,
    "reject": services.plan_reject,
    "cancel": services.plan_cancel,
}


@login_required
@require_POST
def plan_action_view(request, pk: int, action: str):
    """POST: one workflow move (submit, approve, reject with a reason, cancel). A refusal is
    shown on the detail page with its status (403/409/400)."""
    if action not in ACTIONS:
        raise Http404
    plan = selectors.plan_get(user=request.user, plan_id=pk)
    try:
        ACTIONS[action](by=request.user, plan_id=pk, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        for message in exc.fields.values():
            if str(message) != str(exc.message):
                messages.error(request, message)
        return _detail(request, selectors.plan_get(user=request.user, plan_id=pk), status=exc.status)
    messages.success(request, DONE[action] % {"number": plan.number})
    return redirect("planning:plan_detail", pk=pk)


@login_required
@permission_required("planning.add_plan", raise_exception=True)
@require_POST
def plan_revise_view(request, pk: int):
    try:
        revision = services.plan_revise(by=request.user, plan_id=pk, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail(request, selectors.plan_get(user=request.user, plan_id=pk), status=exc.status)
    messages.success(request, _("Revision %(number)s was drafted.") % {"number": revision.number})
    return redirect("planning:plan_edit", pk=revision.pk)


# --- form -------------------------------------------------------------------------------------


def _formset(request, data=None, *, plan: Plan | None = None):
    initial = None
    if plan is not None and data is None:
        initial = []
        for r in selectors.targets(user=request.user, plan=plan, period="month"):
            row = {"level": r["level"], "measure": r["measure"], "year_total": r["year"], "spread": "months"}
            if r["subject_id"] is not None:
                row["subject"] = f"{r['level']}:{r['subject_id']}"
            row.update({f"m{m}": v for m, v in zip(services.MONTHS, r["values"], strict=True)})
            initial.append(row)
    return TargetFormSet(
        data, initial=initial, prefix="targets", form_kwargs={"subjects": subject_choices(request.user)}
    )


def _form_page(request, form, formset, plan=None, status=200):
    return render(
        request,
        "planning/plan_form.html",
        {"form": form, "targets": formset, "plan": plan},
        status=status,
    )


@login_required
@permission_required("planning.add_plan", raise_exception=True)
def plan_create_view(request):
    """Draft the plan of a year with its targets in one page."""
    if request.method == "POST":
        form, formset = PlanForm(request.POST), _formset(request, request.POST)
        if form.is_valid() and formset.is_valid():
            try:
                plan = services.plan_create(
                    by=request.user,
                    year=form.cleaned_data["year"],
                    title=form.cleaned_data["title"],
                    notes=form.cleaned_data["notes"],
                    targets=formset.rows(),
                )
            except DomainError as exc:
                apply_refusal(exc, form, formset)
                return _form_page(request, form, formset, status=exc.status)
            messages.success(request, _("%(number)s was drafted.") % {"number": plan.number})
            return redirect("planning:plan_detail", pk=plan.pk)
        return _form_page(request, form, formset, status=400)
    return _form_page(request, PlanForm(), _formset(request))


@login_required
@permission_required("planning.change_plan", raise_exception=True)
def plan_edit_view(request, pk: int):
    """Change a draft: title, notes and the targets in the editor's scope."""
    plan = selectors.plan_get(user=request.user, plan_id=pk)
    if plan.status != PlanStatus.DRAFT:
        messages.info(request, _("Only a draft can be changed."))
        return redirect("planning:plan_detail", pk=pk)
    if request.method == "POST":
        data = request.POST.copy()
        data["year"] = plan.calendar_year  # the year of a plan is fixed once drafted
        form, formset = PlanForm(data), _formset(request, data)
        if form.is_valid() and formset.is_valid():
            try:
                services.plan_update_draft(
                    by=request.user,
                    plan_id=pk,
                    version=form.cleaned_data.get("version"),
                    title=form.cleaned_data["title"],
                    notes=form.cleaned_data["notes"],
                    targets=formset.rows(),
                )
            except DomainError as exc:
                apply_refusal(exc, form, formset)
                return _form_page(request, form, formset, plan, status=exc.status)
            messages.success(request, _("The plan was saved."))
            return redirect("planning:plan_detail", pk=pk)
        return _form_page(request, form, formset, plan, status=400)
    initial = {"year": plan.calendar_year, "title": plan.title, "notes": plan.notes, "version": plan.version}
    form = PlanForm(initial=initial)
    form.fields["year"].disabled = True
    return _form_page(request, form, _formset(request, plan=plan), plan)


# --- achievement 达成率 ------------------------------------------------------------------------

ACHIEVEMENT_PERIODS = [("year", _("Year")), ("quarter", _("Quarter")), ("month", _("Month"))]
# ?sort= keys of the achievement table → the row's field (None sorts last)
ACHIEVEMENT_SORTS = {
    "line": "line",
    "subject": "subject",
    "level": "level_label",
    "measure": "measure_label",
    "target": "target",
    "actual": "actual",
    "ratio": "ratio",
    "gap": "gap",
    "needed": "needed_per_day",
    "light": "light",
}
LIGHT_ORDER = {"red": 0, "amber": 1, "green": 2}
LIGHT_STYLES = {"green": "text-bg-success", "amber": "text-bg-warning", "red": "text-bg-danger"}
ACHIEVEMENT_PLACES = {
    Measure.AMOUNT: 2,
    Measure.COLLECTIONS: 2,
    Measure.QUANTITY: -3,
    Measure.NEW_CUSTOMERS: 0,
}


class AchievementForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    period = forms.ChoiceField(label=_("Period"), choices=ACHIEVEMENT_PERIODS)
    index = forms.IntegerField(
        label=_("Month or quarter"),
        required=False,
        min_value=1,
        max_value=12,
        help_text=_("Empty: the current one."),
    )
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels")), *Level.choices]
    )
    measure = forms.ChoiceField(
        label=_("Measure"), required=False, choices=[("", _("All measures")), *Measure.choices]
    )


def _fraction(value):
    """A percentage (85.3) as the fraction a spreadsheet's percent format shows as 85.3%."""
    return None if value is None else value / 100


# The exported table: the page's columns, in its order; figures stay numbers (no totals row:
# the lines measure different things).
ACHIEVEMENT_COLUMNS = [
    Column("subject", _("Region, team, person or category")),
    Column("level_label", _("Level")),
    Column("measure_label", _("Measure")),
    Column("target", _("Target")),
    Column("actual", _("Actual")),
    Column("ratio", _("Achievement rate"), lambda r: _fraction(r["ratio"]), number_format="0.0%"),
    Column("gap", _("Gap")),
    Column("needed_per_day", _("Needed per day")),
    Column("light_label", _("Status")),
    # the page's caption: the share of the period's days gone
    Column("elapsed", _("Time elapsed"), lambda r: _fraction(r["elapsed"]), number_format="0.0%"),
]


def _sorted_rows(rows: list[dict], sort: str) -> list[dict]:
    key = ACHIEVEMENT_SORTS.get(sort.lstrip("-"), "line")
    descending = sort.startswith("-")

    def value(row):
        v = row[key]
        if key == "light":
            v = LIGHT_ORDER[v]
        return v

    present = [r for r in rows if r[key] is not None]
    missing = [r for r in rows if r[key] is None]
    present.sort(key=lambda r: (value(r), r["line"]), reverse=descending)
    return present + missing


@login_required
@permission_required("planning.view_plan", raise_exception=True)
def achievement_view(request):
    """达成率: each target line of the year's approved plan in the reader's scope against the
    actual sales of a month, a quarter or the year, with the gap, the run-rate needed and a
    traffic light; sortable columns. ?format=xlsx exports the table as shown (the same filters,
    scope and order)."""
    today = timezone.localdate()
    given = {k: v for k, v in request.GET.items() if k in AchievementForm.base_fields and v}
    form = AchievementForm({"year": today.year, "period": "month", **given})
    rows, bounds, has_plan = None, None, False
    if form.is_valid():
        data = form.cleaned_data
        try:
            rows = selectors.achievement(
                user=request.user,
                year=data["year"],
                period=data["period"],
                index=data["index"],
                level=data["level"] or None,
                measure=data["measure"] or None,
            )
            bounds = achievement_bounds(data["year"], data["period"], data["index"], today)
        except ValidationFailed as exc:
            for name, message in exc.fields.items():
                form.add_error(name if name in form.fields else None, message)
            rows = None
        else:
            has_plan = bool(rows) or approved_plan(data["year"]) is not None
    if rows is not None:
        rows = _sorted_rows(rows, request.GET.get("sort") or "line")
        for row in rows:
            row["places"] = ACHIEVEMENT_PLACES.get(row["measure"], 2)
            row["light_label"] = LIGHTS[row["light"]]
            row["light_style"] = LIGHT_STYLES[row["light"]]
            row["bar"] = min(row["ratio"], 100) if row["ratio"] is not None else 0
        if request.GET.get("format"):
            try:
                return export_response(
                    rows,
                    ACHIEVEMENT_COLUMNS,
                    filename=f"achievement-{bounds[0]:%Y%m%d}-{bounds[1]:%Y%m%d}",
                    fmt=request.GET.get("format"),
                    title=str(_("Achievement")),
                )
            except DomainError as exc:
                messages.error(request, exc.message)
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "planning/achievement.html",
        {
            "form": form,
            "rows": rows,
            "start": bounds[0] if bounds else None,
            "end": bounds[1] if bounds else None,
            "elapsed": rows[0]["elapsed"] if rows else None,
            "has_plan": has_plan,
            "year": form.cleaned_data.get("year") if rows is not None else None,
            "export_query": query.urlencode(),
        },
        status=200 if rows is not None else 400,
    )


urlpatterns = [
    path("achievement/", achievement_view, name="achievement"),
    path("plans/", plan_list_view, name="plan_list"),
    path("plans/new/", plan_create_view, name="plan_create"),
    path("plans/<int:pk>/", plan_detail_view, name="plan_detail"),
    path("plans/<int:pk>/edit/", plan_edit_view, name="plan_edit"),
    path("plans/<int:pk>/revise/", plan_revise_view, name="plan_revise"),
    path("plans/<int:pk>/<str:action>/", plan_action_view, name="plan_action"),
]
