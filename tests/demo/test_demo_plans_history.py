"""The demo's sales plan and sales history (issue 7): loading the whole demo company gives this
year's approved plan — amount and collections by month for the company, every region, team and
salesperson, and two categories — prepared by a manager and approved by the director, with
targets some salespeople beat and others fall short of; and last year's sales imported as history,
so the statistics report has a year before (同比). The invariants (check_invariants) hold."""

import datetime
import io
from collections import defaultdict
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from salesdept.accounts.models import User
from salesdept.core import invariants
from salesdept.core.events import history
from salesdept.demo import load, plans
from salesdept.planning.models import SUBJECT_FIELD, Level, Plan, PlanStatus
from salesdept.sales.models import OrderStatus, SalesOrderLine
from salesdept.stats.models import Kind, SalesFact, Source
from salesdept.stats.selectors import sales_report


def test_demo_has_an_approved_plan_and_last_years_history(db):
    # given the whole demo company
    load.load_demo()
    today = timezone.localdate()
    year = today.year
    director = User.objects.get(username="director")

    # then this year has one approved plan, drafted by manager1 and approved by the director
    plan = Plan.objects.get(calendar_year=year)
    assert plan.status == PlanStatus.APPROVED
    assert plan.prepared_by.username == "manager1"
    events = [(e.action, e.actor.username) for e in history(plan)]
    assert ("submit", "manager1") in events and ("approve", "director") in events
    assert not any(action == "approve" and who == "manager1" for action, who in events)
    # with 12 monthly targets of amount and collections at every level, and two categories
    rows = list(plan.targets.values_list("line", "level", "measure", "month", "value"))
    months = defaultdict(list)
    for line, level, measure, month, value in rows:
        months[(line, level, measure)].append((month, value))
    assert all(sorted(m for m, _v in ms) == list(range(1, 13)) for ms in months.values())
    levels = defaultdict(set)
    for _line, level, measure in months:
        levels[level].add(measure)
    assert levels == {
        Level.COMPANY: {"amount", "collections"},
        Level.REGION: {"amount", "collections"},
        Level.TEAM: {"amount", "collections"},
        Level.SALESPERSON: {"amount", "collections"},
        Level.CATEGORY: {"amount"},
    }
    per_level = defaultdict(set)
    for t in plan.targets.all():
        per_level[t.level].add(getattr(t, f"{SUBJECT_FIELD[t.level]}_id") if SUBJECT_FIELD[t.level] else None)
    assert len(per_level[Level.REGION]) == 3 and len(per_level[Level.TEAM]) == 3
    assert len(per_level[Level.SALESPERSON]) == 6 and len(per_level[Level.CATEGORY]) == 2
    assert all(v >= 0 and v == v.quantize(Decimal(100)) for *_k, v in rows)

    # and the demo's sales beat some salespeople's targets and fall short of others' (the
    # months of this year gone by, against the demo's confirmed orders)
    if today.month > 1:
        done = defaultdict(Decimal)
        for owner, amount in SalesOrderLine.objects.filter(
            order__status=OrderStatus.CONFIRMED,
            order__ordered_on__gte=datetime.date(year, 1, 1),
            order__ordered_on__lt=datetime.date(year, today.month, 1),
        ).values_list("order__owner_id", "amount"):
            done[owner] += amount
        target = defaultdict(Decimal)
        for t in plan.targets.filter(level=Level.SALESPERSON, measure="amount", month__lt=today.month):
            target[t.salesperson_id] += t.value
        ratios = {who: done[who] / value for who, value in target.items() if value}
        assert any(r > 1 for r in ratios.values()) and any(r < 1 for r in ratios.values()), ratios
    factors = [Decimal(a) for a, _c in plans.PERSON_FACTORS]
    assert min(factors) < 1 < max(factors)

    # last year's sales came in as history: a few hundred lines over every month, for many
    # customers, products and every salesperson, shipped and invoiced
    facts = SalesFact.objects.filter(source=Source.HISTORY, day__year=year - 1)
    ordered = facts.filter(kind=Kind.ORDERED)
    assert 250 <= ordered.count() <= 400
    assert {d.month for d in ordered.values_list("day", flat=True)} == set(range(1, 13))
    assert ordered.values("customer_id").distinct().count() >= 50
    assert ordered.values("product_id").distinct().count() >= 10
    assert ordered.values("salesperson_id").distinct().count() == 6
    assert (
        facts.filter(kind=Kind.SHIPPED).count() == facts.filter(kind=Kind.INVOICED).count() == ordered.count()
    )
    # so the statistics report has a year before for this year's figures (同比)
    report = sales_report(director, dimension="region", start=datetime.date(year, 1, 1), end=today)
    assert report.previous_year["ordered_amount"] > 0
    assert all(row.previous_year["ordered_amount"] > 0 for row in report.rows if row.key)

    # and every invariant holds on the demo database
    assert invariants.run() == []
    out = io.StringIO()
    call_command("check_invariants", stdout=out)
    assert "OK" in out.getvalue()
