"""The price policy (S1, 事前请示): authority edges per role, floor price, approvals covering."""

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesdept.audit.models import Signal
from salesdept.catalog.models import DiscountAuthority, PriceApproval
from salesdept.catalog.pricing import (
    Authority,
    PriceApprovalNeeded,
    authority_of,
    covering_approval,
    enforce_price_policy,
    judge_lines,
    record_price_signals,
)

from .fixtures_catalog import line, make_approval, make_product

D = Decimal
_codes = itertools.count(1)


@pytest.fixture
def free_product(db):
    """No floor, so only the discount authority matters."""
    return make_product("P-FREE", list_price="1000.00", floor_price=None)


@pytest.mark.parametrize(
    ("persona", "limit", "below_floor"),
    [
        ("sales1", "5", False),
        ("manager1", "10", False),
        ("regional_east", "8", False),
        ("director", "20", True),
        ("clerk", "0", False),
        ("auditor", "0", False),
    ],
)
def test_authority_of_each_role(org, persona, limit, below_floor):
    assert authority_of(getattr(org, persona)) == Authority(D(limit), below_floor)


def test_authority_is_the_highest_of_the_roles(org):
    from django.contrib.auth.models import Group

    user = org.sales1
    user.groups.add(Group.objects.get(name="manager"))
    user = type(user).objects.get(pk=user.pk)  # drop cached role names
    assert authority_of(user) == Authority(D("10"), False)


def test_authority_follows_the_table(org):
    DiscountAuthority.objects.filter(role="salesperson").update(max_discount=D("7.5"))
    assert authority_of(org.sales1).max_discount == D("7.5")


def test_inactive_user_has_no_authority(org):
    org.manager1.is_active = False
    assert authority_of(org.manager1) == Authority(D("0"), False)


@pytest.mark.parametrize(
    ("persona", "ok", "blocked"),
    [
        ("sales1", "5.00", "5.01"),
        ("manager1", "10.00", "10.01"),
        ("regional_east", "8.00", "8.01"),
        ("director", "20.00", "20.01"),
    ],
)
def test_authority_edge(org, free_product, persona, ok, blocked):
    user = getattr(org, persona)
    assert judge_lines(user, [line(free_product, ok)]) == []
    assert enforce_price_policy(free_product, [line(free_product, ok)], by=user) == []
    issues = judge_lines(user, [line(free_product, blocked, position=3)])
    assert [(i.kind, i.position, i.discount) for i in issues] == [("over_authority", 3, D(blocked))]
    assert issues[0].limit == authority_of(user).max_discount
    with pytest.raises(PriceApprovalNeeded) as exc:
        enforce_price_policy(free_product, [line(free_product, blocked, position=3)], by=user)
    assert exc.value.code == "price_approval_needed"
    assert exc.value.status == 409
    assert "3" in str(exc.value.message) and free_product.code in str(exc.value.message)


def test_floor_exactly_ok_and_one_fen_under_blocked_even_within_authority(org):
    product = make_product("P-FL", list_price="1000.00", floor_price="990.00")
    # 1 % discount → 990.00 exactly at the floor: fine for a salesperson (within 5 %)
    assert judge_lines(org.sales1, [line(product, "1")]) == []
    under = line(product, "1.00", unit_price="989.99")
    issues = judge_lines(org.sales1, [under])
    assert [(i.kind, i.limit, i.unit_price) for i in issues] == [("under_floor", D("990.00"), D("989.99"))]
    with pytest.raises(PriceApprovalNeeded):
        enforce_price_policy(product, [under], by=org.sales1)
    # a manager's wider discount authority does not allow prices under the floor either
    with pytest.raises(PriceApprovalNeeded):
        enforce_price_policy(product, [under], by=org.manager1)


def test_director_below_floor_approval_lifts_floor_block(org):
    product = make_product("P-FL", list_price="1000.00", floor_price="990.00")
    under = line(product, "1.00", unit_price="989.99")
    make_approval(product, by=org.sales1, discount="1", below_floor=True, decided_by=org.director)
    issues = enforce_price_policy(product, [under], by=org.sales1)
    assert [i.kind for i in issues] == ["under_floor"]


