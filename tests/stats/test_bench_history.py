"""The bench's history import workload (bench/history.py): a generated file in the documented
template imports every line, the same file again adds nothing, and the totals still equal the
facts (I12) — so `salesdept bench` measures a real import, not a refused one."""

from salesdept.bench import history
from salesdept.stats.models import Kind, SalesFact
from salesdept.stats.selectors import totals_mismatches


def test_the_workload_imports_its_file_once(org, monkeypatch):
    monkeypatch.setattr(history, "_lines", lambda: 40)
    figures = history.measure_history_import_service({}, 50)
    assert figures["errors"] == 0 and figures["lines"] == 40
    assert (figures["new_customers"], figures["new_products"]) == (10, 40)
    assert SalesFact.objects.filter(kind=Kind.ORDERED).count() == 40
    assert totals_mismatches() == []
    # another call is another file (new order numbers): 40 more lines
    assert history.measure_history_import_service({}, 50)["errors"] == 0
    assert SalesFact.objects.filter(kind=Kind.ORDERED).count() == 80


def test_a_refused_line_counts_as_an_error_and_writes_nothing(org, monkeypatch):
    monkeypatch.setattr(history, "_lines", lambda: 8)
    make = history.history_file

    def with_a_bad_quantity(*args):
        return make(*args).replace(b",1,10.50,", b",-1,10.50,", 1)  # the first line's quantity

    monkeypatch.setattr(history, "history_file", with_a_bad_quantity)
    figures = history.measure_history_import_service({}, 50)
    assert figures["errors"] > 0
    assert not SalesFact.objects.exists()


def test_new_customers_do_not_each_read_the_owners(org, monkeypatch):
    """An import creating many customers reads the users it may assign once, not once per new
    customer (at the bench's 10,000 users that made 10,000 lines take 100 s instead of 10)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def user_reads(lines: int) -> int:
        monkeypatch.setattr(history, "_lines", lambda: lines)
        with CaptureQueriesContext(connection) as queries:
            figures = history.measure_history_import_service({}, 50)
        assert figures["errors"] == 0
        return sum('FROM "accounts_user"' in q["sql"] for q in queries)

    assert user_reads(8) == user_reads(40)  # 2 and 10 new customers
