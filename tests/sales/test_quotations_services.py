"""Quotation services (S2): drafts priced from the catalog, the workflow, revisions, expiry and
the price policy on send."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesdept.audit.models import Signal
from salesdept.catalog.models import PriceApproval, PriceList, PriceListItem
from salesdept.catalog.pricing import PriceApprovalNeeded
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.sales.lines import line_amount, net_price
from salesdept.sales.models import Quotation, QuotationLine
from salesdept.sales.services import quotations as svc

from .fixtures_quotes import *  # noqa: F403

S = Quotation.Status
TODAY = timezone.localdate


def test_create_prices_lines_from_the_catalog(org, q_customer, q_product):
    customer = q_customer(owner=org.sales1)
    a, b = q_product(price="1000.00", tax="13"), q_product(price="250.50", tax="9")
    q = svc.quotation_create(
        by=org.sales1,
        customer_id=customer.pk,
        lines=[
            {"product_id": a.pk, "quantity": Decimal("3"), "discount": Decimal("4")},
            {"product_id": b.pk, "quantity": Decimal("2"), "unit_price": Decimal("240.00")},
        ],
    )
    assert q.status == S.DRAFT and q.revision == 1 and q.number == q.base_number
    assert q.number.startswith(f"QT-{TODAY().year}-")
    assert q.owner == org.sales1 and q.valid_until == q.quoted_on + datetime.timedelta(days=30)
    first, second = q.lines.order_by("position")
    assert (first.list_price, first.unit_price, first.amount, first.tax_rate) == (
        Decimal("1000.00"),
        Decimal("960.00"),
        Decimal("2880.00"),
        Decimal("13.00"),
    )
    assert second.discount == Decimal("4.19") and second.unit_price == Decimal("240.00")
    assert second.tax_rate == Decimal("9.00")
    q.refresh_from_db()
    assert q.total_amount == Decimal("3360.00")


def test_list_price_comes_from_the_price_list_of_the_channel(org, q_customer, q_product):
    product = q_product(price="1000.00")
    pl = PriceList.objects.create(
        code="DEALER-Q", name="经销商价", channel="dealer", valid_from=TODAY() - datetime.timedelta(days=5)
    )
    PriceListItem.objects.create(price_list=pl, product=product, price=Decimal("900.00"))
    customer = q_customer(owner=org.sales1)
    dealer = svc.quotation_create(
        by=org.sales1,
        customer_id=customer.pk,
        channel="dealer",
        lines=[{"product_id": product.pk, "quantity": "1"}],
    )
    direct = svc.quotation_create(
        by=org.sales1,
        customer_id=customer.pk,
        channel="direct",
        lines=[{"product_id": product.pk, "quantity": "1"}],
    )
    assert dealer.lines.get().list_price == Decimal("900.00")
    assert direct.lines.get().list_price == Decimal("1000.00")


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"quantity": "0"}, "lines.0.quantity"),
        ({"quantity": "-1"}, "lines.0.quantity"),
        ({"quantity": "abc"}, "lines.0.quantity"),
        ({"quantity": "1", "discount": "101"}, "lines.0.discount"),
        ({"quantity": "1", "unit_price": "1000.01"}, "lines.0.unit_price"),
        ({"quantity": "1", "product_id": 999999}, "lines.0.product"),
    ],
)
def test_bad_lines_name_the_field_and_write_nothing(org, q_customer, q_product, line, field):
    customer, product = q_customer(owner=org.sales1), q_product(price="1000.00")
    before = Quotation.objects.count(), QuotationLine.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        svc.quotation_create(
            by=org.sales1, customer_id=customer.pk, lines=[{"product_id": product.pk, **line}]
        )
    assert field in caught.value.fields
    assert (Quotation.objects.count(), QuotationLine.objects.count()) == before


def test_bad_header_names_the_field(org, q_customer, q_product):
    customer, product = q_customer(owner=org.sales1), q_product()
    line = [{"product_id": product.pk, "quantity": "1"}]
    with pytest.raises(ValidationFailed) as caught:
        svc.quotation_create(
            by=org.sales1,
            customer_id=customer.pk,
            lines=line,
            quoted_on=TODAY(),
            valid_until=TODAY() - datetime.timedelta(days=1),
        )
    assert "valid_until" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        svc.quotation_create(by=org.sales1, customer_id=customer.pk, lines=[])
    assert "lines" in caught.value.fields
    other = q_customer(owner=org.sales3)
    with pytest.raises(ValidationFailed) as caught:
        svc.quotation_create(by=org.sales1, customer_id=other.pk, lines=line)
    assert "customer" in caught.value.fields
    assert not Quotation.objects.exists()


def test_salesperson_cannot_give_the_quotation_to_someone_else(org, q_customer, q_product):
    customer = q_customer(owner=org.sales1)
    with pytest.raises(ValidationFailed) as caught:
        svc.quotation_create(
            by=org.sales1,
            customer_id=customer.pk,
            owner_id=org.sales2.pk,
            lines=[{"product_id": q_product().pk, "quantity": "1"}],
        )
    assert "owner" in caught.value.fields


def test_manager_may_name_a_salesperson_of_the_team(org, q_customer, q_product):
    customer = q_customer(owner=org.sales2)
    q = svc.quotation_create(
        by=org.manager1,
        customer_id=customer.pk,
        owner_id=org.sales2.pk,
        lines=[{"product_id": q_product().pk, "quantity": "1"}],
    )
    assert q.owner == org.sales2
    with pytest.raises(ValidationFailed):  # manager1 would not see sales5's document
        svc.quotation_create(
            by=org.manager1,
            customer_id=customer.pk,
            owner_id=org.sales5.pk,
            lines=[{"product_id": q_product().pk, "quantity": "1"}],
        )


def test_workflow_send_accept(org, q_quotation):
    q = q_quotation(org.sales1)
    q = svc.quotation_send(by=org.sales1, quotation_id=q.pk, version=q.version)
    assert q.status == S.SENT
    with pytest.raises(DomainError) as caught:
        svc.quotation_update(by=org.sales1, quotation_id=q.pk, notes="x")
    assert caught.value.code == "read_only"
    q = svc.quotation_accept(by=org.sales1, quotation_id=q.pk)
    assert q.status == S.ACCEPTED
    for action in (svc.quotation_send, svc.quotation_reject, svc.quotation_cancel, svc.quotation_revise):
        with pytest.raises(DomainError) as caught:
            action(by=org.sales1, quotation_id=q.pk)
        assert caught.value.code in ("invalid_transition", "read_only")


def test_reject_and_cancel(org, q_quotation):
    q = q_quotation(org.sales1)
    svc.quotation_send(by=org.sales1, quotation_id=q.pk)
    assert svc.quotation_reject(by=org.sales1, quotation_id=q.pk).status == S.REJECTED
    q2 = q_quotation(org.sales1)
    assert svc.quotation_cancel(by=org.sales1, quotation_id=q2.pk).status == S.CANCELLED
    with pytest.raises(DomainError):
        svc.quotation_accept(by=org.sales1, quotation_id=q2.pk)


def test_stale_version_is_refused(org, q_quotation):
    q = q_quotation(org.sales1)
    svc.quotation_update(by=org.sales1, quotation_id=q.pk, version=q.version, notes="first")
    with pytest.raises(DomainError) as caught:
        svc.quotation_update(by=org.sales1, quotation_id=q.pk, version=q.version, notes="second")
    assert caught.value.code == "stale_version"
    assert Quotation.objects.get(pk=q.pk).notes == "first"


def test_update_replaces_lines_and_recomputes_the_total(org, q_quotation, q_product):
    q = q_quotation(org.sales1)
    p = q_product(price="100.00")
    q = svc.quotation_update(
        by=org.sales1,
        quotation_id=q.pk,
        lines=[
            {"product_id": p.pk, "quantity": "3", "discount": "5"},
            {"product_id": p.pk, "quantity": "1.5", "unit_price": "99.99"},
        ],
    )
    assert q.lines.count() == 2
    assert Quotation.objects.get(pk=q.pk).total_amount == Decimal("285.00") + Decimal("149.99")


def test_revision_history(org, q_quotation):
    v1 = q_quotation(org.sales1)
    svc.quotation_send(by=org.sales1, quotation_id=v1.pk)
    v2 = svc.quotation_revise(by=org.sales1, quotation_id=v1.pk)
    v1.refresh_from_db()
    assert v1.status == S.SUPERSEDED
    assert (v2.status, v2.revision, v2.previous_id) == (S.DRAFT, 2, v1.pk)
    assert v2.number == f"{v1.base_number}-R2" and v2.base_number == v1.number
    assert [(x.product_id, x.quantity, x.amount) for x in v2.lines.all()] == [
        (x.product_id, x.quantity, x.amount) for x in v1.lines.all()
    ]
    assert v2.total_amount == v1.total_amount
    # v2 is editable, v1 is read-only
    svc.quotation_update(by=org.sales1, quotation_id=v2.pk, notes="v2 note")
    with pytest.raises(DomainError) as caught:
        svc.quotation_update(by=org.sales1, quotation_id=v1.pk, notes="nope")
    assert caught.value.code == "read_only"
    with pytest.raises(DomainError):
        svc.quotation_revise(by=org.sales1, quotation_id=v1.pk)
    v3 = svc.quotation_revise(by=org.sales1, quotation_id=v2.pk)  # a draft can be revised too
    assert v3.number == f"{v1.base_number}-R3"
    assert Quotation.objects.get(pk=v2.pk).status == S.SUPERSEDED
    assert svc.quotation_allowed_actions(Quotation.objects.get(pk=v1.pk), org.sales1) == []


def test_expired_quotation_cannot_be_accepted_or_rejected(org, q_quotation):
    q = q_quotation(org.sales1)
    svc.quotation_send(by=org.sales1, quotation_id=q.pk)
    Quotation.objects.filter(pk=q.pk).update(valid_until=TODAY() - datetime.timedelta(days=1))
    q.refresh_from_db()
    assert svc.is_expired(q)
    for action in (svc.quotation_accept, svc.quotation_reject):
        with pytest.raises(DomainError) as caught:
            action(by=org.sales1, quotation_id=q.pk)
        assert caught.value.code == "expired" and "expired" in str(caught.value.message)
    assert Quotation.objects.get(pk=q.pk).status == S.SENT
    # valid until today is still fine
    q2 = q_quotation(org.sales1, valid_until=TODAY())
    svc.quotation_send(by=org.sales1, quotation_id=q2.pk)
    assert svc.quotation_accept(by=org.sales1, quotation_id=q2.pk).status == S.ACCEPTED
    # revising an expired one gives a fresh validity
    v2 = svc.quotation_revise(by=org.sales1, quotation_id=q.pk)
    assert v2.valid_until >= TODAY()


def test_price_policy_blocks_send_over_authority_and_records_a_signal(org, q_quotation, q_product):
    ok, over = q_product(price="1000.00"), q_product(price="1000.00")
    q = q_quotation(org.sales1, lines=[(ok, "1", "5"), (over, "2", "6")])
    with pytest.raises(PriceApprovalNeeded) as caught:
        svc.quotation_send(by=org.sales1, quotation_id=q.pk)
    assert caught.value.code == "price_approval_needed" and caught.value.status == 409
    assert "line 2" in str(caught.value.message) and over.code in str(caught.value.message)
    assert Quotation.objects.get(pk=q.pk).status == S.DRAFT
    signals = Signal.objects.filter(object_id=q.pk, kind="over_authority")
    assert signals.count() == 1 and signals.get().actor == org.sales1
    # an approved price approval covering 6 % lets it through (and it is still on record)
    from django.contrib.contenttypes.models import ContentType

    PriceApproval.objects.create(
        content_type=ContentType.objects.get_for_model(Quotation),
        object_id=q.pk,
        discount=Decimal("6"),
        reason="大客户",
        status=PriceApproval.Status.APPROVED,
        requested_by=org.sales1,
        decided_by=org.manager1,
        decided_at=timezone.now(),
    )
    assert svc.quotation_send(by=org.sales1, quotation_id=q.pk).status == S.SENT
    assert Signal.objects.filter(object_id=q.pk, kind="over_authority").count() == 2


def test_manager_authority_covers_six_percent(org, q_customer, q_product):
    customer = q_customer(owner=org.sales1)
    q = svc.quotation_create(
        by=org.manager1,
        customer_id=customer.pk,
        owner_id=org.sales1.pk,
        lines=[{"product_id": q_product().pk, "quantity": "1", "discount": "6"}],
    )
    assert svc.quotation_send(by=org.manager1, quotation_id=q.pk).status == S.SENT


def test_under_floor_is_blocked(org, q_quotation, q_product):
    product = q_product(price="1000.00", floor="980.00")
    q = q_quotation(org.sales1, lines=[(product, "1", "3")])
    with pytest.raises(PriceApprovalNeeded):
        svc.quotation_send(by=org.sales1, quotation_id=q.pk)
    assert Signal.objects.filter(object_id=q.pk, kind="under_floor").exists()


def test_permissions_and_scope(org, q_quotation):
    q = q_quotation(org.sales1)
    for user in (org.finance, org.auditor, org.keeper):
        with pytest.raises(PermissionDenied):
            svc.quotation_send(by=user, quotation_id=q.pk)
    with pytest.raises(Http404):
        svc.quotation_send(by=org.sales3, quotation_id=q.pk)
    with pytest.raises(Http404):
        svc.quotation_update(by=org.sales2, quotation_id=q.pk, notes="x")
    # the team manager and the clerk may act on it
    svc.quotation_update(by=org.manager1, quotation_id=q.pk, notes="manager")
    assert svc.quotation_send(by=org.clerk, quotation_id=q.pk).status == S.SENT


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("12345.60", "壹万贰仟叁佰肆拾伍元陆角整"),
        ("0", "零元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角整"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("100.05", "壹佰元零伍分"),
        ("1010.10", "壹仟零壹拾元壹角整"),
        ("100000", "壹拾万元整"),
        ("100001", "壹拾万零壹元整"),
        ("1000000.01", "壹佰万元零壹分"),
        ("10005000", "壹仟万零伍仟元整"),
        ("105000000", "壹亿零伍佰万元整"),
        ("3409.07", "叁仟肆佰零玖元零柒分"),
        ("-12.30", "负壹拾贰元叁角整"),
    ],
)
def test_amount_in_chinese(amount, words):
    assert svc.amount_in_chinese(Decimal(amount)) == words


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=Decimal("0.001"), max_value=Decimal("5000"), places=3),
            st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2),
            st.booleans(),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_total_is_the_sum_of_line_amounts(org, q_customer, q_product, rows):
    customer = q_customer(owner=org.manager1)
    product = q_product(price="1234.56")
    lines = []
    for quantity, discount, by_price in rows:
        line = {"product_id": product.pk, "quantity": quantity}
        if by_price:
            line["unit_price"] = net_price(Decimal("1234.56"), discount)
        else:
            line["discount"] = discount
        lines.append(line)
    q = svc.quotation_create(by=org.manager1, customer_id=customer.pk, lines=lines)
    stored = list(q.lines.all())
    assert Quotation.objects.get(pk=q.pk).total_amount == sum(x.amount for x in stored)
    for x in stored:
        assert x.amount == line_amount(x.quantity, x.unit_price)
        assert x.unit_price == net_price(x.list_price, x.discount) or x.unit_price <= x.list_price


@pytest.mark.parametrize(
    ("persona", "may_write"),
    [
        ("sales1", True),
        ("manager1", True),
        ("regional_east", True),
        ("director", True),
        ("clerk", True),
        ("finance", False),
        ("auditor", False),
        ("keeper", False),
        ("admin", False),
    ],
)
def test_role_matrix(org, q_customer, q_product, persona, may_write):
    """Who may draft and send a quotation for sales1's customer (east region)."""
    user = getattr(org, persona)
    customer = q_customer(owner=org.sales1)
    line = [{"product_id": q_product().pk, "quantity": "1"}]
    if not may_write:
        with pytest.raises(PermissionDenied):
            svc.quotation_create(by=user, customer_id=customer.pk, lines=line)
        return
    q = svc.quotation_create(by=user, customer_id=customer.pk, lines=line)
    assert q.owner == (user if persona == "sales1" else org.sales1)  # others: the customer's owner
    assert svc.quotation_send(by=user, quotation_id=q.pk).status == S.SENT


def test_regional_manager_sees_the_region_only(org, q_quotation):
    east, south = q_quotation(org.sales1), q_quotation(org.sales3)
    from salesdept.sales.selectors.quotations import quotation_list

    seen = set(quotation_list(user=org.regional_east).values_list("pk", flat=True))
    assert east.pk in seen and south.pk not in seen
    assert set(quotation_list(user=org.sales2).values_list("pk", flat=True)) == set()
    assert set(quotation_list(user=org.manager1).values_list("pk", flat=True)) == {east.pk}
