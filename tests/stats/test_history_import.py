"""History import (issue 7): a department's past order lines become posted historical facts —
all rows or none, once per line however often the file comes, with customers, products and
categories matched or created once — and every statistic counts them."""

import csv
import datetime
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from salesdept.catalog.models import Category, Product
from salesdept.cli import main
from salesdept.core.imports import read_table
from salesdept.crm.models import Customer
from salesdept.stats.history import history_template, import_history
from salesdept.stats.models import Kind, SalesFact, SalesTotal, Source
from salesdept.stats.selectors import sales_report, totals_mismatches

D = Decimal
HEADER_EN = [
    "Order number", "Line", "Order date", "Ship date", "Customer code", "Customer name", "Region",
    "Salesperson", "Product code", "Product name", "Product category", "Quantity", "Unit price",
    "Line amount", "Discount", "Cost", "Margin",
]  # fmt: skip
HEADER_ZH = [
    "订单号", "行号", "订单日期", "发货日期", "客户编号", "客户名称", "区域", "业务员", "产品编号",
    "产品名称", "产品类别", "数量", "单价", "金额", "折扣", "成本", "毛利",
]  # fmt: skip
KEYS = [
    "order", "line", "order_date", "ship_date", "customer_code", "customer_name", "region", "salesperson",
    "product_code", "product_name", "category", "quantity", "unit_price", "amount", "discount", "cost",
    "margin",
]  # fmt: skip


def csv_bytes(rows: list[dict], header=HEADER_EN) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(k, "") for k in KEYS])
    return out.getvalue().encode("utf-8")


def table(rows: list[dict], header=HEADER_EN):
    return read_table(csv_bytes(rows, header), "history.csv")


def row(**values) -> dict:
    base = {"order_date": "2025-03-10", "quantity": "1", "region": "east-sh", "salesperson": "sales1"}
    return {**base, **values}


def snapshot() -> dict:
    """What an import could write: to compare before and after."""
    return {
        "facts": SalesFact.objects.count(),
        "totals": sorted(
            SalesTotal.objects.values_list("dimension", "month", "key", "ordered_amount", "orders")
        ),
        "customers": Customer.objects.count(),
        "products": Product.objects.count(),
        "categories": Category.objects.count(),
    }


def history_rows(world) -> list[dict]:
    """Two years, two regions, an existing customer (by code) and a new one, an existing
    product (by code) and new ones (by code, and by name only) in a new category."""
    a, _b = world.customers
    return [
        row(order="H-1", order_date="2024-02-01", ship_date="2024-02-03", customer_code=a.code,
            product_code="st-1", quantity="2", unit_price="100.00", cost="120.00"),
        row(order="H-1", order_date="2024-02-01", customer_code=a.code, product_code="ST-3",
            quantity="1", amount="55.50"),
        row(order="H-2", order_date="2024-11-30", customer_name="广州新客户有限公司", region="south-gd",
            salesperson="sales3", product_code="NEW-1", product_name="新产品", category="Spare parts",
            quantity="3", unit_price="10.00", discount="10%", margin="7.00"),
        row(order="H-3", order_date="2025-01-15", ship_date="2025-02-01", customer_name="广州新客户",
            region="south-gd", salesperson="黄磊 Huang Lei", product_name="只有名称的产品",
            category="spare parts", quantity="4", amount="400.00"),
        row(order="H-4", order_date="2025-06-30", customer_code=a.code, product_code="new-1",
            quantity="1.5", unit_price="20.00"),
    ]  # fmt: skip


def expected_by(rows, key) -> dict:
    amounts = {
        "H-1": [D("200.00"), D("55.50")],
        "H-2": [D("27.00")],
        "H-3": [D("400.00")],
        "H-4": [D("30.00")],
    }
    seen: dict = defaultdict(int)
    out: dict = defaultdict(lambda: D("0"))
    for r in rows:
        amount = amounts[r["order"]][seen[r["order"]]]
        seen[r["order"]] += 1
        out[key(r)] += amount
    return dict(out)


