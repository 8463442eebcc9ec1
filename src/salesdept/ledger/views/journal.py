"""The journal 记帐凭证: entries with their lines, newest first, filtered by date, source, account
and number; the export has one row per line (numeric debit and credit cells)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.exports import Column, export_response
from salesdept.core.pagination import Paginator

from ..filters import JournalFilter, source_label
from ..models import JournalEntry
from ..selectors import journal as selectors
from ..selectors.balances import VIEW
from .common import page_query

PAGE_SIZE = 25
FILTERS = ("q", "source_type", "account", "customer", "date_from", "date_to")

COLUMNS = [
    Column("entry_date", _("Date")),
    Column("entry", _("Entry"), lambda x: x.entry_id),
    Column("source", _("Source"), lambda x: source_label(x.entry.source_type)),
    Column("document", pgettext_lazy("ledger", "Document"), lambda x: x.entry.source_number),
    Column("memo", _("Memo"), lambda x: x.memo or x.entry.memo),
    Column("account", _("Account code"), lambda x: x.account.code),
    Column("account_name", _("Account"), lambda x: x.account.label),
    Column("customer", _("Customer"), lambda x: x.customer.name if x.customer_id else ""),
    Column("product", _("Product"), lambda x: x.product.code if x.product_id else ""),
    Column("debit", _("Debit"), lambda x: x.debit or ""),
    Column("credit", _("Credit"), lambda x: x.credit or ""),
]


@login_required
@permission_required(VIEW, raise_exception=True)
def journal_view(request):
    filterset = JournalFilter(request.GET or None, queryset=JournalEntry.objects.none())
    invalid = False
    try:
        entries = selectors.journal_list(user=request.user, filters=request.GET)
    except ValidationFailed:
        entries, invalid = JournalEntry.objects.none(), True
    if fmt := request.GET.get("format"):
        if invalid:
            return HttpResponseBadRequest(_("Please correct the filters before exporting."))
        try:
            return export_response(
                selectors.journal_lines(user=request.user, filters=request.GET), COLUMNS, filename="journal",
                fmt=fmt, title=str(_("Journal")),
            )  # fmt: skip
        except DomainError as exc:
            return HttpResponseBadRequest(exc.message)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.attach_sources(page.object_list)
    return render(
        request,
        "ledger/journal.html",
        {
            "form": filterset.form,
            "page_obj": page,
            "filtered": sum(1 for k in FILTERS if request.GET.get(k)),
            "export_query": page_query(request),
        },
    )


urlpatterns = [path("journal/", journal_view, name="journal")]
