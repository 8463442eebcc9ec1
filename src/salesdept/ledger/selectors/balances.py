"""Balances and the trial balance 试算平衡表 (F4, I1).

Amounts are summed by the database and brought back to exact cents: SQLite adds decimals as
floats, so a sum of many lines may come back as 0.30000000000000004; every amount stored is in
cents, so rounding a sum to cents gives the exact figure. Over millions of lines of large amounts
a float sum drifts by whole cents, so the trial balance sums whole cents as integers there
(exact_sum)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.core.arithmetic import exact_sum, from_sum
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from .. import codes
from ..models import Account, JournalLine

__all__ = [
    "VIEW",
    "TrialBalance",
    "TrialBalanceRow",
    "account_balance",
    "build_trial_balance",
    "cents",
    "customer_receivable",
    "exact_sum",
    "from_sum",
    "month_range",
    "period_range",
    "trial_balance",
]

VIEW = "ledger.view_journalentry"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(value) -> Decimal:
    """A database sum as exact cents (None → 0.00)."""
    return Decimal(str(value or 0)).quantize(CENT)


def month_range(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of a month."""
    start = datetime.date(year, month, 1)
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return start, following - datetime.timedelta(days=1)


def _parse_date(value, name: str, errors: dict) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        errors[name] = _("Enter a valid date.")
        return None


def _parse_month(value, errors: dict) -> tuple[int, int] | None:
    text = str(value).strip()
    try:
        year, month = (int(part) for part in text.split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12 and len(text) == 7:
            return year, month
    except ValueError:
        pass
    errors["month"] = _("Enter a month as YYYY-MM.")
    return None


def period_range(filters=None) -> tuple[datetime.date, datetime.date]:
    """The dates a report covers, from `month=YYYY-MM` or `date_from` / `date_to` (either may be
    left out: the start of the month of the end, the end of the month of the start); nothing
    given: this month. Bad input: ValidationFailed naming the field."""
    filters = filters or {}
    errors: dict = {}
    if filters.get("month") and not (filters.get("date_from") or filters.get("date_to")):
        ym = _parse_month(filters["month"], errors)
        if errors:
            raise ValidationFailed(errors)
        return month_range(*ym)
    start = _parse_date(filters.get("date_from"), "date_from", errors)
    end = _parse_date(filters.get("date_to"), "date_to", errors)
    if errors:
        raise ValidationFailed(errors)
    if start is None and end is None:
        today = timezone.localdate()
        return month_range(today.year, today.month)
    if start is None:
        start = end.replace(day=1)
    if end is None:
        end = month_range(start.year, start.month)[1]
    if start > end:
        raise ValidationFailed({"date_to": _("The end date must not be before the start date.")})
    return start, end


def account_balance(
    code: str,
    customer_id: int | None = None,
    as_of: datetime.date | None = None,
    product_id: int | None = None,
) -> Decimal:
    """Σ debit − Σ credit of the account `code` (of one customer and/or product), up to and
    including `as_of` (None: everything). Positive: a debit balance. One query. No permission
    check: the caller (a service or a guarded selector) decides who may know."""
    lines = JournalLine.objects.filter(account__code=code)
    if customer_id is not None:
        lines = lines.filter(customer_id=customer_id)
    if product_id is not None:
        lines = lines.filter(product_id=product_id)
    if as_of is not None:
        lines = lines.filter(entry_date__lte=as_of)
    totals = lines.aggregate(debit=Sum("debit"), credit=Sum("credit"))
    return cents(totals["debit"]) - cents(totals["credit"])


def customer_receivable(customer_id: int, as_of: datetime.date | None = None) -> Decimal:
    """What the customer owes: their accounts receivable (1122, debit − credit) less what they
    paid in advance or hold as credit (2203, credit − debit). Negative: the customer has credit.
    One query over the customer's lines (journalline_customer_idx)."""
    lines = JournalLine.objects.filter(
        customer_id=customer_id, account__code__in=[codes.RECEIVABLE, codes.CUSTOMER_ADVANCES]
    )
    if as_of is not None:
        lines = lines.filter(entry_date__lte=as_of)
    totals = lines.aggregate(debit=Sum("debit"), credit=Sum("credit"))
    return cents(totals["debit"]) - cents(totals["credit"])


@dataclass
class TrialBalanceRow:
    account: Account
    opening: Decimal  # debit − credit before the period
    debit: Decimal
    credit: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit

    @property
    def code(self) -> str:
        return self.account.code

    @property
    def name(self) -> str:
        return self.account.label

    @property
    def kind(self) -> str:
        return self.account.get_kind_display()

    @property
    def opening_debit(self) -> Decimal:
        return max(self.opening, ZERO)

    @property
    def opening_credit(self) -> Decimal:
        return max(-self.opening, ZERO)

    @property
    def closing_debit(self) -> Decimal:
        return max(self.closing, ZERO)

    @property
    def closing_credit(self) -> Decimal:
        return max(-self.closing, ZERO)

    @property
    def is_empty(self) -> bool:
        return not (self.opening or self.debit or self.credit)


@dataclass
class TrialBalance:
    start: datetime.date
    end: datetime.date
    rows: list[TrialBalanceRow] = field(default_factory=list)

    def _total(self, name: str) -> Decimal:
        return sum((getattr(r, name) for r in self.rows), ZERO)

    @property
    def totals(self) -> dict[str, Decimal]:
        names = ("opening_debit", "opening_credit", "debit", "credit", "closing_debit", "closing_credit")
        return {name: self._total(name) for name in names}

    @property
    def balanced(self) -> bool:
        t = self.totals
        return (
            t["opening_debit"] == t["opening_credit"]
            and t["debit"] == t["credit"]
            and t["closing_debit"] == t["closing_credit"]
        )


def trial_balance(
    *, user, start: datetime.date, end: datetime.date, include_empty: bool = False
) -> TrialBalance:
    """Per account: the balance before `start`, the debits and credits from `start` to `end`
    and the closing balance; one GROUP BY query over the lines (the accounts LEFT JOIN their
    lines). Accounts without a balance or activity are left out unless `include_empty` (inactive
    accounts always, when empty). The totals balance whenever every entry does (I1)."""
    require(user, VIEW)
    return build_trial_balance(start=start, end=end, include_empty=include_empty)


def build_trial_balance(
    *, start: datetime.date, end: datetime.date, include_empty: bool = False
) -> TrialBalance:
    """trial_balance() without the permission check (the invariants run it)."""
    before = Q(lines__entry_date__lt=start)
    within = Q(lines__entry_date__gte=start, lines__entry_date__lte=end)
    accounts = Account.objects.annotate(
        opening_sum=exact_sum(F("lines__debit") - F("lines__credit"), filter=before),
        debit_sum=exact_sum("lines__debit", filter=within),
        credit_sum=exact_sum("lines__credit", filter=within),
    ).order_by("code")
    report = TrialBalance(start=start, end=end)
    for account in accounts:
        row = TrialBalanceRow(
            account=account,
            opening=from_sum(account.opening_sum),
            debit=from_sum(account.debit_sum),
            credit=from_sum(account.credit_sum),
        )
        if row.is_empty and not (include_empty and account.is_active):
            continue
        report.rows.append(row)
    return report
