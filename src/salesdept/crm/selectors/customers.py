"""Reads of the customer archive (C1). Every one starts from the scope rule (X1): a customer
outside the user's scope does not exist for them (404)."""

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count
from django.shortcuts import get_object_or_404

from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from ..filters_customers import CustomerFilter
from ..models import (
    Activity,
    Contact,
    Customer,
    CustomerDocument,
    CustomerMerge,
    CustomerTransfer,
    Feedback,
    Lead,
    Letter,
)

__all__ = [
    "customer_contacts",
    "customer_documents",
    "customer_for_update",
    "customer_get",
    "customer_history",
    "customer_list",
    "customer_transfers",
    "incomplete_by_salesperson",
]

LIST_RELATED = ("tier", "region", "owner")


def customer_list(*, user, filters=None):
    """Customers `user` may see, filtered and sorted as filters_customers.CustomerFilter says
    (active, not merged, by name unless asked otherwise). A bad filter value raises
    ValidationFailed naming the field."""
    require(user, "crm.view_customer")
    base = visible(Customer.objects, user).select_related(*LIST_RELATED)
    filterset = CustomerFilter(filters if filters is not None else {}, queryset=base, user=user)
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def customer_get(*, user, customer_id: int) -> Customer:
    """One customer, merged and deactivated ones included (they stay readable); 404 outside the
    scope."""
    require(user, "crm.view_customer")
    qs = visible(Customer.objects, user).select_related(*LIST_RELATED, "merged_into", "created_by")
    return get_object_or_404(qs, pk=customer_id)


def customer_for_update(*, user, customer_id: int) -> Customer:
    """The customer, locked for a change in the current transaction; 404 outside the scope."""
    return get_object_or_404(visible(Customer.objects, user).select_for_update(of=("self",)), pk=customer_id)


def customer_by_code(*, user, code: str) -> Customer:
    """A visible customer by its number (the merge page asks for the duplicate's number)."""
    return get_object_or_404(visible(Customer.objects, user), code__iexact=code.strip())


def customer_contacts(*, user, customer: Customer, active_only: bool = True):
    qs = visible(Contact.objects, user).filter(customer=customer)
    return qs.filter(is_active=True) if active_only else qs


def customer_documents(*, user, customer: Customer):
    return (
        visible(CustomerDocument.objects, user)
        .filter(customer=customer, is_active=True)
        .select_related("uploaded_by", "verified_by")
    )


def customer_transfers(*, user, customer: Customer):
    return (
        visible(CustomerTransfer.objects, user)
        .filter(customer=customer)
        .select_related("from_owner", "to_owner", "by")
    )


def customer_merges(*, user, customer: Customer):
    return visible(CustomerMerge.objects, user).filter(kept=customer).select_related("merged", "by")


def customer_history(*, user, customer: Customer, limit: int = 10) -> dict:
    """The customer's latest follow-ups, leads, complaints and letters, each through its own
    scope rule (read-only lists for the customer page)."""
    return {
        "activities": list(
            visible(Activity.objects, user)
            .filter(customer=customer)
            .select_related("owner")
            .order_by("-due_on", "-pk")[:limit]
        ),
        "leads": list(
            visible(Lead.objects, user)
            .filter(customer=customer)
            .select_related("stage", "owner")
            .order_by("-created_at", "-pk")[:limit]
        ),
        "feedback": list(
            visible(Feedback.objects, user).filter(customer=customer).order_by("-received_on", "-pk")[:limit]
        ),
        "letters": list(
            visible(Letter.objects, user)
            .filter(customer=customer)
            .select_related("handler")
            .order_by("-date", "-pk")[:limit]
        ),
    }


def incomplete_by_salesperson(*, user) -> list[dict]:
    """Per salesperson the user may see: how many of their active customers' files are below
    100 % and the average completeness of those (one GROUP BY). Most incomplete first."""
    require(user, "crm.view_customer")
    rows = (
        visible(Customer.objects, user)
        .filter(is_active=True, merged_into__isnull=True, completeness__lt=100)
        .values("owner")
        .annotate(count=Count("pk"), average=Avg("completeness"))
        .order_by("-count", "owner")
    )
    rows = list(rows)
    people = get_user_model().objects.in_bulk([r["owner"] for r in rows])
    return [
        {"owner": people[r["owner"]], "count": r["count"], "average": round(r["average"] or 0)} for r in rows
    ]
