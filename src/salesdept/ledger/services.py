"""Writes of the ledger (F4): balanced entries, period close. Called by the documents that
post (warehouse, shipping, billing) inside their own transactions; never by a page directly."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from salesdept.core.errors import DomainError
from salesdept.core.permissions import require

from .models import Account, JournalEntry, JournalLine, Period

CENT = Decimal("0.01")
ZERO = Decimal("0")


@dataclass
class Posting:
    """One line of an entry to post: `debit` or `credit` (≥ 0, one of them zero) on the account
    with `account` code, concerning a customer and/or a product (the detail ledgers)."""

    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    customer_id: int | None = None
    product_id: int | None = None
    memo: str = ""


class UnbalancedEntry(ValueError):
    """A programming error: the document built an entry whose debits and credits differ."""


def _cents(x) -> Decimal:
    return Decimal(x).quantize(CENT, rounding=ROUND_HALF_UP)


def month_label(on: datetime.date) -> str:
    return formats.date_format(on, "YEAR_MONTH_FORMAT")


def month_end(on: datetime.date) -> datetime.date:
    """The last day of the month of `on`."""
    following = datetime.date(on.year + on.month // 12, on.month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def refuse_closed(on: datetime.date) -> None:
    """409 period_closed when the month of `on` is closed."""
    if Period.objects.filter(year=on.year, month=on.month).exists():
        raise DomainError(
            "period_closed",
            _("%(month)s is closed: nothing may be posted into it. Date the document in an open month.")
            % {"month": month_label(on)},
            extra={"date": on.isoformat()},
        )


def ensure_chart(**kwargs) -> None:
    """Create the accounts of codes.CHART that are missing (after migrate, post_migrate)."""
    from .codes import CHART

    using = kwargs.get("using", "default")
    existing = set(Account.objects.using(using).values_list("code", flat=True))
    Account.objects.using(using).bulk_create(
        Account(code=code, name=str(name), name_zh=name_zh, kind=kind)
        for code, name, name_zh, kind in CHART
        if code not in existing
    )


def post_opening(*, values: dict[int, Decimal], on: datetime.date, by, source) -> JournalEntry | None:
    """The opening entry of stock valued before the ledger saw it (a bulk load such as the
    benchmark's): Dr inventory per product, Cr opening balances."""
    from . import codes

    lines = [Posting(codes.INVENTORY, debit=v, product_id=p) for p, v in sorted(values.items()) if v]
    lines.append(Posting(codes.OPENING_BALANCES, credit=sum(values.values(), ZERO)))
    return post_entry(source=source, on=on, lines=lines, by=by, memo="Opening stock value")


def _accounts(codes: set[str]) -> dict[str, int]:
    found = dict(Account.objects.filter(code__in=codes).values_list("code", "pk"))
    missing = codes - set(found)
    if missing:
        raise ValueError(f"accounts missing from the chart: {sorted(missing)}")
    return found


def post_entry(*, source, on: datetime.date, lines: list[Posting], by, memo: str = "") -> JournalEntry | None:
    """Write one balanced entry for `source` (a saved document) dated `on`, inside the caller's
    transaction. Lines of zero are dropped; nothing left, nothing written (returns None).
    Refuses a closed month (409 period_closed); an unbalanced entry is a bug (UnbalancedEntry)."""
    if not connection.in_atomic_block:
        raise RuntimeError("post_entry() must run inside the posting document's transaction")
    rows = []
    for p in lines:
        debit, credit = _cents(p.debit), _cents(p.credit)
        if debit < 0 or credit < 0:  # a negative side is the other side
            debit, credit = max(debit, ZERO) - min(credit, ZERO), max(credit, ZERO) - min(debit, ZERO)
        net = debit - credit
        if net:
            rows.append((p, max(net, ZERO), max(-net, ZERO)))
    if not rows:
        return None
    total_debit = sum(r[1] for r in rows)
    total_credit = sum(r[2] for r in rows)
    if total_debit != total_credit:
        raise UnbalancedEntry(f"debit {total_debit} ≠ credit {total_credit} for {source!r}")
    refuse_closed(on)
    accounts = _accounts({p.account for p, _d, _c in rows})
    entry = JournalEntry.objects.create(
        entry_date=on,
        source_type=f"{source._meta.app_label}.{source._meta.model_name}",
        source_id=source.pk,
        source_number=str(getattr(source, "number", "") or "")[:40],
        memo=memo[:200],
        created_by=by,
    )
    JournalLine.objects.bulk_create(
        JournalLine(
            entry=entry,
            account_id=accounts[p.account],
            entry_date=on,
            debit=debit,
            credit=credit,
            customer_id=p.customer_id,
            product_id=p.product_id,
            memo=p.memo[:200],
        )
        for p, debit, credit in rows
    )
    return entry


@transaction.atomic
def period_close(*, year: int, month: int, by) -> Period:
    """Close a month: from now on no entry may be dated in it (corrections go to an open one).
    Closing a month closes nothing else; closing it twice is refused."""
    require(by, "ledger.close_period")
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise DomainError(
            "invalid_period",
            _("Choose a month between 2000 and 2100."),
            status=400,
            fields={"month": _("Enter a valid month.")},
        )
    period, created = Period.objects.get_or_create(year=year, month=month, defaults={"closed_by": by})
    if not created:
        raise DomainError(
            "period_already_closed",
            _("%(month)s is already closed.") % {"month": month_label(datetime.date(year, month, 1))},
        )
    return period
