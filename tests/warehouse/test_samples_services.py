"""Samples and sales materials (W5) through their services: loans opened by sample issues,
consumed and returned, overdue; the scope of the loan list; received samples registered,
checked (查收) and verified (核实) by a second person."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.warehouse.models import DocumentKind, Purpose, ReceivedSample, SampleLoan
from salesdept.warehouse.selectors import samples as sel
from salesdept.warehouse.services import samples as svc

from .fixtures_b import lend  # noqa: F401


@pytest.fixture
def brochures(org, wh, make_product, receive):
    product = make_product(name="产品宣传册")
    receive(wh.samples, product, 100, unit_cost="2.00")
    return product


def test_consume_part_then_the_rest_closes_the_loan(org, wh, brochures):
    today = timezone.localdate()
    loan = lend(
        org.keeper, wh.samples, brochures, 10, holder=org.sales1, due_back=today + datetime.timedelta(days=14)
    )
    assert (loan.status, loan.outstanding) == (SampleLoan.Status.OUT, Decimal("10"))
    svc.loan_consume(by=org.keeper, loan_id=loan.pk, quantity="4", note="展会发放")
    loan.refresh_from_db()
    assert (loan.consumed, loan.outstanding, loan.status) == (
        Decimal("4"),
        Decimal("6"),
        SampleLoan.Status.OUT,
    )
    assert "展会发放" in loan.notes
    svc.loan_consume(by=org.keeper, loan_id=loan.pk, quantity=Decimal("6"))
    loan.refresh_from_db()
    assert loan.status == SampleLoan.Status.CLOSED and loan.outstanding == 0
    with pytest.raises(DomainError) as exc:
        svc.loan_consume(by=org.keeper, loan_id=loan.pk, quantity="1")
    assert exc.value.code == "read_only"


@pytest.mark.parametrize("quantity", ["0", "-1", "11", "abc", "", 1.5, "0.0001"])
def test_consume_refuses_bad_quantities(org, wh, brochures, quantity):
    loan = lend(org.keeper, wh.samples, brochures, 10, holder=org.sales1)
    with pytest.raises(ValidationFailed) as exc:
        svc.loan_consume(by=org.keeper, loan_id=loan.pk, quantity=quantity)
    assert "quantity" in exc.value.fields
    loan.refresh_from_db()
    assert loan.consumed == 0


def test_consume_after_a_partial_return_takes_only_what_is_outstanding(org, wh, brochures):
    from salesdept.warehouse.services.documents import post_document

    loan = lend(org.keeper, wh.samples, brochures, 10, holder=org.sales1)
    post_document(
        by=org.keeper,
        data={
            "kind": DocumentKind.RETURN,
            "purpose": Purpose.SAMPLE_RETURN,
            "warehouse": wh.pk,
            "holder": org.sales1.pk,
            "lines": [
                {
                    "product": brochures.pk,
                    "quantity": "7",
                    "location": wh.samples.pk,
                    "loan": loan.pk,
                    "quality": "accepted",
                }
            ],
        },
    )
    with pytest.raises(ValidationFailed):
        svc.loan_consume(by=org.keeper, loan_id=loan.pk, quantity="4")
    svc.loan_consume(by=org.keeper, loan_id=loan.pk, quantity="3")
    loan.refresh_from_db()
    assert (loan.returned, loan.consumed, loan.status) == (7, 3, SampleLoan.Status.CLOSED)


def test_a_salesperson_cannot_record_consumption(org, wh, brochures):
    loan = lend(org.keeper, wh.samples, brochures, 2, holder=org.sales1)
    with pytest.raises(PermissionDenied):
        svc.loan_consume(by=org.sales1, loan_id=loan.pk, quantity="1")


def test_overdue_is_out_past_due_with_something_outstanding(org, wh, brochures):
    today = timezone.localdate()
    past = today - datetime.timedelta(days=1)
    late = lend(
        org.keeper,
        wh.samples,
        brochures,
        3,
        holder=org.sales1,
        due_back=past,
        moved_on=today - datetime.timedelta(days=10),
    )
    settled = lend(
        org.keeper,
        wh.samples,
        brochures,
        2,
        holder=org.sales1,
        due_back=past,
        moved_on=today - datetime.timedelta(days=10),
    )
    svc.loan_consume(by=org.keeper, loan_id=settled.pk, quantity="2")
    on_time = lend(org.keeper, wh.samples, brochures, 1, holder=org.sales1, due_back=today)
    no_date = lend(org.keeper, wh.samples, brochures, 1, holder=org.sales1)
    overdue = list(sel.overdue_loans(user=org.keeper))
    assert overdue == [late]
    rows = {x.pk: x.overdue for x in sel.loan_list(user=org.keeper)}
    assert rows == {late.pk: True, settled.pk: False, on_time.pk: False, no_date.pk: False}
    assert [x.pk for x in sel.loan_list(user=org.keeper, filters={"status": "overdue"})] == [late.pk]
    assert sel.is_overdue(late) and not sel.is_overdue(on_time)


def test_a_salesperson_sees_only_the_samples_they_hold(org, wh, brochures, customer):
    mine = lend(org.keeper, wh.samples, brochures, 1, holder=org.sales1)
    theirs = lend(org.keeper, wh.samples, brochures, 1, holder=org.sales2)
    to_customer = lend(org.keeper, wh.samples, brochures, 1, customer=customer)
    assert [x.pk for x in sel.loan_list(user=org.sales1)] == [mine.pk]
    assert [x.pk for x in sel.loan_list(user=org.sales2)] == [theirs.pk]
    assert {x.pk for x in sel.loan_list(user=org.keeper)} == {mine.pk, theirs.pk, to_customer.pk}
    with pytest.raises(Http404):
        sel.loan_get(user=org.sales1, loan_id=theirs.pk)
    assert sel.loan_get(user=org.sales1, loan_id=mine.pk) == mine


def test_bad_loan_filters_are_refused(org):
    with pytest.raises(ValidationFailed) as exc:
        sel.loan_list(user=org.keeper, filters={"status": "lost"})
    assert "status" in exc.value.fields


# --- received samples ------------------------------------------------------------------------


def register(by, **data):
    base = {"sender": "华东机械厂", "description": "齿轮样件", "quantity": "2"}
    return svc.received_register(by=by, data={**base, **data})


def test_register_check_and_verify_by_a_second_person(org, wh, customer):
    sample = register(org.keeper, customer=customer.pk, location=wh.samples.pk)
    assert (sample.status, sample.registered_by) == (ReceivedSample.Status.REGISTERED, org.keeper)
    assert svc.received_allowed_actions(sample, org.keeper) == ["edit", "check", "return", "dispose"]
    svc.received_check(by=org.keeper, sample_id=sample.pk, note="数量相符")
    sample.refresh_from_db()
    assert (sample.status, sample.checked_by) == (ReceivedSample.Status.CHECKED, org.keeper)
    assert "verify" not in svc.received_allowed_actions(sample, org.keeper)
    # the person who registered it cannot verify it
    with pytest.raises(DomainError) as exc:
        svc.received_verify(by=org.keeper, sample_id=sample.pk)
    assert (exc.value.code, exc.value.status) == ("own_registration", 403)
    svc.received_verify(by=org.clerk, sample_id=sample.pk)
    sample.refresh_from_db()
    assert (sample.status, sample.verified_by) == (ReceivedSample.Status.VERIFIED, org.clerk)
    assert sample.verified_at is not None
    # then it goes back to the sender, with a note
    with pytest.raises(ValidationFailed):
        svc.received_return(by=org.clerk, sample_id=sample.pk, note="")
    svc.received_return(by=org.clerk, sample_id=sample.pk, note="顺丰寄回")
    sample.refresh_from_db()
    assert sample.status == ReceivedSample.Status.RETURNED
    with pytest.raises(DomainError) as exc:
        svc.received_dispose(by=org.clerk, sample_id=sample.pk, note="x")
    assert exc.value.code == "invalid_transition"


def test_verify_needs_a_check_first_and_dispose_works_from_registered(org):
    sample = register(org.keeper)
    with pytest.raises(DomainError) as exc:
        svc.received_verify(by=org.clerk, sample_id=sample.pk)
    assert exc.value.code == "invalid_transition"
    svc.received_dispose(by=org.clerk, sample_id=sample.pk, note="破损，已销毁")
    sample.refresh_from_db()
    assert sample.status == ReceivedSample.Status.DISPOSED


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"sender": ""}, "sender"),
        ({"description": ""}, "description"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "x"}, "quantity"),
        ({"received_on": "2999-01-01"}, "received_on"),
        ({"received_on": "not a date"}, "received_on"),
        ({"customer": 999999}, "customer"),
        ({"location": 999999}, "location"),
        ({"status": "verified"}, "status"),
    ],
)
def test_bad_registrations_are_refused_naming_the_field(org, data, field):
    with pytest.raises(ValidationFailed) as exc:
        register(org.keeper, **data)
    assert field in exc.value.fields
    assert not ReceivedSample.objects.exists()


def test_update_only_before_checking_and_only_the_warehouse_or_back_office(org):
    sample = register(org.clerk)
    svc.received_update(by=org.clerk, sample_id=sample.pk, data={"quantity": "3"})
    sample.refresh_from_db()
    assert sample.quantity == 3 and sample.sender == "华东机械厂"
    with pytest.raises(PermissionDenied):
        register(org.sales1)
    with pytest.raises(PermissionDenied):
        svc.received_check(by=org.auditor, sample_id=sample.pk)
    svc.received_check(by=org.keeper, sample_id=sample.pk)
    with pytest.raises(DomainError) as exc:
        svc.received_update(by=org.clerk, sample_id=sample.pk, data={"quantity": "4"})
    assert exc.value.code == "read_only"


def test_received_list_filters(org):
    a = register(org.keeper, sender="甲公司")
    b = register(org.keeper, sender="乙公司")
    svc.received_check(by=org.keeper, sample_id=b.pk)
    assert [x.pk for x in sel.received_list(user=org.auditor, filters={"q": "甲"})] == [a.pk]
    assert [x.pk for x in sel.received_list(user=org.auditor, filters={"status": "checked"})] == [b.pk]
    with pytest.raises(PermissionDenied):
        sel.received_list(user=org.sales1)
