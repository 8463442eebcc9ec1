"""The general ledger 总帐 of one account and the detail ledgers 明细帐 of one customer or one
product: the lines of a date range in date order with the balance before the range (opening),
a running balance on every line and the period's totals.

A page costs five queries whatever the depth: the account(s), one aggregate (opening, totals per
account, closing), the count, the page of lines with their entries, and — from page 2 on — the
balance brought forward (one aggregate over the lines before the page, journalline_account_idx /
journalline_customer_idx / journalline_product_idx). Balances are shown on the account's normal
side (debit − credit for assets and expenses, credit − debit for the others); a negative balance
is on the other side."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Page
from django.db.models import F, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from salesdept.accounts.scope import visible
from salesdept.catalog.models import Product
from salesdept.core.pagination import Paginator
from salesdept.core.permissions import require
from salesdept.crm.models import Customer

from .. import codes
from ..models import Account, JournalLine
from .balances import VIEW, ZERO, cents

__all__ = [
    "LEDGER_PAGE_SIZE",
    "AccountTotal",
    "Ledger",
    "account_ledger",
    "customer_choices",
    "customer_ledger",
    "product_choices",
    "product_ledger",
]

LEDGER_PAGE_SIZE = 50
CUSTOMER_ACCOUNTS = (codes.RECEIVABLE, codes.CUSTOMER_ADVANCES)
PRODUCT_ACCOUNTS = (codes.INVENTORY, codes.COST_OF_SALES)
CHOICES_LIMIT = 20


@dataclass
class AccountTotal:
    account: Account
    debit: Decimal
    credit: Decimal


@dataclass
class Ledger:
    """One ledger over [start, end]: `page` holds JournalLines, each with `.balance` (the running
    balance after it, None for a line of an account the balance does not follow)."""

    accounts: list[Account]
    start: datetime.date
    end: datetime.date
    debit_normal: bool
    opening: Decimal
    debit: Decimal
    credit: Decimal
    closing: Decimal
    lines: QuerySet
    balance_ids: frozenset
    page: Page | None = None
    brought_forward: Decimal = ZERO
    carried_forward: Decimal = ZERO
    page_debit: Decimal = ZERO
    page_credit: Decimal = ZERO
    per_account: list[AccountTotal] = field(default_factory=list)
    customer: Customer | None = None
    product: Product | None = None

    @property
    def account(self) -> Account:
        return self.accounts[0]

    def _signed(self, line) -> Decimal:
        net = line.debit - line.credit
        return net if self.debit_normal else -net

    def _run(self, rows, balance: Decimal) -> Decimal:
        for line in rows:
            if line.account_id in self.balance_ids:
                balance += self._signed(line)
                line.balance = balance
            else:
                line.balance = None
            yield line
        return balance

    def all_rows(self) -> Iterator[JournalLine]:
        """Every line of the range with its running balance (for the export)."""
        yield from self._run(self.lines.iterator(chunk_size=2000), self.opening)


def _ledger(
    *,
    accounts: list[Account],
    lines: QuerySet,
    balance_codes: tuple[str, ...],
    debit_normal: bool,
    start: datetime.date,
    end: datetime.date,
    page,
    page_size: int,
    **about,
) -> Ledger:
    balance_ids = frozenset(a.pk for a in accounts if a.code in balance_codes)
    follows = Q(account_id__in=balance_ids)
    within = Q(entry_date__gte=start)
    sums = {
        "opening": Sum(F("debit") - F("credit"), filter=Q(entry_date__lt=start) & follows),
        "moved": Sum(F("debit") - F("credit"), filter=within & follows),
    }
    for a in accounts:
        sums[f"debit_{a.pk}"] = Sum("debit", filter=within & Q(account_id=a.pk))
        sums[f"credit_{a.pk}"] = Sum("credit", filter=within & Q(account_id=a.pk))
    totals = lines.filter(entry_date__lte=end).order_by().aggregate(**sums)
    sign = Decimal(1) if debit_normal else Decimal(-1)
    per_account = [
        AccountTotal(a, cents(totals[f"debit_{a.pk}"]), cents(totals[f"credit_{a.pk}"])) for a in accounts
    ]
    opening = sign * cents(totals["opening"])
    in_range = (
        lines.filter(entry_date__gte=start, entry_date__lte=end)
        .select_related("entry", "account", "customer", "product")
        .order_by("entry_date", "pk")
    )
    ledger = Ledger(
        accounts=accounts,
        start=start,
        end=end,
        debit_normal=debit_normal,
        opening=opening,
        debit=sum((t.debit for t in per_account), ZERO),
        credit=sum((t.credit for t in per_account), ZERO),
        closing=opening + sign * cents(totals["moved"]),
        lines=in_range,
        balance_ids=balance_ids,
        per_account=per_account,
        **about,
    )
    page_obj = Paginator(in_range, page_size).get_page(page)
    rows = list(page_obj.object_list)
    brought = opening
    if rows and page_obj.number > 1:
        first = rows[0]
        earlier = (
            lines.filter(follows, entry_date__gte=start)
            .filter(Q(entry_date__lt=first.entry_date) | Q(entry_date=first.entry_date, pk__lt=first.pk))
            .order_by()
            .aggregate(net=Sum(F("debit") - F("credit")))
        )
        brought = opening + sign * cents(earlier["net"])
    ledger.brought_forward = brought
    ledger.carried_forward = brought
    runner = ledger._run(rows, brought)
    page_obj.object_list = list(runner)
    for line in page_obj.object_list:
        if line.balance is not None:
            ledger.carried_forward = line.balance
    ledger.page_debit = sum((r.debit for r in rows), ZERO)
    ledger.page_credit = sum((r.credit for r in rows), ZERO)
    ledger.page = page_obj
    return ledger


def account_ledger(
    *,
    user,
    code: str,
    start: datetime.date,
    end: datetime.date,
    customer_id: int | None = None,
    product_id: int | None = None,
    page=None,
    page_size: int = LEDGER_PAGE_SIZE,
) -> Ledger:
    """总帐 / 明细帐 of one account: its lines over [start, end] (of one customer and/or product
    when given) with the opening and running balance (journalline_account_idx). 404 for an
    unknown account, customer or product."""
    require(user, VIEW)
    account = get_object_or_404(Account, code=code)
    lines = JournalLine.objects.filter(account=account)
    about = {}
    if customer_id is not None:
        about["customer"] = get_object_or_404(visible(Customer.objects, user), pk=customer_id)
        lines = lines.filter(customer_id=customer_id)
    if product_id is not None:
        about["product"] = get_object_or_404(Product, pk=product_id)
        lines = lines.filter(product_id=product_id)
    return _ledger(
        accounts=[account],
        lines=lines,
        balance_codes=(account.code,),
        debit_normal=account.debit_normal,
        start=start,
        end=end,
        page=page,
        page_size=page_size,
        **about,
    )


def _accounts(wanted: tuple[str, ...]) -> list[Account]:
    found = {a.code: a for a in Account.objects.filter(code__in=wanted)}
    return [found[c] for c in wanted if c in found]


def customer_ledger(
    *, user, customer_id: int, start: datetime.date, end: datetime.date, page=None,
    page_size: int = LEDGER_PAGE_SIZE,
) -> Ledger:  # fmt: skip
    """客户明细帐: the customer's receivable (1122) and advance/credit (2203) lines, the running
    balance being what the customer owes (debit − credit of both; negative: their credit). The
    customer is looked up through crm's visibility rule (404 for one the user cannot see)."""
    require(user, VIEW)
    customer = get_object_or_404(visible(Customer.objects, user), pk=customer_id)
    accounts = _accounts(CUSTOMER_ACCOUNTS)
    lines = JournalLine.objects.filter(customer_id=customer.pk, account_id__in=[a.pk for a in accounts])
    return _ledger(
        accounts=accounts,
        lines=lines,
        balance_codes=CUSTOMER_ACCOUNTS,
        debit_normal=True,
        start=start,
        end=end,
        page=page,
        page_size=page_size,
        customer=customer,
    )


