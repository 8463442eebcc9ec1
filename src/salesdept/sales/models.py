"""The sales pipeline (S2–S5): inquiries 询盘, quotations 报价 with revisions, contracts 合同 with
review 合同评审, signing and amendments, and sales orders.

Every record belongs to a customer and a salesperson (`owner`); its scope is the owner's (own,
team) or the customer's region (SALES_SCOPE). Lines carry the list price, the discount and the
net unit price, so the price policy (catalog) can judge each line; amounts are Decimal and are
recomputed by the services from the lines, never typed in.

Quantities ordered against a contract line never exceed the contracted quantity (I6): the order
services lock the contract and compare with the sum of live order lines."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesdept.catalog.models import MONEY, PERCENT, QUANTITY, Channel
from salesdept.core.models import Document, Status
from salesdept.core.workflow import Transition, standard_transitions

User = settings.AUTH_USER_MODEL

SALES_SCOPE = {"own": "owner", "team": "owner__team", "region": "customer__region"}
# A line of a document is scoped through its document.
POSITIVE = [MinValueValidator(Decimal("0.001"))]
DISCOUNT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class PricedLine(models.Model):
    """What every sales line has: product, quantity, list price, discount, net unit price,
    tax rate and amount (= quantity × unit price, tax included as in Chinese practice)."""

    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY, validators=POSITIVE)
    list_price = models.DecimalField(_("list price"), **MONEY)
    discount = models.DecimalField(_("discount (%)"), **PERCENT, default=Decimal("0"), validators=DISCOUNT)
    unit_price = models.DecimalField(_("unit price"), **MONEY, validators=[MinValueValidator(Decimal("0"))])
    tax_rate = models.DecimalField(_("tax rate (%)"), **PERCENT)
    amount = models.DecimalField(_("amount"), **MONEY)
    position = models.PositiveIntegerField(_("line"), default=1)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]


# --- inquiries (S2) ------------------------------------------------------------------------


class Inquiry(models.Model):
    """询盘: what a customer asked for, to be answered with a quotation by `respond_by`."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        QUOTED = "quoted", _("Quoted")
        CLOSED = "closed", _("Closed")

    SCOPE = SALES_SCOPE
    NUMBER_PREFIX = "INQ"

    number = models.CharField(_("number"), max_length=32, unique=True, editable=False)
    customer = models.ForeignKey(
        "crm.Customer", on_delete=models.PROTECT, related_name="inquiries", verbose_name=_("customer")
    )
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel, default=Channel.DIRECT)
    received_on = models.DateField(_("received on"))
    respond_by = models.DateField(_("respond by"))
    wanted_on = models.DateField(_("wanted by"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    close_reason = models.CharField(_("reason closed"), max_length=300, blank=True)
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="inquiries", verbose_name=_("salesperson")
    )
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["owner", "status", "respond_by"], name="inquiry_owner_status_idx"),
            models.Index(fields=["status", "respond_by"], name="inquiry_status_due_idx"),
        ]
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("sales:inquiry_detail", args=[self.pk])


class InquiryLine(models.Model):
    inquiry = models.ForeignKey(
        Inquiry, on_delete=models.CASCADE, related_name="lines", verbose_name=_("inquiry")
    )
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY, validators=POSITIVE)
    position = models.PositiveIntegerField(_("line"), default=1)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("inquiry line")
        verbose_name_plural = _("inquiry lines")

    def __str__(self) -> str:
        return f"{self.position}. {self.description or self.product_id} × {self.quantity}"


# --- quotations (S2) -----------------------------------------------------------------------


