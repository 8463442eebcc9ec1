"""The demo company's customers and relationships (issue 3, "Demo data"): about 200 customers in
the three regions owned by sales1 … sales6, and around them every list the issue names is filled
— so `salesdept demo` shows a real department's pages."""

import datetime

from django.db.models import Count, Max, Min
from django.utils import timezone

from salesdept.accounts.scope import region_subtree
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
from salesdept.demo import load
from tests.api_helpers import session

SELLERS = demo_crm.SELLERS


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


def test_demo_fills_every_list_the_issue_names(org, client):
    # given the demo company
    load.load_demo()
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
