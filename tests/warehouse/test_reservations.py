"""I5: a submitted adjustment that takes stock out holds it (a reservation) until its review
ends — nobody issues it meanwhile; a rejection gives it back, the approval takes it. Reserved
never exceeds what is there (the ledger refuses, the database would too), and check_invariants
sees any disagreement between the reservations, the books and the documents."""

from decimal import Decimal
from functools import partial

import pytest
from django.db import IntegrityError, transaction

from salesdept.core import invariants
from salesdept.core.errors import DomainError
from salesdept.warehouse.models import Stock, StockLot, StockReservation
from salesdept.warehouse.services import documents as docs
from tests.api_helpers import bearer

from .conftest import line_data, new_product, new_warehouse, post_receipt
from .test_ledger_concurrency import at_once, slow_ledger  # noqa: F401 (a fixture)

I5 = {"I5"}


def _adjustment(org, wh, *lines):
    return docs.document_create(
        by=org.keeper, data={"kind": "adjustment", "warehouse": wh.pk, "lines": list(lines)}
    )


def _issue(org, wh, product, quantity):
    return docs.document_create(
        by=org.keeper,
        data={"kind": "issue", "warehouse": wh.pk, "lines": [line_data(product, quantity, wh.a1)]},
    )


def _held(product, location) -> tuple[Decimal, Decimal]:
    stock = Stock.objects.get(product=product, location=location)
    return stock.quantity, stock.reserved


def test_a_submitted_adjustment_holds_what_it_takes(org, wh, goods, receive):
    receive(wh.a1, goods, 10)
    adjustment = _adjustment(org, wh, line_data(goods, "-6", wh.a1), line_data(goods, "2", wh.a2))
    docs.document_submit(document_id=adjustment.pk, by=org.keeper)
    assert _held(goods, wh.a1) == (10, 6)  # the positive line holds nothing
    assert StockLot.objects.get(product=goods, location=wh.a1).reserved == 6
    reservation = StockReservation.objects.get()
    assert (reservation.source_id, reservation.line, reservation.quantity) == (adjustment.pk, 1, 6)
    assert invariants.run(I5) == []

    # only the 4 not held can be issued
    with pytest.raises(DomainError) as refused:
        docs.document_post(document_id=_issue(org, wh, goods, "5").pk, by=org.keeper)
    assert refused.value.code == "insufficient_stock"
    assert refused.value.extra["available"] == "4.000" and refused.value.extra["reserved"] == "6.000"
    assert "lines.1.quantity" in refused.value.fields
    docs.document_post(document_id=_issue(org, wh, goods, "4").pk, by=org.keeper)
    assert _held(goods, wh.a1) == (6, 6)

    # the approval takes what was held: nothing reserved, 0 left
    docs.document_approve(document_id=adjustment.pk, by=org.finance, note="核对无误")
    assert _held(goods, wh.a1) == (0, 0)
    assert not StockReservation.objects.exists()
    assert invariants.run({"I3", "I4", "I5"}) == []


def test_rejection_gives_it_back_and_a_resubmission_holds_it_again(org, wh, goods, receive):
    receive(wh.a1, goods, 5)
    adjustment = _adjustment(org, wh, line_data(goods, "-5", wh.a1))
    docs.document_submit(document_id=adjustment.pk, by=org.keeper)
    docs.document_reject(document_id=adjustment.pk, by=org.finance, note="数量不对")
    assert _held(goods, wh.a1) == (5, 0) and not StockReservation.objects.exists()
    assert invariants.run(I5) == []
    docs.document_submit(document_id=adjustment.pk, by=org.keeper)
    assert _held(goods, wh.a1) == (5, 5)
    assert invariants.run(I5) == []


def test_submitting_what_another_holds_is_refused_and_changes_nothing(org, wh, goods, receive):
    receive(wh.a1, goods, 5)
    first = _adjustment(org, wh, line_data(goods, "-3", wh.a1))
    second = _adjustment(org, wh, line_data(goods, "-3", wh.a1))
    docs.document_submit(document_id=first.pk, by=org.keeper)
    with pytest.raises(DomainError) as refused:
        docs.document_submit(document_id=second.pk, by=org.keeper)
    assert refused.value.code == "insufficient_stock"
    second.refresh_from_db()
    assert second.status == "draft"
    assert _held(goods, wh.a1) == (5, 3) and StockReservation.objects.count() == 1


