"""Reads of feedback, complaints and quality issues (C4). Everything starts from the scope rule
(X1): a complaint is seen by its customer's salesperson, the person it is routed to, their
team's manager, the region's manager and the all-seeing roles."""

import datetime

from django.db.models import Case, Prefetch, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from ..filters_feedback import ACTIVE, FeedbackFilter, overdue_q
from ..models import Customer, Feedback, FeedbackStep

__all__ = ["ACTIVE", "feedback_customers", "feedback_get", "feedback_list", "is_overdue", "overdue_q"]


def _with_overdue(qs: QuerySet, day: datetime.date | None = None) -> QuerySet:
    day = day or timezone.localdate()
    return qs.annotate(overdue=Case(When(overdue_q(day), then=Value(True)), default=Value(False)))


def is_overdue(feedback: Feedback, day: datetime.date | None = None) -> bool:
    """Not yet resolved and the deadline lies before `day` (today): the list's red badge."""
    day = day or timezone.localdate()
    return feedback.status in ACTIVE and feedback.deadline < day


def feedback_list(*, user, filters=None) -> QuerySet[Feedback]:
    """Complaints `user` may see, filtered and sorted by `filters` (names in filters_feedback),
    newest received first, each annotated `overdue`. A bad filter value raises ValidationFailed
    naming the field. Rows carry customer, its salesperson and the assignee (no N+1)."""
    require(user, "crm.view_feedback")
    base = _with_overdue(
        visible(Feedback.objects, user).select_related("customer", "customer__owner", "assignee")
    )
    filterset = FeedbackFilter(filters if filters is not None else {}, queryset=base)
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def feedback_get(*, user, feedback_id: int) -> Feedback:
    """One complaint with its steps (oldest first, with who made them); 404 outside the scope."""
    require(user, "crm.view_feedback")
    qs = _with_overdue(
        visible(Feedback.objects, user)
        .select_related(
            "customer", "customer__owner", "assignee", "created_by", "resolved_by", "confirmed_by"
        )
        .prefetch_related(
            Prefetch("steps", queryset=FeedbackStep.objects.select_related("by").order_by("at", "pk"))
        )
    )
    return get_object_or_404(qs, pk=feedback_id)


def feedback_customers(*, user, q: str = "", selected: int | None = None, limit: int = 50) -> list[Customer]:
    """Active customers `user` may see whose name, number or phone matches `q`, for the
    customer picker of the complaint and letter forms (a short list, never the whole archive).
    `selected` is always included when visible, so a prefilled choice stays on the list."""
    qs = visible(Customer.objects.active(), user).only("pk", "name", "code").order_by("name", "pk")
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(code__icontains=q)
            | Q(name_pinyin__icontains=q.lower())
            | Q(phone__contains=q)
        )
    found = list(qs[:limit])
    if selected and all(c.pk != selected for c in found):
        extra = (
            visible(Customer.objects.active(), user).only("pk", "name", "code").filter(pk=selected).first()
        )
        if extra is not None:
            found.insert(0, extra)
    return found
