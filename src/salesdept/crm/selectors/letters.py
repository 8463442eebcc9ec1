"""Reads of the correspondence register (C5). Everything starts from the scope rule (X1): a
letter is seen by its handler, the handler's team manager, the customer's regional manager and
the all-seeing roles (clerk, director, auditor …)."""

import datetime

from django.db.models import Case, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from ..filters_letters import LetterFilter, follow_up_overdue_q
from ..models import Letter

__all__ = ["follow_up_overdue", "follow_up_overdue_q", "letter_get", "letter_list"]


def _with_overdue(qs: QuerySet, day: datetime.date | None = None) -> QuerySet:
    day = day or timezone.localdate()
    return qs.annotate(overdue=Case(When(follow_up_overdue_q(day), then=Value(True)), default=Value(False)))


def follow_up_overdue(letter: Letter, day: datetime.date | None = None) -> bool:
    """Open, with a follow-up date before `day` (today)."""
    day = day or timezone.localdate()
    return (
        letter.status == Letter.Status.OPEN and letter.follow_up_on is not None and letter.follow_up_on < day
    )


def letter_list(*, user, filters=None) -> QuerySet[Letter]:
    """Letters `user` may see, filtered and sorted by `filters` (names in filters_letters),
    newest first, each annotated `overdue` (follow-up date passed while open). A bad filter
    value raises ValidationFailed naming the field. Rows carry customer and handler (no N+1)."""
    require(user, "crm.view_letter")
    base = _with_overdue(visible(Letter.objects, user).select_related("customer", "handler"))
    filterset = LetterFilter(filters if filters is not None else {}, queryset=base)
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def letter_get(*, user, letter_id: int) -> Letter:
    """One letter with its customer, handler and who registered it; 404 outside the scope."""
    require(user, "crm.view_letter")
    qs = _with_overdue(visible(Letter.objects, user).select_related("customer", "handler", "created_by"))
    return get_object_or_404(qs, pk=letter_id)
