"""`check_invariants` (I8 numbering, I10 review): quiet on good data; each rule speaks up when bad
rows are written straight into the database, bypassing the services."""

from contextlib import contextmanager
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salesdept.core import invariants
from salesdept.core.models import DocumentEvent, Sequence
from tests.exampleapp import services
from tests.exampleapp.models import Voucher

YEAR = timezone.localdate().year


@contextmanager
def bad_data():
    """Write rows the services would refuse; they are rolled back afterwards, so the session's
    own invariant check (conftest) still sees a clean database."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def event(voucher, action, by, **fields) -> DocumentEvent:
    """A log row written directly (no rule checked)."""
    defaults = {"round": voucher.review_round, "from_status": voucher.status, "to_status": voucher.status}
    return DocumentEvent.objects.create(
        content_type=ContentType.objects.get_for_model(Voucher),
        object_id=voucher.pk,
        action=action,
        actor=by,
        **{**defaults, **fields},
    )


def submitted(by, amount="500") -> Voucher:
    voucher = services.voucher_create(by=by, amount=Decimal(amount))
    return services.voucher_submit(by=by, voucher_id=voucher.pk)


def command_fails() -> str:
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_invariants", stdout=out)
    return out.getvalue()


@pytest.fixture
def flows(org):
    """Good data: vouchers through every path of the workflow."""
    small = submitted(org.sales1)
    services.voucher_approve(by=org.manager1, voucher_id=small.pk)
    big = submitted(org.sales2, "150000")
    for person in (org.manager1, org.finance):
        services.voucher_approve(by=person, voucher_id=big.pk)
    services.voucher_reject(by=org.director, voucher_id=big.pk, note="too big")
    services.voucher_update(by=org.manager1, voucher_id=big.pk, amount=Decimal("90000"))
    services.voucher_submit(by=org.sales2, voucher_id=big.pk)
    for person in (org.director, org.finance):
        services.voucher_approve(by=person, voucher_id=big.pk)
    edited = submitted(org.sales3, "20000")
    services.voucher_update(by=org.sales3, voucher_id=edited.pk, memo="new")
    services.voucher_cancel(by=org.clerk, voucher_id=services.voucher_create(by=org.clerk, amount=1).pk)
    return org


def test_command_passes_on_good_data(flows):
    out = StringIO()
    call_command("check_invariants", stdout=out)
    assert out.getvalue().startswith("OK: ")
    codes = out.getvalue().split(" of ", 1)[1]
    for code in ("I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", "I9", "I10", "I11", "I12"):
        assert f"{code}," in codes or f"{code} " in codes, code


def test_rules_are_registered_once_per_function():
    invariants.run({"none"})
    names = [r.name for r in invariants.RULES]
    assert len(names) == len(set(names)) >= 10


def test_query_count_does_not_grow_with_the_documents(flows):
    with CaptureQueriesContext(connection) as few:
        invariants.run()
    for _ in range(5):
        submitted(flows.sales1)
    with CaptureQueriesContext(connection) as more:
        invariants.run()
    # a few queries per rule (each app adds rules) and per document type (core's rules check
    # every numbered document model), never one per document
    budget = 3 * len(invariants.RULES) + 8 * len(invariants.document_models())
    assert len(more) == len(few) <= budget


# --- I10: two-person review ----------------------------------------------------------------------


def test_approval_by_the_preparer_is_reported(org):
    voucher = submitted(org.manager1)
    with bad_data():
        event(voucher, "approve_step", org.manager1, step=0)
        assert len(invariants.preparer_never_approves()) == 1
        assert "who prepared it" in command_fails()


def test_two_approvals_by_one_person_in_a_round_are_reported(org):
    voucher = submitted(org.sales1, "50000")
    services.voucher_approve(by=org.manager1, voucher_id=voucher.pk)
    with bad_data():
        event(voucher, "approve_step", org.manager1, step=1)
        assert len(invariants.approvers_distinct_in_round()) == 1
        assert "already approved in this round" in command_fails()


def test_approval_in_a_new_round_by_an_earlier_approver_is_fine(org):
    voucher = submitted(org.sales1, "50000")
    services.voucher_approve(by=org.manager1, voucher_id=voucher.pk)
    services.voucher_reject(by=org.finance, voucher_id=voucher.pk, note="again")
    services.voucher_submit(by=org.sales1, voucher_id=voucher.pk)
    services.voucher_approve(by=org.manager1, voucher_id=voucher.pk)
    assert invariants.approvers_distinct_in_round() == []


def test_approval_by_an_editor_after_submission_is_reported(org):
    voucher = submitted(org.sales1)
    with bad_data():
        event(voucher, "edit", org.manager1)
        event(voucher, "approve_step", org.manager1, step=0)
        assert len(invariants.editors_never_approve()) == 1
        assert "edited it after submission" in command_fails()


def test_edit_before_submission_or_after_the_approval_is_not_reported(org):
    voucher = services.voucher_create(by=org.sales1, amount=Decimal("500"))
    services.voucher_update(by=org.manager1, voucher_id=voucher.pk, memo="before")
    services.voucher_submit(by=org.sales1, voucher_id=voucher.pk)
    services.voucher_approve(by=org.manager1, voucher_id=voucher.pk)
    with bad_data():
        event(voucher, "edit", org.manager1)  # after the approval: does not taint it
        assert invariants.editors_never_approve() == []


def test_approval_in_a_round_never_submitted_is_reported(org):
    voucher = services.voucher_create(by=org.sales1, amount=Decimal("500"))
    with bad_data():
        event(voucher, "approve_step", org.manager1, step=0)
        assert ["never submitted" in line for line in invariants.approvals_follow_submission_in_order()] == [
            True
        ]
        command_fails()


def test_a_skipped_step_is_reported(org):
    voucher = submitted(org.sales1, "50000")
    with bad_data():
        event(voucher, "approve_step", org.finance, step=1)
        assert [
            "is step 1 after 0 approvals" in line
            for line in invariants.approvals_follow_submission_in_order()
        ] == [True]
        command_fails()


def test_a_move_outside_the_transition_table_is_reported(org):
    voucher = services.voucher_create(by=org.sales1, amount=Decimal("500"))
    with bad_data():
        event(voucher, "approve", org.manager1, from_status="draft", to_status="approved")
        assert invariants.transitions_follow_table() == [
            "exampleapp.voucher: approve logged from 'draft' to 'approved', not allowed"
        ]
        command_fails()


def test_approval_while_not_submitted_is_reported(org):
    voucher = submitted(org.sales1)
    with bad_data():
        event(voucher, "approve_step", org.manager1, step=0, from_status="draft", to_status="draft")
        assert [
            "while the document was 'draft'" in line
            for line in invariants.approvals_follow_submission_in_order()
        ] == [True]


def test_an_unlogged_status_change_is_reported(org):
    voucher = submitted(org.sales1)
    with bad_data():
        Voucher.objects.filter(pk=voucher.pk).update(status="cancelled")
        assert invariants.states_chain_up() == [
            f"exampleapp.voucher #{voucher.pk}: status 'cancelled' but its log ends in 'submitted'"
        ]
        command_fails()


def test_a_log_that_skips_a_state_is_reported(org):
    voucher = services.voucher_create(by=org.sales1, amount=Decimal("500"))
    with bad_data():
        forged = event(voucher, "comment", org.manager1, from_status="submitted", to_status="draft")
        assert invariants.states_chain_up() == [
            f"exampleapp.voucher #{voucher.pk}: comment (event {forged.pk}) starts from 'submitted' "
            "but the previous event left 'draft'"
        ]


def test_approved_with_an_incomplete_route_is_reported(org):
    voucher = submitted(org.sales1, "50000")
    services.voucher_approve(by=org.manager1, voucher_id=voucher.pk)
    with bad_data():
        Voucher.objects.filter(pk=voucher.pk).update(status="approved")
        assert invariants.approved_documents_have_complete_route() == [
            f"exampleapp.voucher #{voucher.pk} {voucher.number}: "
            "approved with 1 of 2 review steps in round 1, no approve event"
        ]
        command_fails()


# --- I8: numbers ---------------------------------------------------------------------------------


def test_a_malformed_number_is_reported(org):
    with bad_data():
        Voucher.objects.create(number="EX-26-7", prepared_by=org.sales1, amount=1)
        assert len(invariants.numbers_well_formed_and_unique()) == 1
        command_fails()


def test_a_sequence_behind_or_ahead_of_the_numbers_is_reported(org):
    services.voucher_create(by=org.sales1, amount=Decimal("1"))
    with bad_data():
        Sequence.objects.filter(key="EX").update(last=F("last") + 1)
        assert invariants.sequences_match_numbers() == [
            f"EX-{YEAR}: sequence says 2, highest number issued is 1"
        ]
        command_fails()
    with bad_data():
        Sequence.objects.filter(key="EX").update(last=0)
        assert invariants.sequences_match_numbers() == [
            f"EX-{YEAR}: sequence says 0, highest number issued is 1"
        ]


def test_a_gap_in_the_numbers_is_reported(org):
    services.voucher_create(by=org.sales1, amount=Decimal("1"))
    with bad_data():
        Voucher.objects.create(number=f"EX-{YEAR}-000003", prepared_by=org.sales1, amount=3)
        Sequence.objects.filter(key="EX").update(last=3)
        assert invariants.sequences_match_numbers() == [f"EX-{YEAR}: 2 numbers issued for 1..3 (a gap)"]
        command_fails()


def test_numbers_handed_out_without_documents_are_reported(db):
    with bad_data():
        Sequence.objects.create(key="EX", year=1999, last=4)
        assert invariants.sequences_match_numbers() == [
            "EX-1999: sequence says 4 but no document has a number"
        ]


def test_two_types_sharing_a_prefix_are_reported(db, monkeypatch):
    monkeypatch.setattr(invariants, "document_models", lambda: [Voucher, Voucher])
    assert invariants.number_prefixes_distinct() == [
        "prefix EX is used by 2 document types: exampleapp.voucher, exampleapp.voucher"
    ]
