"""Two reviewers who may both take the next step press "approve" at the same moment, each on its
own database connection: exactly one step is recorded (X2, I10). PostgreSQL serialises them on
the voucher's row lock; SQLite on its IMMEDIATE write transactions."""

import threading
from decimal import Decimal

import pytest
from django.db import connections

from salesdept.core.errors import DomainError
from salesdept.core.events import history
from tests.exampleapp import services
from tests.exampleapp.models import Voucher


def approve_at_once(voucher_id: int, people) -> list[str]:
    """Each person approves from their own thread; returns "ok" or the refusal code per person."""
    barrier = threading.Barrier(len(people))
    outcome: dict[str, str] = {}

    def work(person) -> None:
        try:
            barrier.wait(timeout=30)
            services.voucher_approve(by=person, voucher_id=voucher_id)
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
@pytest.mark.parametrize(
    "amount, loser",
    [
        ("500", "invalid_transition"),  # the winner finished the route
        ("50000", "not_your_step"),  # the winner took the manager step; finance is next
    ],
)
def test_two_reviewers_at_once_record_one_step(org, amount, loser):
    for _ in range(3):
        voucher = services.voucher_create(by=org.sales1, amount=Decimal(amount))
        services.voucher_submit(by=org.sales1, voucher_id=voucher.pk)
        assert approve_at_once(voucher.pk, [org.manager1, org.director]) == sorted(["ok", loser])
        steps = list(history(voucher).filter(action="approve_step").values_list("step", flat=True))
        assert steps == [0]
    expected = "approved" if amount == "500" else "submitted"
    assert set(Voucher.objects.values_list("status", flat=True)) == {expected}
