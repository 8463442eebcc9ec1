"""Bulk import of customers, contacts and leads (X5): every bad row reported with its row number,
column and reason; nothing written unless the whole file is good (or only the good rows were
asked for); the importer's scope applies; an import never overwrites anyone's records."""

import csv
import io
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied

from salesdept.core.imports import read_table
from salesdept.core.models import Sequence
from salesdept.crm.models import Contact, Customer, Lead, LeadStageChange
from salesdept.crm.services.imports import import_contacts, import_customers, import_leads, take_numbers

CUSTOMER_HEADER = ["name", "tier", "region", "phone", "tax ID", "owner"]


def table(rows, name="file.csv"):
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
    return read_table(out.getvalue().encode("utf-8"), name)


def errors_by_row(result) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    for e in result.errors:
        out.setdefault(e.row, []).append((e.column, str(e.message)))
    return out


def test_import_customers_good_file_creates_every_row_numbered_and_audited(org):
    # given a file of two good customers
    data = table(
        [
            CUSTOMER_HEADER,
            ["上海华强机械有限公司", "A", "east-sh", "021-5888 1234", "91310115MA1H000001", ""],
            ["江苏恒泰电子有限公司", "b", "Jiangsu", "", "", "sales1"],
        ]
    )
    # when sales1 imports it
    result = import_customers(by=org.sales1, table=data)
    # then both exist, numbered, owned by sales1, normalised like a created customer
    assert (result.created, result.errors, result.total) == (2, [], 2)
    customers = list(Customer.objects.order_by("code"))
    assert [c.code[:4] for c in customers] == ["CUS-", "CUS-"]
    assert {c.owner for c in customers} == {org.sales1}
    huaqiang = Customer.objects.get(name="上海华强机械有限公司")
    assert huaqiang.tier.code == "A"
    assert huaqiang.region.code == "east-sh"
    assert huaqiang.phone_normalized == "02158881234"
    assert huaqiang.name_pinyin == "shanghaihuaqiangjixieyouxiangongsi shhqjxyxgs"
    assert huaqiang.created_by == org.sales1
    assert Customer.objects.get(name="江苏恒泰电子有限公司").region.code == "east-js"
    # and each has a "created" audit entry by sales1
    entries = LogEntry.objects.filter(content_type__model="customer", action=LogEntry.Action.CREATE)
    assert sorted(entries.values_list("object_id", flat=True)) == sorted(c.pk for c in customers)
    assert set(entries.values_list("actor_id", flat=True)) == {org.sales1.pk}
    assert entries.get(object_id=huaqiang.pk).changes["name"] == ["None", "上海华强机械有限公司"]


def test_import_customers_bad_rows_are_all_reported_and_nothing_is_written(org, make_customer):
    # given sales3 (another team) already has a customer, and a file with one good row and bad ones
    make_customer(owner=org.sales3, name="广州南方贸易有限公司", tax_id="91440101MA5CXXXX01")
    sequences = Sequence.objects.count()
    data = table(
        [
            CUSTOMER_HEADER,
            ["上海华强机械有限公司", "A", "east-sh", "", "", ""],  # 2: good
            ["上海宏达有限公司", "Z", "east-sh", "", "", ""],  # 3: bad tier
            ["北京远航有限公司", "A", "Mars", "", "", ""],  # 4: unknown region
            ["", "A", "east-sh", "", "", ""],  # 5: missing name
            ["上海华强机械", "B", "east-sh", "", "", ""],  # 6: same as row 2 once normalised
            ["广州南方贸易", "C", "east-sh", "", "", ""],  # 7: sales3's customer
        ]
    )
    # when sales1 imports it
    result = import_customers(by=org.sales1, table=data)
    # then every bad row is reported with its column and reason, and nothing is written
    rows = errors_by_row(result)
    assert sorted(rows) == [3, 4, 5, 6, 7]
    assert rows[3] == [("tier", "Unknown tier. Use one of: A, B, C.")]
    assert rows[4] == [("region", "Unknown region. Use the region's code or name.")]
    assert rows[5] == [("name", "This field is required.")]
    assert rows[6] == [("name", "Same name as row 2.")]
    assert rows[7] == [("name", "A customer with this name already exists.")]
    # the reason never says whose customer it is
    assert not any("sales3" in m or "黄磊" in m or "Huang" in m for _c, m in sum(rows.values(), []))
    assert (result.created, result.skipped, result.valid) == (0, 5, 1)
    assert Customer.objects.count() == 1
    assert Sequence.objects.count() == sequences  # no number was taken


