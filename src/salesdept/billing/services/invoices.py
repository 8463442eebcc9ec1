"""Writes of invoices 开票 (F2) and their review; credit notes 红字发票 are created in
services.credit_notes and reviewed by the same functions here.

An invoice is prepared (draft) from one confirmed order: per order line what is invoiceable —
shipped, or ordered where the contract says `invoice_on_order`, less what came back and what is
already invoiced net of credit notes. It is submitted, and approved by a second person
(双人复核, core.workflow). The approval first runs the automatic check (selectors.invoices.
invoice_check: product, unit price, tax rate and quantity against the order line and what is
invoiceable now); any mismatch refuses it (409 invoice_mismatch, or over_invoicing when a
quantity is beyond what is invoiceable) with the lines in `extra`. The last approval needs the
official invoice number 发票号码 (400 missing, 409 duplicate), moves the order lines' invoiced
quantity, posts Dr 1122 receivable / Cr 6001 revenue (net, per product) / Cr 2221 output VAT and
marks the invoice issued — one transaction, refused as a whole in a closed month.

Locks, always in this order: the invoice (or credit note) row, the sales order row, the
corrected invoice (credit notes), then the ledger."""

import datetime
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.catalog.models import Product
from salesdept.core import workflow
from salesdept.core.arithmetic import moved
from salesdept.core.errors import DomainError, ValidationFailed, refusal
from salesdept.core.events import log
from salesdept.core.numbering import next_number
from salesdept.core.permissions import require
from salesdept.ledger import codes
from salesdept.ledger.services import Posting, post_entry, refuse_closed
from salesdept.sales.models import OrderStatus, PaymentMilestone, SalesOrder, SalesOrderLine

from ..models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus
from ..money import line_money
from ..outstanding import outstanding_moved
from ..selectors.invoices import invoiceable, mismatches, on_order
from .facts import record_invoiced
from .refunds import release_paid

__all__ = [
    "DEFAULT_PAYMENT_DAYS",
    "due_date",
    "invoice_allowed_actions",
    "invoice_approve",
    "invoice_cancel",
    "invoice_create",
    "invoice_for_update",
    "invoice_reject",
    "invoice_submit",
    "invoice_update",
]

ZERO = Decimal("0")
DEFAULT_PAYMENT_DAYS = 30
HEADER = {"invoiced_on", "due_on", "notes", "invoice_no"}
LINE_KEYS = {"order_line_id", "quantity", "unit_price", "product_id"}


# --- input ---------------------------------------------------------------------------------


def parse_date(value, name: str, *, required: bool = True) -> datetime.date | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed({name: _("Enter a date.")})
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed({name: _("Enter a valid date (YYYY-MM-DD).")}) from None


