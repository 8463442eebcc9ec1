"""Deep pages (core.pagination.page_items): from DEEP_OFFSET on, a page is read ids first. The
rows, their order, the count and the scope must be exactly what the plain OFFSET read gives."""

import pytest

from salesdept.core import pagination
from tests.api_helpers import bearer


@pytest.fixture
def many(org, make_customer):
    # Equal names force the (name, id) tiebreak; two owners make the scope visible.
    for i in range(14):
        make_customer(owner=org.sales1, name=f"同名客户{i % 3}")
        make_customer(owner=org.sales3, name=f"客户{i:02d}")


def _api_pages(user, size=4):
    api = bearer(user)
    pages, page = [], 1
    while True:
        body = api.get("/customers", {"page": page, "page_size": size}).json()
        pages.append(([c["id"] for c in body["items"]], body["count"]))
        if not body["items"]:
            return pages
        page += 1


@pytest.mark.parametrize("persona", ["director", "sales1"])
def test_api_deep_pages_equal_plain_offset_pages(org, many, monkeypatch, persona):
    user = getattr(org, persona)
    plain = _api_pages(user)
    monkeypatch.setattr(pagination, "DEEP_OFFSET", 0)  # every page is "deep"
    deep = _api_pages(user)
    assert deep == plain
    ids = [pk for items, _count in plain for pk in items]
    assert len(ids) == len(set(ids)) == plain[0][1]
    assert plain[0][1] == (28 if persona == "director" else 14)


def test_page_deep_pages_equal_plain_offset_pages(client, org, many, monkeypatch):
    from salesdept.crm.views import customers as views

    monkeypatch.setattr(views, "PAGE_SIZE", 10)
    client.force_login(org.director)

    def rows(page):
        response = client.get("/crm/customers/", {"page": page})
        assert response.status_code == 200
        return [c.pk for c in response.context["page_obj"].object_list]

    plain = [rows(1), rows(2), rows(3)]
    monkeypatch.setattr(pagination, "DEEP_OFFSET", 0)
    assert [rows(1), rows(2), rows(3)] == plain
    assert [len(p) for p in plain] == [10, 10, 8]


def test_page_items_keeps_order_and_passes_lists_through(org, many, monkeypatch):
    from salesdept.crm.models import Customer

    rows = Customer.objects.order_by("-name", "-pk")
    plain = list(rows[5:15])
    monkeypatch.setattr(pagination, "DEEP_OFFSET", 0)
    assert pagination.page_items(rows, 5, 10) == plain
    assert pagination.page_items(list(rows), 5, 10) == plain
