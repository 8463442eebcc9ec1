"""Input of shipments (F1): checking the header and the lines a clerk or a script sends, the
defaults (every open order line, from where the stock is free), and I6 — what is still open per
order line (ordered − shipped − what live shipments hold) and the over-shipping refusal. Used by
services.shipments inside its transactions (the order row locked by the caller)."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.catalog.models import Product
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.numbering import next_number
from salesdept.sales.models import SalesOrder, SalesOrderLine
from salesdept.warehouse.models import Location, Quality, StockLot, Warehouse
from salesdept.warehouse.services import inputs

from ..models import Shipment, ShipmentLine, ShipmentStatus, ShippingMethod

__all__ = ["LIVE", "Errors", "open_quantities", "refuse_over_shipping", "suggest_sources", "write"]

ZERO = Decimal("0")
CENT = Decimal("0.01")
MILLI = Decimal("0.001")
LIVE = (ShipmentStatus.DRAFT, ShipmentStatus.SUBMITTED)  # hold order quantities
HEADER_FIELDS = {
    "warehouse",
    "method",
    "promised_on",
    "carrier",
    "tracking_number",
    "ship_to",
    "notes",
    "lines",
}
LINE_FIELDS = {"order_line", "product", "quantity", "location", "lot", "is_gift"}
ONE_PER_SERIAL = {Product.Kind.SERIAL, Product.Kind.UNIT}
MAX_LINES = 500


class Errors:
    """Collects field errors so a form shows all of them at once."""

    def __init__(self):
        self.fields: dict = {}

    def run(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as exc:
            for name, message in exc.fields.items():
                self.fields.setdefault(name, message)
            return None

    def add(self, field: str, message) -> None:
        self.fields.setdefault(field, message)

    def raise_any(self) -> None:
        if self.fields:
            raise ValidationFailed(self.fields)


def open_quantities(order_id: int, *, exclude_shipment: int | None = None) -> dict[int, Decimal]:
    """Per order line: ordered − shipped − what live (draft, submitted) shipments other than
    `exclude_shipment` hold (one query)."""
    live = Q(shipment_lines__shipment__status__in=LIVE)
    if exclude_shipment is not None:  # (an aggregate's filter joins, it never splits a subquery)
        live &= ~Q(shipment_lines__shipment_id=exclude_shipment)
    zero = Value(ZERO, output_field=SalesOrderLine._meta.get_field("quantity"))
    rows = (
        SalesOrderLine.objects.filter(order_id=order_id)
        .annotate(held=Coalesce(Sum("shipment_lines__quantity", filter=live), zero))
        .values_list("pk", "quantity", "shipped_quantity", "held")
    )
    # SQLite adds decimals as floats: back to the column's precision
    return {
        pk: quantity - shipped - Decimal(str(held)).quantize(MILLI) for pk, quantity, shipped, held in rows
    }


def suggest_sources(
    warehouse_id: int, product: Product, quantity: Decimal, taken: dict | None = None
) -> list[tuple[int, str, Decimal]]:
    """Where `quantity` of `product` can come from in the warehouse: (location id, lot, quantity)
    from accepted stock not reserved, the fullest location first (serials: one row per piece).
    May add up to less than `quantity` when there is not enough. `taken` — {(product, location,
    lot): quantity} of what earlier lines of the same shipment were given — is not offered
    again, and is updated with what this call gives."""
    taken = {} if taken is None else taken
    lots = (
        StockLot.objects.filter(
            product=product,
            location__warehouse_id=warehouse_id,
            location__is_active=True,
            quality=Quality.ACCEPTED,
            quantity__gt=F("reserved"),
        )
        .exclude(location__kind=Location.Kind.QUARANTINE)
        .annotate(free=F("quantity") - F("reserved"))
        .order_by("-free", "location__code", "lot")
        .values_list("location_id", "lot", "free")
    )
    out, left = [], quantity
    for location_id, lot, free in lots:
        if left <= 0:
            break
        key = (product.pk, location_id, lot)
        free = Decimal(str(free)).quantize(MILLI) - taken.get(key, ZERO)  # SQLite: floats
        if free <= 0:
            continue
        take = Decimal("1") if product.kind in ONE_PER_SERIAL else min(free, left)
        out.append((location_id, lot, take))
        taken[key] = taken.get(key, ZERO) + take
        left -= take
    return out


# --- validating input ------------------------------------------------------------------------


def _header(shipment: Shipment, order: SalesOrder, data: dict, errors: Errors, *, creating: bool) -> None:
    if creating or "warehouse" in data:
        raw = data.get("warehouse")
        if raw in (None, "") and creating:
            only = list(Warehouse.objects.filter(is_active=True).values_list("pk", flat=True)[:2])
            raw = only[0] if len(only) == 1 else None
        warehouse_id = errors.run(inputs.ident, raw, "warehouse")
        if warehouse_id is not None:
            warehouse = Warehouse.objects.filter(pk=warehouse_id, is_active=True).first()
            if warehouse is None:
                errors.add("warehouse", _("Choose an active warehouse."))
            else:
                shipment.warehouse = warehouse
    if creating or "method" in data:
        method = errors.run(
            inputs.choice, data.get("method"), "method", ShippingMethod, default=ShippingMethod.OWN
        )
        if method is not None:
            shipment.method = method
    if creating or "promised_on" in data:
        promised = errors.run(inputs.date, data.get("promised_on"), "promised_on", required=not creating)
        if creating and promised is None and "promised_on" not in errors.fields:
            promised = order.wanted_on or timezone.localdate()
        if promised is not None:
            shipment.promised_on = promised
    for field, length in (("carrier", 100), ("tracking_number", 100), ("ship_to", 300), ("notes", 5000)):
        if field in data:
            value = errors.run(inputs.text, data, field, max_length=length)
            if value is not None:
                setattr(shipment, field, value)
    if creating and "ship_to" not in data:
        shipment.ship_to = (order.customer.address or "")[:300]
    if shipment.method == ShippingMethod.CARRIER and not shipment.carrier:
        errors.add("carrier", _("A shipment by carrier needs the carrier's name."))


def _default_rows(shipment: Shipment, order_lines: dict, open_: dict) -> list[dict]:
    """Every open order line for what is still open, from where the stock is free."""
    rows, given = [], {}
    for line in sorted(order_lines.values(), key=lambda x: (x.position, x.pk)):
        left = open_.get(line.pk, ZERO)
        if left <= 0 or line.product.kind == Product.Kind.SERVICE:
            continue
        wh = shipment.warehouse_id
        sources = suggest_sources(wh, line.product, left, given) if wh else []
        for location_id, lot, quantity in sources:
            rows.append({"order_line": line.pk, "quantity": quantity, "location": location_id, "lot": lot})
        taken = sum((q for _l, _t, q in sources), ZERO)
        if taken < left:  # the rest without a source: the clerk is told to choose one
            rows.append({"order_line": line.pk, "quantity": left - taken})
    return rows


def _line(shipment, row, index: int, errors: Errors, order_lines: dict, products: dict, locations: dict):
    """One unsaved line from `row`, or None when it has errors (collected in `errors`)."""
    p = f"lines.{index}"
    if not isinstance(row, dict):
        errors.add(p, _("Enter a line."))
        return None
    before = len(errors.fields)
    for name in sorted(set(row) - LINE_FIELDS):
        errors.add(f"{p}.{name}", _("This field cannot be set here."))
    is_gift = errors.run(inputs.boolean, row.get("is_gift"), f"{p}.is_gift", default=False)
    line = ShipmentLine(shipment=shipment, position=index, is_gift=bool(is_gift))
    product = None
    order_line = None
    if is_gift:
        if row.get("order_line") not in (None, ""):
            errors.add(f"{p}.order_line", _("A gift is not a line of the order; leave the order line empty."))
        product_id = errors.run(inputs.ident, row.get("product"), f"{p}.product")
        if product_id is not None:
            product = products.get(product_id)
            if product is None or not product.is_active:
                errors.add(f"{p}.product", _("Select a valid choice."))
                product = None
    else:
        line_id = errors.run(inputs.ident, row.get("order_line"), f"{p}.order_line")
        if line_id is not None:
            order_line = order_lines.get(line_id)
            if order_line is None:
                errors.add(f"{p}.order_line", _("Choose a line of this order."))
            else:
                product = order_line.product
                line.order_line = order_line
                line.unit_price = order_line.unit_price
                given = row.get("product")
                if given not in (None, "") and str(given).strip() != str(order_line.product_id):
                    errors.add(
                        f"{p}.product",
                        _("Line %(pos)s: the product must be the order line's product, %(product)s.")
                        % {"pos": index, "product": order_line.product.name},
                    )
    if product is not None:
        if product.kind == Product.Kind.SERVICE:
            errors.add(
                f"{p}.product",
                _("Line %(pos)s: %(product)s is a service and is not shipped.")
                % {"pos": index, "product": product.name},
            )
        else:
            line.product = product
    quantity = errors.run(inputs.decimal, row.get("quantity"), f"{p}.quantity", positive=True)
    if quantity is not None:
        line.quantity = quantity
    line.lot = errors.run(inputs.text, row, f"{p}.lot", max_length=60, key="lot") or ""
    if product is not None and product.kind in ONE_PER_SERIAL:
        if not line.lot:
            errors.add(
                f"{p}.lot",
                _("Line %(pos)s: %(product)s is tracked by serial number; enter it.")
                % {"pos": index, "product": product.name},
            )
        if quantity is not None and quantity != 1:
            errors.add(
                f"{p}.quantity",
                _("Line %(pos)s: one serial number is one piece; the quantity is 1.") % {"pos": index},
            )
    location_id = errors.run(inputs.ident, row.get("location"), f"{p}.location")
    if location_id is not None:
        location = locations.get(location_id)
        if (
            location is None
            or not location.is_active
            or location.warehouse_id != getattr(shipment, "warehouse_id", None)
        ):
            errors.add(f"{p}.location", _("Choose an active location of this shipment's warehouse."))
        else:
            line.location = location
    if len(errors.fields) != before:
        return None
    line.amount = ZERO if line.is_gift else (line.quantity * line.unit_price).quantize(CENT)
    return line


def _ids(rows, key: str) -> set[int]:
    out = set()
    for row in rows:
        if isinstance(row, dict):
            value = row.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                out.add(value)
            elif isinstance(value, str) and value.strip().isdigit():
                out.add(int(value))
    return out


def _lines(shipment: Shipment, order: SalesOrder, rows, errors: Errors, open_: dict) -> list[ShipmentLine]:
    order_lines = {line.pk: line for line in order.lines.select_related("product")}
    if rows is None:
        rows = _default_rows(shipment, order_lines, open_)
        if not rows:
            errors.add("lines", _("Nothing of this order is left to ship."))
            return []
    if not isinstance(rows, list | tuple) or not rows:
        errors.add("lines", _("A shipment needs at least one line."))
        return []
    if len(rows) > MAX_LINES:
        errors.add("lines", _("At most 500 lines per shipment."))
        return []
    products = Product.objects.in_bulk(_ids(rows, "product"))
    locations = Location.objects.in_bulk(_ids(rows, "location"))
    built = [
        _line(shipment, row, i, errors, order_lines, products, locations)
        for i, row in enumerate(rows, start=1)
    ]
    lines = [line for line in built if line is not None]
    serials: dict[tuple, int] = {}
    for line in lines:
        if line.product.kind in ONE_PER_SERIAL:
            key = (line.product_id, line.lot)
            if key in serials:
                errors.add(
                    f"lines.{line.position}.lot",
                    _("Line %(pos)s: serial number %(lot)s is already on line %(other)s.")
                    % {"pos": line.position, "lot": line.lot, "other": serials[key]},
                )
            serials.setdefault(key, line.position)
    if lines and len(lines) == len(built) and all(line.is_gift for line in lines):
        errors.add("lines", _("A shipment needs at least one line of the order."))
    return lines


def refuse_over_shipping(lines: list[ShipmentLine], open_: dict) -> None:
    """409 over_shipping naming the first line whose order line would ship beyond what is open."""
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    last: dict[int, ShipmentLine] = {}
    for line in lines:
        if line.order_line_id:
            wanted[line.order_line_id] += line.quantity
            last[line.order_line_id] = line
    for order_line_id, quantity in wanted.items():
        left = open_.get(order_line_id, ZERO)
        if quantity > left:
            line = last[order_line_id]
            values = {
                "pos": line.position,
                "order_pos": line.order_line.position,
                "product": line.product.name,
                "wanted": quantity.normalize(),
                "open": max(left, ZERO).normalize(),
            }
            message = (
                _(
                    "Line %(pos)s (%(product)s): %(wanted)s would be shipped, only %(open)s of order line "
                    "%(order_pos)s are still open (counting other shipments being prepared)."
                )
                % values
            )
            raise DomainError(
                "over_shipping",
                message,
                fields={f"lines.{line.position}.quantity": message},
                extra={"line": line.position, "order_line": order_line_id, "open": str(values["open"])},
            )


def write(shipment: Shipment, order: SalesOrder, data, *, creating: bool) -> list[ShipmentLine] | None:
    """Check `data` and save the shipment and (when given or created) its lines. The order row
    is locked by the caller."""
    if not isinstance(data, dict):
        raise ValidationFailed({"data": _("Send an object of fields.")})
    errors = Errors()
    for name in sorted(set(data) - HEADER_FIELDS):
        errors.add(name, _("This field cannot be set here."))
    _header(shipment, order, data, errors, creating=creating)
    lines = None
    open_ = open_quantities(order.pk, exclude_shipment=shipment.pk)
    if creating or "lines" in data:
        if getattr(shipment, "warehouse_id", None) is None:
            errors.add("lines", _("Choose the warehouse first."))
        else:
            lines = _lines(shipment, order, data.get("lines"), errors, open_)
    errors.raise_any()
    if lines is not None:
        refuse_over_shipping(lines, open_)
        shipment.amount = sum((line.amount for line in lines), ZERO)
    if creating:
        shipment.number = next_number(Shipment.NUMBER_PREFIX)
    else:
        shipment.version += 1
    shipment.save()
    if lines is not None:
        if not creating:
            shipment.lines.all().delete()
        ShipmentLine.objects.bulk_create(lines)
    return lines
