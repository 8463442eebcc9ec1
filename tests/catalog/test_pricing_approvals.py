"""Price approvals 事前请示 (S1) end to end through /api/v1: request, decide, withdraw; the
requester cannot decide their own request (and a signal is recorded); authority and scope of
the deciders; the discount authority table."""

from decimal import Decimal

import pytest

from salesdept.audit.models import Signal
from salesdept.catalog.models import DiscountAuthority, PriceApproval
from salesdept.catalog.pricing import PriceApprovalNeeded, enforce_price_policy
from salesdept.catalog.selectors.pricing import approvals_to_decide
from salesdept.catalog.services.pricing import price_approval_decide, price_approval_request
from tests.api_helpers import assert_error, bearer

from .fixtures_catalog import make_product, make_quotation

D = Decimal


@pytest.fixture
def quote(org):
    """sales1's quotation: line 1 at 8 % (over 5 %), line 2 at 2 %."""
    product = make_product(list_price="1000.00", floor_price="900.00")
    return make_quotation(org.sales1, [(product, "8"), (product, "2")])


def ask(user, doc, **extra):
    body = {"document_type": "quotation", "document_id": doc.pk, "reason": "战略客户首单", **extra}
    return bearer(user).post("/price-approvals", body)


def test_full_flow_request_approve_lifts_block(org, quote):
    lines = list(quote.lines.select_related("product"))
    with pytest.raises(PriceApprovalNeeded):
        enforce_price_policy(quote, lines, by=org.sales1)
    r = ask(org.sales1, quote)
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["discount"] == "8.00" and data["below_floor"] is False and data["status"] == "pending"
    assert data["document_type"] == "quotation" and data["document"] == quote.number
    # waiting for the manager of sales1's team, not for the manager of another team
    assert [
        a["id"] for a in bearer(org.manager1).get("/price-approvals", {"to_decide": True}).json()["items"]
    ] == [data["id"]]
    assert bearer(org.manager2).get("/price-approvals", {"to_decide": True}).json()["items"] == []
    assert_error(
        bearer(org.manager2).post(f"/price-approvals/{data['id']}/decide", {"approve": True}),
        404,
        "not_found",
    )
    r = bearer(org.manager1).post(f"/price-approvals/{data['id']}/decide", {"approve": True, "note": "同意"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "approved" and r.json()["decided_by_id"] == org.manager1.pk
    assert [i.position for i in enforce_price_policy(quote, lines, by=org.sales1)] == [1]
    # decided once only
    assert_error(
        bearer(org.director).post(f"/price-approvals/{data['id']}/decide", {"approve": False, "note": "x"}),
        409,
        "invalid_transition",
    )


def test_requester_cannot_decide_own_request_and_signal_recorded(org):
    product = make_product(list_price="1000.00", floor_price=None)
    quote = make_quotation(org.manager1, [(product, "15")])
    r = ask(org.manager1, quote)
    assert r.status_code == 201, r.content
    approval_id = r.json()["id"]
    # manager1 holds decide_priceapproval, but not for their own request (15 % is also over 10 %)
    assert_error(
        bearer(org.manager1).post(f"/price-approvals/{approval_id}/decide", {"approve": True}),
        409,
        "own_document",
    )
    assert PriceApproval.objects.get(pk=approval_id).status == "pending"
    signal = Signal.objects.get(kind="own_approval")
    assert signal.actor == org.manager1 and signal.document == quote
    # the director may
    r = bearer(org.director).post(f"/price-approvals/{approval_id}/decide", {"approve": True})
    assert r.status_code == 200 and r.json()["status"] == "approved"


def test_director_deciding_own_request_refused_at_service_level(org):
    product = make_product(list_price="1000.00", floor_price=None)
    quote = make_quotation(org.director, [(product, "25")])
    approval = price_approval_request(by=org.director, doc=quote, reason="清库存")
    from salesdept.core.errors import DomainError

    with pytest.raises(DomainError) as exc:
        price_approval_decide(by=org.director, approval_id=approval.pk, approve=True)
    assert exc.value.code == "own_document"
    assert Signal.objects.filter(kind="own_approval", actor=org.director).count() == 1


def test_decider_needs_covering_authority(org):
    product = make_product(list_price="1000.00", floor_price=None)
    quote = make_quotation(org.sales1, [(product, "12")])
    approval_id = ask(org.sales1, quote).json()["id"]
    # 12 % is over a manager's 10 % and a regional manager's 8 %
    for persona in ("manager1", "regional_east"):
        assert approval_id not in [a.pk for a in approvals_to_decide(getattr(org, persona))]
        assert_error(
            bearer(getattr(org, persona)).post(f"/price-approvals/{approval_id}/decide", {"approve": True}),
            403,
            "over_authority",
        )
    assert [a.pk for a in approvals_to_decide(org.director)] == [approval_id]
    assert (
        bearer(org.director).post(f"/price-approvals/{approval_id}/decide", {"approve": True}).status_code
        == 200
    )


def test_under_floor_needs_director(org):
    product = make_product(list_price="1000.00", floor_price="990.00")
    quote = make_quotation(org.sales1, [(product, "3")])  # 970 < floor 990, 3 % within authority
    r = ask(org.sales1, quote)
    assert r.status_code == 201 and r.json()["below_floor"] is True and r.json()["discount"] == "0.00"
    approval_id = r.json()["id"]
    assert_error(
        bearer(org.manager1).post(f"/price-approvals/{approval_id}/decide", {"approve": True}),
        403,
        "over_authority",
    )
    assert (
        bearer(org.director).post(f"/price-approvals/{approval_id}/decide", {"approve": True}).status_code
        == 200
    )
    lines = list(quote.lines.select_related("product"))
    assert [i.kind for i in enforce_price_policy(quote, lines, by=org.sales1)] == ["under_floor"]


def test_reject_needs_note_and_rejected_does_not_cover(org, quote):
    approval_id = ask(org.sales1, quote).json()["id"]
    api = bearer(org.manager1)
    assert_error(
        api.post(f"/price-approvals/{approval_id}/decide", {"approve": False}), 400, "invalid", {"note"}
    )
    assert PriceApproval.objects.get(pk=approval_id).status == "pending"
    r = api.post(f"/price-approvals/{approval_id}/decide", {"approve": False, "note": "折扣过大"})
    assert (
        r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["decision_note"] == "折扣过大"
    )
    with pytest.raises(PriceApprovalNeeded):
        enforce_price_policy(quote, list(quote.lines.all()), by=org.sales1)


def test_withdraw_only_by_requester(org, quote):
    approval_id = ask(org.sales1, quote).json()["id"]
    assert_error(ask(org.sales1, quote), 409, "already_pending")
    assert_error(bearer(org.manager1).post(f"/price-approvals/{approval_id}/withdraw"), 403, "not_permitted")
    r = bearer(org.sales1).post(f"/price-approvals/{approval_id}/withdraw")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert_error(
        bearer(org.sales1).post(f"/price-approvals/{approval_id}/withdraw"), 409, "invalid_transition"
    )
    assert_error(
        bearer(org.manager1).post(f"/price-approvals/{approval_id}/decide", {"approve": True}),
        409,
        "invalid_transition",
    )
    assert ask(org.sales1, quote).status_code == 201  # may ask again


def test_request_scope_and_bad_input(org, quote):
    # sales3 (other team) cannot see sales1's quotation → 404, nothing written
    assert_error(ask(org.sales3, quote), 404, "not_found")
    assert_error(ask(org.sales1, quote, reason="  "), 400, "invalid", {"reason"})
    # within own authority: nothing to approve
    assert_error(ask(org.sales1, quote, discount="4.00"), 400, "invalid", {"discount"})
    missing = {"document_type": "quotation", "document_id": 999999, "reason": "x"}
    assert_error(bearer(org.sales1).post("/price-approvals", missing), 404, "not_found")
    assert not PriceApproval.objects.exists()
    # the clerk and the auditor may not ask
    assert_error(ask(org.auditor, quote), 403, "permission_denied")
    assert_error(ask(org.keeper, quote), 403, "permission_denied")


def test_list_mine_and_read_scope(org, quote):
    approval_id = ask(org.sales1, quote).json()["id"]
    assert [a["id"] for a in bearer(org.sales1).get("/price-approvals", {"mine": True}).json()["items"]] == [
        approval_id
    ]
    assert bearer(org.sales2).get("/price-approvals", {"mine": True}).json()["items"] == []
    assert bearer(org.sales3).get("/price-approvals").json()["items"] == []
    assert_error(bearer(org.sales3).get(f"/price-approvals/{approval_id}"), 404, "not_found")
    assert bearer(org.auditor).get(f"/price-approvals/{approval_id}").status_code == 200
    assert_error(bearer(org.keeper).get("/price-approvals"), 403, "permission_denied")


def test_discount_authority_table(org):
    rows = bearer(org.sales1).get("/discount-authority").json()
    assert {r["role"]: r["max_discount"] for r in rows}["salesperson"] == "5.00"
    assert_error(
        bearer(org.manager1).put("/discount-authority/salesperson", {"max_discount": "6"}),
        403,
        "permission_denied",
    )
    assert_error(
        bearer(org.director).put("/discount-authority/nobody", {"max_discount": "6"}),
        400,
        "invalid",
        {"role"},
    )
    assert (
        bearer(org.director).put("/discount-authority/salesperson", {"max_discount": "101"}).status_code
        == 422
    )
    r = bearer(org.admin).put("/discount-authority/salesperson", {"max_discount": "6.00"})
    assert r.status_code == 200 and r.json()["max_discount"] == "6.00"
    assert DiscountAuthority.objects.get(role="salesperson").max_discount == D("6.00")
    r = bearer(org.director).put("/discount-authority/clerk", {"max_discount": "1", "below_floor": False})
    assert r.status_code == 200
    assert DiscountAuthority.objects.filter(role="clerk").exists()


def test_approval_list_reads_documents_in_bulk(org, django_assert_max_num_queries):
    product = make_product(list_price="1000.00", floor_price=None)
    for n in range(6):
        quote = make_quotation(org.sales1, [(product, "8")])
        price_approval_request(by=org.sales1, doc=quote, reason=f"请示 {n}")
    api = bearer(org.manager1)
    api.get("/price-approvals")  # warm up: token, content types
    with django_assert_max_num_queries(9):
        r = api.get("/price-approvals", {"page_size": 50})
    assert r.status_code == 200 and len(r.json()["items"]) == 6
