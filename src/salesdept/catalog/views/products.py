"""Pages of products, categories and price lists (S1). Thin: reads through selectors.products,
writes through services.products."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.exports import Column, export_response
from salesdept.core.pagination import Paginator
from salesdept.core.templatetags.salesdept import sort_header

from ..forms import (
    CategoryForm,
    PriceListForm,
    PriceListItemForm,
    ProductFilterForm,
    ProductForm,
    show_refusal,
)
from ..models import Category, PriceList, Product
from ..selectors import products as selectors
from ..services import products as services

PAGE_SIZE = 50
FILTERS = ("q", "category", "kind", "active")
KIND_COLOURS = {
    Product.Kind.GOODS: "secondary",
    Product.Kind.SERIAL: "info",
    Product.Kind.UNIT: "primary",
    Product.Kind.SERVICE: "light",
}

COLUMNS = [
    Column("code", _("Product code")),
    Column("name", _("Name (Chinese)")),
    Column("name_en", _("Name (English)")),
    Column("kind", _("Kind"), lambda p: p.get_kind_display()),
    Column("category", _("Category"), lambda p: str(p.category)),
    Column("uom", _("Unit")),
    Column("spec", _("Specification")),
    Column("list_price", _("List price")),
    Column("floor_price", _("Floor price")),
    Column("tax_rate", _("Tax rate (%)")),
    Column("building", _("Building")),
    Column("floor", _("Floor")),
    Column("unit_number", _("Unit number")),
    Column("area", _("Area (m²)")),
    Column("is_active", _("Active")),
]


def _headers(request, columns, default: str) -> dict:
    return {key: sort_header({"request": request}, key, label, default=default) for key, label in columns}


def _decorate(product: Product) -> Product:
    product.kind_colour = KIND_COLOURS.get(product.kind, "secondary")
    return product


@login_required
@permission_required("catalog.view_product", raise_exception=True)
def product_list_view(request):
    """Products: search, filters (category, kind, status), sortable columns, 50 a page, Export
    CSV/XLSX of the same rows."""
    form = ProductFilterForm(request.GET or None)
    invalid = False
    try:
        rows = selectors.product_list(user=request.user, filters=request.GET)
    except ValidationFailed as exc:
        rows, invalid = Product.objects.none(), True
        if form.is_bound:
            form.is_valid()
            show_refusal(form, exc)
    if fmt := request.GET.get("format"):
        if invalid:
            return HttpResponseBadRequest(_("Please correct the filters before exporting."))
        try:
            return export_response(rows, COLUMNS, filename="products", fmt=fmt, title=str(_("Products")))
        except DomainError as exc:
            return HttpResponseBadRequest(exc.message)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for product in page:
        _decorate(product)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "catalog/product_list.html",
        {
            "form": form,
            "page_obj": page,
            "filtered": sum(1 for k in FILTERS if request.GET.get(k)),
            "export_query": query.urlencode(),
            "can_add": request.user.has_perm("catalog.add_product"),
            "headers": _headers(
                request,
                [
                    ("code", _("Code")),
                    ("name", _("Name")),
                    ("category", _("Category")),
                    ("kind", _("Kind")),
                    ("list_price", _("List price")),
                    ("floor_price", _("Floor price")),
                ],
                default="code",
            ),
        },
    )


@login_required
@permission_required("catalog.view_product", raise_exception=True)
def product_detail_view(request, pk: int):
    """A product: its data (the unit's place and area for a unique unit) and its price on every
    price list."""
    product = _decorate(selectors.product_get(user=request.user, product_id=pk))
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "prices": selectors.product_prices(product),
            "can_edit": request.user.has_perm("catalog.change_product"),
        },
    )


def _unit_fields_context(form: ProductForm, kind: str) -> dict:
    return {"form": form, "show_unit": kind == Product.Kind.UNIT}


@login_required
@permission_required("catalog.add_product", raise_exception=True)
def product_create_view(request):
    if request.method == "POST":
        form = ProductForm(request.POST)
        if form.is_valid():
            try:
                product = services.product_create(by=request.user, **form.service_kwargs())
            except DomainError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("%(code)s was added.") % {"code": product.code})
                return redirect("catalog:product_detail", pk=product.pk)
        kind = request.POST.get("kind", "")
        return render(request, "catalog/product_form.html", _unit_fields_context(form, kind), status=400)
    form = ProductForm()
    return render(request, "catalog/product_form.html", _unit_fields_context(form, Product.Kind.GOODS))


@login_required
@permission_required("catalog.change_product", raise_exception=True)
def product_edit_view(request, pk: int):
    product = selectors.product_get(user=request.user, product_id=pk)
    if request.method == "POST":
        form = ProductForm(request.POST, product=product)
        if form.is_valid():
            data = form.service_kwargs()
            version = data.pop("version", None)
            try:
                services.product_update(by=request.user, product_id=pk, version=version, **data)
            except DomainError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("%(code)s was saved.") % {"code": data["code"]})
                return redirect("catalog:product_detail", pk=pk)
        context = {**_unit_fields_context(form, request.POST.get("kind", "")), "product": product}
        return render(request, "catalog/product_form.html", context, status=400)
    form = ProductForm(product=product)
    context = {**_unit_fields_context(form, product.kind), "product": product}
    return render(request, "catalog/product_form.html", context)


@login_required
@permission_required("catalog.view_product", raise_exception=True)
def product_unit_fields_view(request):
    """htmx: the unique-unit fields (building, floor, unit number, area) for the chosen kind."""
    form = ProductForm(initial={k: request.GET.get(k, "") for k in ProductForm.UNIT_FIELDS})
    return render(
        request, "catalog/_product_unit_fields.html", _unit_fields_context(form, request.GET.get("kind", ""))
    )


@login_required
@permission_required("catalog.change_product", raise_exception=True)
@require_POST
def product_deactivate_view(request, pk: int):
    version = request.POST.get("version")
    try:
        product = services.product_deactivate(
            by=request.user, product_id=pk, version=int(version) if version and version.isdigit() else None
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(code)s is no longer offered.") % {"code": product.code})
    return redirect("catalog:product_detail", pk=pk)


# --- categories ----------------------------------------------------------------------------


@login_required
@permission_required("catalog.view_category", raise_exception=True)
def category_list_view(request):
    """Categories as a tree-ordered table; the back office adds one below (same page)."""
    can_add = request.user.has_perm("catalog.add_category")
    form = CategoryForm()
    status = 200
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        form = CategoryForm(request.POST)
        if form.is_valid():
            try:
                category = services.category_create(by=request.user, **form.service_kwargs())
            except DomainError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Category %(code)s was added.") % {"code": category.code})
                return redirect("catalog:category_list")
        status = 400
    rows = _tree(list(selectors.category_list(user=request.user)))
    counts = dict(Category.objects.annotate(n=Count("products")).values_list("pk", "n"))
    for row in rows:
        row["count"] = counts.get(row["category"].pk, 0)
    return render(
        request,
        "catalog/category_list.html",
        {
            "rows": rows,
            "form": form,
            "can_add": can_add,
            "can_edit": request.user.has_perm("catalog.change_category"),
        },
        status=status,
    )


def _tree(categories: list[Category]) -> list[dict]:
    """Categories in tree order with their depth."""
    children: dict[int | None, list[Category]] = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(c)
    out: list[dict] = []

    def walk(parent, depth):
        for c in children.get(parent, []):
            out.append({"category": c, "depth": depth, "indent": depth * 1.5})
            walk(c.pk, depth + 1)

    walk(None, 0)
    return out


@login_required
@permission_required("catalog.change_category", raise_exception=True)
def category_edit_view(request, pk: int):
    category = get_object_or_404(Category, pk=pk)
    if request.method == "POST":
        form = CategoryForm(request.POST)
        if form.is_valid():
            try:
                services.category_update(by=request.user, category_id=pk, **form.service_kwargs())
            except DomainError as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request, _("Category %(code)s was saved.") % {"code": form.cleaned_data["code"]}
                )
                return redirect("catalog:category_list")
        return render(request, "catalog/category_form.html", {"form": form, "category": category}, status=400)
    form = CategoryForm(
        initial={
            "code": category.code,
            "name": category.name,
            "name_en": category.name_en,
            "parent": category.parent_id,
            "sort_order": category.sort_order,
        }
    )
    return render(request, "catalog/category_form.html", {"form": form, "category": category})


# --- price lists ---------------------------------------------------------------------------

PRICE_LIST_COLUMNS = [
    Column("code", _("Code")),
    Column("name", _("Name (Chinese)")),
    Column("name_en", _("Name (English)")),
    Column("channel", _("Channel"), lambda pl: pl.get_channel_display()),
    Column("region", _("Region"), lambda pl: str(pl.region) if pl.region_id else ""),
    Column("valid_from", _("Valid from")),
    Column("valid_to", _("Valid to")),
    Column("is_active", _("Active")),
]


@login_required
@permission_required("catalog.view_pricelist", raise_exception=True)
def price_list_list_view(request):
    """Price lists per channel and region with their validity; Export CSV/XLSX."""
    rows = selectors.price_list_list(user=request.user)
    if fmt := request.GET.get("format"):
        try:
            return export_response(
                rows, PRICE_LIST_COLUMNS, filename="price-lists", fmt=fmt, title=str(_("Price lists"))
            )
        except DomainError as exc:
            return HttpResponseBadRequest(exc.message)
    today = timezone.localdate()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for pl in page:
        pl.current = pl.is_active and pl.valid_from <= today and (pl.valid_to is None or pl.valid_to >= today)
    return render(
        request,
        "catalog/price_list_list.html",
        {"page_obj": page, "can_add": request.user.has_perm("catalog.add_pricelist")},
    )


@login_required
@permission_required("catalog.view_pricelist", raise_exception=True)
def price_list_detail_view(request, pk: int):
    """A price list and its items; the back office sets and removes items here."""
    price_list = selectors.price_list_get(user=request.user, price_list_id=pk)
    can_edit = request.user.has_perm("catalog.change_pricelistitem")
    form = PriceListItemForm()
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = PriceListItemForm(request.POST)
        if form.is_valid():
            try:
                services.price_list_item_set(
                    by=request.user,
                    price_list_id=pk,
                    product_id=form.cleaned_data["product"].pk,
                    price=form.cleaned_data["price"],
                )
            except DomainError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("The price was saved."))
                return redirect("catalog:price_list_detail", pk=pk)
        status = 400
    items = selectors.price_list_items(price_list)
    if request.GET.get("format"):
        columns = [
            Column("product.code", _("Product code")),
            Column("product.name", _("Name (Chinese)")),
            Column("product.list_price", _("List price")),
            Column("price", _("Price")),
        ]
        try:
            return export_response(
                items, columns, filename=f"price-list-{price_list.code}", fmt=request.GET["format"],
                title=str(price_list),
            )  # fmt: skip
        except DomainError as exc:
            return HttpResponseBadRequest(exc.message)
    return render(
        request,
        "catalog/price_list_detail.html",
        {
            "price_list": price_list,
            "items": items,
            "form": form,
            "can_edit": can_edit,
            "can_change": request.user.has_perm("catalog.change_pricelist"),
        },
        status=status,
    )


@login_required
@permission_required("catalog.delete_pricelistitem", raise_exception=True)
@require_POST
def price_list_item_remove_view(request, pk: int, product_id: int):
    services.price_list_item_remove(by=request.user, price_list_id=pk, product_id=product_id)
    messages.success(request, _("The product was taken off the price list."))
    return redirect("catalog:price_list_detail", pk=pk)


def _price_list_form_view(request, price_list: PriceList | None):
    if request.method == "POST":
        form = PriceListForm(request.POST)
        if form.is_valid():
            try:
                if price_list is None:
                    saved = services.price_list_create(by=request.user, **form.service_kwargs())
                else:
                    saved = services.price_list_update(
                        by=request.user, price_list_id=price_list.pk, **form.service_kwargs()
                    )
            except DomainError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Price list %(code)s was saved.") % {"code": saved.code})
                return redirect("catalog:price_list_detail", pk=saved.pk)
        return render(
            request, "catalog/price_list_form.html", {"form": form, "price_list": price_list}, status=400
        )
    initial = PriceListForm.initial_of(price_list) if price_list else {"is_active": True}
    return render(
        request,
        "catalog/price_list_form.html",
        {"form": PriceListForm(initial=initial), "price_list": price_list},
    )


@login_required
@permission_required("catalog.add_pricelist", raise_exception=True)
def price_list_create_view(request):
    return _price_list_form_view(request, None)


@login_required
@permission_required("catalog.change_pricelist", raise_exception=True)
def price_list_edit_view(request, pk: int):
    return _price_list_form_view(request, selectors.price_list_get(user=request.user, price_list_id=pk))


urlpatterns = [
    path("products/", product_list_view, name="product_list"),
    path("products/new/", product_create_view, name="product_create"),
    path("products/unit-fields/", product_unit_fields_view, name="product_unit_fields"),
    path("products/<int:pk>/", product_detail_view, name="product_detail"),
    path("products/<int:pk>/edit/", product_edit_view, name="product_edit"),
    path("products/<int:pk>/deactivate/", product_deactivate_view, name="product_deactivate"),
    path("categories/", category_list_view, name="category_list"),
    path("categories/<int:pk>/edit/", category_edit_view, name="category_edit"),
    path("price-lists/", price_list_list_view, name="price_list_list"),
    path("price-lists/new/", price_list_create_view, name="price_list_create"),
    path("price-lists/<int:pk>/", price_list_detail_view, name="price_list_detail"),
    path("price-lists/<int:pk>/edit/", price_list_edit_view, name="price_list_edit"),
    path(
        "price-lists/<int:pk>/items/<int:product_id>/remove/",
        price_list_item_remove_view,
        name="price_list_item_remove",
    ),
]
