"""Writes of payments 回款 (F3): record a payment and allocate it to invoices, allocate a
customer's credit later.

A payment is recorded once: the same customer and reference twice is refused (409
duplicate_payment naming the payment that has it) — also when two submissions race, because the
database's unique constraint `payment_reference_unique` decides and the loser's IntegrityError
is turned into the same answer; a retried API request with the same Idempotency-Key gets the
first answer back (core/idempotency.py).

Allocation (I7): the invoices allocated to are locked in pk order before their outstanding is
read, so two payments never pay the same euro twice; `Invoice.paid_amount` moves with F().
What is not allocated stays the customer's credit (预收账款 2203) until `payment_allocate` uses
it — it is never lost. Every payment and allocation posts one balanced journal entry in the same
transaction (I1):

    record:    Dr 1002 bank amount / Cr 1122 receivable allocated / Cr 2203 credit unallocated
    allocate:  Dr 2203 credit / Cr 1122 receivable
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.core.arithmetic import moved
from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.numbering import next_number
from salesdept.core.permissions import require
from salesdept.crm.models import Customer
from salesdept.ledger import codes
from salesdept.ledger.services import Posting, post_entry

from ..models import (
    OPEN,
    Allocation,
    CollectionTask,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    PaymentMethod,
)
from ..outstanding import Change, outstanding_moved
from .facts import record_collected

__all__ = [
    "ALLOCATION_MODES",
    "open_invoices_for_update",
    "payment_allocate",
    "payment_record",
]

CENT = Decimal("0.01")
ZERO = Decimal("0")
MAX_AMOUNT = Decimal("1e12")
ALLOCATION_MODES = ("oldest", "manual", "none")


# --- input ----------------------------------------------------------------------------------


def money(value, field: str) -> Decimal:
    """A positive amount of money with at most 2 decimal places (400 naming `field`)."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed({field: _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationFailed({field: _("Enter a number.")})
    if number <= 0:
        raise ValidationFailed({field: _("Must be greater than zero.")})
    if number != number.quantize(CENT):
        raise ValidationFailed({field: _("Enter at most 2 decimal places.")})
    if number >= MAX_AMOUNT:
        raise ValidationFailed({field: _("The number is too large.")})
    return number


def _date(value, field: str) -> datetime.date:
    if value in (None, ""):
        raise ValidationFailed({field: _("This field is required.")})
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed({field: _("Enter a valid date.")}) from None


def _text(data: dict, field: str, max_length: int) -> str:
    value = str(data.get(field) or "").strip()
    if len(value) > max_length:
        raise ValidationFailed(
            {field: _("Ensure this value has at most %(max)s characters.") % {"max": max_length}}
        )
    return value


