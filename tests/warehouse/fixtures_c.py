"""Set-up for the stock, card, reconciliation and levels tests (helper C): warehouses, locations,
products and stock written the one way stock changes — a posted StockDocument with its lines
whose moves `ledger.post_moves()` writes — and stocktakes with their lines written straight
with the models (the code under test only reads them)."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from salesdept.catalog.models import Category, Product
from salesdept.core.numbering import next_number
from salesdept.warehouse.ledger import Change, post_moves
from salesdept.warehouse.models import (
    DocumentKind,
    Location,
    MoveKind,
    Purpose,
    Quality,
    Stock,
    StockDocument,
    StockDocumentLine,
    StockDocumentStatus,
    StockRule,
    Stocktake,
    StocktakeLine,
    Warehouse,
)

_n = itertools.count(1)
D = Decimal

PURPOSE = {
    DocumentKind.RECEIPT: Purpose.PURCHASE,
    DocumentKind.ISSUE: Purpose.SALE,
    DocumentKind.RETURN: Purpose.CUSTOMER_RETURN,
    DocumentKind.TRANSFER: Purpose.MOVE,
    DocumentKind.ADJUSTMENT: Purpose.CORRECTION,
}
MOVE_KIND = {
    DocumentKind.RECEIPT: MoveKind.RECEIPT,
    DocumentKind.ISSUE: MoveKind.ISSUE,
    DocumentKind.RETURN: MoveKind.RETURN,
    DocumentKind.ADJUSTMENT: MoveKind.ADJUSTMENT,
}


def make_warehouse(code: str | None = None) -> Warehouse:
    n = next(_n)
    code = code or f"WC{n:03d}"
    warehouse = Warehouse.objects.create(code=code, name=f"测试仓库{n}", name_en=f"Test warehouse {n}")
    Location.objects.create(warehouse=warehouse, code="A-01", name="A-01")
    Location.objects.create(warehouse=warehouse, code="B-01", name="B-01")
    Location.objects.create(warehouse=warehouse, code="QC", name="不合格品区", kind=Location.Kind.QUARANTINE)
    return warehouse


def loc(warehouse: Warehouse, code: str = "A-01") -> Location:
    return warehouse.locations.get(code=code)


def make_product(name: str | None = None, *, kind: str = Product.Kind.GOODS) -> Product:
    n = next(_n)
    category, _ = Category.objects.get_or_create(code="wc-test", defaults={"name": "仓库测试类别"})
    return Product.objects.create(
        code=f"WC-{n:05d}",
        name=name or f"液压泵{n}",
        name_en=f"Hydraulic pump {n}",
        category=category,
        kind=kind,
        uom="台",
        list_price=D("1000.00"),
    )


def post(
    kind: str,
    location: Location,
    lines: list[tuple],
    *,
    by,
    on: datetime.date | None = None,
    purpose: str | None = None,
) -> StockDocument:
    """Post a document of `kind` at `location`: lines are (product, quantity[, unit_cost[, quality
    [, lot]]]); quantities positive except for adjustments (signed). Returns the document."""
    on = on or timezone.localdate()
    with transaction.atomic():
        document = StockDocument.objects.create(
            number=next_number(StockDocument.NUMBER_PREFIX, year=on.year),
            prepared_by=by,
            kind=kind,
            purpose=purpose or PURPOSE[kind],
            warehouse=location.warehouse,
            moved_on=on,
            status=StockDocumentStatus.POSTED,
            posted_at=timezone.now(),
            posted_by=by,
        )
        changes = []
        for i, row in enumerate(lines, start=1):
            product, quantity, *rest = row
            unit_cost = rest[0] if len(rest) > 0 else None
            quality = rest[1] if len(rest) > 1 else Quality.ACCEPTED
            lot = rest[2] if len(rest) > 2 else ""
            line = StockDocumentLine.objects.create(
                document=document,
                position=i,
                product=product,
                lot=lot,
                quantity=D(quantity),
                location=location,
                quality=quality,
                unit_cost=unit_cost,
            )
            signed = -D(quantity) if kind == DocumentKind.ISSUE else D(quantity)
            value = None
            if unit_cost is not None and signed > 0:
                value = D(unit_cost) * signed
            changes.append(Change(line=line, quantity=signed, kind=MOVE_KIND[kind], value=value))
        post_moves(document, changes, by=by)
    return document


def receive(location, product, quantity, unit_cost="10.00", *, by, on=None, quality=Quality.ACCEPTED, lot=""):
    return post(
        DocumentKind.RECEIPT, location, [(product, quantity, D(unit_cost), quality, lot)], by=by, on=on
    )


def issue(location, product, quantity, *, by, on=None, quality=Quality.ACCEPTED, lot=""):
    return post(DocumentKind.ISSUE, location, [(product, quantity, None, quality, lot)], by=by, on=on)


def adjust(location, product, quantity, *, by, on=None, purpose=Purpose.CORRECTION):
    return post(DocumentKind.ADJUSTMENT, location, [(product, quantity)], by=by, on=on, purpose=purpose)


def count(
    location: Location,
    product: Product,
    counted,
    *,
    by,
    on: datetime.date | None = None,
    status: str = "draft",
    quality: str = Quality.ACCEPTED,
) -> Stocktake:
    """A spot check of `product` at `location`: the book snapshot now (book_quantity,
    book_move_id) and the counted quantity (None: not counted yet)."""
    on = on or timezone.localdate()
    stock = Stock.objects.filter(product=product, location=location).first()
    with transaction.atomic():
        stocktake = Stocktake.objects.create(
            number=next_number(Stocktake.NUMBER_PREFIX, year=on.year),
            prepared_by=by,
            kind=Stocktake.Kind.SPOT,
            warehouse=location.warehouse,
            location=location,
            counted_on=on,
            status=status,
        )
        StocktakeLine.objects.create(
            stocktake=stocktake,
            product=product,
            location=location,
            quality=quality,
            book_quantity=stock.quantity if stock else D("0"),
            book_move_id=stock.last_move_id if stock else None,
            counted_quantity=None if counted is None else D(counted),
            counted_by=by if counted is not None else None,
            counted_at=timezone.now() if counted is not None else None,
        )
    return stocktake


def rule(product, warehouse, minimum, maximum) -> StockRule:
    return StockRule.objects.create(
        product=product, warehouse=warehouse, min_quantity=D(minimum), max_quantity=D(maximum)
    )


@pytest.fixture
def wh(org):
    """Two warehouses (A-01, B-01 and QC in each)."""
    return make_warehouse("WC-EAST"), make_warehouse("WC-WEST")