def parse_decimal(value, name: str, *, places: int, positive: bool = False) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed({name: _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationFailed({name: _("Enter a number.")})
    if number.as_tuple().exponent < -places or abs(number) >= Decimal(10) ** (14 - places):
        raise ValidationFailed(
            {name: _("Enter a number with at most %(places)s decimal places.") % {"places": places}}
        )
    if positive and number <= 0:
        raise ValidationFailed({name: _("Enter a number greater than zero.")})
    if number < 0:
        raise ValidationFailed({name: _("Enter a number that is not negative.")})
    return number


def parse_text(data: dict, name: str, *, max_length: int) -> str:
    value = data.get(name)
    value = "" if value is None else str(value).strip()
    if len(value) > max_length:
        raise ValidationFailed({name: _("Enter at most %(n)s characters.") % {"n": max_length}})
    return value


def _data(data) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationFailed({"data": _("Send an object of fields.")})
    return data


# --- reading under locks ---------------------------------------------------------------------


def invoice_for_update(*, invoice_id: int, user) -> Invoice:
    """The invoice (visible to `user`) locked for the rest of the transaction."""
    return get_object_or_404(visible(Invoice.objects, user).select_for_update(of=("self",)), pk=invoice_id)


def lock_order(order_id: int) -> SalesOrder:
    return SalesOrder.objects.select_for_update(of=("self",)).select_related("contract").get(pk=order_id)


def invoice_allowed_actions(invoice: Invoice, user) -> list[str]:
    """The buttons of the detail page and the API's `actions`: workflow actions, plus "edit" for
    a draft and "credit_note" for an issued invoice with something left to correct."""
    if not (user.is_active and user.has_perm("billing.view_invoice")):
        return []
    actions = workflow.allowed_actions(invoice, user)
    if invoice.status == InvoiceStatus.DRAFT and user.has_perm("billing.change_invoice"):
        actions.insert(0, "edit")
    if (
        invoice.kind == InvoiceKind.INVOICE
        and invoice.status == InvoiceStatus.ISSUED
        and invoice.outstanding > 0
        and user.has_perm("billing.add_invoice")
    ):
        actions.append("credit_note")
    return actions


# --- due date --------------------------------------------------------------------------------


def payment_days() -> int:
    return int(getattr(settings, "SALESDEPT", {}).get("PAYMENT_DAYS", DEFAULT_PAYMENT_DAYS))


def due_date(order: SalesOrder, invoiced_on: datetime.date) -> datetime.date:
    """From the contract's payment terms: the first milestone due after delivery or acceptance
    gives invoice date + its days; otherwise settings.SALESDEPT["PAYMENT_DAYS"] (30) days."""
    if order.contract_id:
        milestone = (
            PaymentMilestone.objects.filter(
                contract_id=order.contract_id,
                trigger__in=[PaymentMilestone.Trigger.DELIVERY, PaymentMilestone.Trigger.ACCEPTANCE],
            )
            .order_by("position", "pk")
            .first()
        )
        if milestone is not None:
            return invoiced_on + datetime.timedelta(days=milestone.days)
    return invoiced_on + datetime.timedelta(days=payment_days())


# --- lines -----------------------------------------------------------------------------------


def _invoice_lines(invoice: Invoice, order: SalesOrder, rows) -> list[InvoiceLine]:
    """Invoice lines from rows of {order_line_id, quantity?, unit_price?, product_id?}; the
    defaults are the order line's price and product and what is invoiceable. None = every line
    with something invoiceable."""
    order_lines = {line.pk: line for line in order.lines.select_related("product").order_by("position", "pk")}
    by_order = on_order(order)
    if rows is None:
        rows = [
            {"order_line_id": line.pk}
            for line in order_lines.values()
            if invoiceable(line, by_order=by_order) > 0
        ]
        if not rows:
            raise DomainError(
                "nothing_to_invoice",
                _("Nothing of order %(order)s is left to invoice.") % {"order": order.number},
            )
    if not isinstance(rows, list | tuple) or not rows:
        raise ValidationFailed({"lines": _("An invoice needs at least one line.")})
    built, seen = [], set()
    products = {}
    for index, row in enumerate(rows, start=1):
        prefix = f"lines.{index}"
        if not isinstance(row, dict):
            raise ValidationFailed({prefix: _("Enter a line.")})
        if unknown := set(row) - LINE_KEYS:
            raise ValidationFailed({f"{prefix}.{sorted(unknown)[0]}": _("This field cannot be set here.")})
        raw = row.get("order_line_id")
        line = order_lines.get(int(raw)) if str(raw or "").isdigit() else None
        if line is None:
            raise ValidationFailed({f"{prefix}.order_line": _("Choose a line of this order.")})
        if line.pk in seen:
            raise ValidationFailed({f"{prefix}.order_line": _("Each order line appears once on an invoice.")})
        seen.add(line.pk)
        quantity = row.get("quantity")
        if quantity in (None, ""):
            quantity = invoiceable(line, by_order=by_order)
            if quantity <= 0:
                raise ValidationFailed({f"{prefix}.quantity": _("Nothing of this line is left to invoice.")})
        else:
            quantity = parse_decimal(quantity, f"{prefix}.quantity", places=3, positive=True)
        price = row.get("unit_price")
        price = (
            line.unit_price if price in (None, "") else parse_decimal(price, f"{prefix}.unit_price", places=2)
        )
        product = line.product
        if row.get("product_id") not in (None, "") and str(row["product_id"]) != str(line.product_id):
            pid = row["product_id"]
            product = (
                products.get(pid) or Product.objects.filter(pk=int(pid) if str(pid).isdigit() else 0).first()
            )
            if product is None:
                raise ValidationFailed({f"{prefix}.product": _("Choose a product.")})
            products[pid] = product
        amount, tax = line_money(quantity, price, line.tax_rate)
        built.append(
            InvoiceLine(
                invoice=invoice,
                position=index,
                order_line=line,
                product=product,
                quantity=quantity,
                unit_price=price,
                tax_rate=line.tax_rate,
                amount=amount,
                tax_amount=tax,
            )
        )
    return built


def refuse_over_invoicing(order: SalesOrder, lines: list[InvoiceLine]) -> None:
    """409 over_invoicing naming the first line whose quantity is beyond what is invoiceable
    now (the order row is locked by the caller)."""
    by_order = on_order(order)
    current = {x.pk: x for x in SalesOrderLine.objects.filter(order=order)}
    for line in lines:
        ol = current.get(line.order_line_id)
        left = invoiceable(ol, by_order=by_order)
        if line.quantity > left:
            raise DomainError(
                "over_invoicing",
                _(
                    "Line %(pos)s (%(product)s): %(qty)s is more than the %(left)s still to invoice "
                    "of order line %(ol)s."
                )
                % {
                    "pos": line.position,
                    "product": line.product.name,
                    "qty": _q(line.quantity),
                    "left": _q(left),
                    "ol": ol.position,
                },
                fields={f"lines.{line.position}.quantity": _("More than is left to invoice.")},
                extra={"line": line.position, "order_line": ol.pk, "invoiceable": str(left)},
            )


def _q(value: Decimal) -> str:
    return format(value.normalize(), "f")


def set_totals(invoice: Invoice, lines: list[InvoiceLine]) -> None:
    invoice.total_amount = sum((x.amount for x in lines), ZERO)
    invoice.tax_amount = sum((x.tax_amount for x in lines), ZERO)
    invoice.net_amount = invoice.total_amount - invoice.tax_amount


def save_lines(invoice: Invoice, lines: list[InvoiceLine], *, replace: bool) -> None:
    if replace:
        invoice.lines.all().delete()
    for line in lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)


def _invoice_no(value, *, exclude_pk: int | None = None) -> str:
    number = "" if value is None else str(value).strip()
    if len(number) > 40:
        raise ValidationFailed({"invoice_no": _("Enter at most %(n)s characters.") % {"n": 40}})
    if number:
        # the "not empty" term lets the database use the partial unique index invoice_no_unique
        taken = Invoice.objects.filter(invoice_no=number).exclude(invoice_no="")
        if exclude_pk:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            raise duplicate_no(number)
    return number


def duplicate_no(number: str) -> DomainError:
    return DomainError(
        "duplicate_invoice_no",
        _("Invoice number %(no)s is already registered on another invoice.") % {"no": number},
        fields={"invoice_no": _("This invoice number is already registered.")},
        extra={"invoice_no": number},
    )


# --- create, edit ----------------------------------------------------------------------------


@transaction.atomic
def invoice_create(*, by, order_id: int, data: dict | None = None) -> Invoice:
    """A draft invoice of one confirmed order (visible to `by`). `data`: lines ([{order_line_id,
    quantity?, unit_price?, product_id?}], default: everything invoiceable), invoiced_on
    (today), due_on (from the contract's payment terms), notes, invoice_no (optional now,
    required at approval)."""
    require(by, "billing.add_invoice")
    data = _data(data)
    if unknown := set(data) - HEADER - {"lines"}:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})
    order = get_object_or_404(
        visible(SalesOrder.objects, by).select_for_update(of=("self",)).select_related("contract"),
        pk=order_id,
    )
    if order.status != OrderStatus.CONFIRMED:
        raise DomainError("order_not_confirmed", _("Only confirmed orders are invoiced."))
    invoiced_on = parse_date(data.get("invoiced_on"), "invoiced_on", required=False) or timezone.localdate()
    due_on = parse_date(data.get("due_on"), "due_on", required=False) or due_date(order, invoiced_on)
    if due_on < invoiced_on:
        raise ValidationFailed({"due_on": _("The due date cannot be before the invoice date.")})
    invoice = Invoice(
        prepared_by=by,
        kind=InvoiceKind.INVOICE,
        customer_id=order.customer_id,
        order=order,
        invoiced_on=invoiced_on,
        due_on=due_on,
        notes=parse_text(data, "notes", max_length=5000),
        invoice_no=_invoice_no(data.get("invoice_no")),
    )
    lines = _invoice_lines(invoice, order, data.get("lines"))
    refuse_over_invoicing(order, lines)
    set_totals(invoice, lines)
    invoice.number = next_number(Invoice.NUMBER_PREFIX)
    invoice.save()
    save_lines(invoice, lines, replace=False)
    log(invoice, "create", by=by)
    return invoice


