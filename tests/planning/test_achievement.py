"""Achievement 达成率 (P1): the arithmetic and its rounding (ratio, gap, needed per day, the
traffic light at its edges), the period's bounds at local midnight, the actuals of every measure
and level against the posted facts, the scope (a salesperson sees their own line and actuals),
no approved plan → nothing, the monthly totals agreeing with the facts, and a bounded number of
queries whatever the number of lines."""

import datetime
import itertools
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salesdept.catalog.models import Category, Product
from salesdept.core.errors import ValidationFailed
from salesdept.crm.models import Customer
from salesdept.crm.text import normalize_name
from salesdept.planning import achievement as ach
from salesdept.planning import selectors
from salesdept.stats.models import Kind, Source
from salesdept.stats.services import record_facts
from tests.stats.conftest import fact

from .conftest import YEAR

NOV_15 = datetime.date(YEAR, 11, 15)
_counter = itertools.count(1)


def months(value) -> list[str]:
    return [str(value)] * 12


def customer(owner, region, *, created=None) -> Customer:
    n = next(_counter)
    name = f"达成测试客户{n:04d}有限公司"
    c = Customer.objects.create(
        code=f"ACH-{n:05d}",
        name=name,
        name_normalized=normalize_name(name),
        region=region,
        owner=owner,
        created_by=owner,
    )
    if created is not None:  # a local wall-clock time
        Customer.objects.filter(pk=c.pk).update(created_at=timezone.make_aware(created))
        c.refresh_from_db()
    return c


class World:
    pass


@pytest.fixture
def world(org, make_plan, director2):
    return build_world(org, make_plan, director2)


def build_world(org, make_plan, director2) -> World:
    """Customers of sales1, sales2, sales3; a category tree (tools › tools-sub) and parts; the
    year's approved plan with a line of every level and measure; facts around November."""
    w = World()
    w.org = org
    w.tools = Category.objects.create(code="ach-tools", name="工具")
    w.sub = Category.objects.create(code="ach-tools-sub", name="电动工具", parent=w.tools)
    w.parts = Category.objects.create(code="ach-parts", name="配件")
    w.p_sub = Product.objects.create(
        code="ACH-1", name="电钻", category=w.sub, list_price=D("100"), tax_rate=D("13")
    )
    w.p_parts = Product.objects.create(
        code="ACH-2", name="钻头", category=w.parts, list_price=D("10"), tax_rate=D("13")
    )
    r = org.regions
    w.c1 = customer(org.sales1, r["east-sh"])
    w.c2 = customer(org.sales2, r["east-js"])
    w.c3 = customer(org.sales3, r["south-gd"])
    # new customers of sales1: one in November, one just after (local midnight)
    w.c4 = customer(org.sales1, r["east-sh"], created=datetime.datetime(YEAR, 11, 2, 9, 0))
    w.c5 = customer(org.sales1, r["east-sh"], created=datetime.datetime(YEAR, 12, 1, 0, 30))
    w.plan = make_plan(
        "approved",
        by=org.director,
        reviewer=director2,
        targets=[
            {"level": "company", "measure": "amount", "months": months("1000.00")},
            {"level": "region", "subject": r["east"].pk, "measure": "amount", "months": months("600.00")},
            {"level": "team", "subject": org.teams["east"].pk, "measure": "amount", "months": months("500")},
            {"level": "salesperson", "subject": org.sales1.pk, "measure": "amount", "months": months("100")},
            {"level": "salesperson", "subject": org.sales3.pk, "measure": "quantity", "months": months("10")},
            {"level": "region", "subject": r["south"].pk, "measure": "collections", "months": months("200")},
            {
                "level": "salesperson",
                "subject": org.sales1.pk,
                "measure": "new_customers",
                "months": months(1),
            },
            {"level": "category", "subject": w.tools.pk, "measure": "amount", "months": months("300")},
            {"level": "company", "measure": "new_customers", "months": months(2)},
            {"level": "category", "subject": w.tools.pk, "measure": "new_customers", "months": months(1)},
            {"level": "team", "subject": org.teams["north"].pk, "measure": "amount", "months": months("0")},
        ],
    )
    nov = lambda d: datetime.date(YEAR, 11, d)  # noqa: E731
    record_facts(
        [
            fact(w.c1, w.p_sub, day=nov(1), amount="30.00", quantity="2", number="SO-1"),
            fact(w.c1, w.p_sub, day=nov(30), amount="20.05", quantity="1", number="SO-2"),
            fact(w.c2, w.p_parts, day=nov(10), amount="500.00", quantity="5", number="SO-3"),
            fact(w.c3, w.p_sub, day=nov(14), amount="250.00", quantity="7.5", number="SO-4"),
            fact(w.c4, w.p_sub, day=nov(3), amount="10.00", quantity="1", number="SO-5"),
            fact(
                w.c3,
                None,
                kind=Kind.COLLECTED,
                day=nov(3),
                amount="150.00",
                quantity="0",
                number="PAY-1",
                source=Source.PAYMENT,
            ),
            # outside November, or another kind: not counted in the month
            fact(w.c1, w.p_sub, day=datetime.date(YEAR, 12, 1), amount="999.00", number="SO-6"),
            fact(w.c1, w.p_sub, day=datetime.date(YEAR, 10, 31), amount="888.00", number="SO-7"),
            fact(
                w.c1,
                w.p_sub,
                kind=Kind.SHIPPED,
                day=nov(5),
                amount="777.00",
                number="SH-1",
                source=Source.SHIPMENT,
            ),
        ]
    )
    return w


