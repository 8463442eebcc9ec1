"""GET /api/v1/stats/sales: the statistics report as JSON, in the caller's scope; bad input is
a 4xx error body naming the field."""

import datetime

import pytest

from salesdept.stats.services import record_facts
from tests.api_helpers import assert_error, bearer

from .conftest import fact


@pytest.fixture
def sales(world):
    a, b = world.customers
    p = world.products[0]
    record_facts(
        [
            fact(a, p, amount="1000.00", cost="600.00", number="SO-A", day=datetime.date(2026, 4, 2)),
            fact(b, p, amount="250.50", cost="100.00", number="SO-B", day=datetime.date(2026, 5, 3)),
            fact(a, p, amount="400.00", cost="0", number="SO-LY", day=datetime.date(2025, 4, 9)),
        ]
    )
    return world


def test_director_gets_the_quarter_by_region_with_the_year_before(sales):
    response = bearer(sales.org.director).get(
        "/stats/sales",
        {
            "dimension": "salesperson",
            "period": "quarter",
            "year": 2026,
            "quarter": 2,
            "measures": "ordered_amount,gross_margin,orders",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["months"] == ["2026-04", "2026-05", "2026-06"]
    assert body["total"]["ordered_amount"] == "1250.50"  # Decimal as a string, never a float
    assert body["total"]["gross_margin"] == "550.50"
    assert body["previous_year"]["ordered_amount"] == "400.00"
    rows = {r["key"]: r for r in body["rows"]}
    sales1 = rows[str(sales.org.sales1.pk)]
    assert sales1["label"] == str(sales.org.sales1)
    assert sales1["months"]["2026-04"]["ordered_amount"] == "1000.00" and sales1["total"]["orders"] == 1


def test_a_salesperson_gets_only_their_own_figures(sales):
    body = bearer(sales.org.sales1).get("/stats/sales", {"dimension": "customer", "year": 2026}).json()
    assert [r["key"] for r in body["rows"]] == [str(sales.customers[0].pk)]
    assert body["total"] == {"ordered_amount": "1000.00"}  # the default measure only


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"dimension": "planet"}, "dimension"),
        ({"period": "quarter", "quarter": 5}, "quarter"),
        ({"period": "month", "month": 13}, "month"),
        ({"period": "range", "start": "2026-05-01", "end": "2026-04-01"}, "end"),
        ({"period": "range"}, "start"),
        ({"year": 20260}, "year"),
        ({"measures": "ordered_amount,happiness"}, "measures"),
    ],
)
def test_bad_input_names_the_field(sales, query, field):
    response = bearer(sales.org.director).get("/stats/sales", query)
    body = assert_error(response, 400, "invalid")
    assert field in body["fields"]


def test_a_role_without_sales_figures_is_refused(sales):
    assert bearer(sales.org.keeper).get("/stats/sales").status_code == 403