def test_approval_without_below_floor_does_not_cover_floor(org):
    product = make_product("P-FL", list_price="1000.00", floor_price="990.00")
    under = line(product, "1.00", unit_price="989.99")
    make_approval(product, by=org.sales1, discount="20", below_floor=False, decided_by=org.director)
    with pytest.raises(PriceApprovalNeeded):
        enforce_price_policy(product, [under], by=org.sales1)


def test_director_may_go_under_floor_on_own_authority(org):
    product = make_product("P-FL", list_price="1000.00", floor_price="990.00")
    assert judge_lines(org.director, [line(product, "1.00", unit_price="989.99")]) == []


def test_approval_lifts_the_block(org, free_product):
    lines = [line(free_product, "8", position=1), line(free_product, "2", position=2)]
    with pytest.raises(PriceApprovalNeeded) as exc:
        enforce_price_policy(free_product, lines, by=org.sales1)
    assert [i.position for i in exc.value.issues] == [1]
    approval = make_approval(free_product, by=org.sales1, discount="8", decided_by=org.manager1)
    assert covering_approval(free_product, exc.value.issues) == approval
    issues = enforce_price_policy(free_product, lines, by=org.sales1)
    assert [(i.position, i.kind) for i in issues] == [(1, "over_authority")]


def test_approval_for_smaller_discount_does_not_cover_bigger(org, free_product):
    make_approval(free_product, by=org.sales1, discount="8", decided_by=org.manager1)
    assert enforce_price_policy(free_product, [line(free_product, "8")], by=org.sales1)
    with pytest.raises(PriceApprovalNeeded):
        enforce_price_policy(free_product, [line(free_product, "8.01")], by=org.sales1)


@pytest.mark.parametrize(
    "status", [PriceApproval.Status.REJECTED, PriceApproval.Status.WITHDRAWN, PriceApproval.Status.PENDING]
)
def test_not_approved_does_not_cover(org, free_product, status):
    decided = org.manager1 if status == PriceApproval.Status.REJECTED else None
    make_approval(
        free_product, by=org.sales1, discount="20", below_floor=True, status=status, decided_by=decided
    )
    with pytest.raises(PriceApprovalNeeded):
        enforce_price_policy(free_product, [line(free_product, "6")], by=org.sales1)


def test_approval_of_another_document_does_not_cover(org, free_product):
    other = make_product("P-OTHER", floor_price=None)
    make_approval(other, by=org.sales1, discount="20", decided_by=org.manager1)
    with pytest.raises(PriceApprovalNeeded):
        enforce_price_policy(free_product, [line(free_product, "6")], by=org.sales1)


def test_record_price_signals(org, product):
    lines = [line(product, "6", position=1), line(product, "1", unit_price="899.99", position=2)]
    issues = judge_lines(org.sales1, lines)
    # line 1: 6 % over 5 %, net 940 ≥ floor 900; line 2: under floor 900
    assert sorted((i.position, i.kind) for i in issues) == [(1, "over_authority"), (2, "under_floor")]
    record_price_signals(product, issues, by=org.sales1)
    signals = Signal.objects.order_by("pk")
    assert [s.kind for s in signals] == ["over_authority", "under_floor"]
    assert all(s.actor == org.sales1 and s.document == product for s in signals)
    assert "P-100" in signals[0].detail


@settings(max_examples=60, deadline=None)
@given(
    discount=st.decimals(min_value=0, max_value=30, places=2),
    granted=st.decimals(min_value=0, max_value=30, places=2),
)
@pytest.mark.django_db
def test_approval_covers_exactly_up_to_its_discount(discount, granted):
    from salesdept.demo.org import build_org

    org = build_org(password_hash="x")
    product = make_product(f"H-{next(_codes)}", floor_price=None)
    make_approval(product, by=org.sales1, discount=str(granted), decided_by=org.director)
    lines = [line(product, discount)]
    blocked = discount > D("5") and discount > granted
    try:
        enforce_price_policy(product, lines, by=org.sales1)
        assert not blocked
    except PriceApprovalNeeded:
        assert blocked
