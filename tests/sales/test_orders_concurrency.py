"""I6 under concurrency: two people order (or confirm orders for) the last units of a contract
line at the same moment, each on its own database connection. Exactly one wins; the other is
refused with over_contract. PostgreSQL serialises them on the contract's row lock, SQLite on its
IMMEDIATE write transactions."""

import time
from decimal import Decimal
from functools import partial

import pytest

from salesdept.sales.invariants import ordered_within_contract
from salesdept.sales.models import SalesOrder
from salesdept.sales.services import orders as services
from tests.concurrency import at_once


@pytest.fixture
def slow_check(monkeypatch):
    """Widen the race: pause between writing the lines and comparing with the contract, so two
    transactions without the contract lock would both pass the check."""
    check = services._refuse_over_contract

    def slow(contract_id):
        time.sleep(0.3)
        return check(contract_id)

    monkeypatch.setattr(services, "_refuse_over_contract", slow)


@pytest.mark.django_db(transaction=True)
def test_two_orders_for_the_last_units_one_wins(org, make_contract, slow_check):
    for _ in range(3):
        contract = make_contract(lines=[("100.00", "10")], state="signed")
        rows = [{"contract_line_id": contract.lines.get().pk, "quantity": Decimal("6")}]
        calls = [
            partial(services.order_create_from_contract, by=person, contract_id=contract.pk, lines=rows)
            for person in (org.sales1, org.clerk)
        ]
        assert at_once(calls) == ["ok", "over_contract"]
        assert SalesOrder.objects.filter(contract=contract).count() == 1
        assert ordered_within_contract() == []


@pytest.mark.django_db(transaction=True)
def test_grow_drafts_at_once_one_wins_then_both_confirm(org, make_contract, slow_check):
    """Two drafts of 2 each grow to 7 at once (14 > 10): one wins; both then confirm at once."""
    for _ in range(3):
        contract = make_contract(lines=[("100.00", "10")], state="signed")
        line_id = contract.lines.get().pk
        first, second = (
            services.order_create_from_contract(
                by=org.sales1, contract_id=contract.pk, lines=[{"contract_line_id": line_id, "quantity": "2"}]
            )
            for _ in range(2)
        )
        grow = [{"contract_line_id": line_id, "quantity": "7"}]
        calls = [
            partial(services.order_update, by=org.sales1, order_id=first.pk, lines=grow),
            partial(services.order_update, by=org.clerk, order_id=second.pk, lines=grow),
        ]
        assert at_once(calls) == ["ok", "over_contract"]
        assert ordered_within_contract() == []
        confirms = [
            partial(services.order_confirm, by=org.sales1, order_id=first.pk),
            partial(services.order_confirm, by=org.clerk, order_id=second.pk),
        ]
        assert at_once(confirms) == ["ok", "ok"]
        assert ordered_within_contract() == []
