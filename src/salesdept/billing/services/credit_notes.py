"""Writes of credit notes 红字发票 (F2/F5): the correction of an ISSUED invoice.

A credit note is an `Invoice` of kind credit_note whose `corrects` is the invoice. Its lines are
lines of that invoice: a quantity line (goods not owed after all: quantity ≤ what the invoice
line invoiced less what earlier credit notes took back; same unit price) or an amount-only
price correction (quantity 0, an amount ≤ what is left of the line's amount). Its total may not
exceed what the invoice has not been credited yet (total − credited); where that is more than
the invoice still owes, the approval first gives the difference paid on it back to the
customer's credit (services.refunds: refundable, or for the next invoice — 退房/换房). It takes its number
from the same IV sequence as invoices: one document model numbers one way (I8), and the kind
tells them apart; the official red-letter number 发票号码 is registered at approval.

It is submitted and approved by the same functions as an invoice (services.invoices): the
approval posts the reverse entry (Dr 6001 net, Dr 2221 tax, Cr 1122 total), raises the
invoice's credited amount and lowers the order lines' invoiced quantity for quantity lines."""

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.events import log
from salesdept.core.numbering import next_number
from salesdept.core.permissions import require
from salesdept.shipping.models import ReturnAuthorisation, ReturnStatus

from ..models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus
from ..money import line_money, tax_of
from ..selectors.invoices import credited_per_line, on_order
from .invoices import (
    HEADER,
    _data,
    _invoice_no,
    invoice_for_update,
    lock_order,
    parse_date,
    parse_decimal,
    parse_text,
    save_lines,
    set_totals,
)

__all__ = [
    "credit_note_create",
    "credit_note_from_return",
    "credit_note_lines",
    "over_outstanding",
    "refuse_over_credit",
]

ZERO = Decimal("0")
LINE_KEYS = {"invoice_line_id", "quantity", "amount"}


def credit_note_lines(note: Invoice, original: Invoice, rows) -> list[InvoiceLine]:
    """Lines from rows of {invoice_line_id, quantity} or {invoice_line_id, amount}; None = the
    whole of every line not yet credited."""
    sources = {x.pk: x for x in original.lines.select_related("product").order_by("position", "pk")}
    credited = credited_per_line(original)
    if rows is None:
        rows = []
        for x in sources.values():
            done_q, _done_a = credited.get(x.order_line_id, (ZERO, ZERO))
            if x.quantity - done_q > 0:
                rows.append({"invoice_line_id": x.pk, "quantity": x.quantity - done_q})
        if not rows:
            raise DomainError("nothing_to_credit", _("Everything of this invoice is already credited."))
    if not isinstance(rows, list | tuple) or not rows:
        raise ValidationFailed({"lines": _("A credit note needs at least one line.")})
    built, seen = [], set()
    for index, row in enumerate(rows, start=1):
        prefix = f"lines.{index}"
        if not isinstance(row, dict):
            raise ValidationFailed({prefix: _("Enter a line.")})
        if unknown := set(row) - LINE_KEYS:
            raise ValidationFailed({f"{prefix}.{sorted(unknown)[0]}": _("This field cannot be set here.")})
        raw = row.get("invoice_line_id")
        source = sources.get(int(raw)) if str(raw or "").isdigit() else None
        if source is None:
            raise ValidationFailed({f"{prefix}.invoice_line": _("Choose a line of the invoice.")})
        if source.pk in seen:
            raise ValidationFailed(
                {f"{prefix}.invoice_line": _("Each invoice line appears once on a credit note.")}
            )
        seen.add(source.pk)
        has_qty = row.get("quantity") not in (None, "")
        has_amount = row.get("amount") not in (None, "")
        if has_qty == has_amount:
            raise ValidationFailed(
                {f"{prefix}.quantity": _("Enter either a quantity to take back or an amount to correct.")}
            )
        if has_qty:
            quantity = parse_decimal(row["quantity"], f"{prefix}.quantity", places=3, positive=True)
            price = source.unit_price
            amount, tax = line_money(quantity, price, source.tax_rate)
        else:
            quantity, price = ZERO, ZERO
            amount = parse_decimal(row["amount"], f"{prefix}.amount", places=2, positive=True)
            tax = tax_of(amount, source.tax_rate)
        built.append(
            InvoiceLine(
                invoice=note,
                position=index,
                order_line_id=source.order_line_id,
                product_id=source.product_id,
                quantity=quantity,
                unit_price=price,
                tax_rate=source.tax_rate,
                amount=amount,
                tax_amount=tax,
            )
        )
    return built