def by_key(rows) -> dict:
    return {(r["level"], r["subject_id"], r["measure"]): r for r in rows}


# --- arithmetic ---------------------------------------------------------------------------------


def test_ratio_rounds_half_up_to_one_decimal_and_is_none_without_target():
    assert ach.ratio_of(D("99.95"), D("100")) == D("100.0")
    assert ach.ratio_of(D("99.94"), D("100")) == D("99.9")
    assert ach.ratio_of(D("60.05"), D("100")) == D("60.1")
    assert ach.ratio_of(D("1"), D("3")) == D("33.3")
    assert ach.ratio_of(D("2"), D("3")) == D("66.7")
    assert ach.ratio_of(D("0"), D("5")) == D("0.0")
    assert ach.ratio_of(D("5"), D("0")) is None
    assert ach.ratio_of(D("250"), D("100")) == D("250.0")


def test_needed_per_day_rounds_up_to_the_cent():
    assert ach.needed_per_day(D("100"), 3) == D("33.34")  # 3 × 33.34 reaches 100
    assert ach.needed_per_day(D("189.95"), 16) == D("11.88")
    assert ach.needed_per_day(D("32.00"), 16) == D("2.00")
    assert ach.needed_per_day(D("0"), 5) is None
    assert ach.needed_per_day(D("10"), 0) is None


@pytest.mark.parametrize(
    "ratio, elapsed, finished, light",
    [
        ("100.0", "100.0", True, "green"),
        ("99.9", "100.0", True, "amber"),
        ("90.0", "100.0", True, "amber"),
        ("89.9", "100.0", True, "red"),
        ("50.0", "50.0", False, "green"),
        ("49.9", "50.0", False, "amber"),
        ("45.0", "50.0", False, "amber"),  # exactly 0.9 × elapsed
        ("44.9", "50.0", False, "red"),
        ("0.0", "0.0", False, "green"),  # nothing elapsed yet: on pace
        ("250.0", "10.0", False, "green"),
        (None, "50.0", False, "green"),  # no target
        (None, "100.0", True, "green"),
    ],
)
def test_light_at_its_edges(ratio, elapsed, finished, light):
    ratio = None if ratio is None else D(ratio)
    assert ach.light_for(ratio, D(elapsed), finished=finished) == light


def test_period_bounds_default_to_the_period_of_on():
    on = datetime.date(YEAR, 5, 20)
    assert ach.period_bounds(YEAR, "year", None, on)[:2] == (
        datetime.date(YEAR, 1, 1),
        datetime.date(YEAR, 12, 31),
    )
    assert ach.period_bounds(YEAR, "quarter", None, on) == (
        datetime.date(YEAR, 4, 1),
        datetime.date(YEAR, 6, 30),
        2,
    )
    assert ach.period_bounds(YEAR, "month", None, on) == (
        datetime.date(YEAR, 5, 1),
        datetime.date(YEAR, 5, 31),
        5,
    )
    assert ach.period_bounds(2028, "month", 2, on)[1] == datetime.date(2028, 2, 29)
    for period, index, field in [
        ("week", None, "period"),
        ("quarter", 5, "index"),
        ("month", 0, "index"),
        ("month", 13, "index"),
    ]:
        with pytest.raises(ValidationFailed) as exc:
            ach.period_bounds(YEAR, period, index, on)
        assert set(exc.value.fields) == {field}
    with pytest.raises(ValidationFailed) as exc:
        ach.period_bounds(1800, "year", None, on)
    assert set(exc.value.fields) == {"year"}


# --- the figures --------------------------------------------------------------------------------


