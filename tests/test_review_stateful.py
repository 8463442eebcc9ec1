"""Two-person review (X2, I10) under random use: random people of the demo company (and a
superuser holding the manager role) create, edit, submit, approve, reject and cancel vouchers of
random amounts. After every step:

- every voucher in the database is where an independent model of the rules says it is, and each
  action was refused exactly when the model says so (with the same code);
- no approved voucher was approved, in its final round, by its preparer, by someone who edited
  it after submission, or twice by the same person; its final round matches its route exactly
  (number of steps, and each approver held that step's permission);
- every logged move follows the transition table, and the log's states chain up;
- the check_invariants rules report nothing (checked at the end of each run).

Deterministic for CI: derandomized, no example database, nothing printed unless it fails."""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from salesdept.accounts.models import User
from salesdept.accounts.scope import is_visible
from salesdept.core import invariants
from salesdept.core.errors import DomainError
from salesdept.core.models import DocumentEvent
from tests.conftest import EXAMPLE_GRANTS
from tests.exampleapp import services
from tests.exampleapp.models import Voucher
from tests.stateful import stateful_settings

# Every threshold from both sides; three-step routes weighted up, as they are the hardest to finish.
AMOUNTS = ["0.01", "9999.99", "10000", "50000", "99999.99", "100000", "100000", "250000", "250000"]
# Reviewers appear more than once, so complete routes happen often enough.
PEOPLE = [
    *"sales1 sales2 sales3 sales5 manager2 regional_east clerk keeper auditor admin".split(),
    *["manager1", "director", "finance", "root"] * 3,
]
VOUCHER_FIELDS = ("pk", "number", "status", "review_round", "version", "amount", "prepared_by_id")
EVENT_FIELDS = ("object_id", "action", "actor_id", "round", "step", "from_status", "to_status")
PREPARERS = ["sales1", "sales3", "sales5", "manager1", "clerk", "root"]
MUST_SEE = [
    *(f"approved after {n} steps" for n in (1, 2, 3)),
    "approved after resubmission",
    *("own_document", "already_approved", "edited_after_submission", "not_your_step", "reason_required"),
    *("invalid_transition", "stale_version", "voucher_reject done"),
]
SETTINGS = stateful_settings(max_examples=50, steps=30)


@dataclass
class Expected:
    """What the rules say one voucher should look like."""

    preparer: str
    amount: Decimal
    status: str = "draft"
    round: int = 0
    version: int = 1
    approvers: list[str] = field(default_factory=list)  # this round, in step order
    submitted_once: bool = False
    editors_after_submission: set[str] = field(default_factory=set)

    def route(self) -> list[str]:
        """The review route, spelled out here rather than taken from the model under test."""
        steps = ["exampleapp.review_voucher_as_manager"]
        if self.amount >= 10000:
            steps.append("exampleapp.review_voucher_as_finance")
        if self.amount >= 100000:
            steps.append("exampleapp.review_voucher_as_director")
        return steps


