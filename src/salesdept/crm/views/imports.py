"""Import pages (X5): choose what to import and upload a file, see every bad row, then import
all rows, only the good ones, or cancel. Templates to fill in are downloadable.

Between the check and the import the uploaded file waits under MEDIA_ROOT/imports/ with a
random name known only to the uploader's session; importing or cancelling deletes it, and
files older than a day are swept at the next upload. The services decide everything: these
views only carry the file and show the ImportResult."""

import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, re_path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from salesdept.core.imports import MAX_FILE_BYTES, ImportFileError, read_table, template_response
from salesdept.crm.services import imports as services

SESSION_KEY = "crm_imports"
FOLDER = "imports"
MAX_AGE_SECONDS = 24 * 3600
SHOWN_ERRORS = 500  # the page lists this many problems; the counts cover all of them
EXTENSIONS = (".csv", ".xlsx")
KIND_LABELS = {"customers": _("Customers"), "contacts": _("Contacts"), "leads": _("Leads")}
# Where to go after a successful import (the list the new rows appear in).
DONE_URLS = {"customers": "crm:customer_list", "contacts": "crm:customer_list", "leads": "crm:lead_list"}


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to import"), choices=())
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, KIND_LABELS[k]) for k in kinds]
        # Built here, in the request's language (a class-level % would fix it at import time).
        self.fields["file"].help_text = _(
            "CSV (UTF-8 or GBK) or XLSX, first row the column titles, at most %(size)s MB."
        ) % {"size": MAX_FILE_BYTES // (1024 * 1024)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(EXTENSIONS):
            raise forms.ValidationError(_("Upload a CSV or XLSX file."))
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB. Split it into smaller files.")
                % {"size": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload


def allowed_kinds(user) -> list[str]:
    return [k for k in services.KINDS if user.has_perm(services.PERMISSIONS[k])]


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    """Delete uploads left behind (a closed browser tab never imports nor cancels)."""
    cutoff = time.time() - MAX_AGE_SECONDS
    for old in folder.iterdir():
        try:
            if old.is_file() and old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass


def _store(request, kind: str, upload) -> str:
    folder = _folder()
    _sweep(folder)
    token = secrets.token_urlsafe(18)
    extension = Path(upload.name).suffix.lower()  # .csv or .xlsx, checked by the form
    with open(folder / f"{token}{extension}", "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    pending = request.session.get(SESSION_KEY, {})
    pending[token] = {"kind": kind, "name": upload.name[:200], "file": f"{token}{extension}"}
    request.session[SESSION_KEY] = pending
    return token


def _pending(request, token: str) -> dict:
    """The upload `token` of this session (someone else's token is unknown: 404)."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if entry is None or not (_folder() / entry["file"]).is_file():
        raise Http404
    if not request.user.has_perm(services.PERMISSIONS[entry["kind"]]):
        raise PermissionDenied
    return entry


def _discard(request, token: str) -> None:
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    if entry:
        (_folder() / entry["file"]).unlink(missing_ok=True)


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
        token = _store(request, form.cleaned_data["kind"], form.cleaned_data["file"])
        return redirect("crm:import_check", token=token)
    columns = {k: services.COLUMNS[k] for k in kinds}
    return render(
        request,
        "crm/import_start.html",
        {"form": form, "kinds": [(k, KIND_LABELS[k], columns[k]) for k in kinds]},
        status=400 if form.errors else 200,
    )


def _run(request, entry: dict, *, only_valid: bool, dry_run: bool):
    table = read_table(_folder() / entry["file"], entry["name"])
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
        _discard(request, token)
        messages.info(request, _("The import was cancelled; nothing was written."))
        return redirect(f"{reverse('crm:import_start')}?kind={entry['kind']}")
    if action not in (None, "all", "only_valid"):
        raise Http404
    try:
        result = _run(request, entry, only_valid=action == "only_valid", dry_run=action is None)
    except ImportFileError as exc:
        _discard(request, token)
        messages.error(request, exc.message)
        return redirect(f"{reverse('crm:import_start')}?kind={entry['kind']}")
    if result.created:
        _discard(request, token)
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
            "errors": result.errors[:SHOWN_ERRORS],
            "hidden_errors": max(0, len(result.errors) - SHOWN_ERRORS),
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
