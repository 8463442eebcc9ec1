"""Document numbers (I8): gap-free yearly sequences per document type, `EX-2026-000001`,
correct when many people create documents at the same moment."""

import threading
from decimal import Decimal

import pytest
from django.db import connections, transaction
from django.utils import timezone

from salesdept.core.models import Sequence
from salesdept.core.numbering import format_number, next_number
from tests.exampleapp import services
from tests.exampleapp.models import Voucher


class Rollback(Exception):
    """Raised inside a creation to roll its transaction back."""


def this_year() -> int:
    return timezone.localdate().year


def numbers() -> list[str]:
    return sorted(Voucher.objects.values_list("number", flat=True))


def series(n: int, year: int | None = None) -> list[str]:
    return [format_number("EX", year or this_year(), k) for k in range(1, n + 1)]


def test_numbers_run_per_type_and_restart_each_year(db):
    assert [next_number("EX", year=2025) for _ in range(3)] == series(3, 2025)
    assert next_number("EX", year=2026) == "EX-2026-000001"
    assert next_number("SO", year=2025) == "SO-2025-000001"
    assert next_number("EX", year=2025) == "EX-2025-000004"
    assert sorted(Sequence.objects.values_list("key", "year", "last")) == [
        ("EX", 2025, 4),
        ("EX", 2026, 1),
        ("SO", 2025, 1),
    ]


def test_a_voucher_gets_this_years_next_number(org):
    first = services.voucher_create(by=org.sales1, amount=Decimal("1"))
    second = services.voucher_create(by=org.sales2, amount=Decimal("2"))
    assert [first.number, second.number] == series(2)


def test_a_rolled_back_creation_gives_its_number_back(org):
    services.voucher_create(by=org.sales1, amount=Decimal("1"))
    with pytest.raises(Rollback), transaction.atomic():
        lost = services.voucher_create(by=org.sales1, amount=Decimal("2"))
        assert lost.number == series(2)[-1]
        raise Rollback
    services.voucher_create(by=org.sales1, amount=Decimal("3"))
    assert numbers() == series(2)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_gap(org):
    # the same with real commits: the number is only kept by a committed creation
    services.voucher_create(by=org.sales1, amount=Decimal("1"))
    with pytest.raises(Rollback), transaction.atomic():
        services.voucher_create(by=org.sales1, amount=Decimal("2"))
        raise Rollback
    services.voucher_create(by=org.sales1, amount=Decimal("3"))
    assert numbers() == series(2)
    assert Sequence.objects.get(key="EX", year=this_year()).last == 2


@pytest.mark.django_db(transaction=True)
def test_taking_a_number_outside_a_transaction_is_refused():
    # it would be committed at once, and lost if the document then failed to save
    with pytest.raises(RuntimeError):
        next_number("EX")
    assert not Sequence.objects.exists()


def create_concurrently(people, *, threads: int, each: int, roll_back_every: int = 0) -> list[Exception]:
    """`threads` threads, each on its own database connection, start together at a barrier and
    create `each` vouchers; every `roll_back_every`-th creation is rolled back. Returns errors."""
    barrier = threading.Barrier(threads)
    errors: list[Exception] = []

    def work(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for k in range(1, each + 1):
                try:
                    with transaction.atomic():
                        services.voucher_create(by=people[n % len(people)], amount=Decimal(k))
                        if roll_back_every and k % roll_back_every == 0:
                            raise Rollback
                except Rollback:
                    pass
        except Exception as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    return errors


@pytest.mark.postgres_only(reason="real row locks and parallel connections")
@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_on_postgresql_is_gap_free(org):
    # given no sequence row yet for this year, so the first creations race to make it
    people = [org.sales1, org.sales2, org.manager1, org.clerk]
    # when 8 connections create 25 vouchers each at the same moment, rolling back every 5th
    errors = create_concurrently(people, threads=8, each=25, roll_back_every=5)
    # then every committed voucher has its own number, and the numbers are exactly 1..160
    assert errors == []
    assert numbers() == series(8 * 20)
    assert Sequence.objects.get(key="EX", year=this_year()).last == 160


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_with_threads_is_gap_free(org):
    # on SQLite, IMMEDIATE transactions make the writers queue; the same code stays correct
    errors = create_concurrently([org.sales1, org.clerk], threads=4, each=10, roll_back_every=4)
    assert errors == []
    assert numbers() == series(4 * 8)
    assert Sequence.objects.get(key="EX", year=this_year()).last == 32
