"""customer_build in bulk mode (a shared Lookups, as the import uses it) builds exactly what a
single build does, without queries, and the customers it builds are independent objects."""

import pytest

from salesdept.core.errors import ValidationFailed
from salesdept.crm.models import Customer
from salesdept.crm.services.customers import Lookups, customer_build


def data(org, **overrides) -> dict:
    return {
        "name": "上海华强机械有限公司",
        "name_en": "Shanghai Huaqiang Machinery",
        "kind": "company",
        "tier": "A",
        "region": org.regions["east-sh"],
        "owner": "sales1",
        "industry": "机械制造",
        "source": "exhibition",
        "phone": "+86 21 5888 1234",
        "tax_id": "91310115ma1h 000001",
        "address": "上海市浦东新区张江路 88 号",
        **overrides,
    }


def values(customer: Customer) -> dict:
    return {f.attname: getattr(customer, f.attname) for f in Customer._meta.concrete_fields}


def test_bulk_build_equals_a_single_build_and_costs_no_query(org, django_assert_num_queries):
    single = customer_build(by=org.sales1, data=data(org))
    lookups = Lookups(org.sales1)
    customer_build(by=org.sales1, data=data(org, name="预热"), lookups=lookups)  # reads the lookups
    with django_assert_num_queries(0):
        first = customer_build(by=org.sales1, data=data(org), lookups=lookups)
        second = customer_build(by=org.sales1, data=data(org, name="江苏恒泰电子有限公司"), lookups=lookups)
    assert values(first) == values(single)
    assert (first.tax_id, first.phone_normalized, first.completeness) == (
        "91310115MA1H000001",
        "02158881234",
        69,
    )
    # the objects share nothing: new, unsaved, each with its own state and values
    assert first._state is not second._state
    assert (first.name, second.name) == ("上海华强机械有限公司", "江苏恒泰电子有限公司")
    assert first._state.adding and first.pk is None
    with django_assert_num_queries(0):  # relations come from the lookups' cache
        assert (first.created_by, first.owner, first.tier.code, first.region.code) == (
            org.sales1,
            org.sales1,
            "A",
            "east-sh",
        )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "club"}, "kind"),
        ({"source": "radio"}, "source"),
        ({"tier": "Z"}, "tier"),
        ({"region": "nowhere"}, "region"),
        ({"owner": "sales3"}, "owner"),  # another team's salesperson
        ({"name": "x" * 201}, "name"),
        ({"name": "!!!"}, "name"),
        ({"phone": "12-3"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"tax_id": "123"}, "tax_id"),
    ],
)
def test_bulk_build_reports_the_same_errors(org, overrides, field):
    lookups = Lookups(org.sales1)
    for kwargs in ({}, {"lookups": lookups}):
        with pytest.raises(ValidationFailed) as caught:
            customer_build(by=org.sales1, data=data(org, **overrides), **kwargs)
        assert field in caught.value.fields
