"""Follow-up reads (C3): today list, team overdue, customers overdue by the revisit rule, the
full list with filters — each in the reader's scope and within a query budget."""

import datetime

import pytest
from django.utils import timezone

from salesdept.core.errors import ValidationFailed
from salesdept.crm.models import Activity, Customer
from salesdept.crm.selectors import activities as selectors
from salesdept.crm.services import activities as services

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 6, 15)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def plan(by, customer, due_on, **data):
    return services.activity_plan(by=by, data={"customer_id": customer.pk, "due_on": due_on, **data})


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def warm(user):
    """Load the user's roles and permissions (once per request in real use) before counting."""
    user.has_perm("crm.view_activity")
    selectors.sees_team(user)
    return user


def ids(rows) -> list[int]:
    return [r.pk for r in rows]


# --- today list ------------------------------------------------------------------------------


def test_today_list_is_my_due_and_overdue_oldest_first(org, make_customer):
    # given sales1's follow-ups: one today, two overdue, one tomorrow, one done, one cancelled
    c = make_customer(owner=org.sales1)
    today = plan(org.sales1, c, DAY)
    week_late = plan(org.sales1, c, DAY - days(7))
    day_late = plan(org.sales1, c, DAY - days(1))
    plan(org.sales1, c, DAY + days(1))
    done = plan(org.sales1, c, DAY - days(2))
    services.activity_log(by=org.sales1, activity_id=done.pk, result="ok", done_at=at(DAY - days(2)))
    cancelled = plan(org.sales1, c, DAY)
    services.activity_cancel(by=org.sales1, activity_id=cancelled.pk, reason="no")
    # and sales2's due today
    plan(org.sales2, make_customer(owner=org.sales2), DAY)
    # when sales1 opens the today list, then: overdue first (oldest first), then today's
    assert ids(selectors.today_list(user=org.sales1, day=DAY)) == [week_late.pk, day_late.pk, today.pk]


def test_today_list_of_a_manager_holds_only_their_own(org, make_customer):
    plan(org.sales1, make_customer(owner=org.sales1), DAY)
    mine = plan(org.manager1, make_customer(owner=org.sales1), DAY, owner_id=org.manager1.pk)
    assert ids(selectors.today_list(user=org.manager1, day=DAY)) == [mine.pk]


def test_today_list_query_budget(org, make_customer, django_assert_max_num_queries):
    for i in range(15):
        plan(org.sales1, make_customer(owner=org.sales1, tier="A"), DAY - days(i))
    warm(org.sales1)
    with django_assert_max_num_queries(1):
        rows = list(selectors.today_list(user=org.sales1, day=DAY))
        names = [(a.customer.name, a.customer.tier.code, str(a.owner)) for a in rows]
    assert len(names) == 15


# --- team overdue ----------------------------------------------------------------------------


def test_team_overdue_groups_the_teams_overdue_by_salesperson(org, make_customer):
    # given overdue follow-ups: sales1 two, sales2 one, sales3 (another team) one; due today: not overdue
    c1, c2, c3 = (make_customer(owner=u) for u in (org.sales1, org.sales2, org.sales3))
    plan(org.sales1, c1, DAY - days(3))
    plan(org.sales1, c1, DAY - days(1))
    plan(org.sales2, c2, DAY - days(10))
    plan(org.sales3, c3, DAY - days(5))
    plan(org.sales1, c1, DAY)
    # when manager1 looks
    groups = selectors.team_overdue(user=org.manager1, day=DAY)
    # then their team only, most overdue first, with counts and the oldest due day
    assert [(g["owner"], g["count"], g["oldest"]) for g in groups] == [
        (org.sales1, 2, DAY - days(3)),
        (org.sales2, 1, DAY - days(10)),
    ]
    assert {g["owner"] for g in selectors.team_overdue(user=org.director, day=DAY)} == {
        org.sales1,
        org.sales2,
        org.sales3,
    }
    assert [g["owner"] for g in selectors.team_overdue(user=org.manager2, day=DAY)] == [org.sales3]
    # and the rows behind the groups are the same, by salesperson
    assert selectors.overdue(user=org.manager1, day=DAY).count() == 3


def test_team_overdue_is_empty_for_a_salesperson(org, make_customer):
    plan(org.sales1, make_customer(owner=org.sales1), DAY - days(3))
    assert selectors.team_overdue(user=org.sales1, day=DAY) == []


def test_team_overdue_of_a_regional_manager_follows_the_region(org, make_customer):
    plan(org.sales1, make_customer(owner=org.sales1, region=org.regions["east-sh"]), DAY - days(2))
    plan(org.sales3, make_customer(owner=org.sales3, region=org.regions["south-gd"]), DAY - days(2))
    groups = selectors.team_overdue(user=org.regional_east, day=DAY)
    assert [g["owner"] for g in groups] == [org.sales1]


