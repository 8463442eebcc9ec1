"""Conversion rate (成交率, C2): cohorts of leads by creation period, won and lost from the stage
history, per salesperson, team and source; arithmetic, time-zone boundaries, scope, and a
property test that the report's totals equal a count done in Python (I12)."""

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesdept.accounts.scope import scope_of
from salesdept.core.errors import ValidationFailed
from salesdept.crm.models import Customer, Tier
from salesdept.crm.selectors.leads import conversion_rates, rate
from salesdept.crm.services import leads as services

pytestmark = pytest.mark.django_db

START, END = datetime.date(2025, 1, 1), datetime.date(2025, 3, 31)


def _at(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


def _lead(owner, created, *moves, source="other"):
    """A lead created at `created` and moved through `moves` = [(stage, at), ...]."""
    region = owner.region_id
    lead = services.lead_create(
        by=owner, data={"name": f"客户{created:%m%d%H%M}", "source": source, "region_id": region}, at=created
    )
    for stage, when in moves:
        if stage == "won":
            services.lead_win(by=owner, lead_id=lead.pk, customer_id=_customer(owner).pk, at=when)
        else:
            services.lead_move(
                by=owner, lead_id=lead.pk, stage_code=stage, lost_reason="price", note="again", at=when
            )
    return lead


def _customer(owner):
    found = Customer.objects.filter(owner=owner).first()
    if found:
        return found
    n = Customer.objects.count() + 1
    return Customer.objects.create(
        code=f"TC-{n}",
        name=f"客户{n}",
        name_normalized=f"kh{n}",
        region=owner.region,
        owner=owner,
        created_by=owner,
        tier=Tier.objects.first(),
    )


@pytest.fixture
def cohort(org):
    """Eight leads in Jan–Mar 2025 with known outcomes, and one just before the range."""
    s1, s2, s3 = org.sales1, org.sales2, org.sales3
    _lead(s1, _at(2025, 1, 10), ("contacted", _at(2025, 1, 12)), ("won", _at(2025, 2, 1)), source="visit")
    _lead(s1, _at(2025, 1, 20), ("lost", _at(2025, 1, 25)), source="visit")
    _lead(s1, _at(2025, 1, 31, 23, 30), source="phone")  # open; late on the 31st, local time
    # just after midnight local time on 1 Feb (still 31 Jan in UTC): a February lead
    _lead(
        s1,
        _at(2025, 2, 1, 0, 10),
        ("lost", _at(2025, 2, 2)),
        ("contacted", _at(2025, 2, 3)),
        ("won", _at(2025, 2, 4)),
        source="phone",
    )
    _lead(s1, _at(2025, 2, 15), ("lost", _at(2025, 2, 16)), ("quoted", _at(2025, 2, 17)), source="phone")
    _lead(s2, _at(2025, 1, 5), ("won", _at(2025, 3, 20)), source="visit")
    _lead(s2, _at(2025, 3, 3), source="referral")
    _lead(s3, _at(2025, 2, 10), ("lost", _at(2025, 2, 11)), source="referral")
    _lead(s1, _at(2024, 12, 31, 23, 59), ("won", _at(2025, 1, 2)))  # before the range


def _cells(report) -> dict:
    return {(r.label, r.period_label): (r.created, r.won, r.lost, r.open, r.rate) for r in report.rows}


def test_conversion_by_owner_and_month_every_cell(org, cohort, django_assert_max_num_queries):
    # given the director's roles were read once (as for any request)
    scope_of(org.director)
    org.director.has_perm("crm.view_lead")  # permissions cached too
    # when the report runs: one query
    with django_assert_max_num_queries(1):
        report = conversion_rates(user=org.director, group_by="owner", period="month", start=START, end=END)
    # then
    s1, s2, s3 = (str(org.sales1), str(org.sales2), str(org.sales3))
    assert _cells(report) == {
        (s1, "2025-01"): (3, 1, 1, 1, Decimal("33.3")),
        (s1, "2025-02"): (2, 1, 1, 0, Decimal("50.0")),
        (s2, "2025-01"): (1, 1, 0, 0, Decimal("100.0")),
        (s2, "2025-03"): (1, 0, 0, 1, Decimal("0.0")),
        (s3, "2025-02"): (1, 0, 1, 0, Decimal("0.0")),
    }
    t = report.totals
    assert (t.created, t.won, t.lost, t.open, t.rate) == (8, 3, 3, 2, Decimal("37.5"))
    assert {(g.label, g.created, g.won, g.lost, g.rate) for g in report.groups} == {
        (s1, 5, 2, 2, Decimal("40.0")),
        (s2, 2, 1, 0, Decimal("50.0")),
        (s3, 1, 0, 1, Decimal("0.0")),
    }


def test_conversion_by_team_and_quarter(org, cohort):
    with translation.override("en"):
        report = conversion_rates(user=org.director, group_by="team", period="quarter", start=START, end=END)
    assert _cells(report) == {
        ("East team", "2025 Q1"): (7, 3, 2, 2, Decimal("42.9")),
        ("South team", "2025 Q1"): (1, 0, 1, 0, Decimal("0.0")),
    }


def test_conversion_by_source_and_year(org, cohort):
    with translation.override("en"):
        report = conversion_rates(user=org.director, group_by="source", period="year", start=START, end=END)
    assert _cells(report) == {
        ("Walk-in visit", "2025"): (3, 2, 1, 0, Decimal("66.7")),
        ("Phone call", "2025"): (3, 1, 1, 1, Decimal("33.3")),
        ("Referral", "2025"): (2, 0, 1, 1, Decimal("0.0")),
    }


def test_conversion_range_is_inclusive_by_local_day(org, cohort):
    report = conversion_rates(
        user=org.director, group_by="owner", period="month", start=datetime.date(2024, 12, 31), end=END
    )
    assert report.totals.created == 9 and report.totals.won == 4
    report = conversion_rates(
        user=org.director, group_by="owner", period="month", start=START, end=datetime.date(2025, 1, 31)
    )
    assert report.totals.created == 4  # the lead of 23:30 on the 31st is in, 00:10 on 1 Feb is not


def test_conversion_of_a_salesperson_contains_only_their_leads(org, cohort):
    report = conversion_rates(user=org.sales1, group_by="owner", period="month", start=START, end=END)
    assert {r.label for r in report.rows} == {str(org.sales1)}
    assert (report.totals.created, report.totals.won, report.totals.lost) == (5, 2, 2)


def test_conversion_of_a_manager_covers_the_team(org, cohort):
    report = conversion_rates(user=org.manager1, group_by="owner", period="month", start=START, end=END)
    assert {r.label for r in report.rows} == {str(org.sales1), str(org.sales2)}
    assert report.totals.created == 7


def test_conversion_of_a_regional_manager_covers_the_region(org, cohort, django_assert_max_num_queries):
    scope_of(org.regional_east)
    org.regional_east.has_perm("crm.view_lead")  # permissions cached too
    with django_assert_max_num_queries(2):  # the region tree, then the report
        report = conversion_rates(
            user=org.regional_east, group_by="team", period="year", start=START, end=END
        )
    assert report.totals.created == 7


def test_conversion_with_no_leads_has_zero_rate(org):
    report = conversion_rates(user=org.sales1, group_by="owner", period="month", start=START, end=END)
    assert report.rows == [] and report.totals.created == 0 and report.totals.rate == Decimal("0.0")


@pytest.mark.parametrize(
    "won, created, expected",
    [
        (0, 0, "0.0"),
        (1, 3, "33.3"),
        (2, 3, "66.7"),
        (1, 8, "12.5"),
        (1, 16, "6.3"),
        (5, 5, "100.0"),
        (0, 7, "0.0"),
    ],
)
def test_rate_rounds_half_up_to_a_tenth_of_a_percent(won, created, expected):
    assert rate(won, created) == Decimal(expected)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"group_by": "region"}, "group_by"),
        ({"period": "week"}, "period"),
        ({"start": END, "end": START}, "end"),
    ],
)
def test_conversion_with_bad_parameters_names_the_field(org, kwargs, field):
    args = {"group_by": "owner", "period": "month", "start": START, "end": END, **kwargs}
    with pytest.raises(ValidationFailed) as refused:
        conversion_rates(user=org.director, **args)
    assert field in refused.value.fields


