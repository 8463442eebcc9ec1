"""The whole demo company (`load_demo()`), loaded once for the tests of this module (each test
runs in a savepoint on it; loading takes ~20 s of CPU, so three loads were a minute of every CI
run): the sales plan and history (issue 7), the customers and relationships (issue 3), and that
loading again duplicates nothing.

The demo's sales plan and sales history (issue 7): loading the whole demo company gives this
year's approved plan — amount and collections by month for the company, every region, team and
salesperson, and two categories — prepared by a manager and approved by the director, with
targets some salespeople beat and others fall short of; and last year's sales imported as history,
so the statistics report has a year before (同比). The invariants (check_invariants) hold.

The demo company's customers and relationships (issue 3, "Demo data"): about 200 customers in
the three regions owned by sales1 … sales6, and around them every list the issue names is filled
— so `salesdept demo` shows a real department's pages.
"""

import datetime
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count, Max, Min
from django.utils import timezone

from salesdept.accounts.models import User
from salesdept.accounts.scope import region_subtree
from salesdept.core import invariants
from salesdept.core.events import history
from salesdept.crm.models import (
    Activity,
    Contact,
    Customer,
    CustomerDocument,
    Feedback,
    Lead,
    LeadStage,
    LeadStageChange,
    Letter,
    PhoneCall,
    Visit,
)
from salesdept.crm.selectors import reminders
from salesdept.crm.selectors.activities import today_list
from salesdept.crm.selectors.customers import incomplete_by_salesperson
from salesdept.demo import crm as demo_crm
from salesdept.demo import load, plans
from salesdept.planning.models import SUBJECT_FIELD, Level, Plan, PlanStatus
from salesdept.sales.models import Contract, ContractStatus, OrderStatus, SalesOrder, SalesOrderLine
from salesdept.stats.models import Kind, SalesFact, Source
from salesdept.stats.selectors import sales_report
from tests.api_helpers import session
from tests.conftest import assert_invariants_hold, shared_data
from tests.test_demo_data import EXPECTED
from tests.warehouse import demo_checks

