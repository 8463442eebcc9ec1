"""The search page, the top bar's search box and GET /api/v1/search?q=."""

import re

import pytest
from django.urls import reverse

from tests.api_helpers import assert_error, bearer, session


@pytest.fixture
def customers(org, make_customer, make_lead):
    mine = make_customer(owner=org.sales1, name="上海华强机械有限公司", phone="021-5888 1234")
    theirs = make_customer(owner=org.sales3, name="广州华强贸易有限公司")
    make_lead(owner=org.sales1, name="华强配件厂")
    return mine, theirs


def test_search_page_groups_results_with_counts_and_see_all(client, org, customers):
    mine, theirs = customers
    client.force_login(org.sales1)
    response = client.get(reverse("crm:search"), {"q": "hqjx"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="search-customers"' in html
    assert mine.name in html and theirs.name not in html
    assert f'href="{reverse("crm:customer_detail", args=[mine.pk])}"' in html
    see_all = re.search(r'href="([^"]+)" data-testid="see-all"', html).group(1)
    assert see_all == reverse("crm:customer_list") + "?q=hqjx"


def test_search_page_by_phone_and_lead(client, org, customers):
    client.force_login(org.sales1)
    html = client.get(reverse("crm:search"), {"q": "华强"}).content.decode()
    assert 'data-testid="search-leads"' in html and "华强配件厂" in html
    assert "上海华强机械有限公司" in client.get(reverse("crm:search"), {"q": "5888 1234"}).content.decode()


def test_search_page_short_query_shows_a_friendly_message(client, org):
    client.force_login(org.sales1)
    response = client.get(reverse("crm:search"), {"q": "a"})
    assert response.status_code == 400
    assert "Type at least 2 characters to search." in response.content.decode()
    # an empty query is the plain page with a hint
    assert client.get(reverse("crm:search")).status_code == 200


def test_search_page_nothing_found_shows_the_empty_state(client, org, customers):
    client.force_login(org.sales1)
    html = client.get(reverse("crm:search"), {"q": "不存在的客户"}).content.decode()
    assert 'data-testid="empty-state"' in html


def test_search_page_in_chinese(client, org, customers):
    org.sales1.language = "zh-hans"
    org.sales1.save()
    client.force_login(org.sales1)
    response = client.get(reverse("crm:search"), {"q": "hqjx"})
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_top_bar_search_box_for_users_who_may_view_customers(client, org):
    client.force_login(org.sales1)
    html = client.get(reverse("crm:search")).content.decode()
    box = re.search(r'<form[^>]*data-testid="top-search"[^>]*>', html).group(0)
    assert f'action="{reverse("crm:search")}"' in box and 'method="get"' in box
    assert 'name="q"' in html
    # the administrator (users and master data) has no customers to search
    client.force_login(org.admin)
    assert 'data-testid="top-search"' not in client.get(reverse("accounts:profile")).content.decode()


def test_search_page_is_refused_without_view_customer(client, org):
    client.force_login(org.admin)
    assert client.get(reverse("crm:search"), {"q": "华强"}).status_code == 403


# --------------------------------------------------------------------------------------- API


def test_api_search_groups_and_scope(org, customers):
    mine, _theirs = customers
    response = bearer(org.sales1).get("/search", {"q": "华强"})
    assert response.status_code == 200
    body = response.json()
    assert body["q"] == "华强"
    assert body["customers"]["count"] == 1
    assert [c["code"] for c in body["customers"]["items"]] == [mine.code]
    assert body["customers"]["items"][0]["owner"] == str(org.sales1)
    assert [lead["name"] for lead in body["leads"]["items"]] == ["华强配件厂"]
    assert body["total"] == 2


def test_api_search_short_query_is_400(org):
    assert_error(bearer(org.sales1).get("/search", {"q": "a"}), 400, "invalid", {"q"})


def test_api_search_over_session(org, customers):
    response = session(org.director).get("/search", {"q": "hqjx"})
    assert response.json()["customers"]["count"] == 1


def test_api_search_limit_is_bounded(org, customers):
    api = bearer(org.sales1)
    assert_error(api.get("/search", {"q": "华强", "limit": 51}), 422, "validation_error", {"limit"})
    assert len(api.get("/search", {"q": "华强", "limit": 1}).json()["customers"]["items"]) == 1
