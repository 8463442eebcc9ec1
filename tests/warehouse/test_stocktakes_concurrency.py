"""Finance and the director press "approve" on the same stocktake at the same moment, each on
its own database connection: the variance is posted exactly once (PostgreSQL serialises them on
the stocktake's row lock; SQLite on its IMMEDIATE write transactions)."""

import threading
from decimal import Decimal

import pytest
from django.db import connections

from salesdept.core.errors import DomainError
from salesdept.warehouse.models import StockDocument, StockLot
from salesdept.warehouse.services import stocktakes as st

from .fixtures_b import count_all, new_stocktake


def approve_at_once(stocktake_id: int, people) -> list[str]:
    barrier = threading.Barrier(len(people))
    outcome: dict[str, str] = {}

    def work(person) -> None:
        try:
            barrier.wait(timeout=30)
            st.stocktake_approve(by=person, stocktake_id=stocktake_id)
            outcome[person.username] = "ok"
        except DomainError as exc:
            outcome[person.username] = exc.code
        except Exception as exc:  # surfaced by the assertion below
            outcome[person.username] = repr(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(p,)) for p in people]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    return sorted(outcome.values())


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_post_the_variance_once(org, wh, goods, receive):
    receive(wh.a1, goods, 10)
    for round_ in range(3):
        take = new_stocktake(org.keeper, wh, kind="spot", products=[goods])
        count_all(org.keeper, take, {(goods.pk, wh.a1.pk): Decimal(9 - round_)})
        st.stocktake_submit(by=org.keeper, stocktake_id=take.pk)
        assert approve_at_once(take.pk, [org.finance, org.director]) == ["invalid_transition", "ok"]
        assert StockDocument.objects.filter(source_id=take.pk, source_type__endswith="stocktake").count() == 1
        assert StockLot.objects.get(product=goods, location=wh.a1).quantity == Decimal(9 - round_)
