"""API of products, categories and price lists (S1): /api/v1/products, /api/v1/categories,
/api/v1/price-lists.

Reads need the catalog view permissions (every selling role, finance, the warehouse); writes go
through services.products (the back office and the administrator): 403 without the permission,
400 naming the field for bad input, 409 stale_version for a product changed meanwhile."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status

from salesdept.accounts.models import Region
from salesdept.core.errors import ValidationFailed
from salesdept.core.pagination import paginate
from salesdept.core.schemas import ErrorOut, Money, StrictIn

from ..selectors import products as selectors
from ..services import products as services

router = Router(tags=["products"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Kind = Literal["goods", "serial", "unit", "service"]
ChannelIn = Literal["direct", "dealer", "online", "project", "other", ""]
SortKey = Literal[
    "code", "-code", "name", "-name", "kind", "-kind", "category", "-category",
    "list_price", "-list_price", "floor_price", "-floor_price",
]  # fmt: skip
VERSION = Field(None, ge=1, description="The version you loaded; a stale one answers 409 stale_version")


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    parent_id: int | None
    sort_order: int


class CategoryIn(StrictIn):
    code: str = Field(..., max_length=20)
    name: str = Field(..., max_length=100)
    name_en: str = Field("", max_length=100)
    parent: int | None = Field(None, ge=1)
    sort_order: int = Field(0, ge=0)


class CategoryPatch(StrictIn):
    code: str = Field(None, max_length=20)
    name: str = Field(None, max_length=100)
    name_en: str = Field(None, max_length=100)
    parent: int | None = Field(None, ge=1)
    sort_order: int = Field(None, ge=0)


class ProductFilterIn(Schema):
    q: str | None = Field(None, max_length=100, description="Code, name, spec, building or unit number")
    category: int | None = Field(None, ge=1, description="A category and its sub-categories")
    kind: Kind | None = None
    active: bool | None = None
    sort: SortKey | None = Field(None, description="Default code")


class ProductOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    kind: str
    category_id: int
    category: str
    uom: str
    spec: str
    list_price: Decimal
    floor_price: Decimal | None
    tax_rate: Decimal
    building: str
    floor: str
    unit_number: str
    area: Decimal | None
    notes: str
    is_active: bool
    version: int

    @staticmethod
    def resolve_category(obj) -> str:
        return str(obj.category)


class ProductIn(StrictIn):
    code: str = Field(..., max_length=40)
    name: str = Field(..., max_length=200)
    name_en: str = Field("", max_length=200)
    kind: Kind = "goods"
    category: int = Field(..., ge=1)
    uom: str = Field("", max_length=20, description="Default by kind: 件, 台, 套 (unit), 项 (service)")
    spec: str = Field("", max_length=300)
    list_price: Money
    floor_price: Money | None = None
    tax_rate: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False)
    building: str = Field("", max_length=50)
    floor: str = Field("", max_length=20)
    unit_number: str = Field("", max_length=50)
    area: Decimal | None = Field(None, max_digits=10, decimal_places=2, allow_inf_nan=False)
    notes: str = Field("", max_length=5000)


class ProductPatch(StrictIn):
    version: int | None = VERSION
    code: str = Field(None, max_length=40)
    name: str = Field(None, max_length=200)
    name_en: str = Field(None, max_length=200)
    kind: Kind = None
    category: int = Field(None, ge=1)
    uom: str = Field(None, max_length=20)
    spec: str = Field(None, max_length=300)
    list_price: Money = None
    floor_price: Money | None = None
    tax_rate: Decimal = Field(None, ge=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False)
    building: str = Field(None, max_length=50)
    floor: str = Field(None, max_length=20)
    unit_number: str = Field(None, max_length=50)
    area: Decimal | None = Field(None, max_digits=10, decimal_places=2, allow_inf_nan=False)
    notes: str = Field(None, max_length=5000)
    is_active: bool = None


class VersionIn(StrictIn):
    version: int | None = VERSION


class PriceQuery(Schema):
    channel: ChannelIn = ""
    region_id: int | None = Field(None, ge=1)
    on: dt.date | None = Field(None, description="Default today")


class PriceOut(Schema):
    product_id: int
    channel: str
    region_id: int | None
    on: dt.date
    list_price: Decimal
    price: Decimal


class PriceListFilterIn(Schema):
    channel: Literal["direct", "dealer", "online", "project", "other"] | None = None
    region: int | None = Field(None, ge=1)
    active: bool | None = None
    on: dt.date | None = Field(None, description="Valid on this day")


class PriceListItemOut(Schema):
    product_id: int
    product_code: str
    product_name: str
    price: Decimal

    @staticmethod
    def resolve_product_code(obj) -> str:
        return obj.product.code

    @staticmethod
    def resolve_product_name(obj) -> str:
        return str(obj.product.name)


class PriceListOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    channel: str
    region_id: int | None
    valid_from: dt.date
    valid_to: dt.date | None
    is_active: bool


class PriceListDetailOut(PriceListOut):
    items: list[PriceListItemOut]

    @staticmethod
    def resolve_items(obj) -> list:
        return list(selectors.price_list_items(obj))


class PriceListIn(StrictIn):
    code: str = Field(..., max_length=20)
    name: str = Field(..., max_length=100)
    name_en: str = Field("", max_length=100)
    channel: ChannelIn = ""
    region: int | None = Field(None, ge=1)
    valid_from: dt.date
    valid_to: dt.date | None = None
    is_active: bool = True


class PriceListPatch(StrictIn):
    code: str = Field(None, max_length=20)
    name: str = Field(None, max_length=100)
    name_en: str = Field(None, max_length=100)
    channel: ChannelIn = None
    region: int | None = Field(None, ge=1)
    valid_from: dt.date = None
    valid_to: dt.date | None = None
    is_active: bool = None


class PriceListItemIn(StrictIn):
    price: Money


def _ids(data: dict, *names: str) -> dict:
    for name in names:
        if name in data:
            data[f"{name}_id"] = data.pop(name)
    return data


# --- categories ----------------------------------------------------------------------------


@router.get("/categories", response={200: list[CategoryOut], **ERRORS})
@paginate
def list_categories(request):
    """Product categories in their display order."""
    return selectors.category_list(user=request.user)


@router.post("/categories", response={201: CategoryOut, **ERRORS})
def create_category(request, payload: CategoryIn):
    return Status(201, services.category_create(by=request.user, **_ids(payload.model_dump(), "parent")))


@router.patch("/categories/{category_id}", response={200: CategoryOut, **ERRORS})
def update_category(request, category_id: int, payload: CategoryPatch):
    data = _ids(payload.model_dump(exclude_unset=True), "parent")
    return services.category_update(by=request.user, category_id=category_id, **data)


# --- products ------------------------------------------------------------------------------


@router.get("/products", response={200: list[ProductOut], **ERRORS})
@paginate
def list_products(request, filters: Query[ProductFilterIn]):
    """Products: search `q`, filters category, kind, active; sort (default code)."""
    return selectors.product_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.get("/products/{product_id}", response={200: ProductOut, **ERRORS})
def get_product(request, product_id: int):
    return selectors.product_get(user=request.user, product_id=product_id)


@router.post("/products", response={201: ProductOut, **ERRORS})
def create_product(request, payload: ProductIn):
    """A new product. A unique unit (kind unit) needs building, unit_number and area."""
    product = services.product_create(by=request.user, **_ids(payload.model_dump(), "category"))
    return Status(201, selectors.product_get(user=request.user, product_id=product.pk))


@router.patch("/products/{product_id}", response={200: ProductOut, **ERRORS})
def update_product(request, product_id: int, payload: ProductPatch):
    """Change a product (fields left out stay; send `version` to detect concurrent edits)."""
    data = _ids(payload.model_dump(exclude_unset=True), "category")
    data["version"] = data.pop("version", None)
    services.product_update(by=request.user, product_id=product_id, **data)
    return selectors.product_get(user=request.user, product_id=product_id)


@router.post("/products/{product_id}/deactivate", response={200: ProductOut, **ERRORS})
def deactivate_product(request, product_id: int, payload: VersionIn | None = None):
    """Take a product out of sale (it stays on existing documents)."""
    services.product_deactivate(
        by=request.user, product_id=product_id, version=payload.version if payload else None
    )
    return selectors.product_get(user=request.user, product_id=product_id)


@router.get("/products/{product_id}/price", response={200: PriceOut, **ERRORS})
def get_product_price(request, product_id: int, query: Query[PriceQuery]):
    """The price a line starts from for this channel, customer region and day: the best matching
    valid price list (channel + region, then region, then channel, then general), else the list
    price."""
    product = selectors.product_get(user=request.user, product_id=product_id)
    region = None
    if query.region_id is not None:
        region = Region.objects.filter(pk=query.region_id).first()
        if region is None:
            raise ValidationFailed({"region_id": _("Choose a region.")})
    on = query.on or timezone.localdate()
    price = selectors.price_for(product, channel=query.channel, region=region, on=on)
    return {
        "product_id": product.pk,
        "channel": query.channel,
        "region_id": query.region_id,
        "on": on,
        "list_price": product.list_price,
        "price": price,
    }


# --- price lists ---------------------------------------------------------------------------


@router.get("/price-lists", response={200: list[PriceListOut], **ERRORS})
@paginate
def list_price_lists(request, filters: Query[PriceListFilterIn]):
    return selectors.price_list_list(user=request.user, filters=filters.model_dump(exclude_none=True))


@router.get("/price-lists/{price_list_id}", response={200: PriceListDetailOut, **ERRORS})
def get_price_list(request, price_list_id: int):
    """A price list with its items."""
    return selectors.price_list_get(user=request.user, price_list_id=price_list_id)


@router.post("/price-lists", response={201: PriceListDetailOut, **ERRORS})
def create_price_list(request, payload: PriceListIn):
    price_list = services.price_list_create(by=request.user, **_ids(payload.model_dump(), "region"))
    return Status(201, selectors.price_list_get(user=request.user, price_list_id=price_list.pk))


@router.patch("/price-lists/{price_list_id}", response={200: PriceListDetailOut, **ERRORS})
def update_price_list(request, price_list_id: int, payload: PriceListPatch):
    data = _ids(payload.model_dump(exclude_unset=True), "region")
    services.price_list_update(by=request.user, price_list_id=price_list_id, **data)
    return selectors.price_list_get(user=request.user, price_list_id=price_list_id)


@router.put("/price-lists/{price_list_id}/items/{product_id}", response={200: PriceListDetailOut, **ERRORS})
def set_price_list_item(request, price_list_id: int, product_id: int, payload: PriceListItemIn):
    """Set a product's price on the list (adds it when missing)."""
    services.price_list_item_set(
        by=request.user, price_list_id=price_list_id, product_id=product_id, price=payload.price
    )
    return selectors.price_list_get(user=request.user, price_list_id=price_list_id)


@router.delete("/price-lists/{price_list_id}/items/{product_id}", response={204: None, **ERRORS})
def remove_price_list_item(request, price_list_id: int, product_id: int):
    services.price_list_item_remove(by=request.user, price_list_id=price_list_id, product_id=product_id)
    return Status(204, None)