def test_imported_history_is_in_every_statistic(world):
    # given a file of two years' order lines
    org = world.org
    rows = history_rows(world)
    # when the director imports it
    result = import_history(by=org.director, table=table(rows))
    # then every line is recorded, with one new customer, two new products and one new category
    assert result.errors == [] and result.created == 5 and result.already_imported == 0
    assert (result.new_customers, result.new_products, result.new_categories) == (1, 2, 1)
    assert totals_mismatches() == []
    # and the report (from the monthly totals) and the facts give the file's totals by year …
    for year in (2024, 2025):
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        want = sum(expected_by([r for r in rows if r["order_date"].startswith(str(year))], str).values())
        report = sales_report(org.director, dimension="region", start=start, end=end)
        assert report.from_totals and report.total["ordered_amount"] == want
        facts = SalesFact.objects.filter(kind=Kind.ORDERED, day__year=year).values_list("amount", flat=True)
        assert sum(facts, D("0")) == want
    # … by region …
    start, end = datetime.date(2024, 1, 1), datetime.date(2025, 12, 31)
    by_region = expected_by(rows, lambda r: str(org.regions[r["region"]].pk))
    report = sales_report(org.director, dimension="region", start=start, end=end)
    assert {r.key: r.total["ordered_amount"] for r in report.rows} == by_region
    # … and by customer (the new customer's two spellings are one customer)
    new = Customer.objects.get(name="广州新客户有限公司")
    assert new.owner == org.sales3 and new.region == org.regions["south-gd"]
    codes = {world.customers[0].code: str(world.customers[0].pk)}
    by_customer = expected_by(rows, lambda r: codes.get(r.get("customer_code"), str(new.pk)))
    report = sales_report(org.director, dimension="customer", start=start, end=end)
    assert {r.key: r.total["ordered_amount"] for r in report.rows} == by_customer
    assert report.total["orders"] == 4  # H-1 has two lines, one order
    # and shipped lines were shipped and invoiced on their ship date, without cost
    shipped = SalesFact.objects.filter(kind=Kind.SHIPPED).order_by("day")
    assert [(f.number, f.day, f.amount, f.cost) for f in shipped] == [
        ("H-1", datetime.date(2024, 2, 3), D("200.00"), D("0.00")),
        ("H-3", datetime.date(2025, 2, 1), D("400.00"), D("0.00")),
    ]
    assert SalesFact.objects.filter(kind=Kind.INVOICED).count() == 2
    h1 = SalesFact.objects.get(kind=Kind.ORDERED, number="H-1", line="1")
    assert (h1.source, h1.cost, h1.channel, h1.salesperson, h1.team) == (
        Source.HISTORY, D("120.00"), "", org.sales1, org.sales1.team
    )  # fmt: skip


def test_customers_and_products_are_matched_by_code_and_new_ones_created_once(world):
    org = world.org
    a, _b = world.customers
    # (the director imports; they still keep no catalog: the import creates what it needs)
    assert not org.director.has_perm("catalog.add_product")
    before = snapshot()
    result = import_history(by=org.director, table=table(history_rows(world)))
    assert result.errors == []
    after = snapshot()
    # the existing customer and product are reused; one customer, two products, one category new
    assert after["customers"] - before["customers"] == 1
    assert after["products"] - before["products"] == 2
    assert after["categories"] - before["categories"] == 1
    assert set(SalesFact.objects.filter(number="H-1").values_list("customer_id", flat=True)) == {a.pk}
    assert set(SalesFact.objects.filter(number="H-1", line="1").values_list("product__code", flat=True)) == {
        "ST-1"
    }
    new_1 = Product.objects.get(code="NEW-1")  # rows say NEW-1 and new-1: one product
    assert new_1.list_price == D("10.00") and new_1.category.name == "Spare parts"
    assert new_1.category.code == "SPARE-PARTS"
    named = Product.objects.get(name="只有名称的产品")
    assert named.code == "HIST-00001" and named.list_price == D("100.00")
    assert SalesFact.objects.filter(number="H-4").get().product_id == new_1.pk
    # a second file names them by code and by name again: nothing more is created
    again = import_history(
        by=org.director,
        table=table(
            [
                row(
                    order="H-9",
                    customer_name="广州新客户 有限公司",
                    region="south-gd",
                    product_name="只有名称的产品",
                    quantity="1",
                    amount="1.00",
                ),
                row(order="H-9", customer_code=a.code, product_code="new-1", quantity="1", amount="1.00"),
            ]  # fmt: skip
        ),
    )
    assert again.errors == [] and (again.new_customers, again.new_products, again.new_categories) == (0, 0, 0)
    assert snapshot()["customers"] == after["customers"] and snapshot()["products"] == after["products"]


