"""Property tests of the card and 帐、物、卡: for any sequence of receipts, issues and counts (some
variances posted, some not) at one product × location —
- every move's stored balance is the running sum, and the pages of the card chain (each page
  opens where the previous one closed; the last closes at the book), whatever the page size;
- the goods figure equals the last count plus everything moved after it minus the variance it
  posted (computed here by hand from the operations), and a row is flagged exactly when a
  variance is unposted.
Plus a guard that the report never joins the move ledger (that made PostgreSQL hash the whole
move table)."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesdept.warehouse.selectors import reconciliation
from salesdept.warehouse.selectors import stock as selectors

from .fixtures_c import count, issue, loc, make_product, make_warehouse, receive
from .test_reconciliation_selectors import post_variance

D = Decimal
DAY = datetime.date(2026, 3, 1)

op = st.one_of(
    st.tuples(st.just("in"), st.integers(min_value=1, max_value=20)),
    st.tuples(st.just("out"), st.integers(min_value=1, max_value=20)),
    st.tuples(st.just("count"), st.integers(min_value=0, max_value=30), st.booleans()),
)


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(op, min_size=1, max_size=14), page_size=st.integers(min_value=1, max_value=5))
def test_card_pages_chain_and_goods_follow_the_last_count(org, ops, page_size):
    with transaction.atomic():
        warehouse = make_warehouse()
        a = loc(warehouse)
        product = make_product()
        book = D("0")
        running = []  # the balance after each move, by hand
        goods = None  # the last count carried forward, by hand
        unposted = D("0")
        for i, step in enumerate(ops):
            on = DAY + datetime.timedelta(days=i)
            if step[0] == "in":
                receive(a, product, step[1], "3.00", by=org.keeper, on=on)
                book += step[1]
                running.append(book)
                goods = None if goods is None else goods + step[1]
            elif step[0] == "out":
                wanted = min(step[1], int(book))
                if not wanted:
                    continue
                issue(a, product, wanted, by=org.keeper, on=on)
                book -= wanted
                running.append(book)
                goods = None if goods is None else goods - wanted
            else:
                counted, posted = D(step[1]), step[2]
                variance = counted - book
                if posted and variance < 0 and -variance > book:
                    posted = False
                take = count(
                    a, product, counted, by=org.keeper, on=on, status="submitted" if posted else "draft"
                )
                goods = counted
                unposted = variance
                if posted and variance:
                    post_variance(take, variance, by=org.finance, on=on)
                    book += variance
                    running.append(book)
                    unposted = D("0")
                elif posted:
                    unposted = D("0")

        # the card: stored balances and chained pages
        moves = list(selectors.card_moves(product_id=product.pk, location_id=a.pk))
        assert [m.balance for m in moves] == running
        card = selectors.stock_card(
            user=org.keeper, product_id=product.pk, location_id=a.pk, page=1, page_size=page_size
        )
        pages = card.page.paginator.num_pages
        previous_closing = D("0")
        for number in range(1, pages + 1):
            page = selectors.stock_card(
                user=org.keeper, product_id=product.pk, location_id=a.pk, page=number, page_size=page_size
            )
            assert page.opening == previous_closing
            previous_closing = page.closing
        assert previous_closing == book

        # the reconciliation row
        rows = list(
            reconciliation.reconciliation(
                user=org.keeper, filters={"show": "all", "warehouse": str(warehouse.pk)}
            )
        )
        if not rows:  # nothing ever moved: a count that found goods shows apart
            assert book == 0 and not running
            unbooked = reconciliation.counts_without_book(
                user=org.keeper, filters={"warehouse": str(warehouse.pk)}
            )
            assert [u.counted for u in unbooked] == ([goods] if goods else [])
        else:
            (row,) = rows
            assert row.quantity == book and row.card_quantity == book
            if goods is None:
                assert row.goods_quantity is None and not row.differs
            else:
                assert row.goods_quantity == book + unposted == goods
                assert row.differs == (unposted != 0)
        transaction.set_rollback(True)


def test_the_report_reads_the_card_without_joining_the_ledger(org):
    sql = str(reconciliation.reconciliation(user=org.keeper, filters={"show": "all"}).query).lower()
    assert 'join "warehouse_stockmove"' not in sql
    # the posted variance is read through the document index, not the card (SQLite: 50× slower)
    assert '"product_id" + 0)' in sql and '"location_id" + 0)' in sql
    card_sql = str(selectors.card_moves(product_id=1, location_id=2).query).lower()
    assert '"product_id" = 1' in card_sql and '"location_id" = 2' in card_sql and "order by" in card_sql
