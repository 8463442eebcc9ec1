"""Two-person review (X2, I10) on the example Voucher: who may approve, in which order, and what
is logged. Route by amount: manager; + finance from 10,000; + director from 100,000."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.http import Http404

from salesdept.accounts.models import User
from salesdept.core import review, workflow
from salesdept.core.errors import DomainError
from salesdept.core.events import history
from tests.exampleapp import services
from tests.exampleapp.models import Voucher

MANAGER = "exampleapp.review_voucher_as_manager"
FINANCE = "exampleapp.review_voucher_as_finance"
DIRECTOR = "exampleapp.review_voucher_as_director"


def submitted(by, amount="500") -> Voucher:
    voucher = services.voucher_create(by=by, amount=Decimal(amount))
    return services.voucher_submit(by=by, voucher_id=voucher.pk)


def refusal(action, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as refused:
        action(**kwargs)
    return refused.value


def approvals(voucher) -> list[tuple[str, int]]:
    """(approver, step) of the current round, from the log."""
    voucher.refresh_from_db()
    return [
        (e.actor.username, e.step)
        for e in history(voucher).filter(action="approve_step", round=voucher.review_round)
    ]


@pytest.fixture
def root(org):
    """A superuser who also holds the manager role (team East)."""
    user = User.objects.create_superuser("root", "root@example.com", "x", team=org.teams["east"])
    user.groups.add(Group.objects.get(name="manager"))
    return user


# --- who may approve -------------------------------------------------------------------------


def test_approve_by_preparer_is_refused(org):
    # given a voucher prepared by a manager, who holds the manager review step
    voucher = submitted(org.manager1)
    # when they approve it themselves
    refused = refusal(services.voucher_approve, by=org.manager1, voucher_id=voucher.pk)
    # then
    assert refused.code == "own_document"
    assert approvals(voucher) == []
    assert Voucher.objects.get(pk=voucher.pk).status == "submitted"


def test_superuser_with_the_role_is_refused_on_own_document(org, root):
    # given: the superuser's role is real, it approves someone else's voucher
    other = submitted(org.sales1)
    assert services.voucher_approve(by=root, voucher_id=other.pk).status == "approved"
    # when it approves its own voucher
    own = submitted(root)
    refused = refusal(services.voucher_approve, by=root, voucher_id=own.pk)
    # then no exemption
    assert refused.code == "own_document"
    assert "approve" not in workflow.allowed_actions(own, root)
    assert Voucher.objects.get(pk=own.pk).status == "submitted"


def test_superuser_without_a_review_role_cannot_take_a_step(org):
    boss = User.objects.create_superuser("boss", "boss@example.com", "x")
    voucher = submitted(org.sales1)
    refused = refusal(services.voucher_approve, by=boss, voucher_id=voucher.pk)
    assert (refused.code, refused.status) == ("not_your_step", 403)


def test_earlier_approver_cannot_take_a_later_step(org):
    # given a 150,000 voucher; the director holds both the manager and the director step
    voucher = submitted(org.sales1, "150000")
    services.voucher_approve(by=org.director, voucher_id=voucher.pk)
    services.voucher_approve(by=org.finance, voucher_id=voucher.pk)
    # when the director takes the director step too
    refused = refusal(services.voucher_approve, by=org.director, voucher_id=voucher.pk)
    # then
    assert refused.code == "already_approved"
    assert approvals(voucher) == [("director", 0), ("finance", 1)]


def test_same_approver_twice_is_refused(org):
    voucher = submitted(org.sales1, "50000")
    services.voucher_approve(by=org.manager1, voucher_id=voucher.pk)
    assert (
        refusal(services.voucher_approve, by=org.manager1, voucher_id=voucher.pk).code == "already_approved"
    )


def test_editor_after_submission_cannot_approve(org):
    # given a submitted voucher that the manager edits
    voucher = submitted(org.sales1)
    services.voucher_update(by=org.manager1, voucher_id=voucher.pk, memo="fixed the memo")
    # when the manager approves it
    refused = refusal(services.voucher_approve, by=org.manager1, voucher_id=voucher.pk)
    # then refused; another manager-step holder may
    assert refused.code == "edited_after_submission"
    assert services.voucher_approve(by=org.director, voucher_id=voucher.pk).status == "approved"


def test_editor_of_a_rejected_draft_cannot_approve_the_resubmission(org):
    voucher = submitted(org.sales1)
    services.voucher_reject(by=org.manager1, voucher_id=voucher.pk, note="wrong customer")
    services.voucher_update(by=org.manager1, voucher_id=voucher.pk, memo="customer corrected")
    services.voucher_submit(by=org.sales1, voucher_id=voucher.pk)
    assert (
        refusal(services.voucher_approve, by=org.manager1, voucher_id=voucher.pk).code
        == "edited_after_submission"
    )


def test_edit_before_first_submission_does_not_bar_the_editor(org):
    voucher = services.voucher_create(by=org.sales1, amount=Decimal("500"))
    services.voucher_update(by=org.manager1, voucher_id=voucher.pk, memo="helped with the draft")
    services.voucher_submit(by=org.sales1, voucher_id=voucher.pk)
    assert services.voucher_approve(by=org.manager1, voucher_id=voucher.pk).status == "approved"


def test_inactive_reviewer_is_refused(org):
    voucher = submitted(org.sales1)
    org.director.is_active = False
    org.director.save()
    with pytest.raises(Http404):  # an inactive user sees nothing
        services.voucher_approve(by=org.director, voucher_id=voucher.pk)
    assert review.refusal(voucher, org.director) == "not_your_step"  # and holds no role
    assert approvals(voucher) == []


def test_wrong_role_is_refused_with_403(org):
    voucher = submitted(org.sales1)
    for person in (org.clerk, org.finance, org.auditor, org.keeper, org.admin):
        refused = refusal(services.voucher_approve, by=person, voucher_id=voucher.pk)
        assert (person.username, refused.code, refused.status) == (person.username, "not_your_step", 403)
    assert approvals(voucher) == []


def test_reviewer_outside_scope_gets_404(org):
    voucher = submitted(org.sales1)  # team East
    with pytest.raises(Http404):
        services.voucher_approve(by=org.manager2, voucher_id=voucher.pk)  # team South


def test_approve_step_rechecks_when_called_directly(org):
    voucher = submitted(org.manager1)
    with pytest.raises(DomainError) as refused:
        review.approve_step(voucher, by=org.manager1)
    assert refused.value.code == "own_document"
    assert approvals(voucher) == []


def test_approving_a_draft_is_refused(org):
    voucher = services.voucher_create(by=org.sales1, amount=Decimal("500"))
    refused = refusal(services.voucher_approve, by=org.manager1, voucher_id=voucher.pk)
    assert (refused.code, refused.status) == ("invalid_transition", 409)


# --- routes by amount --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, route",
    [
        ("0.01", [MANAGER]),
        ("9999.99", [MANAGER]),
        ("10000", [MANAGER, FINANCE]),
        ("99999.99", [MANAGER, FINANCE]),
        ("100000", [MANAGER, FINANCE, DIRECTOR]),
        ("2500000", [MANAGER, FINANCE, DIRECTOR]),
    ],
)
def test_route_by_amount_is_walked_in_order(org, amount, route):
    # given
    voucher = submitted(org.sales1, amount)
    assert voucher.review_route() == route
    people = {MANAGER: org.manager1, FINANCE: org.finance, DIRECTOR: org.director}
    # when each step's holder approves in turn
    for n, perm in enumerate(route):
        assert review.next_permission(voucher) == perm
        voucher = services.voucher_approve(by=people[perm], voucher_id=voucher.pk, note=f"step {n}")
        # then the voucher stays submitted until the last step
        assert voucher.status == ("approved" if n == len(route) - 1 else "submitted")
    assert approvals(voucher) == [(people[p].username, n) for n, p in enumerate(route)]


def test_finance_before_manager_is_refused(org):
    voucher = submitted(org.sales1, "50000")
    refused = refusal(services.voucher_approve, by=org.finance, voucher_id=voucher.pk)
    assert (refused.code, refused.status) == ("not_your_step", 403)
    assert approvals(voucher) == []


def test_director_cannot_skip_finance(org):
    voucher = submitted(org.sales1, "150000")
    services.voucher_approve(by=org.manager1, voucher_id=voucher.pk)
    refused = refusal(services.voucher_approve, by=org.director, voucher_id=voucher.pk)
    assert (refused.code, refused.status) == ("not_your_step", 403)
    assert approvals(voucher) == [("manager1", 0)]


def test_buttons_follow_the_next_step(org):
    voucher = submitted(org.sales1, "50000")
    assert workflow.allowed_actions(voucher, org.sales1) == []
    assert workflow.allowed_actions(voucher, org.manager1) == ["approve", "reject"]
    assert workflow.allowed_actions(voucher, org.finance) == []
    voucher = services.voucher_approve(by=org.manager1, voucher_id=voucher.pk)
    assert workflow.allowed_actions(voucher, org.manager1) == []
    assert workflow.allowed_actions(voucher, org.finance) == ["approve", "reject"]


# --- reject, resubmit, edit --------------------------------------------------------------------


@pytest.mark.parametrize("note", ["", "   "])
def test_reject_without_reason_is_refused(org, note):
    voucher = submitted(org.sales1)
    refused = refusal(services.voucher_reject, by=org.manager1, voucher_id=voucher.pk, note=note)
    assert (refused.code, refused.status, list(refused.fields)) == ("reason_required", 400, ["note"])
    assert Voucher.objects.get(pk=voucher.pk).status == "submitted"


def test_reject_sends_to_draft_with_the_reason(org):
    voucher = submitted(org.sales1, "50000")
    services.voucher_approve(by=org.manager1, voucher_id=voucher.pk)
    voucher = services.voucher_reject(by=org.finance, voucher_id=voucher.pk, note="no budget")
    assert voucher.status == "draft"
    last = history(voucher).last()
    assert (last.action, last.actor, last.note, last.from_status, last.to_status) == (
        "reject",
        org.finance,
        "no budget",
        "submitted",
        "draft",
    )


def test_reject_needs_the_next_steps_role(org):
    voucher = submitted(org.sales1, "50000")
    assert refusal(services.voucher_reject, by=org.finance, voucher_id=voucher.pk, note="x").status == 403
    assert (
        refusal(services.voucher_reject, by=org.sales1, voucher_id=voucher.pk, note="x").code
        == "own_document"
    )


def test_resubmission_starts_a_fresh_round(org):
    # given a 50,000 voucher the manager approved and finance rejected
    voucher = submitted(org.sales1, "50000")
    services.voucher_approve(by=org.manager1, voucher_id=voucher.pk)
    services.voucher_reject(by=org.finance, voucher_id=voucher.pk, note="attach the receipt")
    # when it is resubmitted
    voucher = services.voucher_submit(by=org.sales1, voucher_id=voucher.pk)
    # then the old approval no longer counts: the manager step comes first again
    assert voucher.review_round == 2
    assert approvals(voucher) == []
    assert refusal(services.voucher_approve, by=org.finance, voucher_id=voucher.pk).code == "not_your_step"
    services.voucher_approve(
        by=org.manager1, voucher_id=voucher.pk
    )  # an approver of round 1 may approve again
    assert services.voucher_approve(by=org.finance, voucher_id=voucher.pk).status == "approved"
    assert approvals(voucher) == [("manager1", 0), ("finance", 1)]


def test_edit_while_submitted_restarts_the_round(org):
    # given the manager approved 50,000
    voucher = submitted(org.sales1, "50000")
    services.voucher_approve(by=org.manager1, voucher_id=voucher.pk)
    # when the preparer raises the amount to 150,000
    voucher = services.voucher_update(by=org.sales1, voucher_id=voucher.pk, amount=Decimal("150000"))
    # then the manager's approval of the old content no longer counts; the longer route applies
    assert (voucher.status, voucher.review_round, approvals(voucher)) == ("submitted", 2, [])
    assert refusal(services.voucher_approve, by=org.finance, voucher_id=voucher.pk).code == "not_your_step"
    for person in (org.manager1, org.finance, org.director):
        voucher = services.voucher_approve(by=person, voucher_id=voucher.pk)
    assert voucher.status == "approved"


def test_lowering_the_amount_after_approvals_does_not_strand_the_voucher(org):
    voucher = submitted(org.sales1, "150000")
    services.voucher_approve(by=org.manager1, voucher_id=voucher.pk)
    services.voucher_approve(by=org.finance, voucher_id=voucher.pk)
    services.voucher_update(by=org.sales1, voucher_id=voucher.pk, amount=Decimal("5000"))
    assert services.voucher_approve(by=org.manager1, voucher_id=voucher.pk).status == "approved"


def test_stale_save_is_refused_with_409_and_changes_nothing(org):
    voucher = services.voucher_create(by=org.sales1, amount=Decimal("500"))
    services.voucher_update(by=org.sales1, voucher_id=voucher.pk, version=1, memo="first")
    refused = refusal(
        services.voucher_update, by=org.manager1, voucher_id=voucher.pk, version=1, memo="second"
    )
    assert (refused.code, refused.status, refused.extra) == ("stale_version", 409, {"current_version": 2})
    voucher.refresh_from_db()
    assert (voucher.memo, voucher.version) == ("first", 2)
    assert [e.actor.username for e in history(voucher).filter(action="edit")] == ["sales1"]


def test_approved_voucher_is_read_only(org):
    voucher = submitted(org.sales1)
    services.voucher_approve(by=org.manager1, voucher_id=voucher.pk)
    refused = refusal(services.voucher_update, by=org.sales1, voucher_id=voucher.pk, memo="later")
    assert (refused.code, refused.status) == ("read_only", 409)


def test_fields_outside_the_form_cannot_be_written(org):
    voucher = services.voucher_create(by=org.sales1, amount=Decimal("500"))
    refused = refusal(services.voucher_update, by=org.sales1, voucher_id=voucher.pk, status="approved")
    assert (refused.code, refused.status, list(refused.fields)) == ("invalid", 400, ["status"])
    assert Voucher.objects.get(pk=voucher.pk).status == "draft"


def test_cancel_only_from_draft(org):
    voucher = submitted(org.sales1)
    assert refusal(services.voucher_cancel, by=org.sales1, voucher_id=voucher.pk).code == "invalid_transition"
    draft = services.voucher_create(by=org.sales1, amount=Decimal("1"))
    assert services.voucher_cancel(by=org.sales1, voucher_id=draft.pk).status == "cancelled"


# --- the log -----------------------------------------------------------------------------------


def test_every_step_is_logged_with_who_when_and_comment(org):
    voucher = submitted(org.sales1, "50000")
    services.voucher_approve(by=org.manager1, voucher_id=voucher.pk, note="ok by me")
    services.voucher_reject(by=org.finance, voucher_id=voucher.pk, note="receipt missing")
    services.voucher_update(by=org.sales1, voucher_id=voucher.pk, memo="receipt attached")
    services.voucher_submit(by=org.sales1, voucher_id=voucher.pk)
    services.voucher_approve(by=org.manager1, voucher_id=voucher.pk)
    services.voucher_approve(by=org.finance, voucher_id=voucher.pk, note="paid")
    log = list(history(voucher))
    assert [
        (e.action, e.actor.username, e.round, e.step, e.from_status, e.to_status, e.note) for e in log
    ] == [
        ("create", "sales1", 0, None, "draft", "draft", ""),
        ("submit", "sales1", 1, None, "draft", "submitted", ""),
        ("approve_step", "manager1", 1, 0, "submitted", "submitted", "ok by me"),
        ("reject", "finance", 1, None, "submitted", "draft", "receipt missing"),
        ("edit", "sales1", 1, None, "draft", "draft", ""),
        ("submit", "sales1", 2, None, "draft", "submitted", ""),
        ("approve_step", "manager1", 2, 0, "submitted", "submitted", ""),
        ("approve_step", "finance", 2, 1, "submitted", "submitted", "paid"),
        ("approve", "finance", 2, None, "submitted", "approved", "paid"),
    ]
    assert all(e.at is not None for e in log)
    assert [e.at for e in log] == sorted(e.at for e in log)