SELLERS = demo_crm.SELLERS


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo company, loaded once for the module; the invariants are checked on it here."""
    with shared_data(django_db_blocker):
        ctx = load.load_demo()
        assert_invariants_hold()
        yield ctx


# --- the sales plan and history (issue 7) ------------------------------------------------------


def test_demo_has_an_approved_plan_and_last_years_history(demo, db):
    # given the whole demo company
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


# --- customers and relationships (issue 3) ---------------------------------------------------------


def _counts() -> dict:
    models = (
        Customer,
        Contact,
        CustomerDocument,
        Lead,
        LeadStageChange,
        Visit,
        Activity,
        PhoneCall,
        Feedback,
        Letter,
    )
    return {m.__name__: m.objects.count() for m in models}


def test_demo_fills_every_list_the_issue_names(demo, org, client):
    # given the demo company
    today = timezone.localdate()

    # then about 200 customers (loading twice adds none: tests/test_demo_data.py), every
    # salesperson owning customers in their own region, of every kind and tier
    assert 180 <= Customer.objects.count() <= 220
    customers = Customer.objects.select_related("owner", "region", "tier")
    for username in SELLERS:
        seller = org.people[username]
        own = [c for c in customers if c.owner_id == seller.pk]
        assert len(own) >= 30, username
        assert {c.region_id for c in own} <= set(region_subtree(seller.region_id)), username
        assert {c.kind for c in own} == {"company", "person"}, username
        assert {c.tier.code for c in own} == {"A", "B", "C"}, username
    assert Customer.objects.exclude(name_en="").count() >= 30
    industries = set(Customer.objects.values_list("industry", flat=True))
    assert {"机械制造", demo_crm.APARTMENT_BUYER} <= industries
    assert industries & {i for i, _w, _e in demo_crm.FLEET}
    assert Contact.objects.values("customer").distinct().count() >= 100
    complete = Customer.objects.filter(completeness=100).count()
    assert complete > Customer.objects.count() // 2  # most files have their invoicing data …
    assert {r["owner"].username for r in incomplete_by_salesperson(user=org.director)} == set(
        SELLERS
    )  # … not all

    # documents: one expired licence, three expiring within 30 days, some verified by the clerk
    documents = CustomerDocument.objects.all()
    assert documents.filter(kind="licence", expires_on__lt=today).count() == 1
    soon = today + datetime.timedelta(days=30)
    assert documents.filter(expires_on__gte=today, expires_on__lte=soon).count() == 3
    assert reminders.documents_expiring(user=org.clerk, day=today).count() == 4
    assert documents.filter(verified_by=org.clerk).count() >= 8
    assert documents.filter(verified_by__isnull=True).exists()
    assert all(d.file.size > 0 for d in documents)

    # leads in every stage; won ones linked to customers, lost ones with a reason; a year of history
    stages = dict(Lead.objects.values_list("stage__code").annotate(n=Count("pk")))
    assert set(stages) == set(LeadStage.objects.values_list("code", flat=True))
    assert not Lead.objects.filter(stage__code="won", customer__isnull=True).exists()
    assert not Lead.objects.filter(stage__code="lost", lost_reason="").exists()
    history = LeadStageChange.objects.aggregate(first=Min("at"), last=Max("at"))
    assert history["first"] < timezone.now() - datetime.timedelta(days=300)
    assert history["last"] <= timezone.now()
    assert (
        Visit.objects.filter(lead__isnull=False).exists()
        and Visit.objects.filter(customer__isnull=False).exists()
    )

    # a year of follow-ups: done ones with results, and for every salesperson some due today,
    # some overdue and some ahead
    done = Activity.objects.filter(status="done")
    assert done.count() >= 600
    assert not done.filter(result="").exists()
    assert done.aggregate(first=Min("done_at"))["first"] < timezone.now() - datetime.timedelta(days=300)
    for username in SELLERS:
        seller = org.people[username]
        mine = today_list(user=seller, day=today)
        assert mine.filter(due_on=today).exists(), username
        assert mine.filter(due_on__lt=today).exists(), username
        assert Activity.objects.filter(owner=seller, status="planned", due_on__gt=today).exists(), username

    # the phone log, complaints in every status (one past its deadline), letters in and out
    assert PhoneCall.objects.filter(customer__isnull=False).exists()
    assert PhoneCall.objects.filter(customer__isnull=True).exists()
    assert set(Feedback.objects.values_list("status", flat=True)) == set(Feedback.Status.values)
    assert reminders.complaints_past_deadline(user=org.director, day=today).count() == 1
    assert set(Letter.objects.values_list("direction", flat=True)) == {"in", "out"}
    assert Letter.objects.filter(status="open", follow_up_on__lt=today).exists()
    assert Letter.objects.filter(status="done").exists()
    assert Letter.objects.exclude(attachment="").exists()

    # and the salesperson's today list answers over the API
    response = session(org.sales1).get("/activities/today")
    assert response.status_code == 200
    assert response.json()["count"] == today_list(user=org.sales1, day=today).count() > 0


# --- contracts and orders (issue 4) ----------------------------------------------------------------


def test_demo_contracts_in_every_state(demo, db):
    """The contract and order demo (demo/sales_contracts.py), loaded through the services, covers
    every contract state — still so once the later loaders have shipped, invoiced and returned."""
    states = set(Contract.objects.values_list("status", flat=True))
    assert set(ContractStatus.values) <= states, states
    assert Contract.objects.filter(status="submitted", review_round__gt=0).count() >= 3
    assert Contract.objects.filter(amendment_of__isnull=False, status="signed").exists()
    assert Contract.objects.exclude(registration_number="").exists()
    assert SalesOrder.objects.filter(contract__isnull=False, status="confirmed").exists()
    assert SalesOrder.objects.filter(contract__isnull=True).exists()


# --- the warehouse (issue 5) -----------------------------------------------------------------------


@pytest.mark.parametrize("check", demo_checks.checks(), ids=lambda check: check.__name__.strip("_"))
def test_demo_warehouse(demo, db, check):
    check(demo)


# --- loading again ---------------------------------------------------------------------------------


def _row_counts() -> dict[str, int]:
    """Rows per table of every installed model (the demo's loaders write many apps)."""
    models = [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy]
    return {m._meta.label: m._base_manager.count() for m in models}


def test_load_demo_twice_duplicates_nothing(demo, db):
    # given the whole demo company loaded once (every loader of every capability)
    first = _row_counts()

    # when it is loaded again, no table gains a row: each loader sees its own records
    load.load_demo()
    assert {k: v for k, v in _row_counts().items() if v != first[k]} == {}
    assert set(User.objects.values_list("username", flat=True)) == set(EXPECTED)
    assert first["crm.Customer"] > 100 and first["warehouse.StockMove"] > 100