def test_every_level_and_measure_in_a_running_month(world):
    org = world.org
    rows = selectors.achievement(user=org.director, year=YEAR, period="month", index=11, on=NOV_15)
    assert [r["line"] for r in rows] == sorted(r["line"] for r in rows) and len(rows) == 11
    got = by_key(rows)
    r, t, tools = org.regions, org.teams, world.tools.pk
    company = got[("company", None, "amount")]
    # 30 + 20.05 + 500 + 250 + 10; 14 of 30 days elapsed, 16 left including the 15th
    assert company == {
        "line": company["line"],
        "level": "company",
        "level_label": "Company",
        "subject_id": None,
        "subject": "Whole company",
        "measure": "amount",
        "measure_label": "Sales amount",
        "target": D("1000.00"),
        "actual": D("810.05"),
        "ratio": D("81.0"),
        "gap": D("189.95"),
        "elapsed": D("46.7"),
        "needed_per_day": D("11.88"),
        "light": "green",
    }
    east = got[("region", r["east"].pk, "amount")]  # east-sh and east-js count for East
    assert (east["actual"], east["ratio"], east["gap"], east["needed_per_day"]) == (
        D("560.05"),
        D("93.3"),
        D("39.95"),
        D("2.50"),
    )
    team = got[("team", t["east"].pk, "amount")]
    assert (team["actual"], team["ratio"], team["gap"], team["needed_per_day"], team["light"]) == (
        D("560.05"),
        D("112.0"),
        D("0"),
        None,
        "green",
    )
    sales1 = got[("salesperson", org.sales1.pk, "amount")]
    assert (sales1["target"], sales1["actual"], sales1["ratio"], sales1["subject"]) == (
        D("100"),
        D("60.05"),
        D("60.1"),
        str(org.sales1),
    )
    quantity = got[("salesperson", org.sales3.pk, "quantity")]
    assert (quantity["actual"], quantity["ratio"], quantity["gap"], quantity["needed_per_day"]) == (
        D("7.5"),
        D("75.0"),
        D("2.5"),
        D("0.16"),
    )
    collections = got[("region", r["south"].pk, "collections")]
    assert (collections["actual"], collections["ratio"]) == (D("150.00"), D("75.0"))
    category = got[("category", tools, "amount")]  # the sub-category's sales count
    assert (category["actual"], category["ratio"], category["gap"]) == (D("310.05"), D("103.4"), D("0"))
    assert got[("salesperson", org.sales1.pk, "new_customers")]["actual"] == D(1)  # c5 is December's
    assert got[("company", None, "new_customers")]["actual"] == D(1)
    assert got[("company", None, "new_customers")]["ratio"] == D("50.0")
    assert got[("category", tools, "new_customers")]["actual"] == D(1)  # c4 bought a drill
    north = got[("team", t["north"].pk, "amount")]
    assert (north["target"], north["ratio"], north["gap"], north["light"]) == (
        D("0.00"),
        None,
        D("0"),
        "green",
    )


def test_finished_and_future_periods(world):
    org = world.org
    after = datetime.date(YEAR + 1, 1, 10)
    row = by_key(selectors.achievement(user=org.director, year=YEAR, period="month", index=11, on=after))[
        ("company", None, "amount")
    ]
    assert (row["elapsed"], row["needed_per_day"], row["light"]) == (D("100.0"), None, "red")  # 81.0 < 90
    row = by_key(selectors.achievement(user=org.director, year=YEAR, period="month", index=11, on=after))[
        ("region", org.regions["east"].pk, "amount")
    ]
    assert row["light"] == "amber"  # 93.3: finished, ≥ 90
    before = datetime.date(YEAR, 10, 20)
    row = by_key(selectors.achievement(user=org.director, year=YEAR, period="month", index=11, on=before))[
        ("company", None, "amount")
    ]
    # not started: nothing elapsed, the gap spread over all 30 days
    assert (row["elapsed"], row["needed_per_day"], row["light"]) == (D("0.0"), D("6.34"), "green")


def test_quarter_and_year_sum_the_months(world):
    org = world.org
    q4 = by_key(selectors.achievement(user=org.director, year=YEAR, period="quarter", on=NOV_15))
    company = q4[("company", None, "amount")]
    # October's 888 and December's 999 join November's 810.05; 45 of 92 days elapsed
    assert (company["target"], company["actual"], company["elapsed"]) == (
        D("3000.00"),
        D("2697.05"),
        D("48.9"),
    )
    assert company["needed_per_day"] == D("6.45")  # 302.95 / 47 days left = 6.4457…, rounded up
    year = by_key(selectors.achievement(user=org.director, year=YEAR, on=NOV_15))[("company", None, "amount")]
    assert (year["target"], year["actual"], year["gap"]) == (D("12000.00"), D("2697.05"), D("9302.95"))
    # 318 of 365 days elapsed; 47 days left
    assert (year["elapsed"], year["needed_per_day"], year["light"]) == (D("87.1"), D("197.94"), "red")