def test_import_customers_duplicate_tax_id_or_phone_of_another_salesperson_is_refused(org, make_customer):
    make_customer(owner=org.sales3, name="甲公司", tax_id="91440101MA5CXXXX01", phone="020-8888 6666")
    data = table(
        [
            CUSTOMER_HEADER,
            ["乙公司", "A", "east-sh", "", "91440101ma5cxxxx01", ""],
            ["丙公司", "A", "east-sh", "(020) 8888-6666", "", ""],
        ]
    )
    result = import_customers(by=org.sales1, table=data)
    assert errors_by_row(result) == {
        2: [("tax ID", "A customer with this tax ID already exists.")],
        3: [("phone", "A customer with this phone number already exists.")],
    }
    assert result.created == 0
    # and sales3's customer is untouched
    assert Customer.objects.get().owner == org.sales3


def test_import_customers_only_valid_writes_exactly_the_good_rows(org):
    data = table(
        [
            CUSTOMER_HEADER,
            ["上海华强机械有限公司", "A", "east-sh", "", "", ""],
            ["上海宏达有限公司", "Z", "east-sh", "", "", ""],
            ["北京远航有限公司", "C", "", "", "", ""],
        ]
    )
    result = import_customers(by=org.sales1, table=data, only_valid=True)
    assert result.created == 2
    assert [e.row for e in result.errors] == [3]
    assert sorted(Customer.objects.values_list("name", flat=True)) == [
        "上海华强机械有限公司",
        "北京远航有限公司",
    ]


def test_import_customers_dry_run_checks_but_writes_nothing(org):
    data = table([CUSTOMER_HEADER, ["上海华强机械有限公司", "A", "east-sh", "", "", ""]])
    result = import_customers(by=org.sales1, table=data, dry_run=True)
    assert (result.created, result.valid, result.errors, result.dry_run) == (0, 1, [], True)
    assert not Customer.objects.exists()
    assert not LogEntry.objects.filter(content_type__model="customer").exists()


def test_import_customers_for_another_salesperson_is_refused_for_a_salesperson(org):
    # sales1 may only import for themself: sales3 reads as unknown
    data = table([CUSTOMER_HEADER, ["上海华强机械有限公司", "A", "east-sh", "", "", "sales3"]])
    result = import_customers(by=org.sales1, table=data)
    assert [(e.row, e.column) for e in result.errors] == [(2, "owner")]
    assert "sales3" not in str(result.errors[0].message)
    assert not Customer.objects.exists()


def test_import_customers_manager_may_import_for_the_team_only(org):
    data = table(
        [
            CUSTOMER_HEADER,
            ["上海华强机械有限公司", "A", "", "", "", "sales2"],
            ["广州南方贸易有限公司", "A", "south-gd", "", "", "sales3"],
        ]
    )
    result = import_customers(by=org.manager1, table=data, only_valid=True)
    assert [(e.row, e.column) for e in result.errors] == [(3, "owner")]
    customer = Customer.objects.get()
    assert (customer.owner, customer.region.code) == (org.sales2, "east-js")  # the owner's region


