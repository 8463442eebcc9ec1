"""The customer import's one pass (crm.services.imports._write_clean_customers): a clean file is
checked while it is written; anything wrong, found while writing or after, undoes the written
rows and the file is checked row by row as before, so the answer is the same either way."""

import csv
import io

import pytest
from auditlog.models import LogEntry
from django.db import connection

from salesdept.core.imports import read_table
from salesdept.core.models import Sequence
from salesdept.crm.models import Contact, Customer
from salesdept.crm.services import imports
from salesdept.crm.services.imports import import_customers

HEADER = ["name", "tier", "region", "phone", "tax ID", "owner"]


def table(rows):
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return read_table(out.getvalue().encode("utf-8"), "file.csv")


def good_rows(n, start=0):
    return [
        [f"上海第{i:03d}精密机械有限公司", "A", "east-sh", f"021-5888 {i:04d}", "", ""]
        for i in range(start, start + n)
    ]


def numbers(customers) -> list[int]:
    return sorted(int(c.code.rsplit("-", 1)[1]) for c in customers)


def sequence_last() -> int:
    return Sequence.objects.filter(key="CUS").values_list("last", flat=True).first() or 0


def created_entries(org):
    return LogEntry.objects.filter(
        content_type__model="customer", action=LogEntry.Action.CREATE, actor=org.sales1
    )


@pytest.fixture
def row_by_row(monkeypatch):
    """Counts the row-by-row checks (the second pass)."""
    calls = []
    check = imports.check

    def counted(**kwargs):
        calls.append(kwargs["kind"])
        return check(**kwargs)

    monkeypatch.setattr(imports, "check", counted)
    return calls


def test_clean_file_is_written_in_one_pass_numbered_searchable_and_audited(org, row_by_row):
    before = sequence_last()
    result = import_customers(by=org.sales1, table=table(good_rows(25)))
    assert (result.created, result.errors, result.total) == (25, [], 25)
    assert row_by_row == []  # never checked twice
    customers = list(Customer.objects.all())
    assert numbers(customers) == list(range(before + 1, before + 26))
    assert sequence_last() == before + 25
    one = Customer.objects.get(name="上海第007精密机械有限公司")
    assert one.name_pinyin == "shanghaidijingmijixieyouxiangongsi shdjmjxyxgs"
    assert {"上海第007精密机械有限公司", "shdjmjxyxgs", "02158880007"} <= set(one.search_text.split())
    assert one.completeness > 0 and one.created_by == org.sales1
    assert sorted(created_entries(org).values_list("object_id", flat=True)) == sorted(c.pk for c in customers)


def test_a_bad_row_after_written_rows_undoes_them_and_reports_as_the_row_by_row_check(
    org, row_by_row, monkeypatch
):
    # small batches, so on SQLite rows are really written before the bad one is reached
    monkeypatch.setattr(imports, "BATCH", 3)
    before = sequence_last()
    rows = [*good_rows(7), ["上海宏达有限公司", "Z", "east-sh", "", "", ""], *good_rows(2, start=7)]
    result = import_customers(by=org.sales1, table=table(rows))
    assert [(e.row, e.column) for e in result.errors] == [(9, "tier")]
    assert row_by_row == ["customers"]
    assert (result.created, Customer.objects.count(), sequence_last()) == (0, 0, before)
    assert not created_entries(org).exists()


def test_same_phone_twice_in_the_file_is_caught_while_writing(org, row_by_row):
    rows = [*good_rows(4), ["北京远航有限公司", "A", "east-sh", "(021) 5888-0002", "", ""]]
    result = import_customers(by=org.sales1, table=table(rows))
    assert [(e.row, str(e.message)) for e in result.errors] == [(6, "Same phone number as row 4.")]
    assert row_by_row == ["customers"]
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    "existing",
    ["name", "tax_id", "phone", "contact phone"],
)
def test_duplicate_of_an_existing_customer_found_after_writing_undoes_the_rows(org, make_customer, existing):
    # sales3's customer (or its contact) shares one key with the last row of sales1's file
    other = make_customer(
        owner=org.sales3,
        name="广州南方贸易有限公司" if existing == "name" else "广州其他有限公司",
        tax_id="91440101MA5CXXXX01" if existing == "tax_id" else "",
        phone="020-8888 6666" if existing == "phone" else "",
    )
    if existing == "contact phone":
        Contact.objects.create(
            customer=other, name="陈志强", phone="020 8888 6666", phone_normalized="02088886666"
        )
    last = ["广州南方贸易", "A", "east-sh", "(020) 8888-6666", "91440101ma5cxxxx01", ""]
    before = sequence_last()
    result = import_customers(by=org.sales1, table=table([*good_rows(5), last]))
    column = {"name": "name", "tax_id": "tax ID", "phone": "phone", "contact phone": "phone"}[existing]
    assert [(e.row, e.column) for e in result.errors] == [(7, column)]
    assert "already exists" in str(result.errors[0].message)
    assert (Customer.objects.count(), sequence_last()) == (1, before)
    assert not created_entries(org).exists()


def test_only_valid_after_an_undone_pass_numbers_the_good_rows_without_a_gap(org, make_customer):
    make_customer(owner=org.sales3, name="广州南方贸易有限公司")
    before = sequence_last()
    rows = [*good_rows(3), ["广州南方贸易", "A", "east-sh", "", "", ""], *good_rows(2, start=3)]
    result = import_customers(by=org.sales1, table=table(rows), only_valid=True)
    assert (result.created, [e.row for e in result.errors]) == (5, [5])
    imported = Customer.objects.exclude(owner=org.sales3)
    assert numbers(imported) == list(range(before + 1, before + 6))
    assert sequence_last() == before + 5
    assert created_entries(org).count() == 5


def test_a_query_while_rows_are_sent_is_refused_not_left_waiting(org):
    with imports._no_queries(connection), pytest.raises(RuntimeError, match="may not query"):
        Customer.objects.count()


def test_keys_taken_for_the_pass_are_never_a_deleted_customers_and_later_creations_follow(org, make_customer):
    # the newest customer is gone: its key must not come back (its audit trail still names it)
    gone = make_customer(owner=org.sales1).pk
    Customer.objects.filter(pk=gone).delete()
    import_customers(by=org.sales1, table=table(good_rows(3)))
    imported = sorted(Customer.objects.values_list("pk", flat=True))
    assert len(imported) == 3 and imported[0] > gone
    assert make_customer(owner=org.sales1).pk > imported[-1]
