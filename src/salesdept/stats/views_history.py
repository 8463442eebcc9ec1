"""The history import page 历史销售导入 (issue 7): upload a CSV or XLSX of past order lines, "Check
only" or "Import"; the result lists every bad row (row, the file's column, reason) and what was
written (lines, orders, new customers, products and categories). Nothing is written when any row
is wrong, and a file imported twice adds nothing (stats.history.import_history decides all that).

After "Check only" the file waits under MEDIA_ROOT/history-imports/ with a random name known only
to the uploader's session, so "Import" needs no second upload; importing deletes it, and files
older than a day are swept at the next upload. Templates (CSV, XLSX) are downloadable."""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, re_path
from django.utils.translation import gettext_lazy as _

from salesdept.core.import_views import PendingUploads, UploadForm, error_context
from salesdept.core.imports import ImportFileError, read_table, template_response
from salesdept.core.permissions import require

from .history import COLUMNS, PERMISSION, import_history
from .history_rows import chunks
from .models import Kind, SalesFact, Source

UPLOADS = PendingUploads(session_key="stats_history_imports", folder="history-imports")
TEMPLATE_NAME = "sales-history-template"


class HistoryImportForm(UploadForm):
    """The file of past order lines (CSV or XLSX)."""


def orders_to_write(table) -> int:
    """How many orders the file adds lines to: the orders of its rows whose (order number, line)
    is not imported yet (the line defaults to the row's position among its order's rows, as the
    importer numbers it). Read before the import; with no row errors it is what gets written."""
    records, _errors = table.records(COLUMNS)
    position: dict = defaultdict(int)
    keys = []
    for _number, values in records:
        order = values["order"].strip()
        if order:
            position[order] += 1
            keys.append((order, values["line"].strip() or str(position[order])))
    existing = set()
    for chunk in chunks({order for order, _line in keys}):
        existing.update(
            SalesFact.objects.filter(source=Source.HISTORY, kind=Kind.ORDERED, number__in=chunk).values_list(
                "number", "line"
            )
        )
    return len({order for order, line in keys if (order, line) not in existing})


def run(*, by, table, dry_run: bool) -> dict:
    """The import (or its check) and its summary: ImportResult.as_dict() plus `orders`."""
    require(by, PERMISSION)  # before reading anything of the file's orders
    orders = orders_to_write(table)
    result = import_history(by=by, table=table, dry_run=dry_run)
    summary = result.as_dict()
    summary["orders"] = orders if not result.errors and (result.created or dry_run) else 0
    summary["result"] = result
    return summary


# --------------------------------------------------------------------------------------- pages


def _start(request, form, *, status=200):
    return render(
        request,
        "stats/history_import.html",
        {"form": form, "columns": COLUMNS},
        status=status,
    )


def _fresh(result) -> int:
    """Rows of a clean check that an import would write (not imported before)."""
    return 0 if result.errors else result.valid - result.already_imported


def _result(request, *, name: str, summary: dict, token: str = ""):
    result = summary["result"]
    return render(
        request,
        "stats/history_import_result.html",
        {
            "name": name,
            "summary": summary,
            "result": result,
            "fresh": _fresh(result),
            "token": token if result.dry_run and _fresh(result) else "",
            **error_context(result),
            "nothing_new": not result.errors and not result.created and not _fresh(result),
        },
        status=400 if result.errors else 200,
    )


@login_required
@permission_required(PERMISSION, raise_exception=True)
def history_import_view(request):
    """GET: the upload form and the templates. POST (file, action check|import): check the file
    (it is kept for the Import button) or import it at once; the result page either way."""
    form = HistoryImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return _start(request, form)
    action = request.POST.get("action")
    if action not in ("check", "import"):
        form.add_error(None, _("Choose Check only or Import."))
    if not form.is_valid():
        return _start(request, form, status=400)
    upload = form.cleaned_data["file"]
    token = UPLOADS.store(request, upload) if action == "check" else ""  # kept for the Import button
    source = UPLOADS.path(UPLOADS.get(request, token)) if token else upload
    try:
        table = read_table(source, upload.name)
    except ImportFileError as exc:
        if token:
            UPLOADS.discard(request, token)
        form.add_error("file", exc.message)
        return _start(request, form, status=400)
    summary = run(by=request.user, table=table, dry_run=action == "check")
    if token and not _fresh(summary["result"]):
        UPLOADS.discard(request, token)  # nothing to import later
        token = ""
    return _result(request, name=upload.name, summary=summary, token=token)


@login_required
@permission_required(PERMISSION, raise_exception=True)
def history_import_checked_view(request, token: str):
    """POST: import the file checked before (kept under `token`); the result page."""
    if request.method != "POST":
        raise Http404
    entry = UPLOADS.get(request, token)
    try:
        table = read_table(UPLOADS.path(entry), entry["name"])
    except ImportFileError as exc:  # it was read at the check; only a changed disk gets here
        UPLOADS.discard(request, token)
        messages.error(request, exc.message)
        return redirect("stats:history_import")
    summary = run(by=request.user, table=table, dry_run=False)
    UPLOADS.discard(request, token)
    return _result(request, name=entry["name"], summary=summary)


@login_required
@permission_required(PERMISSION, raise_exception=True)
def history_template_view(request, fmt: str):
    """The template as CSV or XLSX: the documented column titles and one example row."""
    return template_response(COLUMNS, fmt, filename=TEMPLATE_NAME)


urlpatterns = [
    path("history/import/", history_import_view, name="history_import"),
    re_path(r"^history/import/template\.(?P<fmt>csv|xlsx)$", history_template_view, name="history_template"),
    path("history/import/<str:token>/", history_import_checked_view, name="history_import_checked"),
]
