"""Follow-up services (C3): planning, logging with the tier revisit rule, cancelling, scope."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.crm.models import Activity, Customer
from salesdept.crm.services import activities as services

pytestmark = pytest.mark.django_db

D = datetime.date(2025, 3, 10)  # the day a follow-up is logged in most tests


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """A moment on `day` in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def plan(by, target, due_on=D, **data):
    key = "lead_id" if target._meta.model_name == "lead" else "customer_id"
    return services.activity_plan(by=by, data={key: target.pk, "due_on": due_on, **data})


def log(by, activity, day=D, **kwargs):
    kwargs.setdefault("result", "Talked about the spring order")
    return services.activity_log(by=by, activity_id=activity.pk, done_at=at(day), **kwargs)


def planned(customer):
    return list(Activity.objects.filter(customer=customer, status="planned").order_by("due_on", "pk"))


# --- plan ------------------------------------------------------------------------------------


def test_plan_copies_region_and_owner_from_the_customer(org, make_customer):
    # given a customer of sales1 in Shanghai
    customer = make_customer(owner=org.sales1, region=org.regions["east-sh"])
    # when manager1 plans a visit without naming the salesperson
    activity = plan(org.manager1, customer, kind="visit")
    # then it belongs to the customer's salesperson and region, with a default subject
    assert activity.owner == org.sales1
    assert activity.region == org.regions["east-sh"]
    assert activity.status == "planned" and activity.kind == "visit"
    assert customer.name in activity.subject
    assert activity.created_by == org.manager1


def test_plan_for_a_lead_takes_the_leads_region_and_owner(org, make_lead):
    lead = make_lead(owner=org.sales2, region=org.regions["east-js"])
    activity = plan(org.sales2, lead)
    assert activity.lead == lead and activity.customer is None
    assert activity.owner == org.sales2 and activity.region == org.regions["east-js"]


def test_plan_without_customer_or_lead_is_refused_naming_customer(org):
    with pytest.raises(ValidationFailed) as exc:
        services.activity_plan(by=org.sales1, data={"due_on": D})
    assert set(exc.value.fields) == {"customer_id"}
    assert not Activity.objects.exists()


def test_plan_without_due_date_is_refused_naming_due_on(org, make_customer):
    customer = make_customer()
    with pytest.raises(ValidationFailed) as exc:
        services.activity_plan(by=org.sales1, data={"customer_id": customer.pk})
    assert set(exc.value.fields) == {"due_on"}
    assert not Activity.objects.exists()


def test_plan_bad_values_are_each_named(org, make_customer):
    customer = make_customer()
    data = {"customer_id": customer.pk, "due_on": "10/03/2025", "kind": "fax", "subject": "x" * 201}
    with pytest.raises(ValidationFailed) as exc:
        services.activity_plan(by=org.sales1, data=data)
    assert set(exc.value.fields) == {"due_on", "kind", "subject"}


def test_plan_unknown_field_is_refused(org, make_customer):
    with pytest.raises(ValidationFailed) as exc:
        services.activity_plan(
            by=org.sales1, data={"customer_id": make_customer().pk, "due_on": D, "status": "done"}
        )
    assert set(exc.value.fields) == {"status"}


def test_plan_for_another_salespersons_customer_is_refused(org, make_customer):
    # given a customer of sales3 (another team)
    theirs = make_customer(owner=org.sales3)
    # when sales1 plans a follow-up of it, then the customer is "not one you can see"
    with pytest.raises(ValidationFailed) as exc:
        plan(org.sales1, theirs)
    assert set(exc.value.fields) == {"customer_id"}
    assert not Activity.objects.exists()


def test_plan_with_an_owner_outside_the_scope_is_refused(org, make_customer):
    customer = make_customer(owner=org.sales1)
    with pytest.raises(ValidationFailed) as exc:
        plan(org.manager1, customer, owner_id=org.sales3.pk)
    assert set(exc.value.fields) == {"owner_id"}
    # a manager may give it to a member of the team
    assert plan(org.manager1, customer, owner_id=org.sales2.pk).owner == org.sales2


@pytest.mark.parametrize("role", ["auditor", "finance", "keeper"])
def test_plan_by_a_read_only_role_is_refused(org, make_customer, role):
    with pytest.raises(PermissionDenied):
        plan(getattr(org, role), make_customer())
    assert not Activity.objects.exists()


# --- log: the revisit rule -------------------------------------------------------------------


@pytest.mark.parametrize(("tier", "days"), [("A", 30), ("B", 60), ("C", 90)])
def test_log_schedules_the_next_by_the_tier_revisit_days(org, make_customer, tier, days):
    # given a due follow-up of a customer of tier A/B/C (the migration's 30/60/90 days)
    customer = make_customer(tier=tier)
    first = plan(org.sales1, customer, due_on=D)
    # when it is logged on day D
    logged = log(org.sales1, first, day=D)
    # then it is done and the next one falls on D + revisit days, following it
    assert logged.status == "done" and logged.result == "Talked about the spring order"
    nxt = logged.next_follow_up
    assert logged.next_created is True
    assert nxt.due_on == D + datetime.timedelta(days=days)
    assert nxt.status == "planned" and nxt.follows_id == first.pk
    assert nxt.customer == customer and nxt.owner == org.sales1 and nxt.region == customer.region
    assert planned(customer) == [nxt]


