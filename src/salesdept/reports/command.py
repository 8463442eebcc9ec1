"""`salesdept report monthly 2026-10` (quarterly 2026-Q3, yearly 2026): the report pack 统计台账 of a
period written as files — salesdept-report-<period>.pdf and/or .xlsx in --out (default: the
current folder).

The pack holds the figures of one user, in that user's scope: --user USERNAME, or, without it,
the one active user with the director role (when there is none or several, --user is required:
the command never guesses whose figures to print). The files are in --lang, else the user's own
language, else the site's. Called by salesdept.cli after Django is set up; messages are English
like the rest of the command line. Exit 0 when the files were written, 2 on a bad period, user or
permission."""

import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.utils import translation

__all__ = ["run"]


def _fail(message: str) -> int:
    print(f"salesdept: {message}", file=sys.stderr, flush=True)
    return 2


def report_user(username: str | None):
    """The user the pack is made for: `username`, or the only active director."""
    from salesdept.accounts.models import User

    if username:
        return User.objects.filter(username=username, is_active=True).first()
    directors = list(User.objects.filter(is_active=True, groups__name="director").distinct()[:2])
    return directors[0] if len(directors) == 1 else None


def run(*, kind: str, period: str, fmt: str = "both", out: str | None = None, username: str | None = None,
        language: str | None = None) -> int:  # fmt: skip
    from salesdept.core.errors import ValidationFailed

    from .files import filename, pack_pdf, pack_xlsx
    from .pack import build_pack, parse_period

    with translation.override("en"):
        try:
            parse_period(kind, period)
        except ValidationFailed as exc:
            return _fail(f"{kind} {period!r}: " + "; ".join(str(m) for m in exc.fields.values()))
    user = report_user(username)
    if user is None:
        if username:
            return _fail(f"no active user named {username!r}.")
        return _fail(
            "--user is required: there is not exactly one active director "
            "(the pack holds the figures of the user it is made for)."
        )
    folder = Path(out or ".").expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _fail(f"{folder}: cannot create the folder ({exc.strerror}).")
    language = language or getattr(user, "language", "") or None
    with translation.override(language or translation.get_language() or "en"):
        try:
            pack = build_pack(user=user, kind=kind, period=period)
        except PermissionDenied:
            return _fail(f"{user.username} may not see the sales statistics.")
        formats = ("pdf", "xlsx") if fmt == "both" else (fmt,)
        written = []
        for one in formats:
            data = pack_pdf(pack) if one == "pdf" else pack_xlsx(pack)
            path = folder / filename(pack, one)
            path.write_bytes(data)
            written.append(path)
    for path in written:
        print(f"Wrote {path} ({path.stat().st_size:,} bytes) for {user.username}.", flush=True)
    return 0
