"""API of stock levels (W4), mounted at /api/v1/warehouse/levels: products under their minimum with
the quantity to bring them to the maximum (/under-min), turnover days per product over a period
(/turnover) and slow-moving stock with its value (/slow-moving); each optionally of one
warehouse, paged. Reads go through selectors.levels."""

import datetime
from decimal import Decimal
from typing import Annotated

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import PlainSerializer

from salesdept.core.pagination import paginate

from ..selectors import levels as selectors
from .stock import Amount, Qty

router = Router(tags=["stock levels"])

Days = Annotated[
    Decimal, PlainSerializer(lambda v: str(Decimal(v).quantize(Decimal("0.1"))), return_type=str)
]


class UnderMinOut(Schema):
    id: int
    product_id: int
    product_code: str = Field(..., alias="product.code")
    product_name: str = Field(..., alias="product.name")
    unit: str = Field(..., alias="product.uom")
    warehouse_id: int
    warehouse_code: str = Field(..., alias="warehouse.code")
    min_quantity: Qty
    max_quantity: Qty
    on_hand: Qty = Field(..., description="accepted stock in the warehouse")
    to_order: Qty = Field(..., description="maximum − on hand")


class TurnoverOut(Schema):
    product_id: int = Field(..., alias="product.pk")
    product_code: str = Field(..., alias="product.code")
    product_name: str = Field(..., alias="product.name")
    unit: str = Field(..., alias="product.uom")
    opening: Qty
    closing: Qty
    average: Qty
    issued: Qty
    days: int
    daily_issue: Qty
    turnover_days: Days | None = Field(None, description="null when nothing was issued")


class SlowOut(Schema):
    product_id: int = Field(..., alias="product.pk")
    product_code: str = Field(..., alias="product.code")
    product_name: str = Field(..., alias="product.name")
    unit: str = Field(..., alias="product.uom")
    quantity: Qty
    value: Amount
    last_issue_on: datetime.date | None
    idle_since: datetime.date | None
    idle_days: int | None


@router.get("/under-min", response=list[UnderMinOut])
@paginate
def under_min(
    request,
    warehouse: int | None = None,
    q: str | None = Query(None, max_length=100),
    all: bool = Query(False, description="every rule, not only those under the minimum"),
    sort: str = Query("warehouse", max_length=20, description=" | ".join(selectors.UNDER_MIN_SORTS)),
):
    """Stock rules whose accepted stock in the warehouse is under the minimum."""
    return selectors.under_min(
        user=request.user, warehouse_id=warehouse, q=q or "", include_all=all, sort=sort
    )


@router.get("/turnover", response=list[TurnoverOut])
@paginate
def turnover(
    request,
    date_from: datetime.date | None = Query(None, description="default: 89 days before date_to"),
    date_to: datetime.date | None = Query(None, description="default: today"),
    warehouse: int | None = None,
    q: str | None = Query(None, max_length=100),
    sort: str = Query("product", max_length=20, description=" | ".join(selectors.TURNOVER_SORTS)),
):
    """Turnover days per product: average stock ((opening + closing) / 2) ÷ average daily issue."""
    date_to = date_to or timezone.localdate()
    date_from = date_from or date_to - datetime.timedelta(days=89)
    return selectors.turnover(
        user=request.user, date_from=date_from, date_to=date_to, warehouse_id=warehouse, q=q or "", sort=sort
    )


@router.get("/slow-moving", response=list[SlowOut])
@paginate
def slow_moving(
    request,
    days: int = Query(90, ge=1, le=selectors.MAX_PERIOD_DAYS),
    warehouse: int | None = None,
    q: str | None = Query(None, max_length=100),
    sort: str = Query("-idle_days", max_length=20, description=" | ".join(selectors.SLOW_SORTS)),
):
    """Products with stock and no issue for more than `days` days, with quantity and value;
    the longest idle first unless `sort`."""
    return selectors.slow_moving(user=request.user, days=days, warehouse_id=warehouse, q=q or "", sort=sort)