def test_team_overdue_query_budget(org, make_customer, django_assert_max_num_queries):
    for user in (org.sales1, org.sales2):
        for i in range(5):
            plan(user, make_customer(owner=user), DAY - days(i + 1))
    warm(org.manager1)
    with django_assert_max_num_queries(2):  # groups, then their salespeople
        groups = selectors.team_overdue(user=org.manager1, day=DAY)
        labels = [str(g["owner"]) for g in groups]
    assert len(labels) == 2


# --- customers overdue by the revisit rule ---------------------------------------------------


def contacted(make_customer, tier, last, **kw):
    customer = make_customer(tier=tier, **kw)
    Customer.objects.filter(pk=customer.pk).update(last_contact_on=last)
    return customer


def created_on(customer, day):
    Customer.objects.filter(pk=customer.pk).update(
        created_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    )
    return customer


def test_overdue_by_rule_boundaries(org, make_customer):
    # tier A: every 30 days. Overdue when last contact + 30 < day.
    due_today = contacted(make_customer, "A", DAY - days(30))  # last + 30 == day: not yet
    one_late = contacted(make_customer, "A", DAY - days(31))  # last + 30 == day − 1: overdue
    recent = contacted(make_customer, "A", DAY - days(1))
    b_not_yet = contacted(make_customer, "B", DAY - days(60))
    b_late = contacted(make_customer, "B", DAY - days(61))
    c_late = contacted(make_customer, "C", DAY - days(91))
    c_not_yet = contacted(make_customer, "C", DAY - days(90))
    no_tier = contacted(make_customer, None, DAY - days(400))
    rows = selectors.customers_overdue_by_rule(user=org.sales1, day=DAY)
    found = set(ids(rows))
    assert found == {one_late.pk, b_late.pk, c_late.pk}
    assert not found & {due_today.pk, recent.pk, b_not_yet.pk, c_not_yet.pk, no_tier.pk}
    # longest without contact first, with the day the visit was due
    rows = list(rows)
    assert ids(rows) == [c_late.pk, b_late.pk, one_late.pk]
    assert [selectors.revisit_due(c) for c in rows] == [DAY - days(1)] * 3


def test_overdue_by_rule_counts_from_creation_when_never_contacted(org, make_customer):
    old = created_on(make_customer(tier="A"), DAY - days(31))
    new = created_on(make_customer(tier="A"), DAY - days(30))
    long_ago = contacted(make_customer, "A", DAY - days(100))
    rows = list(selectors.customers_overdue_by_rule(user=org.sales1, day=DAY))
    # never contacted comes first, then the longest without contact
    assert ids(rows) == [old.pk, long_ago.pk]
    assert rows[0].contact_day == DAY - days(31) and new.pk not in ids(rows)
    assert rows[1].contact_day == DAY - days(100)


def test_overdue_by_rule_skips_customers_with_a_planned_follow_up(org, make_customer):
    late = contacted(make_customer, "A", DAY - days(50))
    planned = contacted(make_customer, "A", DAY - days(50))
    plan(org.sales1, planned, DAY + days(20))
    # a done or cancelled follow-up does not count as planned
    cancelled = contacted(make_customer, "A", DAY - days(50))
    a = plan(org.sales1, cancelled, DAY)
    services.activity_cancel(by=org.sales1, activity_id=a.pk, reason="no")
    assert set(ids(selectors.customers_overdue_by_rule(user=org.sales1, day=DAY))) == {late.pk, cancelled.pk}


def test_overdue_by_rule_skips_archived_and_merged_customers(org, make_customer):
    late = contacted(make_customer, "A", DAY - days(50))
    archived = contacted(make_customer, "A", DAY - days(50))
    Customer.objects.filter(pk=archived.pk).update(is_active=False)
    merged = contacted(make_customer, "A", DAY - days(50))
    Customer.objects.filter(pk=merged.pk).update(merged_into=late, is_active=False)
    assert ids(selectors.customers_overdue_by_rule(user=org.sales1, day=DAY)) == [late.pk]


def test_overdue_by_rule_follows_the_tier_setting(org, make_customer):
    from salesdept.crm.models import Tier

    customer = contacted(make_customer, "A", DAY - days(20))
    assert ids(selectors.customers_overdue_by_rule(user=org.sales1, day=DAY)) == []
    Tier.objects.filter(code="A").update(revisit_days=14)
    assert ids(selectors.customers_overdue_by_rule(user=org.sales1, day=DAY)) == [customer.pk]


