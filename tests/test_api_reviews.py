"""GET /api/v1/reviews/waiting: documents whose next review step is mine (X2), as on the dashboard."""

from decimal import Decimal

import pytest

from salesdept.core import workflow
from salesdept.web.selectors import reviews_waiting
from tests.api_helpers import ApiClient, assert_error, bearer
from tests.exampleapp import services


def _submitted(by, amount="500"):
    voucher = services.voucher_create(by=by, amount=Decimal(amount))
    return services.voucher_submit(by=by, voucher_id=voucher.pk)


def test_the_manager_sees_their_teams_submitted_voucher(org):
    voucher = _submitted(org.sales1)
    body = bearer(org.manager1).get("/reviews/waiting").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (
        item["type"] == "exampleapp.voucher" and item["id"] == voucher.pk and item["number"] == voucher.number
    )
    assert item["status"] == "submitted" and item["prepared_by"] == str(org.sales1)
    assert set(item["actions"]) == {"approve", "reject"}
    assert item["submitted_at"] is not None


@pytest.mark.parametrize("persona", ["sales1", "manager2", "finance", "auditor"])
def test_others_have_nothing_waiting(org, persona):
    _submitted(org.sales1)
    assert bearer(org.people[persona]).get("/reviews/waiting").json() == {"items": [], "count": 0}


def test_the_next_step_moves_to_finance_after_the_manager(org):
    voucher = _submitted(org.sales1, amount="20000")
    services.voucher_approve(by=org.manager1, voucher_id=voucher.pk)
    assert bearer(org.manager1).get("/reviews/waiting").json()["count"] == 0
    assert [i["id"] for i in bearer(org.finance).get("/reviews/waiting").json()["items"]] == [voucher.pk]


def test_listed_actions_are_the_engines_review_actions(org):
    # given documents at several steps of their routes
    small, large = _submitted(org.sales1), _submitted(org.sales2, amount="200000")
    services.voucher_approve(by=org.manager1, voucher_id=large.pk)
    for persona in ["manager1", "finance", "director"]:
        user = org.people[persona]
        for item in bearer(user).get("/reviews/waiting").json()["items"]:
            # then each item offers exactly what the engine would allow of the review moves
            doc = next(d for d in reviews_waiting(user=user) if d.pk == item["id"])
            engine = [a for a in workflow.allowed_actions(doc, user) if doc.TRANSITIONS[a].review]
            assert item["actions"] == engine == ["approve", "reject"]
    assert {small.pk, large.pk} == {i["id"] for p in ["manager1", "finance"] for i in _items(org, p)}


def _items(org, persona):
    return bearer(org.people[persona]).get("/reviews/waiting").json()["items"]


def test_waiting_list_is_paginated_oldest_first(org):
    vouchers = [_submitted(org.sales1) for _ in range(5)]
    client = bearer(org.manager1)
    page = client.get("/reviews/waiting", {"page_size": 2, "page": 2}).json()
    assert page["count"] == 5
    assert [i["id"] for i in page["items"]] == [vouchers[2].pk, vouchers[3].pk]
    assert_error(
        client.get("/reviews/waiting", {"page_size": 10_000}), 422, "validation_error", {"page_size"}
    )


def test_waiting_list_needs_sign_in(db):
    assert_error(ApiClient().get("/reviews/waiting"), 401, "not_authenticated")


def test_waiting_list_query_budget_does_not_grow_with_documents(org, django_assert_max_num_queries):
    client = bearer(org.manager1)
    for _ in range(3):
        _submitted(org.sales1)
    with django_assert_max_num_queries(40) as few:
        assert client.get("/reviews/waiting").json()["count"] == 3
    for _ in range(12):
        _submitted(org.sales2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/reviews/waiting").json()["count"] == 15
