"""The ledgers: one account's 总帐 / 明细帐 (from the trial balance, optionally of one customer or
product), the customer detail ledger 客户明细帐 and the product detail ledger 商品明细帐 (chosen
with ?customer= / ?product=, found with the search box ?q=). Each page: period picker, opening
balance, lines with a running balance, totals, CSV/XLSX export of the whole range."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesdept.core.errors import DomainError
from salesdept.core.exports import Column, export_response

from ..selectors import ledgers as selectors
from ..selectors.balances import VIEW
from .common import page_query, read_range

COLUMNS = [
    Column("entry_date", _("Date")),
    Column("document", pgettext_lazy("ledger", "Document"), lambda x: x.entry.source_number or x.entry.memo),
    Column("memo", _("Memo"), lambda x: x.memo or x.entry.memo),
    Column("account", _("Account"), lambda x: x.account.code),
    Column("customer", _("Customer"), lambda x: x.customer.name if x.customer_id else ""),
    Column("product", _("Product"), lambda x: x.product.code if x.product_id else ""),
    Column("debit", _("Debit"), lambda x: x.debit or ""),
    Column("credit", _("Credit"), lambda x: x.credit or ""),
    Column("balance", pgettext_lazy("ledger", "Balance"), lambda x: "" if x.balance is None else x.balance),
]


def _id(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 2**63 else None


def _respond(request, ledger, *, template: str, filename: str, title, context: dict, valid: bool):
    if fmt := request.GET.get("format"):
        if not valid:
            return HttpResponseBadRequest(_("Please correct the filters before exporting."))
        try:
            return export_response(ledger.all_rows(), COLUMNS, filename=filename, fmt=fmt, title=str(title))
        except DomainError as exc:
            return HttpResponseBadRequest(exc.message)
    return render(
        request,
        template,
        {
            "ledger": ledger,
            "page_obj": ledger.page if ledger else None,
            "export_query": page_query(request),
            **context,
        },
        status=200 if valid else 400,
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def account_ledger_view(request, code: str):
    """总帐 / 明细帐 of one account (?customer= / ?product= narrow it to one of them)."""
    form, start, end, valid = read_range(request)
    ledger = selectors.account_ledger(
        user=request.user,
        code=code,
        start=start,
        end=end,
        customer_id=_id(request.GET.get("customer")),
        product_id=_id(request.GET.get("product")),
        page=request.GET.get("page"),
    )
    return _respond(
        request,
        ledger,
        template="ledger/account_ledger.html",
        filename=f"ledger-{code}-{start:%Y%m%d}-{end:%Y%m%d}",
        title=_("Account ledger"),
        context={
            "form": form,
            "kind": "account",
            "keep": [("customer", request.GET.get("customer")), ("product", request.GET.get("product"))],
        },
        valid=valid,
    )


def _detail(request, *, kind: str, pick, build, title, filename: str):
    form, start, end, valid = read_range(request)
    q = (request.GET.get("q") or "").strip()[:100]
    chosen = _id(request.GET.get(kind))
    ledger = None
    if chosen is not None:
        ledger = build(
            user=request.user, start=start, end=end, page=request.GET.get("page"), **{f"{kind}_id": chosen}
        )
    elif request.GET.get("format"):
        return HttpResponseBadRequest(_("Choose whose ledger to export."))
    return _respond(
        request,
        ledger,
        template="ledger/detail_ledger.html",
        filename=f"{filename}-{chosen}-{start:%Y%m%d}-{end:%Y%m%d}",
        title=title,
        context={
            "form": form,
            "kind": kind,
            "title": title,
            "q": q,
            "choices": pick(user=request.user, q=q) if q else [],
            "chosen": chosen,
            "keep": [(kind, chosen)],
        },
        valid=valid,
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def customer_ledger_view(request):
    """客户明细帐: ?customer=<id>; ?q= finds customers."""
    return _detail(
        request,
        kind="customer",
        pick=selectors.customer_choices,
        build=selectors.customer_ledger,
        title=_("Customer ledger"),
        filename="customer-ledger",
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def product_ledger_view(request):
    """商品明细帐: ?product=<id>; ?q= finds products."""
    return _detail(
        request,
        kind="product",
        pick=selectors.product_choices,
        build=selectors.product_ledger,
        title=_("Product ledger"),
        filename="product-ledger",
    )


urlpatterns = [
    path("accounts/<str:code>/", account_ledger_view, name="account_ledger"),
    path("customers/", customer_ledger_view, name="customer_ledger"),
    path("products/", product_ledger_view, name="product_ledger"),
]
