"""Pages of the stock (W2): the on-hand list 库存台帐 (filters, totals, sort, export), one product's
stock across locations, lots and quality, and the stock card 库存卡片 of a product × location
(paged newest last with the opening balance of the page, exportable, printable as PDF). Thin:
reads through selectors.stock."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from salesdept.core.errors import DomainError
from salesdept.core.exports import Column, export_response
from salesdept.core.listing import list_page
from salesdept.core.pdf import pdf_response, render_pdf

from ..models import Stock
from ..selectors import stock as selectors

FILTERS = ("warehouse", "location", "category", "q", "quality", "show_zero")


COLUMNS = [
    Column("product.code", _("Product code")),
    Column("product", _("Product"), lambda s: s.product.name),
    Column("product.uom", _("Unit")),
    Column("warehouse", _("Warehouse"), lambda s: s.location.warehouse.code),
    Column("location.code", _("Location")),
    Column("quantity", _("Quantity")),
    Column("reserved", _("Reserved"), lambda s: selectors.qty(s.reserved)),
    Column("accepted", _("Accepted stock"), lambda s: selectors.qty(s.accepted)),
    Column("pending", _("Pending inspection"), lambda s: selectors.qty(s.pending)),
    Column("rejected", _("Rejected stock"), lambda s: selectors.qty(s.rejected)),
    Column("last_issue_on", _("Last issue")),
]
VALUE_COLUMNS = [Column("value", _("Value"))]

CARD_COLUMNS = [
    Column("moved_on", _("Date")),
    Column("document.number", _("Document")),
    Column("kind", _("Kind"), lambda m: m.get_kind_display()),
    Column("lot", _("Lot / serial number")),
    Column("quality", _("Quality"), lambda m: m.get_quality_display()),
    Column("in", _("In"), lambda m: m.quantity if m.quantity > 0 else ""),
    Column("out", _("Out"), lambda m: -m.quantity if m.quantity < 0 else ""),
    Column("balance", _("Balance")),
    Column("value", _("Value")),
    Column("balance_value", _("Balance value")),
]


def onhand_columns(user) -> list[Column]:
    return COLUMNS + (VALUE_COLUMNS if selectors.can_see_values(user) else [])


@login_required
@permission_required("warehouse.view_stock", raise_exception=True)
def stock_list_view(request):
    """库存台帐: stock on hand per product × location with its split by quality and totals."""
    filterset = selectors.OnHandFilter(request.GET or None, queryset=Stock.objects.none())
    rows = {}

    def select():
        rows["qs"] = selectors.onhand_list(user=request.user, filters=request.GET)
        return rows["qs"]

    return list_page(
        request,
        rows=select,
        empty=Stock.objects.none(),
        form=filterset.form,
        filters=FILTERS,
        columns=onhand_columns(request.user),
        export_name="stock",
        export_title=str(_("Stock on hand")),
        template="warehouse/stock_list.html",
        context={
            "can_see_values": selectors.can_see_values(request.user),
            "totals": _LazyTotals(rows),
            "can_see_card": request.user.has_perm("warehouse.view_stockmove"),
        },
    )


class _LazyTotals:
    """The totals of the filtered rows, read only when the page shows them (not on exports)."""

    def __init__(self, holder: dict):
        self._holder = holder
        self._totals = None

    def _get(self) -> dict:
        if self._totals is None:
            qs = self._holder.get("qs")
            self._totals = selectors.onhand_totals(qs) if qs is not None else {"quantity": 0, "value": 0}
        return self._totals

    @property
    def quantity(self):
        return self._get()["quantity"]

    @property
    def value(self):
        return self._get()["value"]


@login_required
@permission_required("warehouse.view_stock", raise_exception=True)
def stock_product_view(request, product_id: int):
    """One product at every location: quantity per quality, value, lots and serial numbers."""
    warehouse = request.GET.get("warehouse")
    data = selectors.product_stock(
        user=request.user,
        product_id=product_id,
        warehouse_id=int(warehouse) if (warehouse or "").isdigit() else None,
    )
    return render(
        request,
        "warehouse/stock_product.html",
        {
            "s": data,
            "product": data.product,
            "can_see_values": selectors.can_see_values(request.user),
            "can_see_card": request.user.has_perm("warehouse.view_stockmove"),
        },
    )


def _card(request, product_id: int, location_id: int):
    return selectors.stock_card(
        user=request.user, product_id=product_id, location_id=location_id, page=request.GET.get("page")
    )


@login_required
@permission_required("warehouse.view_stockmove", raise_exception=True)
def card_view(request, product_id: int, location_id: int):
    """库存卡片: every move of the product at the location with the running balance, the newest
    last; ?format=csv|xlsx exports every move of the card (the same columns)."""
    if fmt := request.GET.get("format"):
        moves = selectors.card_rows(user=request.user, product_id=product_id, location_id=location_id)
        try:
            return export_response(
                moves, CARD_COLUMNS, filename=f"stock-card-{product_id}-{location_id}", fmt=fmt,
                title=str(_("Stock card")),
            )  # fmt: skip
        except DomainError as exc:
            return HttpResponseBadRequest(exc.message)
    card = _card(request, product_id, location_id)
    return render(request, "warehouse/card.html", {"card": card, "page_obj": card.page})


def card_pdf_response(request, product_id: int, location_id: int, *, page=None, language: str | None = None):
    """The card page `page` (default: the last) as PDF, shared by the page and the API."""
    card = selectors.stock_card(user=request.user, product_id=product_id, location_id=location_id, page=page)
    pdf = render_pdf(
        "pdf/stock_card.html",
        {"card": card, "title": _("Stock card")},
        language=language,
    )
    return pdf_response(
        pdf, f"{card.product.code} {card.location.warehouse.code}-{card.location.code} stock card.pdf"
    )


@login_required
@permission_required("warehouse.view_stockmove", raise_exception=True)
def card_pdf_view(request, product_id: int, location_id: int):
    lang = request.GET.get("lang")
    return card_pdf_response(
        request,
        product_id,
        location_id,
        page=request.GET.get("page"),
        language=lang if lang in ("en", "zh-hans") else None,
    )


urlpatterns = [
    path("stock/", stock_list_view, name="stock_list"),
    path("stock/product/<int:product_id>/", stock_product_view, name="stock_product"),
    path("card/<int:product_id>/<int:location_id>/", card_view, name="card"),
    path("card/<int:product_id>/<int:location_id>/card.pdf", card_pdf_view, name="card_pdf"),
]
