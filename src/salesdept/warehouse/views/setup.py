"""Pages of the warehouse master data (W1 定置管理, W4): warehouses with their locations and
bins, and stock level rules (min / max per product and warehouse). Thin: reads through
selectors.documents, writes through services.setup."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from salesdept.core.errors import DomainError
from salesdept.core.exports import Column, export_response
from salesdept.core.pagination import Paginator

from ..forms_setup import LocationForm, StockRuleForm, WarehouseForm, put_errors
from ..models import Warehouse
from ..selectors import documents as selectors
from ..services import setup as services

RULE_COLUMNS = [
    Column("warehouse", _("Warehouse"), lambda r: r.warehouse.code),
    Column("product.code", _("Product code")),
    Column("product.name", _("Product")),
    Column("min_quantity", _("Minimum")),
    Column("max_quantity", _("Maximum")),
]


# --- warehouses ------------------------------------------------------------------------------


@login_required
@permission_required("warehouse.view_warehouse", raise_exception=True)
def warehouse_list_view(request):
    q = request.GET.get("q", "")[:100]
    rows = selectors.warehouse_list(user=request.user, q=q, active=request.GET.get("active", ""))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "warehouse/warehouse_list.html",
        {"page_obj": page, "q": q, "can_add": request.user.has_perm("warehouse.add_warehouse")},
    )


@login_required
@permission_required("warehouse.view_warehouse", raise_exception=True)
def warehouse_detail_view(request, pk: int):
    warehouse = selectors.warehouse_get(user=request.user, warehouse_id=pk)
    locations = (
        list(selectors.location_list(user=request.user, warehouse_id=pk))
        if request.user.has_perm("warehouse.view_location")
        else []
    )
    return render(
        request,
        "warehouse/warehouse_detail.html",
        {
            "warehouse": warehouse,
            "locations": locations,
            "can_change": request.user.has_perm("warehouse.change_warehouse"),
            "can_add_location": request.user.has_perm("warehouse.add_location"),
            "can_change_location": request.user.has_perm("warehouse.change_location"),
            "can_see_documents": request.user.has_perm("warehouse.view_stockdocument"),
        },
    )


@login_required
@permission_required("warehouse.add_warehouse", raise_exception=True)
def warehouse_create_view(request):
    form = WarehouseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            warehouse = services.warehouse_create(by=request.user, data=form.data_dict())
        except DomainError as exc:
            put_errors(form, exc)
            return render(request, "warehouse/warehouse_form.html", {"form": form}, status=exc.status)
        messages.success(request, _("Warehouse %(code)s was created.") % {"code": warehouse.code})
        return redirect("warehouse:warehouse_detail", pk=warehouse.pk)
    return render(
        request, "warehouse/warehouse_form.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@permission_required("warehouse.change_warehouse", raise_exception=True)
def warehouse_edit_view(request, pk: int):
    warehouse = selectors.warehouse_get(user=request.user, warehouse_id=pk)
    form = WarehouseForm(request.POST or None, creating=False, initial=WarehouseForm.initial_of(warehouse))
    context = {"form": form, "warehouse": warehouse}
    if request.method == "POST" and form.is_valid():
        try:
            services.warehouse_update(warehouse_id=pk, by=request.user, data=form.data_dict())
        except DomainError as exc:
            put_errors(form, exc)
            return render(request, "warehouse/warehouse_form.html", context, status=exc.status)
        messages.success(request, _("Warehouse %(code)s was saved.") % {"code": warehouse.code})
        return redirect("warehouse:warehouse_detail", pk=pk)
    return render(request, "warehouse/warehouse_form.html", context, status=400 if form.errors else 200)


# --- locations -------------------------------------------------------------------------------


@login_required
@permission_required("warehouse.add_location", raise_exception=True)
def location_create_view(request, pk: int):
    warehouse = selectors.warehouse_get(user=request.user, warehouse_id=pk)
    form = LocationForm(request.POST or None)
    context = {"form": form, "warehouse": warehouse}
    if request.method == "POST" and form.is_valid():
        try:
            location = services.location_create(by=request.user, data={"warehouse": pk, **form.cleaned_data})
        except DomainError as exc:
            put_errors(form, exc)
            return render(request, "warehouse/location_form.html", context, status=exc.status)
        messages.success(request, _("Location %(code)s was created.") % {"code": location.code})
        return redirect("warehouse:warehouse_detail", pk=pk)
    return render(request, "warehouse/location_form.html", context, status=400 if form.errors else 200)


@login_required
@permission_required("warehouse.change_location", raise_exception=True)
def location_edit_view(request, pk: int):
    location = selectors.location_get(user=request.user, location_id=pk)
    initial = {
        "code": location.code,
        "name": location.name,
        "kind": location.kind,
        "is_active": location.is_active,
    }
    form = LocationForm(request.POST or None, creating=False, initial=initial)
    context = {"form": form, "warehouse": location.warehouse, "location": location}
    if request.method == "POST" and form.is_valid():
        try:
            services.location_update(location_id=pk, by=request.user, data=form.cleaned_data)
        except DomainError as exc:
            put_errors(form, exc)
            return render(request, "warehouse/location_form.html", context, status=exc.status)
        messages.success(request, _("Location %(code)s was saved.") % {"code": location.code})
        return redirect("warehouse:warehouse_detail", pk=location.warehouse_id)
    return render(request, "warehouse/location_form.html", context, status=400 if form.errors else 200)


# --- stock level rules -----------------------------------------------------------------------


@login_required
@permission_required("warehouse.view_stockrule", raise_exception=True)
def stockrule_list_view(request):
    warehouse = request.GET.get("warehouse", "")
    warehouse_id = int(warehouse) if warehouse.isdigit() else None
    q = request.GET.get("q", "")[:100]
    rows = selectors.stock_rule_list(user=request.user, warehouse_id=warehouse_id, q=q)
    sort = request.GET.get("sort", "")
    sorts = {"product": ("product__code",), "warehouse": ("warehouse__code", "product__code"),
             "min": ("min_quantity", "pk"), "max": ("max_quantity", "pk")}  # fmt: skip
    if sort.lstrip("-") in sorts:
        fields = sorts[sort.lstrip("-")]
        rows = rows.order_by(*(f"-{f}" for f in fields) if sort.startswith("-") else fields)
    if fmt := request.GET.get("format"):
        try:
            return export_response(
                rows, RULE_COLUMNS, filename="stock-rules", fmt=fmt, title=str(_("Stock level rules"))
            )
        except DomainError as exc:
            return HttpResponseBadRequest(exc.message)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "warehouse/stockrule_list.html",
        {
            "page_obj": page,
            "q": q,
            "warehouse_id": warehouse_id,
            "warehouses": Warehouse.objects.order_by("code"),
            "export_query": query.urlencode(),
            "filtered": bool(q or warehouse_id),
            "can_change": request.user.has_perm("warehouse.change_stockrule")
            and request.user.has_perm("warehouse.add_stockrule"),
        },
    )


@login_required
@permission_required("warehouse.change_stockrule", raise_exception=True)
def stockrule_form_view(request, pk: int | None = None):
    rule = selectors.stock_rule_get(user=request.user, rule_id=pk) if pk else None
    initial = {}
    if rule is not None:
        initial = {
            "warehouse": rule.warehouse_id,
            "product": rule.product_id,
            "min_quantity": rule.min_quantity,
            "max_quantity": rule.max_quantity,
        }
    elif request.GET.get("warehouse", "").isdigit():
        initial["warehouse"] = int(request.GET["warehouse"])
    form = StockRuleForm(request.POST or None, initial=initial)
    context = {"form": form, "rule": rule}
    if request.method == "POST" and form.is_valid():
        try:
            services.stock_rule_set(by=request.user, data=form.data_dict())
        except DomainError as exc:
            put_errors(form, exc)
            return render(request, "warehouse/stockrule_form.html", context, status=exc.status)
        messages.success(request, _("The stock level rule was saved."))
        return redirect("warehouse:stockrule_list")
    return render(request, "warehouse/stockrule_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def stockrule_delete_view(request, pk: int):
    selectors.stock_rule_get(user=request.user, rule_id=pk)
    services.stock_rule_delete(rule_id=pk, by=request.user)
    messages.success(request, _("The stock level rule was removed."))
    return redirect("warehouse:stockrule_list")


urlpatterns = [
    path("warehouses/", warehouse_list_view, name="warehouse_list"),
    path("warehouses/new/", warehouse_create_view, name="warehouse_create"),
    path("warehouses/<int:pk>/", warehouse_detail_view, name="warehouse_detail"),
    path("warehouses/<int:pk>/edit/", warehouse_edit_view, name="warehouse_edit"),
    path("warehouses/<int:pk>/locations/new/", location_create_view, name="location_create"),
    path("locations/<int:pk>/edit/", location_edit_view, name="location_edit"),
    path("stock-rules/", stockrule_list_view, name="stockrule_list"),
    path("stock-rules/new/", stockrule_form_view, name="stockrule_create"),
    path("stock-rules/<int:pk>/edit/", stockrule_form_view, name="stockrule_edit"),
    path("stock-rules/<int:pk>/delete/", stockrule_delete_view, name="stockrule_delete"),
]