def test_overdue_by_rule_is_scoped(org, make_customer):
    mine = contacted(make_customer, "A", DAY - days(40), owner=org.sales1)
    teammate = contacted(make_customer, "A", DAY - days(40), owner=org.sales2)
    other_team = contacted(make_customer, "A", DAY - days(40), owner=org.sales3)
    assert ids(selectors.customers_overdue_by_rule(user=org.sales1, day=DAY)) == [mine.pk]
    assert set(ids(selectors.customers_overdue_by_rule(user=org.manager1, day=DAY))) == {mine.pk, teammate.pk}
    assert other_team.pk in ids(selectors.customers_overdue_by_rule(user=org.director, day=DAY))


def test_overdue_by_rule_query_budget(org, make_customer, django_assert_max_num_queries):
    for i in range(12):
        contacted(make_customer, "ABC"[i % 3], DAY - days(200 + i))
    warm(org.manager1)
    with django_assert_max_num_queries(2):  # tiers, rows (+ owner and tier joined)
        rows = list(selectors.customers_overdue_by_rule(user=org.manager1, day=DAY))
        labels = [(c.tier.code, str(c.owner), selectors.revisit_due(c)) for c in rows]
    assert len(labels) == 12


# --- the full list ---------------------------------------------------------------------------


def test_activity_list_filters_and_sorts(org, make_customer):
    c1 = make_customer(owner=org.sales1, name="上海华强机械有限公司", tier=None)  # no next follow-up
    c2 = make_customer(owner=org.sales2, name="南京远东贸易有限公司")
    a1 = plan(org.sales1, c1, DAY, kind="visit", subject="Plant tour")
    a2 = plan(org.sales2, c2, DAY + days(3), kind="call")
    a3 = plan(org.sales1, c1, DAY - days(3), kind="call")
    services.activity_log(by=org.sales1, activity_id=a3.pk, result="ordered 5 units")
    user = org.manager1

    def listed(**filters):
        return ids(selectors.activity_list(user=user, filters=filters))

    assert listed() == [a2.pk, a1.pk, a3.pk]  # the latest due first
    assert a1.pk in listed(kind="visit") and a2.pk not in listed(kind="visit")
    assert a3.pk in listed(status="done") and a1.pk not in listed(status="done")
    assert listed(owner=str(org.sales2.pk)) == [a2.pk]
    assert listed(customer=str(c1.pk)) == [a1.pk, a3.pk]
    assert listed(sort="due_on") == [a3.pk, a1.pk, a2.pk]
    assert a1.pk in listed(q="华强") and a2.pk not in listed(q="华强")
    assert a3.pk in listed(q="5 units")
    assert listed(due_from=str(DAY), due_to=str(DAY)) == [a1.pk]
    by_due_desc = listed(sort="-due_on")
    assert by_due_desc.index(a2.pk) < by_due_desc.index(a1.pk) < by_due_desc.index(a3.pk)


@pytest.mark.parametrize(
    ("filters", "field"),
    [({"status": "late"}, "status"), ({"due_from": "15/06/2025"}, "due_from"), ({"sort": "secret"}, "sort"),
     ({"due_from": "2025-06-20", "due_to": "2025-06-01"}, "due_to")],
)  # fmt: skip
def test_activity_list_bad_filter_names_the_field(org, filters, field):
    with pytest.raises(ValidationFailed) as exc:
        selectors.activity_list(user=org.sales1, filters=filters)
    assert field in exc.value.fields


def test_activity_list_is_scoped(org, make_customer):
    mine = plan(org.sales1, make_customer(owner=org.sales1), DAY)
    theirs = plan(org.sales3, make_customer(owner=org.sales3), DAY)
    assert ids(selectors.activity_list(user=org.sales1)) == [mine.pk]
    # filtering by another salesperson shows nothing, not their rows
    assert ids(selectors.activity_list(user=org.sales1, filters={"customer": str(theirs.customer_id)})) == []
    assert set(ids(selectors.activity_list(user=org.auditor))) == {mine.pk, theirs.pk}


def test_activity_list_query_budget(org, make_customer, django_assert_max_num_queries):
    for i in range(20):
        plan(org.sales1, make_customer(owner=org.sales1, tier="B"), DAY + days(i))
    warm(org.manager1)
    with django_assert_max_num_queries(1):
        rows = list(selectors.activity_list(user=org.manager1, filters={"sort": "customer"}))
        labels = [(a.customer.name, str(a.owner), a.get_status_display()) for a in rows]
    assert len(labels) == 20


def test_activity_get_out_of_scope_is_404(org, make_customer):
    from django.http import Http404

    theirs = plan(org.sales3, make_customer(owner=org.sales3), DAY)
    with pytest.raises(Http404):
        selectors.activity_get(user=org.sales1, activity_id=theirs.pk)
    assert selectors.activity_get(user=org.manager2, activity_id=theirs.pk) == theirs
    assert Activity.objects.count() == 1
