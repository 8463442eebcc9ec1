"""Pages of the correspondence register (来电来函登记, C5): the list (filters, sort, export), the
detail with the attachment download, the register/edit form with file upload, mark done and
reopen. Thin: reads through selectors.letters, writes through services.letters."""

import mimetypes
import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from salesdept.core.errors import DomainError
from salesdept.core.exports import Column
from salesdept.core.listing import list_page

from ..filters_letters import LetterFilter
from ..forms_feedback import show_refusal
from ..forms_letters import LetterDoneForm, LetterForm, LetterReopenForm
from ..models import Letter
from ..selectors import letters as selectors
from ..services import letters as services
from .feedback import responsive_headers

FILTERS = ("q", "direction", "kind", "status", "handler", "customer", "overdue", "date_from", "date_to")
DIRECTION_COLOURS = {Letter.Direction.INCOMING: "primary", Letter.Direction.OUTGOING: "secondary"}
STATUS_COLOURS = {Letter.Status.OPEN: "warning", Letter.Status.DONE: "success"}

COLUMNS = [
    Column("number", _("Register number")),
    Column("direction", _("Direction"), lambda x: x.get_direction_display()),
    Column("kind", _("Kind"), lambda x: x.get_kind_display()),
    Column("date", _("Date")),
    Column("counterpart", _("From / to")),
    Column("reference", _("Their reference")),
    Column("subject", _("Subject")),
    Column("customer.name", _("Customer")),
    Column("handler", _("Handler"), lambda x: str(x.handler)),
    Column("follow_up_on", _("Follow up by")),
    Column("overdue", _("Follow-up overdue"), lambda x: bool(x.overdue)),
    Column("status", _("Status"), lambda x: x.get_status_display()),
    Column("outcome", _("Outcome")),
    Column(
        "attachment", _("Attachment"), lambda x: os.path.basename(x.attachment.name) if x.attachment else ""
    ),
]


def decorate(letter: Letter) -> Letter:
    letter.direction_colour = DIRECTION_COLOURS.get(letter.direction, "secondary")
    letter.status_colour = STATUS_COLOURS.get(letter.status, "secondary")
    letter.attachment_name = os.path.basename(letter.attachment.name) if letter.attachment else ""
    return letter


@login_required
@permission_required("crm.view_letter", raise_exception=True)
def letter_list_view(request):
    """Letters in scope: search, filters, sortable columns, 50 a page, Export CSV/XLSX of the
    same rows. An open letter whose follow-up date has passed is highlighted."""
    return list_page(
        request,
        rows=lambda: selectors.letter_list(user=request.user, filters=request.GET),
        empty=Letter.objects.none(),
        form=LetterFilter(request.GET or None).form,
        filters=FILTERS,
        columns=COLUMNS,
        export_name="correspondence",
        export_title=str(_("Correspondence")),
        template="crm/letter_list.html",
        decorate=decorate,
        context={
            "can_add": request.user.has_perm("crm.add_letter"),
            "headers": responsive_headers(
                request,
                [
                    ("number", _("Number"), ""),
                    ("date", _("Date"), "d-none d-sm-table-cell"),
                    ("counterpart", _("From / to"), "d-none d-md-table-cell"),
                    ("follow_up_on", _("Follow up by"), "d-none d-sm-table-cell"),
                    ("status", _("Status"), ""),
                ],
                default="-date",
            ),
        },
    )


@login_required
@permission_required("crm.add_letter", raise_exception=True)
def letter_create_view(request):
    """Register a letter; ?customer=ID preselects the customer."""
    if request.method == "POST":
        form = LetterForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                letter = services.letter_create(by=request.user, **form.service_kwargs())
            except DomainError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("%(number)s was registered.") % {"number": letter.number})
                return redirect("crm:letter_detail", pk=letter.pk)
        return render(request, "crm/letter_form.html", {"form": form}, status=400)
    initial = {}
    if (customer := request.GET.get("customer", "")).isdigit():
        initial["customer"] = int(customer)
    return render(request, "crm/letter_form.html", {"form": LetterForm(initial=initial, user=request.user)})


