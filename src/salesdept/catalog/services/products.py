"""Writes of the product master data (S1): categories, products, price lists and their items.

Kept by the back office (clerk) and the administrator (catalog.add_/change_* permissions). Bad
input raises ValidationFailed (400) naming the field, and nothing is written; a product edited
meanwhile by someone else answers 409 stale_version when the editor sends the version they
loaded."""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Region
from salesdept.core.errors import ValidationFailed, refusal
from salesdept.core.permissions import require

from ..models import Category, Channel, PriceList, PriceListItem, Product

__all__ = [
    "DEFAULT_UOM",
    "category_create",
    "category_update",
    "price_list_create",
    "price_list_item_remove",
    "price_list_item_set",
    "price_list_update",
    "product_create",
    "product_deactivate",
    "product_update",
]

K = Product.Kind
# The unit a new product starts with when none is given.
DEFAULT_UOM = {K.GOODS: "件", K.SERIAL: "台", K.UNIT: "套", K.SERVICE: "项"}
DEFAULT_TAX = {K.UNIT: Decimal("9.00")}  # real estate 9 %, goods and services 13 %
UNIT_FIELDS = ("building", "floor", "unit_number", "area")
REQUIRED = _("This field is required.")


def check_version(obj, version: int | None) -> None:
    if version is not None and int(version) != obj.version:
        raise refusal("stale_version", extra={"current_version": obj.version})


def _text(data: dict, field: str, *, max_length: int, required: bool = False) -> str:
    value = data.get(field)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise ValidationFailed({field: REQUIRED})
    if len(value) > max_length:
        raise ValidationFailed(
            {field: _("Ensure this value has at most %(max)s characters.") % {"max": max_length}}
        )
    return value


def _decimal(
    data: dict,
    field: str,
    *,
    required: bool = False,
    places: int = 2,
    max_digits: int = 14,
    minimum: Decimal | None = Decimal("0"),
    maximum: Decimal | None = None,
) -> Decimal | None:
    raw = data.get(field)
    if raw is None or raw == "":
        if required:
            raise ValidationFailed({field: REQUIRED})
        return None
    if isinstance(raw, float | bool):
        raise ValidationFailed({field: _("Enter a number.")})
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationFailed({field: _("Enter a number.")}) from None
    if not value.is_finite():
        raise ValidationFailed({field: _("Enter a number.")})
    if value.as_tuple().exponent < -places:
        raise ValidationFailed(
            {field: _("Ensure that there are no more than %(places)s decimal places.") % {"places": places}}
        )
    if abs(value) >= Decimal(10) ** (max_digits - places):
        raise ValidationFailed({field: _("This number is too large.")})
    if minimum is not None and value < minimum:
        raise ValidationFailed({field: _("Must be at least %(min)s.") % {"min": minimum}})
    if maximum is not None and value > maximum:
        raise ValidationFailed({field: _("Must be at most %(max)s.") % {"max": maximum}})
    return value.quantize(Decimal(1).scaleb(-places))


def _date(data: dict, field: str, *, required: bool = False) -> datetime.date | None:
    value = data.get(field)
    if value in (None, ""):
        if required:
            raise ValidationFailed({field: REQUIRED})
        return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        try:
            value = datetime.date.fromisoformat(str(value))
        except ValueError:
            raise ValidationFailed({field: _("Enter a valid date.")}) from None
    return value


def _category(category_id, field: str = "category") -> Category:
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    if category is None:
        raise ValidationFailed({field: _("Choose a category.")})
    return category


# --- categories ----------------------------------------------------------------------------


def _clean_category(data: dict, *, instance: Category | None = None) -> dict:
    fields = {
        "code": _text(data, "code", max_length=20, required=True),
        "name": _text(data, "name", max_length=100, required=True),
        "name_en": _text(data, "name_en", max_length=100),
    }
    clash = Category.objects.filter(code__iexact=fields["code"])
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationFailed({"code": _("A category with this code already exists.")})
    parent = None
    if data.get("parent_id"):
        parent = _category(data["parent_id"], "parent")
        walk = parent
        while walk is not None:  # no loops in the tree
            if instance is not None and walk.pk == instance.pk:
                raise ValidationFailed({"parent": _("A category cannot be placed under itself.")})
            walk = walk.parent
    fields["parent"] = parent
    order = data.get("sort_order") or 0
    try:
        order = int(order)
    except (TypeError, ValueError):
        raise ValidationFailed({"sort_order": _("Enter a whole number.")}) from None
    if order < 0:
        raise ValidationFailed({"sort_order": _("Must be at least %(min)s.") % {"min": 0}})
    fields["sort_order"] = order
    return fields


