"""I1 and I11 under random use: for random sequences of receipts (at random costs, some dated
in a closed month), sale issues to customers, scrap, transfers, adjustments approved by a second
person and reversals, posted through the warehouse services, after every step

- every journal entry balances, every line is one-sided (I1), and the trial balance of all
  time balances in its opening, period and closing columns;
- Σ Stock.value = the inventory account 1405, in total and per product (I11);
- cost of goods sold per customer = what their issues took out less what reversals brought back;
- a refused step (not enough stock, a closed month) leaves stock and ledger as they were.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from salesdept.core import invariants
from salesdept.core.errors import DomainError
from salesdept.ledger import codes
from salesdept.ledger.selectors.balances import account_balance, build_trial_balance
from salesdept.ledger.services import period_close
from salesdept.warehouse.models import Stock, StockMove
from salesdept.warehouse.services import documents as docs
from tests.warehouse.conftest import new_product

from .conftest import adjust, issue, receive, transfer

D = Decimal
product = st.integers(0, 1)
place = st.integers(0, 1)
qty = st.integers(1, 9)
ops = st.one_of(
    st.tuples(st.just("receipt"), product, place, qty, st.integers(1, 4000), st.booleans()),
    st.tuples(st.just("sale"), product, place, qty, st.integers(0, 1)),
    st.tuples(st.just("scrap"), product, place, qty),
    st.tuples(st.just("transfer"), product, place, qty),
    st.tuples(st.just("adjust"), product, place, st.sampled_from([-5, -2, -1, 1, 3]), st.integers(0, 3000)),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
)


def snapshot():
    return (
        StockMove.objects.count(),
        Stock.objects.aggregate(v=Sum("value"))["v"],
        account_balance(codes.INVENTORY),
    )


def check(products, customers, cogs):
    assert invariants.run({"I1", "I11"}) == []
    report = build_trial_balance(
        start=datetime.date(2000, 1, 1), end=datetime.date.today() + datetime.timedelta(1)
    )
    totals = report.totals
    assert totals["debit"] == totals["credit"] and totals["closing_debit"] == totals["closing_credit"]
    for p in products:
        value = Stock.objects.filter(product=p).aggregate(v=Sum("value"))["v"] or D("0")
        assert account_balance(codes.INVENTORY, product_id=p.pk) == D(str(value)).quantize(D("0.01"))
    for c in customers:
        assert account_balance(codes.COST_OF_SALES, customer_id=c.pk) == cogs[c.pk]


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(ops, min_size=3, max_size=15))
def test_random_postings_keep_the_ledger_balanced_and_equal_to_the_stock(
    org, wh, customer, last_month, steps
):
    with transaction.atomic():
        products = [new_product(name="液压泵"), new_product(name="高压阀门")]
        customers = [customer]
        locations = [wh.a1, wh.a2]
        period_close(year=last_month.year, month=last_month.month, by=org.finance)
        cogs = defaultdict(lambda: D("0.00"))
        posted = []  # (document id, customer id or None, cost of goods sold it posted)
        for p in products:
            receive(org, wh.a1, p, 5, unit_cost="7.77")
        for step in steps:
            kind = step[0]
            before = snapshot()
            try:
                if kind == "receipt":
                    _, pi, li, n, cents, closed = step
                    extra = {"moved_on": last_month.isoformat()} if closed else {}
                    doc = receive(org, locations[li], products[pi], n, unit_cost=str(D(cents) / 100), **extra)
                    assert not closed, "a receipt dated in the closed month was posted"
                elif kind == "sale":
                    _, pi, li, n, _ci = step
                    doc = issue(org, locations[li], products[pi], n, to=customer)
                    cost = doc.lines.get().value
                    cogs[customer.pk] += -cost if cost < 0 else cost
                    posted.append((doc.pk, customer.pk, cost if cost > 0 else -cost))
                elif kind == "scrap":
                    _, pi, li, n = step
                    doc = issue(org, locations[li], products[pi], n, purpose="scrap")
                elif kind == "transfer":
                    _, pi, li, n = step
                    doc = transfer(org, locations[li], locations[1 - li], products[pi], n)
                elif kind == "adjust":
                    _, pi, li, n, cents = step
                    doc = adjust(
                        org, locations[li], products[pi], n, unit_cost=str(D(cents) / 100) if n > 0 else None
                    )
                else:
                    if not posted:
                        continue
                    doc_id, customer_id, cost = posted.pop(step[1] % len(posted))
                    docs.document_reverse(document_id=doc_id, by=org.keeper)
                    cogs[customer_id] -= cost
                    doc = None
                if kind in ("receipt", "adjust") and doc is not None:
                    posted.append((doc.pk, None, D("0")))
                event(f"{kind} posted")
            except DomainError as exc:
                assert exc.code in ("insufficient_stock", "period_closed", "reversal_stock_gone"), exc.code
                event(f"{kind} refused: {exc.code}")
                assert snapshot() == before
            check(products, customers, cogs)
        transaction.set_rollback(True)
