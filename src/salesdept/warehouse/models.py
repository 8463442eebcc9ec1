"""The warehouse (W1–W6): warehouses, locations and bins (定置管理), stock documents 收、发、退、
移库、调整, the move ledger, stock cards, stocktakes 盘点, stock levels, samples and quality.

The one way stock changes is `warehouse.ledger.post_moves()`, called by the posting services
of this app (and, later, by shipments): it locks the `Stock` row of every product × location it
touches (sorted, so two postings never deadlock), checks that nothing goes negative, updates
`Stock` (the book 帐: quantity and value) and `StockLot` (the same by lot/serial and quality),
and appends one immutable `StockMove` per change with the running balance (the card 卡).
The goods (物) are the counted quantities of stocktakes.

Three rules the database keeps as well as the code:
- I4: `Stock.quantity` and `StockLot.quantity` are never negative (check constraints);
- I2: a `StockMove` is never updated or deleted (trigger, migration 0002); a posted document is
  corrected only by a reversing document;
- I3: per product × location, `Stock.quantity` = Σ moves = Σ lots, and the last move's running
  balance equals it (`warehouse/invariants.py`);
- I5: what documents not yet posted hold (`StockReservation`, summed in `StockLot.reserved` and
  `Stock.reserved`) is never more than there is (check constraints); posting takes only the
  rest."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesdept.accounts.models import bilingual
from salesdept.catalog.models import MONEY, QUANTITY
from salesdept.core.models import Document, Status
from salesdept.core.workflow import Transition

User = settings.AUTH_USER_MODEL
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Quality(models.TextChoices):
    """W6: inspection status of stock. Only accepted stock is issued to customers; rejected
    stock sits in the warehouse's quarantine location."""

    # (a context of their own: "Accepted"/"Rejected" of other records read 已接受/已驳回)
    PENDING = "pending", pgettext_lazy("quality", "Pending inspection")  # 待检
    ACCEPTED = "accepted", pgettext_lazy("quality", "Accepted")  # 合格
    REJECTED = "rejected", pgettext_lazy("quality", "Rejected")  # 不合格


# --- warehouses and locations (W1 定置管理) ------------------------------------------------------


