"""The contract and order demo (demo/sales_contracts.py) loads through the services, covers every
contract state, and keeps the invariants (the org fixture checks them after the test)."""

import random

import pytest

from salesdept.demo import catalog, crm, sales_contracts, sales_quotes
from salesdept.demo.load import DemoContext, load_org
from salesdept.sales.models import Contract, ContractStatus, SalesOrder


@pytest.mark.django_db
def test_demo_contracts_in_every_state(org):
    ctx = DemoContext(rng=random.Random(20261127), say=lambda message: None)
    for loader in (load_org, crm.load, catalog.load, sales_quotes.load, sales_contracts.load):
        loader(ctx)
    states = set(Contract.objects.values_list("status", flat=True))
    assert set(ContractStatus.values) <= states, states
    assert Contract.objects.filter(status="submitted", review_round__gt=0).count() >= 3
    assert Contract.objects.filter(amendment_of__isnull=False, status="signed").exists()
    assert Contract.objects.exclude(registration_number="").exists()
    assert SalesOrder.objects.filter(contract__isnull=False, status="confirmed").exists()
    assert SalesOrder.objects.filter(contract__isnull=True).exists()
    # loading again adds nothing
    before = Contract.objects.count()
    sales_contracts.load(ctx)
    assert Contract.objects.count() == before
