"""What the import pages share (the customer import X5 and the history import): the upload field
with its type and size checks, the uploaded file kept between "check" and "import", and the
row errors as the result page lists them. The pages keep their own flow; the services decide.

    class MyForm(UploadForm): ...                          # file = CSV or XLSX, ≤ MAX_FILE_BYTES
    uploads = PendingUploads(session_key="…", folder="…")  # MEDIA_ROOT/<folder>/<token>.<ext>
    token = uploads.store(request, upload, kind=kind)       # the entry: kind, name, file
    entry = uploads.get(request, token)                     # 404 unless this session's
    table = read_table(uploads.path(entry), entry["name"])
    uploads.discard(request, token)
    context.update(error_context(result))                   # errors, hidden_errors

A stored file has a random name known only to the uploader's session; discarding deletes it, and
files older than a day are swept at the next upload (a checked file never imported)."""

import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .imports import MAX_FILE_BYTES

__all__ = ["EXTENSIONS", "MAX_AGE_SECONDS", "SHOWN_ERRORS", "PendingUploads", "UploadForm", "error_context"]

EXTENSIONS = (".csv", ".xlsx")
MAX_AGE_SECONDS = 24 * 3600
SHOWN_ERRORS = 500  # a result page lists this many problems; the counts cover all of them
_MB = 1024 * 1024


class UploadForm(forms.Form):
    """A form with the `file` to import: CSV or XLSX, at most MAX_FILE_BYTES."""

    file = forms.FileField(label=_("File"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built here, in the request's language (a class-level % would fix it at import time).
        self.fields["file"].help_text = _(
            "CSV (UTF-8 or GBK) or XLSX, first row the column titles, at most %(size)s MB."
        ) % {"size": MAX_FILE_BYTES // _MB}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(EXTENSIONS):
            raise forms.ValidationError(_("Upload a CSV or XLSX file."))
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB. Split it into smaller files.")
                % {"size": MAX_FILE_BYTES // _MB}
            )
        return upload


class PendingUploads:
    """Uploaded files waiting under MEDIA_ROOT/<folder>/, listed in the session under
    `session_key` as {token: {**extra, "name": the upload's name, "file": the stored name}}."""

    def __init__(self, *, session_key: str, folder: str):
        self.session_key = session_key
        self.folder_name = folder

    def folder(self) -> Path:
        folder = Path(settings.MEDIA_ROOT) / self.folder_name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def path(self, entry: dict) -> Path:
        return self.folder() / entry["file"]

    def store(self, request, upload, **extra) -> str:
        """Keep `upload` (its extension checked by UploadForm) for this session; its token."""
        folder = self.folder()
        _sweep(folder)
        token = secrets.token_urlsafe(18)
        name = f"{token}{Path(upload.name).suffix.lower()}"
        with open(folder / name, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        pending = request.session.get(self.session_key, {})
        pending[token] = {**extra, "name": upload.name[:200], "file": name}
        request.session[self.session_key] = pending
        return token

    def get(self, request, token: str) -> dict:
        """The upload `token` of this session (someone else's token is unknown: 404)."""
        entry = request.session.get(self.session_key, {}).get(token)
        if entry is None or not self.path(entry).is_file():
            raise Http404
        return entry

    def discard(self, request, token: str) -> None:
        pending = request.session.get(self.session_key, {})
        entry = pending.pop(token, None)
        request.session[self.session_key] = pending
        if entry:
            self.path(entry).unlink(missing_ok=True)


def _sweep(folder: Path) -> None:
    """Delete uploads left behind (a closed browser tab never imports nor cancels)."""
    cutoff = time.time() - MAX_AGE_SECONDS
    for old in folder.iterdir():
        try:
            if old.is_file() and old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass


def error_context(result) -> dict:
    """The row errors a result page lists (the first SHOWN_ERRORS) and how many more there are."""
    return {
        "errors": result.errors[:SHOWN_ERRORS],
        "hidden_errors": max(0, len(result.errors) - SHOWN_ERRORS),
    }