@transaction.atomic
def invoice_update(*, by, invoice_id: int, data: dict, version: int | None = None) -> Invoice:
    """Change a draft invoice or credit note: the header fields given and, when `lines` is given,
    all its lines. A stale `version` answers 409 stale_version and changes nothing."""
    require(by, "billing.change_invoice")
    data = _data(data)
    invoice = invoice_for_update(invoice_id=invoice_id, user=by)
    workflow.check_editable(invoice, by=by, version=version)
    if unknown := set(data) - HEADER - {"lines"}:
        raise ValidationFailed({name: _("This field cannot be set here.") for name in sorted(unknown)})
    order = lock_order(invoice.order_id)
    if "notes" in data:
        invoice.notes = parse_text(data, "notes", max_length=5000)
    if "invoice_no" in data:
        invoice.invoice_no = _invoice_no(data["invoice_no"], exclude_pk=invoice.pk)
    if "invoiced_on" in data:
        invoice.invoiced_on = parse_date(data["invoiced_on"], "invoiced_on")
        if invoice.kind == InvoiceKind.INVOICE and "due_on" not in data:
            invoice.due_on = due_date(order, invoice.invoiced_on)
    if "due_on" in data and invoice.kind == InvoiceKind.INVOICE:
        invoice.due_on = parse_date(data["due_on"], "due_on", required=False) or due_date(
            order, invoice.invoiced_on
        )
    if invoice.due_on and invoice.due_on < invoice.invoiced_on:
        raise ValidationFailed({"due_on": _("The due date cannot be before the invoice date.")})
    if "lines" in data:
        if invoice.kind == InvoiceKind.CREDIT_NOTE:
            from .credit_notes import credit_note_lines, refuse_over_credit

            original = Invoice.objects.get(pk=invoice.corrects_id)
            lines = credit_note_lines(invoice, original, data["lines"])
            refuse_over_credit(invoice, original, lines)
        else:
            lines = _invoice_lines(invoice, order, data["lines"])
            refuse_over_invoicing(order, lines)
        set_totals(invoice, lines)
        save_lines(invoice, lines, replace=True)
    invoice.version += 1
    invoice.save()
    log(invoice, "edit", by=by)
    return invoice


