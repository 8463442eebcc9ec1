"""Audit signals (X3): the page /audit/signals/ and GET /api/v1/audit/signals — only for
audit.view_signal (auditor, director); filters by kind, user and date; document link."""

import datetime
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from salesdept.audit.models import Signal
from salesdept.audit.services import record_signal
from tests.api_helpers import assert_error, bearer
from tests.catalog.fixtures_catalog import make_product

PAGE = "/audit/signals/"


@pytest.fixture
def signals(org):
    product = make_product()
    ten_days_ago = timezone.now() - datetime.timedelta(days=10)
    with mock.patch("django.utils.timezone.now", return_value=ten_days_ago):  # auto_now_add reads it
        a = record_signal(
            "over_authority", by=org.sales1, doc=product, detail="line 1 P-100: discount 8% over 5%"
        )
    b = record_signal(
        "under_floor", by=org.sales3, doc=product, detail="line 2 P-100: price 1 under floor 900"
    )
    c = record_signal("own_approval", by=org.manager1, detail="price approval #7: own request")
    assert Signal.objects.get(pk=a.pk).at == ten_days_ago
    return {"over": a, "floor": b, "own": c, "product": product}


def test_api_lists_newest_first_with_document(org, signals):
    r = bearer(org.auditor).get("/audit/signals")
    assert r.status_code == 200, r.content
    items = r.json()["items"]
    assert [i["kind"] for i in items] == ["own_approval", "under_floor", "over_authority"]
    floor = items[1]
    assert floor["actor_id"] == org.sales3.pk and floor["document_type"] == "catalog.product"
    assert floor["document_id"] == signals["product"].pk and "P-100" in floor["document"]
    assert items[0]["document"] is None


def test_api_filters(org, signals):
    api = bearer(org.director)
    assert [i["kind"] for i in api.get("/audit/signals", {"kind": "under_floor"}).json()["items"]] == [
        "under_floor"
    ]
    assert [i["actor_id"] for i in api.get("/audit/signals", {"user": org.sales1.pk}).json()["items"]] == [
        org.sales1.pk
    ]
    today = timezone.localdate().isoformat()
    assert len(api.get("/audit/signals", {"date_from": today}).json()["items"]) == 2
    old = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    assert [i["kind"] for i in api.get("/audit/signals", {"date_to": old}).json()["items"]] == [
        "over_authority"
    ]
    assert_error(api.get("/audit/signals", {"date_from": today, "date_to": old}), 400, "invalid", {"date_to"})
    assert_error(api.get("/audit/signals", {"user": 999999}), 400, "invalid", {"user"})
    assert api.get("/audit/signals", {"kind": "bogus"}).status_code == 422


@pytest.mark.parametrize("persona", ["sales1", "manager1", "clerk", "finance", "admin"])
def test_api_refused_without_view_signal(org, signals, persona):
    assert_error(bearer(getattr(org, persona)).get("/audit/signals"), 403, "permission_denied")


@pytest.mark.urls("tests.catalog.urls_signals")
def test_page_lists_filters_exports(org, signals):
    client = Client()
    client.force_login(org.auditor)
    r = client.get(PAGE)
    html = r.content.decode()
    assert r.status_code == 200 and html.count('data-testid="signal-row"') == 3
    assert "discount 8% over 5%" in html and str(org.sales3) in html
    r = client.get(PAGE, {"kind": "own_approval"})
    assert r.content.decode().count('data-testid="signal-row"') == 1
    r = client.get(PAGE, {"user": org.sales1.pk})
    assert 'data-kind="over_authority"' in r.content.decode()
    r = client.get(PAGE, {"date_from": "not-a-date"})
    assert r.status_code == 200 and "is-invalid" in r.content.decode()
    r = client.get(PAGE, {"format": "csv"})
    body = b"".join(r.streaming_content).decode("utf-8-sig")
    assert r.status_code == 200 and "over 5%" in body


@pytest.mark.urls("tests.catalog.urls_signals")
def test_page_empty_and_permission(org):
    client = Client()
    client.force_login(org.director)
    assert b"No signals recorded." in client.get(PAGE).content
    for persona in ("sales1", "manager1", "admin"):
        c = Client()
        c.force_login(getattr(org, persona))
        assert c.get(PAGE).status_code == 403