def test_log_a_tier_a_customer_on_day_d_is_due_again_on_d_plus_30(org, make_customer):
    customer = make_customer(tier="A")
    logged = log(
        org.sales1,
        plan(org.sales1, customer, due_on=datetime.date(2025, 1, 31)),
        day=datetime.date(2025, 2, 3),
    )
    # counted from the day it was logged, not the day it was due
    assert logged.next_follow_up.due_on == datetime.date(2025, 3, 5)


def test_log_without_tier_schedules_nothing(org, make_customer):
    customer = make_customer(tier=None)
    logged = log(org.sales1, plan(org.sales1, customer))
    assert logged.next_follow_up is None and logged.next_created is False
    assert planned(customer) == []


def test_log_with_an_earlier_planned_follow_up_creates_no_duplicate(org, make_customer):
    # given a tier-A customer with two planned follow-ups: today's and one on D + 10
    customer = make_customer(tier="A")
    first = plan(org.sales1, customer, due_on=D)
    later = plan(org.sales1, customer, due_on=D + datetime.timedelta(days=10))
    # when today's is logged (the rule would say D + 30)
    logged = log(org.sales1, first)
    # then no new one is created: the one on D + 10 is the next
    assert logged.next_created is False and logged.next_follow_up == later
    assert planned(customer) == [later]


def test_log_with_a_planned_follow_up_after_the_rule_date_still_schedules(org, make_customer):
    customer = make_customer(tier="A")
    first = plan(org.sales1, customer, due_on=D)
    far = plan(org.sales1, customer, due_on=D + datetime.timedelta(days=45))
    logged = log(org.sales1, first)
    assert logged.next_created is True
    assert planned(customer) == [logged.next_follow_up, far]
    assert logged.next_follow_up.due_on == D + datetime.timedelta(days=30)


def test_log_with_next_due_on_overrides_the_rule(org, make_customer):
    customer = make_customer(tier="C")
    nxt_day = D + datetime.timedelta(days=7)
    logged = log(org.sales1, plan(org.sales1, customer), next_due_on=nxt_day, next_step="Send the quotation")
    assert logged.next_follow_up.due_on == nxt_day
    assert logged.next_follow_up.subject == "Send the quotation"
    assert logged.next_step == "Send the quotation"


def test_log_with_next_due_on_works_without_a_tier(org, make_customer):
    customer = make_customer(tier=None)
    logged = log(org.sales1, plan(org.sales1, customer), next_due_on=D + datetime.timedelta(days=3))
    assert logged.next_follow_up.due_on == D + datetime.timedelta(days=3)


def test_log_a_lead_schedules_only_a_given_date(org, make_lead):
    lead = make_lead(owner=org.sales1)
    assert log(org.sales1, plan(org.sales1, lead)).next_follow_up is None
    second = plan(org.sales1, lead, due_on=D)
    logged = log(org.sales1, second, next_due_on=D + datetime.timedelta(days=2))
    assert logged.next_follow_up.lead == lead and logged.next_follow_up.customer is None


def test_log_updates_the_customers_last_contact(org, make_customer):
    customer = make_customer(tier="B")
    log(org.sales1, plan(org.sales1, customer), day=D)
    customer.refresh_from_db()
    assert customer.last_contact_on == D
    # an older follow-up logged later does not move it back
    log(
        org.sales1,
        plan(org.sales1, customer, due_on=D - datetime.timedelta(days=20)),
        day=D - datetime.timedelta(days=5),
    )
    customer.refresh_from_db()
    assert customer.last_contact_on == D


def test_log_may_change_the_kind(org, make_customer):
    logged = log(org.sales1, plan(org.sales1, make_customer(), kind="call"), kind="visit")
    assert logged.kind == "visit" and logged.next_follow_up.kind == "visit"


@pytest.mark.parametrize("result", ["", "   "])
def test_log_without_result_is_refused_naming_result(org, make_customer, result):
    customer = make_customer(tier="A")
    activity = plan(org.sales1, customer)
    with pytest.raises(ValidationFailed) as exc:
        log(org.sales1, activity, result=result)
    assert set(exc.value.fields) == {"result"}
    activity.refresh_from_db()
    customer.refresh_from_db()
    assert activity.status == "planned" and customer.last_contact_on is None
    assert planned(customer) == [activity]


def test_log_with_next_date_before_the_done_day_is_refused(org, make_customer):
    activity = plan(org.sales1, make_customer())
    with pytest.raises(ValidationFailed) as exc:
        log(org.sales1, activity, next_due_on=D - datetime.timedelta(days=1))
    assert set(exc.value.fields) == {"next_due_on"}


