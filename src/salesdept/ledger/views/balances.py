"""The trial balance 试算平衡表: per account the opening balance, the period's debits and
credits and the closing balance, debit and credit sides, with the totals row; the same rows as
CSV or XLSX (numeric cells)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from salesdept.core.errors import DomainError
from salesdept.core.exports import Column, export_response

from ..selectors import balances as selectors
from .common import page_query, read_range

COLUMNS = [
    Column("code", _("Account code")),
    Column("name", _("Account")),
    Column("opening_debit", _("Opening debit")),
    Column("opening_credit", _("Opening credit")),
    Column("debit", _("Period debit")),
    Column("credit", _("Period credit")),
    Column("closing_debit", _("Closing debit")),
    Column("closing_credit", _("Closing credit")),
]


def _export_rows(report) -> list[dict]:
    rows = [{c.key: getattr(r, c.key) for c in COLUMNS} for r in report.rows]
    rows.append({"code": "", "name": str(_("Total")), **report.totals})
    return rows


@login_required
@permission_required(selectors.VIEW, raise_exception=True)
def trial_balance_view(request):
    form, start, end, valid = read_range(request)
    include_empty = request.GET.get("all") == "1"
    if fmt := request.GET.get("format"):
        if not valid:
            return HttpResponseBadRequest(_("Please correct the filters before exporting."))
        report = selectors.trial_balance(user=request.user, start=start, end=end, include_empty=include_empty)
        try:
            return export_response(
                _export_rows(report), COLUMNS, filename=f"trial-balance-{start:%Y%m%d}-{end:%Y%m%d}", fmt=fmt,
                title=str(_("Trial balance")),
            )  # fmt: skip
        except DomainError as exc:
            return HttpResponseBadRequest(exc.message)
    report = selectors.trial_balance(user=request.user, start=start, end=end, include_empty=include_empty)
    return render(
        request,
        "ledger/trial_balance.html",
        {
            "form": form,
            "report": report,
            "totals": report.totals,
            "include_empty": include_empty,
            "export_query": page_query(request),
            "range_query": f"date_from={start.isoformat()}&date_to={end.isoformat()}",
        },
        status=200 if valid else 400,
    )


urlpatterns = [path("", trial_balance_view, name="trial_balance")]
