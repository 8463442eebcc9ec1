"""The search_text column (crm/search_keys.py) and the one-LIKE search built on it: kept true by
every write path (services, direct saves, bulk inserts, imports, the migration's backfill), the
query folded the same way, counts capped at 100 ("100+"), the customer and lead lists' search
box matching exactly what the search page counts, and the scope rule still applied."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from salesdept.accounts.scope import visible
from salesdept.core.imports import insert_rows
from salesdept.crm.models import Contact, Customer, Lead
from salesdept.crm.search_keys import customer_text, fold, query_key, refresh_search_text
from salesdept.crm.selectors import search as search_selectors
from salesdept.crm.selectors.customers import customer_list
from salesdept.crm.selectors.leads import lead_list
from salesdept.crm.selectors.search import COUNT_CAP, search
from salesdept.crm.services import customers as customer_services
from salesdept.crm.services import leads as lead_services
from salesdept.crm.text import normalize_name, pinyin_key


def names(group) -> list[str]:
    return [item.name for item in group.items]


def company(org, **overrides) -> dict:
    return {"name": "上海华强机械有限公司", "region": org.regions["east-sh"], **overrides}


# --- the key --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "key"),
    [
        ("华强", "华强"),
        ("HuaQiang", "huaqiang"),
        ("hua qiang", "huaqiang"),
        ("xi'an", "xian"),
        ("+86 138-0013-8000", "13800138000"),
        ("(021) 5888 1234", "02158881234"),
        ("CUS-2026-000001", "cus2026000001"),
        ("华强机械有限公司", "华强机械"),  # a legal form typed along is not required to match
        ("Huaqiang Machinery Co., Ltd.", "huaqiangmachinery"),
        ("zinc", "zinc"),  # 'inc' is a suffix only as a word of its own
        ("有限公司", "有限公司"),  # nothing left without the suffix: search for it as typed
        ("ＡＢＣ１２３", "abc123"),  # full-width folded
        (" -- ", ""),
    ],
)
def test_query_key_folds_the_query_like_the_column(q, key):
    assert query_key(q) == key


def test_customer_text_holds_every_searchable_part_folded(org, make_customer):
    customer = make_customer(
        name="上海华强机械（集团）有限公司",
        name_en="Shanghai Huaqiang Machinery Co., Ltd.",
        phone="021-5888 1234",
        tax_id="91310115MA1H000001",
    )
    parts = customer_text(customer).split(" ")
    assert parts == [
        "上海华强机械集团有限公司",
        "shanghaihuaqiangmachinerycoltd",
        *pinyin_key(customer.name).split(),
        fold(customer.code),
        "91310115ma1h000001",
        "02158881234",
    ]
    # a plain save() stored exactly this
    assert Customer.objects.get(pk=customer.pk).search_text == customer_text(customer)


# --- kept true by every write ---------------------------------------------------------------------


def test_create_and_update_keep_search_text_true(org):
    # given a customer created through the service
    customer = customer_services.customer_create(by=org.sales1, data=company(org))
    assert search(user=org.sales1, q="hqjx").customers.count == 1
    # when its name, English name and phone change
    customer_services.customer_update(
        by=org.sales1,
        customer_id=customer.pk,
        data={"name": "苏州恒泰电子有限公司", "name_en": "Hengtai Electronics", "phone": "0512-6666 8888"},
        version=customer.version,
    )
    # then the new keys find it and the old ones no longer do
    for q in ("恒泰电子", "szht", "hengtai", "0512 6666 8888"):
        assert names(search(user=org.sales1, q=q).customers) == ["苏州恒泰电子有限公司"], q
    for q in ("华强", "hqjx"):
        assert search(user=org.sales1, q=q).customers.count == 0, q


def test_contact_create_and_update_keep_search_text_true(org, make_customer):
    customer = make_customer(owner=org.sales1, name="上海华强机械有限公司")
    contact = customer_services.contact_create(
        by=org.sales1, customer_id=customer.pk, data={"name": "陈志强", "phone": "138 0013 8000"}
    )
    assert names(search(user=org.sales1, q="czq").contacts) == ["陈志强"]
    customer_services.contact_update(by=org.sales1, contact_id=contact.pk, data={"phone": "139 1234 5678"})
    assert names(search(user=org.sales1, q="+86 139 1234 5678").contacts) == ["陈志强"]
    assert search(user=org.sales1, q="13800138000").contacts.count == 0


def test_lead_create_and_update_keep_search_text_true(org):
    lead = lead_services.lead_create(
        by=org.sales1, data={"name": "苏州恒泰电子", "contact_name": "王丽", "phone": "0512-6666 8888"}
    )
    for q in ("恒泰", "szht", "王丽", "66668888", lead.code):
        assert names(search(user=org.sales1, q=q).leads) == ["苏州恒泰电子"], q
    lead_services.lead_update(
        by=org.sales1, lead_id=lead.pk, data={"contact_name": "李强"}, version=lead.version
    )
    assert search(user=org.sales1, q="王丽").leads.count == 0
    assert names(search(user=org.sales1, q="李强").leads) == ["苏州恒泰电子"]


def test_merge_makes_the_kept_customer_findable_by_the_filled_in_tax_id(org, make_customer):
    kept = make_customer(owner=org.sales1, name="上海华强机械有限公司")
    merged = make_customer(owner=org.sales1, name="上海华强机械厂", tax_id="91310115MA1H000001")
    customer_services.customer_merge(by=org.manager1, kept_id=kept.pk, merged_id=merged.pk)
    assert names(search(user=org.sales1, q="91310115MA1H000001").customers) == ["上海华强机械有限公司"]


def test_bulk_inserted_rows_get_their_search_text(org):
    # insert_rows (imports, bench data) fills the computed column like save() does
    name = "广州宏达贸易有限公司"
    customer = Customer(
        code="BULK-1",
        name=name,
        name_normalized=normalize_name(name),
        name_pinyin=pinyin_key(name),
        region=org.regions["south"],
        owner=org.sales3,
        created_by=org.sales3,
    )
    insert_rows(Customer, [customer])
    assert Customer.objects.get(code="BULK-1").search_text == customer_text(customer)
    assert names(search(user=org.sales3, q="gzhd").customers) == [name]


def test_rows_written_around_the_orm_get_an_empty_text_until_refreshed(org, make_customer):
    # given a contact inserted with plain SQL that does not name search_text (bench seeding)
    customer = make_customer(owner=org.sales1, name="上海华强机械有限公司")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO crm_contact (customer_id, name, name_pinyin, title, phone, phone_normalized, email,"
            " is_primary, notes, is_active, created_at) VALUES (%s, %s, %s, '', '', '', '', %s, '', %s, %s)",
            [customer.pk, "陈志强", pinyin_key("陈志强"), False, True, customer.created_at],
        )
    # then the column's database default keeps the insert valid, and the search misses the row
    assert Contact.objects.get().search_text == ""
    assert search(user=org.sales1, q="czq").contacts.count == 0
    # until refresh_search_text() computes it
    assert refresh_search_text(Contact) == 1
    assert names(search(user=org.sales1, q="czq").contacts) == ["陈志强"]


def test_migration_backfill_restores_search_text(org, make_customer, make_lead):
    # given rows whose search_text was lost (as before migration 0004)
    customer = make_customer(owner=org.sales1, name="上海华强机械有限公司", phone="021-5888 1234")
    contact = Contact.objects.create(customer=customer, name="陈志强", name_pinyin=pinyin_key("陈志强"))
    lead = make_lead(owner=org.sales1, name="华强配件厂")
    expected = {m: m.objects.get().search_text for m in (Customer, Contact, Lead)}
    for model in (Customer, Contact, Lead):
        model.objects.update(search_text="")
    # when the migration's backfill runs
    migration = importlib.import_module("salesdept.crm.migrations.0004_search_text")
    migration.backfill(apps, SimpleNamespace(connection=connection))
    # then every row has it again
    assert {m: m.objects.get().search_text for m in (Customer, Contact, Lead)} == expected
    assert {customer.pk, contact.pk, lead.pk}


# --- counts, order, scope -------------------------------------------------------------------------


def test_more_than_a_hundred_matches_count_as_100_plus(org, make_customer, django_assert_max_num_queries):
    for n in range(COUNT_CAP + 2):
        make_customer(owner=org.sales1, name=f"宏达{n:03d}有限公司")
    with django_assert_max_num_queries(8):
        group = search(user=org.sales1, q="宏达").customers
    assert (group.count, group.capped, str(group.count), group.more) == (100, True, "100+", True)
    assert len(group.items) == 10
    assert names(group) == sorted(names(group))
    assert search(user=org.sales1, q="宏达").total == 100


def test_exactly_a_hundred_matches_are_counted_exactly(org, make_customer):
    for n in range(COUNT_CAP):
        make_customer(owner=org.sales1, name=f"宏达{n:03d}有限公司")
    group = search(user=org.sales1, q="宏达").customers
    assert (group.count, group.capped, str(group.count)) == (100, False, "100")


def test_query_of_punctuation_only_finds_nothing(org, make_customer):
    make_customer(owner=org.sales1, name="上海华强机械有限公司")
    assert search(user=org.sales1, q="--").total == 0


@pytest.mark.parametrize(
    "q", ["华强", "hqjx", "02158881234", "91310115MA1H000001", "huaqiang machinery", "T-"]
)
def test_customer_list_search_box_lists_what_the_search_counted(org, make_customer, q):
    # the search page's "see all" opens the customer list with the same q
    make_customer(
        owner=org.sales1,
        name="上海华强机械有限公司",
        name_en="Shanghai Huaqiang Machinery",
        phone="021-5888 1234",
        tax_id="91310115MA1H000001",
    )
    make_customer(owner=org.sales1, name="上海华强电子有限公司")
    make_customer(owner=org.sales3, name="广州华强贸易有限公司")  # another team's: not counted
    listed = customer_list(user=org.sales1, filters={"q": q})
    assert listed.count() == search(user=org.sales1, q=q).customers.count
    assert set(listed) == set(search_selectors.customer_matches(user=org.sales1, q=q))


def test_lead_list_search_box_uses_the_same_keys(org, make_lead):
    make_lead(owner=org.sales1, name="华强配件厂", phone="021-6234 5678", contact_name="王丽")
    make_lead(owner=org.sales3, name="华强配件二厂")
    for q in ("华强", "hqpjc", "+86 21 6234 5678", "王丽"):
        assert [lead.name for lead in lead_list(user=org.sales1, filters={"q": q})] == ["华强配件厂"], q


PERSONAS = ("sales1", "sales2", "sales3", "manager1", "manager2", "regional_east", "director")


@pytest.mark.parametrize("persona", PERSONAS)
def test_contact_search_is_scoped_exactly_like_visible_contacts(org, make_customer, persona):
    # contacts are scoped through their customer (an EXISTS on visible customers); that must be
    # the same set as visible(Contact) for every persona
    for owner in (org.sales1, org.sales2, org.sales3, org.sales4, org.sales5, org.sales6):
        customer = make_customer(owner=owner, name=f"华强{owner.username}有限公司")
        Contact.objects.create(customer=customer, name="陈志强", name_pinyin=pinyin_key("陈志强"))
    merged_into = make_customer(owner=org.sales1, name="宏达有限公司")
    gone = make_customer(owner=org.sales1, name="宏达旧有限公司", merged_into=merged_into, is_active=False)
    Contact.objects.create(customer=gone, name="陈志强", name_pinyin=pinyin_key("陈志强"))
    user = getattr(org, persona)
    expected = set(
        visible(Contact.objects.filter(customer__merged_into__isnull=True), user)
        .filter(name="陈志强")
        .values_list("pk", flat=True)
    )
    found = search(user=user, q="czq", limit=50).contacts
    assert {c.pk for c in found.items} == expected
    assert found.count == len(expected)