def test_a_fact_on_the_last_day_of_a_quarter_counts_in_that_quarter(org, make_plan, director2):
    """Facts carry their local day; customers their creation time, read as a local date."""
    region = org.regions["east-sh"]
    c = customer(org.sales1, region, created=datetime.datetime(YEAR, 3, 31, 23, 59))
    c_april = customer(org.sales1, region, created=datetime.datetime(YEAR, 4, 1, 0, 1))
    assert c.created_at.astimezone(datetime.UTC).date() == datetime.date(YEAR, 3, 31)
    assert c_april.created_at.astimezone(datetime.UTC).date() == datetime.date(
        YEAR, 3, 31
    )  # UTC: still March
    pumps = Category.objects.create(code="ach-pumps", name="泵")
    product = Product.objects.create(
        code="ACH-Q", name="泵", category=pumps, list_price=D("1"), tax_rate=D("13")
    )
    make_plan(
        "approved",
        by=org.director,
        reviewer=director2,
        targets=[
            {"level": "company", "measure": "amount", "months": months("100.00")},
            {"level": "company", "measure": "new_customers", "months": months(1)},
            {"level": "company", "measure": "collections", "months": months("100.00")},
        ],
    )
    record_facts(
        [
            fact(c, product, day=datetime.date(YEAR, 3, 31), amount="12.34", number="Q-1"),
            fact(c, product, day=datetime.date(YEAR, 4, 1), amount="56.78", number="Q-2"),
            fact(
                c,
                None,
                kind=Kind.COLLECTED,
                day=datetime.date(YEAR, 3, 31),
                amount="9.99",
                number="P-1",
                source=Source.PAYMENT,
            ),
        ]
    )
    on = datetime.date(YEAR, 6, 1)
    for use_totals in (None, False):
        q1 = by_key(
            ach.compute(user=org.director, year=YEAR, period="quarter", index=1, on=on, use_totals=use_totals)
        )
        q2 = by_key(
            ach.compute(user=org.director, year=YEAR, period="quarter", index=2, on=on, use_totals=use_totals)
        )
        assert q1[("company", None, "amount")]["actual"] == D("12.34")
        assert q2[("company", None, "amount")]["actual"] == D("56.78")
        assert q1[("company", None, "collections")]["actual"] == D("9.99")
        assert q2[("company", None, "collections")]["actual"] == D("0.00")
        assert q1[("company", None, "new_customers")]["actual"] == D(1)
        assert q2[("company", None, "new_customers")]["actual"] == D(1)
    march = by_key(selectors.achievement(user=org.director, year=YEAR, period="month", index=3, on=on))
    assert march[("company", None, "amount")]["actual"] == D("12.34")


# --- scope --------------------------------------------------------------------------------------


def test_a_salesperson_sees_only_their_own_lines_and_actuals(world):
    org = world.org
    rows = selectors.achievement(user=org.sales1, year=YEAR, period="month", index=11, on=NOV_15)
    assert {(r["level"], r["subject_id"], r["measure"]) for r in rows} == {
        ("salesperson", org.sales1.pk, "amount"),
        ("salesperson", org.sales1.pk, "new_customers"),
    }
    got = by_key(rows)
    assert got[("salesperson", org.sales1.pk, "amount")]["actual"] == D("60.05")
    assert got[("salesperson", org.sales1.pk, "new_customers")]["actual"] == D(1)
    assert selectors.achievement(user=org.sales4, year=YEAR, period="month", index=11, on=NOV_15) == []
    three = selectors.achievement(user=org.sales3, year=YEAR, period="month", index=11, on=NOV_15)
    assert [(r["subject_id"], r["actual"]) for r in three] == [(org.sales3.pk, D("7.5"))]
    with pytest.raises(PermissionDenied):
        selectors.achievement(user=org.keeper, year=YEAR)


def test_managers_see_their_lines_with_the_same_figures_as_the_director(world):
    org = world.org
    director = by_key(
        selectors.achievement(user=org.director, year=YEAR, period="month", index=11, on=NOV_15)
    )
    team = {
        ("team", org.teams["east"].pk, "amount"),
        ("salesperson", org.sales1.pk, "amount"),
        ("salesperson", org.sales1.pk, "new_customers"),
    }
    region = {("region", org.regions["east"].pk, "amount"), *team}
    for name, expected in [("manager1", team), ("regional_east", region)]:
        rows = by_key(
            selectors.achievement(user=org.people[name], year=YEAR, period="month", index=11, on=NOV_15)
        )
        assert set(rows) == expected, name
        for key, row in rows.items():
            assert row == director[key], (name, key)


