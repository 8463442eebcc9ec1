"""Reads of samples (W5): sample loans, scoped (X1: a salesperson sees the samples they hold, a
manager the team's, the keeper and the back office all), each annotated `outstanding` and
`overdue`; and the register of samples received from others."""

import datetime

from django.db.models import BooleanField, Case, F, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from ..filters_samples import LoanFilter, ReceivedFilter, overdue_q
from ..models import ReceivedSample, SampleLoan

__all__ = ["is_overdue", "loan_get", "loan_list", "overdue_loans", "received_get", "received_list"]


def _errors(filterset) -> ValidationFailed:
    return ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})


def _annotated(qs: QuerySet, day: datetime.date | None = None) -> QuerySet:
    day = day or timezone.localdate()
    return qs.annotate(
        outstanding_quantity=F("quantity") - F("returned") - F("consumed"),
        overdue=Case(
            When(overdue_q(day), then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
    )


def is_overdue(loan: SampleLoan, day: datetime.date | None = None) -> bool:
    day = day or timezone.localdate()
    return (
        loan.status == SampleLoan.Status.OUT
        and loan.due_back is not None
        and loan.due_back < day
        and (loan.outstanding > 0)
    )


def _loans(user) -> QuerySet[SampleLoan]:
    require(user, "warehouse.view_sampleloan")
    return _annotated(
        visible(SampleLoan.objects, user).select_related(
            "product", "holder", "customer", "issue_line__document", "issue_line__location"
        )
    )


def loan_list(*, user, filters=None) -> QuerySet[SampleLoan]:
    """Loans `user` may see, newest first (filters_samples.LoanFilter)."""
    filterset = LoanFilter(
        filters if filters is not None else {}, queryset=_loans(user).order_by("-issued_on", "-pk")
    )
    if not filterset.is_valid():
        raise _errors(filterset)
    return filterset.qs


def overdue_loans(*, user, day: datetime.date | None = None) -> QuerySet[SampleLoan]:
    """Loans in scope whose expected return has passed with something outstanding, oldest due first."""
    return _loans(user).filter(overdue_q(day or timezone.localdate())).order_by("due_back", "pk")


def loan_get(*, user, loan_id: int) -> SampleLoan:
    """One loan in scope (404 outside it) with the return lines that reduced it."""
    return get_object_or_404(_loans(user).prefetch_related("return_lines__document"), pk=loan_id)


def received_list(*, user, filters=None) -> QuerySet[ReceivedSample]:
    """Samples received from others, newest first (filters_samples.ReceivedFilter)."""
    require(user, "warehouse.view_receivedsample")
    base = ReceivedSample.objects.select_related(
        "customer", "product", "location", "registered_by", "checked_by", "verified_by"
    ).order_by("-received_on", "-pk")
    filterset = ReceivedFilter(filters if filters is not None else {}, queryset=base)
    if not filterset.is_valid():
        raise _errors(filterset)
    return filterset.qs


def received_get(*, user, sample_id: int) -> ReceivedSample:
    require(user, "warehouse.view_receivedsample")
    qs = ReceivedSample.objects.select_related(
        "customer", "product", "location__warehouse", "registered_by", "checked_by", "verified_by"
    )
    return get_object_or_404(qs, pk=sample_id)
