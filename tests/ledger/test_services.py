"""ledger.services: post_entry writes one balanced entry or nothing (unbalanced: a bug; closed
month: 409 period_closed; zero lines dropped), entries and lines are append-only in the
database, period_close (permission, bad month, twice), and the `close_period` command."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from salesdept.core.errors import DomainError
from salesdept.ledger import codes
from salesdept.ledger.models import Account, JournalEntry, JournalLine, Period
from salesdept.ledger.services import Posting, UnbalancedEntry, period_close, post_entry

D = Decimal


def _post(org, lines, on=None, source=None):
    with transaction.atomic():
        return post_entry(
            source=source or Account.objects.get(code=codes.BANK),
            on=on or datetime.date.today(),
            lines=lines,
            by=org.finance,
        )


def test_a_balanced_entry_is_written_with_its_lines(org, today):
    entry = _post(
        org,
        [
            Posting(codes.BANK, debit=D("113.00")),
            Posting(codes.REVENUE, credit=D("100.00")),
            Posting(codes.OUTPUT_VAT, credit=D("13.00")),
        ],
    )
    assert entry.source_type == "ledger.account" and entry.entry_date == today
    lines = {x.account.code: (x.debit, x.credit, x.entry_date) for x in entry.lines.select_related("account")}
    assert lines == {
        codes.BANK: (D("113.00"), D("0.00"), today),
        codes.REVENUE: (D("0.00"), D("100.00"), today),
        codes.OUTPUT_VAT: (D("0.00"), D("13.00"), today),
    }


def test_unbalanced_entry_is_refused_and_nothing_written(org):
    with pytest.raises(UnbalancedEntry):
        _post(org, [Posting(codes.BANK, debit=D("100.00")), Posting(codes.REVENUE, credit=D("99.99"))])
    assert not JournalEntry.objects.exists() and not JournalLine.objects.exists()


def test_zero_lines_are_dropped_and_an_empty_entry_is_not_written(org):
    entry = _post(
        org,
        [
            Posting(codes.BANK, debit=D("5.00")),
            Posting(codes.SELLING_EXPENSES, debit=D("0.004")),  # rounds to 0.00
            Posting(codes.REVENUE, credit=D("5.00")),
            Posting(codes.RECEIVABLE, debit=D("2.00"), credit=D("2.00")),  # nets to nothing
        ],
    )
    assert sorted(entry.lines.values_list("account__code", flat=True)) == [codes.BANK, codes.REVENUE]
    assert _post(org, [Posting(codes.BANK), Posting(codes.REVENUE, debit=D("0.001"))]) is None
    assert JournalEntry.objects.count() == 1


def test_a_negative_side_is_the_other_side(org):
    entry = _post(org, [Posting(codes.BANK, debit=D("-7.50")), Posting(codes.PAYABLE, credit=D("-7.50"))])
    lines = {x.account.code: (x.debit, x.credit) for x in entry.lines.select_related("account")}
    assert lines == {codes.BANK: (D("0.00"), D("7.50")), codes.PAYABLE: (D("7.50"), D("0.00"))}


@pytest.mark.django_db(transaction=True)  # no test transaction around it: autocommit, as a page is
def test_post_entry_needs_the_documents_transaction():
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="transaction"):
        post_entry(source=None, on=datetime.date.today(), lines=[Posting(codes.BANK, debit=D("1"))], by=None)
    assert not JournalEntry.objects.exists()


def test_posting_into_a_closed_month_is_refused_and_nothing_written(org, last_month):
    period_close(year=last_month.year, month=last_month.month, by=org.finance)
    with pytest.raises(DomainError) as caught:
        _post(
            org,
            [Posting(codes.BANK, debit=D("1.00")), Posting(codes.REVENUE, credit=D("1.00"))],
            on=last_month,
        )
    assert caught.value.code == "period_closed" and caught.value.status == 409
    assert caught.value.extra == {"date": last_month.isoformat()}
    assert not JournalEntry.objects.exists()
    # the open month next to it still takes postings
    assert _post(org, [Posting(codes.BANK, debit=D("1.00")), Posting(codes.REVENUE, credit=D("1.00"))])


def test_unknown_account_is_a_programming_error(org):
    with pytest.raises(ValueError, match="9999"):
        _post(org, [Posting("9999", debit=D("1.00")), Posting(codes.REVENUE, credit=D("1.00"))])


# --- append-only ---------------------------------------------------------------------------------


def _entry(org):
    return _post(org, [Posting(codes.BANK, debit=D("10.00")), Posting(codes.REVENUE, credit=D("10.00"))])


@pytest.mark.parametrize("table", ["ledger_journalentry", "ledger_journalline"])
def test_update_is_refused_by_the_database(org, table):
    entry = _entry(org)
    column, row = ("memo", entry.pk) if table == "ledger_journalentry" else ("memo", entry.lines.first().pk)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = 'changed' WHERE id = %s", [row])
    with pytest.raises(DatabaseError), transaction.atomic():
        JournalLine.objects.filter(entry=entry).update(debit=D("11.00"))
    assert sorted(entry.lines.values_list("debit", flat=True)) == [D("0.00"), D("10.00")]


@pytest.mark.postgres_only(reason="SQLite keeps only the UPDATE trigger")
@pytest.mark.parametrize("table", ["ledger_journalentry", "ledger_journalline"])
def test_delete_is_refused_on_postgresql(org, table):
    entry = _entry(org)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
    assert JournalEntry.objects.filter(pk=entry.pk).exists() and entry.lines.count() == 2


# --- period close --------------------------------------------------------------------------------


def test_period_close_needs_the_permission(org):
    for user in (org.sales1, org.clerk, org.auditor, org.director, org.keeper):
        with pytest.raises(PermissionDenied):
            period_close(year=2026, month=1, by=user)
    assert not Period.objects.exists()


@pytest.mark.parametrize("year, month", [(2026, 0), (2026, 13), (1999, 5), (2101, 1)])
def test_period_close_refuses_a_bad_month(org, year, month):
    with pytest.raises(DomainError) as caught:
        period_close(year=year, month=month, by=org.finance)
    assert caught.value.status == 400 and caught.value.code == "invalid_period" and caught.value.fields
    assert not Period.objects.exists()


def test_period_closed_twice_is_refused(org):
    period = period_close(year=2026, month=3, by=org.finance)
    assert (period.year, period.month, period.closed_by) == (2026, 3, org.finance)
    with pytest.raises(DomainError) as caught:
        period_close(year=2026, month=3, by=org.finance)
    assert caught.value.code == "period_already_closed" and caught.value.status == 409
    assert Period.objects.count() == 1


# --- the command ---------------------------------------------------------------------------------


def test_close_period_command(org, capsys):
    call_command("close_period", "2026-10", "--by", org.finance.username)
    assert Period.objects.filter(year=2026, month=10, closed_by=org.finance).exists()
    assert "Closed 2026-10" in capsys.readouterr().out
    with pytest.raises(CommandError, match="period_already_closed"):
        call_command("close_period", "2026-10", "--by", org.finance.username)


@pytest.mark.parametrize(
    "args, message",
    [
        (["2026-13", "--by", "finance"], "not a month"),
        (["October", "--by", "finance"], "not a month"),
        (["2026-11", "--by", "nobody-such"], "No user"),
    ],
)
def test_close_period_command_refuses_bad_input(org, args, message):
    if args[-1] == "finance":
        args[-1] = org.finance.username
    with pytest.raises(CommandError, match=message):
        call_command("close_period", *args)
    assert not Period.objects.exists()


def test_close_period_command_needs_the_permission(org):
    with pytest.raises(CommandError, match="may not close"):
        call_command("close_period", "2026-11", "--by", org.sales1.username)
    assert not Period.objects.exists()