def over_outstanding(note: Invoice, original: Invoice) -> DomainError:
    left = original.total_amount - original.credited_amount
    return DomainError(
        "credit_exceeds_outstanding",
        _("The credit note's total %(total)s is more than invoice %(number)s has left to credit (%(left)s).")
        % {"total": note.total_amount, "left": left, "number": original.number},
        extra={"outstanding": str(left), "total": str(note.total_amount)},
    )


def refuse_over_credit(note: Invoice, original: Invoice, lines: list[InvoiceLine]) -> None:
    """409 over_credit naming the first line beyond what its invoice line has uncredited, and
    409 credit_exceeds_outstanding when the total is beyond what the invoice has outstanding."""
    if original.status != InvoiceStatus.ISSUED or original.kind != InvoiceKind.INVOICE:
        raise DomainError("not_creditable", _("Only issued invoices are corrected with a credit note."))
    sources = {x.order_line_id: x for x in original.lines.all()}
    credited = credited_per_line(original, exclude_id=note.pk)
    for line in lines:
        source = sources[line.order_line_id]
        done_q, done_a = credited.get(line.order_line_id, (ZERO, ZERO))
        if line.quantity > source.quantity - done_q or line.amount > source.amount - done_a:
            over_qty = line.quantity > source.quantity - done_q
            raise DomainError(
                "over_credit",
                _("Line %(pos)s: more than invoice line %(src)s has left to credit (%(left)s).")
                % {
                    "pos": line.position,
                    "src": source.position,
                    "left": format((source.quantity - done_q).normalize(), "f")
                    if over_qty
                    else source.amount - done_a,
                },
                fields={
                    f"lines.{line.position}.{'quantity' if over_qty else 'amount'}": _(
                        "More than is left to credit."
                    )
                },
                extra={"line": line.position, "invoice_line": source.pk},
            )
    total = sum((x.amount for x in lines), ZERO)
    if total > original.total_amount - original.credited_amount:
        note.total_amount = total
        raise over_outstanding(note, original)


@transaction.atomic
def credit_note_create(*, by, invoice_id: int, data: dict | None = None) -> Invoice:
    """A draft credit note correcting the ISSUED invoice `invoice_id` (visible to `by`).
    `data`: lines ([{invoice_line_id, quantity} | {invoice_line_id, amount}], default: all that
    is not yet credited), invoiced_on (today), notes, invoice_no (the red-letter number, optional
    until approval)."""
    require(by, "billing.add_invoice")
    data = _data(data)
    if unknown := set(data) - HEADER - {"lines"} | ({"due_on"} & set(data)):
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})
    # locks in the approval's order: the sales order, then the corrected invoice
    peek = get_object_or_404(visible(Invoice.objects, by).only("pk", "order_id"), pk=invoice_id)
    lock_order(peek.order_id)
    original = invoice_for_update(invoice_id=invoice_id, user=by)
    if original.status != InvoiceStatus.ISSUED or original.kind != InvoiceKind.INVOICE:
        raise DomainError("not_creditable", _("Only issued invoices are corrected with a credit note."))
    note = Invoice(
        prepared_by=by,
        kind=InvoiceKind.CREDIT_NOTE,
        corrects=original,
        customer_id=original.customer_id,
        order_id=original.order_id,
        invoiced_on=parse_date(data.get("invoiced_on"), "invoiced_on", required=False)
        or timezone.localdate(),
        due_on=None,
        notes=parse_text(data, "notes", max_length=5000),
        invoice_no=_invoice_no(data.get("invoice_no")),
    )
    lines = credit_note_lines(note, original, data.get("lines"))
    refuse_over_credit(note, original, lines)
    set_totals(note, lines)
    note.number = next_number(Invoice.NUMBER_PREFIX)
    note.save()
    save_lines(note, lines, replace=False)
    log(note, "create", by=by, note=original.number)
    return note


