"""Contracts (S3) through the services: drafting, completeness, review route by amount (合同评审),
two-person rule, signing, registration, archive, amendments and superseding."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from salesdept.audit.models import Signal
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.events import history
from salesdept.core.numbering import next_number
from salesdept.sales.models import Contract, ContractReviewRule, PaymentMilestone, Quotation, QuotationLine
from salesdept.sales.services import contracts as services
from salesdept.sales.services import orders as order_services

from .conftest import approve_all, refresh, signed_copy

MANAGER = "sales.review_contract_as_manager"
FINANCE = "sales.review_contract_as_finance"
DIRECTOR = "sales.review_contract_as_director"


def refused(func, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as exc:
        func(**kwargs)
    return exc.value


# --- drafting ------------------------------------------------------------------------------


def test_create_computes_total_and_milestone_amounts(org, contract_data):
    data = contract_data(org.sales1, [("1000.00", "3"), ("333.33", "1")])
    contract = services.contract_create(by=org.sales1, **data)
    assert contract.number.startswith("CT-") and contract.status == "draft"
    assert contract.total_amount == Decimal("3333.33")
    amounts = list(contract.milestones.order_by("position").values_list("amount", flat=True))
    assert amounts == [Decimal("1000.00"), Decimal("2333.33")]
    assert sum(amounts) == contract.total_amount
    assert contract.owner == org.sales1 and contract.prepared_by == org.sales1


@settings(max_examples=30, deadline=None)
@given(
    total_cents=st.integers(min_value=1, max_value=10**10),
    shares=st.lists(st.integers(min_value=1, max_value=9000), min_size=1, max_size=6),
)
def test_milestone_amounts_always_add_up_to_the_total(total_cents, shares):
    # the split rule alone: shares scaled to 100.00 %, the last takes the rest
    total = Decimal(total_cents) / 100
    percents = [Decimal(s) * 100 / sum(shares) for s in shares]
    percents = [p.quantize(Decimal("0.01")) for p in percents]
    percents[-1] = Decimal("100") - sum(percents[:-1])
    if percents[-1] <= 0:
        return
    rest, amounts = total, []
    for i, p in enumerate(percents):
        a = rest if i == len(percents) - 1 else (total * p / 100).quantize(Decimal("0.01"))
        amounts.append(a)
        rest -= a
    assert sum(amounts) == total


def test_milestones_must_add_up_to_100(org, contract_data):
    data = contract_data(org.sales1)
    data["milestones"][1]["percent"] = Decimal("69.99")
    with pytest.raises(ValidationFailed) as exc:
        services.contract_create(by=org.sales1, **data)
    assert "milestones" in exc.value.fields
    assert not Contract.objects.exists()


def test_deliveries_must_match_the_line_quantity(org, contract_data):
    data = contract_data(org.sales1, [("100.00", "10")])
    data["deliveries"] = [
        {"line": 1, "planned_on": timezone.localdate(), "quantity": Decimal("4")},
        {"line": 1, "planned_on": timezone.localdate(), "quantity": Decimal("5")},
    ]
    with pytest.raises(ValidationFailed) as exc:
        services.contract_create(by=org.sales1, **data)
    assert "deliveries" in exc.value.fields


@pytest.mark.parametrize(
    "field, bad",
    [
        ("quantity", "0"),
        ("quantity", "-1"),
        ("quantity", "abc"),
        ("quantity", "NaN"),
        ("discount", "101"),
        ("unit_price", "-5"),
        ("product_id", 999999),
    ],
)
def test_bad_line_input_names_the_field(org, contract_data, field, bad):
    data = contract_data(org.sales1)
    data["lines"][0][field] = bad
    with pytest.raises(ValidationFailed) as exc:
        services.contract_create(by=org.sales1, **data)
    assert any(k.startswith("lines.1") for k in exc.value.fields), exc.value.fields


def test_customer_out_of_scope_is_refused(org, contract_data, make_customer):
    other = make_customer(owner=org.sales3)
    with pytest.raises(ValidationFailed) as exc:
        services.contract_create(by=org.sales1, **contract_data(org.sales1, customer=other))
    assert "customer" in exc.value.fields


def test_roles_without_add_permission_cannot_create(org, contract_data):
    for person in (org.finance, org.auditor, org.keeper):
        with pytest.raises(PermissionDenied):
            services.contract_create(by=person, **contract_data(org.sales1))


def test_update_is_versioned_and_draft_only(org, make_contract):
    contract = make_contract()
    line = contract.lines.get()
    updated = services.contract_update(
        by=org.sales1,
        contract_id=contract.pk,
        version=contract.version,
        title="新标题",
        lines=[{"id": line.pk, "product_id": line.product_id, "quantity": "5", "discount": "2"}],
        deliveries=[{"line": 1, "planned_on": timezone.localdate(), "quantity": "5"}],
    )
    assert updated.title == "新标题" and updated.version == contract.version + 1
    assert updated.total_amount == Decimal("4900.00")
    assert updated.lines.get().pk == line.pk  # kept, not replaced
    stale = refused(
        services.contract_update, by=org.sales1, contract_id=contract.pk, version=contract.version, title="x"
    )
    assert stale.code == "stale_version"
    services.contract_submit(by=org.sales1, contract_id=contract.pk)
    assert (
        refused(services.contract_update, by=org.sales1, contract_id=contract.pk, title="y").code
        == "read_only"
    )


def test_out_of_scope_contract_is_404(org, make_contract):
    contract = make_contract(owner=org.sales1)
    with pytest.raises(Http404):
        services.contract_update(by=org.sales3, contract_id=contract.pk, title="x")


def test_submit_checks_completeness(org, make_contract):
    contract = make_contract()
    services.contract_update(by=org.sales1, contract_id=contract.pk, deliveries=[])
    with pytest.raises(ValidationFailed) as exc:
        services.contract_submit(by=org.sales1, contract_id=contract.pk)
    assert "deliveries" in exc.value.fields
    services.contract_update(by=org.sales1, contract_id=contract.pk, milestones=[])
    with pytest.raises(ValidationFailed) as exc:
        services.contract_submit(by=org.sales1, contract_id=contract.pk)
    assert "milestones" in exc.value.fields


def test_empty_contract_cannot_be_submitted(org, make_customer):
    contract = services.contract_create(by=org.sales1, customer_id=make_customer().pk, title="空合同")
    with pytest.raises(ValidationFailed) as exc:
        services.contract_submit(by=org.sales1, contract_id=contract.pk)
    assert "lines" in exc.value.fields


# --- price policy -----------------------------------------------------------------------------


def test_discount_over_authority_needs_an_approval_and_is_signalled(org, contract_data):
    contract = services.contract_create(by=org.sales1, **contract_data(org.sales1, discount="8"))
    exc = refused(services.contract_submit, by=org.sales1, contract_id=contract.pk)
    assert exc.code == "price_approval_needed"
    assert refresh(contract).status == "draft"
    assert Signal.objects.filter(kind="over_authority", actor=org.sales1).count() == 1


def test_covered_discount_goes_through_with_a_signal(org, contract_data):
    from tests.catalog.fixtures_catalog import make_approval

    contract = services.contract_create(by=org.sales1, **contract_data(org.sales1, discount="8"))
    make_approval(contract, by=org.sales1, discount="8", decided_by=org.manager1)
    services.contract_submit(by=org.sales1, contract_id=contract.pk)
    assert refresh(contract).status == "submitted"
    assert Signal.objects.filter(kind="over_authority").count() == 1


# --- review route by amount -------------------------------------------------------------------


@pytest.mark.parametrize(
    "price, route",
    [
        ("99999.99", [MANAGER]),
        ("100000.00", [MANAGER, FINANCE]),
        ("499999.99", [MANAGER, FINANCE]),
        ("500000.00", [MANAGER, FINANCE, DIRECTOR]),
    ],
)
def test_review_route_by_amount(org, make_contract, price, route):
    contract = make_contract(lines=[(price, "1")], state="submitted")
    assert contract.total_amount == Decimal(price)
    assert contract.review_route() == route
    reviewers = {MANAGER: org.manager1, FINANCE: org.finance, DIRECTOR: org.director}
    for i, perm in enumerate(route):
        # the wrong role for this step is refused
        wrong = org.finance if perm != FINANCE else org.manager1
        assert refused(services.contract_approve, by=wrong, contract_id=contract.pk).code in {
            "not_your_step",
            "already_approved",
        }
        services.contract_approve(by=reviewers[perm], contract_id=contract.pk)
        assert refresh(contract).status == ("approved" if i == len(route) - 1 else "submitted")
    steps = list(history(contract).filter(action="approve_step").values_list("actor__username", flat=True))
    assert steps == [reviewers[p].username for p in route]


def test_thresholds_come_from_the_rules(org, make_contract):
    ContractReviewRule.objects.filter(permission=FINANCE).update(amount_from=Decimal("5000"))
    contract = make_contract(lines=[("5000.00", "1")], state="submitted")
    assert contract.review_route() == [MANAGER, FINANCE]


def test_preparer_cannot_approve_own_contract(org, make_contract):
    contract = make_contract(owner=org.manager1, state="submitted")
    exc = refused(services.contract_approve, by=org.manager1, contract_id=contract.pk)
    assert exc.code == "own_document" and exc.status == 409
    assert "approve" not in services.contract_allowed_actions(refresh(contract), org.manager1)


def test_earlier_approver_cannot_take_the_next_step(org, make_contract):
    from django.contrib.auth.models import Group

    # someone who holds both the manager and the finance step
    both = org.manager2
    both.groups.add(Group.objects.get(name="finance"))
    contract = make_contract(owner=org.sales3, lines=[("200000.00", "1")], state="submitted")
    services.contract_approve(by=both, contract_id=contract.pk)  # manager step
    exc = refused(services.contract_approve, by=both, contract_id=contract.pk)  # finance step
    assert exc.code == "already_approved"
    assert refresh(contract).status == "submitted"
    services.contract_approve(by=org.finance, contract_id=contract.pk)
    assert refresh(contract).status == "approved"


def test_reject_needs_a_reason_and_returns_to_draft(org, make_contract):
    contract = make_contract(state="submitted")
    assert (
        refused(services.contract_reject, by=org.manager1, contract_id=contract.pk).code == "reason_required"
    )
    services.contract_reject(by=org.manager1, contract_id=contract.pk, note="价格需要复核")
    assert refresh(contract).status == "draft"
    services.contract_update(by=org.sales1, contract_id=contract.pk, title="修改后")
    services.contract_submit(by=org.sales1, contract_id=contract.pk)
    services.contract_approve(by=org.manager1, contract_id=contract.pk)
    assert refresh(contract).status == "approved"


# --- signing, registration, archive ---------------------------------------------------------


def test_sign_needs_the_back_office_and_a_signed_copy(org, make_contract):
    contract = make_contract(state="approved")
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        services.contract_sign(
            by=org.sales1, contract_id=contract.pk, signed_on=today, signed_copy=signed_copy()
        )
    with pytest.raises(ValidationFailed) as exc:
        services.contract_sign(by=org.clerk, contract_id=contract.pk, signed_on=today, signed_copy=None)
    assert "signed_copy" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.contract_sign(
            by=org.clerk, contract_id=contract.pk, signed_on=today, signed_copy=signed_copy("x.exe")
        )
    assert "signed_copy" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.contract_sign(
            by=org.clerk,
            contract_id=contract.pk,
            signed_on=today + datetime.timedelta(days=1),
            signed_copy=signed_copy(),
        )
    assert "signed_on" in exc.value.fields
    assert refresh(contract).status == "approved"
    services.contract_sign(by=org.clerk, contract_id=contract.pk, signed_on=today, signed_copy=signed_copy())
    contract = refresh(contract)
    assert contract.status == "signed" and contract.signed_on == today and contract.signed_copy
    on_signing = contract.milestones.get(trigger=PaymentMilestone.Trigger.SIGNING)
    assert on_signing.due_on == today + datetime.timedelta(days=7)
    assert contract.milestones.get(trigger=PaymentMilestone.Trigger.DELIVERY).due_on is None


def test_only_approved_contracts_are_signed(org, make_contract):
    contract = make_contract(state="submitted")
    exc = refused(
        services.contract_sign,
        by=org.clerk,
        contract_id=contract.pk,
        signed_on=timezone.localdate(),
        signed_copy=signed_copy(),
    )
    assert exc.code == "invalid_transition"


def test_register_unique_then_archive(org, make_contract):
    first = make_contract(state="signed")
    second = make_contract(state="signed")
    assert refused(services.contract_archive, by=org.clerk, contract_id=first.pk).code == "not_registered"
    services.contract_register(by=org.clerk, contract_id=first.pk, registration_number="DJ-2026-001")
    with pytest.raises(ValidationFailed) as exc:
        services.contract_register(by=org.clerk, contract_id=second.pk, registration_number="DJ-2026-001")
    assert "registration_number" in exc.value.fields
    with pytest.raises(PermissionDenied):
        services.contract_register(by=org.sales1, contract_id=second.pk, registration_number="DJ-2")
    services.contract_archive(by=org.clerk, contract_id=first.pk)
    first = refresh(first)
    assert first.status == "archived" and first.archived_at


def test_cancel_draft_only(org, make_contract):
    draft = make_contract()
    services.contract_cancel(by=org.sales1, contract_id=draft.pk)
    assert refresh(draft).status == "cancelled"
    signed = make_contract(state="signed")
    assert (
        refused(services.contract_cancel, by=org.sales1, contract_id=signed.pk).code == "invalid_transition"
    )


# --- from a quotation -------------------------------------------------------------------------


def _quotation(org, customer, product, status=Quotation.Status.ACCEPTED):
    number = next_number("QT")
    q = Quotation.objects.create(
        number=number,
        base_number=number,
        customer=customer,
        quoted_on=timezone.localdate(),
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
        payment_terms="30% 预付",
        status=status,
        owner=org.sales1,
        created_by=org.sales1,
        total_amount=Decimal("1900.00"),
    )
    QuotationLine.objects.create(
        quotation=q,
        product=product,
        quantity=Decimal("2"),
        list_price=Decimal("1000.00"),
        discount=Decimal("5"),
        unit_price=Decimal("950.00"),
        tax_rate=Decimal("13"),
        amount=Decimal("1900.00"),
    )
    return q


def test_contract_from_accepted_quotation_copies_it(org, make_customer, make_product):
    customer, product = make_customer(), make_product()
    q = _quotation(org, customer, product)
    contract = services.contract_create_from_quotation(by=org.sales1, quotation_id=q.pk)
    assert contract.customer == customer and contract.quotation == q
    assert contract.payment_terms == "30% 预付" and contract.total_amount == Decimal("1900.00")
    line = contract.lines.get()
    assert (line.product, line.quantity, line.unit_price) == (product, Decimal("2"), Decimal("950.00"))
    draft = _quotation(org, customer, make_product(), status=Quotation.Status.DRAFT)
    assert refused(services.contract_create_from_quotation, by=org.sales1, quotation_id=draft.pk).code == (
        "quotation_not_accepted"
    )
    with pytest.raises(ValidationFailed):
        services.contract_create_from_quotation(by=org.sales3, quotation_id=q.pk)


# --- amendments -------------------------------------------------------------------------------


def test_amendment_is_reviewed_again_and_supersedes(org, make_contract):
    contract = make_contract(lines=[("1000.00", "10")], state="signed")
    order = order_services.order_create_from_contract(
        by=org.sales1,
        contract_id=contract.pk,
        lines=[{"contract_line_id": contract.lines.get().pk, "quantity": "4"}],
    )
    amendment = services.contract_amend(by=org.sales1, contract_id=contract.pk)
    assert amendment.number == f"{contract.number}-A1" and amendment.amendment_no == 1
    assert amendment.status == "draft" and amendment.amendment_of == contract
    new_line = amendment.lines.get()
    assert new_line.replaces == contract.lines.get()
    assert refused(services.contract_amend, by=org.sales1, contract_id=contract.pk).code == "amendment_open"
    # cannot contract less than already ordered
    services.contract_update(
        by=org.sales1,
        contract_id=amendment.pk,
        lines=[{"id": new_line.pk, "quantity": "3"}],
        deliveries=[{"line": 1, "planned_on": timezone.localdate(), "quantity": "3"}],
    )
    assert refused(services.contract_submit, by=org.sales1, contract_id=amendment.pk).code == "under_ordered"
    services.contract_update(
        by=org.sales1,
        contract_id=amendment.pk,
        lines=[{"id": new_line.pk, "quantity": "15"}],
        deliveries=[{"line": 1, "planned_on": timezone.localdate(), "quantity": "15"}],
    )
    services.contract_submit(by=org.sales1, contract_id=amendment.pk)
    assert refresh(contract).status == "signed"  # the original holds until the amendment is signed
    approve_all(org, amendment)
    services.contract_sign(
        by=org.clerk, contract_id=amendment.pk, signed_on=timezone.localdate(), signed_copy=signed_copy()
    )
    assert refresh(contract).status == "superseded"
    assert refresh(amendment).status == "signed"
    order = refresh(order)
    assert order.contract == amendment
    assert order.lines.get().contract_line == new_line
    # the amendment allows 15: 11 more
    more = order_services.order_create_from_contract(
        by=org.sales1, contract_id=amendment.pk, lines=[{"contract_line_id": new_line.pk, "quantity": "11"}]
    )
    assert more.total_amount == Decimal("11000.00")
    second = services.contract_amend(by=org.sales1, contract_id=amendment.pk)
    assert second.number == f"{contract.number}-A2"


def test_superseded_contract_takes_no_orders(org, make_contract):
    contract = make_contract(state="signed")
    amendment = services.contract_amend(by=org.sales1, contract_id=contract.pk)
    services.contract_submit(by=org.sales1, contract_id=amendment.pk)
    approve_all(org, amendment)
    services.contract_sign(
        by=org.clerk, contract_id=amendment.pk, signed_on=timezone.localdate(), signed_copy=signed_copy()
    )
    exc = refused(
        order_services.order_create_from_contract,
        by=org.sales1,
        contract_id=contract.pk,
        lines=[{"contract_line_id": contract.lines.get().pk, "quantity": "1"}],
    )
    assert exc.code == "contract_not_signed"
