"""The phone log (电话接听记录, C3): the clerk logs calls; the number finds the customer."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from salesdept.core.errors import ValidationFailed
from salesdept.crm.models import Contact, PhoneCall
from salesdept.crm.selectors import activities as selectors
from salesdept.crm.services import activities as services
from salesdept.crm.text import normalize_phone

pytestmark = pytest.mark.django_db


def call(by, **data):
    return services.phone_call_create(
        by=by, data={"caller": "王先生", "topic": "Asks about delivery", **data}
    )


def test_clerk_logs_a_call_linked_to_the_customer_by_phone(org, make_customer):
    # given a customer whose phone is 021-6234 5678 and another one
    customer = make_customer(owner=org.sales1, phone="021-6234 5678")
    make_customer(owner=org.sales3, phone="020-1111 2222")
    # when the clerk logs a call from +86 21 6234 5678 without naming the customer
    logged = call(org.clerk, number="+86 (21) 6234-5678", result="Passed on", handed_to_id=org.sales1.pk)
    # then the call is linked to that customer, taken by the clerk, handed to sales1
    assert logged.customer == customer
    assert logged.taken_by == org.clerk and logged.handed_to == org.sales1
    assert logged.number == "+86 (21) 6234-5678" and logged.result == "Passed on"
    assert abs(logged.called_at - timezone.now()) < datetime.timedelta(minutes=1)


def test_call_matches_a_contacts_phone(org, make_customer):
    customer = make_customer(owner=org.sales2)
    Contact.objects.create(
        customer=customer, name="李四", phone="13800138000", phone_normalized="13800138000"
    )
    assert call(org.clerk, number="138 0013 8000").customer == customer


def test_call_from_an_unknown_or_ambiguous_number_stays_unlinked(org, make_customer):
    make_customer(phone="0571-8888 0000")
    make_customer(phone="0571 88880000")  # two customers share the number
    assert call(org.clerk, number="057188880000").customer is None
    assert call(org.clerk, number="999").customer is None
    assert call(org.clerk).customer is None


def test_a_named_customer_wins_over_the_phone_match(org, make_customer):
    by_phone = make_customer(phone="021-6234 5678")
    named = make_customer()
    assert call(org.clerk, number="02162345678", customer_id=named.pk).customer == named
    assert call(org.clerk, number="02162345678").customer == by_phone


def test_call_without_caller_or_topic_is_refused_naming_them(org):
    with pytest.raises(ValidationFailed) as exc:
        services.phone_call_create(by=org.clerk, data={"caller": " ", "number": "123"})
    assert set(exc.value.fields) == {"caller", "topic"}
    assert not PhoneCall.objects.exists()


def test_call_in_the_future_or_to_a_stranger_is_refused(org):
    with pytest.raises(ValidationFailed) as exc:
        call(
            org.clerk,
            called_at=timezone.now() + datetime.timedelta(hours=2),
            handed_to_id=999999,
            customer_id=999999,
        )
    assert set(exc.value.fields) == {"called_at", "handed_to_id", "customer_id"}


@pytest.mark.parametrize("role", ["sales1", "manager1", "auditor", "finance"])
def test_only_the_clerk_logs_calls(org, role):
    with pytest.raises(PermissionDenied):
        call(getattr(org, role))
    assert not PhoneCall.objects.exists()


def test_update_corrects_a_call_and_relinks_the_customer(org, make_customer):
    logged = call(org.clerk, number="1")
    customer = make_customer()
    updated = services.phone_call_update(
        by=org.clerk, call_id=logged.pk, data={"customer_id": customer.pk, "result": "Call back Monday"}
    )
    logged.refresh_from_db()
    assert logged.customer == customer and logged.result == "Call back Monday" and updated.pk == logged.pk
    with pytest.raises(ValidationFailed) as exc:
        services.phone_call_update(by=org.clerk, call_id=logged.pk, data={"topic": ""})
    assert set(exc.value.fields) == {"topic"}


def test_phone_log_is_seen_by_whom_it_was_handed_to(org, make_customer):
    # given calls handed to sales1 and to sales3
    to_sales1 = call(org.clerk, handed_to_id=org.sales1.pk)
    to_sales3 = call(org.clerk, handed_to_id=org.sales3.pk)
    # then sales1 sees theirs only, manager1 their team's, the clerk all
    assert [c.pk for c in selectors.phone_call_list(user=org.sales1)] == [to_sales1.pk]
    assert [c.pk for c in selectors.phone_call_list(user=org.manager1)] == [to_sales1.pk]
    assert {c.pk for c in selectors.phone_call_list(user=org.clerk)} == {to_sales1.pk, to_sales3.pk}
    with pytest.raises(Http404):
        selectors.phone_call_get(user=org.sales1, call_id=to_sales3.pk)


def test_phone_log_filters(org, make_customer):
    customer = make_customer(name="杭州西湖茶业有限公司", phone="0571-1234 5678")
    a = call(org.clerk, number="057112345678", topic="Price list")
    b = call(
        org.clerk,
        caller="Mr Smith",
        topic="Invoice copy",
        called_at=timezone.now() - datetime.timedelta(days=3),
    )
    assert a.customer == customer

    def listed(**f):
        return [c.pk for c in selectors.phone_call_list(user=org.clerk, filters=f)]

    assert listed() == [a.pk, b.pk]
    assert listed(q="西湖") == [a.pk]
    assert listed(q="smith") == [b.pk]
    today = timezone.localdate()
    assert listed(date_from=str(today)) == [a.pk]
    assert listed(date_to=str(today - datetime.timedelta(days=1))) == [b.pk]
    assert listed(sort="called_at") == [b.pk, a.pk]
    with pytest.raises(ValidationFailed) as exc:
        listed(date_from="yesterday")
    assert "date_from" in exc.value.fields


def test_phone_log_query_budget(org, make_customer, django_assert_max_num_queries):
    for i in range(10):
        call(org.clerk, customer_id=make_customer().pk, handed_to_id=org.sales1.pk, caller=f"caller {i}")
    org.clerk.has_perm("crm.view_phonecall")
    with django_assert_max_num_queries(1):
        rows = [
            (c.customer.name, str(c.handed_to), str(c.taken_by))
            for c in selectors.phone_call_list(user=org.clerk)
        ]
    assert len(rows) == 10
    assert normalize_phone("+86 138 0013 8000") == "13800138000"
