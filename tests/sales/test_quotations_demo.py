"""The inquiry and quotation demo loader (demo/sales_quotes.py): every state, revisions, expired
ones, and nothing loaded twice."""

import random

from salesdept.demo.load import DemoContext
from salesdept.demo.sales_quotes import load
from salesdept.sales.models import Inquiry, Quotation

from .fixtures_quotes import *  # noqa: F403


def test_demo_loader(org, q_customer, q_product):
    for owner in (org.sales1, org.sales2, org.sales3, org.sales5):
        for _ in range(3):
            q_customer(owner=owner)
    for i in range(12):
        q_product(price=f"{1000 + 250 * i}.00", floor=f"{900 + 200 * i}.00")
    ctx = DemoContext(rng=random.Random(7), org=org, say=lambda message: None)
    load(ctx)
    assert 100 <= Inquiry.objects.count() <= 140
    assert Quotation.objects.count() >= 90
    statuses = set(Quotation.objects.values_list("status", flat=True))
    assert statuses >= {"draft", "sent", "accepted", "rejected", "superseded", "cancelled"}
    assert set(Inquiry.objects.values_list("status", flat=True)) == {"open", "quoted", "closed"}
    assert Quotation.objects.filter(revision__gt=1).exists()
    from django.utils import timezone

    from salesdept.sales.filters_quotations import expired_q

    assert Quotation.objects.filter(expired_q(timezone.localdate())).exists()
    for q in Quotation.objects.prefetch_related("lines")[:50]:
        assert q.total_amount == sum(x.amount for x in q.lines.all())
    count = Quotation.objects.count()
    load(DemoContext(rng=random.Random(7), org=org, say=lambda message: None))
    assert Quotation.objects.count() == count
