"""Contracts waiting for review on the dashboard: the same number of queries for 2 or 12 of
them (the review rules are read once per page, not once per contract)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def _dashboard(client, user) -> tuple[int, str]:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_waiting_contracts_cost_a_fixed_number_of_queries(client, org, make_contract):
    contracts = [make_contract(state="submitted") for _ in range(2)]
    _dashboard(client, org.manager1)  # warm caches (content types)
    few, html = _dashboard(client, org.manager1)
    assert all(c.number in html for c in contracts)
    contracts += [make_contract(state="submitted") for _ in range(10)]
    many, html = _dashboard(client, org.manager1)
    assert all(c.number in html for c in contracts)
    assert many == few
    # and the preparer does not see their own contract as a to-do
    _count, html = _dashboard(client, org.sales1)
    assert not any(c.number in html for c in contracts)
