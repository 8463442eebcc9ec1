"""Pages of 帐、物、卡相符 (W2): the reconciliation report (only the product × location rows where
the book, the card and the goods disagree, or all of them; filters, sort, export) and the
drill-down of one row with the last count and the moves since it. Thin: reads through
selectors.reconciliation."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.exports import Column, export_response
from salesdept.core.listing import list_page

from ..models import Stock
from ..selectors import reconciliation as selectors
from ..selectors.stock import money, qty
from .stock import CARD_COLUMNS

FILTERS = ("warehouse", "location", "q", "show")
PERMISSIONS = ("warehouse.view_stockmove", "warehouse.view_stocktake")

COLUMNS = [
    Column("product.code", _("Product code")),
    Column("product", _("Product"), lambda r: r.product.name),
    Column("warehouse", _("Warehouse"), lambda r: r.location.warehouse.code),
    Column("location.code", _("Location")),
    Column("quantity", _("Book quantity")),
    Column("value", _("Book value")),
    Column("card_quantity", _("Card balance"), lambda r: qty(r.card_quantity)),
    Column("card_value", _("Card value"), lambda r: money(r.card_value)),
    Column("count_number", _("Last count")),
    Column("count_on", _("Count date")),
    Column("counted", _("Counted"), lambda r: qty(r.counted) if r.count_id else ""),
    Column("goods_quantity", _("Goods (last count carried forward)"), lambda r: qty(r.goods_quantity)),
    Column("unposted", _("Difference goods − book"), lambda r: qty(r.unposted) if r.count_id else ""),
    Column("differs", _("Differs")),
]


@login_required
@permission_required(PERMISSIONS, raise_exception=True)
def reconciliation_view(request):
    """帐、物、卡相符: the rows where the book, the card and the goods disagree."""
    return list_page(
        request,
        rows=lambda: selectors.reconciliation(user=request.user, filters=request.GET),
        empty=Stock.objects.none(),
        form=selectors.ReconciliationFilter(request.GET or None, queryset=Stock.objects.none()).form,
        filters=FILTERS,
        columns=COLUMNS,
        export_name="reconciliation",
        export_title=str(_("Book, goods and card")),
        template="warehouse/reconciliation.html",
        context={"show_all": request.GET.get("show") == "all", "unbooked": _unbooked(request)},
    )


def _unbooked(request) -> list:
    """Counted goods where the book has no row (shown above the table; bad filters: none)."""
    if request.GET.get("format"):
        return []
    try:
        return selectors.counts_without_book(user=request.user, filters=request.GET)
    except ValidationFailed:
        return []


@login_required
@permission_required(PERMISSIONS, raise_exception=True)
def reconciliation_detail_view(request, product_id: int, location_id: int):
    """One product × location: book, card and goods, the last count and the moves since it;
    ?format=csv|xlsx exports those moves."""
    if fmt := request.GET.get("format"):
        rows = selectors.drilldown_rows(user=request.user, product_id=product_id, location_id=location_id)
        try:
            return export_response(
                rows,
                CARD_COLUMNS,
                filename=f"moves-since-count-{product_id}-{location_id}",
                fmt=fmt,
                title=str(_("Moves since the count")),
            )
        except DomainError as exc:
            return HttpResponseBadRequest(exc.message)
    d = selectors.drilldown(
        user=request.user, product_id=product_id, location_id=location_id, page=request.GET.get("page")
    )
    return render(request, "warehouse/reconciliation_detail.html", {"d": d, "row": d.row, "page_obj": d.page})


urlpatterns = [
    path("reconciliation/", reconciliation_view, name="reconciliation"),
    path(
        "reconciliation/<int:product_id>/<int:location_id>/",
        reconciliation_detail_view,
        name="reconciliation_detail",
    ),
]
