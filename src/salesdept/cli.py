"""The `salesdept` command: demo, serve, migrate, createadmin, import, report, manage, bench.

Settings are read from the environment when Django starts, so each command sets what it needs
(SALESDEPT_HOME, DATABASE_URL, …) before `_django()`. `bench` never starts Django in this process:
it works in a temporary folder through child processes.

Output is English: this is an operator's tool, like Django's own management commands; the web
pages and the API are the translated surfaces.
"""

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEMO_MARKER = "demo-loaded.json"
DEMO_DATABASE = "salesdept.sqlite3"


def _positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (else argparse's own usage error)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _home() -> Path:
    return Path(os.environ.get("SALESDEPT_HOME") or Path.home() / ".salesdept").expanduser().resolve()


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesdept.settings")
    import django

    django.setup()


def _say(message: str = "") -> None:
    print(message, flush=True)


def _fail(message: str, code: int = 2) -> int:
    print(f"salesdept: {message}", file=sys.stderr, flush=True)
    return code


def _collectstatic() -> None:
    """Collect the static files into the data folder, unless the files collected there last time
    came from exactly the same sources with the same storage (a stamp file says so): the demo
    reuses its data folder, and collecting again would only rewrite the same files."""
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    sources = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = os.stat(storage.path(path))
            sources.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    stamp = Path(settings.STATIC_ROOT) / ".sources.sha256"
    if stamp.exists() and stamp.read_text() == sources.hexdigest():
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(sources.hexdigest())


def _gunicorn(*, host: str, port: int, workers: int, accesslog: str | None) -> None:
    """Serve the Django application with a real gunicorn (pre-forked sync workers)."""
    from django.core.wsgi import get_wsgi_application
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    from salesdept.web.apps import warm_up

    application = get_wsgi_application()
    warm_up()  # URLconf, URL maps, catalogs, templates: once here, not in each worker's first request
    connections.close_all()  # never share a database connection across fork()
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options = {
        "bind": bind,
        "workers": max(1, workers),
        # a 50,000-row import (the largest request) runs in one request; give it room on a
        # busy machine instead of killing the worker half-way (the import is one transaction,
        # so a killed worker writes nothing, but the user gets no answer)
        "timeout": int(os.environ.get("SALESDEPT_WORKER_TIMEOUT", "180")),
        "graceful_timeout": 10,
        "accesslog": accesslog,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "salesdept",
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    }

    class Server(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return application

    Server().run()


# ---------------------------------------------------------------------------------------------
# demo


def _demo_banner(url: str) -> None:
    from salesdept.demo.org import PASSWORD, PEOPLE, REGIONS, TEAMS

    teams = {code: f"{en} · {zh}" for code, zh, en, _region in TEAMS}
    regions = {code: f"region {en} · {zh}" for code, zh, en, _parent in REGIONS}
    _say()
    _say(f"salesdept demo is running at {url}")
    _say(f"演示系统已启动: {url}")
    _say()
    _say(f"Demo logins 演示账号 (password 密码: {PASSWORD})")
    for username, name, roles, team, region in PEOPLE:
        where = f"  ({teams[team]})" if team else f"  ({regions[region]})" if region else ""
        _say(f"  {username:<14} {', '.join(roles):<18} {name}{where}")
    _say()
    _say("Press Ctrl+C to stop. 按 Ctrl+C 停止。")


def cmd_demo(args) -> int:
    home = _home()
    home.mkdir(parents=True, exist_ok=True)
    database = home / DEMO_DATABASE
    marker = home / DEMO_MARKER
    if os.environ.get("DATABASE_URL"):
        _say("Note: the demo always uses SQLite in SALESDEPT_HOME; DATABASE_URL is ignored here.")
    os.environ["SALESDEPT_HOME"] = str(home)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.pop("SALESDEPT_PRODUCTION", None)  # plain http on a local port
    if "ALLOWED_HOSTS" not in os.environ:
        wildcard = args.host in ("0.0.0.0", "::")
        os.environ["ALLOWED_HOSTS"] = (
            "*" if wildcard else ",".join(dict.fromkeys(["127.0.0.1", "localhost", args.host]))
        )

    if args.reset:
        for path in [database, Path(f"{database}-wal"), Path(f"{database}-shm"), marker]:
            path.unlink(missing_ok=True)
        _say(f"Removed the demo database in {home}.")
    if not database.exists():
        marker.unlink(missing_ok=True)

    _django()
    from django.core.management import call_command

    _say(f"Data folder: {home}")
    call_command("migrate", interactive=False, verbosity=0)
    if marker.exists():
        _say("Reusing the demo company loaded earlier (salesdept demo --reset rebuilds it).")
    else:
        _say("Loading the demo company …")
        from django.utils import timezone

        from salesdept.demo.load import SEED, load_demo

        ctx = load_demo(say=_say)
        marker.write_text(
            json.dumps(
                {"seed": SEED, "loaded_at": timezone.now().isoformat(), "counts": ctx.counts}, indent=2
            )
        )
    _collectstatic()
    if args.no_serve:
        _say(f"Demo data ready in {database}.")
        return 0
    _demo_banner(f"http://{args.host}:{args.port}/")
    _gunicorn(host=args.host, port=args.port, workers=args.workers, accesslog=None)
    return 0


# ---------------------------------------------------------------------------------------------
# serve


def _unapplied_migrations() -> int:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def cmd_serve(args) -> int:
    os.environ["SALESDEPT_PRODUCTION"] = "1"
    os.environ.setdefault("DEBUG", "0")
    missing = [name for name in ("DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS") if not os.environ.get(name)]
    if missing:
        return _fail(
            "production settings come from the environment; set "
            + ", ".join(missing)
            + " (see README: Running in production)."
        )
    if os.environ.get("DEBUG", "0").lower() in {"1", "true", "yes", "on"}:
        return _fail("DEBUG must be off for `salesdept serve`.")
    _django()
    pending = _unapplied_migrations()
    if pending:
        _say(f"Hint: {pending} database migration(s) are not applied yet; run `salesdept migrate` first.")
    _collectstatic()
    _say(f"salesdept serving on {args.host}:{args.port} with {args.workers} worker(s)")
    _gunicorn(host=args.host, port=args.port, workers=args.workers, accesslog="-")
    return 0


# ---------------------------------------------------------------------------------------------
# migrate, createadmin, manage, bench


def cmd_migrate(args) -> int:
    _django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    return 0


def _ask(prompt: str) -> str:
    return input(prompt).strip()


def cmd_createadmin(args) -> int:
    """Create a user with the admin role (users, roles, master data) and access to /admin/."""
    import getpass

    _django()
    from salesdept.accounts.services import admin_bootstrap
    from salesdept.core.errors import ValidationFailed

    if _unapplied_migrations():
        return _fail("the database is not up to date; run `salesdept migrate` first.")
    interactive = sys.stdin.isatty() and not args.no_input
    username, password, email = args.username, args.password, args.email
    if not username:
        if not interactive:
            return _fail("--username is required when there is no terminal to ask.")
        username = _ask("Username: ")
    if email is None:
        email = _ask("Email (optional): ") if interactive else ""
    while True:
        if not password:
            if not interactive:
                return _fail("--password is required when there is no terminal to ask.")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                _say("The two passwords differ.")
                password = None
                continue
        try:
            admin_bootstrap(username=username, password=password, email=email)
        except ValidationFailed as exc:
            if "password" in exc.fields and interactive and not args.password:
                _say(str(exc.fields["password"]))
                password = None
                continue
            return _fail("; ".join(f"{field}: {msg}" for field, msg in exc.fields.items()))
        break
    _say(f"Created {username} with the admin role.")
    return 0


def _import_user(username: str | None):
    """The user an import runs as: --user, or the one active user with the admin role."""
    from salesdept.accounts.models import User

    if username:
        return User.objects.filter(username=username, is_active=True).first()
    admins = list(User.objects.filter(is_active=True, groups__name="admin")[:2])
    return admins[0] if len(admins) == 1 else None


def _print_row_errors(errors) -> None:
    rows = [(str(e.row), str(e.column), str(e.message)) for e in errors]
    widths = [max(len(title), *(len(r[i]) for r in rows)) for i, title in enumerate(("row", "column"))]
    _say(f"{'row':>{widths[0]}}  {'column':<{widths[1]}}  reason")
    for row, column, message in rows:
        _say(f"{row:>{widths[0]}}  {column:<{widths[1]}}  {message}")


def cmd_import(args) -> int:
    """Check a CSV/XLSX file and import it through the same services as the page (scope applies).
    Exit 0 when rows were written (or a dry run found no errors), 1 when nothing was written
    because of row errors, 2 when the file, the user or the permission is the problem."""
    _django()
    from django.core.exceptions import PermissionDenied

    from salesdept.core.errors import DomainError
    from salesdept.core.imports import read_table
    from salesdept.crm.services.imports import run_import

    if args.kind == "sales" and args.only_valid:
        return _fail(
            "--only-valid is not supported for sales: a sales history is imported whole or not at all."
        )
    if _unapplied_migrations():
        return _fail("the database is not up to date; run `salesdept migrate` first.")
    user = _import_user(args.user)
    if user is None:
        if args.user:
            return _fail(f"no active user named {args.user!r}.")
        return _fail("--user is required (the import runs as that user, within their scope).")
    path = Path(args.file)
    if not path.is_file():
        return _fail(f"{path}: no such file.")
    try:
        table = read_table(path, path.name)
        if args.kind == "sales":
            from salesdept.stats.history import import_history

            result = import_history(by=user, table=table, dry_run=args.dry_run)
        else:
            result = run_import(
                by=user, kind=args.kind, table=table, only_valid=args.only_valid, dry_run=args.dry_run
            )
    except PermissionDenied:
        return _fail(f"{user.username} is not allowed to import {args.kind}.")
    except DomainError as exc:
        return _fail(f"{path.name}: {exc.message}")
    if result.errors:
        _print_row_errors(result.errors)
        _say()
    if args.kind == "sales":
        _say(
            f"{result.total} row(s) read, {result.valid} good, {result.skipped} with errors, "
            f"{result.already_imported} already imported; {result.created} sales line(s) imported as "
            f"{user.username} ({'to create' if args.dry_run else 'created'}: {result.new_customers} "
            f"customer(s), {result.new_products} product(s), {result.new_categories} category(ies))."
        )
    else:
        _say(
            f"{result.total} row(s) read, {result.valid} good, {result.skipped} with errors; "
            f"{result.created} {args.kind} created as {user.username}."
        )
    if args.dry_run:
        _say("Dry run: nothing was written.")
        return 1 if result.errors and not args.only_valid else 0
    if result.created:
        return 0
    if result.errors:
        if args.kind == "sales":
            _say("Nothing was written. Correct the rows above and import the file again.")
        else:
            _say("Nothing was written. Correct the rows above, or use --only-valid to import the good rows.")
        return 1
    return 0


def cmd_report(args) -> int:
    """The report pack 统计台账 of a period as PDF/XLSX files (salesdept/reports/command.py)."""
    _django()
    if _unapplied_migrations():
        return _fail("the database is not up to date; run `salesdept migrate` first.")
    from salesdept.reports.command import run

    return run(
        kind=args.kind,
        period=args.period,
        fmt=args.format,
        out=args.out,
        username=args.user,
        language=args.lang,
    )


def cmd_manage(args) -> int:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["salesdept manage", *args.rest])
    return 0


def cmd_bench(args) -> int:
    from salesdept.bench.run import run

    only = {name.strip() for name in (args.only or "").split(",") if name.strip()} or None
    return run(
        quick=args.quick,
        database_url=args.database_url,
        only=only,
        skip_sqlite=args.skip_sqlite,
        requests=args.requests,
    )


def _default_workers() -> int:
    if value := os.environ.get("WEB_CONCURRENCY"):
        return int(value)
    return min(2 * (os.cpu_count() or 1) + 1, 9)


def build_parser() -> argparse.ArgumentParser:
    from importlib.metadata import PackageNotFoundError, version

    try:
        __version__ = version("salesdept")
    except PackageNotFoundError:  # running from a source tree that was not installed
        __version__ = "unknown"
    parser = argparse.ArgumentParser(
        prog="salesdept",
        description="salesdept — sales department management (销售部管理系统).",
        epilog="Data folder: SALESDEPT_HOME (default ~/.salesdept). "
        "Database: DATABASE_URL (default: SQLite in the data folder).",
    )
    parser.add_argument("--version", action="version", version=f"salesdept {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "demo",
        help="load the demo company (once) and serve it on http://127.0.0.1:8000",
        description="Migrate an SQLite database in SALESDEPT_HOME, load the demo company once, "
        "and serve it with gunicorn. Running it again reuses the data.",
    )
    p.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default %(default)s)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default %(default)s)")
    p.add_argument("--reset", action="store_true", help="delete the demo database and rebuild it")
    p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default %(default)s)")
    p.add_argument("--no-serve", action="store_true", help="prepare the data folder and exit")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "serve",
        help="serve with production settings from the environment",
        description="Production server: needs DATABASE_URL, SECRET_KEY and ALLOWED_HOSTS. Does not migrate: "
        "run `salesdept migrate` after each upgrade. Serve behind a TLS proxy that sets X-Forwarded-Proto.",
    )
    p.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default %(default)s)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default %(default)s)")
    p.add_argument(
        "--workers",
        type=int,
        default=_default_workers(),
        help="gunicorn worker processes (default: WEB_CONCURRENCY or 2×CPUs+1, now %(default)s)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="create or update the database tables (and the role groups)")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("createadmin", help="create a user with the admin role (asks, or takes flags)")
    p.add_argument("--username")
    p.add_argument("--password", help="checked against the password rules")
    p.add_argument("--email")
    p.add_argument("--no-input", action="store_true", help="never prompt")
    p.set_defaults(func=cmd_createadmin)

    p = sub.add_parser(
        "import",
        help="import customers, contacts or leads, or past sales, from a CSV or XLSX file",
        description="Check every row first and print each bad row (row, column, reason). Nothing is "
        "written unless every row is good, or --only-valid is given (not for sales). The import runs "
        "as --user (default: the only active user with the admin role) within that user's scope. "
        "`sales` records past order lines as historical sales (lines already imported are skipped).",
    )
    p.add_argument("kind", choices=["customers", "contacts", "leads", "sales"])
    p.add_argument("file", help="a .csv (UTF-8 or GBK) or .xlsx file; the first row holds the column titles")
    p.add_argument("--user", help="username to import as (their permissions and scope apply)")
    p.add_argument("--only-valid", action="store_true", help="write the good rows even if others have errors")
    p.add_argument("--dry-run", action="store_true", help="check only; write nothing")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "report",
        help="write the monthly, quarterly or yearly report pack (统计台账) as PDF and/or Excel",
        description="The report pack of a period: sales by region and salesperson against plan, top "
        "customers and products, new customers, receivables and contract fulfillment, in the scope "
        "of --user (default: the only active user with the director role). Writes "
        "salesdept-report-PERIOD.pdf / .xlsx into --out.",
    )
    p.add_argument("kind", choices=["monthly", "quarterly", "yearly"])
    p.add_argument("period", help="2026-10 (monthly), 2026-Q3 (quarterly) or 2026 (yearly)")
    p.add_argument("--format", choices=["pdf", "xlsx", "both"], default="both", help="default %(default)s")
    p.add_argument("--out", default=".", help="folder to write the files to (default: the current folder)")
    p.add_argument("--user", help="username whose figures the pack holds (their scope applies)")
    p.add_argument("--lang", choices=["en", "zh-hans"], help="language of the files (default: the user's)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "manage", help="run any Django management command (salesdept manage help)", add_help=False
    )
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)

    p = sub.add_parser(
        "bench",
        help="measure latency in a temporary folder and print one JSON object",
        description="Seeds 10,000 users in a throwaway SQLite database (and a throwaway PostgreSQL "
        "database when DATABASE_URL or --database-url is postgresql://…), serves them with gunicorn "
        "and measures every workload of salesdept/bench/workloads.py over real HTTP.",
    )
    p.add_argument("--quick", action="store_true", help="50 requests per workload instead of 500")
    p.add_argument(
        "--database-url", help="PostgreSQL server to bench on (default: DATABASE_URL if postgresql)"
    )
    p.add_argument("--only", help="comma-separated workload names to measure (default: all)")
    p.add_argument(
        "--skip-sqlite", action="store_true", help="bench PostgreSQL only (needs a PostgreSQL URL)"
    )
    p.add_argument(
        "--requests",
        type=_positive_int,
        help="requests per workload (default 500, 50 with --quick): a few suffice for slow reports",
    )
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    if argv[:1] == ["manage"]:  # everything after `manage` belongs to Django, --help included
        args = argparse.Namespace(func=cmd_manage, rest=argv[1:])
    else:
        args = parser.parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