def test_a_bad_row_writes_nothing_and_is_reported_with_its_row_and_column(world):
    org = world.org
    rows = history_rows(world)
    rows[2]["quantity"] = "0"  # spreadsheet row 4
    rows[3]["region"] = "mars"  # row 5
    rows[4]["order_date"] = "30.06.2025"  # row 6
    before = snapshot()
    result = import_history(by=org.director, table=table(rows, HEADER_ZH))
    assert snapshot() == before  # no fact, customer, product or category
    assert result.created == 0 and result.skipped == 3
    assert [(e.row, e.column) for e in result.errors] == [(4, "数量"), (5, "区域"), (6, "订单日期")]
    assert "more than 0" in str(result.errors[0].message)
    assert "region" in str(result.errors[1].message)


def test_missing_columns_are_reported_on_the_header(world):
    result = import_history(
        by=world.org.director,
        table=read_table(b"Order number,Order date,Quantity,Customer name\nH-1,2025-01-01,1,x\n", "h.csv"),
    )
    assert result.created == 0 and {e.row for e in result.errors} == {1}
    assert {e.column for e in result.errors} == {"Product code", "Unit price"}


def test_importing_the_same_file_twice_adds_nothing(world):
    org = world.org
    data = table(history_rows(world))
    first = import_history(by=org.director, table=data)
    assert first.created == 5
    before = snapshot()
    second = import_history(by=org.director, table=data)
    assert (second.created, second.already_imported, second.errors) == (0, 5, [])
    assert snapshot() == before


def test_lines_added_to_an_imported_order_do_not_count_the_order_twice(world):
    # given an order imported with one line
    org = world.org
    a, _b = world.customers
    first = [row(order="H-7", customer_code=a.code, product_code="ST-1", amount="10.00")]
    import_history(by=org.director, table=table(first))
    # when a second file brings that line again and a second line of the same order
    second = [*first, row(order="H-7", customer_code=a.code, product_code="ST-2", amount="5.00")]
    result = import_history(by=org.director, table=table(second))
    # then only the new line is added and the order still counts once in every total
    assert (result.created, result.already_imported) == (1, 1)
    assert totals_mismatches() == []
    cell = SalesTotal.objects.get(dimension="customer", key=str(a.pk), month=datetime.date(2025, 3, 1))
    assert (cell.orders, cell.ordered_amount) == (1, D("15.00"))
    # (the new line's product had no share of the order yet: there it counts once)
    assert SalesTotal.objects.get(dimension="product", key=str(world.products[1].pk)).orders == 1