# --- from a return (F5) ----------------------------------------------------------------------


@transaction.atomic
def over_invoiced(order, order_line_ids: list[int]) -> dict[int, Decimal]:
    """Per order line: how much it is invoiced beyond what the customer keeps — shipped (net of
    returns), or ordered less returned where the contract invoices on order — less what credit
    notes waiting for approval already take back. What a return may still credit."""
    by_order = on_order(order)
    pending: dict[int, Decimal] = defaultdict(Decimal)
    for order_line_id, quantity in InvoiceLine.objects.filter(
        order_line_id__in=order_line_ids,
        invoice__kind=InvoiceKind.CREDIT_NOTE,
        invoice__status__in=[InvoiceStatus.DRAFT, InvoiceStatus.SUBMITTED],
    ).values_list("order_line_id", "quantity"):
        pending[order_line_id] += quantity
    out = {}
    for line in order.lines.filter(pk__in=order_line_ids):
        kept = line.quantity - line.returned_quantity if by_order else line.shipped_quantity
        out[line.pk] = max(ZERO, line.invoiced_quantity - pending[line.pk] - kept)
    return out


def credit_note_from_return(*, by, return_id: int) -> list[Invoice]:
    """Draft the credit notes 红字发票 for the goods of a received return (shipping): per issued
    invoice of the order, newest first, the returned quantity of each order line it invoiced
    and has not credited yet — never more than the line is now invoiced beyond what the customer
    keeps (goods that came back before they were invoiced were never billed, so nothing of them
    is credited). Returns the drafts (none when nothing returned was invoiced); each is reviewed
    and approved like an invoice."""
    require(by, "billing.add_invoice")
    authorisation = get_object_or_404(visible(ReturnAuthorisation.objects, by), pk=return_id)
    if authorisation.status != ReturnStatus.RECEIVED:
        raise DomainError("return_not_received", _("Credit notes are made from a received return."))
    if (
        Invoice.objects.filter(return_authorisation=authorisation)
        .exclude(status=InvoiceStatus.CANCELLED)
        .exists()
    ):
        raise DomainError("already_credited", _("This return already has its credit notes."))
    order = lock_order(authorisation.order_id)
    left: dict[int, Decimal] = {}
    for line in authorisation.lines.select_related("shipment_line"):
        if line.shipment_line.order_line_id:
            key = line.shipment_line.order_line_id
            left[key] = left.get(key, ZERO) + line.quantity
    for order_line_id, over in over_invoiced(order, list(left)).items():
        left[order_line_id] = min(left[order_line_id], over)
    notes = []
    originals = Invoice.objects.filter(
        order_id=authorisation.order_id, kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED
    ).order_by("-invoiced_on", "-pk")
    for original in originals:
        credited = credited_per_line(original)
        rows = []
        for invoice_line in original.lines.order_by("position", "pk"):
            want = left.get(invoice_line.order_line_id, ZERO)
            done = credited.get(invoice_line.order_line_id, (ZERO, ZERO))[0]
            take = min(want, invoice_line.quantity - done)
            if take > 0:
                rows.append({"invoice_line_id": invoice_line.pk, "quantity": take})
                left[invoice_line.order_line_id] = want - take
        if rows:
            note = credit_note_create(
                by=by,
                invoice_id=original.pk,
                data={"lines": rows, "notes": str(_("Return %(number)s") % {"number": authorisation.number})},
            )
            Invoice.objects.filter(pk=note.pk).update(return_authorisation=authorisation)
            note.return_authorisation = authorisation
            notes.append(note)
    return notes
