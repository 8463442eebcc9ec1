"""One search across customers, contacts and leads: by name, pinyin (full or initials), English
name, phone in any formatting, tax ID and number; each group scoped by the visibility rule."""

import pytest

from salesdept.core.errors import ValidationFailed
from salesdept.crm.models import Contact
from salesdept.crm.selectors.search import search
from salesdept.crm.text import normalize_phone, pinyin_key


def names(group) -> list[str]:
    return [item.name for item in group.items]


@pytest.fixture
def world(org, make_customer, make_lead):
    """sales1's customer 华强 with a contact and a lead; sales3 (another team) has a similar one."""
    huaqiang = make_customer(
        owner=org.sales1,
        name="上海华强机械有限公司",
        name_en="Shanghai Huaqiang Machinery Co., Ltd.",
        phone="021-5888 1234",
        tax_id="91310115MA1H000001",
    )
    Contact.objects.create(
        customer=huaqiang,
        name="陈志强",
        name_pinyin=pinyin_key("陈志强"),
        phone="138 0013 8000",
        phone_normalized=normalize_phone("138 0013 8000"),
    )
    make_lead(owner=org.sales1, name="华强配件厂", phone="0512-6666 8888")
    theirs = make_customer(owner=org.sales3, name="广州华强贸易有限公司", phone="020-8888 6666")
    Contact.objects.create(customer=theirs, name="陈志明", name_pinyin=pinyin_key("陈志明"))
    return huaqiang


def test_search_by_pinyin_initials_finds_customers_and_leads(org, world):
    results = search(user=org.sales1, q="hqjx")
    assert names(results.customers) == ["上海华强机械有限公司"]
    assert names(search(user=org.sales1, q="HuaQiang").leads) == ["华强配件厂"]
    assert names(search(user=org.sales1, q="czq").contacts) == ["陈志强"]


@pytest.mark.parametrize("q", ["02158881234", "5888-1234", "(021) 5888 1234", "5888 1234"])
def test_search_by_phone_in_any_formatting_finds_the_customer(org, world, q):
    assert names(search(user=org.sales1, q=q).customers) == ["上海华强机械有限公司"]


def test_search_by_contact_and_lead_phone(org, world):
    assert names(search(user=org.sales1, q="138-0013-8000").contacts) == ["陈志强"]
    assert names(search(user=org.sales1, q="0512 66668888").leads) == ["华强配件厂"]


def test_search_by_tax_id_english_name_and_number(org, world):
    assert names(search(user=org.sales1, q="91310115MA1H000001").customers) == ["上海华强机械有限公司"]
    assert names(search(user=org.sales1, q="huaqiang machinery").customers) == ["上海华强机械有限公司"]
    assert names(search(user=org.sales1, q=world.code).customers) == ["上海华强机械有限公司"]


def test_salesperson_does_not_find_another_salespersons_records(org, world):
    # sales3's customer and its contact match too, but sales1 may not see them
    results = search(user=org.sales1, q="华强")
    assert names(results.customers) == ["上海华强机械有限公司"]
    assert names(search(user=org.sales1, q="020-8888 6666").customers) == []
    assert names(search(user=org.sales1, q="陈志").contacts) == ["陈志强"]
    # sales3 finds only their own
    assert names(search(user=org.sales3, q="华强").customers) == ["广州华强贸易有限公司"]
    # the manager of sales1's team sees the team's, the director everything
    assert names(search(user=org.manager1, q="华强").customers) == ["上海华强机械有限公司"]
    assert sorted(names(search(user=org.director, q="华强").customers)) == [
        "上海华强机械有限公司",
        "广州华强贸易有限公司",
    ]


def test_search_shows_ten_per_group_and_counts_them_all(org, make_customer):
    for n in range(12):
        make_customer(owner=org.sales1, name=f"宏达{n:02d}有限公司")
    group = search(user=org.sales1, q="宏达").customers
    assert (len(group.items), group.count, group.more) == (10, 12, True)
    assert names(group) == sorted(names(group))


def test_merged_and_deactivated_customers_are_not_found(org, make_customer):
    kept = make_customer(owner=org.sales1, name="宏达甲有限公司")
    make_customer(owner=org.sales1, name="宏达乙有限公司", merged_into=kept, is_active=False)
    make_customer(owner=org.sales1, name="宏达丙有限公司", is_active=False)
    assert names(search(user=org.sales1, q="宏达").customers) == ["宏达甲有限公司"]


@pytest.mark.parametrize("q", ["", " ", "a", " 华 "])
def test_search_query_shorter_than_two_characters_is_refused(org, q):
    with pytest.raises(ValidationFailed) as caught:
        search(user=org.sales1, q=q)
    assert "q" in caught.value.fields


def test_search_group_without_view_permission_stays_empty(org, world):
    # the warehouse keeper may view customers and contacts, not leads
    results = search(user=org.keeper, q="华强")
    assert results.customers.count == 2
    assert results.leads.count == 0


def test_search_query_budget(org, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        results = search(user=org.sales1, q="华强")
        [(c.owner.username, c.tier) for c in results.customers.items]
        [c.customer.name for c in results.contacts.items]
        [(lead.stage.code, lead.owner.username) for lead in results.leads.items]