def test_log_in_the_future_is_refused(org, make_customer):
    activity = plan(org.sales1, make_customer())
    with pytest.raises(ValidationFailed) as exc:
        services.activity_log(
            by=org.sales1,
            activity_id=activity.pk,
            result="x",
            done_at=timezone.now() + datetime.timedelta(days=1),
        )
    assert set(exc.value.fields) == {"done_at"}


def test_log_twice_is_refused_as_not_planned(org, make_customer):
    activity = plan(org.sales1, make_customer(tier="A"))
    log(org.sales1, activity)
    with pytest.raises(DomainError) as exc:
        log(org.sales1, activity)
    assert exc.value.code == "not_planned" and exc.value.status == 409
    assert Activity.objects.filter(follows=activity).count() == 1


def test_log_defaults_to_now(org, make_customer):
    customer = make_customer(tier="A")
    logged = services.activity_log(by=org.sales1, activity_id=plan(org.sales1, customer).pk, result="ok")
    today = timezone.localdate()
    assert timezone.localdate(logged.done_at) == today
    assert logged.next_follow_up.due_on == today + datetime.timedelta(days=30)


def test_log_of_an_archived_customer_schedules_nothing(org, make_customer):
    customer = make_customer(tier="A")
    activity = plan(org.sales1, customer)
    Customer.objects.filter(pk=customer.pk).update(is_active=False)
    assert log(org.sales1, activity).next_follow_up is None


# --- scope and permissions -------------------------------------------------------------------


def test_sales1_cannot_log_sales3s_follow_up(org, make_customer):
    # given a follow-up of sales3 (South team)
    theirs = plan(org.sales3, make_customer(owner=org.sales3, tier="A"))
    # when sales1 tries to log it, then it does not exist for them
    with pytest.raises(Http404):
        log(org.sales1, theirs)
    theirs.refresh_from_db()
    assert theirs.status == "planned"


def test_manager_may_log_a_team_members_follow_up(org, make_customer):
    activity = plan(org.sales2, make_customer(owner=org.sales2, tier="B"))
    logged = log(org.manager1, activity)
    assert logged.status == "done" and logged.next_follow_up.owner == org.sales2


def test_auditor_cannot_log(org, make_customer):
    activity = plan(org.sales1, make_customer())
    with pytest.raises(PermissionDenied):
        log(org.auditor, activity)


def test_next_follow_up_goes_to_the_customers_current_owner(org, make_customer):
    customer = make_customer(owner=org.sales1, tier="A")
    activity = plan(org.sales1, customer)
    Customer.objects.filter(pk=customer.pk).update(owner=org.sales2)  # transferred meanwhile
    assert log(org.sales1, activity).next_follow_up.owner == org.sales2


# --- update and cancel -----------------------------------------------------------------------


def test_update_changes_a_planned_follow_up(org, make_customer):
    activity = plan(org.sales1, make_customer())
    new_day = D + datetime.timedelta(days=2)
    updated = services.activity_update(
        by=org.sales1,
        activity_id=activity.pk,
        data={"due_on": new_day, "subject": "Bring samples", "kind": "visit"},
    )
    activity.refresh_from_db()
    assert (activity.due_on, activity.subject, activity.kind) == (new_day, "Bring samples", "visit")
    assert updated.pk == activity.pk


def test_update_of_a_logged_follow_up_is_refused(org, make_customer):
    activity = plan(org.sales1, make_customer())
    log(org.sales1, activity)
    with pytest.raises(DomainError) as exc:
        services.activity_update(by=org.sales1, activity_id=activity.pk, data={"subject": "rewritten"})
    assert exc.value.code == "not_planned"


def test_update_bad_input_names_the_field_and_changes_nothing(org, make_customer):
    activity = plan(org.sales1, make_customer())
    with pytest.raises(ValidationFailed) as exc:
        services.activity_update(by=org.sales1, activity_id=activity.pk, data={"subject": " ", "due_on": "x"})
    assert set(exc.value.fields) == {"subject", "due_on"}
    activity.refresh_from_db()
    assert activity.due_on == D


def test_update_by_someone_out_of_scope_is_404(org, make_customer):
    activity = plan(org.sales3, make_customer(owner=org.sales3))
    with pytest.raises(Http404):
        services.activity_update(by=org.sales1, activity_id=activity.pk, data={"subject": "mine now"})


def test_cancel_keeps_the_reason_and_refuses_without_one(org, make_customer):
    activity = plan(org.sales1, make_customer())
    with pytest.raises(ValidationFailed) as exc:
        services.activity_cancel(by=org.sales1, activity_id=activity.pk, reason="")
    assert set(exc.value.fields) == {"reason"}
    cancelled = services.activity_cancel(
        by=org.sales1, activity_id=activity.pk, reason="Customer closed for holidays"
    )
    assert cancelled.status == "cancelled" and cancelled.result == "Customer closed for holidays"
    with pytest.raises(DomainError):
        services.activity_cancel(by=org.sales1, activity_id=activity.pk, reason="again")
