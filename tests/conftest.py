"""Personas (the demo company's people) and the example document's permissions."""

import os
import re
from contextlib import contextmanager

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission

from salesdept.demo.org import PASSWORD, build_org

EXAMPLE_GRANTS = {
    "salesperson": ["add_voucher", "change_voucher", "view_voucher"],
    "clerk": ["add_voucher", "change_voucher", "view_voucher"],
    "manager": ["add_voucher", "change_voucher", "view_voucher", "review_voucher_as_manager"],
    "finance": ["view_voucher", "review_voucher_as_finance"],
    "director": ["view_voucher", "change_voucher", "review_voucher_as_director", "review_voucher_as_manager"],
    "auditor": ["view_voucher"],
}


def pytest_runtest_setup(item):
    """Skip @pytest.mark.postgres_only(reason=…) tests on SQLite, saying why."""
    if marker := item.get_closest_marker("postgres_only"):
        from django.db import connection

        if connection.vendor != "postgresql":
            why = marker.kwargs.get("reason", "needs PostgreSQL")
            pytest.skip(f"{why}; run with DATABASE_URL=postgresql://…")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database starts with the demo organisation in it: built once per run instead of
    once per test (~230 queries); every test's transaction rolls back to it. The invariants are
    checked on it here, and which tables each rule reads is recorded (see org)."""
    with django_db_blocker.unblock():
        _build_org()
        assert_invariants_hold()
        _record_rule_reads()
        _flush_by_delete_on_postgresql()


def _flush_by_delete_on_postgresql() -> None:
    """After each transactional test Django empties every table. On PostgreSQL its TRUNCATE of
    all ~90 tables takes ~4 s (new files for every table and index); DELETE of the few rows such
    a test leaves takes milliseconds, with the same empty tables as the result. Triggers are off
    for it (session_replication_role, a superuser's setting): the append-only ones refuse DELETE,
    and foreign keys need no check when every row goes."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            return
    ops = connection.ops
    truncate = ops.sql_flush

    def sql_flush(style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return truncate(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [
            "SET LOCAL session_replication_role = replica",
            *(f"DELETE FROM {ops.quote_name(table)}" for table in tables),
        ]

    ops.sql_flush = sql_flush


def _build_org():
    people = build_org(password_hash=make_password(PASSWORD))
    for role, codenames in EXAMPLE_GRANTS.items():
        Group.objects.get(name=role).permissions.add(
            *Permission.objects.filter(content_type__app_label="exampleapp", codename__in=codenames)
        )
    return people


def _load_org():
    """The organisation the session built, as fresh objects (a test may change them); None when
    a transactional test's flush emptied the tables since."""
    from salesdept.accounts.models import Region, Team, User
    from salesdept.demo.org import PEOPLE, REGIONS, TEAMS, Org

    regions = {r.code: r for r in Region.objects.filter(code__in=[row[0] for row in REGIONS])}
    teams = {t.code: t for t in Team.objects.filter(code__in=[row[0] for row in TEAMS])}
    users = {u.username: u for u in User.objects.filter(username__in=[row[0] for row in PEOPLE])}
    if len(regions) < len(REGIONS) or len(teams) < len(TEAMS) or len(users) < len(PEOPLE):
        return None
    return Org(
        regions={row[0]: regions[row[0]] for row in REGIONS},
        teams={row[0]: teams[row[0]] for row in TEAMS},
        people={row[0]: users[row[0]] for row in PEOPLE},
    )


@pytest.fixture
def org(db, _written_tables):
    """The demo organisation: org.sales1, org.manager1, org.director … (password demo1234).

    After the test, the invariants of INVARIANTS.md must still hold (check_invariants)."""
    yield _load_org() or _build_org()
    assert_invariants_hold(_rules_to_run(_written_tables))


@contextmanager
def shared_data(django_db_blocker):
    """For a module-scoped fixture: rows written inside this block are seen by every test of the
    module (each test runs in a savepoint inside it) and rolled back after the module — built
    once instead of once per test. Check the invariants on them before yielding; the tests' own
    check then runs every rule (the data they start from is not the session's).

        @pytest.fixture(scope="module")
        def world(django_db_setup, django_db_blocker):
            with shared_data(django_db_blocker):
                ...  # write; assert_invariants_hold()
                yield ...
    """
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        _SHARED_DATA.append(True)
        try:
            yield
        finally:
            _SHARED_DATA.pop()
            transaction.set_rollback(True)


_SHARED_DATA: list = []


def assert_invariants_hold(codes=None):
    """Run every invariant rule (or those of `codes`) against the test's data (a few queries per
    document type)."""
    from django.db import connection

    from salesdept.core import invariants

    if codes == set():
        return
    if not connection.needs_rollback:  # a broken transaction is the test's own failure
        assert invariants.run(codes) == [], "invariants broken by this test's flow"


# ---- Which rules a test can have broken: those reading a table the test wrote ----------------
#
# A rule is a deterministic function of the rows it reads. The session checks every rule on the
# starting data and records the tables each one read; a test that rolls back to that data and
# wrote none of a rule's tables leaves that rule's every query answering as it did then, so the
# rule holds again and is skipped. Tests that commit (transaction=True, live_server) run every
# rule. SALESDEPT_TEST_EVERY_INVARIANT=1 runs every rule after every test.

_RULE_READS: dict = {}  # rule function → the tables it read on the starting data (None: always run)
_TABLES: set[str] = set()
_WORD = re.compile(r"\w+")
_NOT_A_WRITE = re.compile(r"\s*(SELECT|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|PRAGMA|SET\s+CONSTRAINTS)\b", re.I)
_ROW_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)


def _record_rule_reads() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from salesdept.core import invariants

    tables = {t.lower() for t in connection.introspection.table_names()}
    views = {t.lower() for t in connection.introspection.table_names(include_views=True)} - tables
    _TABLES.update(tables)
    for r in list(invariants.RULES):  # one by one: what one rule reads is not left to another
        with CaptureQueriesContext(connection) as queries:
            assert r.check() == [], r.code
        words = {w.lower() for q in queries for w in _WORD.findall(q["sql"])}
        # A rule that read no table (or a view, whose tables it hides) is always run.
        _RULE_READS[r.check] = None if words & views else (words & tables) or None


class _WriteRecorder:
    """execute_wrapper: the words of every row-writing statement; unknown=True after any other
    statement that is not a plain read."""

    def __init__(self):
        self.words: set[str] = set()
        self.unknown = False

    def __call__(self, execute, sql, params, many, context):
        if not isinstance(sql, str):
            self.unknown = True
        elif not _NOT_A_WRITE.match(sql):
            if _ROW_WRITE.match(sql):
                self.words.update(_WORD.findall(sql.lower()))
            else:
                self.unknown = True
        return execute(sql, params, many, context)


@pytest.fixture(autouse=True)
def _written_tables():
    """Records the test's statements from its first fixture on (autouse fixtures come first)."""
    from django.db import connection

    recorder = _WriteRecorder()
    with connection.execute_wrapper(recorder):
        yield recorder


def _rules_to_run(recorder: _WriteRecorder) -> set[str] | None:
    """The codes of the rules to check after this test; None: all of them."""
    from django.db import connection

    from salesdept.core import invariants

    if connection.needs_rollback:
        return set()  # a broken transaction is the test's own failure
    # A test that commits (transaction=True, live_server) does not roll back to the checked data.
    committed = not connection.in_atomic_block
    every = committed or recorder.unknown or _SHARED_DATA or not _RULE_READS
    if every or os.environ.get("SALESDEPT_TEST_EVERY_INVARIANT"):
        return None
    written = recorder.words & _TABLES
    if connection.vendor == "postgresql":
        # Also what the statements did not name: COPY (bulk imports), triggers.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname FROM pg_stat_xact_user_tables WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
            )
            written |= {row[0].lower() for row in cursor.fetchall()}
    return {
        r.code
        for r in invariants.RULES
        if (reads := _RULE_READS.get(r.check, None)) is None or reads & written
    }
