"""Reads of inquiries (S2), scoped (X1): a salesperson sees their own, a manager the team's, a
regional manager the region's customers', the all-seeing roles everything."""

import datetime

from django.db.models import Case, Count, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from ..filters_inquiries import InquiryFilter, overdue_q
from ..models import Inquiry

__all__ = ["inquiry_get", "inquiry_list", "is_overdue"]


def _annotated(qs: QuerySet, day: datetime.date | None = None) -> QuerySet:
    day = day or timezone.localdate()
    return qs.annotate(overdue=Case(When(overdue_q(day), then=Value(True)), default=Value(False)))


def is_overdue(inquiry: Inquiry, day: datetime.date | None = None) -> bool:
    day = day or timezone.localdate()
    return inquiry.status == Inquiry.Status.OPEN and inquiry.respond_by < day


def inquiry_list(*, user, filters=None) -> QuerySet[Inquiry]:
    """Inquiries `user` may see, filtered and sorted (names in filters_inquiries), newest first,
    each annotated `overdue` and `line_count`. A bad filter raises ValidationFailed."""
    require(user, "sales.view_inquiry")
    base = _annotated(
        visible(Inquiry.objects, user)
        .select_related("customer", "owner")
        .annotate(line_count=Count("lines"))
        .order_by("-received_on", "-pk")
    )
    filterset = InquiryFilter(filters if filters is not None else {}, queryset=base)
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def inquiry_get(*, user, inquiry_id: int) -> Inquiry:
    """One inquiry with its lines (and products) and quotations; 404 outside the scope."""
    require(user, "sales.view_inquiry")
    qs = _annotated(
        visible(Inquiry.objects, user)
        .select_related("customer", "owner", "created_by")
        .prefetch_related("lines__product", "quotations")
    )
    return get_object_or_404(qs, pk=inquiry_id)
