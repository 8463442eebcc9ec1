"""Products and price policy (S1): what the department sells, at which prices, and how far each
role may go below the list price.

Three kinds of product share one model (DOMAIN: "the model does not change per industry"):
plain goods counted by quantity, serial-tracked items (a car by its VIN, tracked per unit by the
warehouse) and unique units (an apartment: building, floor, number, area — quantity is always 1).

Price policy: a sales line carries the list price, a discount and the net price. A line whose
discount exceeds the seller's DiscountAuthority, or whose net price is under the product's floor
price, cannot be confirmed until someone whose authority covers it approves a PriceApproval for
that document (事前请示); every such case is recorded as an audit signal (X3)."""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import bilingual

User = settings.AUTH_USER_MODEL

MONEY = {"max_digits": 14, "decimal_places": 2}
QUANTITY = {"max_digits": 14, "decimal_places": 3}
PERCENT = {"max_digits": 5, "decimal_places": 2}  # 0.00–100.00


class Channel(models.TextChoices):
    """Sales channel of a price list, an inquiry or an order."""

    DIRECT = "direct", _("Direct sales")
    DEALER = "dealer", _("Dealer")
    ONLINE = "online", _("Online")
    PROJECT = "project", _("Project / tender")
    OTHER = "other", _("Other")


class Category(models.Model):
    """A product category (a tree: 工程机械 › 液压泵). Reports group by it (P2)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")

    def __str__(self) -> str:
        return bilingual(self.name, self.name_en)


class Product(models.Model):
    """A product or service the department sells."""

    class Kind(models.TextChoices):
        GOODS = "goods", _("Goods")
        SERIAL = "serial", _("Serial-tracked item")
        UNIT = "unit", _("Unique unit")
        SERVICE = "service", _("Service")

    code = models.CharField(_("product code"), max_length=40, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.GOODS)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    uom = models.CharField(_("unit"), max_length=20, default="件")  # 台, 件, 套, 辆, 套(房) …
    spec = models.CharField(_("specification"), max_length=300, blank=True)
    list_price = models.DecimalField(_("list price"), **MONEY, validators=[MinValueValidator(Decimal("0"))])
    # Nobody sells under this without an approval that covers it; null = no floor.
    floor_price = models.DecimalField(
        _("floor price"), **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        **PERCENT,
        default=Decimal("13.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    # Unique units (real estate): where the unit is and its area.
    building = models.CharField(_("building"), max_length=50, blank=True)
    floor = models.CharField(_("floor"), max_length=20, blank=True)
    unit_number = models.CharField(_("unit number"), max_length=50, blank=True)
    area = models.DecimalField(_("area (m²)"), max_digits=10, decimal_places=2, null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["category", "code"], name="product_category_code_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(floor_price__isnull=True) | Q(floor_price__lte=models.F("list_price")),
                name="product_floor_not_above_list",
            ),
        ]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.code} {bilingual(self.name, self.name_en)}"

    def get_absolute_url(self) -> str:
        return reverse("catalog:product_detail", args=[self.pk])

    @property
    def is_unique_unit(self) -> bool:
        return self.kind == self.Kind.UNIT


class PriceList(models.Model):
    """Prices for a channel and/or region within validity dates. The price a line starts from
    is the newest valid list that matches the document's channel and the customer's region,
    else the product's list price (catalog.selectors.price_for)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel, blank=True)
    region = models.ForeignKey(
        "accounts.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="price_lists",
        verbose_name=_("region"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="pricelist_valid_range",
            ),
        ]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")

    def __str__(self) -> str:
        return bilingual(self.name, self.name_en)


class PriceListItem(models.Model):
    price_list = models.ForeignKey(
        PriceList, on_delete=models.CASCADE, related_name="items", verbose_name=_("price list")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="price_list_items", verbose_name=_("product")
    )
    price = models.DecimalField(_("price"), **MONEY, validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["price_list", "product"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product"], name="pricelist_product_unique")
        ]
        verbose_name = _("price list item")
        verbose_name_plural = _("price list items")

    def __str__(self) -> str:
        return f"{self.price_list} · {self.product.code}: {self.price}"


class DiscountAuthority(models.Model):
    """How far below the price a role may go on its own (e.g. salesperson 5 %, manager 10 %,
    director 20 %) and whether it may approve prices under the floor. A user's authority is the
    highest of their roles'. Seeded by migration; the administrator may change it."""

    role = models.CharField(_("role"), max_length=30, unique=True)  # accounts.roles.ROLES key
    max_discount = models.DecimalField(
        _("maximum discount (%)"),
        **PERCENT,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    below_floor = models.BooleanField(_("may approve prices under the floor"), default=False)

    class Meta:
        ordering = ["max_discount", "role"]
        verbose_name = _("discount authority")
        verbose_name_plural = _("discount authorities")

    def __str__(self) -> str:
        return f"{self.role}: {self.max_discount}%"


class PriceApproval(models.Model):
    """事前请示: a request, before confirming a document, to sell below the requester's own
    authority or under the floor. Approved by someone else whose authority covers `discount`
    (and `below_floor`); it then covers that document's lines up to those limits. A later edit
    that goes beyond them needs a new approval."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    document = GenericForeignKey("content_type", "object_id")
    discount = models.DecimalField(_("discount asked (%)"), **PERCENT)
    below_floor = models.BooleanField(_("under the floor price"), default=False)
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="priceapproval_document_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="priceapproval_not_own",
            ),
        ]
        permissions = [("decide_priceapproval", _("Can decide price approvals within their authority"))]
        verbose_name = _("price approval")
        verbose_name_plural = _("price approvals")

    def __str__(self) -> str:
        return f"{self.content_type.model} #{self.object_id}: {self.discount}%"