@transaction.atomic
def category_create(
    *, by, code: str, name: str, name_en: str = "", parent_id: int | None = None, sort_order: int = 0
) -> Category:
    """A new product category (code unique, case-insensitive)."""
    require(by, "catalog.add_category")
    data = {"code": code, "name": name, "name_en": name_en, "parent_id": parent_id, "sort_order": sort_order}
    return Category.objects.create(**_clean_category(data))


@transaction.atomic
def category_update(*, by, category_id: int, **changes) -> Category:
    """Change a category; fields left out stay."""
    require(by, "catalog.change_category")
    allowed = {"code", "name", "name_en", "parent_id", "sort_order"}
    if unknown := set(changes) - allowed:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})
    category = get_object_or_404(Category.objects.select_for_update(), pk=category_id)
    current = {
        "code": category.code,
        "name": category.name,
        "name_en": category.name_en,
        "parent_id": category.parent_id,
        "sort_order": category.sort_order,
    }
    for name, value in _clean_category({**current, **changes}, instance=category).items():
        setattr(category, name, value)
    category.save()
    return category


# --- products ------------------------------------------------------------------------------

PRODUCT_FIELDS = {
    "code",
    "name",
    "name_en",
    "kind",
    "category_id",
    "uom",
    "spec",
    "list_price",
    "floor_price",
    "tax_rate",
    "building",
    "floor",
    "unit_number",
    "area",
    "notes",
    "is_active",
}


def _clean_product(data: dict, *, instance: Product | None = None) -> dict:
    """Validate a whole product (create, or an update merged onto the stored values)."""
    fields: dict = {}
    fields["code"] = _text(data, "code", max_length=40, required=True)
    clash = Product.objects.filter(code__iexact=fields["code"])
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationFailed({"code": _("A product with this code already exists.")})
    fields["name"] = _text(data, "name", max_length=200, required=True)
    fields["name_en"] = _text(data, "name_en", max_length=200)
    kind = data.get("kind") or K.GOODS
    if kind not in K.values:
        raise ValidationFailed({"kind": _("Select a valid choice.")})
    fields["kind"] = kind
    fields["category"] = _category(data.get("category_id"))
    fields["uom"] = _text(data, "uom", max_length=20) or DEFAULT_UOM[kind]
    fields["spec"] = _text(data, "spec", max_length=300)
    fields["list_price"] = _decimal(data, "list_price", required=True)
    floor = _decimal(data, "floor_price")
    if floor is not None and floor > fields["list_price"]:
        raise ValidationFailed({"floor_price": _("The floor price cannot be above the list price.")})
    fields["floor_price"] = floor
    tax = _decimal(data, "tax_rate", max_digits=5, maximum=Decimal("100"))
    fields["tax_rate"] = tax if tax is not None else DEFAULT_TAX.get(kind, Decimal("13.00"))
    if kind == K.UNIT:
        fields["building"] = _text(data, "building", max_length=50, required=True)
        fields["floor"] = _text(data, "floor", max_length=20)
        fields["unit_number"] = _text(data, "unit_number", max_length=50, required=True)
        area = _decimal(data, "area", required=True, max_digits=10)
        if area <= 0:
            raise ValidationFailed({"area": _("The area must be more than 0.")})
        fields["area"] = area
        clash = Product.objects.filter(
            kind=K.UNIT, building=fields["building"], unit_number=fields["unit_number"]
        )
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise ValidationFailed({"unit_number": _("This unit is already in the catalog.")})
    else:  # only unique units have a place and an area
        fields.update(building="", floor="", unit_number="", area=None)
    fields["notes"] = _text(data, "notes", max_length=5000)
    active = data.get("is_active", True)
    if not isinstance(active, bool):
        raise ValidationFailed({"is_active": _("Enter true or false.")})
    fields["is_active"] = active
    return fields


@transaction.atomic
def product_create(*, by, **data) -> Product:
    """A new product: code (unique), name, kind, category_id, list_price required; floor_price ≤
    list_price; a unique unit (kind=unit) needs building, unit_number and area. Unit and tax rate
    default by kind (套 and 9 % for a unit; 13 % otherwise)."""
    require(by, "catalog.add_product")
    if unknown := set(data) - PRODUCT_FIELDS:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})
    return Product.objects.create(**_clean_product(data))


def _product_current(product: Product) -> dict:
    return {
        "code": product.code,
        "name": product.name,
        "name_en": product.name_en,
        "kind": product.kind,
        "category_id": product.category_id,
        "uom": product.uom,
        "spec": product.spec,
        "list_price": product.list_price,
        "floor_price": product.floor_price,
        "tax_rate": product.tax_rate,
        "building": product.building,
        "floor": product.floor,
        "unit_number": product.unit_number,
        "area": product.area,
        "notes": product.notes,
        "is_active": product.is_active,
    }


