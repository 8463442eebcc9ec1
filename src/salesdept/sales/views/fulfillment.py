"""Pages of the contract fulfillment overview 合同履行一览表 (S5): the list with filters, sort,
state badges and CSV/XLSX export; one contract's overview (lines with progress bars, milestones
with due/paid/overdue badges, deliveries); the fulfillment statistics (period × region or
salesperson, totals row, export); and the customer statement PDF (合同履行情况确认函).
Thin: selectors.fulfillment reads everything."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.exports import Column, export_response
from salesdept.core.pagination import Paginator
from salesdept.core.pdf import pdf_response, render_pdf

from ..models import Contract
from ..selectors import fulfillment as selectors

PAGE_SIZE = 50
PERMISSION = selectors.VIEW_PERMISSION
LIST_FILTERS = ("q", "state", "customer", "owner", "region", "signed_from", "signed_to")

LIST_COLUMNS = [
    Column("number", _("Contract number")),
    Column("registration_number", _("Registration number")),
    Column("title", _("Title")),
    Column("customer", _("Customer"), lambda c: c.customer.name),
    Column("region", _("Region"), lambda c: str(c.customer.region)),
    Column("owner", _("Salesperson"), lambda c: str(c.owner)),
    Column("signed_on", _("Signed on")),
    Column("total_amount", _("Contract amount")),
    Column("ordered_amount", _("Ordered")),
    Column("shipped_amount", _("Shipped")),
    Column("invoiced_amount", _("Invoiced")),
    Column("paid_amount", _("Paid")),
    Column("outstanding_amount", _("Outstanding")),
    Column("state", _("State"), lambda c: str(selectors.state_label(c.fulfillment_state))),
]
STATISTICS_COLUMNS = [
    Column("period_label", _("Period")),
    Column("label", _("Region or salesperson")),
    Column("signed", _("Contracts signed")),
    Column("amount", _("Amount")),
    Column("fulfilled", _("Fulfilled")),
    Column("fulfilled_amount", _("Fulfilled amount")),
    Column("rate", _("Fulfillment rate (%)")),
    Column("amount_rate", _("Fulfillment rate by amount (%)")),
    Column("overdue", _("Overdue")),
    Column("overdue_amount", _("Overdue amount")),
]


def _count_filters(request) -> int:
    return sum(1 for k in LIST_FILTERS if request.GET.get(k))


# --- the list ----------------------------------------------------------------------------------


@login_required
@permission_required(PERMISSION, raise_exception=True)
def fulfillment_list_view(request):
    """合同履行一览表: the signed contracts in the user's scope with their totals and state."""
    filterset = selectors.FulfillmentFilter(
        request.GET or None, queryset=Contract.objects.none(), user=request.user
    )
    status = 200
    try:
        rows = selectors.fulfillment_list(user=request.user, filters=request.GET)
    except ValidationFailed:
        rows = Contract.objects.none()  # the filter card shows what is wrong
        filterset.is_valid()
        status = 400
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for contract in page.object_list:
        contract.state_label = selectors.state_label(contract.fulfillment_state)
        contract.state_colour = selectors.STATE_COLOURS.get(contract.fulfillment_state, "secondary")
        contract.paid_pct = selectors.percent(contract.paid_amount, contract.total_amount)
        contract.shipped_pct = selectors.percent(contract.shipped_amount, contract.total_amount)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sales/fulfillment_list.html",
        {
            "form": filterset.form,
            "page_obj": page,
            "filtered": _count_filters(request),
            "export_query": query.urlencode(),
        },
        status=status,
    )


@login_required
@permission_required(PERMISSION, raise_exception=True)
def fulfillment_export_view(request):
    """The filtered list as CSV or XLSX: every row the list shows, amounts as numbers."""
    try:
        rows = selectors.fulfillment_list(user=request.user, filters=request.GET)
        return export_response(
            rows,
            LIST_COLUMNS,
            filename="contract-fulfillment",
            fmt=request.GET.get("format"),
            title=str(_("Contract fulfillment")),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("sales:fulfillment_list"))


# --- one contract ------------------------------------------------------------------------------


@login_required
@permission_required(PERMISSION, raise_exception=True)
def fulfillment_detail_view(request, pk: int):
    overview = selectors.contract_overview(user=request.user, contract_id=pk)
    return render(request, "sales/fulfillment_detail.html", {"o": overview, "contract": overview.contract})


def statement_pdf_response(request, contract_id: int, *, language: str | None = None):
    """The statement 合同履行情况确认函 of one contract as PDF (shared by the page and the API)."""
    overview = selectors.contract_overview(user=request.user, contract_id=contract_id)
    contract = overview.contract
    language = language or contract.language or None
    pdf = render_pdf(
        "pdf/statement.html",
        {"overviews": [overview], "customer": contract.customer, "today": overview.today},
        language=language,
    )
    return pdf_response(pdf, f"{contract.number} statement.pdf")


@login_required
@permission_required(PERMISSION, raise_exception=True)
def fulfillment_statement_view(request, pk: int):
    lang = request.GET.get("lang")
    return statement_pdf_response(request, pk, language=lang if lang in ("en", "zh-hans") else None)


# --- statistics --------------------------------------------------------------------------------


class StatisticsForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=list(selectors.PERIODS.items()))
    dimension = forms.ChoiceField(label=_("By"), choices=list(selectors.DIMENSIONS.items()))
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2999)

    @staticmethod
    def defaults() -> dict:
        return {"period": "month", "dimension": "region", "year": timezone.localdate().year}


@login_required
@permission_required(PERMISSION, raise_exception=True)
def fulfillment_statistics_view(request):
    """Fulfillment statistics (monthly, quarterly, yearly) by region or salesperson, with totals;
    ?format=xlsx|csv exports the same table with its totals row."""
    given = {k: v for k, v in request.GET.items() if k in StatisticsForm.base_fields and v}
    form = StatisticsForm({**StatisticsForm.defaults(), **given})
    report = None
    if form.is_valid():
        try:
            report = selectors.fulfillment_statistics(user=request.user, **form.cleaned_data)
        except ValidationFailed as exc:
            for name, message in exc.fields.items():
                form.add_error(name if name in form.fields else None, message)
    if report is not None and request.GET.get("format"):
        try:
            return export_response(
                [*report.rows, report.totals],
                STATISTICS_COLUMNS,
                filename=f"fulfillment-statistics-{report.year}",
                fmt=request.GET.get("format"),
                title=str(_("Fulfillment statistics")),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
    query = request.GET.copy()
    query.pop("format", None)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    this_year = timezone.localdate().year
    return render(
        request,
        "sales/fulfillment_statistics.html",
        {
            "form": form,
            "report": report,
            "export_query": query.urlencode(),
            "years": list(range(this_year, this_year - 6, -1)),
            "selected_year": year,
        },
        status=200 if report is not None else 400,
    )


urlpatterns = [
    path("fulfillment/", fulfillment_list_view, name="fulfillment_list"),
    path("fulfillment/export/", fulfillment_export_view, name="fulfillment_export"),
    path("fulfillment/statistics/", fulfillment_statistics_view, name="fulfillment_statistics"),
    path("fulfillment/<int:pk>/", fulfillment_detail_view, name="fulfillment_detail"),
    path("fulfillment/<int:pk>/statement.pdf", fulfillment_statement_view, name="fulfillment_statement"),
]
