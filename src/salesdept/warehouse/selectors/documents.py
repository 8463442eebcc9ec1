"""Reads of stock documents and warehouse master data (W1, W4, W6), from the scope rule (X1)
like every read. Stock documents and warehouses are master-data-like (SCOPE = None): whoever
holds the view permission sees them all."""

from django.db.models import Count, DecimalField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from ..filters_documents import DocumentFilter
from ..models import (
    Location,
    QualityCheck,
    Stock,
    StockDocument,
    StockDocumentLine,
    StockMove,
    StockRule,
    Warehouse,
)

__all__ = [
    "document_get",
    "document_line_get",
    "document_lines",
    "document_list",
    "document_moves",
    "document_quality_checks",
    "location_get",
    "location_list",
    "stock_rule_get",
    "stock_rule_list",
    "warehouse_get",
    "warehouse_list",
]


def document_list(*, user, filters=None) -> QuerySet[StockDocument]:
    """Stock documents `user` may see, filtered and sorted (filters_documents), newest first."""
    require(user, "warehouse.view_stockdocument")
    base = visible(StockDocument.objects, user).select_related("warehouse", "customer", "prepared_by")
    base = base.annotate(line_count=Count("lines", distinct=True))
    filterset = DocumentFilter(filters if filters is not None else {}, queryset=base)
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    qs = filterset.qs
    if not (filters or {}).get("sort"):
        qs = qs.order_by("-moved_on", "-pk")
    return qs


def document_get(*, user, document_id: int) -> StockDocument:
    require(user, "warehouse.view_stockdocument")
    qs = visible(StockDocument.objects, user).select_related(
        "warehouse", "customer", "holder", "prepared_by", "posted_by", "reverses", "reversed_by"
    )
    return get_object_or_404(qs, pk=document_id)


def document_line_get(*, user, document_id: int, line_id: int) -> StockDocumentLine:
    """A line of a document `user` may see (404 otherwise)."""
    document = document_get(user=user, document_id=document_id)
    return get_object_or_404(
        StockDocumentLine.objects.select_related("product"), pk=line_id, document=document
    )


def document_lines(document: StockDocument) -> list[StockDocumentLine]:
    """The lines with product, locations, loan and their inspections (a fixed number of queries)."""
    return list(
        document.lines.select_related("product", "location", "to_location__warehouse", "loan")
        .prefetch_related(Prefetch("checks", queryset=QualityCheck.objects.select_related("checked_by")))
        .order_by("position", "pk")
    )


def document_moves(document: StockDocument, user) -> list[StockMove]:
    """The moves the document wrote (posting, inspections), in ledger order; [] for a user
    without the permission to read moves."""
    if not user.has_perm("warehouse.view_stockmove"):
        return []
    return list(
        StockMove.objects.filter(document=document)
        .select_related("product", "location__warehouse", "line", "created_by")
        .order_by("pk")
    )


def document_quality_checks(document: StockDocument) -> list[QualityCheck]:
    return list(
        QualityCheck.objects.filter(line__document=document)
        .select_related("line", "checked_by")
        .order_by("pk")
    )


# --- warehouses, locations, stock rules -------------------------------------------------------


def warehouse_list(*, user, q: str = "", active: str = "") -> QuerySet[Warehouse]:
    require(user, "warehouse.view_warehouse")
    qs = visible(Warehouse.objects, user).select_related("region", "keeper")
    qs = qs.annotate(location_count=Count("locations", distinct=True))
    if q := (q or "").strip():
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(name_en__icontains=q))
    if active in ("1", "true", "yes"):
        qs = qs.filter(is_active=True)
    elif active in ("0", "false", "no"):
        qs = qs.filter(is_active=False)
    return qs.order_by("code")


def warehouse_get(*, user, warehouse_id: int) -> Warehouse:
    require(user, "warehouse.view_warehouse")
    return get_object_or_404(
        visible(Warehouse.objects, user).select_related("region", "keeper"), pk=warehouse_id
    )


def location_list(*, user, warehouse_id: int | None = None) -> QuerySet[Location]:
    """Locations with how much stock they hold (quantity and value)."""
    require(user, "warehouse.view_location")
    qs = visible(Location.objects, user).select_related("warehouse")
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    on_hand = Stock.objects.filter(location=OuterRef("pk")).values("location")
    return qs.annotate(
        stock_quantity=_sum_subquery(on_hand, "quantity"),
        stock_value=_sum_subquery(on_hand, "value"),
    ).order_by("warehouse__code", "code")


def _sum_subquery(qs, field: str):
    output = Stock._meta.get_field(field)
    return Coalesce(
        Subquery(qs.annotate(total=Sum(field)).values("total")[:1], output_field=output),
        Value(
            0, output_field=DecimalField(max_digits=output.max_digits, decimal_places=output.decimal_places)
        ),
    )


def location_get(*, user, location_id: int) -> Location:
    require(user, "warehouse.view_location")
    return get_object_or_404(visible(Location.objects, user).select_related("warehouse"), pk=location_id)


def stock_rule_list(*, user, warehouse_id: int | None = None, q: str = "") -> QuerySet[StockRule]:
    require(user, "warehouse.view_stockrule")
    qs = visible(StockRule.objects, user).select_related("product", "warehouse")
    if warehouse_id:
        qs = qs.filter(warehouse_id=warehouse_id)
    if q := (q or "").strip():
        qs = qs.filter(Q(product__code__icontains=q) | Q(product__name__icontains=q))
    return qs.order_by("warehouse__code", "product__code")


def stock_rule_get(*, user, rule_id: int) -> StockRule:
    require(user, "warehouse.view_stockrule")
    return get_object_or_404(
        visible(StockRule.objects, user).select_related("product", "warehouse"), pk=rule_id
    )