class Warehouse(models.Model):
    """A warehouse. Each has a quarantine location for rejected stock (created with it)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    region = models.ForeignKey(
        "accounts.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    keeper = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("warehouse keeper"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    # W3: every product with stock here is counted at least once within this many days.
    cycle_days = models.PositiveIntegerField(_("cycle count period (days)"), default=90)
    is_active = models.BooleanField(_("active"), default=True)

    SCOPE = None  # master data: everyone with the view permission reads every warehouse

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self) -> str:
        return f"{self.code} {bilingual(self.name, self.name_en)}"

    def get_absolute_url(self) -> str:
        return reverse("warehouse:warehouse_detail", args=[self.pk])


class Location(models.Model):
    """A location or bin inside a warehouse (A-01-03: aisle, rack, shelf)."""

    class Kind(models.TextChoices):
        STORAGE = "storage", _("Storage")
        QUARANTINE = "quarantine", _("Quarantine")  # rejected stock (不合格品区)
        SAMPLES = "samples", _("Samples and materials")  # 样品/物料

    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="locations", verbose_name=_("warehouse")
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.STORAGE)
    is_active = models.BooleanField(_("active"), default=True)

    SCOPE = None

    class Meta:
        ordering = ["warehouse__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="location_warehouse_code_unique")
        ]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return f"{self.warehouse.code}/{self.code}"


# --- the book: stock per product × location, and per lot and quality -------------------------


class Stock(models.Model):
    """The book 帐 of one product at one location: quantity and value (moving average cost).
    The row every posting locks (created on first use, then locked)."""

    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="stock", verbose_name=_("location")
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY, default=Decimal("0"))
    value = models.DecimalField(_("value"), **MONEY, default=Decimal("0"))
    last_move = models.ForeignKey(
        "StockMove",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last move"),
    )
    last_issue_on = models.DateField(_("last issue"), null=True, blank=True)  # W4 slow-moving
    # I5: held by documents not yet posted (StockReservation); the rest is available
    reserved = models.DecimalField(_("reserved"), **QUANTITY, default=Decimal("0"), db_default=Decimal("0"))

    SCOPE = None

    class Meta:
        ordering = ["product__code", "location__code"]
        constraints = [
            models.UniqueConstraint(fields=["product", "location"], name="stock_product_location_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_quantity_not_negative"),
            models.CheckConstraint(condition=Q(value__gte=0), name="stock_value_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0, reserved__lte=F("quantity")),
                name="stock_reserved_within_quantity",
            ),
        ]
        indexes = [models.Index(fields=["location", "product"], name="stock_location_product_idx")]
        verbose_name = _("stock")
        verbose_name_plural = _("stock")

    def __str__(self) -> str:
        return f"{self.product_id}@{self.location_id}: {self.quantity}"


class StockLot(models.Model):
    """The same stock split by lot or serial number ('' when not tracked) and quality status."""

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="lots", verbose_name=_("stock"))
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    lot = models.CharField(_("lot / serial number"), max_length=60, blank=True)
    quality = models.CharField(_("quality"), max_length=10, choices=Quality, default=Quality.ACCEPTED)
    quantity = models.DecimalField(_("quantity"), **QUANTITY, default=Decimal("0"))
    reserved = models.DecimalField(_("reserved"), **QUANTITY, default=Decimal("0"), db_default=Decimal("0"))

    SCOPE = None

    class Meta:
        ordering = ["lot", "quality"]
        constraints = [
            models.UniqueConstraint(
                fields=["stock", "lot", "quality"], name="stocklot_stock_lot_quality_unique"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stocklot_quantity_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0, reserved__lte=F("quantity")),
                name="stocklot_reserved_within_quantity",
            ),
        ]
        indexes = [models.Index(fields=["product", "lot"], name="stocklot_product_lot_idx")]
        verbose_name = _("stock by lot")
        verbose_name_plural = _("stock by lot")

    def __str__(self) -> str:
        return f"{self.product_id}@{self.location_id} {self.lot or '-'} {self.quality}: {self.quantity}"


class StockReservation(models.Model):
    """Stock held for a document that will take it out once approved (I5): a submitted
    adjustment that reduces stock holds it until it is approved (and posted), rejected or
    cancelled — so nobody issues it meanwhile; later, shipments awaiting their second person.
    Written only by `ledger.reserve()` and `ledger.release()`, which keep `StockLot.reserved`
    and `Stock.reserved` equal to the sum of these rows."""

    lot_row = models.ForeignKey(
        StockLot, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("stock")
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    # the document holding it: "app_label.model" and id (a stock document, later a shipment)
    source_type = models.CharField(_("document type"), max_length=60)
    source_id = models.PositiveBigIntegerField(_("document"))
    line = models.PositiveIntegerField(_("line"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    SCOPE = None

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_quantity_positive"),
        ]
        indexes = [models.Index(fields=["source_type", "source_id"], name="reservation_source_idx")]
        verbose_name = _("stock reservation")
        verbose_name_plural = _("stock reservations")

    def __str__(self) -> str:
        return f"{self.source_type}#{self.source_id} line {self.line}: {self.quantity}"


# --- stock documents (W1) ------------------------------------------------------------------


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")  # 入库
    ISSUE = "issue", _("Issue")  # 出库
    RETURN = "return", _("Return")  # 退库
    TRANSFER = "transfer", pgettext_lazy("stock document kind", "Transfer")  # 移库
    ADJUSTMENT = "adjustment", _("Adjustment")  # 调整 (reviewed by a second person)


class Purpose(models.TextChoices):
    """Why stock comes in or goes out; decides which quality may be issued and whether a sample
    loan is opened."""

    PURCHASE = "purchase", _("Purchase / production")  # receipt
    SALE = "sale", _("Sale to a customer")  # issue (only accepted stock)
    INTERNAL = "internal", _("Internal use")  # issue (only accepted stock)
    SAMPLE = "sample", _("Sample or material lent out")  # issue → SampleLoan
    GIFT = "gift", _("Gift or policy material with a sale")  # issue (随车赠品, with a shipment)
    SUPPLIER_RETURN = "supplier_return", _("Return to supplier")  # issue (any quality)
    SCRAP = "scrap", _("Scrap")  # issue (any quality)
    CUSTOMER_RETURN = "customer_return", _("Return from a customer")  # return
    SAMPLE_RETURN = "sample_return", _("Sample returned")  # return → closes SampleLoan
    MOVE = "move", _("Move between locations")  # transfer
    COUNT = "count", _("Stocktake variance")  # adjustment
    CORRECTION = "correction", _("Correction")  # adjustment


class StockDocumentStatus(models.TextChoices):
    DRAFT = Status.DRAFT.value, Status.DRAFT.label
    SUBMITTED = Status.SUBMITTED.value, Status.SUBMITTED.label  # adjustments wait for review
    POSTED = "posted", pgettext_lazy("stock document", "Posted")
    REVERSED = "reversed", pgettext_lazy("stock document", "Reversed")
    CANCELLED = Status.CANCELLED.value, Status.CANCELLED.label


class StockDocument(Document):
    """A receipt, issue, return, transfer or adjustment. Posting writes its moves in one
    transaction; a posted document never changes and is corrected by a reversing document
    (`reverses`). Receipts, issues, returns and transfers are posted by the keeper; an
    adjustment is submitted and posted by the approval of a second person (双人复核)."""

    NUMBER_PREFIX = "WH"
    STATUS_COLOURS = {"posted": "success", "reversed": "dark"}
    DESTRUCTIVE_ACTIONS = {"cancel", "reverse"}
    ACTION_LABELS = {
        "post": pgettext_lazy("document action", "Post"),
        "reverse": pgettext_lazy("document action", "Reverse"),
    }
    EVENT_LABELS = {
        "post": pgettext_lazy("document event", "Posted"),
        "reverse": pgettext_lazy("document event", "Reversed"),
    }
    SCOPE = None
    EDITABLE_STATES = {StockDocumentStatus.DRAFT}
    TRANSITIONS = {
        # receipts, issues, returns, transfers (services refuse "post" for adjustments)
        "post": Transition(
            frozenset({StockDocumentStatus.DRAFT}),
            StockDocumentStatus.POSTED,
            permission="warehouse.post_stockdocument",
        ),
        # adjustments: two-person review; the approval posts
        "submit": Transition(
            frozenset({StockDocumentStatus.DRAFT}), StockDocumentStatus.SUBMITTED, starts_round=True
        ),
        "approve": Transition(
            frozenset({StockDocumentStatus.SUBMITTED}), StockDocumentStatus.POSTED, review=True
        ),
        "reject": Transition(
            frozenset({StockDocumentStatus.SUBMITTED}),
            StockDocumentStatus.DRAFT,
            review=True,
            needs_reason=True,
        ),
        "reverse": Transition(
            frozenset({StockDocumentStatus.POSTED}),
            StockDocumentStatus.REVERSED,
            permission="warehouse.post_stockdocument",
        ),
        "cancel": Transition(frozenset({StockDocumentStatus.DRAFT}), StockDocumentStatus.CANCELLED),
    }

    status = models.CharField(
        _("status"), max_length=20, choices=StockDocumentStatus, default=StockDocumentStatus.DRAFT
    )
    kind = models.CharField(_("kind"), max_length=12, choices=DocumentKind)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose)
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="documents", verbose_name=_("warehouse")
    )
    moved_on = models.DateField(_("date"))
    customer = models.ForeignKey(
        "crm.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    # The salesperson a sample is lent to, or who returns it.
    holder = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("issued to")
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)  # delivery note, PO …
    notes = models.TextField(_("notes"), blank=True)
    # The document this one reverses (a reversal is posted at once and marks the original reversed).
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    # Where it came from when another document made it (a stocktake, later a shipment).
    source_type = models.CharField(_("source"), max_length=40, blank=True, editable=False)
    source_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True, editable=False)
    posted_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("posted by"),
    )

    class Meta(Document.Meta):
        permissions = [
            ("post_stockdocument", "Can post and reverse stock documents"),
            ("approve_adjustment", "Can approve stock adjustments and stocktake variances"),
            ("inspect_stock", "Can record quality inspections"),
        ]
        indexes = [
            models.Index(fields=["kind", "status", "moved_on"], name="stockdoc_kind_status_idx"),
            models.Index(fields=["warehouse", "moved_on"], name="stockdoc_warehouse_date_idx"),
            models.Index(fields=["source_type", "source_id"], name="stockdoc_source_idx"),
        ]
        verbose_name = _("stock document")
        verbose_name_plural = _("stock documents")

    def get_absolute_url(self) -> str:
        return reverse("warehouse:document_detail", args=[self.pk])

    def review_route(self) -> list[str]:
        return ["warehouse.approve_adjustment"] if self.kind == DocumentKind.ADJUSTMENT else []


class StockDocumentLine(models.Model):
    """One line: product, lot/serial, quantity and location (the source of an issue or transfer,
    the destination of a receipt or return; for a transfer also `to_location`). Adjustment
    quantities are signed (+ found, − missing); every other quantity is positive."""

    document = models.ForeignKey(
        StockDocument, on_delete=models.CASCADE, related_name="lines", verbose_name=_("document")
    )
    position = models.PositiveIntegerField(_("line"), default=1)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    lot = models.CharField(_("lot / serial number"), max_length=60, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    to_location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to location"),
    )
    # Receipts and returns: the status the goods come in with (default pending inspection);
    # issues, transfers and adjustments: the status of the stock taken.
    quality = models.CharField(_("quality"), max_length=10, choices=Quality, default=Quality.ACCEPTED)
    unit_cost = models.DecimalField(_("unit cost"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE)
    value = models.DecimalField(_("value"), **MONEY, default=Decimal("0"), editable=False)  # set on posting
    due_back = models.DateField(_("expected return"), null=True, blank=True)  # sample loans
    loan = models.ForeignKey(
        "SampleLoan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="return_lines",
        verbose_name=_("sample loan"),
    )
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["product"], name="stockdocline_product_idx")]
        verbose_name = _("stock document line")
        verbose_name_plural = _("stock document lines")

    def __str__(self) -> str:
        return f"{self.document_id}/{self.position}"


class MoveKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ISSUE = "issue", _("Issue")
    RETURN = "return", _("Return")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    ADJUSTMENT = "adjustment", _("Adjustment")
    QUALITY = "quality", _("Quality inspection")


class StockMove(models.Model):
    """One immutable line of the move ledger: a signed quantity and value of one product at one
    location (lot, quality), with the running balance of that product × location after it —
    the stock card 卡. Written only by `ledger.post_moves()`; never updated or deleted."""

    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    lot = models.CharField(_("lot / serial number"), max_length=60, blank=True)
    quality = models.CharField(_("quality"), max_length=10, choices=Quality)
    kind = models.CharField(_("kind"), max_length=12, choices=MoveKind)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)  # + in, − out
    value = models.DecimalField(_("value"), **MONEY)  # + in, − out
    balance = models.DecimalField(_("balance"), **QUANTITY)  # Stock.quantity after this move
    balance_value = models.DecimalField(_("balance value"), **MONEY)
    moved_on = models.DateField(_("date"))
    document = models.ForeignKey(
        StockDocument, on_delete=models.PROTECT, related_name="moves", verbose_name=_("document")
    )
    line = models.ForeignKey(
        StockDocumentLine, on_delete=models.PROTECT, related_name="moves", verbose_name=_("line")
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    SCOPE = None

    class Meta:
        ordering = ["pk"]
        indexes = [
            # the stock card: one product × location in ledger order
            models.Index(fields=["product", "location", "id"], name="stockmove_card_idx"),
            models.Index(fields=["moved_on", "kind"], name="stockmove_date_kind_idx"),
            models.Index(fields=["document"], name="stockmove_document_idx"),
        ]
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")

    def __str__(self) -> str:
        return f"{self.kind} {self.product_id}@{self.location_id} {self.quantity}"


class QualityCheck(models.Model):
    """W6: the inspection of (part of) a receipt or return line that came in pending: how much
    was accepted and how much rejected (moved to quarantine). Posted at once."""

    line = models.ForeignKey(
        StockDocumentLine, on_delete=models.PROTECT, related_name="checks", verbose_name=_("line")
    )
    accepted = models.DecimalField(_("accepted"), **QUANTITY, default=Decimal("0"), validators=NON_NEGATIVE)
    rejected = models.DecimalField(_("rejected"), **QUANTITY, default=Decimal("0"), validators=NON_NEGATIVE)
    checked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("inspected by")
    )
    checked_at = models.DateTimeField(_("inspected at"), auto_now_add=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    SCOPE = None

    class Meta:
        ordering = ["pk"]
        verbose_name = _("quality inspection")
        verbose_name_plural = _("quality inspections")

    def __str__(self) -> str:
        return f"{self.line_id}: +{self.accepted} / -{self.rejected}"


# --- stock levels (W4) -----------------------------------------------------------------------


class StockRule(models.Model):
    """Minimum and maximum stock of a product in a warehouse (reorder point and target)."""

    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="rules", verbose_name=_("warehouse")
    )
    min_quantity = models.DecimalField(_("minimum"), **QUANTITY, validators=NON_NEGATIVE)
    max_quantity = models.DecimalField(_("maximum"), **QUANTITY, validators=NON_NEGATIVE)

    SCOPE = None

    class Meta:
        ordering = ["warehouse__code", "product__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "warehouse"], name="stockrule_product_warehouse_unique"
            ),
            models.CheckConstraint(
                condition=Q(max_quantity__gte=F("min_quantity")), name="stockrule_max_not_below_min"
            ),
        ]
        verbose_name = _("stock level rule")
        verbose_name_plural = _("stock level rules")

    def __str__(self) -> str:
        return f"{self.product_id}@{self.warehouse_id}: {self.min_quantity}–{self.max_quantity}"


# --- stocktakes (W3) -------------------------------------------------------------------------


class Stocktake(Document):
    """盘点: a spot check of one product, a cycle count of the products proposed this week, or
    the month-end full count. The book quantities are taken when the count starts; the counter
    enters what they found; the variance is posted as an adjustment when a second person — not
    the preparer, not anyone who counted — approves it."""

    class Kind(models.TextChoices):
        SPOT = "spot", _("Spot check")  # 抽查
        CYCLE = "cycle", _("Cycle count")  # 循环盘点
        FULL = "full", _("Full count")  # 月末全盘

    NUMBER_PREFIX = "PD"
    SCOPE = None
    TRANSITIONS = {
        "submit": Transition(frozenset({Status.DRAFT}), Status.SUBMITTED, starts_round=True),
        "approve": Transition(frozenset({Status.SUBMITTED}), Status.APPROVED, review=True),
        "reject": Transition(frozenset({Status.SUBMITTED}), Status.DRAFT, review=True, needs_reason=True),
        "cancel": Transition(frozenset({Status.DRAFT}), Status.CANCELLED),
    }

    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="stocktakes", verbose_name=_("warehouse")
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )
    counted_on = models.DateField(_("count date"))
    notes = models.TextField(_("notes"), blank=True)
    adjustment = models.OneToOneField(
        StockDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stocktake",
        editable=False,
        verbose_name=_("variance posting"),
    )

    class Meta(Document.Meta):
        indexes = [models.Index(fields=["warehouse", "counted_on"], name="stocktake_warehouse_date_idx")]
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")

    def get_absolute_url(self) -> str:
        return reverse("warehouse:stocktake_detail", args=[self.pk])

    def review_route(self) -> list[str]:
        return ["warehouse.approve_adjustment"]


class StocktakeLine(models.Model):
    """One product × location × lot × quality to count. `book_quantity` is the book when the
    count started and `book_move_id` the last move then, so later moves are not counted twice
    (the reconciliation shows the moves after it)."""

    stocktake = models.ForeignKey(
        Stocktake, on_delete=models.CASCADE, related_name="lines", verbose_name=_("stocktake")
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    lot = models.CharField(_("lot / serial number"), max_length=60, blank=True)
    quality = models.CharField(_("quality"), max_length=10, choices=Quality, default=Quality.ACCEPTED)
    book_quantity = models.DecimalField(_("book quantity"), **QUANTITY)
    book_move_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    counted_quantity = models.DecimalField(
        _("counted quantity"), **QUANTITY, null=True, blank=True, validators=NON_NEGATIVE
    )
    counted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("counted by")
    )
    counted_at = models.DateTimeField(_("counted at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["location__code", "product__code", "lot", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["stocktake", "product", "location", "lot", "quality"], name="stocktakeline_unique"
            )
        ]
        indexes = [models.Index(fields=["product", "location"], name="stocktakeline_product_loc_idx")]
        verbose_name = _("stocktake line")
        verbose_name_plural = _("stocktake lines")

    def __str__(self) -> str:
        return f"{self.stocktake_id}: {self.product_id}@{self.location_id}"

    @property
    def variance(self):
        if self.counted_quantity is None:
            return None
        return self.counted_quantity - self.book_quantity


# --- samples and sales materials (W5) --------------------------------------------------------


class SampleLoan(models.Model):
    """A sample or sales material (brochures, business cards, gifts) issued to a salesperson or
    a customer: opened by posting an issue with purpose "sample", closed by returns (a return
    document line pointing to it) and by what is recorded as consumed (given away, used up)."""

    class Status(models.TextChoices):
        OUT = "out", _("Out")
        CLOSED = "closed", _("Closed")

    issue_line = models.OneToOneField(
        StockDocumentLine, on_delete=models.PROTECT, related_name="sample_loan", verbose_name=_("issue line")
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    holder = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sample_loans",
        verbose_name=_("salesperson"),
    )
    customer = models.ForeignKey(
        "crm.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    issued_on = models.DateField(_("issued on"))
    due_back = models.DateField(_("expected return"), null=True, blank=True)
    returned = models.DecimalField(_("returned"), **QUANTITY, default=Decimal("0"))
    consumed = models.DecimalField(_("consumed"), **QUANTITY, default=Decimal("0"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OUT)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    # A salesperson sees the samples they hold; managers their team's; the keeper all.
    SCOPE = {"own": "holder", "team": "holder__team", "region": "holder__region"}

    class Meta:
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(returned__gte=0)
                & Q(consumed__gte=0)
                & Q(quantity__gte=F("returned") + F("consumed")),
                name="sampleloan_returned_consumed_within_quantity",
            )
        ]
        indexes = [models.Index(fields=["status", "due_back"], name="sampleloan_status_due_idx")]
        verbose_name = _("sample loan")
        verbose_name_plural = _("sample loans")

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"

    @property
    def outstanding(self):
        return self.quantity - self.returned - self.consumed


class ReceivedSample(models.Model):
    """样品的登记、查收、核实: a sample received from a customer or supplier — registered on
    arrival, checked (查收: what arrived matches the sender's note) and verified (核实) by a
    second person."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        CHECKED = "checked", _("Checked")
        VERIFIED = "verified", _("Verified")
        RETURNED = "returned", _("Returned to sender")
        DISPOSED = "disposed", _("Disposed")

    received_on = models.DateField(_("received on"))
    sender = models.CharField(_("sender"), max_length=200)
    customer = models.ForeignKey(
        "crm.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(
        _("quantity"), **QUANTITY, validators=[MinValueValidator(Decimal("0.001"))]
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("kept at")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.REGISTERED)
    registered_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    checked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("checked by")
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("verified by")
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    SCOPE = None

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("received sample")
        verbose_name_plural = _("received samples")

    def __str__(self) -> str:
        return f"{self.received_on} {self.sender}: {self.description}"
