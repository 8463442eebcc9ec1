"""Reads of follow-ups and the phone log (C3). Everything starts from visible(…, user) (X1).

Speed: with 100,000 customers and 1,000,000 follow-ups each list below is an indexed lookup:
today_list uses activity_owner_due_idx (owner, status, due_on); team_overdue and the reminders
use activity_status_due_idx (status, due_on); customers_overdue_by_rule compares
last_contact_on with one constant date per tier (customer_last_contact_idx) and checks for a
planned follow-up with activity_customer_idx (customer, status)."""

import datetime
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db.models import Count, DateField, Exists, F, Min, OuterRef, Q
from django.db.models.functions import Coalesce, TruncDate
from django.shortcuts import get_object_or_404
from django.utils import timezone

from salesdept.accounts.scope import Scope, scope_of, visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from ..filters_activities import ActivityFilter, PhoneCallFilter
from ..models import Activity, Customer, PhoneCall, Tier

PLANNED = Activity.Status.PLANNED
ROW_RELATED = ("customer", "customer__tier", "lead", "owner")


def activities(user):
    """Follow-ups `user` may see, with what every list row shows."""
    require(user, "crm.view_activity")
    return visible(Activity.objects, user).select_related(*ROW_RELATED)


def activity_get(*, user, activity_id: int) -> Activity:
    """One follow-up; 404 when unknown or outside `user`'s scope."""
    return get_object_or_404(activities(user).select_related("follows", "created_by"), pk=activity_id)


def activity_list(*, user, filters=None):
    """The full follow-up list of the page, the API and the export (filters_activities.py), the
    latest due date first unless `sort` says otherwise. A bad filter value raises
    ValidationFailed naming it."""
    base = activities(user).order_by("-due_on", "-pk")
    filterset = ActivityFilter(
        filters if filters is not None else {}, queryset=base, request=SimpleNamespace(user=user)
    )
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def today_list(*, user, day: datetime.date):
    """`user`'s own planned follow-ups due on `day` or overdue, the oldest first (overdue ones
    come before today's)."""
    return activities(user).filter(owner=user, status=PLANNED, due_on__lte=day).order_by("due_on", "pk")


def sees_team(user) -> bool:
    """Managers, supervisors, regional managers and the director see their people's follow-ups."""
    return scope_of(user) >= Scope.TEAM and user.has_perm("crm.view_activity")


def overdue(*, user, day: datetime.date):
    """Planned follow-ups in `user`'s scope whose due day has passed, by salesperson, oldest first."""
    return activities(user).filter(status=PLANNED, due_on__lt=day).order_by("owner_id", "due_on", "pk")


def team_overdue(*, user, day: datetime.date) -> list[dict]:
    """Overdue follow-ups in `user`'s scope grouped by salesperson: [{"owner", "count",
    "oldest"}], the most overdue first. Empty for a user who sees only their own."""
    if not sees_team(user):
        return []
    groups = list(
        visible(Activity.objects, user)
        .filter(status=PLANNED, due_on__lt=day)
        .values("owner_id")
        .annotate(count=Count("pk"), oldest=Min("due_on"))
        .order_by("-count", "oldest", "owner_id")
    )
    owners = get_user_model().objects.in_bulk([g["owner_id"] for g in groups])
    return [
        {
            "owner": owners[g["owner_id"]],
            "count": g["count"],
            "oldest": g["oldest"],
            "days": (day - g["oldest"]).days,
        }
        for g in groups
    ]


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def customers_overdue_by_rule(*, user, day: datetime.date):
    """Active customers in `user`'s scope not contacted within their tier's revisit days and
    with no planned follow-up: last contact (or the day the customer was created, if never
    contacted) + tier.revisit_days < `day`. Customers without a tier have no rule.

    Computed by the database. Each tier contributes one condition with a constant cutoff date
    (last_contact_on < day − revisit_days), so the index on last_contact_on serves it; rows
    carry `contact_day` (the day counted from; revisit_due() tells when the visit was due)."""
    require(user, "crm.view_customer")
    rule = Q(pk__in=[])
    for tier_id, days in Tier.objects.values_list("pk", "revisit_days"):
        cutoff = day - datetime.timedelta(days=days)
        rule |= Q(tier_id=tier_id) & (
            Q(last_contact_on__lt=cutoff) | Q(last_contact_on__isnull=True, created_at__lt=_day_start(cutoff))
        )
    planned = Activity.objects.filter(customer_id=OuterRef("pk"), status=PLANNED)
    return (
        visible(Customer.objects.active(), user)
        .filter(rule)
        .filter(~Exists(planned))
        .annotate(contact_day=Coalesce("last_contact_on", TruncDate("created_at"), output_field=DateField()))
        .select_related("tier", "owner")
        # Never contacted first, then the longest without contact. Ordering by the indexed column
        # itself (not the Coalesce) lets the database walk customer_last_contact_idx and stop
        # after one page instead of sorting every overdue customer.
        .order_by(F("last_contact_on").asc(nulls_first=True), "pk")
    )


def revisit_due(customer) -> datetime.date | None:
    """When `customer` (annotated by customers_overdue_by_rule) was due for a visit."""
    if customer.tier is None:
        return None
    return customer.contact_day + datetime.timedelta(days=customer.tier.revisit_days)


# ------------------------------------------------------------------------------- phone log


def phone_calls(user):
    require(user, "crm.view_phonecall")
    return visible(PhoneCall.objects, user).select_related("customer", "handed_to", "taken_by")


def phone_call_get(*, user, call_id: int) -> PhoneCall:
    return get_object_or_404(phone_calls(user), pk=call_id)


def phone_call_list(*, user, filters=None):
    """The phone log, newest first unless `sort` says otherwise (filters_activities.py)."""
    base = phone_calls(user).order_by("-called_at", "-pk")
    filterset = PhoneCallFilter(
        filters if filters is not None else {}, queryset=base, request=SimpleNamespace(user=user)
    )
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    return filterset.qs
