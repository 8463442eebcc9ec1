"""Fixtures of the report pack tests: the statistics tests' customers and products (sales1's
customer in Shanghai, sales3's in Guangdong) with sales in October 2026, the October before and
September 2026, recorded through stats.services.record_facts."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from salesdept.crm.models import Customer
from salesdept.stats.models import Source
from salesdept.stats.services import record_facts
from tests.stats.conftest import fact, world  # noqa: F401  (the fixture, shared)

D = Decimal


def client_for(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def sales(world):  # noqa: F811
    """October 2026: a (sales1) 1,000.00 + 234.56 ordered, 800.00 collected; b (sales3) 500.00
    ordered. October 2025: a 400.00. The customers were created on 2026-10-08 (new in October)."""
    a, b = world.customers
    p1, p2, p3 = world.products
    history = Source.HISTORY  # no document behind them (the invariants compare documents with their facts)
    record_facts(
        [
            fact(
                a,
                p1,
                amount="1000.00",
                cost="600.00",
                number="SO-A1",
                day=datetime.date(2026, 10, 2),
                source=history,
            ),
            fact(
                a,
                p2,
                amount="234.56",
                cost="100.00",
                number="SO-A2",
                day=datetime.date(2026, 10, 31),
                source=history,
            ),
            fact(
                b,
                p3,
                amount="500.00",
                cost="450.00",
                number="SO-B1",
                day=datetime.date(2026, 10, 15),
                source=history,
            ),
            fact(a, p1, amount="400.00", number="SO-LY", day=datetime.date(2025, 10, 9), source=history),
            fact(a, p1, amount="99.00", number="SO-SEP", day=datetime.date(2026, 9, 30), source=history),
            fact(
                a,
                None,
                kind="collected",
                amount="800.00",
                quantity="0",
                cost="0",
                number="PAY-1",
                day=datetime.date(2026, 10, 20),
                source=history,
            ),
        ]
    )
    created = datetime.datetime(2026, 10, 8, 10, 0, tzinfo=datetime.UTC)
    Customer.objects.filter(pk__in=[a.pk, b.pk]).update(created_at=created)
    return world
