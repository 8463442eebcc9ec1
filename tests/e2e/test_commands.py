"""The `salesdept` command as a user runs it (subprocesses, each in its own data folder).

Not browser tests; they run once, in the SQLite pass, because every command here brings its own
SQLite database in a temporary SALESDEPT_HOME."""

import os
import secrets
import sqlite3
import subprocess

import pytest

from .conftest import DemoServer, command_env, salesdept_command

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the commands use their own SQLite data folder; covered by the SQLite pass",
)


def run(home, *args, env_extra: dict | None = None):
    return subprocess.run(
        [*salesdept_command(), *args],
        env=command_env(home, **(env_extra or {})),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def count(database, sql: str, *params) -> int:
    with sqlite3.connect(database) as conn:
        return conn.execute(sql, params).fetchone()[0]


def test_help_lists_every_command(tmp_path):
    result = run(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("demo", "serve", "migrate", "createadmin", "manage", "bench"):
        assert f"    {command}" in result.stdout, command
    # --help writes nothing: not even the data folder's secret key
    assert list(tmp_path.iterdir()) == []


def test_demo_twice_reuses_the_data_and_reset_rebuilds_in_wal_mode(tmp_path):
    """Also check_invariants on the demo company, end to end (its exit codes): CI's proof that the
    invariants hold on the demo database."""
    # given a first `salesdept demo` in an empty data folder
    first = DemoServer(tmp_path)
    first_seconds = first.start()
    first.stop()
    database = tmp_path / "salesdept.sqlite3"
    users = count(database, "SELECT count(*) FROM accounts_user")
    assert users == 16
    assert "Loading the demo company" in first.output()
    assert "sales1" in first.output() and "demo1234" in first.output()
    assert f"{first.url}/" in first.output()

    # and check_invariants holds on the demo company (exit 0) …
    checked = run(tmp_path, "manage", "check_invariants")
    assert (checked.returncode, checked.stdout.startswith("OK: ")) == (0, True), checked.stderr
    # … and names a broken row with exit 1 (a contract number handed out without a contract)
    with sqlite3.connect(database) as conn:
        conn.execute("INSERT INTO core_sequence (key, year, last) VALUES ('CT', 1999, 4)")
    broken = run(tmp_path, "manage", "check_invariants", "I8")
    assert broken.returncode == 1
    assert "I8 CT-1999: sequence says 4 but no document has a number" in broken.stdout
    assert "1 invariant violation" in broken.stderr
    with sqlite3.connect(database) as conn:
        conn.execute("DELETE FROM core_sequence WHERE key = 'CT' AND year = 1999")

    # when it runs again on the same folder
    second = DemoServer(tmp_path)
    second_seconds = second.start()
    second.stop()

    # then it reuses the data: nothing loaded again, no one duplicated, and it starts quickly
    assert "Reusing the demo company" in second.output()
    assert "Loading the demo company" not in second.output()
    assert count(database, "SELECT count(*) FROM accounts_user") == users
    assert second_seconds < max(30.0, first_seconds), (first_seconds, second_seconds)

    # and --reset deletes the database and loads the company afresh
    marker_user = "someone_added_later"
    code = f"from salesdept.accounts.models import User; User.objects.create(username={marker_user!r})"
    assert run(tmp_path, "manage", "shell", "-c", code).returncode == 0
    assert count(database, "SELECT count(*) FROM accounts_user") == users + 1
    # (with a DATABASE_URL in the environment: the demo keeps to its own SQLite file)
    reset = run(
        tmp_path, "demo", "--reset", "--no-serve", env_extra={"DATABASE_URL": "postgresql://nowhere/none"}
    )
    assert reset.returncode == 0, reset.stderr
    assert "Loading the demo company" in reset.stdout
    assert count(database, "SELECT count(*) FROM accounts_user") == users
    assert count(database, "SELECT count(*) FROM accounts_user WHERE username = ?", marker_user) == 0

    # and the demo database is SQLite in WAL mode (readers never wait for the writer)
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_serve_refuses_to_start_without_production_settings(tmp_path):
    result = run(tmp_path, "serve", "--port", "1")
    assert result.returncode == 2
    for name in ("DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS"):
        assert name in result.stderr


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    production = {
        "SALESDEPT_PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "sales.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "DEBUG": "0",
    }
    result = run(tmp_path, "manage", "check", "--deploy", "--fail-level", "WARNING", env_extra=production)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_createadmin_checks_the_password_and_gives_the_admin_role(tmp_path):
    unmigrated = run(tmp_path, "createadmin", "--username", "boss", "--password", "Correct-Horse-42")
    assert unmigrated.returncode != 0
    assert "salesdept migrate" in unmigrated.stderr

    assert run(tmp_path, "migrate").returncode == 0
    database = tmp_path / "salesdept.sqlite3"

    weak = run(tmp_path, "createadmin", "--username", "boss", "--password", "boss", "--no-input")
    assert weak.returncode != 0
    assert "password" in weak.stderr.lower()
    assert count(database, "SELECT count(*) FROM accounts_user") == 0

    ok = run(
        tmp_path,
        "createadmin",
        "--username",
        "boss",
        "--password",
        "Correct-Horse-42",
        "--email",
        "b@example.com",
    )
    assert ok.returncode == 0, ok.stderr
    sql = (
        "SELECT count(*) FROM accounts_user u JOIN accounts_user_groups ug ON ug.user_id = u.id"
        " JOIN auth_group g ON g.id = ug.group_id"
        " WHERE u.username = 'boss' AND u.is_staff AND g.name = 'admin'"
    )
    assert count(database, sql) == 1

    again = run(tmp_path, "createadmin", "--username", "boss", "--password", "Correct-Horse-42")
    assert again.returncode != 0
    assert "already exists" in again.stderr
