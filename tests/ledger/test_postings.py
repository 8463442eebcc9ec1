"""Stock postings write their value to the general ledger in the same transaction (I11): a
purchase receipt Dr 1405 / Cr 2202, a sale issue Dr 6401 / Cr 1405 at the moving average cost
with the customer, a transfer nothing, an approved adjustment against 1901, a reversal the
mirror entry; a posting dated in a closed month is refused and leaves no stock behind."""

from decimal import Decimal

import pytest

from salesdept.core.errors import DomainError
from salesdept.ledger import codes
from salesdept.ledger.models import JournalEntry
from salesdept.ledger.selectors.balances import account_balance
from salesdept.ledger.services import period_close
from salesdept.warehouse.models import Stock, StockDocument, StockMove
from salesdept.warehouse.services import documents as docs

from .conftest import adjust, issue, receive, transfer

D = Decimal


def lines_of(document) -> list[tuple]:
    """(account, debit, credit, customer_id, product_id) of the document's one entry, sorted."""
    entry = JournalEntry.objects.get(source_type="warehouse.stockdocument", source_id=document.pk)
    assert entry.source_number == document.number and entry.entry_date == document.moved_on
    return sorted(
        (x.account.code, x.debit, x.credit, x.customer_id, x.product_id)
        for x in entry.lines.select_related("account")
    )


def test_purchase_receipt_debits_inventory_and_credits_payables(org, wh, goods):
    doc = receive(org, wh.a1, goods, 10, unit_cost="8.50")
    assert lines_of(doc) == [
        (codes.INVENTORY, D("85.00"), D("0.00"), None, goods.pk),
        (codes.PAYABLE, D("0.00"), D("85.00"), None, goods.pk),
    ]
    assert (
        account_balance(codes.INVENTORY)
        == D("85.00")
        == Stock.objects.get(product=goods, location=wh.a1).value
    )


def test_sale_issue_posts_cost_of_goods_sold_at_moving_average_with_the_customer(org, wh, goods, customer):
    receive(org, wh.a1, goods, 10, unit_cost="10.00")
    receive(org, wh.a1, goods, 10, unit_cost="13.00")  # average 11.50
    doc = issue(org, wh.a1, goods, 4, to=customer)
    assert lines_of(doc) == [
        (codes.INVENTORY, D("0.00"), D("46.00"), None, goods.pk),
        (codes.COST_OF_SALES, D("46.00"), D("0.00"), customer.pk, goods.pk),
    ]
    assert account_balance(codes.COST_OF_SALES, customer_id=customer.pk) == D("46.00")
    assert account_balance(codes.INVENTORY, product_id=goods.pk) == D("184.00")


def test_transfer_posts_nothing(org, wh, goods):
    receive(org, wh.a1, goods, 5)
    before = JournalEntry.objects.count()
    doc = transfer(org, wh.a1, wh.a2, goods, 3)
    assert doc.status == "posted" and JournalEntry.objects.count() == before
    assert account_balance(codes.INVENTORY) == D("50.00")


def test_approved_adjustments_post_against_stock_differences(org, wh, goods):
    receive(org, wh.a1, goods, 10, unit_cost="10.00")
    gain = adjust(org, wh.a1, goods, 2, unit_cost="10.00")
    assert lines_of(gain) == [
        (codes.INVENTORY, D("20.00"), D("0.00"), None, goods.pk),
        (codes.STOCK_DIFFERENCES, D("0.00"), D("20.00"), None, goods.pk),
    ]
    loss = adjust(org, wh.a1, goods, -3)
    assert lines_of(loss) == [
        (codes.INVENTORY, D("0.00"), D("30.00"), None, goods.pk),
        (codes.STOCK_DIFFERENCES, D("30.00"), D("0.00"), None, goods.pk),
    ]
    assert account_balance(codes.STOCK_DIFFERENCES) == D("10.00")


def test_a_submitted_adjustment_posts_nothing_until_approved(org, wh, goods):
    receive(org, wh.a1, goods, 10)
    document = docs.document_create(
        by=org.keeper,
        data={"kind": "adjustment", "warehouse": wh.pk, "lines": [
            {"product": goods.pk, "quantity": "-2", "location": wh.a1.pk}]},
    )  # fmt: skip
    docs.document_submit(document_id=document.pk, by=org.keeper)
    assert not JournalEntry.objects.filter(
        source_id=document.pk, source_type="warehouse.stockdocument"
    ).exists()
    docs.document_reject(document_id=document.pk, by=org.finance, note="数错了")
    assert not JournalEntry.objects.filter(
        source_id=document.pk, source_type="warehouse.stockdocument"
    ).exists()


def test_reversal_posts_the_mirror_entry(org, wh, goods, customer):
    receive(org, wh.a1, goods, 10, unit_cost="12.00")
    sale = issue(org, wh.a1, goods, 4, to=customer)
    reversal = docs.document_reverse(document_id=sale.pk, by=org.keeper, note="客户取消")
    assert lines_of(reversal) == [
        (codes.INVENTORY, D("48.00"), D("0.00"), None, goods.pk),
        (codes.COST_OF_SALES, D("0.00"), D("48.00"), customer.pk, goods.pk),
    ]
    assert account_balance(codes.COST_OF_SALES) == D("0.00")
    assert account_balance(codes.INVENTORY) == D("120.00")


def test_posting_dated_in_a_closed_month_is_refused_and_leaves_no_stock(org, wh, goods, last_month):
    receive(org, wh.a1, goods, 3)
    period_close(year=last_month.year, month=last_month.month, by=org.finance)
    moves, entries = StockMove.objects.count(), JournalEntry.objects.count()
    documents = StockDocument.objects.count()
    with pytest.raises(DomainError) as caught:
        receive(org, wh.a1, goods, 10, moved_on=last_month.isoformat())
    assert caught.value.code == "period_closed" and caught.value.status == 409
    # post_document creates and posts in one transaction: nothing of it stays
    assert StockDocument.objects.count() == documents
    # a draft dated in the closed month cannot be posted either; it stays a draft without moves
    draft = docs.document_create(
        by=org.keeper,
        data={"kind": "issue", "warehouse": wh.pk, "moved_on": last_month.isoformat(), "lines": [
            {"product": goods.pk, "quantity": "1", "location": wh.a1.pk}]},
    )  # fmt: skip
    with pytest.raises(DomainError) as caught:
        docs.document_post(document_id=draft.pk, by=org.keeper)
    assert caught.value.code == "period_closed"
    draft.refresh_from_db()
    assert draft.status == "draft" and not draft.moves.exists()
    assert (StockMove.objects.count(), JournalEntry.objects.count()) == (moves, entries)
    stock = Stock.objects.get(product=goods, location=wh.a1)
    assert (stock.quantity, stock.value) == (D("3.000"), D("30.00"))
