"""API of the warehouse master data (W1 定置管理, W4), mounted at /api/v1/warehouse:

GET/POST   /warehouses             list / create (with its quarantine location QC)
GET/PATCH  /warehouses/{id}        detail with its locations / change
GET/POST   /locations              list (?warehouse=) / create
PATCH      /locations/{id}         change (code, name, kind, active)
GET/PUT    /stock-rules            list (?warehouse=&q=) / set min and max of a product in a warehouse
DELETE     /stock-rules/{id}       remove a rule (204)"""

from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from salesdept.core.pagination import paginate
from salesdept.core.schemas import ErrorOut, StrictIn

from ..selectors import documents as selectors
from ..services import setup as services

router = Router(tags=["warehouses"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Id = int | str
LocationKind = Literal["storage", "quarantine", "samples"]


class LocationOut(Schema):
    id: int
    warehouse_id: int
    code: str
    name: str
    kind: str
    is_active: bool
    stock_quantity: Decimal | None = None
    stock_value: Decimal | None = None


class WarehouseRowOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    region_id: int | None
    keeper_id: int | None
    address: str
    cycle_days: int
    is_active: bool


class WarehouseOut(WarehouseRowOut):
    locations: list[LocationOut]

    @staticmethod
    def resolve_locations(obj, context):
        return list(selectors.location_list(user=context["request"].user, warehouse_id=obj.pk))


class WarehouseIn(StrictIn):
    code: str
    name: str
    name_en: str = ""
    region: Id | None = None
    keeper: Id | None = None
    address: str = ""
    cycle_days: int | str = 90


class WarehousePatch(StrictIn):
    code: str = None
    name: str = None
    name_en: str = None
    region: Id | None = None
    keeper: Id | None = None
    address: str = None
    cycle_days: int | str = None
    is_active: bool = None


class LocationIn(StrictIn):
    warehouse: Id
    code: str
    name: str = ""
    kind: LocationKind = "storage"


class LocationPatch(StrictIn):
    code: str = None
    name: str = None
    kind: LocationKind = None
    is_active: bool = None


class RuleOut(Schema):
    id: int
    product_id: int
    product_code: str = Field(..., alias="product.code")
    product_name: str = Field(..., alias="product.name")
    warehouse_id: int
    min_quantity: Decimal
    max_quantity: Decimal


class RuleIn(StrictIn):
    product: Id
    warehouse: Id
    min_quantity: Decimal | str
    max_quantity: Decimal | str


class RuleFilterIn(Schema):
    warehouse: int | None = Field(None, ge=1)
    q: str | None = Field(None, max_length=100)


class WarehouseFilterIn(Schema):
    q: str | None = Field(None, max_length=100)
    active: Literal["1", "0"] | None = None


@router.get("/warehouses", response={200: list[WarehouseRowOut], **ERRORS})
@paginate
def list_warehouses(request, filters: Query[WarehouseFilterIn]):
    return selectors.warehouse_list(user=request.user, q=filters.q or "", active=filters.active or "")


@router.post("/warehouses", response={201: WarehouseOut, **ERRORS})
def create_warehouse(request, payload: WarehouseIn):
    """A warehouse; its quarantine location `QC` comes with it."""
    warehouse = services.warehouse_create(by=request.user, data=payload.model_dump())
    return Status(201, selectors.warehouse_get(user=request.user, warehouse_id=warehouse.pk))


@router.get("/warehouses/{warehouse_id}", response={200: WarehouseOut, **ERRORS})
def get_warehouse(request, warehouse_id: int):
    return selectors.warehouse_get(user=request.user, warehouse_id=warehouse_id)


@router.patch("/warehouses/{warehouse_id}", response={200: WarehouseOut, **ERRORS})
def update_warehouse(request, warehouse_id: int, payload: WarehousePatch):
    services.warehouse_update(
        warehouse_id=warehouse_id, by=request.user, data=payload.model_dump(exclude_unset=True)
    )
    return selectors.warehouse_get(user=request.user, warehouse_id=warehouse_id)


@router.get("/locations", response={200: list[LocationOut], **ERRORS})
@paginate
def list_locations(request, warehouse: int | None = None):
    return selectors.location_list(user=request.user, warehouse_id=warehouse)


@router.post("/locations", response={201: LocationOut, **ERRORS})
def create_location(request, payload: LocationIn):
    location = services.location_create(by=request.user, data=payload.model_dump())
    return Status(201, location)


@router.patch("/locations/{location_id}", response={200: LocationOut, **ERRORS})
def update_location(request, location_id: int, payload: LocationPatch):
    selectors.location_get(user=request.user, location_id=location_id)
    return services.location_update(
        location_id=location_id, by=request.user, data=payload.model_dump(exclude_unset=True)
    )


@router.get("/stock-rules", response={200: list[RuleOut], **ERRORS})
@paginate
def list_rules(request, filters: Query[RuleFilterIn]):
    return selectors.stock_rule_list(user=request.user, warehouse_id=filters.warehouse, q=filters.q or "")


@router.put("/stock-rules", response={200: RuleOut, **ERRORS})
def set_rule(request, payload: RuleIn):
    """Set (create or replace) the minimum and maximum of a product in a warehouse."""
    rule = services.stock_rule_set(by=request.user, data=payload.model_dump())
    return selectors.stock_rule_get(user=request.user, rule_id=rule.pk)


@router.delete("/stock-rules/{rule_id}", response={204: None, **ERRORS})
def delete_rule(request, rule_id: int):
    selectors.stock_rule_get(user=request.user, rule_id=rule_id)
    services.stock_rule_delete(rule_id=rule_id, by=request.user)
    return Status(204, None)
