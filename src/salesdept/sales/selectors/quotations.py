"""Reads of quotations (S2), scoped (X1) like every sales document. `expired` (sent, valid until
a day before today) is derived and annotated on every row."""

import datetime
from decimal import Decimal

from django.db.models import Case, Exists, OuterRef, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from ..filters_quotations import QuotationFilter, expired_q
from ..lines import tax_of
from ..models import Quotation

__all__ = ["quotation_get", "quotation_list", "quotation_revisions", "quotation_totals"]


def _annotated(qs: QuerySet, day: datetime.date | None = None) -> QuerySet:
    day = day or timezone.localdate()
    return qs.annotate(
        expired=Case(When(expired_q(day), then=Value(True)), default=Value(False)),
        is_newest=~Exists(Quotation.objects.filter(previous_id=OuterRef("pk"))),
    )


def quotation_list(*, user, filters=None) -> QuerySet[Quotation]:
    """Quotations `user` may see, filtered and sorted (names in filters_quotations), newest
    first, each annotated `expired` and `is_newest`. A bad filter raises ValidationFailed."""
    require(user, "sales.view_quotation")
    base = _annotated(visible(Quotation.objects, user).select_related("customer", "owner"))
    filterset = QuotationFilter(filters if filters is not None else {}, queryset=base)
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def quotation_get(*, user, quotation_id: int) -> Quotation:
    """One quotation with its lines and products; 404 outside the scope."""
    require(user, "sales.view_quotation")
    qs = _annotated(
        visible(Quotation.objects, user)
        .select_related("customer", "customer__region", "owner", "created_by", "inquiry", "previous")
        .prefetch_related("lines__product")
    )
    return get_object_or_404(qs, pk=quotation_id)


def quotation_revisions(*, user, quotation: Quotation) -> list[Quotation]:
    """Every revision of the same quotation `user` may see, v1 first."""
    qs = visible(Quotation.objects, user).filter(base_number=quotation.base_number).order_by("revision")
    return list(qs.select_related("created_by"))


def quotation_totals(quotation: Quotation) -> dict:
    """Total, tax included in it and net of tax, from the (prefetched) lines."""
    lines = list(quotation.lines.all())
    total = sum((line.amount for line in lines), Decimal("0"))
    tax = sum((tax_of(line.amount, line.tax_rate) for line in lines), Decimal("0"))
    return {"total": total, "tax": tax, "net": total - tax}
