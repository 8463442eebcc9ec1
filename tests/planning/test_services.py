"""Writes of sales plans: drafting with targets, the two-person review (the approver is never the
preparer), approved plans fixed, revisions superseding and keeping history, scope of edits."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.planning import services
from salesdept.planning.models import Plan, PlanStatus, PlanTarget

from .conftest import YEAR, company_targets, team_targets


def test_create_writes_twelve_rows_per_target_that_add_up(org, make_plan):
    # when
    plan = make_plan()
    # then
    assert plan.number == f"SP-{YEAR}-000001" and plan.status == PlanStatus.DRAFT
    assert PlanTarget.objects.filter(plan=plan).count() == 36
    team = PlanTarget.objects.filter(plan=plan, line=1)
    assert sum(t.value for t in team) == Decimal("1200000.00")
    assert {t.region_id for t in team} == {org.regions["east"].pk}  # the team's region, for scope
    sales1 = PlanTarget.objects.filter(plan=plan, line=2).first()
    assert (sales1.team_id, sales1.region_id) == (org.teams["east"].pk, org.regions["east-sh"].pk)
    assert list(PlanTarget.objects.filter(plan=plan, line=3).values_list("value", flat=True)) == list(
        range(1, 13)
    )
    assert [e.action for e in plan.events] == ["create"]


def test_create_with_weights_spreads_by_the_profile(org):
    plan = services.plan_create(
        by=org.manager1,
        year=YEAR,
        targets=[
            {
                "level": "salesperson",
                "subject": org.sales1.pk,
                "measure": "amount",
                "year_total": "1000.00",
                "spread": "weights",
                "weights": [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1],
            }
        ],
    )
    values = list(plan.targets.order_by("month").values_list("value", flat=True))
    assert values[:9] == [0] * 9 and values[9:] == [Decimal("333.34"), Decimal("333.33"), Decimal("333.33")]


@pytest.mark.parametrize(
    "target, field",
    [
        ({"level": "planet", "measure": "amount", "year_total": "1"}, "targets.1.level"),
        ({"level": "company", "measure": "profit", "year_total": "1"}, "targets.1.measure"),
        ({"level": "team", "subject": 999999, "measure": "amount", "year_total": "1"}, "targets.1.subject"),
        ({"level": "company", "measure": "amount"}, "targets.1.year_total"),
        ({"level": "company", "measure": "amount", "year_total": "-5"}, "targets.1.year_total"),
        ({"level": "company", "measure": "quantity", "year_total": "1.5"}, "targets.1.year_total"),
        ({"level": "company", "measure": "amount", "months": ["1"] * 11}, "targets.1.months"),
        ({"level": "company", "measure": "amount", "months": ["1"] * 11 + ["x"]}, "targets.1.months.12"),
        (
            {"level": "company", "measure": "amount", "year_total": "1", "spread": "weights"},
            "targets.1.weights",
        ),
        ({"level": "company", "measure": "amount", "year_total": "1", "spread": "magic"}, "targets.1.spread"),
    ],
)
def test_bad_target_is_refused_naming_the_field_and_nothing_is_written(org, target, field):
    with pytest.raises(ValidationFailed) as refused:
        services.plan_create(by=org.director, year=YEAR, targets=[target])
    assert field in refused.value.fields
    assert not Plan.objects.exists() and not PlanTarget.objects.exists()


def test_bad_year_and_duplicate_target_are_refused(org):
    with pytest.raises(ValidationFailed) as refused:
        services.plan_create(by=org.director, year=1999)
    assert "year" in refused.value.fields
    twice = {"level": "company", "measure": "amount", "year_total": "1"}
    with pytest.raises(ValidationFailed) as refused:
        services.plan_create(by=org.director, year=YEAR, targets=[twice, twice])
    assert "targets.2.subject" in refused.value.fields


def test_one_live_plan_per_year(org, make_plan):
    make_plan()
    with pytest.raises(ValidationFailed) as refused:
        services.plan_create(by=org.director, year=YEAR)
    assert "year" in refused.value.fields
    assert services.plan_create(by=org.director, year=YEAR + 1).calendar_year == YEAR + 1


def test_salesperson_may_not_prepare_plans(org):
    with pytest.raises(PermissionDenied):
        services.plan_create(by=org.sales1, year=YEAR)


def test_manager_may_not_plan_outside_their_team(org):
    # given manager1 leads the East team; sales3 is in the South team
    other = [{"level": "salesperson", "subject": org.sales3.pk, "measure": "amount", "year_total": "1"}]
    # when / then
    with pytest.raises(ValidationFailed) as refused:
        services.plan_create(by=org.manager1, year=YEAR, targets=other)
    assert "targets.1.subject" in refused.value.fields
    company = [{"level": "company", "measure": "amount", "year_total": "1"}]
    with pytest.raises(ValidationFailed):
        services.plan_create(by=org.manager1, year=YEAR, targets=company)
    assert not Plan.objects.exists()


def test_update_draft_replaces_only_the_editors_targets(org, make_plan, category):
    # given the director drafted the company's plan and manager1 adds the East team's part
    plan = make_plan(by=org.director, targets=company_targets(org, category))
    services.plan_update_draft(by=org.manager1, plan_id=plan.pk, targets=team_targets(org))
    assert plan.targets.values("line").distinct().count() == 7
    # when manager1 replaces their part by one target
    services.plan_update_draft(
        by=org.manager1,
        plan_id=plan.pk,
        targets=[{"level": "salesperson", "subject": org.sales2.pk, "measure": "amount", "year_total": "12"}],
    )
    # then the director's four lines stay, manager1's three are replaced by one
    assert plan.targets.values("line").distinct().count() == 5
    assert not plan.targets.filter(salesperson=org.sales1).exists()
    assert plan.targets.filter(level="company").count() == 12
    plan.refresh_from_db()
    assert plan.version == 3
    assert [e.action for e in plan.events] == ["create", "edit", "edit"]


def test_stale_version_is_refused(org, make_plan):
    plan = make_plan()
    with pytest.raises(DomainError) as refused:
        services.plan_update_draft(by=org.manager1, plan_id=plan.pk, version=plan.version + 5, title="x")
    assert refused.value.code == "stale_version"


def test_submit_needs_a_target(org):
    plan = services.plan_create(by=org.manager1, year=YEAR)
    with pytest.raises(ValidationFailed) as refused:
        services.plan_submit(by=org.manager1, plan_id=plan.pk)
    assert "targets" in refused.value.fields


# --- two-person review ------------------------------------------------------------------------


def test_approve_by_preparer_is_refused(org, make_plan, director2):
    # given the director prepared and submitted the plan
    plan = make_plan("submitted", by=org.director, targets=company_targets(org))
    # when the director approves it
    with pytest.raises(DomainError) as refused:
        services.plan_approve(by=org.director, plan_id=plan.pk)
    # then
    assert refused.value.code == "own_document"
    assert plan.events.filter(action="approve_step").count() == 0
    # and a second director may
    services.plan_approve(by=director2, plan_id=plan.pk)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.approved_at is not None


def test_manager_cannot_approve(org, make_plan):
    plan = make_plan("submitted", by=org.director, targets=company_targets(org))
    with pytest.raises(DomainError) as refused:
        services.plan_approve(by=org.manager1, plan_id=plan.pk)
    assert refused.value.code == "not_your_step" and refused.value.status == 403


def test_full_workflow_is_logged(org, make_plan):
    plan = make_plan("submitted")
    services.plan_reject(by=org.director, plan_id=plan.pk, note="东区目标偏低")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    services.plan_submit(by=org.manager1, plan_id=plan.pk)
    services.plan_approve(by=org.director, plan_id=plan.pk, note="同意")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert [e.action for e in plan.events] == [
        "create",
        "submit",
        "reject",
        "submit",
        "approve_step",
        "approve",
    ]
    assert services.plan_allowed_actions(plan, org.director) == ["revise"]
    assert services.plan_allowed_actions(plan, org.sales1) == []


def test_reject_needs_a_reason(org, make_plan):
    plan = make_plan("submitted")
    with pytest.raises(DomainError) as refused:
        services.plan_reject(by=org.director, plan_id=plan.pk, note=" ")
    assert refused.value.code == "reason_required" and "note" in refused.value.fields


def test_approved_plan_cannot_be_edited_or_resubmitted(org, make_plan):
    plan = make_plan("approved")
    with pytest.raises(DomainError) as refused:
        services.plan_update_draft(by=org.manager1, plan_id=plan.pk, targets=[])
    assert refused.value.code == "read_only"
    with pytest.raises(DomainError) as refused:
        services.plan_submit(by=org.manager1, plan_id=plan.pk)
    assert refused.value.code == "invalid_transition"
    with pytest.raises(DomainError) as refused:
        services.plan_cancel(by=org.manager1, plan_id=plan.pk)
    assert refused.value.code == "invalid_transition"
    assert plan.targets.count() == 36


# --- revisions --------------------------------------------------------------------------------


def test_revision_supersedes_the_original_and_keeps_history(org, make_plan):
    # given an approved plan
    original = make_plan("approved")
    # when manager1 revises it, changes a target and the director approves the revision
    revision = services.plan_revise(by=org.manager1, plan_id=original.pk, note="年中调整")
    assert revision.number == f"{original.number}-R1" and revision.revision_of == original
    assert revision.targets.count() == original.targets.count() == 36
    services.plan_update_draft(
        by=org.manager1,
        plan_id=revision.pk,
        targets=[
            {"level": "team", "subject": org.teams["east"].pk, "measure": "amount", "year_total": "1500000"}
        ],
    )
    services.plan_submit(by=org.manager1, plan_id=revision.pk)
    original.refresh_from_db()
    assert original.status == PlanStatus.APPROVED  # still in force while the revision is reviewed
    services.plan_approve(by=org.director, plan_id=revision.pk)
    # then the original is superseded, unchanged and readable; the revision is the current plan
    original.refresh_from_db()
    revision.refresh_from_db()
    assert original.status == PlanStatus.SUPERSEDED and revision.status == PlanStatus.APPROVED
    assert sum(t.value for t in original.targets.filter(line=1)) == Decimal("1200000.00")
    assert [e.action for e in original.events][-2:] == ["revise", "supersede"]
    assert Plan.objects.filter(calendar_year=YEAR, status=PlanStatus.APPROVED).get() == revision
    assert services.revision_chain(revision) == [original, revision]
    # and a second revision numbers on from the first plan
    second = services.plan_revise(by=org.director, plan_id=revision.pk)
    assert second.number == f"{original.number}-R2"


def test_only_one_open_revision_and_only_of_an_approved_plan(org, make_plan):
    draft = make_plan()
    with pytest.raises(DomainError) as refused:
        services.plan_revise(by=org.manager1, plan_id=draft.pk)
    assert refused.value.code == "not_approved"
    services.plan_submit(by=org.manager1, plan_id=draft.pk)
    services.plan_approve(by=org.director, plan_id=draft.pk)
    services.plan_revise(by=org.manager1, plan_id=draft.pk)
    with pytest.raises(DomainError) as refused:
        services.plan_revise(by=org.director, plan_id=draft.pk)
    assert refused.value.code == "revision_open"


def test_database_allows_one_approved_plan_per_year(org, make_plan):
    plan = make_plan("approved")
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(
            number="SP-X",
            prepared_by=org.director,
            calendar_year=plan.calendar_year,
            status=PlanStatus.APPROVED,
        )


def test_plan_changes_are_kept_in_the_audit_trail(org, make_plan):
    from auditlog.models import LogEntry

    plan = make_plan("approved")
    entries = LogEntry.objects.get_for_object(plan)
    assert entries.filter(action=LogEntry.Action.CREATE).exists()
    assert any("approved" in str(e.changes) for e in entries.filter(action=LogEntry.Action.UPDATE))