def product_ledger(
    *, user, product_id: int, start: datetime.date, end: datetime.date, page=None,
    page_size: int = LEDGER_PAGE_SIZE,
) -> Ledger:  # fmt: skip
    """商品明细帐: the product's inventory (1405) and cost of goods sold (6401) lines; the
    running balance is its inventory value (the cost lines show what left at which cost)."""
    require(user, VIEW)
    product = get_object_or_404(Product, pk=product_id)
    accounts = _accounts(PRODUCT_ACCOUNTS)
    lines = JournalLine.objects.filter(product_id=product.pk, account_id__in=[a.pk for a in accounts])
    return _ledger(
        accounts=accounts,
        lines=lines,
        balance_codes=(codes.INVENTORY,),
        debit_normal=True,
        start=start,
        end=end,
        page=page,
        page_size=page_size,
        product=product,
    )


def customer_choices(*, user, q: str) -> list[Customer]:
    """Customers the user may see whose name, number or pinyin holds `q` (the search box)."""
    require(user, VIEW)
    q = (q or "").strip()
    if not q:
        return []
    qs = visible(Customer.objects, user).filter(
        Q(name__icontains=q) | Q(code__icontains=q) | Q(name_pinyin__icontains=q.lower())
    )
    return list(qs.order_by("name", "pk")[:CHOICES_LIMIT])


def product_choices(*, user, q: str) -> list[Product]:
    """Products whose code or name holds `q` (the search box)."""
    require(user, VIEW)
    q = (q or "").strip()
    if not q:
        return []
    qs = Product.objects.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(name_en__icontains=q))
    return list(qs.order_by("code", "pk")[:CHOICES_LIMIT])
