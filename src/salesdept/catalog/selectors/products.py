"""Reads of the product master data (S1): products, categories, price lists, and the price a
sales line starts from (price_for). Products are master data: every role that may view them
sees all of them (SCOPE none)."""

import datetime

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Region
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from ..models import Category, Channel, PriceList, PriceListItem, Product

__all__ = [
    "PRODUCT_SORTS",
    "category_list",
    "price_for",
    "price_list_get",
    "price_list_list",
    "product_get",
    "product_list",
    "product_prices",
    "region_chain",
]

PRODUCT_SORTS = {
    "code": ("code", "pk"),
    "name": ("name", "pk"),
    "kind": ("kind", "code"),
    "category": ("category__code", "code"),
    "list_price": ("list_price", "code"),
    "floor_price": ("floor_price", "code"),
}


def _truthy(value) -> bool | None:
    if value in (None, ""):
        return None
    if value in (True, "1", "true", "on", "yes", "True"):
        return True
    if value in (False, "0", "false", "off", "no", "False"):
        return False
    raise ValidationFailed({"active": _("Enter true or false.")})


def product_list(*, user, filters=None) -> QuerySet:
    """Products filtered by q (code, name, English name, spec, building/unit), category (with
    its sub-categories), kind, active (default: all) and sorted by `sort` (PRODUCT_SORTS, prefix
    - for descending; default code). A bad value raises ValidationFailed naming the filter."""
    require(user, "catalog.view_product")
    filters = filters or {}
    qs = Product.objects.select_related("category")
    if q := str(filters.get("q") or "").strip():
        if len(q) > 100:
            raise ValidationFailed(
                {"q": _("Ensure this value has at most %(max)s characters.") % {"max": 100}}
            )
        qs = qs.filter(
            Q(code__icontains=q)
            | Q(name__icontains=q)
            | Q(name_en__icontains=q)
            | Q(spec__icontains=q)
            | Q(building__icontains=q)
            | Q(unit_number__icontains=q)
        )
    if category := filters.get("category"):
        try:
            category = int(category)
        except (TypeError, ValueError):
            raise ValidationFailed({"category": _("Choose a category.")}) from None
        qs = qs.filter(category__in=category_subtree(category))
    if kind := filters.get("kind"):
        if kind not in Product.Kind.values:
            raise ValidationFailed({"kind": _("Select a valid choice.")})
        qs = qs.filter(kind=kind)
    active = _truthy(filters.get("active"))
    if active is not None:
        qs = qs.filter(is_active=active)
    sort = filters.get("sort") or "code"
    key = sort.lstrip("-")
    if key not in PRODUCT_SORTS:
        raise ValidationFailed({"sort": _("Select a valid choice.")})
    fields = PRODUCT_SORTS[key]
    if sort.startswith("-"):
        fields = tuple(f"-{f}" for f in fields)
    return qs.order_by(*fields)


def category_subtree(category_id: int) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for pk, parent in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = [], [category_id]
    while todo:
        pk = todo.pop()
        if pk in found:
            continue
        found.append(pk)
        todo.extend(children.get(pk, []))
    return found


def product_get(*, user, product_id: int) -> Product:
    require(user, "catalog.view_product")
    return get_object_or_404(Product.objects.select_related("category"), pk=product_id)


def category_list(*, user) -> QuerySet:
    require(user, "catalog.view_category")
    return Category.objects.select_related("parent")


def price_list_list(*, user, filters=None) -> QuerySet:
    """Price lists; filters: channel, region, active, on (valid that day)."""
    require(user, "catalog.view_pricelist")
    filters = filters or {}
    qs = PriceList.objects.select_related("region")
    if channel := filters.get("channel"):
        if channel not in Channel.values:
            raise ValidationFailed({"channel": _("Select a valid choice.")})
        qs = qs.filter(channel=channel)
    if region := filters.get("region"):
        qs = qs.filter(region_id=region)
    active = _truthy(filters.get("active"))
    if active is not None:
        qs = qs.filter(is_active=active)
    if on := filters.get("on"):
        qs = _valid_on(qs, on)
    return qs


def _valid_on(qs, day, prefix: str = ""):
    return qs.filter(
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day}),
        **{f"{prefix}valid_from__lte": day},
    )


def price_list_get(*, user, price_list_id: int) -> PriceList:
    require(user, "catalog.view_pricelist")
    return get_object_or_404(PriceList.objects.select_related("region"), pk=price_list_id)


def price_list_items(price_list: PriceList) -> QuerySet:
    return price_list.items.select_related("product", "product__category").order_by("product__code")


def product_prices(product: Product) -> QuerySet:
    """The product's items on every price list, newest list first."""
    return product.price_list_items.select_related("price_list", "price_list__region").order_by(
        "-price_list__valid_from", "price_list__code"
    )


def region_chain(region) -> list[int]:
    """The region and the regions above it (a list for 华南 also prices 广东's customers). A
    caller pricing many lines for one customer reads it once and passes it to price_for."""
    if region is None:
        return []
    if isinstance(region, list | tuple):
        return list(region)
    region_id = region.pk if isinstance(region, Region) else int(region)
    parents = dict(Region.objects.values_list("pk", "parent_id"))
    chain = []
    while region_id is not None and region_id not in chain:
        chain.append(region_id)
        region_id = parents.get(region_id)
    return chain


def price_for(product: Product, *, channel: str = "", region=None, on: datetime.date | None = None):
    """The price a line for `product` starts from: the item of the best matching active price
    list valid on `on` (default today). A list matching both channel and region beats one
    matching the region only, which beats one matching the channel only, which beats a general
    list (neither set); among equals the newest (latest valid_from) wins. A list's region
    matches the given region or any region above it (`region` may be region_chain()'s answer).
    No matching list → product.list_price."""
    on = on or timezone.localdate()
    chain = region_chain(region)
    items = _valid_on(
        PriceListItem.objects.filter(product=product, price_list__is_active=True).select_related(
            "price_list"
        ),
        on,
        "price_list__",
    ).filter(
        Q(price_list__channel="") | (Q(price_list__channel=channel) if channel else Q(pk__in=[])),
        Q(price_list__region__isnull=True) | Q(price_list__region__in=chain),
    )
    best, best_key = None, None
    for item in items:
        pl = item.price_list
        rank = (2 if pl.region_id else 0) + (1 if pl.channel else 0)
        key = (rank, pl.valid_from, chain and pl.region_id and -chain.index(pl.region_id) or 0, pl.pk)
        if best_key is None or key > best_key:
            best, best_key = item, key
    return best.price if best is not None else product.list_price
