"""Reminders (X7): what needs attention today, in the user's scope — the dashboard's cards and
the /reminders API read these same four lists.

    follow_ups_due            planned follow-ups due today
    follow_ups_overdue        planned follow-ups whose day has passed
    complaints_past_deadline  feedback and complaints still open or in progress after their deadline
    documents_expiring        active customer documents expiring within 30 days (or expired)

Each is a queryset ordered by urgency; a user without the permission to view that kind of
record gets an empty one (the card is then not shown)."""

import datetime

from salesdept.accounts.scope import visible

from ..models import Activity, CustomerDocument, Feedback

KINDS = ("follow_ups_due", "follow_ups_overdue", "complaints_past_deadline", "documents_expiring")
PERMISSIONS = {
    "follow_ups_due": "crm.view_activity",
    "follow_ups_overdue": "crm.view_activity",
    "complaints_past_deadline": "crm.view_feedback",
    "documents_expiring": "crm.view_customerdocument",
}
OPEN_FEEDBACK = (Feedback.Status.OPEN, Feedback.Status.IN_PROGRESS)
EXPIRY_WARNING_DAYS = 30
COUNT_CAP = 1000


def _allowed(user, kind: str) -> bool:
    return user.is_authenticated and user.has_perm(PERMISSIONS[kind])


def _follow_ups(user, kind: str):
    qs = visible(Activity.objects, user) if _allowed(user, kind) else Activity.objects.none()
    return qs.filter(status=Activity.Status.PLANNED).select_related("customer", "lead", "owner")


def follow_ups_due(*, user, day: datetime.date):
    return _follow_ups(user, "follow_ups_due").filter(due_on=day).order_by("owner_id", "pk")


def follow_ups_overdue(*, user, day: datetime.date):
    return _follow_ups(user, "follow_ups_overdue").filter(due_on__lt=day).order_by("due_on", "pk")


def complaints_past_deadline(*, user, day: datetime.date):
    kind = "complaints_past_deadline"
    qs = visible(Feedback.objects, user) if _allowed(user, kind) else Feedback.objects.none()
    return (
        qs.filter(status__in=OPEN_FEEDBACK, deadline__lt=day)
        .select_related("customer", "assignee")
        .order_by("deadline", "pk")
    )


def documents_expiring(*, user, day: datetime.date, within_days: int = EXPIRY_WARNING_DAYS):
    """Active documents of active customers expiring on or before day + within_days, the expired
    ones first (they are in the list too)."""
    kind = "documents_expiring"
    qs = visible(CustomerDocument.objects, user) if _allowed(user, kind) else CustomerDocument.objects.none()
    return (
        qs.filter(
            is_active=True,
            customer__is_active=True,
            customer__merged_into__isnull=True,
            expires_on__isnull=False,
            expires_on__lte=day + datetime.timedelta(days=within_days),
        )
        .select_related("customer")
        .order_by("expires_on", "pk")
    )


SELECTORS = {
    "follow_ups_due": follow_ups_due,
    "follow_ups_overdue": follow_ups_overdue,
    "complaints_past_deadline": complaints_past_deadline,
    "documents_expiring": documents_expiring,
}


def reminder_list(*, user, kind: str, day: datetime.date):
    return SELECTORS[kind](user=user, day=day)


def reminders(*, user, day: datetime.date, first: int = 5) -> dict[str, dict]:
    """Every reminder list the user may see: {kind: {"count", "capped", "items"}} with the first
    `first` rows of each. The count stops at COUNT_CAP ("capped": the card shows 1000+), so a
    department-wide backlog never makes the dashboard count every row; a list shorter than
    `first` costs one query, a longer one two (rows by index order, then the capped count)."""
    out = {}
    for kind in KINDS:
        if not _allowed(user, kind):
            continue
        rows = reminder_list(user=user, kind=kind, day=day)
        items = list(rows[:first])
        count = len(items) if len(items) < first else rows[:COUNT_CAP].count()
        out[kind] = {"count": count, "capped": count >= COUNT_CAP, "items": items}
    return out