def _int(value, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed({field: _("Enter a whole number.")}) from None
    if number < 1:
        raise ValidationFailed({field: _("Enter a whole number.")})
    return number


@dataclass(frozen=True)
class Plan:
    """What to allocate: "oldest" first up to `limit`, "manual" rows (invoice id → amount), or
    nothing."""

    mode: str
    rows: tuple[tuple[int, Decimal], ...] = ()


def _plan(allocation, rows, *, limit: Decimal) -> Plan:
    """Validate the allocation input: mode "oldest" | "manual" | "none"; manual rows
    [{invoice_id, amount}], each invoice once, amounts > 0, Σ ≤ `limit` (400 naming the row)."""
    if isinstance(allocation, list | tuple):
        allocation, rows = "manual", allocation
    mode = allocation or "oldest"
    if mode not in ALLOCATION_MODES:
        raise ValidationFailed({"allocation": _("Choose oldest first, by hand or none.")})
    if mode != "manual":
        return Plan(mode)
    if not isinstance(rows, list | tuple) or not rows:
        raise ValidationFailed({"allocations": _("Choose at least one invoice and an amount.")})
    seen: dict[int, Decimal] = {}
    for index, row in enumerate(rows, start=1):
        prefix = f"allocations.{index}"
        if not isinstance(row, dict):
            raise ValidationFailed({prefix: _("Choose an invoice and an amount.")})
        invoice_id = _int(row.get("invoice_id", row.get("invoice")), f"{prefix}.invoice_id")
        if invoice_id in seen:
            raise ValidationFailed({f"{prefix}.invoice_id": _("Each invoice may appear only once.")})
        seen[invoice_id] = money(row.get("amount"), f"{prefix}.amount")
    total = sum(seen.values(), ZERO)
    if total > limit:
        raise ValidationFailed(
            {
                "allocations": _("The allocations add up to %(total)s, more than the %(limit)s available.")
                % {"total": total, "limit": limit}
            }
        )
    return Plan("manual", tuple(seen.items()))


# --- locking and allocating -----------------------------------------------------------------


def _open_invoices(customer_id: int):
    return Invoice.objects.filter(
        customer_id=customer_id, status=InvoiceStatus.ISSUED, kind=InvoiceKind.INVOICE
    ).filter(OPEN)


def oldest_first_key(invoice: Invoice) -> tuple:
    """Oldest due first (no due date: due on its invoice date), then invoice date, then pk."""
    return (invoice.due_on or invoice.invoiced_on, invoice.invoiced_on, invoice.pk)


def open_invoices_for_update(customer_id: int) -> list[Invoice]:
    """The customer's issued invoices with something outstanding, locked in pk order (the
    fixed lock order), returned oldest due first."""
    locked = list(_open_invoices(customer_id).select_for_update(of=("self",)).order_by("pk"))
    return sorted(locked, key=oldest_first_key)


def _lock_manual(customer_id: int, rows) -> list[tuple[Invoice, Decimal]]:
    ids = sorted(pk for pk, _amount in rows)
    locked = {
        inv.pk: inv
        for inv in Invoice.objects.filter(pk__in=ids).select_for_update(of=("self",)).order_by("pk")
    }
    out = []
    for index, (pk, amount) in enumerate(rows, start=1):
        invoice = locked.get(pk)
        field = f"allocations.{index}.invoice_id"
        if (
            invoice is None
            or invoice.customer_id != customer_id
            or invoice.kind != InvoiceKind.INVOICE
            or invoice.status != InvoiceStatus.ISSUED
        ):
            raise ValidationFailed({field: _("Choose an issued invoice of this customer.")})
        if amount > invoice.outstanding:
            raise DomainError(
                "over_allocation",
                _("Invoice %(number)s has %(outstanding)s outstanding; %(amount)s cannot be allocated to it.")
                % {"number": invoice.number, "outstanding": invoice.outstanding, "amount": amount},
                fields={f"allocations.{index}.amount": _("At most %(max)s.") % {"max": invoice.outstanding}},
                extra={"invoice": invoice.pk, "outstanding": str(invoice.outstanding)},
            )
        out.append((invoice, amount))
    return out


def _allocate(
    payment: Payment, plan: Plan, *, available: Decimal, on: datetime.date, by
) -> tuple[Decimal, list[Change]]:
    """Allocate up to `available` of `payment` by `plan`; returns the amount allocated and what
    each invoice owed before and after (for outstanding_moved(), which the caller calls last).
    The caller holds the payment (new or locked); the invoices are locked here, in pk order."""
    if plan.mode == "none" or available <= 0:
        return ZERO, []
    if plan.mode == "manual":
        pairs = _lock_manual(payment.customer_id, plan.rows)
    else:
        pairs, left = [], available
        for invoice in open_invoices_for_update(payment.customer_id):
            if left <= 0:
                break
            amount = min(left, invoice.outstanding)
            pairs.append((invoice, amount))
            left -= amount
    if not pairs:
        return ZERO, []
    Allocation.objects.bulk_create(
        Allocation(payment=payment, invoice=invoice, amount=amount, allocated_on=on, created_by=by)
        for invoice, amount in pairs
    )
    for invoice, amount in pairs:
        Invoice.objects.filter(pk=invoice.pk).update(paid_amount=moved(Invoice, "paid_amount", amount))
    allocated = sum((amount for _inv, amount in pairs), ZERO)
    Payment.objects.filter(pk=payment.pk).update(
        allocated_amount=moved(Payment, "allocated_amount", allocated)
    )
    payment.allocated_amount += allocated
    # A paid invoice needs no more chasing (催款): its open collection tasks are done.
    paid = [inv.pk for inv, amount in pairs if amount == inv.outstanding]
    if paid:
        CollectionTask.objects.filter(invoice_id__in=paid).exclude(status=CollectionTask.Status.DONE).update(
            status=CollectionTask.Status.DONE
        )
    return allocated, [(inv, inv.outstanding, inv.outstanding - amount) for inv, amount in pairs]


# --- services -------------------------------------------------------------------------------


def _duplicate(existing: Payment) -> DomainError:
    return DomainError(
        "duplicate_payment",
        _("This payment was already recorded as %(number)s (same customer and reference).")
        % {"number": existing.number},
        fields={"reference": _("Already recorded as %(number)s.") % {"number": existing.number}},
        extra={"payment": existing.pk, "number": existing.number},
    )


def _clean_record(by, data: dict) -> dict:
    if not isinstance(data, dict):
        raise ValidationFailed({"customer": _("This field is required.")})
    customer_id = data.get("customer_id", data.get("customer"))
    if customer_id in (None, ""):
        raise ValidationFailed({"customer": _("This field is required.")})
    customer = visible(Customer.objects, by).filter(pk=_int(customer_id, "customer")).first()
    if customer is None:
        raise ValidationFailed({"customer": _("Choose a customer you can see.")})
    received_on = _date(data.get("received_on"), "received_on")
    if received_on > timezone.localdate():
        raise ValidationFailed({"received_on": _("A payment cannot be received in the future.")})
    amount = money(data.get("amount"), "amount")
    method = data.get("method") or PaymentMethod.BANK
    if method not in PaymentMethod.values:
        raise ValidationFailed({"method": _("Select a valid choice.")})
    return {
        "customer": customer,
        "received_on": received_on,
        "amount": amount,
        "method": method,
        "reference": _text(data, "reference", 100),
        "notes": _text(data, "notes", 5000),
        "plan": _plan(data.get("allocation"), data.get("allocations"), limit=amount),
    }


@transaction.atomic
def payment_record(*, by, data: dict) -> Payment:
    """Record a payment received from a customer (回款) and allocate it.

    data: customer (visible to `by`), received_on (≤ today), amount (> 0), method, reference,
    notes; allocation "oldest" (default: the customer's open invoices, oldest due first),
    "manual" with allocations [{invoice_id, amount}] (each ≤ the invoice's outstanding, Σ ≤
    amount) or "none". The rest stays the customer's credit. Refusals: 400 naming the field;
    409 duplicate_payment (same customer and reference, also under concurrency), 409
    over_allocation, 409 period_closed. Posts Dr bank / Cr receivable / Cr customer credit."""
    require(by, "billing.add_payment")
    clean = _clean_record(by, data)
    customer, reference = clean["customer"], clean["reference"]
    if reference:
        existing = Payment.objects.filter(customer=customer, reference=reference).first()
        if existing is not None:
            raise _duplicate(existing)
    number = next_number(Payment.NUMBER_PREFIX, year=clean["received_on"].year)
    try:
        with transaction.atomic():  # a savepoint: the constraint decides a race
            payment = Payment.objects.create(
                number=number,
                customer=customer,
                received_on=clean["received_on"],
                amount=clean["amount"],
                method=clean["method"],
                reference=reference,
                notes=clean["notes"],
                recorded_by=by,
            )
    except IntegrityError:
        existing = Payment.objects.filter(customer=customer, reference=reference).first()
        if not reference or existing is None:
            raise
        raise _duplicate(existing) from None
    allocated, moves = _allocate(
        payment, clean["plan"], available=payment.amount, on=payment.received_on, by=by
    )
    post_entry(
        source=payment,
        on=payment.received_on,
        by=by,
        memo=f"Payment {payment.number}",
        lines=[
            Posting(codes.BANK, debit=payment.amount, customer_id=customer.pk),
            Posting(codes.RECEIVABLE, credit=allocated, customer_id=customer.pk),
            Posting(codes.CUSTOMER_ADVANCES, credit=payment.amount - allocated, customer_id=customer.pk),
        ],
    )
    record_collected(payment)
    outstanding_moved(moves)  # last: see billing/outstanding.py
    return payment


def payment_for_update(*, by, payment_id: int) -> Payment:
    return get_object_or_404(
        visible(Payment.objects, by).select_for_update(of=("self",)).select_related("customer"),
        pk=payment_id,
    )


@transaction.atomic
def payment_allocate(
    *, by, payment_id: int, allocations="oldest", on: datetime.date | None = None
) -> Payment:
    """Allocate what is left of a payment (the customer's credit) to invoices: "oldest" first,
    or by hand [{invoice_id, amount}] (each ≤ outstanding, Σ ≤ unallocated). Locks the payment,
    then the invoices in pk order. Posts Dr customer credit / Cr receivable, dated `on` (today).
    409 nothing_to_allocate when the payment is fully allocated or no invoice is open."""
    require(by, "billing.add_allocation")
    payment = payment_for_update(by=by, payment_id=payment_id)
    available = payment.unallocated
    if available <= 0:
        raise DomainError(
            "nothing_to_allocate",
            _("Payment %(number)s is fully allocated.") % {"number": payment.number},
        )
    plan = _plan(allocations if allocations is not None else "oldest", None, limit=available)
    if plan.mode == "none":
        return payment
    on = on or timezone.localdate()
    allocated, moves = _allocate(payment, plan, available=available, on=on, by=by)
    if allocated <= 0:
        raise DomainError(
            "nothing_to_allocate",
            _("%(customer)s has no open invoice to allocate to.") % {"customer": payment.customer.name},
        )
    post_entry(
        source=payment,
        on=on,
        by=by,
        memo=f"Allocation of {payment.number}",
        lines=[
            Posting(codes.CUSTOMER_ADVANCES, debit=allocated, customer_id=payment.customer_id),
            Posting(codes.RECEIVABLE, credit=allocated, customer_id=payment.customer_id),
        ],
    )
    outstanding_moved(moves)  # last: see billing/outstanding.py
    return payment
