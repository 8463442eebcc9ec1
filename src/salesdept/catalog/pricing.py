"""The price policy (S1, 事前请示): how far a user may go below the price on their own, which
lines of a document go beyond that, and whether an approved PriceApproval covers them.

A line is an issue when
- its discount is over the seller's own authority ("over_authority", limit = authority %), or
- its net unit price is under the product's floor price ("under_floor", limit = floor price) and
  the seller's own authority does not include prices under the floor (only the director's does
  by default).
A document with issues cannot be confirmed (quotation sent, contract submitted, order confirmed)
unless an APPROVED PriceApproval for that document covers every issue: its discount is at least
every over-authority line's discount, and it allows prices under the floor when a line is under it.

Callers record the issues as audit signals (X3) with record_price_signals(): after the rollback
when refused, inside the transaction when they went through covered."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from salesdept.audit.services import record_signal
from salesdept.core.errors import DomainError

from .models import DiscountAuthority, PriceApproval, Product

__all__ = [
    "Authority",
    "LineIssue",
    "PriceApprovalNeeded",
    "authority_of",
    "covering_approval",
    "enforce_price_policy",
    "judge_lines",
    "record_price_signals",
]

ZERO = Decimal("0")
OVER_AUTHORITY = "over_authority"
UNDER_FLOOR = "under_floor"


@dataclass(frozen=True)
class Authority:
    max_discount: Decimal
    below_floor: bool

    def covers(self, discount: Decimal, below_floor: bool) -> bool:
        """Whether this authority may approve `discount` % (and a price under the floor)."""
        return discount <= self.max_discount and (self.below_floor or not below_floor)


NO_AUTHORITY = Authority(ZERO, False)


def authority_of(user) -> Authority:
    """The highest authority over the user's roles; none (or an inactive user) → 0 %, no floor."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_AUTHORITY
    rows = DiscountAuthority.objects.filter(role__in=user.role_names)
    agg = rows.aggregate(top=Max("max_discount"))
    if agg["top"] is None:
        return NO_AUTHORITY
    return Authority(agg["top"], rows.filter(below_floor=True).exists())


@dataclass(frozen=True)
class LineIssue:
    position: int
    product: Product
    kind: str  # "over_authority" | "under_floor"
    discount: Decimal
    unit_price: Decimal
    limit: Decimal  # the authority % (over_authority) or the floor price (under_floor)

    def describe(self) -> str:
        if self.kind == OVER_AUTHORITY:
            return gettext(
                "line %(pos)s (%(code)s): discount %(discount)s %% is over the authority of %(limit)s %%"
            ) % {
                "pos": self.position,
                "code": self.product.code,
                "discount": self.discount,
                "limit": self.limit,
            }
        return gettext("line %(pos)s (%(code)s): price %(price)s is under the floor price %(limit)s") % {
            "pos": self.position,
            "code": self.product.code,
            "price": self.unit_price,
            "limit": self.limit,
        }


def _dec(value) -> Decimal:
    return ZERO if value is None else Decimal(value)


def judge_lines(user, lines, *, authority: Authority | None = None) -> list[LineIssue]:
    """The issues of `lines` (objects with .position .product .discount .unit_price) for `user`."""
    authority = authority or authority_of(user)
    issues: list[LineIssue] = []
    for line in lines:
        product = line.product
        discount = _dec(line.discount)
        unit_price = _dec(line.unit_price)
        if discount > authority.max_discount:
            issues.append(
                LineIssue(
                    line.position, product, OVER_AUTHORITY, discount, unit_price, authority.max_discount
                )
            )
        floor = product.floor_price
        if floor is not None and unit_price < floor and not authority.below_floor:
            issues.append(LineIssue(line.position, product, UNDER_FLOOR, discount, unit_price, floor))
    return issues


def approvals_for(doc):
    return PriceApproval.objects.filter(
        content_type=ContentType.objects.get_for_model(type(doc)), object_id=doc.pk
    )


def covering_approval(doc, issues) -> PriceApproval | None:
    """The newest APPROVED approval for `doc` that covers every issue, or None."""
    if not issues:
        return None
    needed = max((i.discount for i in issues if i.kind == OVER_AUTHORITY), default=None)
    under_floor = any(i.kind == UNDER_FLOOR for i in issues)
    qs = approvals_for(doc).filter(status=PriceApproval.Status.APPROVED)
    if needed is not None:
        qs = qs.filter(discount__gte=needed)
    if under_floor:
        qs = qs.filter(below_floor=True)
    return qs.order_by("-decided_at", "-pk").first()


class PriceApprovalNeeded(DomainError):
    """A document has lines beyond the seller's authority or under the floor, and no approved
    price approval covers them (HTTP 409, code price_approval_needed)."""

    def __init__(self, issues: list[LineIssue]):
        self.issues = list(issues)
        detail = "; ".join(i.describe() for i in self.issues)
        message = _("A price approval (事前请示) is needed first: %(detail)s.") % {"detail": detail}
        super().__init__(
            "price_approval_needed",
            message,
            status=409,
            fields={"lines": detail},
            extra={
                "issues": [
                    {
                        "position": i.position,
                        "product": i.product.code,
                        "kind": i.kind,
                        "discount": str(i.discount),
                        "unit_price": str(i.unit_price),
                        "limit": str(i.limit),
                    }
                    for i in self.issues
                ]
            },
        )


def enforce_price_policy(doc, lines, *, by) -> list[LineIssue]:
    """Raise PriceApprovalNeeded unless `lines` have no issues for `by` or an approved price
    approval of `doc` covers them; return the (covered) issues."""
    issues = judge_lines(by, lines)
    if issues and covering_approval(doc, issues) is None:
        raise PriceApprovalNeeded(issues)
    return issues


def record_price_signals(doc, issues, *, by) -> None:
    """One audit signal per issue (kind over_authority / under_floor) about `doc`."""
    for issue in issues:
        if issue.kind == OVER_AUTHORITY:
            detail = (
                f"line {issue.position} {issue.product.code}: discount {issue.discount}% "
                f"over authority {issue.limit}%"
            )
        else:
            detail = (
                f"line {issue.position} {issue.product.code}: price {issue.unit_price} "
                f"under floor {issue.limit}"
            )
        record_signal(issue.kind, by=by, doc=doc, detail=detail)