def test_a_dry_run_checks_and_writes_nothing(world):
    before = snapshot()
    result = import_history(by=world.org.director, table=table(history_rows(world)), dry_run=True)
    assert result.dry_run and result.errors == [] and result.created == 0 and result.valid == 5
    assert (result.new_customers, result.new_products, result.new_categories) == (1, 2, 1)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("cells", "amount", "cost"),
    [
        ({"unit_price": "33.33", "quantity": "3", "discount": "0.15"}, "84.99", "0.00"),  # 84.9915
        ({"unit_price": "10.00", "quantity": "3", "discount": "0.2"}, "24.00", "0.00"),
        ({"unit_price": "10.00", "quantity": "3", "discount": "20"}, "24.00", "0.00"),
        ({"unit_price": "10.00", "quantity": "3", "discount": "20%"}, "24.00", "0.00"),
        ({"unit_price": "10.00", "quantity": "3", "discount": "1"}, "29.70", "0.00"),  # 1 %
        ({"unit_price": "0.125", "quantity": "1", "discount": ""}, "0.13", "0.00"),  # half up
        ({"unit_price": "10.00", "quantity": "2", "amount": "18.00", "discount": "50%"}, "18.00", "0.00"),
        ({"amount": "100.00", "margin": "23.45"}, "100.00", "76.55"),
        ({"amount": "100.00", "margin": "-5.10"}, "100.00", "105.10"),  # sold at a loss
        ({"amount": "100.00", "cost": "60.00", "margin": "40.00"}, "100.00", "60.00"),
        ({"amount": "100.00", "cost": "61.50"}, "100.00", "61.50"),
    ],
)
def test_discount_and_margin_arithmetic_is_exact(world, cells, amount, cost):
    a, _b = world.customers
    result = import_history(
        by=world.org.director,
        table=table([row(order="H-A", customer_code=a.code, product_code="ST-1", **cells)]),
    )
    assert result.errors == []
    fact = SalesFact.objects.get(kind=Kind.ORDERED, number="H-A")
    assert (fact.amount, fact.cost) == (D(amount), D(cost))


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"amount": "100.00", "cost": "60.00", "margin": "30.00"}, "Margin"),
        ({"amount": "100.00", "margin": "100.01"}, "Margin"),
        ({"unit_price": "10", "discount": "150%"}, "Discount"),
        ({"unit_price": "", "amount": ""}, "Unit price"),
        ({"amount": "1", "ship_date": "2025-03-09"}, "Ship date"),
        ({"amount": "1", "salesperson": "nobody"}, "Salesperson"),
        ({"amount": "1", "quantity": "-1"}, "Quantity"),
    ],
)
def test_inconsistent_cells_are_row_errors(world, cells, column):
    a, _b = world.customers
    result = import_history(
        by=world.org.director,
        table=table([row(order="H-B", customer_code=a.code, product_code="ST-1", **cells)]),
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, column)]
    assert not SalesFact.objects.exists()


def test_the_same_order_line_twice_in_a_file_is_a_row_error(world):
    a, _b = world.customers
    line = row(order="H-C", line="1", customer_code=a.code, product_code="ST-1", amount="1")
    result = import_history(by=world.org.director, table=table([line, line]))
    assert [(e.row, e.column) for e in result.errors] == [(3, "Line")]
    assert "row 2" in str(result.errors[0].message)


def test_an_order_has_one_order_date(world):
    # its order count falls in one month: two dates would count it in each
    a, _b = world.customers
    first = row(order="H-D", customer_code=a.code, product_code="ST-1", amount="1", order_date="2025-03-31")
    second = {**first, "product_code": "ST-2", "order_date": "2025-04-01"}
    before = snapshot()
    result = import_history(by=world.org.director, table=table([first, second]))
    assert [(e.row, e.column) for e in result.errors] == [(3, "Order date")]
    assert "Row 2" in str(result.errors[0].message)
    assert snapshot() == before


def test_an_inactive_salesperson_keeps_the_sales_and_a_new_customer_goes_to_the_importer(world):
    org = world.org
    org.sales2.is_active = False
    org.sales2.save(update_fields=["is_active"])
    result = import_history(
        by=org.director,
        table=table(
            [
                row(
                    order="H-D",
                    customer_name="离职员工的客户",
                    salesperson="sales2",
                    product_code="ST-1",
                    amount="9.00",
                )
            ]
        ),  # fmt: skip
    )
    assert result.errors == []
    fact = SalesFact.objects.get(number="H-D")
    assert (fact.salesperson, fact.team, fact.region) == (org.sales2, org.sales2.team, org.regions["east-sh"])
    assert Customer.objects.get(name="离职员工的客户").owner == org.director


def test_who_may_import_and_create(world):
    org = world.org
    rows = history_rows(world)
    with pytest.raises(PermissionDenied):
        import_history(by=org.sales1, table=table(rows))
    # the administrator may import, but adds no customers: a new one is a row error
    result = import_history(by=org.admin, table=table(rows))
    assert [(e.row, e.column) for e in result.errors] == [(4, "Customer name"), (5, "Customer name")]
    assert not SalesFact.objects.exists()
    assert import_history(by=org.admin, table=table(rows[:2])).created == 2