def test_import_customers_chinese_titles_and_choice_names_are_understood(org):
    data = table(
        [
            ["* 客户名称", "类型", "客户等级", "区域", "来源", "税号"],
            ["王先生", "个人", "B", "上海", "展会", ""],
            ["上海华强机械有限公司", "Company", "A类客户", "华东", "Exhibition", "91310115MA1H000001"],
        ]
    )
    result = import_customers(by=org.sales1, table=data)
    assert result.errors == []
    person = Customer.objects.get(name="王先生")
    assert (person.kind, person.tier.code, person.region.code, person.source) == (
        "person",
        "B",
        "east-sh",
        "exhibition",
    )
    assert Customer.objects.get(name="上海华强机械有限公司").region.code == "east"


def test_import_customers_unknown_or_missing_column_stops_before_any_row(org):
    data = table([["tier", "colour"], ["A", "red"]])
    result = import_customers(by=org.sales1, table=data)
    assert sorted((e.row, e.column) for e in result.errors) == [(1, "Name"), (1, "colour")]
    assert result.created == 0


@pytest.mark.parametrize("persona", ["auditor", "finance", "keeper", "admin"])
def test_import_customers_without_the_permission_is_refused(org, persona):
    data = table([CUSTOMER_HEADER, ["上海华强机械有限公司", "A", "east-sh", "", "", ""]])
    with pytest.raises(PermissionDenied):
        import_customers(by=getattr(org, persona), table=data)
    assert not Customer.objects.exists()


# --------------------------------------------------------------------------------------- contacts


def test_import_contacts_attach_to_visible_customers_by_number_or_name(org, make_customer):
    mine = make_customer(owner=org.sales1, name="上海华强机械有限公司")
    other = make_customer(owner=org.sales1, name="江苏恒泰电子有限公司")
    data = table(
        [
            ["customer", "name", "position", "phone", "primary"],
            [mine.code, "陈志强", "采购经理", "138 0013 8000", ""],
            ["江苏恒泰电子有限公司", "王丽", "", "", "是"],
            ["江苏恒泰电子有限公司", "李四", "", "", "no"],
        ]
    )
    result = import_contacts(by=org.sales1, table=data)
    assert (result.created, result.errors) == (3, [])
    chen = Contact.objects.get(name="陈志强")
    assert (chen.customer, chen.title, chen.phone_normalized, chen.name_pinyin) == (
        mine,
        "采购经理",
        "13800138000",
        "chenzhiqiang czq",
    )
    assert chen.is_primary  # a customer's first contact is its primary one, as contact_create does
    assert list(Contact.objects.filter(customer=other, is_primary=True).values_list("name", flat=True)) == [
        "王丽"
    ]
    mine.refresh_from_db()
    assert mine.completeness > 0
    assert LogEntry.objects.filter(content_type__model="contact").count() == 3


def test_import_contacts_to_another_salespersons_customer_is_refused_without_saying_whose(org, make_customer):
    theirs = make_customer(owner=org.sales3, name="广州南方贸易有限公司")
    data = table([["customer", "name"], [theirs.code, "陈志强"], ["广州南方贸易有限公司", "王丽"]])
    result = import_contacts(by=org.sales1, table=data)
    assert [(e.row, e.column) for e in result.errors] == [(2, "customer"), (3, "customer")]
    message = str(result.errors[0].message)
    assert message == "No customer with this number or name is visible to you."
    assert not Contact.objects.exists()


def test_import_contacts_duplicates_and_second_primary_are_row_errors(org, make_customer):
    customer = make_customer(owner=org.sales1, name="上海华强机械有限公司")
    Contact.objects.create(customer=customer, name="陈志强", is_primary=True)
    data = table(
        [
            ["客户", "姓名", "主要联系人"],
            [customer.code, "陈志强", ""],  # already on file
            [customer.code, "王丽", "yes"],  # the customer has a primary contact
            [customer.code, "李四", ""],
            [customer.code, "李四", ""],  # twice in the file
            [customer.code, "赵六", "maybe"],  # not a yes/no
        ]
    )
    result = import_contacts(by=org.sales1, table=data)
    assert errors_by_row(result) == {
        2: [("姓名", "This customer already has a contact of this name.")],
        3: [("主要联系人", "This customer already has a primary contact.")],
        5: [("姓名", "Same as row 4.")],
        6: [("主要联系人", "Enter yes or no.")],
    }
    assert Contact.objects.count() == 1