class Quotation(models.Model):
    """报价: prices offered to a customer until `valid_until`. A revision is a new row (revision
    n + 1, `previous` → the one it replaces, which becomes superseded), so every version stays
    readable. All revisions share `base_number`; `number` adds `-R<n>` from the second one."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Superseded")
        CANCELLED = "cancelled", _("Cancelled")

    SCOPE = SALES_SCOPE
    NUMBER_PREFIX = "QT"

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    base_number = models.CharField(_("quotation number"), max_length=32, editable=False)
    revision = models.PositiveIntegerField(_("revision"), default=1, editable=False)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_revision",
        verbose_name=_("previous revision"),
        editable=False,
    )
    customer = models.ForeignKey(
        "crm.Customer", on_delete=models.PROTECT, related_name="quotations", verbose_name=_("customer")
    )
    inquiry = models.ForeignKey(
        Inquiry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotations",
        verbose_name=_("inquiry"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel, default=Channel.DIRECT)
    quoted_on = models.DateField(_("date"))
    valid_until = models.DateField(_("valid until"))
    payment_terms = models.TextField(_("payment terms"), blank=True)
    delivery_terms = models.TextField(_("delivery terms"), blank=True)
    terms = models.TextField(_("other terms"), blank=True)
    language = models.CharField(
        _("print language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.DRAFT)
    total_amount = models.DecimalField(_("total"), **MONEY, default=Decimal("0"), editable=False)
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="quotations", verbose_name=_("salesperson")
    )
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-quoted_on", "-pk"]
        indexes = [
            models.Index(fields=["owner", "status"], name="quotation_owner_status_idx"),
            models.Index(fields=["status", "valid_until"], name="quotation_status_valid_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["base_number", "revision"], name="quotation_revision_unique"),
        ]
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("sales:quotation_detail", args=[self.pk])


class QuotationLine(PricedLine):
    quotation = models.ForeignKey(
        Quotation, on_delete=models.CASCADE, related_name="lines", verbose_name=_("quotation")
    )

    class Meta(PricedLine.Meta):
        verbose_name = _("quotation line")
        verbose_name_plural = _("quotation lines")

    def __str__(self) -> str:
        return f"{self.position}. {self.product_id} × {self.quantity}"


# --- contracts (S3) ------------------------------------------------------------------------


class ContractStatus(models.TextChoices):
    DRAFT = Status.DRAFT.value, _("Draft")
    SUBMITTED = Status.SUBMITTED.value, _("In review")
    APPROVED = Status.APPROVED.value, _("Approved")
    SIGNED = "signed", _("Signed")
    ARCHIVED = "archived", _("Archived")
    SUPERSEDED = "superseded", _("Superseded")
    CANCELLED = Status.CANCELLED.value, _("Cancelled")


class ContractReviewRule(models.Model):
    """合同评审 route by amount: a contract of `amount_from` or more needs this step. Seeded as
    manager from 0, finance from 100,000, director from 500,000; the administrator may change
    the thresholds. Steps run in `amount_from` order."""

    class Step(models.TextChoices):
        MANAGER = "sales.review_contract_as_manager", _("Sales manager")
        FINANCE = "sales.review_contract_as_finance", _("Finance")
        DIRECTOR = "sales.review_contract_as_director", _("Director")

    permission = models.CharField(_("review step"), max_length=60, choices=Step, unique=True)
    amount_from = models.DecimalField(_("from amount"), **MONEY, validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["amount_from", "pk"]
        verbose_name = _("contract review rule")
        verbose_name_plural = _("contract review rules")

    def __str__(self) -> str:
        return f"{self.get_permission_display()} ≥ {self.amount_from}"


class Contract(Document):
    """合同: lines, payment milestones and delivery schedule; reviewed (route by amount), then
    signed (date, signed copy), registered (registration number) and archived. An amendment is
    a new Contract (`amendment_of` → the original, `amendment_no` + 1) that is reviewed again;
    when it is signed the one it replaces becomes superseded and stays readable."""

    NUMBER_PREFIX = "CT"
    # Button and history labels of the moves core does not name (core/templatetags/salesdept.py).
    ACTION_LABELS = {
        "sign": pgettext_lazy("document action", "Sign"),
        "archive": pgettext_lazy("document action", "Archive"),
        "supersede": pgettext_lazy("document action", "Supersede"),
    }
    EVENT_LABELS = {
        "sign": pgettext_lazy("document event", "Signed"),
        "archive": pgettext_lazy("document event", "Archived"),
        "supersede": pgettext_lazy("document event", "Superseded by an amendment"),
        "register": pgettext_lazy("document event", "Registered"),
        "amend": pgettext_lazy("document event", "Amendment drafted"),
    }
    # Amendments are numbered "<original number>-A<n>" (not from the sequence).
    NUMBER_SUFFIX_PATTERN = r"(-A[0-9]+)?"
    SCOPE = SALES_SCOPE
    TRANSITIONS = {
        **standard_transitions(),
        "sign": Transition(
            frozenset({ContractStatus.APPROVED}), ContractStatus.SIGNED, permission="sales.register_contract"
        ),
        "archive": Transition(
            frozenset({ContractStatus.SIGNED}), ContractStatus.ARCHIVED, permission="sales.register_contract"
        ),
        # Signing an amendment supersedes the contract it amends (logged on the original).
        "supersede": Transition(
            frozenset({ContractStatus.SIGNED, ContractStatus.ARCHIVED}),
            ContractStatus.SUPERSEDED,
            permission="sales.register_contract",
        ),
    }

    status = models.CharField(
        _("status"), max_length=20, choices=ContractStatus, default=ContractStatus.DRAFT
    )
    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey(
        "crm.Customer", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("customer")
    )
    quotation = models.ForeignKey(
        Quotation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("quotation"),
    )
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("salesperson")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel, default=Channel.DIRECT)
    amendment_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
        verbose_name=_("amends"),
        editable=False,
    )
    amendment_no = models.PositiveIntegerField(_("amendment"), default=0, editable=False)
    total_amount = models.DecimalField(_("total"), **MONEY, default=Decimal("0"), editable=False)
    payment_terms = models.TextField(_("payment terms"), blank=True)
    # F2: invoices follow what was shipped, or (by this setting) what was ordered
    invoice_on_order = models.BooleanField(_("invoice on order (before shipping)"), default=False)
    delivery_terms = models.TextField(_("delivery terms"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    language = models.CharField(
        _("print language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_copy = models.FileField(_("signed copy"), upload_to="contracts/%Y/%m/", blank=True)
    registration_number = models.CharField(_("registration number"), max_length=40, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)

    class Meta(Document.Meta):
        indexes = [
            models.Index(fields=["owner", "status"], name="contract_owner_status_idx"),
            models.Index(fields=["status", "signed_on"], name="contract_status_signed_idx"),
            models.Index(fields=["customer", "signed_on"], name="contract_customer_signed_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["registration_number"],
                condition=~Q(registration_number=""),
                name="contract_registration_unique",
            ),
        ]
        permissions = [
            ("review_contract_as_manager", _("Can review contracts as sales manager")),
            ("review_contract_as_finance", _("Can review contracts as finance")),
            ("review_contract_as_director", _("Can review contracts as director")),
            ("register_contract", _("Can sign, register and archive contracts")),
        ]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def get_absolute_url(self) -> str:
        return reverse("sales:contract_detail", args=[self.pk])

    def review_route(self) -> list[str]:
        """The steps for this amount, from ContractReviewRule (manager; + finance; + director)."""
        rules = getattr(self, "_review_rules", None)
        if rules is None:
            rules = _review_rules()
        route = [permission for amount_from, permission in rules if amount_from <= self.total_amount]
        return route or [ContractReviewRule.Step.MANAGER.value]

    @classmethod
    def prepare_review_routes(cls, contracts) -> None:
        """Read the review rules once for many contracts (the dashboard's to-do list) instead of
        once per contract in review_route()."""
        rules = _review_rules()
        for contract in contracts:
            contract._review_rules = rules


def _review_rules() -> list[tuple]:
    return list(
        ContractReviewRule.objects.order_by("amount_from", "pk").values_list("amount_from", "permission")
    )


class ContractLine(PricedLine):
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="lines", verbose_name=_("contract")
    )
    # In an amendment: the line of the amended contract this one continues (its orders move here
    # when the amendment is signed); null for a line the amendment adds.
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces line"),
        editable=False,
    )

    class Meta(PricedLine.Meta):
        verbose_name = _("contract line")
        verbose_name_plural = _("contract lines")

    def __str__(self) -> str:
        return f"{self.position}. {self.product_id} × {self.quantity}"


class PaymentMilestone(models.Model):
    """One payment term: e.g. 30 % on signing; 70 % within 30 days of delivery. The due date is
    known once its trigger happened (signing, delivery) or fixed (a date)."""

    class Trigger(models.TextChoices):
        SIGNING = "signing", _("On signing")
        DELIVERY = "delivery", _("After delivery")
        ACCEPTANCE = "acceptance", _("After acceptance")
        DATE = "date", _("On a date")

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("contract")
    )
    position = models.PositiveIntegerField(_("line"), default=1)
    label = models.CharField(_("milestone"), max_length=100)
    percent = models.DecimalField(_("share (%)"), **PERCENT, validators=DISCOUNT)
    amount = models.DecimalField(_("amount"), **MONEY)
    trigger = models.CharField(_("due"), max_length=12, choices=Trigger, default=Trigger.SIGNING)
    days = models.PositiveIntegerField(_("within days"), default=0)
    due_on = models.DateField(_("due on"), null=True, blank=True)

    class Meta:
        ordering = ["contract", "position", "pk"]
        verbose_name = _("payment milestone")
        verbose_name_plural = _("payment milestones")

    def __str__(self) -> str:
        return f"{self.label} {self.percent}%"


class DeliverySchedule(models.Model):
    """A planned delivery of a contract line: quantity by date. Orders are created from it."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("contract")
    )
    line = models.ForeignKey(
        ContractLine, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("contract line")
    )
    planned_on = models.DateField(_("planned date"))
    quantity = models.DecimalField(_("quantity"), **QUANTITY, validators=POSITIVE)

    class Meta:
        ordering = ["contract", "planned_on", "pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("delivery schedule")

    def __str__(self) -> str:
        return f"{self.planned_on}: {self.quantity}"


class ContractAttachment(models.Model):
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("contract")
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="contracts/attachments/%Y/%m/")
    uploaded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["contract", "pk"]
        verbose_name = _("contract attachment")
        verbose_name_plural = _("contract attachments")

    def __str__(self) -> str:
        return self.title