def test_the_template_reads_back_and_its_example_row_is_valid(org):
    for fmt in ("csv", "xlsx"):
        data = read_table(history_template(fmt), f"template.{fmt}")
        assert data.header[0] == "* Order number" and len(data.rows) == 1
        result = import_history(by=org.director, table=data, dry_run=True)
        assert result.errors == [] and result.valid == 1


def test_a_large_file_imports(world):
    # 10,000 lines: 2,500 orders of 4 lines, 300 customers (100 on file), 500 products
    org = world.org
    a, b = world.customers
    regions = ["east-sh", "east-js", "south-gd", "north-bj"]
    people = ["sales1", "sales2", "sales3", "sales5"]
    rows = []
    for n in range(10_000):
        order = n // 4
        customer = order % 300
        month = f"{2023 + order % 3}-{order % 12 + 1:02d}"
        rows.append(
            row(order=f"L-{order:05d}", order_date=f"{month}-{order % 28 + 1:02d}",
                ship_date="" if order % 5 else f"{month}-28",
                customer_code=(a.code if customer % 2 else b.code) if customer < 100 else "",
                customer_name=f"大批量客户{customer:04d}", region=regions[customer % 4],
                salesperson=people[customer % 4], product_code=f"LP-{n % 500:04d}",
                product_name=f"产品{n % 500}", category=f"类别{n % 7}", quantity=str(1 + n % 5),
                unit_price=f"{10 + n % 90}.50", discount="0.1" if n % 3 == 0 else "", margin=f"{n % 9}.00")
        )  # fmt: skip
    result = import_history(by=org.director, table=table(rows))
    assert result.errors == [] and result.created == 10_000
    assert (result.new_customers, result.new_products, result.new_categories) == (200, 500, 7)
    assert SalesFact.objects.filter(kind=Kind.ORDERED).count() == 10_000
    assert totals_mismatches() == []


def write_file(tmp_path, rows, name="历史销售.csv"):
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows, HEADER_ZH))
    return str(path)


def test_cli_imports_sales_and_exits_like_the_other_kinds(world, tmp_path, capsys):
    good = write_file(tmp_path, history_rows(world))
    # a dry run checks only
    assert main(["import", "sales", good, "--user", "director", "--dry-run"]) == 0
    assert "Dry run" in capsys.readouterr().out and not SalesFact.objects.exists()
    # the import writes, and a second run finds every line already imported
    assert main(["import", "sales", good, "--user", "director"]) == 0
    assert "5 sales line(s) imported" in capsys.readouterr().out
    assert main(["import", "sales", good, "--user", "director"]) == 0
    assert "5 already imported; 0 sales line(s) imported" in capsys.readouterr().out
    # a bad row is printed with its row and column, and nothing is written (exit 1)
    bad_rows = history_rows(world)
    bad_rows[0].update(order="H-X", quantity="many")
    bad = write_file(tmp_path, bad_rows, "bad.csv")
    count = SalesFact.objects.count()
    assert main(["import", "sales", bad, "--user", "director"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["row", "column", "reason"]
    assert out.splitlines()[1].split()[:2] == ["2", "数量"]
    assert SalesFact.objects.count() == count
    # the user, the permission and --only-valid are refused (exit 2)
    assert main(["import", "sales", good, "--user", "sales1"]) == 2
    assert "not allowed" in capsys.readouterr().err
    assert main(["import", "sales", good, "--user", "director", "--only-valid"]) == 2
    assert "--only-valid is not supported for sales" in capsys.readouterr().err
    assert main(["import", "sales", str(tmp_path / "none.csv"), "--user", "director"]) == 2


def test_rows_cost_no_query_each(world, django_assert_max_num_queries):
    # given 400 lines naming customers and products already on file
    a, b = world.customers
    rows = [
        row(order=f"Q-{n // 2}", customer_code=(a, b)[n % 2].code, product_code=f"ST-{1 + n % 3}",
            ship_date="2025-03-20", amount="10.00")
        for n in range(400)
    ]  # fmt: skip
    # then the import reads its lookups once, whatever the number of rows
    with django_assert_max_num_queries(25):
        result = import_history(by=world.org.director, table=table(rows))
    assert result.created == 400
