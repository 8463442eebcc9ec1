"""The achievement page /planning/achievement/ and GET /api/v1/plans/achievement: filters, the
table with its bars and traffic-light badges (with text), sorting, the empty state without an
approved plan, scope (a salesperson sees only their own line), and the one JSON error body for
bad input."""

import datetime
import re
from decimal import Decimal as D

import pytest
from django.test import Client

from tests.api_helpers import assert_error, bearer, session

from .conftest import YEAR
from .test_achievement import NOV_15, build_world


@pytest.fixture
def world(org, make_plan, director2):
    return build_world(org, make_plan, director2)


@pytest.fixture
def today_nov_15(monkeypatch):
    """The pages and the API ask timezone.localdate() for today."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: NOV_15)


def client_for(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def row_ids(page: str) -> list[str]:
    return re.findall(r'data-testid="achievement-row" data-line="(\d+)"', page)


def test_the_director_sees_every_line_with_bars_and_lights(world, today_nov_15):
    r = client_for(world.org.director).get(
        "/planning/achievement/", {"year": YEAR, "period": "month", "index": 11}
    )
    assert r.status_code == 200
    page = r.content.decode()
    assert len(row_ids(page)) == 11
    assert 'data-testid="achievement-table"' in page and 'role="progressbar"' in page
    assert "810.05" in page and "81.0%" in page and "11.88" in page  # company: actual, ratio, per day
    assert "On track" in page and 'data-light="green"' in page  # the light says it in words too
    assert "2027-11-01 – 2027-11-30" in page and "46.7% of the period elapsed" in page


def test_finished_period_shows_amber_and_red(world, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(YEAR + 1, 1, 5))
    page = (
        client_for(world.org.director)
        .get("/planning/achievement/", {"year": YEAR, "period": "month", "index": 11})
        .content.decode()
    )
    assert 'data-light="red"' in page and "Behind" in page
    assert 'data-light="amber"' in page and "Slightly behind" in page


def test_columns_sort(world, today_nov_15):
    client = client_for(world.org.director)
    query = {"year": YEAR, "period": "month", "index": 11}
    ratios = lambda page: [  # noqa: E731
        D(v) for v in re.findall(r'data-testid="ratio">([\d.]+)%', page)
    ]
    up = ratios(client.get("/planning/achievement/", {**query, "sort": "ratio"}).content.decode())
    assert up == sorted(up) and len(up) == 10  # the line without a target has no ratio
    down = ratios(client.get("/planning/achievement/", {**query, "sort": "-ratio"}).content.decode())
    assert down == sorted(down, reverse=True)
    page = client.get("/planning/achievement/", {**query, "sort": "-ratio"}).content.decode()
    assert 'aria-sort="descending"' in page
    lights = re.findall(
        r'data-light="(\w+)"',
        client.get("/planning/achievement/", {**query, "sort": "light"}).content.decode(),
    )
    order = {"red": 0, "amber": 1, "green": 2}
    assert [order[x] for x in lights] == sorted(order[x] for x in lights)


def test_a_salesperson_sees_only_their_own_lines_on_the_page(world, today_nov_15):
    org = world.org
    page = client_for(org.sales1).get("/planning/achievement/", {"period": "month"}).content.decode()
    assert len(row_ids(page)) == 2
    assert str(org.sales1) in page and "60.05" in page
    assert "Whole company" not in page and "810.05" not in page and str(org.sales3) not in page


@pytest.mark.parametrize(
    "language, words", [("en", "No approved plan for 2027."), ("zh-hans", 'lang="zh-hans"')]
)
def test_empty_state_without_an_approved_plan(org, language, words):
    r = client_for(org.director, language).get("/planning/achievement/", {"year": YEAR})
    assert r.status_code == 200
    page = r.content.decode()
    assert 'data-testid="empty-state"' in page and words in page
    assert 'data-testid="achievement-table"' not in page


def test_bad_filters_mark_the_field(org):
    r = client_for(org.director).get(
        "/planning/achievement/", {"year": YEAR, "period": "quarter", "index": 7}
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert "Enter a quarter from 1 to 4." in page and 'data-testid="empty-state"' in page
    assert client_for(org.director).get("/planning/achievement/", {"period": "week"}).status_code == 400


def test_links_to_the_page(world):
    client = client_for(world.org.director)
    assert 'data-testid="achievement-link"' in client.get("/planning/plans/").content.decode()
    detail = client.get(f"/planning/plans/{world.plan.pk}/").content.decode()
    assert f'href="/planning/achievement/?year={YEAR}"' in detail
    dashboard = client.get("/").content.decode()
    assert 'href="/planning/achievement/"' in dashboard  # the menu, next to the plans
    keeper = client_for(world.org.keeper)
    assert 'href="/planning/achievement/"' not in keeper.get("/").content.decode()
    assert keeper.get("/planning/achievement/").status_code == 403


# --- API ----------------------------------------------------------------------------------------


def test_api_returns_the_rows_with_decimal_strings(world, today_nov_15):
    r = bearer(world.org.director).get("/plans/achievement", {"year": YEAR, "period": "month", "index": 11})
    assert r.status_code == 200, r.content
    rows = r.json()
    assert len(rows) == 11
    company = next(x for x in rows if x["level"] == "company" and x["measure"] == "amount")
    assert company["target"] == "1000.00" and company["actual"] == "810.05"
    assert company["ratio"] == "81.0" and company["gap"] == "189.95" and company["elapsed"] == "46.7"
    assert company["needed_per_day"] == "11.88" and company["light"] == "green"
    assert company["subject"] == "Whole company" and company["subject_id"] is None
    north = next(x for x in rows if x["target"] == "0.00")
    assert north["ratio"] is None and north["needed_per_day"] is None
    # defaults: this year, the whole year
    assert len(bearer(world.org.director).get("/plans/achievement").json()) == 11
    only = bearer(world.org.director).get("/plans/achievement", {"year": YEAR, "level": "category"}).json()
    assert {x["level"] for x in only} == {"category"}


def test_api_scope_a_salesperson_gets_only_their_own(world, today_nov_15):
    org = world.org
    rows = session(org.sales1).get("/plans/achievement", {"year": YEAR, "period": "month"}).json()
    assert {(x["level"], x["subject_id"]) for x in rows} == {("salesperson", org.sales1.pk)}
    assert {x["actual"] for x in rows if x["measure"] == "amount"} == {"60.05"}
    assert bearer(org.sales4).get("/plans/achievement", {"year": YEAR}).json() == []


def test_api_without_a_plan_is_an_empty_list(org):
    r = bearer(org.director).get("/plans/achievement", {"year": YEAR})
    assert r.status_code == 200 and r.json() == []


@pytest.mark.parametrize(
    "query, field",
    [
        ({"period": "week"}, "period"),
        ({"period": "quarter", "index": 5}, "index"),
        ({"period": "month", "index": 0}, "index"),
        ({"period": "month", "index": 13}, "index"),
        ({"year": 1500}, "year"),
        ({"level": "planet"}, "level"),
        ({"measure": "smiles"}, "measure"),
    ],
)
def test_api_bad_input_is_a_400_naming_the_field(org, query, field):
    assert_error(
        bearer(org.director).get("/plans/achievement", {"year": YEAR, **query}), 400, "invalid", {field}
    )


def test_api_refusals(org):
    assert_error(bearer(org.keeper).get("/plans/achievement", {"year": YEAR}), 403, "permission_denied")
    r = bearer(org.director).get("/plans/achievement", {"year": "soon"})
    assert 400 <= r.status_code < 500 and set(r.json()) == {"error"}