# --------------------------------------------------------------------------------------- leads


def test_import_leads_creates_them_with_decimal_amounts_and_stage_history(org):
    data = table(
        [
            ["prospect", "contact person", "phone", "source", "stage", "expected amount", "expected date"],
            [
                "苏州恒泰电子有限公司",
                "王丽",
                "0512-6666 8888",
                "website",
                "contacted",
                "¥1,234,567.89",
                "2026/12/31",
            ],
            ["南京宏达", "", "", "", "", "", ""],
        ]
    )
    result = import_leads(by=org.sales1, table=data)
    assert (result.created, result.errors) == (2, [])
    lead = Lead.objects.get(name="苏州恒泰电子有限公司")
    assert lead.expected_amount == Decimal("1234567.89")
    assert str(lead.expected_on) == "2026-12-31"
    assert (lead.stage.code, lead.source, lead.owner, lead.region.code) == (
        "contacted",
        "website",
        org.sales1,
        "east-sh",
    )
    assert lead.code.startswith("LD-")
    default = Lead.objects.get(name="南京宏达")
    assert (default.stage.code, default.source) == ("new", "other")
    # each lead's history starts with its entry into its stage (conversion rates count it)
    assert sorted(LeadStageChange.objects.values_list("lead__name", "from_stage", "to_stage__code")) == [
        ("南京宏达", None, "new"),
        ("苏州恒泰电子有限公司", None, "contacted"),
    ]


def test_import_leads_bad_amount_date_stage_are_reported_and_nothing_written(org):
    data = table(
        [
            ["prospect", "stage", "expected amount", "expected date", "owner"],
            ["苏州恒泰", "new", "about 5000", "", ""],
            ["南京宏达", "won", "100", "2026-02-30", ""],
            ["", "new", "-5", "", "sales3"],
            ["杭州远航", "", "1.234", "", ""],
        ]
    )
    result = import_leads(by=org.sales1, table=data)
    rows = errors_by_row(result)
    assert rows[2] == [("expected amount", "Enter a number.")]
    assert sorted(c for c, _m in rows[3]) == ["expected date", "stage"]
    assert sorted(c for c, _m in rows[4]) == ["expected amount", "owner", "prospect"]
    assert rows[5] == [("expected amount", "Ensure that there are no more than 2 decimal places.")]
    assert not Lead.objects.exists()
    assert not LeadStageChange.objects.exists()


def test_import_leads_same_prospect_and_phone_twice_is_a_row_error(org):
    data = table([["prospect", "phone"], ["苏州恒泰", "138 0013 8000"], ["苏州恒泰", "13800138000"]])
    result = import_leads(by=org.sales1, table=data)
    assert [(e.row, e.column, str(e.message)) for e in result.errors] == [(3, "prospect", "Same as row 2.")]


def test_import_leads_auditor_is_refused(org):
    with pytest.raises(PermissionDenied):
        import_leads(by=org.auditor, table=table([["prospect"], ["苏州恒泰"]]))


# --------------------------------------------------------------------------------------- numbers


def test_take_numbers_continues_the_sequence_single_creations_use(org):
    from django.db import transaction

    from salesdept.core.numbering import next_number

    with transaction.atomic():
        first = next_number("CUS")
        block = take_numbers("CUS", 3)
        after = next_number("CUS")
    n = int(first.rsplit("-", 1)[1])
    assert [int(x.rsplit("-", 1)[1]) for x in [*block, after]] == [n + 1, n + 2, n + 3, n + 4]


def test_take_numbers_outside_a_transaction_is_refused(transactional_db):
    with pytest.raises(RuntimeError):
        take_numbers("CUS", 1)
