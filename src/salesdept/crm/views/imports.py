"""Import pages (X5): choose what to import and upload a file, see every bad row, then import
all rows, only the good ones, or cancel. Templates to fill in are downloadable.

Between the check and the import the uploaded file waits under MEDIA_ROOT/imports/ with a
random name known only to the uploader's session; importing or cancelling deletes it, and
files older than a day are swept at the next upload. The services decide everything: these
views only carry the file and show the ImportResult."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, re_path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from salesdept.core.import_views import PendingUploads, UploadForm, error_context
from salesdept.core.imports import ImportFileError, read_table, template_response
from salesdept.crm.services import imports as services

UPLOADS = PendingUploads(session_key="crm_imports", folder="imports")
KIND_LABELS = {"customers": _("Customers"), "contacts": _("Contacts"), "leads": _("Leads")}
# Where to go after a successful import (the list the new rows appear in).
DONE_URLS = {"customers": "crm:customer_list", "contacts": "crm:customer_list", "leads": "crm:lead_list"}


class ImportForm(UploadForm):
    kind = forms.ChoiceField(label=_("What to import"), choices=())
    field_order = ["kind", "file"]

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, KIND_LABELS[k]) for k in kinds]


def allowed_kinds(user) -> list[str]:
    return [k for k in services.KINDS if user.has_perm(services.PERMISSIONS[k])]


def _pending(request, token: str) -> dict:
    """The upload `token` of this session (404 otherwise), if the user may import its kind."""
    entry = UPLOADS.get(request, token)
    if not request.user.has_perm(services.PERMISSIONS[entry["kind"]]):
        raise PermissionDenied
    return entry


@login_required
def import_start_view(request):
    """Choose customers, contacts or leads, upload the file; templates to download."""
    kinds = allowed_kinds(request.user)
    if not kinds:
        raise PermissionDenied
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        kinds=kinds,
        initial={"kind": request.GET.get("kind") if request.GET.get("kind") in kinds else kinds[0]},
    )
    if request.method == "POST" and form.is_valid():
        token = UPLOADS.store(request, form.cleaned_data["file"], kind=form.cleaned_data["kind"])
        return redirect("crm:import_check", token=token)
    columns = {k: services.COLUMNS[k] for k in kinds}
    return render(
        request,
        "crm/import_start.html",
        {"form": form, "kinds": [(k, KIND_LABELS[k], columns[k]) for k in kinds]},
        status=400 if form.errors else 200,
    )


def _run(request, entry: dict, *, only_valid: bool, dry_run: bool):
    table = read_table(UPLOADS.path(entry), entry["name"])
    return services.run_import(
        by=request.user, kind=entry["kind"], table=table, only_valid=only_valid, dry_run=dry_run
    )


@login_required
def import_check_view(request, token: str):
    """GET: check the stored file and list every bad row (nothing is written). POST: import
    all rows, only the good ones (explicit), or cancel."""
    entry = _pending(request, token)
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "cancel":
        UPLOADS.discard(request, token)
        messages.info(request, _("The import was cancelled; nothing was written."))
        return redirect(f"{reverse('crm:import_start')}?kind={entry['kind']}")
    if action not in (None, "all", "only_valid"):
        raise Http404
    try:
        result = _run(request, entry, only_valid=action == "only_valid", dry_run=action is None)
    except ImportFileError as exc:
        UPLOADS.discard(request, token)
        messages.error(request, exc.message)
        return redirect(f"{reverse('crm:import_start')}?kind={entry['kind']}")
    if result.created:
        UPLOADS.discard(request, token)
        text = ngettext("Imported %(count)s row.", "Imported %(count)s rows.", result.created)
        messages.success(request, text % {"count": result.created})
        if result.errors:
            left = ngettext(
                "%(count)s row with errors was left out.",
                "%(count)s rows with errors were left out.",
                result.skipped,
            )
            messages.warning(request, left % {"count": result.skipped})
        try:
            return redirect(DONE_URLS[entry["kind"]])
        except NoReverseMatch:
            return redirect("crm:import_start")
    return render(
        request,
        "crm/import_check.html",
        {
            "token": token,
            "entry": entry,
            "kind_label": KIND_LABELS[entry["kind"]],
            "result": result,
            **error_context(result),
            "refused": action == "all",  # the file changed meaning since the check (e.g. a duplicate)
        },
        status=400 if action else 200,
    )


@login_required
def import_template_view(request, kind: str, fmt: str):
    """The template of `kind` as CSV or XLSX: the column titles and one example row."""
    if kind not in services.KINDS:
        raise Http404
    if not request.user.has_perm(services.PERMISSIONS[kind]):
        raise PermissionDenied
    return template_response(services.COLUMNS[kind], fmt, filename=f"import-{kind}")


urlpatterns = [
    path("imports/", import_start_view, name="import_start"),
    re_path(
        r"^imports/template/(?P<kind>[a-z]+)\.(?P<fmt>csv|xlsx)$",
        import_template_view,
        name="import_template",
    ),
    path("imports/<str:token>/", import_check_view, name="import_check"),
]