# --- sales orders (S4) ---------------------------------------------------------------------


class OrderStatus(models.TextChoices):
    DRAFT = Status.DRAFT.value, _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = Status.CANCELLED.value, _("Cancelled")


class SalesOrder(Document):
    """A sales order: from a contract's delivery schedule (one contract, several orders) or
    direct for a small sale. Confirming checks the price policy and the credit hook
    (sales.services.orders.credit_check); ordered quantities never exceed the contract's."""

    NUMBER_PREFIX = "SO"
    ACTION_LABELS = {"confirm": pgettext_lazy("document action", "Confirm order")}
    EVENT_LABELS = {"confirm": pgettext_lazy("document event", "Confirmed")}
    SCOPE = SALES_SCOPE
    TRANSITIONS = {
        "confirm": Transition(frozenset({OrderStatus.DRAFT}), OrderStatus.CONFIRMED),
        "cancel": Transition(frozenset({OrderStatus.DRAFT, OrderStatus.CONFIRMED}), OrderStatus.CANCELLED),
    }

    status = models.CharField(_("status"), max_length=20, choices=OrderStatus, default=OrderStatus.DRAFT)
    customer = models.ForeignKey(
        "crm.Customer", on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer")
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("contract"),
    )
    quotation = models.ForeignKey(
        Quotation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("quotation"),
    )
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="orders", verbose_name=_("salesperson")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel, default=Channel.DIRECT)
    ordered_on = models.DateField(_("order date"))
    wanted_on = models.DateField(_("delivery date"), null=True, blank=True)
    total_amount = models.DecimalField(_("total"), **MONEY, default=Decimal("0"), editable=False)
    notes = models.TextField(_("notes"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)

    class Meta(Document.Meta):
        indexes = [
            models.Index(fields=["owner", "status"], name="order_owner_status_idx"),
            models.Index(fields=["contract", "status"], name="order_contract_status_idx"),
            models.Index(fields=["ordered_on"], name="order_ordered_on_idx"),
        ]
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")

    def get_absolute_url(self) -> str:
        return reverse("sales:order_detail", args=[self.pk])


class SalesOrderLine(PricedLine):
    order = models.ForeignKey(
        SalesOrder, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    contract_line = models.ForeignKey(
        ContractLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_lines",
        verbose_name=_("contract line"),
    )
    delivery = models.ForeignKey(
        DeliverySchedule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_lines",
        verbose_name=_("delivery"),
    )
    # Moved by shipping (approved shipments add to shipped; received returns move quantity from
    # shipped to returned, so shipped is what the customer kept) and billing (issued invoices,
    # credit notes) under a lock on the order (I6); the database keeps them within the order.
    shipped_quantity = models.DecimalField(_("shipped"), **QUANTITY, default=Decimal("0"), editable=False)
    invoiced_quantity = models.DecimalField(_("invoiced"), **QUANTITY, default=Decimal("0"), editable=False)
    returned_quantity = models.DecimalField(_("returned"), **QUANTITY, default=Decimal("0"), editable=False)

    class Meta(PricedLine.Meta):
        constraints = [
            # I6: shipped ≤ ordered; invoiced ≤ ordered (≤ shipped unless the contract invoices on
            # order: checked by billing); returned ≤ shipped
            models.CheckConstraint(
                condition=Q(shipped_quantity__gte=0, shipped_quantity__lte=F("quantity")),
                name="orderline_shipped_le_ordered",
            ),
            models.CheckConstraint(
                condition=Q(invoiced_quantity__gte=0, invoiced_quantity__lte=F("quantity")),
                name="orderline_invoiced_le_ordered",
            ),
            # returns take back from shipped (net); returned ≤ shipped + returned always holds
            models.CheckConstraint(
                condition=Q(returned_quantity__gte=0), name="orderline_returned_not_negative"
            ),
        ]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return f"{self.position}. {self.product_id} × {self.quantity}"
