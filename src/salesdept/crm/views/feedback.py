"""Pages of feedback, complaints and quality issues (C4): the list (filters, sort, export), the
detail with its timeline and the moves the user may make, and the form to log one. Thin: reads
go through selectors.feedback, writes through services.feedback, which decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from salesdept.core.errors import DomainError
from salesdept.core.exports import Column
from salesdept.core.listing import list_page
from salesdept.core.templatetags.salesdept import sort_header

from ..filters_feedback import FeedbackFilter
from ..forms_feedback import ACTION_FORMS, FeedbackForm, show_refusal
from ..models import Feedback
from ..selectors import feedback as selectors
from ..services import feedback as services

FILTERS = (
    "q",
    "kind",
    "status",
    "department",
    "assignee",
    "customer",
    "overdue",
    "received_from",
    "received_to",
)

STATUS_COLOURS = {
    Feedback.Status.OPEN: "warning",
    Feedback.Status.IN_PROGRESS: "primary",
    Feedback.Status.RESOLVED: "info",
    Feedback.Status.CONFIRMED: "success",
}
KIND_COLOURS = {
    Feedback.Kind.FEEDBACK: "secondary",
    Feedback.Kind.COMPLAINT: "danger",
    Feedback.Kind.QUALITY: "warning",
}
ACTION_LABELS = {
    "create": _("Logged"),
    "route": _("Route"),
    "start": _("Start work"),
    "resolve": _("Resolve"),
    "confirm": _("Customer confirmed"),
    "reopen": _("Reopen"),
}
STEP_LABELS = {
    "create": _("Logged"),
    "route": _("Routed"),
    "start": _("Work started"),
    "resolve": _("Resolved"),
    "confirm": _("Confirmed with the customer"),
    "reopen": _("Reopened"),
}
SUCCESS = {
    "route": _("The complaint was routed."),
    "start": _("Work on the complaint has started."),
    "resolve": _("The resolution was recorded."),
    "confirm": _("The customer's confirmation was recorded."),
    "reopen": _("The complaint was reopened."),
}
SERVICES = {
    "route": services.feedback_route,
    "start": services.feedback_start,
    "resolve": services.feedback_resolve,
    "confirm": services.feedback_confirm,
    "reopen": services.feedback_reopen,
}

COLUMNS = [
    Column("number", _("Number")),
    Column("kind", _("Kind"), lambda f: f.get_kind_display()),
    Column("status", _("Status"), lambda f: f.get_status_display()),
    Column("customer.code", _("Customer number")),
    Column("customer.name", _("Customer")),
    Column("subject", _("Subject")),
    Column("product_name", _("Product")),
    Column("received_on", _("Received on")),
    Column("department", _("Responsible department"), lambda f: f.get_department_display()),
    Column("assignee", _("Responsible person"), lambda f: str(f.assignee) if f.assignee_id else ""),
    Column("deadline", _("Deadline")),
    Column("overdue", _("Overdue"), lambda f: bool(f.overdue)),
    Column("resolution", _("Resolution")),
    Column("resolved_at", _("Resolved at")),
    Column("customer_response", _("Customer's response")),
    Column("confirmed_at", _("Confirmed at")),
]


def responsive_headers(request, columns, default: str) -> dict:
    """Sortable <th>s from the shared sort_header tag, each with the class that hides it on
    small screens (the tag itself takes no class yet)."""
    headers = {}
    for key, label, css in columns:
        html = sort_header({"request": request}, key, label, default=default)
        headers[key] = mark_safe(
            html.replace('<th scope="col"', f'<th scope="col" class="{css}"', 1) if css else html
        )
    return headers


def decorate(feedback: Feedback) -> Feedback:
    """Badge colours for the templates."""
    feedback.status_colour = STATUS_COLOURS.get(feedback.status, "secondary")
    feedback.kind_colour = KIND_COLOURS.get(feedback.kind, "secondary")
    return feedback


@login_required
@permission_required("crm.view_feedback", raise_exception=True)
def feedback_list_view(request):
    """Complaints in scope: search, filters, sortable columns, 50 a page, Export CSV/XLSX of the
    same filtered rows. Overdue ones carry a red badge."""
    return list_page(
        request,
        rows=lambda: selectors.feedback_list(user=request.user, filters=request.GET),
        empty=Feedback.objects.none(),
        form=FeedbackFilter(request.GET or None).form,
        filters=FILTERS,
        columns=COLUMNS,
        export_name="complaints",
        export_title=str(_("Complaints")),
        template="crm/feedback_list.html",
        decorate=decorate,
        context={
            "can_add": request.user.has_perm("crm.add_feedback"),
            "headers": responsive_headers(
                request,
                [
                    ("number", _("Number"), ""),
                    ("customer", _("Customer"), "d-none d-md-table-cell"),
                    ("status", _("Status"), ""),
                    ("deadline", _("Deadline"), "d-none d-sm-table-cell"),
                    ("received_on", _("Received"), "d-none d-md-table-cell"),
                ],
                default="-received_on",
            ),
        },
    )


@login_required
@permission_required("crm.add_feedback", raise_exception=True)
def feedback_create_view(request):
    """Log feedback, a complaint or a quality issue; ?customer=ID preselects the customer."""
    if request.method == "POST":
        form = FeedbackForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                feedback = services.feedback_create(by=request.user, **form.service_kwargs())
            except DomainError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("%(number)s was logged.") % {"number": feedback.number})
                return redirect("crm:feedback_detail", pk=feedback.pk)
        return render(request, "crm/feedback_form.html", {"form": form}, status=400)
    initial = {}
    if (customer := request.GET.get("customer", "")).isdigit():
        initial["customer"] = int(customer)
    form = FeedbackForm(initial=initial, user=request.user)
    return render(request, "crm/feedback_form.html", {"form": form})


def _detail(request, feedback: Feedback, *, forms=None, status: int = 200):
    actions = services.allowed_actions(feedback, request.user)
    forms = forms or {}
    for name in actions:
        if name not in forms:
            # The version shown travels with each move (hidden), so a stale page gets a 409.
            initial = {"version": feedback.version}
            if name == "route":
                initial |= {
                    "department": feedback.department,
                    "assignee": feedback.assignee_id,
                    "deadline": feedback.deadline,
                }
            elif name == "resolve":
                initial["resolution"] = feedback.resolution
            forms[name] = ACTION_FORMS[name](initial=initial, prefix=name)
    steps = [
        {
            "step": s,
            "label": STEP_LABELS.get(s.action, s.action),
            "from": _status_label(s.from_status),
            "to": _status_label(s.to_status),
        }
        for s in feedback.steps.all()
    ]
    open_form = next((n for n, f in forms.items() if f.is_bound), "")
    return render(
        request,
        "crm/feedback_detail.html",
        {
            "feedback": decorate(feedback),
            "actions": [
                {
                    "name": n,
                    "label": ACTION_LABELS[n],
                    "form": forms[n],
                    "url": reverse(f"crm:feedback_{n}", args=[feedback.pk]),
                }
                for n in actions
            ],
            "open_form": open_form,
            "steps": steps,
        },
        status=status,
    )


def _status_label(value: str) -> str:
    return dict(Feedback.Status.choices).get(value, value)


@login_required
@permission_required("crm.view_feedback", raise_exception=True)
def feedback_detail_view(request, pk: int):
    """One complaint: its data, the timeline of steps, and forms for the moves allowed now."""
    return _detail(request, selectors.feedback_get(user=request.user, feedback_id=pk))


def _action_view(action: str):
    @login_required
    @permission_required("crm.change_feedback", raise_exception=True)
    @require_POST
    def view(request, pk: int):
        form = ACTION_FORMS[action](request.POST, prefix=action)
        status = 400
        if form.is_valid():
            try:
                SERVICES[action](by=request.user, feedback_id=pk, **form.service_kwargs())
            except DomainError as exc:
                if exc.status == 409:
                    # The complaint moved or changed meanwhile (invalid_transition, stale_version):
                    # show it as it is now, with the reason on top and forms at the new version.
                    messages.error(request, exc.message)
                    feedback = selectors.feedback_get(user=request.user, feedback_id=pk)
                    return _detail(request, feedback, status=409)
                show_refusal(form, exc)
                status = exc.status
            else:
                messages.success(request, SUCCESS[action])
                return redirect("crm:feedback_detail", pk=pk)
        feedback = selectors.feedback_get(user=request.user, feedback_id=pk)
        return _detail(request, feedback, forms={action: form}, status=status)

    view.__name__ = f"feedback_{action}_view"
    view.__doc__ = f"POST: the {action!r} move of a complaint (services.feedback.feedback_{action})."
    return view


@login_required
@permission_required("crm.view_customer", raise_exception=True)
@require_GET
def feedback_customer_options_view(request):
    """The customer picker's options (htmx): visible active customers matching ?q=."""
    selected = request.GET.get("selected", "")
    customers = selectors.feedback_customers(
        user=request.user,
        q=request.GET.get("q", "")[:100],
        selected=int(selected) if selected.isdigit() else None,
    )
    return render(
        request, "crm/_feedback_customer_options.html", {"customers": customers, "selected": selected}
    )


urlpatterns = [
    path("feedback/", feedback_list_view, name="feedback_list"),
    path("feedback/new/", feedback_create_view, name="feedback_create"),
    path("feedback/customers/", feedback_customer_options_view, name="feedback_customer_options"),
    path("feedback/<int:pk>/", feedback_detail_view, name="feedback_detail"),
    *[path(f"feedback/<int:pk>/{a}/", _action_view(a), name=f"feedback_{a}") for a in ACTION_FORMS],
]