@transaction.atomic
def product_update(*, by, product_id: int, version: int | None = None, **changes) -> Product:
    """Change a product; fields left out stay. Validation as in product_create; a stale
    `version` answers 409 stale_version and nothing changes."""
    require(by, "catalog.change_product")
    if unknown := set(changes) - PRODUCT_FIELDS:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})
    product = get_object_or_404(Product.objects.select_for_update(), pk=product_id)
    check_version(product, version)
    for name, value in _clean_product({**_product_current(product), **changes}, instance=product).items():
        setattr(product, name, value)
    product.version += 1
    product.save()
    return product


@transaction.atomic
def product_deactivate(*, by, product_id: int, version: int | None = None) -> Product:
    """Take a product out of sale: it stays on existing documents but is offered no more."""
    require(by, "catalog.change_product")
    product = get_object_or_404(Product.objects.select_for_update(), pk=product_id)
    check_version(product, version)
    if product.is_active:
        product.is_active = False
        product.version += 1
        product.save(update_fields=["is_active", "version", "updated_at"])
    return product


# --- price lists ---------------------------------------------------------------------------

PRICE_LIST_FIELDS = {"code", "name", "name_en", "channel", "region_id", "valid_from", "valid_to", "is_active"}


def _clean_price_list(data: dict, *, instance: PriceList | None = None) -> dict:
    fields = {
        "code": _text(data, "code", max_length=20, required=True),
        "name": _text(data, "name", max_length=100, required=True),
        "name_en": _text(data, "name_en", max_length=100),
    }
    clash = PriceList.objects.filter(code__iexact=fields["code"])
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationFailed({"code": _("A price list with this code already exists.")})
    channel = data.get("channel") or ""
    if channel and channel not in Channel.values:
        raise ValidationFailed({"channel": _("Select a valid choice.")})
    fields["channel"] = channel
    region = None
    if data.get("region_id"):
        region = Region.objects.filter(pk=data["region_id"]).first()
        if region is None:
            raise ValidationFailed({"region": _("Choose a region.")})
    fields["region"] = region
    fields["valid_from"] = _date(data, "valid_from", required=True)
    fields["valid_to"] = _date(data, "valid_to")
    if fields["valid_to"] and fields["valid_to"] < fields["valid_from"]:
        raise ValidationFailed({"valid_to": _("The end date must not be before the start date.")})
    active = data.get("is_active", True)
    if not isinstance(active, bool):
        raise ValidationFailed({"is_active": _("Enter true or false.")})
    fields["is_active"] = active
    return fields


@transaction.atomic
def price_list_create(*, by, **data) -> PriceList:
    """A price list for a channel and/or region (both optional: a general list), valid from a
    day (to an optional last day)."""
    require(by, "catalog.add_pricelist")
    if unknown := set(data) - PRICE_LIST_FIELDS:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})
    return PriceList.objects.create(**_clean_price_list(data))


@transaction.atomic
def price_list_update(*, by, price_list_id: int, **changes) -> PriceList:
    require(by, "catalog.change_pricelist")
    if unknown := set(changes) - PRICE_LIST_FIELDS:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})
    price_list = get_object_or_404(PriceList.objects.select_for_update(), pk=price_list_id)
    current = {
        "code": price_list.code,
        "name": price_list.name,
        "name_en": price_list.name_en,
        "channel": price_list.channel,
        "region_id": price_list.region_id,
        "valid_from": price_list.valid_from,
        "valid_to": price_list.valid_to,
        "is_active": price_list.is_active,
    }
    for name, value in _clean_price_list({**current, **changes}, instance=price_list).items():
        setattr(price_list, name, value)
    price_list.save()
    return price_list


@transaction.atomic
def price_list_item_set(*, by, price_list_id: int, product_id: int, price) -> PriceListItem:
    """Set the price of a product on a price list (adds the item or changes its price)."""
    require(by, "catalog.add_pricelistitem", "catalog.change_pricelistitem")
    price_list = get_object_or_404(PriceList.objects.select_for_update(), pk=price_list_id)
    product = Product.objects.filter(pk=product_id).first() if product_id else None
    if product is None:
        raise ValidationFailed({"product": _("Choose a product.")})
    value = _decimal({"price": price}, "price", required=True)
    item, _created = PriceListItem.objects.update_or_create(
        price_list=price_list, product=product, defaults={"price": value}
    )
    return item


@transaction.atomic
def price_list_item_remove(*, by, price_list_id: int, product_id: int) -> None:
    """Take a product off a price list (404 when it is not on it)."""
    require(by, "catalog.delete_pricelistitem")
    price_list = get_object_or_404(PriceList.objects.select_for_update(), pk=price_list_id)
    item = get_object_or_404(PriceListItem.objects, price_list=price_list, product_id=product_id)
    item.delete()