@login_required
@permission_required("crm.change_letter", raise_exception=True)
def letter_edit_view(request, pk: int):
    """Change an open letter's register data or replace its attachment."""
    letter = selectors.letter_get(user=request.user, letter_id=pk)
    if request.method != "POST" and letter.status != Letter.Status.OPEN:
        messages.info(request, _("Reopen the letter to change it."))
        return redirect("crm:letter_detail", pk=pk)
    if request.method == "POST":
        form = LetterForm(request.POST, request.FILES, user=request.user, letter=letter)
        if form.is_valid():
            try:
                services.letter_update(by=request.user, letter_id=pk, **form.service_kwargs())
            except DomainError as exc:
                show_refusal(form, exc)
                status = exc.status
            else:
                messages.success(request, _("The letter was saved."))
                return redirect("crm:letter_detail", pk=pk)
        else:
            status = 400
        return render(
            request, "crm/letter_form.html", {"form": form, "letter": decorate(letter)}, status=status
        )
    initial = {
        "direction": letter.direction,
        "kind": letter.kind,
        "date": letter.date,
        "counterpart": letter.counterpart,
        "reference": letter.reference,
        "subject": letter.subject,
        "customer": letter.customer_id,
        "handler": letter.handler_id,
        "follow_up_on": letter.follow_up_on,
        "version": letter.version,
    }
    form = LetterForm(initial=initial, user=request.user, letter=letter)
    return render(request, "crm/letter_form.html", {"form": form, "letter": decorate(letter)})


def _detail(request, letter: Letter, *, done_form=None, status: int = 200):
    return render(
        request,
        "crm/letter_detail.html",
        {
            "letter": decorate(letter),
            "actions": services.letter_allowed_actions(letter, request.user),
            "done_form": done_form
            or LetterDoneForm(initial={"outcome": letter.outcome, "version": letter.version}),
        },
        status=status,
    )


@login_required
@permission_required("crm.view_letter", raise_exception=True)
def letter_detail_view(request, pk: int):
    """One letter: its register data, the attachment, and the handler's outcome."""
    return _detail(request, selectors.letter_get(user=request.user, letter_id=pk))


@login_required
@permission_required("crm.change_letter", raise_exception=True)
@require_POST
def letter_done_view(request, pk: int):
    """POST: mark the letter done with its outcome (409 with the reason when the letter changed
    meanwhile)."""
    form = LetterDoneForm(request.POST)
    if not form.is_valid():
        letter = selectors.letter_get(user=request.user, letter_id=pk)
        return _detail(request, letter, done_form=form, status=400)
    try:
        services.letter_done(by=request.user, letter_id=pk, **form.service_kwargs())
    except DomainError as exc:
        letter = selectors.letter_get(user=request.user, letter_id=pk)
        if exc.status == 409:
            messages.error(request, exc.message)
            return _detail(request, letter, status=409)
        show_refusal(form, exc)
        return _detail(request, letter, done_form=form, status=exc.status)
    messages.success(request, _("The letter was marked done."))
    return redirect("crm:letter_detail", pk=pk)


@login_required
@permission_required("crm.change_letter", raise_exception=True)
@require_POST
def letter_reopen_view(request, pk: int):
    """POST: open a done letter again (409 with the reason when it changed meanwhile)."""
    form = LetterReopenForm(request.POST)
    form.is_valid()  # a malformed version counts as none: reopening takes no other input
    try:
        services.letter_reopen(by=request.user, letter_id=pk, **form.service_kwargs())
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail(request, selectors.letter_get(user=request.user, letter_id=pk), status=exc.status)
    messages.success(request, _("The letter was reopened."))
    return redirect("crm:letter_detail", pk=pk)


@login_required
@permission_required("crm.view_letter", raise_exception=True)
@require_GET
def letter_attachment_view(request, pk: int):
    """The attachment as a download, only for people who may see the letter (404 otherwise);
    files are never reachable through a public media URL."""
    letter = selectors.letter_get(user=request.user, letter_id=pk)
    return attachment_response(letter)


def attachment_response(letter: Letter) -> FileResponse:
    """The letter's file as a download (shared by the page and the API); 404 without one."""
    if not letter.attachment:
        raise Http404
    try:
        handle = letter.attachment.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    name = os.path.basename(letter.attachment.name)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    # Never let a browser guess a type and run it.
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("letters/", letter_list_view, name="letter_list"),
    path("letters/new/", letter_create_view, name="letter_create"),
    path("letters/<int:pk>/", letter_detail_view, name="letter_detail"),
    path("letters/<int:pk>/edit/", letter_edit_view, name="letter_edit"),
    path("letters/<int:pk>/done/", letter_done_view, name="letter_done"),
    path("letters/<int:pk>/reopen/", letter_reopen_view, name="letter_reopen"),
    path("letters/<int:pk>/attachment/", letter_attachment_view, name="letter_attachment"),
]
