"""Invoicing 开票 (F2), receivables and collection 回款/催款 (F3), credit notes (F5).

An `Invoice` (kind invoice) is prepared by the clerk from what was shipped and not yet invoiced
(or ordered, where the contract invoices on order); the automatic check compares product, unit
price and quantity with the order and the shipments line by line, and a mismatch blocks
approval. A second person approves (双人复核); the approval posts revenue, output VAT and the
receivable to the ledger and moves the order lines' invoiced quantity. A credit note (kind
credit_note, `corrects` → the invoice) is reviewed the same way and reduces what is owed.

A `Payment` (回款) is recorded once — the same Idempotency-Key or the same customer reference
is refused as a duplicate — and allocated to invoices (oldest due first, or by hand); what is
not allocated stays the customer's credit (预收账款) until it is. Per invoice:
outstanding = total − paid − credited ≥ 0 (I7). Overdue invoices get `CollectionTask`s, escalated
to the manager after a configurable delay."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesdept.catalog.models import MONEY, PERCENT, QUANTITY
from salesdept.core.models import Document, Status
from salesdept.core.workflow import Transition, standard_transitions

User = settings.AUTH_USER_MODEL

# An invoice is the order's salesperson's; a payment the customer's; the region is the customer's.
INVOICE_SCOPE = {"own": "order__owner", "team": "order__owner__team", "region": "customer__region"}
CUSTOMER_SCOPE = {"own": "customer__owner", "team": "customer__owner__team", "region": "customer__region"}
TASK_SCOPE = {"own": "assigned_to", "team": "assigned_to__team", "region": "customer__region"}
POSITIVE = [MinValueValidator(Decimal("0.001"))]
POSITIVE_MONEY = [MinValueValidator(Decimal("0.01"))]
# Whether an invoice still has something outstanding (total − paid − credited), to the cent.
# Amounts are whole cents, but SQLite compares the sum paid + credited as a binary float
# (0.10 + 0.20 > 0.30): half a cent of slack keeps its answer exact. The aging index, the
# check constraint and every "open invoices" query use these two conditions.
HALF_CENT = Decimal("0.005")
OPEN = Q(total_amount__gte=F("paid_amount") + F("credited_amount") + HALF_CENT)
SETTLED = Q(total_amount__lt=F("paid_amount") + F("credited_amount") + HALF_CENT)
NOT_OVERPAID = Q(total_amount__gt=F("paid_amount") + F("credited_amount") - HALF_CENT)


class InvoiceStatus(models.TextChoices):
    DRAFT = Status.DRAFT.value, Status.DRAFT.label
    SUBMITTED = Status.SUBMITTED.value, Status.SUBMITTED.label
    ISSUED = "issued", pgettext_lazy("invoice", "Issued")  # approved: posted, owed by the customer
    CANCELLED = Status.CANCELLED.value, Status.CANCELLED.label


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class Invoice(Document):
    """发票 / 红字发票: an invoice to one customer for lines of one sales order, or a credit note
    correcting an issued invoice. Reviewed by a second person; issued on approval."""

    NUMBER_PREFIX = "IV"
    STATUS_COLOURS = {"issued": "success"}
    DESTRUCTIVE_ACTIONS = {"cancel"}
    EVENT_LABELS = {"approve": pgettext_lazy("document event", "Approved and issued")}
    SCOPE = INVOICE_SCOPE
    TRANSITIONS = {
        **standard_transitions(cancel_from=(InvoiceStatus.DRAFT,)),
        "approve": Transition(frozenset({InvoiceStatus.SUBMITTED}), InvoiceStatus.ISSUED, review=True),
    }

    status = models.CharField(_("status"), max_length=20, choices=InvoiceStatus, default=InvoiceStatus.DRAFT)
    kind = models.CharField(_("kind"), max_length=12, choices=InvoiceKind, default=InvoiceKind.INVOICE)
    customer = models.ForeignKey(
        "crm.Customer", on_delete=models.PROTECT, related_name="invoices", verbose_name=_("customer")
    )
    order = models.ForeignKey(
        "sales.SalesOrder", on_delete=models.PROTECT, related_name="invoices", verbose_name=_("sales order")
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("corrects invoice"),
        editable=False,
    )
    return_authorisation = models.ForeignKey(
        "shipping.ReturnAuthorisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("return"),
        editable=False,
    )
    # 发票号码 / 开票日期: the official number and date registered when the invoice is issued
    invoice_no = models.CharField(_("invoice number (发票号码)"), max_length=40, blank=True)
    invoiced_on = models.DateField(_("invoice date"))
    due_on = models.DateField(_("due date"), null=True, blank=True)
    net_amount = models.DecimalField(_("net amount"), **MONEY, default=Decimal("0"), editable=False)
    tax_amount = models.DecimalField(_("tax"), **MONEY, default=Decimal("0"), editable=False)
    total_amount = models.DecimalField(_("total"), **MONEY, default=Decimal("0"), editable=False)
    paid_amount = models.DecimalField(_("paid"), **MONEY, default=Decimal("0"), editable=False)
    credited_amount = models.DecimalField(_("credited"), **MONEY, default=Decimal("0"), editable=False)
    notes = models.TextField(_("notes"), blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True, editable=False)

    class Meta(Document.Meta):
        indexes = [
            models.Index(fields=["customer", "status", "due_on"], name="invoice_customer_due_idx"),
            models.Index(fields=["status", "due_on"], name="invoice_status_due_idx"),
            models.Index(fields=["order", "status"], name="invoice_order_status_idx"),
            models.Index(fields=["invoiced_on"], name="invoice_date_idx"),
            # the aging report 帐龄 reads only open issued invoices, from the index alone
            models.Index(
                fields=[
                    "customer",
                    "due_on",
                    "invoiced_on",
                    "order",
                    "total_amount",
                    "paid_amount",
                    "credited_amount",
                ],
                condition=Q(status="issued", kind="invoice") & OPEN,
                name="invoice_open_aging_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice_no"], condition=~Q(invoice_no=""), name="invoice_no_unique"
            ),
            # I7: 0 ≤ paid; paid + credited ≤ total (outstanding never negative)
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0, credited_amount__gte=0) & NOT_OVERPAID,
                name="invoice_outstanding_not_negative",
            ),
        ]
        permissions = [
            ("approve_invoice", _("Can approve invoices (second person)")),
            ("view_receivables", _("Can see receivables, aging and collections")),
            ("override_credit_limit", _("Can let an order past the customer's credit limit")),
        ]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")

    def get_absolute_url(self) -> str:
        return reverse("billing:invoice_detail", args=[self.pk])

    def review_route(self) -> list[str]:
        return ["billing.approve_invoice"]

    @property
    def outstanding(self) -> Decimal:
        return self.total_amount - self.paid_amount - self.credited_amount


class InvoiceLine(models.Model):
    """One line: an order line's product, quantity, unit price (tax included) and tax rate;
    amount = quantity × unit price; tax = amount × rate ÷ (100 + rate)."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice")
    )
    position = models.PositiveIntegerField(_("line"), default=1)
    order_line = models.ForeignKey(
        "sales.SalesOrderLine",
        on_delete=models.PROTECT,
        related_name="invoice_lines",
        verbose_name=_("order line"),
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY, validators=POSITIVE)
    unit_price = models.DecimalField(_("unit price"), **MONEY, validators=[MinValueValidator(Decimal("0"))])
    tax_rate = models.DecimalField(_("tax rate (%)"), **PERCENT)
    amount = models.DecimalField(_("amount"), **MONEY)
    tax_amount = models.DecimalField(_("tax"), **MONEY)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")

    def __str__(self) -> str:
        return f"{self.position}. {self.product_id} × {self.quantity}"


