"""`salesdept import customers|contacts|leads FILE` as an operator runs it: a subprocess against its
own SQLite data folder. Every bad row is printed (row, column, reason); nothing is written (exit
1) unless the file is good or --only-valid is given; the import runs as --user, in their scope."""

import os
import sqlite3
import subprocess

import pytest

from .conftest import command_env, salesdept_command

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the command uses its own SQLite data folder; covered by the SQLite pass",
)


def run(home, *args):
    return subprocess.run(
        [*salesdept_command(), *args],
        env=command_env(home),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def count(home, sql: str) -> int:
    with sqlite3.connect(home / "salesdept.sqlite3") as conn:
        return conn.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A migrated data folder with the demo organisation (sales1 … admin), no customers."""
    home = tmp_path_factory.mktemp("import-home")
    assert run(home, "migrate").returncode == 0
    setup = run(home, "manage", "shell", "-c", "from salesdept.demo.org import build_org; build_org()")
    assert setup.returncode == 0, setup.stderr
    return home


def write(path, text: str, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_import_with_bad_rows_prints_them_and_writes_nothing(home, tmp_path):
    # given a file with one good row and one with an unknown tier
    file = write(
        tmp_path / "客户.csv", "名称,等级,区域\n上海华强机械有限公司,A,east-sh\n上海宏达有限公司,Z,east-sh\n"
    )
    # when sales1 imports it
    result = run(home, "import", "customers", str(file), "--user", "sales1")
    # then the bad row is printed with its row number, column and reason, and nothing is written
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["row", "column", "reason"]
    assert lines[1].split(None, 2) == ["3", "等级", "Unknown tier. Use one of: A, B, C."]
    assert "Nothing was written" in result.stdout
    assert count(home, "SELECT count(*) FROM crm_customer") == 0

    # a dry run of the good part writes nothing and succeeds
    good = write(tmp_path / "good.csv", "名称,等级,区域\n上海华强机械有限公司,A,east-sh\n", encoding="gbk")
    dry = run(home, "import", "customers", str(good), "--user", "sales1", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "Dry run" in dry.stdout
    assert count(home, "SELECT count(*) FROM crm_customer") == 0

    # and --only-valid writes exactly the good row, owned by sales1
    only = run(home, "import", "customers", str(file), "--user", "sales1", "--only-valid")
    assert only.returncode == 0, only.stdout + only.stderr
    assert "1 customers created as sales1" in only.stdout
    assert count(home, "SELECT count(*) FROM crm_customer c JOIN accounts_user u ON u.id = c.owner_id "
                       "WHERE u.username = 'sales1'") == 1  # fmt: skip


def test_import_runs_in_the_users_scope(home, tmp_path):
    # sales1 cannot import a customer for sales3 (another team)
    file = write(tmp_path / "c.csv", "name,region,owner\n广州南方贸易有限公司,south-gd,sales3\n")
    result = run(home, "import", "customers", str(file), "--user", "sales1")
    assert result.returncode == 1
    assert "owner" in result.stdout
    assert count(home, "SELECT count(*) FROM crm_customer WHERE name = '广州南方贸易有限公司'") == 0


def test_import_without_user_runs_as_the_only_admin_who_may_not_import(home, tmp_path):
    file = write(tmp_path / "l.csv", "prospect\n苏州恒泰\n")
    result = run(home, "import", "leads", str(file))
    assert result.returncode == 2
    assert "admin is not allowed to import leads" in result.stderr
    assert count(home, "SELECT count(*) FROM crm_lead") == 0


def test_import_leads_as_a_salesperson(home, tmp_path):
    file = write(tmp_path / "l.csv", 'prospect,expected amount\n苏州恒泰,"1,000.50"\n')
    result = run(home, "import", "leads", str(file), "--user", "sales2")
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(home / "salesdept.sqlite3") as conn:
        assert conn.execute("SELECT name, expected_amount FROM crm_lead").fetchall() == [("苏州恒泰", 1000.5)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody"], "no active user named 'nobody'"),
        (["--user", "sales1", "--missing"], None),
    ],
)
def test_import_refuses_unknown_users_and_options(home, tmp_path, args, message):
    file = write(tmp_path / "c.csv", "name\nA\n")
    result = run(home, "import", "customers", str(file), *args)
    assert result.returncode == 2
    if message:
        assert message in result.stderr


def test_import_of_an_unreadable_file_says_why(home, tmp_path):
    file = tmp_path / "broken.xlsx"
    file.write_bytes(b"PK\x03\x04 broken")
    result = run(home, "import", "customers", str(file), "--user", "sales1")
    assert result.returncode == 2
    assert "cannot be read" in result.stderr
