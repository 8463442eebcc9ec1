"""Reads of invoices and credit notes (F2), from the scope rule (X1) like every read: the
registry 发票登记 (list), one invoice, what an order still has to invoice, and the automatic
check 自动核对 of an invoice against its order and what was shipped and not yet invoiced.

The check is a read: the approval service runs the same function under its locks, so what the
page shows (✓/✗ per line) is what the approval decides on."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from salesdept.accounts.scope import visible
from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require
from salesdept.sales.models import OrderStatus, SalesOrder, SalesOrderLine

from ..filters_invoices import InvoiceFilter
from ..models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus
from ..money import line_money

__all__ = [
    "CheckLine",
    "Invoiceable",
    "credited_per_line",
    "invoice_check",
    "invoice_get",
    "invoice_list",
    "invoiceable",
    "invoiceable_lines",
    "mismatches",
    "order_for_invoicing",
]

ZERO = Decimal("0")


def invoice_list(*, user, filters=None) -> QuerySet[Invoice]:
    """Invoices and credit notes `user` may see, filtered and sorted (filters_invoices), newest
    first."""
    require(user, "billing.view_invoice")
    base = visible(Invoice.objects, user).select_related("customer", "order", "corrects")
    filterset = InvoiceFilter(filters if filters is not None else {}, queryset=base)
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    qs = filterset.qs
    if not (filters or {}).get("sort"):
        qs = qs.order_by("-invoiced_on", "-pk")
    return qs


def invoice_get(*, user, invoice_id: int) -> Invoice:
    require(user, "billing.view_invoice")
    qs = visible(Invoice.objects, user).select_related(
        "customer", "order", "order__owner", "order__contract", "corrects", "prepared_by"
    )
    return get_object_or_404(qs, pk=invoice_id)


def invoice_lines(invoice: Invoice) -> list[InvoiceLine]:
    return list(invoice.lines.select_related("product", "order_line"))


def order_for_invoicing(*, user, order_id: int) -> SalesOrder:
    """The order (visible to `user`) an invoice is prepared from."""
    require(user, "billing.view_invoice")
    qs = visible(SalesOrder.objects, user).select_related("customer", "contract")
    return get_object_or_404(qs, pk=order_id)


# --- what is invoiceable ---------------------------------------------------------------------


def on_order(order: SalesOrder) -> bool:
    """Whether the order invoices what was ordered (its contract says so) rather than shipped."""
    return bool(order.contract_id and order.contract.invoice_on_order)


def invoiceable(line: SalesOrderLine, *, by_order: bool) -> Decimal:
    """What may still be invoiced of an order line: shipped (net of returns: a received return
    moves quantity from shipped to returned) or, by contract, ordered less what came back; less
    what is already invoiced net of credit notes — never below zero."""
    base = line.quantity - line.returned_quantity if by_order else line.shipped_quantity
    return max(base - line.invoiced_quantity, ZERO)


@dataclass
class Invoiceable:
    line: SalesOrderLine
    quantity: Decimal

    @property
    def amount(self) -> Decimal:
        return line_money(self.quantity, self.line.unit_price, self.line.tax_rate)[0]


def invoiceable_lines(order: SalesOrder, *, all_lines: bool = False) -> list[Invoiceable]:
    """Per order line, what may still be invoiced (only lines with something left, unless
    `all_lines`)."""
    by_order = on_order(order)
    rows = [
        Invoiceable(line, invoiceable(line, by_order=by_order))
        for line in order.lines.select_related("product").order_by("position", "pk")
    ]
    return rows if all_lines else [r for r in rows if r.quantity > 0]


def order_invoiceable(*, user, order_id: int) -> tuple[SalesOrder, list[Invoiceable]]:
    order = order_for_invoicing(user=user, order_id=order_id)
    if order.status != OrderStatus.CONFIRMED:
        return order, []
    return order, invoiceable_lines(order)


# --- the automatic check ---------------------------------------------------------------------


@dataclass
class CheckLine:
    """One invoice line checked: `problems` is a list of {code, field, message} (empty = ✓)."""

    line: InvoiceLine
    expected: dict = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def credited_per_line(invoice: Invoice, *, exclude_id: int | None = None) -> dict[int, tuple]:
    """Per order line of `invoice`: (quantity, amount) of its ISSUED credit notes' lines."""
    qs = InvoiceLine.objects.filter(
        invoice__corrects=invoice, invoice__status=InvoiceStatus.ISSUED, invoice__kind=InvoiceKind.CREDIT_NOTE
    )
    if exclude_id:
        qs = qs.exclude(invoice_id=exclude_id)
    out = {}
    for row in qs.values("order_line_id").annotate(q=Sum("quantity"), a=Sum("amount")):
        out[row["order_line_id"]] = (row["q"] or ZERO, row["a"] or ZERO)
    return out


def _problem(code: str, name: str, message: str) -> dict:
    return {"code": code, "field": name, "message": message}