class PaymentMethod(models.TextChoices):
    BANK = "bank", _("Bank transfer")
    CASH = "cash", _("Cash")
    ACCEPTANCE = "acceptance", _("Bank acceptance bill (承兑汇票)")
    OTHER = "other", _("Other")


class Payment(models.Model):
    """回款: money received from a customer. Recorded once (a reference is unique per customer);
    allocated to invoices; the rest is the customer's credit until allocated."""

    number = models.CharField(_("number"), max_length=32, unique=True, editable=False)
    customer = models.ForeignKey(
        "crm.Customer", on_delete=models.PROTECT, related_name="payments", verbose_name=_("customer")
    )
    received_on = models.DateField(_("received on"))
    amount = models.DecimalField(_("amount"), **MONEY, validators=POSITIVE_MONEY)
    method = models.CharField(_("method"), max_length=12, choices=PaymentMethod, default=PaymentMethod.BANK)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    allocated_amount = models.DecimalField(_("allocated"), **MONEY, default=Decimal("0"), editable=False)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    NUMBER_PREFIX = "PM"
    SCOPE = CUSTOMER_SCOPE

    class Meta:
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["customer", "received_on"], name="payment_customer_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "reference"], condition=~Q(reference=""), name="payment_reference_unique"
            ),
            models.CheckConstraint(
                condition=Q(allocated_amount__gte=0, allocated_amount__lte=F("amount")),
                name="payment_allocated_le_amount",
            ),
        ]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("billing:payment_detail", args=[self.pk])

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.allocated_amount


class Allocation(models.Model):
    """Part of a payment applied to one invoice."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("payment")
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("invoice")
    )
    amount = models.DecimalField(_("amount"), **MONEY, validators=POSITIVE_MONEY)
    allocated_on = models.DateField(_("date"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    SCOPE = None

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive")]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.invoice_id}: {self.amount}"


class CollectionTask(models.Model):
    """催款: follow up an overdue invoice. Assigned to the customer's salesperson; escalated to
    their manager when still open `BILLING_ESCALATE_DAYS` days after it was created."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("collection", "Open")
        ESCALATED = "escalated", _("Escalated")
        DONE = "done", pgettext_lazy("collection", "Done")

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="collection_tasks", verbose_name=_("invoice")
    )
    customer = models.ForeignKey(
        "crm.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    assigned_to = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("assigned to")
    )
    escalated_to = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("escalated to"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.OPEN)
    due_on = models.DateField(_("due date"))
    created_on = models.DateField(_("created on"))
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    SCOPE = TASK_SCOPE

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "assigned_to"], name="collection_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"], condition=~Q(status="done"), name="collection_one_open_per_invoice"
            )
        ]
        verbose_name = _("collection task")
        verbose_name_plural = _("collection tasks")

    def __str__(self) -> str:
        return f"{self.invoice_id} ({self.status})"


class OpenReceivable(models.Model):
    """What is outstanding on the issued invoices, summed per (due date, invoice date): the
    company-wide aging (the director's dashboard) reads these few hundred rows instead of every
    open invoice. Kept by the posting services in their own transaction
    (billing/outstanding.py: an invoice issued, a payment allocated, a credit note approved);
    `verify_summaries` and I12 prove it equals the invoices. Whole cents, so that SQLite adds
    exactly."""

    due_on = models.DateField()  # the due date, or the invoice date when the invoice has none
    invoiced_on = models.DateField()
    outstanding_cents = models.BigIntegerField(default=0)
    invoices = models.IntegerField(default=0)  # how many of them are still open

    class Meta:
        constraints = [models.UniqueConstraint(fields=["due_on", "invoiced_on"], name="open_receivable_day")]

    def __str__(self):
        return f"{self.due_on} / {self.invoiced_on}: {self.outstanding_cents / 100:.2f}"