# --- property: the report's totals equal a count in Python --------------------------------------

MOVES = st.lists(st.sampled_from(["contacted", "quoted", "lost", "won", "reopen"]), max_size=5)
LEADS = st.lists(
    st.tuples(st.sampled_from(["sales1", "sales2", "sales3"]), st.integers(0, 11), st.integers(1, 28), MOVES),
    min_size=0,
    max_size=12,
)


def _apply(org, spec) -> tuple[str, str, datetime.date, str]:
    """Create one lead and play its moves as the services allow; return (owner, team, month,
    outcome by the report's rule)."""
    owner_name, month, day, moves = spec
    owner = getattr(org, owner_name)
    created = _at(2025, month + 1, day, 9)
    lead = services.lead_create(by=owner, data={"name": "L"}, at=created)
    stage, ever_won, ever_lost = "new", False, False
    when = created
    for move in moves:
        when += datetime.timedelta(hours=1)
        closed = stage in ("won", "lost")
        if move == "won" and stage != "won":
            services.lead_win(by=owner, lead_id=lead.pk, customer_id=_customer(owner).pk, at=when)
            stage, ever_won = "won", True
        elif move == "lost" and stage != "lost":
            services.lead_move(by=owner, lead_id=lead.pk, stage_code="lost", lost_reason="r", at=when)
            stage, ever_lost = "lost", True
        elif move == "reopen" and closed:
            services.lead_move(by=owner, lead_id=lead.pk, stage_code="contacted", note="back", at=when)
            stage = "contacted"
        elif move in ("contacted", "quoted") and not closed and stage != move:
            services.lead_move(by=owner, lead_id=lead.pk, stage_code=move, at=when)
            stage = move
    outcome = "won" if ever_won else "lost" if ever_lost else "open"
    return owner_name, str(owner.team), datetime.date(2025, month + 1, 1), outcome


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=LEADS)
def test_conversion_totals_equal_python_counts(org, specs):
    with transaction.atomic():
        facts = [_apply(org, spec) for spec in specs]
        expected_cells = Counter()
        for owner_name, _team, month, outcome in facts:
            key = (str(getattr(org, owner_name)), f"{month:%Y-%m}")
            expected_cells[key + ("created",)] += 1
            expected_cells[key + (outcome,)] += 1
        report = conversion_rates(
            user=org.director,
            group_by="owner",
            period="month",
            start=datetime.date(2025, 1, 1),
            end=datetime.date(2025, 12, 31),
        )
        outcomes = Counter(o for *_rest, o in facts)
        t = report.totals
        assert (t.created, t.won, t.lost, t.open) == (
            len(facts),
            outcomes["won"],
            outcomes["lost"],
            outcomes["open"],
        )
        assert t.rate == rate(outcomes["won"], len(facts))
        for r in report.rows:
            key = (r.label, r.period_label)
            assert (r.created, r.won, r.lost, r.open) == tuple(
                expected_cells[key + (m,)] for m in ("created", "won", "lost", "open")
            )
        assert sum(r.created for r in report.rows) == len(facts)
        # a salesperson's own report counts exactly their leads
        mine = conversion_rates(
            user=org.sales1,
            group_by="team",
            period="year",
            start=datetime.date(2025, 1, 1),
            end=datetime.date(2025, 12, 31),
        )
        assert mine.totals.created == sum(1 for f in facts if f[0] == "sales1")
        transaction.set_rollback(True)