def invoice_check(invoice: Invoice) -> list[CheckLine]:
    """The automatic check, line by line. An invoice line must name the order line's product
    and price (unit price, tax rate), and its quantity — together with the other lines of this
    invoice for the same order line — must not exceed what is invoiceable now (shipped, or
    ordered where the contract invoices on order, less what issued invoices and credit notes
    left invoiced). A credit note line must match its invoice's line and stay within what that
    line still has uncredited."""
    lines = invoice_lines(invoice)
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        return _credit_note_check(invoice, lines)
    order = invoice.order
    by_order = on_order(order)
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        wanted[line.order_line_id] += line.quantity
    out = []
    for line in lines:
        ol = line.order_line
        left = invoiceable(ol, by_order=by_order)
        check = CheckLine(
            line,
            expected={
                "product": ol.product_id,
                "unit_price": ol.unit_price,
                "tax_rate": ol.tax_rate,
                "quantity": left,
            },
        )
        if ol.order_id != invoice.order_id:
            check.problems.append(
                _problem("order_line", "order_line", _("The line is not a line of the invoice's order."))
            )
        if line.product_id != ol.product_id:
            check.problems.append(
                _problem(
                    "product_mismatch",
                    "product",
                    _("Product %(invoiced)s is not the order line's product %(ordered)s.")
                    % {"invoiced": line.product.code, "ordered": ol.product.code},
                )
            )
        if line.unit_price != ol.unit_price:
            check.problems.append(
                _problem(
                    "price_mismatch",
                    "unit_price",
                    _("Unit price %(invoiced)s differs from the order's %(ordered)s.")
                    % {"invoiced": line.unit_price, "ordered": ol.unit_price},
                )
            )
        if line.tax_rate != ol.tax_rate:
            check.problems.append(
                _problem(
                    "tax_rate_mismatch",
                    "tax_rate",
                    _("Tax rate %(invoiced)s%% differs from the order's %(ordered)s%%.")
                    % {"invoiced": line.tax_rate, "ordered": ol.tax_rate},
                )
            )
        if wanted[ol.pk] > left:
            basis = _("ordered") if by_order else _("shipped")
            check.problems.append(
                _problem(
                    "over_invoicing",
                    "quantity",
                    _("Quantity %(invoiced)s is more than the %(left)s %(basis)s and not yet invoiced.")
                    % {"invoiced": _qty(wanted[ol.pk]), "left": _qty(left), "basis": basis},
                )
            )
        out.append(check)
    return out


def _credit_note_check(note: Invoice, lines: list[InvoiceLine]) -> list[CheckLine]:
    original = note.corrects
    originals = {x.order_line_id: x for x in original.lines.select_related("product")}
    credited = credited_per_line(original, exclude_id=note.pk)
    wanted_q: dict[int, Decimal] = defaultdict(Decimal)
    wanted_a: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        wanted_q[line.order_line_id] += line.quantity
        wanted_a[line.order_line_id] += line.amount
    out = []
    for line in lines:
        source = originals.get(line.order_line_id)
        check = CheckLine(line)
        if source is None:
            check.problems.append(
                _problem(
                    "not_on_invoice", "order_line", _("The line is not a line of the corrected invoice.")
                )
            )
            out.append(check)
            continue
        done_q, done_a = credited.get(line.order_line_id, (ZERO, ZERO))
        left_q, left_a = source.quantity - done_q, source.amount - done_a
        check.expected = {"product": source.product_id, "unit_price": source.unit_price, "quantity": left_q}
        if line.product_id != source.product_id:
            check.problems.append(
                _problem("product_mismatch", "product", _("The product is not the invoice line's product."))
            )
        if line.quantity and line.unit_price != source.unit_price:
            check.problems.append(
                _problem(
                    "price_mismatch",
                    "unit_price",
                    _("Unit price %(credited)s differs from the invoice's %(invoiced)s.")
                    % {"credited": line.unit_price, "invoiced": source.unit_price},
                )
            )
        if wanted_q[line.order_line_id] > left_q:
            check.problems.append(
                _problem(
                    "over_credit",
                    "quantity",
                    _("Quantity %(credited)s is more than the %(left)s invoiced and not yet credited.")
                    % {"credited": _qty(wanted_q[line.order_line_id]), "left": _qty(left_q)},
                )
            )
        if wanted_a[line.order_line_id] > left_a:
            check.problems.append(
                _problem(
                    "over_credit",
                    "amount",
                    _("Amount %(credited)s is more than the %(left)s invoiced and not yet credited.")
                    % {"credited": wanted_a[line.order_line_id], "left": left_a},
                )
            )
        out.append(check)
    return out


def mismatches(invoice: Invoice) -> list[dict]:
    """The check's failures, one row per problem: line, code, field, message (JSON-ready)."""
    return [
        {"line": c.line.position, "invoice_line": c.line.pk, "order_line": c.line.order_line_id, **p}
        for c in invoice_check(invoice)
        for p in c.problems
    ]


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f")


def open_drafts(order: SalesOrder) -> QuerySet[Invoice]:
    """Invoices of the order still being prepared or reviewed (the order page's hint)."""
    return Invoice.objects.filter(order=order).filter(
        Q(status=InvoiceStatus.DRAFT) | Q(status=InvoiceStatus.SUBMITTED)
    )
