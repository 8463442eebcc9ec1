"""The report pack 统计台账 (reports/pack.py, files.py): the period a pack names (bad ones refused
with a message), its sections as the director and as a salesperson sees them (scope), the totals
equal to the statistics report's, the plan achievement section, and the XLSX workbook (one
sheet per section, numbers as numeric cells, totals rows)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from openpyxl import load_workbook

from salesdept.accounts.models import User
from salesdept.core.errors import ValidationFailed
from salesdept.planning import services as planning
from salesdept.reports.files import pack_xlsx
from salesdept.reports.pack import build_pack, current_period, parse_period
from salesdept.stats.selectors import sales_report

D = Decimal
OCTOBER = (datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))
TODAY = datetime.date(2026, 12, 1)


def rows_of(pack, key) -> dict:
    return {row["label"]: row for row in pack.table(key).rows}


# --- the period ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "start", "end"),
    [
        ("monthly", "2026-10", datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)),
        ("monthly", "2024-2", datetime.date(2024, 2, 1), datetime.date(2024, 2, 29)),
        ("monthly", "2026-12", datetime.date(2026, 12, 1), datetime.date(2026, 12, 31)),
        ("quarterly", "2026-Q3", datetime.date(2026, 7, 1), datetime.date(2026, 9, 30)),
        ("quarterly", "2026q4", datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)),
        ("yearly", "2026", datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),
    ],
)
def test_a_period_names_its_first_and_last_day(kind, text, start, end):
    period = parse_period(kind, text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("monthly", "2026-13", "not a month"),
        ("monthly", "2026-00", "not a month"),
        ("monthly", "2026", "YYYY-MM"),
        ("monthly", "October", "YYYY-MM"),
        ("quarterly", "2026-Q5", "not a quarter"),
        ("quarterly", "2026-10", "YYYY-Qn"),
        ("yearly", "2026-10", "YYYY"),
        ("yearly", "1066", "1900 to 2999"),
    ],
)
def test_a_bad_period_is_refused_saying_what_is_expected(kind, text, message):
    with pytest.raises(ValidationFailed) as caught:
        parse_period(kind, text)
    assert message in str(caught.value.fields["period"])


def test_a_bad_kind_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        parse_period("weekly", "2026-10")
    assert "kind" in caught.value.fields


def test_the_default_period_is_the_last_one_over():
    today = datetime.date(2026, 1, 15)
    assert current_period("monthly", today).label == "2025-12"
    assert current_period("quarterly", today).label == "2025-Q4"
    assert current_period("yearly", today).label == "2025"


# --- the sections -------------------------------------------------------------------------------


def test_the_directors_pack_holds_the_company_with_the_reports_totals(sales):
    org = sales.org
    a, b = sales.customers
    pack = build_pack(user=org.director, kind="monthly", period="2026-10", today=TODAY)
    assert pack.period.label == "2026-10" and pack.scope_label == "Whole company"
    # sales by region: each region's figures and the totals row equal the statistics report's
    report = sales_report(org.director, dimension="region", start=OCTOBER[0], end=OCTOBER[1])
    regions = rows_of(pack, "region")
    east_sh = regions[str(a.region)]
    assert east_sh["ordered_amount"] == D("1234.56") and east_sh["collected_amount"] == D("800.00")
    assert east_sh["gross_margin"] == D("534.56") and east_sh["year_before"] == D("400.00")
    assert east_sh["yoy"] == D("208.6")
    assert regions[str(b.region)]["ordered_amount"] == D("500.00")
    total = pack.table("region").totals[0]
    for name in ("ordered_amount", "shipped_amount", "invoiced_amount", "collected_amount", "gross_margin"):
        assert total[name] == report.total[name], name
    assert total["ordered_amount"] == D("1734.56") and total["yoy"] == D("333.6")
    # by salesperson
    people = rows_of(pack, "salesperson")
    assert people[str(org.sales1)]["ordered_amount"] == D("1234.56")
    assert people[str(org.sales3)]["ordered_amount"] == D("500.00")
    assert pack.table("salesperson").totals[0]["ordered_amount"] == D("1734.56")
    # top customers and products, ranked, with their share and the totals
    top = pack.table("top_customers")
    assert [(r["rank"], r["label"], r["share"]) for r in top.rows] == [
        (1, a.name, D("71.2")),
        (2, b.name, D("28.8")),
    ]
    assert [t["ordered_amount"] for t in top.totals] == [D("1734.56"), D("1734.56")]
    products = pack.table("top_products")
    assert [r["ordered_amount"] for r in products.rows] == [D("1000.00"), D("500.00"), D("234.56")]
    # new customers in October, receivables and contracts (none here)
    assert {r["code"] for r in pack.table("new_customers").rows} == {a.code, b.code}
    assert pack.table("new_customers").totals[0]["name"] == 2
    assert pack.table("aging").rows == [] and pack.table("aging").totals[0]["total"] == D("0.00")
    assert pack.table("top_overdue").rows == []
    assert pack.table("fulfillment").rows == []
    assert pack.as_of == OCTOBER[1]


def test_a_salesperson_s_pack_holds_only_their_own_figures(sales):
    org = sales.org
    a, b = sales.customers
    pack = build_pack(user=org.sales1, kind="monthly", period="2026-10", today=TODAY)
    assert "Own figures" in pack.scope_label
    assert list(rows_of(pack, "region")) == [str(a.region)]
    assert list(rows_of(pack, "salesperson")) == [str(org.sales1)]
    for key in ("region", "salesperson", "top_customers"):
        assert pack.table(key).totals[-1]["ordered_amount"] == D("1234.56"), key
    assert [r["label"] for r in pack.table("top_customers").rows] == [a.name]
    assert [r["code"] for r in pack.table("new_customers").rows] == [a.code]
    labels = {r["label"] for key in ("region", "salesperson", "top_customers") for r in pack.table(key).rows}
    assert b.name not in labels and str(org.sales3) not in labels


def test_a_regional_manager_gets_their_region(sales):
    org = sales.org
    pack = build_pack(user=org.regional_east, kind="quarterly", period="2026-Q4", today=TODAY)
    assert pack.scope_label.startswith("Region")
    assert list(rows_of(pack, "salesperson")) == [str(org.sales1)]
    assert pack.table("region").totals[0]["ordered_amount"] == D("1234.56")


def test_a_yearly_pack_adds_up_the_year(sales):
    pack = build_pack(user=sales.org.director, kind="yearly", period="2026", today=TODAY)
    assert pack.table("region").totals[0]["ordered_amount"] == D("1833.56")  # with September's 99.00


def test_sections_the_user_may_not_see_are_left_out_saying_so(sales):
    org = sales.org
    # the statistics permission without receivables and contracts
    reader = User.objects.create(username="stats-reader", display_name="Reader")
    reader.groups.add(Group.objects.get(name="auditor"))
    pack = build_pack(user=reader, kind="monthly", period="2026-10", today=TODAY)
    assert pack.table("region").totals[0]["ordered_amount"] == D("1734.56")
    # the auditor may read receivables and contracts: an empty role may not even open the pack
    nobody = User.objects.create(username="nobody")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        build_pack(user=nobody, kind="monthly", period="2026-10", today=TODAY)
    # a warehouse keeper has no statistics either
    with pytest.raises(PermissionDenied):
        build_pack(user=org.keeper, kind="monthly", period="2026-10", today=TODAY)


def test_the_plan_section_shows_achievement_of_the_approved_plan(sales):
    org = sales.org
    director2 = User.objects.create(username="director2", display_name="Second director")
    director2.groups.add(Group.objects.get(name="director"))
    plan = planning.plan_create(
        by=org.director,
        year=2026,
        title="2026 年度销售计划",
        targets=[{"level": "company", "measure": "amount", "year_total": "12000.00"}],
    )
    planning.plan_submit(by=org.director, plan_id=plan.pk)
    planning.plan_approve(by=director2, plan_id=plan.pk)
    pack = build_pack(user=org.director, kind="monthly", period="2026-10", today=TODAY)
    (line,) = pack.table("region_plan").rows
    assert (line["target"], line["actual"], line["ratio"], line["gap"]) == (
        D("1000.00"),
        D("1734.56"),
        D("173.5"),
        D("0.00"),
    )
    assert line["light"] == "On track"
    assert pack.table("salesperson_plan").rows == []


def test_without_an_approved_plan_the_plan_tables_are_empty(sales):
    pack = build_pack(user=sales.org.director, kind="monthly", period="2026-10", today=TODAY)
    assert pack.table("region_plan").rows == [] and pack.table("region_plan").empty


# --- the workbook -------------------------------------------------------------------------------


def _table(sheet, title) -> tuple[tuple, list[tuple]]:
    """The header and the rows (data and totals) under the title row `title` of a sheet."""
    rows = list(sheet.iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if r[0] == title)
    out = []
    for r in rows[at + 2 :]:
        if not any(v is not None for v in r):
            break
        out.append(r)
    return rows[at + 1], out


def test_the_workbook_has_a_sheet_per_section_with_numbers_and_totals(sales):
    org = sales.org
    pack = build_pack(user=org.director, kind="monthly", period="2026-10", today=TODAY)
    book = load_workbook(io.BytesIO(pack_xlsx(pack)))
    assert book.sheetnames == [
        "Sales by region",
        "Sales by salesperson",
        "Top customers",
        "Top products",
        "New customers",
        "Receivables",
        "Contract fulfillment",
    ]
    header, rows = _table(book["Sales by region"], "Sales by region")
    assert header[:3] == ("Region", "Ordered amount", "Shipped amount")
    assert [r[0] for r in rows] == [str(sales.customers[0].region), str(sales.customers[1].region), "Total"]
    report = sales_report(org.director, dimension="region", start=OCTOBER[0], end=OCTOBER[1])
    totals = rows[-1]
    for i, name in enumerate(
        ("ordered_amount", "shipped_amount", "invoiced_amount", "collected_amount", "gross_margin"), start=1
    ):
        assert isinstance(totals[i], int | float) and not isinstance(totals[i], bool), totals
        assert totals[i] == pytest.approx(float(report.total[name])), name
    assert totals[7] == pytest.approx(333.6)  # YoY %
    sheet = book["Sales by region"]
    money = next(c for c in sheet["B"] if c.value == totals[1])
    assert money.number_format == "#,##0.00" and money.font.b
    # the salesperson sheet's totals equal the report by salesperson
    _header, rows = _table(book["Sales by salesperson"], "Sales by salesperson")
    assert rows[-1][0] == "Total" and rows[-1][1] == pytest.approx(1734.56)
    # top customers: ranks as numbers, the top-10 and overall totals
    _header, rows = _table(book["Top customers"], "Top 10 customers")
    assert [r[0] for r in rows] == [1, 2, None, None]
    assert [r[1] for r in rows[2:]] == ["Top 2 total", "Total"]
    # new customers: the dates are dates, the count a number
    _header, rows = _table(book["New customers"], "New customers")
    assert rows[0][4] == datetime.datetime(2026, 10, 8) and rows[-1][:2] == ("Total", 2)


def _invoiced(org, customer, total, *, invoiced_on, due_on):
    """An issued invoice of its own signed contract and confirmed order (the billing tests'
    helper, which records the facts the statistics record for the order and the invoice)."""
    from tests.billing.fixtures_payments import invoice

    return invoice(org, customer, total, invoiced_on=invoiced_on, due_on=due_on)


def test_receivables_and_contracts_in_the_pack(sales):
    org = sales.org
    a, b = sales.customers
    # a's invoice of September, due 2026-09-20: 41 days past due on 2026-10-31; b's of October, not due
    _invoiced(org, a, "300.00", invoiced_on=datetime.date(2026, 9, 10), due_on=datetime.date(2026, 9, 20))
    _invoiced(org, b, "200.00", invoiced_on=datetime.date(2026, 10, 10), due_on=datetime.date(2026, 11, 10))
    pack = build_pack(user=org.director, kind="monthly", period="2026-10", today=TODAY)
    aging = {r["label"]: r for r in pack.table("aging").rows}
    assert aging[str(a.region)]["d31_60"] == D("300.00") and aging[str(b.region)]["current"] == D("200.00")
    total = pack.table("aging").totals[0]
    assert (total["total"], total["d31_60"], total["current"], total["invoices"]) == (
        D("500.00"),
        D("300.00"),
        D("200.00"),
        2,
    )
    overdue = pack.table("top_overdue")
    assert [(r["label"], r["overdue"]) for r in overdue.rows] == [(a.name, D("300.00"))]
    assert overdue.totals[-1]["total"] == D("500.00")
    # the contract signed in October (b's), by region
    (line,) = pack.table("fulfillment").rows
    assert (line["label"], line["signed"], line["amount"]) == (str(b.region), 1, D("200.00"))
    # the invoiced facts count in the sales tables too
    assert pack.table("region").totals[0]["invoiced_amount"] == D("200.00")
    # sales1 sees only a's receivable and none of the contracts signed in October
    mine = build_pack(user=org.sales1, kind="monthly", period="2026-10", today=TODAY)
    assert [r["label"] for r in mine.table("aging").rows] == [str(a.region)]
    assert mine.table("aging").totals[0]["total"] == D("300.00")
    assert mine.table("fulfillment").rows == []