class ReviewMachine(RuleBasedStateMachine):
    users: dict[str, User] = {}  # set by the test: username → user
    seen: Counter = Counter()  # what the run exercised, so a vacuous run fails

    vouchers = Bundle("vouchers")

    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint that teardown() rolls back: the personas stay.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.expected: dict[int, Expected] = {}
        self.visibility: dict[tuple[int, str], bool] = {}

    def teardown(self):
        for v in self.expected.values():
            if v.status == "approved":
                self.seen[f"approved after {len(v.route())} steps"] += 1
                self.seen["approved after resubmission"] += v.round > 1
        try:
            # The check_invariants rules agree with the model (once per example: they are slower).
            assert invariants.run() == []
        finally:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    # --- the model of the rules ----------------------------------------------------------------

    def perms(self, name: str) -> set[str]:
        user = self.users[name]
        held = {f"exampleapp.{c}" for role in user.role_names for c in EXAMPLE_GRANTS.get(role, [])}
        return held | (
            {"exampleapp.add_voucher", "exampleapp.change_voucher"} if user.is_superuser else set()
        )

    def sees(self, name: str, pk: int) -> bool:
        # A voucher's preparer never changes, so neither does who sees it.
        if (pk, name) not in self.visibility:
            self.visibility[pk, name] = is_visible(Voucher.objects.get(pk=pk), self.users[name])
        return self.visibility[pk, name]

    def review_refusal(self, v: Expected, name: str) -> str | None:
        if v.status != "submitted":
            return "invalid_transition"
        if name == v.preparer:
            return "own_document"
        if name in v.approvers:
            return "already_approved"
        if name in v.editors_after_submission:
            return "edited_after_submission"
        if v.route()[len(v.approvers)] not in self.perms(name):
            return "not_your_step"
        return None

    def change_refusal(self, v: Expected, name: str, allowed_from: set[str]) -> str | None:
        if v.status not in allowed_from:
            return "invalid_transition"
        if "exampleapp.change_voucher" not in self.perms(name):
            return "not_permitted"
        return None

    def eligible_reviewers(self, pk: int) -> list[str]:
        """Who, by the model, may take the next review step on voucher `pk`."""
        v = self.expected[pk]
        return [n for n in sorted(self.users) if self.sees(n, pk) and self.review_refusal(v, n) is None]

    # --- running an action ---------------------------------------------------------------------

    def attempt(self, pk: int, name: str, expected_refusal: str | None, action, **kwargs) -> bool:
        """Run `action`; True if it went through. Asserts it was refused exactly as expected."""
        if not self.sees(name, pk):
            with pytest.raises(Http404):
                action(by=self.users[name], voucher_id=pk, **kwargs)
            return False
        if expected_refusal is None:
            action(by=self.users[name], voucher_id=pk, **kwargs)
            self.seen[f"{action.__name__} done"] += 1
            return True
        with pytest.raises(DomainError) as refused:
            action(by=self.users[name], voucher_id=pk, **kwargs)
        assert refused.value.code == expected_refusal, (name, action.__name__, pk)
        self.seen[expected_refusal] += 1
        return False

    # --- rules (random actions) ----------------------------------------------------------------

    @initialize(
        target=vouchers,
        names=st.lists(st.sampled_from(PREPARERS), min_size=2, max_size=4),
        amounts=st.lists(st.sampled_from(AMOUNTS), min_size=4, max_size=4),
    )
    def some_submitted_vouchers(self, names, amounts):
        """Start each run with a few submitted vouchers, so reviews happen from the first step."""
        pks = [self.create(name, amount) for name, amount in zip(names, amounts, strict=False)]
        for pk in pks:
            self.submit(pk, self.expected[pk].preparer)
        return multiple(*pks)

    @rule(target=vouchers, name=st.sampled_from(PEOPLE), amount=st.sampled_from(AMOUNTS))
    def create(self, name, amount):
        if "exampleapp.add_voucher" not in self.perms(name):
            with pytest.raises(PermissionDenied):
                services.voucher_create(by=self.users[name], amount=Decimal(amount))
            return multiple()
        voucher = services.voucher_create(by=self.users[name], amount=Decimal(amount))
        self.expected[voucher.pk] = Expected(preparer=name, amount=Decimal(amount))
        return voucher.pk

    @rule(pk=vouchers, name=st.sampled_from(PEOPLE), amount=st.sampled_from(AMOUNTS), stale=st.booleans())
    def edit(self, pk, name, amount, stale):
        v = self.expected[pk]
        refusal = "read_only" if v.status not in {"draft", "submitted"} else None
        refusal = refusal or self.change_refusal(v, name, {"draft", "submitted"})
        refusal = refusal or ("stale_version" if stale else None)
        version = v.version - 1 if stale else v.version
        if self.attempt(pk, name, refusal, services.voucher_update, version=version, amount=Decimal(amount)):
            v.amount, v.version = Decimal(amount), v.version + 1
            if v.submitted_once:
                v.editors_after_submission.add(name)
            if v.status == "submitted":
                v.round, v.approvers = v.round + 1, []

    @rule(pk=vouchers, name=st.sampled_from(PEOPLE))
    def submit(self, pk, name):
        v = self.expected[pk]
        if self.attempt(pk, name, self.change_refusal(v, name, {"draft"}), services.voucher_submit):
            v.status, v.round, v.approvers, v.submitted_once = "submitted", v.round + 1, [], True

    @rule(pk=vouchers, name=st.sampled_from(PEOPLE))
    def cancel(self, pk, name):
        v = self.expected[pk]
        if self.attempt(pk, name, self.change_refusal(v, name, {"draft"}), services.voucher_cancel):
            v.status = "cancelled"

    def waiting(self, status: str, pick: int) -> int | None:
        """One voucher in `status` (chosen by `pick`), so that steps on live vouchers are common."""
        pks = sorted(pk for pk, v in self.expected.items() if v.status == status)
        return pks[pick % len(pks)] if pks else None

    @precondition(lambda self: any(v.status == "draft" for v in self.expected.values()))
    @rule(pick=st.integers(0, 99), name=st.sampled_from(PEOPLE))
    def submit_a_draft(self, pick, name):
        self.submit(self.waiting("draft", pick), name)

    @precondition(lambda self: any(v.status == "submitted" for v in self.expected.values()))
    @rule(pick=st.integers(0, 99), name=st.sampled_from(PEOPLE))
    def approve_a_submitted(self, pick, name):
        self.approve(self.waiting("submitted", pick), name)

    @precondition(lambda self: any(v.status == "submitted" for v in self.expected.values()))
    @rule(pick=st.integers(0, 99), who=st.integers(0, 99))
    def approve_as_the_next_reviewer(self, pick, who):
        """Someone the model deems eligible takes the next step: the engine must let them."""
        pk = self.waiting("submitted", pick)
        if eligible := self.eligible_reviewers(pk):
            self.approve(pk, eligible[who % len(eligible)])

    @precondition(lambda self: any(v.status == "submitted" for v in self.expected.values()))
    @rule(pick=st.integers(0, 99), who=st.integers(0, 99))
    def walk_the_rest_of_the_route(self, pick, who):
        """Eligible reviewers take every remaining step: complete routes are common."""
        pk = self.waiting("submitted", pick)
        while self.expected[pk].status == "submitted":
            eligible = self.eligible_reviewers(pk)
            if not eligible:
                break
            self.approve(pk, eligible[who % len(eligible)])

    @precondition(lambda self: any(v.status == "submitted" for v in self.expected.values()))
    @rule(pick=st.integers(0, 99), who=st.integers(0, 99), amount=st.sampled_from(AMOUNTS))
    def next_reviewer_edits_then_approves(self, pick, who, amount):
        """An eligible reviewer edits the voucher first: the model says they are now barred."""
        pk = self.waiting("submitted", pick)
        v = self.expected[pk]
        eligible = [
            n
            for n in sorted(self.users)
            if self.sees(n, pk)
            and not self.review_refusal(v, n)
            and not self.change_refusal(v, n, {"submitted"})
        ]
        if eligible:
            name = eligible[who % len(eligible)]
            self.edit(pk, name, amount, stale=False)
            self.approve(pk, name)

    @precondition(lambda self: any(v.status == "draft" for v in self.expected.values()))
    @rule(pick=st.integers(0, 99), name=st.sampled_from(PEOPLE))
    def cancel_a_draft(self, pick, name):
        self.cancel(self.waiting("draft", pick), name)

    @precondition(lambda self: any(self.untouched_by_root()))
    @rule(pick=st.integers(0, 99))
    def superuser_takes_the_next_step(self, pick):
        """root is a superuser with only the manager role: it gets no other step for free."""
        pks = self.untouched_by_root()
        self.approve(pks[pick % len(pks)], "root")

    def untouched_by_root(self) -> list[int]:
        """Submitted vouchers root neither prepared, approved nor edited: only its role decides."""
        return sorted(
            pk
            for pk, v in self.expected.items()
            if v.status == "submitted"
            and "root" not in {v.preparer, *v.approvers, *v.editors_after_submission}
        )

    @precondition(lambda self: any(v.status == "submitted" for v in self.expected.values()))
    @rule(pick=st.integers(0, 99))
    def preparer_approves_own(self, pick):
        pk = self.waiting("submitted", pick)
        self.approve(pk, self.expected[pk].preparer)

    @precondition(lambda self: any(v.status == "submitted" for v in self.expected.values()))
    @rule(pick=st.integers(0, 99), who=st.integers(0, 99), note=st.sampled_from(["", "wrong amount"]))
    def next_reviewer_rejects(self, pick, who, note):
        pk = self.waiting("submitted", pick)
        if eligible := self.eligible_reviewers(pk):
            self.reject(pk, eligible[who % len(eligible)], note)

    @rule(pk=vouchers, name=st.sampled_from(PEOPLE))
    def approve(self, pk, name):
        v = self.expected[pk]
        if self.attempt(pk, name, self.review_refusal(v, name), services.voucher_approve, note="ok"):
            v.approvers.append(name)
            if len(v.approvers) == len(v.route()):
                v.status = "approved"

    @rule(pk=vouchers, name=st.sampled_from(PEOPLE), note=st.sampled_from(["", "  ", "wrong amount"]))
    def reject(self, pk, name, note):
        v = self.expected[pk]
        refusal = self.review_refusal(v, name) or (None if note.strip() else "reason_required")
        if self.attempt(pk, name, refusal, services.voucher_reject, note=note):
            v.status = "draft"

    # --- what must hold after every step -------------------------------------------------------

    @invariant()
    def the_rules_hold(self):
        """After every step (two queries): the database matches the model, and the log obeys
        two-person review and the transition table."""
        vouchers = list(Voucher.objects.order_by("pk").values_list(*VOUCHER_FIELDS, named=True))
        actual = {v.pk: (v.status, v.review_round, v.version, v.amount) for v in vouchers}
        assert actual == {pk: (v.status, v.round, v.version, v.amount) for pk, v in self.expected.items()}
        events: dict[int, list] = {}
        for e in (
            DocumentEvent.objects.filter(content_type__model="voucher")
            .order_by("pk")
            .values_list(*EVENT_FIELDS, named=True)
        ):
            events.setdefault(e.object_id, []).append(e)
        for voucher in vouchers:
            log = events.get(voucher.pk, [])
            self.assert_two_person_review(voucher, log)
            self.assert_states_follow_the_table(voucher, log)
            if voucher.status == "approved":
                self.assert_final_round_complete(voucher, log)

    @staticmethod
    def assert_two_person_review(voucher, log):
        editors: set[int] = set()
        approved_in_round: set[tuple[int, int]] = set()
        submitted = False
        for e in log:
            if e.action == "approve_step":
                assert e.actor_id != voucher.prepared_by_id, f"{voucher.number} approved by its preparer"
                assert e.actor_id not in editors, f"{voucher.number} approved by an editor after submission"
                assert (e.round, e.actor_id) not in approved_in_round, (
                    f"{voucher.number} approved twice by one"
                )
                approved_in_round.add((e.round, e.actor_id))
            elif e.action == "edit" and submitted:
                editors.add(e.actor_id)
            submitted = submitted or e.action == "submit"

    def assert_final_round_complete(self, voucher, log):
        steps = [e for e in log if e.action == "approve_step" and e.round == voucher.review_round]
        route = Expected(preparer="", amount=voucher.amount).route()
        assert [e.step for e in steps] == list(range(len(route))), (
            f"{voucher.number}: route not walked exactly"
        )
        names = {u.pk: n for n, u in self.users.items()}
        for e, perm in zip(steps, route, strict=True):
            assert perm in self.perms(names[e.actor_id]), f"{voucher.number} step {e.step} without {perm}"

    @staticmethod
    def assert_states_follow_the_table(voucher, log):
        status = "draft"
        for e in log:
            assert e.from_status == status, (voucher.number, e.action)
            if e.action in Voucher.TRANSITIONS:
                t = Voucher.TRANSITIONS[e.action]
                assert e.from_status in t.source and e.to_status == t.target, (voucher.number, e.action)
            else:
                assert e.to_status == e.from_status, (voucher.number, e.action)
            status = e.to_status
        assert status == voucher.status, voucher.number


def test_review_rules_hold_under_random_use(org):
    root = User.objects.create_superuser("root", "root@example.com", "x", team=org.teams["east"])
    root.groups.add(Group.objects.get(name="manager"))
    ReviewMachine.users = {**org.people, "root": root}
    ReviewMachine.seen = Counter()
    run_state_machine_as_test(ReviewMachine, settings=SETTINGS)
    # The run must have reached what it guards, not only refusals.
    missing = [what for what in MUST_SEE if not ReviewMachine.seen[what]]
    assert not missing, f"the random run never reached {missing}; seen: {dict(ReviewMachine.seen)}"