# --- review ----------------------------------------------------------------------------------


@transaction.atomic
def invoice_submit(*, by, invoice_id: int, note: str = "") -> Invoice:
    """Submit a draft for review (双人复核); what it invoices must still be invoiceable."""
    require(by, "billing.change_invoice")
    invoice = invoice_for_update(invoice_id=invoice_id, user=by)
    if invoice.status != InvoiceStatus.DRAFT:
        raise refusal("invalid_transition")
    order = lock_order(invoice.order_id)
    lines = list(invoice.lines.select_related("product"))
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        from .credit_notes import refuse_over_credit

        original = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice.corrects_id)
        refuse_over_credit(invoice, original, lines)
    else:
        refuse_over_invoicing(order, lines)
    workflow.apply(invoice, "submit", by=by, note=note)
    return invoice


def _refuse_mismatch(invoice: Invoice) -> None:
    problems = mismatches(invoice)
    if not problems:
        return
    first = problems[0]
    code = "over_invoicing" if first["code"] == "over_invoicing" else "invoice_mismatch"
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        message = _("The credit note does not match its invoice. Line %(line)s: %(problem)s")
    elif code == "over_invoicing":
        message = _("Line %(line)s is over-invoiced: %(problem)s")
    else:
        message = _("The invoice does not match the order. Line %(line)s: %(problem)s")
    raise DomainError(
        code,
        message % {"line": first["line"], "problem": first["message"]},
        extra={"mismatches": problems},
    )


def _postings(invoice: Invoice, lines: list[InvoiceLine], *, reverse: bool) -> list[Posting]:
    """Dr 1122 total / Cr 6001 net per line (with its product) / Cr 2221 tax — or the mirror
    for a credit note."""
    side = "credit" if reverse else "debit"
    other = "debit" if reverse else "credit"
    customer = invoice.customer_id
    out = [
        Posting(codes.RECEIVABLE, customer_id=customer, memo=invoice.number, **{side: invoice.total_amount})
    ]
    for line in lines:
        out.append(
            Posting(
                codes.REVENUE,
                customer_id=customer,
                product_id=line.product_id,
                memo=invoice.number,
                **{other: line.amount - line.tax_amount},
            )
        )
    out.append(
        Posting(codes.OUTPUT_VAT, customer_id=customer, memo=invoice.number, **{other: invoice.tax_amount})
    )
    return out