def test_level_and_measure_filters(world):
    org = world.org
    rows = selectors.achievement(
        user=org.director, year=YEAR, period="month", index=11, on=NOV_15, level="region"
    )
    assert {r["level"] for r in rows} == {"region"} and len(rows) == 2
    rows = selectors.achievement(user=org.director, year=YEAR, on=NOV_15, measure="new_customers")
    assert {r["measure"] for r in rows} == {"new_customers"} and len(rows) == 3
    for kwargs, field in [
        ({"level": "planet"}, "level"),
        ({"measure": "smiles"}, "measure"),
        ({"period": "week"}, "period"),
        ({"period": "quarter", "index": 9}, "index"),
    ]:
        with pytest.raises(ValidationFailed) as exc:
            selectors.achievement(user=org.director, year=YEAR, **kwargs)
        assert field in exc.value.fields


def test_without_an_approved_plan_there_is_nothing(org, make_plan):
    assert selectors.achievement(user=org.director, year=YEAR) == []
    make_plan("submitted", by=org.manager1)  # in review: not the year's plan yet
    assert selectors.achievement(user=org.director, year=YEAR) == []
    assert selectors.achievement(user=org.manager1, year=YEAR, period="month", index=1) == []
    assert selectors.achievement_summary(user=org.director, on=datetime.date(YEAR, 5, 1)) == {
        "month": None,
        "quarter": None,
        "year": None,
    }


def test_the_monthly_totals_give_the_same_figures_as_the_facts(world):
    org = world.org
    for period, index in [("month", 11), ("quarter", 4), ("year", None), ("month", 10)]:
        fast = ach.compute(user=org.director, year=YEAR, period=period, index=index, on=NOV_15)
        slow = ach.compute(
            user=org.director, year=YEAR, period=period, index=index, on=NOV_15, use_totals=False
        )
        assert fast == slow, (period, index)


# --- summary ------------------------------------------------------------------------------------


def test_summary_takes_the_broadest_own_amount_line(world):
    org = world.org
    summary = selectors.achievement_summary(user=org.director, on=NOV_15)
    assert set(summary) == {"month", "quarter", "year"}
    assert summary["month"]["level"] == "company" and summary["month"]["actual"] == D("810.05")
    assert summary["quarter"]["actual"] == D("2697.05") and summary["year"]["target"] == D("12000.00")
    mine = selectors.achievement_summary(user=org.sales1, on=NOV_15)
    assert mine["month"]["subject_id"] == org.sales1.pk and mine["month"]["measure"] == "amount"
    assert mine["month"]["actual"] == D("60.05")
    assert selectors.achievement_summary(user=org.manager1, on=NOV_15)["month"]["level"] == "team"
    assert selectors.achievement_summary(user=org.regional_east, on=NOV_15)["month"]["level"] == "region"
    assert selectors.achievement_summary(user=org.sales3, on=NOV_15)["month"] is None  # no amount line
    assert selectors.achievement_summary(user=org.keeper, on=NOV_15) == {
        "month": None,
        "quarter": None,
        "year": None,
    }


# --- queries ------------------------------------------------------------------------------------


def _queries(user, year) -> int:
    with CaptureQueriesContext(connection) as ctx:
        rows = selectors.achievement(user=user, year=year, period="quarter", on=datetime.date(year, 11, 15))
    assert rows
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_lines(org, make_plan, director2):
    people = [org.people[f"sales{n}"] for n in range(1, 7)]
    make_plan(
        "approved",
        by=org.director,
        reviewer=director2,
        year=2028,
        targets=[
            {"level": "salesperson", "subject": org.sales1.pk, "measure": m, "months": months(1)}
            for m in ("amount", "quantity", "collections", "new_customers")
        ],
    )
    make_plan(
        "approved",
        by=org.director,
        reviewer=director2,
        year=2029,
        targets=[
            {"level": "salesperson", "subject": p.pk, "measure": m, "months": months(1)}
            for p in people
            for m in ("amount", "quantity", "collections", "new_customers")
        ],
    )
    for user in (org.director, org.regional_east, org.sales1):
        _queries(user, 2028)  # the user's permissions and scope are cached on the first call
        few, many = _queries(user, 2028), _queries(user, 2029)
        assert few == many <= 10, (user, few, many)