def test_a_transfer_or_a_reversal_cannot_take_reserved_stock(org, wh, goods, receive):
    receipt = receive(wh.a1, goods, 4)
    docs.document_submit(document_id=_adjustment(org, wh, line_data(goods, "-4", wh.a1)).pk, by=org.keeper)
    transfer = docs.document_create(
        by=org.keeper,
        data={
            "kind": "transfer",
            "warehouse": wh.pk,
            "lines": [line_data(goods, "1", wh.a1, to_location=wh.a2)],
        },
    )
    with pytest.raises(DomainError) as refused:
        docs.document_post(document_id=transfer.pk, by=org.keeper)
    assert refused.value.code == "insufficient_stock"
    with pytest.raises(DomainError) as refused:
        docs.document_reverse(document_id=receipt.pk, by=org.keeper)
    assert refused.value.code == "reversal_stock_gone"
    assert _held(goods, wh.a1) == (4, 4)


def test_the_database_refuses_more_reserved_than_on_hand(org, wh, goods, receive):
    receive(wh.a1, goods, 2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(product=goods, location=wh.a1).update(reserved=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLot.objects.filter(product=goods, location=wh.a1).update(reserved=3)


def test_check_invariants_sees_reservations_that_disagree(org, wh, goods, receive):
    receive(wh.a1, goods, 5)
    adjustment = _adjustment(org, wh, line_data(goods, "-2", wh.a1))
    docs.document_submit(document_id=adjustment.pk, by=org.keeper)
    assert invariants.run(I5) == []
    # a reservation that is not what the document takes, books that do not add up to it
    StockReservation.objects.update(quantity=1)
    problems = invariants.run(I5)
    assert any("reservations add up to 1" in p for p in problems)
    assert any(f"stock document #{adjustment.pk} line 1: reserved 1" in p for p in problems)
    # a document that no longer holds anything while submitted
    StockReservation.objects.all().delete()
    assert any("takes 2" in p for p in invariants.run(I5))
    # put it right again (the teardown checks every invariant)
    StockLot.objects.update(reserved=0)
    Stock.objects.update(reserved=0)
    docs.document_reject(document_id=adjustment.pk, by=org.finance, note="测试")
    assert invariants.run(I5) == []


@pytest.mark.django_db(transaction=True)
def test_submit_and_issue_of_the_last_units_at_once_one_wins(org, slow_ledger):  # noqa: F811
    """PostgreSQL row locks (SQLite: IMMEDIATE transactions): the reservation and an issue of the
    same last units never both succeed."""
    wh = new_warehouse(org.keeper)
    for _ in range(2):
        product = new_product(name="最后两件")
        post_receipt(org.keeper, wh.a1, product, 2)
        adjustment = _adjustment(org, wh, line_data(product, "-2", wh.a1))
        issue = _issue(org, wh, product, "2")
        calls = [
            partial(docs.document_submit, document_id=adjustment.pk, by=org.keeper),
            partial(docs.document_post, document_id=issue.pk, by=org.keeper),
        ]
        assert at_once(calls) == ["insufficient_stock", "ok"]
        quantity, reserved = _held(product, wh.a1)
        assert (quantity, reserved) in ((0, 0), (2, 2))
    assert invariants.run({"I3", "I4", "I5"}) == []


def test_the_stock_list_and_the_api_show_what_is_held(org, wh, goods, receive, client):
    receive(wh.a1, goods, 7)
    docs.document_submit(document_id=_adjustment(org, wh, line_data(goods, "-3", wh.a1)).pk, by=org.keeper)
    row = next(
        r for r in bearer(org.keeper).get("/warehouse/stock/").json()["items"] if r["product_id"] == goods.pk
    )
    assert (row["quantity"], row["reserved"], row["available"]) == ("7.000", "3.000", "4.000")
    located = bearer(org.keeper).get(f"/warehouse/stock/products/{goods.pk}").json()["locations"][0]
    assert located["reserved"] == "3.000"
    client.force_login(org.keeper)
    html = client.get("/warehouse/stock/", headers={"accept-language": "zh-hans"}).content.decode()
    assert "已预留" in html and 'data-testid="reserved"><span class="badge text-bg-info"' in html
