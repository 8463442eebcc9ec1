"""API of the ledgers (F4): /api/v1/ledger.

GET  /trial-balance?from=&to=            per account: opening, period debit/credit, closing
GET  /accounts                           the chart of accounts with each account's balance
GET  /accounts/{code}/lines?from=&to=&customer=&product=&page=&page_size=
                                         总帐 / 明细帐: opening, the page of lines with running balance
GET  /entries                            the journal (filters as the page), entries with lines
GET  /periods                            the closed months
POST /periods {year, month}              close a month (409 period_already_closed, 400 bad month)

Every read needs ledger.view_journalentry (finance, director, auditor); closing needs
ledger.close_period. Dates default to this month; `to` before `from` answers 400."""

import datetime as dt
from decimal import Decimal

from django.db.models import Sum
from ninja import Field, Query, Router, Schema, Status

from salesdept.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, paginate
from salesdept.core.permissions import require
from salesdept.core.schemas import ErrorOut, StrictIn

from .. import services
from ..filters import SOURCE_TYPES, source_label
from ..models import Account
from ..selectors import balances, journal, ledgers

router = Router(tags=["ledger"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class RangeIn(Schema):
    date_from: dt.date | None = Field(
        None, alias="from", description="First day, inclusive (default: 1st of this month)"
    )
    date_to: dt.date | None = Field(
        None, alias="to", description="Last day, inclusive (default: end of the month of `from`)"
    )


def _range(query: RangeIn) -> tuple[dt.date, dt.date]:
    return balances.period_range({"date_from": query.date_from, "date_to": query.date_to})


class AccountOut(Schema):
    code: str
    name: str
    name_zh: str
    kind: str
    debit_normal: bool
    is_active: bool
    balance: Decimal = Field(..., description="Σ debit − Σ credit of every line")


class TrialBalanceRowOut(Schema):
    code: str
    name: str
    kind: str
    opening: Decimal = Field(..., description="Debit − credit before `from`")
    opening_debit: Decimal
    opening_credit: Decimal
    debit: Decimal
    credit: Decimal
    closing: Decimal = Field(..., description="Debit − credit at the end of `to`")
    closing_debit: Decimal
    closing_credit: Decimal


class TotalsOut(Schema):
    opening_debit: Decimal
    opening_credit: Decimal
    debit: Decimal
    credit: Decimal
    closing_debit: Decimal
    closing_credit: Decimal


class TrialBalanceOut(Schema):
    date_from: dt.date = Field(..., serialization_alias="from")
    date_to: dt.date = Field(..., serialization_alias="to")
    balanced: bool
    rows: list[TrialBalanceRowOut]
    totals: TotalsOut


class LineOut(Schema):
    id: int
    entry_id: int
    date: dt.date
    account: str
    source_type: str
    source_id: int
    document: str
    memo: str
    customer_id: int | None
    product_id: int | None
    debit: Decimal
    credit: Decimal
    balance: Decimal | None = Field(
        ..., description="Running balance after the line, on the account's normal side"
    )


class LedgerOut(Schema):
    account: str
    name: str
    debit_normal: bool
    date_from: dt.date = Field(..., serialization_alias="from")
    date_to: dt.date = Field(..., serialization_alias="to")
    customer_id: int | None
    product_id: int | None
    opening: Decimal
    debit: Decimal
    credit: Decimal
    closing: Decimal
    brought_forward: Decimal
    count: int
    page: int
    pages: int
    items: list[LineOut]


class LedgerQuery(RangeIn):
    customer: int | None = Field(None, ge=1)
    product: int | None = Field(None, ge=1)
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class EntryLineOut(Schema):
    id: int
    account: str
    account_name: str
    customer_id: int | None
    product_id: int | None
    debit: Decimal
    credit: Decimal
    memo: str

    @staticmethod
    def resolve_account(obj) -> str:
        return obj.account.code

    @staticmethod
    def resolve_account_name(obj) -> str:
        return obj.account.label


class EntryOut(Schema):
    id: int
    entry_date: dt.date
    source_type: str
    source_label: str
    source_id: int
    source_number: str
    memo: str
    created_by: str
    created_at: dt.datetime
    lines: list[EntryLineOut]

    @staticmethod
    def resolve_source_label(obj) -> str:
        return source_label(obj.source_type)

    @staticmethod
    def resolve_created_by(obj) -> str:
        return str(obj.created_by)

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class EntryFilterIn(Schema):
    q: str | None = Field(None, max_length=100, description="Document number or memo")
    source_type: str | None = Field(None, description=", ".join(SOURCE_TYPES))
    account: str | None = Field(None, max_length=20, description="Account code")
    customer: int | None = Field(None, ge=1)
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")


class PeriodOut(Schema):
    year: int
    month: int
    closed_at: dt.datetime
    closed_by: str

    @staticmethod
    def resolve_closed_by(obj) -> str:
        return str(obj.closed_by)


class PeriodIn(StrictIn):
    year: int = Field(..., description="e.g. 2026")
    month: int = Field(..., description="1–12")


@router.get("/trial-balance", response={200: TrialBalanceOut, **ERRORS}, by_alias=True)
def get_trial_balance(request, query: Query[RangeIn]):
    """试算平衡表 of [from, to]: every account with a balance or movements."""
    require(request.user, balances.VIEW)
    start, end = _range(query)
    report = balances.trial_balance(user=request.user, start=start, end=end)
    rows = [
        {
            "code": r.code, "name": r.name, "kind": r.account.kind, "opening": r.opening,
            "opening_debit": r.opening_debit, "opening_credit": r.opening_credit, "debit": r.debit,
            "credit": r.credit, "closing": r.closing, "closing_debit": r.closing_debit,
            "closing_credit": r.closing_credit,
        }
        for r in report.rows
    ]  # fmt: skip
    return {
        "date_from": start,
        "date_to": end,
        "balanced": report.balanced,
        "rows": rows,
        "totals": report.totals,
    }


@router.get("/accounts", response={200: list[AccountOut], **ERRORS})
def list_accounts(request):
    """The chart of accounts 会计科目 with each account's balance (one GROUP BY)."""
    require(request.user, balances.VIEW)
    accounts = Account.objects.annotate(d=Sum("lines__debit"), c=Sum("lines__credit")).order_by("code")
    return [
        {
            "code": a.code, "name": a.name, "name_zh": a.name_zh, "kind": a.kind,
            "debit_normal": a.debit_normal, "is_active": a.is_active,
            "balance": balances.cents(a.d) - balances.cents(a.c),
        }
        for a in accounts
    ]  # fmt: skip


@router.get("/accounts/{code}/lines", response={200: LedgerOut, **ERRORS}, by_alias=True)
def account_lines(request, code: str, query: Query[LedgerQuery]):
    """总帐 / 明细帐 of one account (of one customer and/or product), with the running balance."""
    require(request.user, balances.VIEW)
    start, end = _range(query)
    ledger = ledgers.account_ledger(
        user=request.user, code=code, start=start, end=end, customer_id=query.customer,
        product_id=query.product, page=query.page, page_size=query.page_size,
    )  # fmt: skip
    page = ledger.page
    beyond = query.page > page.paginator.num_pages  # past the end: no lines (never the last page again)
    items = [
        {
            "id": x.pk, "entry_id": x.entry_id, "date": x.entry_date, "account": x.account.code,
            "source_type": x.entry.source_type, "source_id": x.entry.source_id,
            "document": x.entry.source_number,
            "memo": x.memo or x.entry.memo, "customer_id": x.customer_id, "product_id": x.product_id,
            "debit": x.debit, "credit": x.credit, "balance": x.balance,
        }
        for x in ([] if beyond else page.object_list)
    ]  # fmt: skip
    return {
        "account": ledger.account.code, "name": ledger.account.label, "debit_normal": ledger.debit_normal,
        "date_from": start, "date_to": end, "customer_id": query.customer, "product_id": query.product,
        "opening": ledger.opening, "debit": ledger.debit, "credit": ledger.credit, "closing": ledger.closing,
        "brought_forward": ledger.brought_forward, "count": page.paginator.count, "page": query.page,
        "pages": page.paginator.num_pages, "items": items,
    }  # fmt: skip


@router.get("/entries", response={200: list[EntryOut], **ERRORS})
@paginate
def list_entries(request, filters: Query[EntryFilterIn]):
    """The journal: entries with their lines, newest first."""
    data = filters.model_dump(exclude_none=True)
    return journal.journal_list(user=request.user, filters=data)


@router.get("/periods", response={200: list[PeriodOut], **ERRORS})
def list_periods(request):
    """The closed months, newest first."""
    return list(journal.period_list(user=request.user))


@router.post("/periods", response={201: PeriodOut, **ERRORS})
def close_period(request, payload: PeriodIn):
    """Close a month 结帐: nothing may be dated in it afterwards. Irreversible."""
    period = services.period_close(year=payload.year, month=payload.month, by=request.user)
    return Status(201, period)
