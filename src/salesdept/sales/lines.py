"""The arithmetic of a priced line, the same for quotations, contracts and orders.

A line is entered as list price + discount (%) or as list price + net unit price; the other is
derived. unit_price = list_price × (1 − discount / 100), amount = quantity × unit_price, both
rounded half-up to the fen (0.01), tax included (Chinese practice: prices are 含税). Nothing here
touches the database."""

from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "CENT",
    "PERCENT_PLACES",
    "PRICED_FIELDS",
    "copy_line",
    "discount_of",
    "line_amount",
    "net_price",
    "tax_of",
]

CENT = Decimal("0.01")
PERCENT_PLACES = Decimal("0.01")
HUNDRED = Decimal("100")


def net_price(list_price: Decimal, discount: Decimal) -> Decimal:
    """The unit price after `discount` percent off `list_price`."""
    return (list_price * (HUNDRED - discount) / HUNDRED).quantize(CENT, ROUND_HALF_UP)


def discount_of(list_price: Decimal, unit_price: Decimal) -> Decimal:
    """The discount (%) that `unit_price` gives off `list_price` (0 for a free list price;
    negative when the price is above the list price)."""
    if not list_price:
        return Decimal("0")
    return ((list_price - unit_price) * HUNDRED / list_price).quantize(PERCENT_PLACES, ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return (quantity * unit_price).quantize(CENT, ROUND_HALF_UP)


def tax_of(amount: Decimal, tax_rate: Decimal) -> Decimal:
    """The tax included in a tax-inclusive `amount` at `tax_rate` percent."""
    return (amount * tax_rate / (HUNDRED + tax_rate)).quantize(CENT, ROUND_HALF_UP)


# What a line carries from one document to the next (quotation → contract → order, a revision,
# an amendment): the priced fields, never the document or the id.
PRICED_FIELDS = (
    "product_id",
    "description",
    "quantity",
    "list_price",
    "discount",
    "unit_price",
    "tax_rate",
    "amount",
)


def copy_line(model, line, **fields):
    """An unsaved `model` line with the priced fields of `line` and the given `fields` (the
    document it belongs to, its position …)."""
    return model(**{name: getattr(line, name) for name in PRICED_FIELDS}, **fields)
