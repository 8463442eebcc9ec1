"""The dashboard: the signed-in user's real to-dos (X2), with a bounded number of queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesdept.accounts.scope import visible
from salesdept.core import review
from salesdept.web import selectors
from tests.exampleapp import services
from tests.exampleapp.models import Voucher

pytestmark = pytest.mark.django_db


def _submitted(by, amount="500", memo=""):
    v = services.voucher_create(by=by, amount=Decimal(amount), memo=memo)
    return services.voucher_submit(by=by, voucher_id=v.pk)


def _rows(html: str) -> dict[str, list[str]]:
    """Document numbers listed in each dashboard section."""
    import re

    out = {}
    for section in ("waiting", "sent-back"):
        start = html.index(f'data-testid="{section}"')
        end = html.find("</section>", start)
        out[section] = re.findall(r'data-testid="doc-row" data-number="([\w-]+)"', html[start:end])
    return out


def test_submitted_voucher_waits_for_the_manager_not_for_its_preparer(client, org):
    # given sales1 submitted a voucher
    v = _submitted(org.sales1)
    # when manager1 opens the dashboard, then it is waiting for them
    client.force_login(org.manager1)
    html = client.get("/").content.decode()
    assert _rows(html)["waiting"] == [v.number]
    # with type, number, preparer, submitted time and status
    assert "Voucher" in html and "张伟 Zhang Wei" in html
    assert v.submitted_at.astimezone().strftime("%Y-%m-%d") in html
    assert 'data-status="submitted"' in html
    # and the preparer does not see it as a review of theirs
    client.force_login(org.sales1)
    assert _rows(client.get("/").content.decode())["waiting"] == []


def test_voucher_of_another_team_does_not_wait_for_this_manager(client, org):
    _submitted(org.sales3)  # South team
    client.force_login(org.manager1)
    assert _rows(client.get("/").content.decode())["waiting"] == []


def test_rejected_voucher_is_listed_as_sent_back_to_its_preparer_with_the_reason(client, org):
    # given manager1 sent sales1's voucher back
    v = _submitted(org.sales1)
    services.voucher_reject(by=org.manager1, voucher_id=v.pk, note="Attach the receipt")
    # when sales1 opens the dashboard
    client.force_login(org.sales1)
    html = client.get("/").content.decode()
    # then it is listed as sent back, with the reason and a red badge
    assert _rows(html)["sent-back"] == [v.number]
    assert "Attach the receipt" in html
    assert 'data-status="sent_back"' in html
    # and no longer waits for the manager
    client.force_login(org.manager1)
    assert _rows(client.get("/").content.decode()) == {"waiting": [], "sent-back": []}


def test_resubmitted_voucher_is_no_longer_sent_back(client, org):
    v = _submitted(org.sales1)
    services.voucher_reject(by=org.manager1, voucher_id=v.pk, note="again")
    services.voucher_submit(by=org.sales1, voucher_id=v.pk)
    client.force_login(org.sales1)
    assert _rows(client.get("/").content.decode())["sent-back"] == []


def test_next_step_moves_the_voucher_to_the_next_reviewer(client, org):
    # a 50,000 voucher: manager, then finance
    v = _submitted(org.sales1, amount="50000")
    client.force_login(org.finance)
    assert _rows(client.get("/").content.decode())["waiting"] == []
    services.voucher_approve(by=org.manager1, voucher_id=v.pk)
    assert _rows(client.get("/").content.decode())["waiting"] == [v.number]
    client.force_login(org.manager1)
    assert _rows(client.get("/").content.decode())["waiting"] == []


def test_dashboard_greets_the_user_with_name_and_role(client, org):
    client.force_login(org.manager1)
    html = client.get("/").content.decode()
    assert 'data-testid="greeting"' in html and "李明 Li Ming" in html
    assert "Sales manager" in html


def test_dashboard_empty_states(client, org):
    client.force_login(org.sales1)
    html = client.get("/").content.decode()
    assert "Nothing is waiting for your review." in html
    assert "None of your documents were sent back." in html


def test_reviews_waiting_agrees_with_the_review_rule_document_by_document(org):
    """web.selectors.reviews_waiting evaluates core.review.refusal in bulk; both must agree."""
    # given vouchers in many review states
    plain = _submitted(org.sales1)
    big = _submitted(org.sales2, amount="150000")
    services.voucher_approve(by=org.manager1, voucher_id=big.pk)  # finance next
    edited = _submitted(org.sales1, amount="700")
    services.voucher_update(by=org.manager1, voucher_id=edited.pk, memo="fixed by manager")  # manager barred
    again = _submitted(org.sales2, amount="20000")
    services.voucher_approve(by=org.manager1, voucher_id=again.pk)
    services.voucher_reject(by=org.finance, voucher_id=again.pk, note="no")
    services.voucher_submit(by=org.sales2, voucher_id=again.pk)  # round 2: manager again
    _submitted(org.sales3, amount="300")
    _submitted(org.manager1, amount="900")
    services.voucher_create(by=org.sales1, amount=Decimal("5"))  # draft
    people = ["sales1", "sales2", "sales3", "manager1", "manager2", "finance", "director", "auditor", "clerk"]
    for name in people:
        user = getattr(org, name)
        seen = set(visible(Voucher.objects, user).values_list("pk", flat=True))
        expected = [
            v.pk
            for v in Voucher.objects.filter(status="submitted").order_by("submitted_at", "pk")
            if v.pk in seen and review.refusal(v, user) is None
        ]
        assert [d.pk for d in selectors.reviews_waiting(user=user)] == expected, name
    # and the cases the rule is about came out as they should
    assert [d.pk for d in selectors.reviews_waiting(user=org.manager1)] == [plain.pk, again.pk]
    assert big.pk in [d.pk for d in selectors.reviews_waiting(user=org.finance)]


def _dashboard_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_queries_do_not_grow_with_the_number_of_documents(client, org):
    # given a few documents waiting and sent back
    for _i in range(2):
        _submitted(org.sales1)
        v = _submitted(org.sales2)
        services.voucher_reject(by=org.manager1, voucher_id=v.pk, note="x")
    few = {u: _dashboard_queries(client, getattr(org, u)) for u in ("manager1", "sales2")}
    # when there are many more
    for _i in range(15):
        _submitted(org.sales1)
        v = _submitted(org.sales2)
        services.voucher_reject(by=org.manager1, voucher_id=v.pk, note="x")
    many = {u: _dashboard_queries(client, getattr(org, u)) for u in ("manager1", "sales2")}
    # then the page costs the same number of queries
    assert many == few


def test_dashboard_query_budget(client, org, django_assert_max_num_queries):
    for _i in range(10):
        _submitted(org.sales1)
        v = _submitted(org.sales2)
        services.voucher_reject(by=org.manager1, voucher_id=v.pk, note="x")
    client.force_login(org.manager1)
    # session, user, roles, permissions, team, then per document type: its content type and one
    # query per list (waiting for me, mine sent back) — constant in the number of documents
    from salesdept.core.invariants import document_models

    with django_assert_max_num_queries(5 + 3 * len(document_models())):
        html = client.get("/").content.decode()
    assert len(_rows(html)["waiting"]) == 10


def test_rows_link_to_documents_that_have_a_page(client, org, monkeypatch):
    v = _submitted(org.sales1)
    client.force_login(org.manager1)
    assert f'href="/vouchers/{v.pk}/"' not in client.get("/").content.decode()
    # once the document type has a page, its number links to it
    monkeypatch.setattr(Voucher, "get_absolute_url", lambda self: f"/vouchers/{self.pk}/", raising=False)
    assert (
        f'<a href="/vouchers/{v.pk}/" class="fw-semibold text-nowrap">{v.number}</a>'
        in client.get("/").content.decode()
    )
