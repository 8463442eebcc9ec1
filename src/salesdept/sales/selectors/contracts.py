"""Reads of contracts (S3). Everything starts from the scope rule (X1): a contract is seen by its
salesperson, their team's manager, the customer's regional manager and the all-seeing roles."""

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.shortcuts import get_object_or_404

from salesdept.accounts.scope import visible
from salesdept.core import review
from salesdept.core.errors import ValidationFailed
from salesdept.core.events import history
from salesdept.core.models import DocumentEvent
from salesdept.core.permissions import require

from ..filters_contracts import ContractFilter
from ..models import Contract, ContractReviewRule, ContractStatus, OrderStatus, SalesOrderLine
from ..services.contracts import amendment_chain, ordered_by_line

__all__ = [
    "contract_get",
    "contract_list",
    "contract_lines_with_ordered",
    "review_steps",
    "waiting_for",
]

CANDIDATES = 500


def contract_list(*, user, filters=None) -> QuerySet[Contract]:
    """Contracts `user` may see, filtered and sorted by `filters` (names in filters_contracts),
    newest first; rows carry customer and salesperson. A bad filter value raises
    ValidationFailed naming the field."""
    require(user, "sales.view_contract")
    base = visible(Contract.objects, user).select_related("customer", "owner")
    filterset = ContractFilter(filters if filters is not None else {}, queryset=base, user=user)
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def contract_get(*, user, contract_id: int) -> Contract:
    """One contract with customer, salesperson, preparer and what it amends; 404 out of scope."""
    require(user, "sales.view_contract")
    qs = visible(Contract.objects, user).select_related(
        "customer", "owner", "prepared_by", "amendment_of", "quotation"
    )
    return get_object_or_404(qs, pk=contract_id)


def waiting_for(user) -> list[int]:
    """Ids of submitted contracts in scope whose next review step `user` may take now (the same
    rule as core.review.refusal)."""
    ct = ContentType.objects.get_for_model(Contract)
    mine = DocumentEvent.objects.filter(
        content_type=ct,
        object_id=OuterRef("pk"),
        action="approve_step",
        round=OuterRef("review_round"),
        actor=user,
    )
    qs = (
        visible(Contract.objects, user)
        .filter(status=ContractStatus.SUBMITTED)
        .exclude(prepared_by=user)
        .exclude(Exists(mine))
        .order_by("submitted_at", "pk")[:CANDIDATES]
    )
    return [c.pk for c in qs if review.refusal(c, user) is None]


def review_steps(contract: Contract) -> list[dict]:
    """The route of the current round with each step's state: done (by whom, when), next, to come."""
    labels = dict(ContractReviewRule.Step.choices)
    route = contract.review_route()
    done = []
    if contract.review_round:
        done = list(
            history(contract).filter(action="approve_step", round=contract.review_round).order_by("pk")
        )
    finished = contract.status not in (
        ContractStatus.DRAFT,
        ContractStatus.SUBMITTED,
        ContractStatus.CANCELLED,
    )
    steps = []
    for i, perm in enumerate(route):
        event = done[i] if i < len(done) else None
        if event is not None:
            state = "done"
        elif finished:
            state = "done"
        elif contract.status == ContractStatus.SUBMITTED and i == len(done):
            state = "next"
        else:
            state = "todo"
        steps.append({"permission": perm, "label": labels.get(perm, perm), "state": state, "event": event})
    return steps


def contract_lines_with_ordered(contract: Contract) -> list:
    """The contract's lines with `ordered` (Σ non-cancelled order lines) and `open_quantity`."""
    lines = list(contract.lines.select_related("product", "replaces"))
    ordered = ordered_by_line(line.pk for line in lines)
    for line in lines:
        line.ordered = ordered.get(line.pk) or Decimal("0")
        line.open_quantity = line.quantity - line.ordered
    return lines


def deliveries_with_ordered(contract: Contract) -> list:
    """The delivery schedule with the quantity already ordered from each planned delivery."""
    deliveries = list(contract.deliveries.select_related("line", "line__product"))
    ordered = dict(
        SalesOrderLine.objects.filter(delivery__contract=contract)
        .exclude(order__status=OrderStatus.CANCELLED)
        .values("delivery_id")
        .annotate(q=Sum("quantity"))
        .values_list("delivery_id", "q")
    )
    for d in deliveries:
        d.ordered = ordered.get(d.pk) or Decimal("0")
        d.open_quantity = max(d.quantity - d.ordered, Decimal("0"))
    return deliveries


def chain(contract: Contract) -> list[Contract]:
    return amendment_chain(contract)
