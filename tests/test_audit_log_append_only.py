"""The review log (core_documentevent) and the audit trail (auditlog_logentry) are append-only:
the database refuses UPDATE on both databases, and DELETE on PostgreSQL, whoever asks (X2, X3).
Inserts, which every workflow step and audited change makes, keep working."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db import IntegrityError, connection, transaction

from salesdept.accounts.models import User
from salesdept.core.events import history
from salesdept.core.models import DocumentEvent
from tests.exampleapp import services


def refused(write) -> bool:
    """Whether the database refuses `write` (the test's transaction survives either way)."""
    try:
        with transaction.atomic():
            write()
    except IntegrityError as exc:
        assert "append-only" in str(exc)
        return True
    return False


def raw(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def logged(org):
    """A voucher through a few steps (review log rows) and a changed user (audit rows)."""
    voucher = services.voucher_create(by=org.sales1, amount=Decimal("500"))
    services.voucher_submit(by=org.sales1, voucher_id=voucher.pk)
    services.voucher_approve(by=org.manager1, voucher_id=voucher.pk, note="fine")
    user = User.objects.create(username="temp", first_name="Tem")
    user.first_name = "Temp"
    user.save()
    return voucher, user


def test_inserts_still_work(logged):
    voucher, user = logged
    assert [e.action for e in history(voucher)] == ["create", "submit", "approve_step", "approve"]
    assert LogEntry.objects.get_for_object(user).count() == 2


def test_review_log_update_is_refused(logged):
    voucher, _ = logged
    step = history(voucher).get(action="approve_step")
    assert refused(lambda: DocumentEvent.objects.filter(pk=step.pk).update(note="I never approved"))
    assert refused(
        lambda: raw(
            "UPDATE core_documentevent SET actor_id = %s WHERE id = %s", voucher.prepared_by_id, step.pk
        )
    )

    def resave():
        step.note = "rewritten"
        step.save()

    assert refused(resave)
    assert DocumentEvent.objects.get(pk=step.pk).note == "fine"


def test_audit_trail_update_is_refused(logged):
    _, user = logged
    entry = LogEntry.objects.get_for_object(user).latest("pk")
    assert refused(lambda: LogEntry.objects.filter(pk=entry.pk).update(changes={"first_name": ["x", "y"]}))
    assert refused(lambda: raw("UPDATE auditlog_logentry SET actor_id = NULL WHERE id = %s", entry.pk))
    assert LogEntry.objects.get(pk=entry.pk).changes == entry.changes


@pytest.mark.postgres_only(
    reason="SQLite keeps DELETE for Django's test flush; PostgreSQL flushes with TRUNCATE"
)
def test_deleting_log_rows_is_refused_on_postgresql(logged):
    voucher, user = logged
    assert refused(lambda: DocumentEvent.objects.filter(object_id=voucher.pk).delete())
    assert refused(lambda: LogEntry.objects.get_for_object(user).delete())
    assert history(voucher).count() == 4
