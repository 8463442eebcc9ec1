"""The arithmetic of an invoice line (no database): amount = quantity × unit price (tax
included, 含税), tax = amount × rate ÷ (100 + rate), both rounded half-up to the fen; net =
amount − tax."""

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["CENT", "line_money", "tax_of"]

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def tax_of(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate / (HUNDRED + rate)).quantize(CENT, ROUND_HALF_UP)


def line_money(quantity: Decimal, unit_price: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(amount, tax) of `quantity` at `unit_price` with `rate` percent VAT included."""
    amount = (quantity * unit_price).quantize(CENT, ROUND_HALF_UP)
    return amount, tax_of(amount, rate)