@transaction.atomic
def invoice_approve(*, by, invoice_id: int, invoice_no: str | None = None, note: str = "") -> Invoice:
    """Approve a submitted invoice or credit note — never by its preparer (core review). The last
    approval runs the automatic check (409 invoice_mismatch / over_invoicing with the lines in
    `extra`), registers the invoice number 发票号码 (400 missing, 409 duplicate), moves the order
    lines' invoiced quantity, posts the entry and issues it. A credit note also reduces what its
    invoice is owed (never below what is paid) and the invoiced quantity of its quantity lines.
    A closed month refuses the whole approval (409 period_closed)."""
    invoice = invoice_for_update(invoice_id=invoice_id, user=by)
    if workflow.refusal_for(invoice, "approve", by):
        workflow.apply(invoice, "approve", by=by, note=note)  # raises the reason it is refused
    number = _invoice_no(
        invoice.invoice_no if invoice_no in (None, "") else invoice_no, exclude_pk=invoice.pk
    )
    if not number:
        raise ValidationFailed(
            {"invoice_no": _("Enter the invoice number (发票号码) to issue the invoice.")},
            message=_("The invoice number (发票号码) is required to issue the invoice."),
        )
    invoice.order = lock_order(invoice.order_id)  # nobody moves its lines meanwhile (the check reads it)
    original = None
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        original = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice.corrects_id)
    _refuse_mismatch(invoice)
    refuse_closed(invoice.invoiced_on)
    if original is not None and invoice.total_amount > original.total_amount - original.credited_amount:
        from .credit_notes import over_outstanding

        raise over_outstanding(invoice, original)
    also = {"invoice_no": number, "issued_at": timezone.now(), "version": invoice.version + 1}
    try:
        with transaction.atomic():
            if not workflow.apply(invoice, "approve", by=by, note=note, also=also):
                return invoice  # a further review step is someone else's
    except IntegrityError:
        raise duplicate_no(number) from None
    lines = list(invoice.lines.all())
    sign = -1 if original is not None else 1
    by_line: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.quantity:
            by_line[line.order_line_id] += sign * line.quantity
    if by_line:  # one UPDATE for every line
        SalesOrderLine.objects.filter(pk__in=list(by_line)).update(
            invoiced_quantity=moved(
                SalesOrderLine,
                "invoiced_quantity",
                Case(
                    *(When(pk=pk, then=Value(quantity)) for pk, quantity in by_line.items()),
                    default=Value(Decimal("0")),
                    output_field=SalesOrderLine._meta.get_field("invoiced_quantity"),
                ),
            )
        )
    if original is not None:
        owed_before = original.outstanding
        if invoice.total_amount > original.outstanding:  # paid already: the excess back to credit
            release_paid(original, invoice.total_amount - original.outstanding, by=by, on=invoice.invoiced_on)
        Invoice.objects.filter(pk=original.pk).update(
            credited_amount=moved(Invoice, "credited_amount", invoice.total_amount), updated_at=timezone.now()
        )
        moves = [(original, owed_before, original.outstanding - invoice.total_amount)]
    else:
        moves = [(invoice, ZERO, invoice.total_amount)]
    post_entry(
        source=invoice,
        on=invoice.invoiced_on,
        lines=_postings(invoice, lines, reverse=original is not None),
        by=by,
        memo=f"{invoice.get_kind_display()} {invoice.number} {number}",
    )
    record_invoiced(invoice)
    outstanding_moved(moves)  # last: see billing/outstanding.py
    return invoice


@transaction.atomic
def invoice_reject(*, by, invoice_id: int, note: str = "") -> Invoice:
    """Send a submitted invoice back to draft, with a reason."""
    invoice = invoice_for_update(invoice_id=invoice_id, user=by)
    workflow.apply(invoice, "reject", by=by, note=note)
    return invoice


@transaction.atomic
def invoice_cancel(*, by, invoice_id: int, note: str = "") -> Invoice:
    """Cancel a draft (nothing was posted)."""
    require(by, "billing.change_invoice")
    invoice = invoice_for_update(invoice_id=invoice_id, user=by)
    workflow.apply(invoice, "cancel", by=by, note=note)
    return invoice
