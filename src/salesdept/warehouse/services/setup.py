"""Writes of the warehouse master data (W1 定置管理, W4): warehouses (each with its quarantine
location `QC`, created with it), locations and bins, and stock level rules (min / max).

Every function is one transaction and re-checks the permission; bad input raises
ValidationFailed naming the field."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Region
from salesdept.catalog.models import Product
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.permissions import require

from ..models import Location, StockRule, Warehouse
from . import inputs

__all__ = [
    "QUARANTINE_CODE",
    "location_create",
    "location_update",
    "quarantine_of",
    "stock_rule_delete",
    "stock_rule_set",
    "warehouse_create",
    "warehouse_update",
]

QUARANTINE_CODE = "QC"
WAREHOUSE_FIELDS = {"code", "name", "name_en", "region", "keeper", "address", "cycle_days", "is_active"}
LOCATION_FIELDS = {"warehouse", "code", "name", "kind", "is_active"}


def _unknown(data: dict, allowed: set) -> None:
    if not isinstance(data, dict):
        raise ValidationFailed({"data": _("Send an object of fields.")})
    if unknown := set(data) - allowed:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})


def quarantine_of(warehouse_id: int) -> Location:
    """The warehouse's quarantine location (rejected stock, 不合格品区); created when missing."""
    found = (
        Location.objects.filter(warehouse_id=warehouse_id, kind=Location.Kind.QUARANTINE, is_active=True)
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found
    code = QUARANTINE_CODE
    while Location.objects.filter(warehouse_id=warehouse_id, code=code).exists():
        code += "X"
    return Location.objects.create(
        warehouse_id=warehouse_id, code=code, name=str(_("Quarantine")), kind=Location.Kind.QUARANTINE
    )


# --- warehouses ------------------------------------------------------------------------------


def _warehouse_fields(warehouse: Warehouse, data: dict, *, creating: bool) -> None:
    if creating or "code" in data:
        warehouse.code = inputs.text(data, "code", max_length=20, required=True).upper()
    if creating or "name" in data:
        warehouse.name = inputs.text(data, "name", max_length=100, required=True)
    for field, length in (("name_en", 100), ("address", 200)):
        if field in data:
            setattr(warehouse, field, inputs.text(data, field, max_length=length))
    if "region" in data:
        region_id = inputs.ident(data["region"], "region", required=False)
        if region_id is not None and not Region.objects.filter(pk=region_id).exists():
            raise ValidationFailed({"region": _("Select a valid choice.")})
        warehouse.region_id = region_id
    if "keeper" in data:
        keeper_id = inputs.ident(data["keeper"], "keeper", required=False)
        if (
            keeper_id is not None
            and not get_user_model().objects.filter(pk=keeper_id, is_active=True).exists()
        ):
            raise ValidationFailed({"keeper": _("Select a valid choice.")})
        warehouse.keeper_id = keeper_id
    if "cycle_days" in data:
        days = inputs.decimal(data["cycle_days"], "cycle_days", positive=True, places="1")
        if days > 3660:
            raise ValidationFailed({"cycle_days": _("The number is too large.")})
        warehouse.cycle_days = int(days)
    if "is_active" in data:
        warehouse.is_active = inputs.boolean(data["is_active"], "is_active")


def _save_unique(obj, field: str, message) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ValidationFailed({field: message}) from None


@transaction.atomic
def warehouse_create(*, by, data: dict) -> Warehouse:
    """A warehouse (code, name, name_en, region, keeper, address, cycle_days) with its
    quarantine location `QC`."""
    require(by, "warehouse.add_warehouse")
    _unknown(data, WAREHOUSE_FIELDS)
    warehouse = Warehouse()
    _warehouse_fields(warehouse, data, creating=True)
    if Warehouse.objects.filter(code__iexact=warehouse.code).exists():
        raise ValidationFailed({"code": _("A warehouse with this code already exists.")})
    _save_unique(warehouse, "code", _("A warehouse with this code already exists."))
    quarantine_of(warehouse.pk)
    return warehouse


@transaction.atomic
def warehouse_update(*, warehouse_id: int, by, data: dict) -> Warehouse:
    """Change the given fields of a warehouse."""
    require(by, "warehouse.change_warehouse")
    _unknown(data, WAREHOUSE_FIELDS)
    warehouse = get_object_or_404(Warehouse.objects.select_for_update(), pk=warehouse_id)
    _warehouse_fields(warehouse, data, creating=False)
    if Warehouse.objects.filter(code__iexact=warehouse.code).exclude(pk=warehouse.pk).exists():
        raise ValidationFailed({"code": _("A warehouse with this code already exists.")})
    _save_unique(warehouse, "code", _("A warehouse with this code already exists."))
    return warehouse


# --- locations -------------------------------------------------------------------------------


def _location_fields(location: Location, data: dict, *, creating: bool) -> None:
    if creating or "code" in data:
        location.code = inputs.text(data, "code", max_length=30, required=True).upper()
    if "name" in data:
        location.name = inputs.text(data, "name", max_length=100)
    if creating or "kind" in data:
        location.kind = inputs.choice(data.get("kind"), "kind", Location.Kind, default=Location.Kind.STORAGE)
    if "is_active" in data:
        location.is_active = inputs.boolean(data["is_active"], "is_active")


def _check_location(location: Location, *, was_quarantine: bool = False) -> None:
    if (
        Location.objects.filter(warehouse_id=location.warehouse_id, code=location.code)
        .exclude(pk=location.pk)
        .exists()
    ):
        raise ValidationFailed({"code": _("This warehouse already has a location with this code.")})
    if location.pk and not location.is_active and location.stock.filter(quantity__gt=0).exists():
        raise DomainError(
            "location_in_use",
            _("This location still holds stock; move it out before closing the location."),
            fields={"is_active": _("This location still holds stock.")},
        )
    leaves_quarantine = location.kind != Location.Kind.QUARANTINE or not location.is_active
    if was_quarantine and leaves_quarantine:
        others = Location.objects.filter(
            warehouse_id=location.warehouse_id, kind=Location.Kind.QUARANTINE, is_active=True
        ).exclude(pk=location.pk)
        if not others.exists():
            field = "kind" if location.kind != Location.Kind.QUARANTINE else "is_active"
            raise ValidationFailed({field: _("Every warehouse keeps one active quarantine location.")})


@transaction.atomic
def location_create(*, by, data: dict) -> Location:
    """A location or bin (code like A-01-03, name, kind) in a warehouse."""
    require(by, "warehouse.add_location")
    _unknown(data, LOCATION_FIELDS)
    warehouse_id = inputs.ident(data.get("warehouse"), "warehouse")
    warehouse = Warehouse.objects.select_for_update().filter(pk=warehouse_id).first()
    if warehouse is None:
        raise ValidationFailed({"warehouse": _("Select a valid choice.")})
    location = Location(warehouse=warehouse)
    _location_fields(location, data, creating=True)
    _check_location(location)
    _save_unique(location, "code", _("This warehouse already has a location with this code."))
    return location


@transaction.atomic
def location_update(*, location_id: int, by, data: dict) -> Location:
    """Change a location's code, name, kind or active flag (its warehouse never changes)."""
    require(by, "warehouse.change_location")
    _unknown(data, LOCATION_FIELDS - {"warehouse"})
    peek = get_object_or_404(Location, pk=location_id)
    Warehouse.objects.select_for_update().filter(pk=peek.warehouse_id).first()  # one writer per warehouse
    location = Location.objects.select_for_update().get(pk=location_id)
    was_quarantine = location.kind == Location.Kind.QUARANTINE and location.is_active
    _location_fields(location, data, creating=False)
    _check_location(location, was_quarantine=was_quarantine)
    _save_unique(location, "code", _("This warehouse already has a location with this code."))
    return location


# --- stock level rules (W4) ------------------------------------------------------------------


@transaction.atomic
def stock_rule_set(*, by, data: dict) -> StockRule:
    """Set the minimum and maximum of a product in a warehouse (creates or replaces the rule):
    data = {product, warehouse, min_quantity, max_quantity}."""
    require(by, "warehouse.add_stockrule", "warehouse.change_stockrule")
    _unknown(data, {"product", "warehouse", "min_quantity", "max_quantity"})
    product_id = inputs.ident(data.get("product"), "product")
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise ValidationFailed({"product": _("Select a valid choice.")})
    if product.kind == Product.Kind.SERVICE:
        raise ValidationFailed({"product": _("A service carries no stock.")})
    warehouse_id = inputs.ident(data.get("warehouse"), "warehouse")
    if not Warehouse.objects.filter(pk=warehouse_id).exists():
        raise ValidationFailed({"warehouse": _("Select a valid choice.")})
    low = inputs.decimal(data.get("min_quantity"), "min_quantity")
    high = inputs.decimal(data.get("max_quantity"), "max_quantity")
    if high < low:
        raise ValidationFailed({"max_quantity": _("The maximum cannot be below the minimum.")})
    StockRule.objects.bulk_create(
        [StockRule(product=product, warehouse_id=warehouse_id, min_quantity=low, max_quantity=high)],
        ignore_conflicts=True,
    )
    rule = StockRule.objects.select_for_update().get(product=product, warehouse_id=warehouse_id)
    rule.min_quantity, rule.max_quantity = low, high
    rule.save()
    return rule


@transaction.atomic
def stock_rule_delete(*, rule_id: int, by) -> None:
    """Remove a stock level rule (the product then has no minimum or maximum there)."""
    require(by, "warehouse.change_stockrule")
    rule = get_object_or_404(StockRule.objects.select_for_update(), pk=rule_id)
    rule.delete()
