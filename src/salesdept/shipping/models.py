"""Shipping 发货 (F1) and returns 退货/换货 (F5).

A `Shipment` is prepared by the back-office clerk from a confirmed sales order: which order
lines, how much of each (never more than is still open on the line), from which location and
lot/serial, plus the gifts and policy materials that go with it (随车赠品, lines without an order
line, taken from sample/material stock). Submitting it reserves the stock (warehouse
reservations, I5); a second person approves it (双人复核, core review); the approval issues the
stock through the warehouse service (one posted issue document whose source is the shipment),
moves the order lines' shipped quantities and posts the cost of goods to the ledger, all in one
transaction. Delivery is confirmed afterwards (date and receiver).

A `ReturnAuthorisation` takes goods of an approved shipment back: into the quarantine location
(pending inspection) once a second person approves it; the order lines' returned quantity
moves; billing issues the credit note for it."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesdept.catalog.models import MONEY, QUANTITY
from salesdept.core.models import Document, Status
from salesdept.core.workflow import Transition, standard_transitions

User = settings.AUTH_USER_MODEL

# A shipment is the order's: the salesperson of the order sees it; the region is the customer's.
SHIPPING_SCOPE = {"own": "order__owner", "team": "order__owner__team", "region": "customer__region"}
POSITIVE = [MinValueValidator(Decimal("0.001"))]


class ShipmentStatus(models.TextChoices):
    DRAFT = Status.DRAFT.value, Status.DRAFT.label  # being prepared by the clerk
    SUBMITTED = Status.SUBMITTED.value, Status.SUBMITTED.label  # stock reserved, waiting for 双人复核
    SHIPPED = "shipped", pgettext_lazy("shipment", "Shipped")  # approved: stock issued, ledger posted
    DELIVERED = "delivered", pgettext_lazy("shipment", "Delivered")  # the customer confirmed receipt
    CANCELLED = Status.CANCELLED.value, Status.CANCELLED.label


class ShippingMethod(models.TextChoices):
    OWN = "own", _("Own delivery")
    CARRIER = "carrier", _("Carrier")
    PICKUP = "pickup", _("Customer pickup (提车)")


class Shipment(Document):
    """发货单: goods leaving a warehouse for one customer against one confirmed order (F1)."""

    NUMBER_PREFIX = "SH"
    STATUS_COLOURS = {"shipped": "primary", "delivered": "success"}
    DESTRUCTIVE_ACTIONS = {"cancel"}
    ACTION_LABELS = {"deliver": pgettext_lazy("document action", "Confirm delivery")}
    EVENT_LABELS = {
        "approve": pgettext_lazy("document event", "Approved and shipped"),
        "deliver": pgettext_lazy("document event", "Delivered"),
    }
    SCOPE = SHIPPING_SCOPE
    TRANSITIONS = {
        **standard_transitions(cancel_from=(ShipmentStatus.DRAFT, ShipmentStatus.SUBMITTED)),
        "approve": Transition(frozenset({ShipmentStatus.SUBMITTED}), ShipmentStatus.SHIPPED, review=True),
        "deliver": Transition(
            frozenset({ShipmentStatus.SHIPPED}),
            ShipmentStatus.DELIVERED,
            permission="shipping.deliver_shipment",
        ),
    }

    status = models.CharField(
        _("status"), max_length=20, choices=ShipmentStatus, default=ShipmentStatus.DRAFT
    )
    order = models.ForeignKey(
        "sales.SalesOrder", on_delete=models.PROTECT, related_name="shipments", verbose_name=_("sales order")
    )
    customer = models.ForeignKey(
        "crm.Customer", on_delete=models.PROTECT, related_name="shipments", verbose_name=_("customer")
    )
    warehouse = models.ForeignKey(
        "warehouse.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    method = models.CharField(
        _("shipping method"), max_length=12, choices=ShippingMethod, default=ShippingMethod.OWN
    )
    promised_on = models.DateField(_("promised date"))
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    ship_to = models.CharField(_("delivery address"), max_length=300, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY, default=Decimal("0"), editable=False)
    notes = models.TextField(_("notes"), blank=True)
    shipped_on = models.DateField(_("shipped on"), null=True, blank=True, editable=False)
    stock_document = models.ForeignKey(
        "warehouse.StockDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("stock issue"),
        editable=False,
    )
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True, editable=False)
    received_by = models.CharField(
        pgettext_lazy("delivery", "received by"), max_length=100, blank=True, editable=False
    )

    class Meta(Document.Meta):
        indexes = [
            models.Index(fields=["order", "status"], name="shipment_order_status_idx"),
            models.Index(fields=["status", "promised_on"], name="shipment_status_promised_idx"),
            models.Index(fields=["customer", "shipped_on"], name="shipment_customer_idx"),
        ]
        permissions = [
            ("approve_shipment", _("Can approve shipments (second person)")),
            ("deliver_shipment", _("Can confirm deliveries")),
        ]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")

    def get_absolute_url(self) -> str:
        return reverse("shipping:shipment_detail", args=[self.pk])

    def review_route(self) -> list[str]:
        return ["shipping.approve_shipment"]


class ShipmentLine(models.Model):
    """One line of a shipment: an order line's product (or a gift: no order line, no amount),
    from a location and lot/serial. Amount = quantity × the order line's unit price."""

    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="lines", verbose_name=_("shipment")
    )
    position = models.PositiveIntegerField(_("line"), default=1)
    order_line = models.ForeignKey(
        "sales.SalesOrderLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shipment_lines",
        verbose_name=_("order line"),
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY, validators=POSITIVE)
    location = models.ForeignKey(
        "warehouse.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    lot = models.CharField(_("lot / serial number"), max_length=60, blank=True)
    unit_price = models.DecimalField(_("unit price"), **MONEY, default=Decimal("0"))
    amount = models.DecimalField(_("amount"), **MONEY, default=Decimal("0"))
    is_gift = models.BooleanField(_("gift / policy material"), default=False)
    # what posting the shipment took out of stock (the cost of goods), set on approval
    cost = models.DecimalField(_("cost"), **MONEY, default=Decimal("0"), editable=False)
    returned_quantity = models.DecimalField(_("returned"), **QUANTITY, default=Decimal("0"), editable=False)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_gift=True, order_line__isnull=True)
                | Q(is_gift=False, order_line__isnull=False),
                name="shipmentline_gift_or_order_line",
            ),
            models.CheckConstraint(
                condition=Q(returned_quantity__gte=0, returned_quantity__lte=F("quantity")),
                name="shipmentline_returned_le_shipped",
            ),
        ]
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")

    def __str__(self) -> str:
        return f"{self.position}. {self.product_id} × {self.quantity}"


class ReturnStatus(models.TextChoices):
    DRAFT = Status.DRAFT.value, Status.DRAFT.label
    SUBMITTED = Status.SUBMITTED.value, Status.SUBMITTED.label
    RECEIVED = "received", pgettext_lazy("return", "Received")  # approved: goods back in quarantine
    CANCELLED = Status.CANCELLED.value, Status.CANCELLED.label


class ReturnAuthorisation(Document):
    """退货单 (F5): goods of a shipment coming back, approved by a second person. On approval
    they are received into the warehouse's quarantine location pending inspection and the
    order lines' returned quantity moves; an exchange is a new shipment of the order."""

    NUMBER_PREFIX = "RA"
    STATUS_COLOURS = {"received": "success"}
    DESTRUCTIVE_ACTIONS = {"cancel"}
    EVENT_LABELS = {"approve": pgettext_lazy("document event", "Approved and received")}
    SCOPE = SHIPPING_SCOPE
    TRANSITIONS = {
        **standard_transitions(cancel_from=(ReturnStatus.DRAFT,)),
        "approve": Transition(frozenset({ReturnStatus.SUBMITTED}), ReturnStatus.RECEIVED, review=True),
    }

    status = models.CharField(_("status"), max_length=20, choices=ReturnStatus, default=ReturnStatus.DRAFT)
    shipment = models.ForeignKey(
        Shipment, on_delete=models.PROTECT, related_name="returns", verbose_name=_("shipment")
    )
    order = models.ForeignKey(
        "sales.SalesOrder", on_delete=models.PROTECT, related_name="+", verbose_name=_("sales order")
    )
    customer = models.ForeignKey(
        "crm.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    reason = models.TextField(_("reason"))
    amount = models.DecimalField(_("amount"), **MONEY, default=Decimal("0"), editable=False)
    received_on = models.DateField(_("received on"), null=True, blank=True, editable=False)
    stock_document = models.ForeignKey(
        "warehouse.StockDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("stock return"),
        editable=False,
    )

    class Meta(Document.Meta):
        permissions = [("approve_returnauthorisation", _("Can approve returns (second person)"))]
        verbose_name = _("return")
        verbose_name_plural = _("returns")

    def get_absolute_url(self) -> str:
        return reverse("shipping:return_detail", args=[self.pk])

    def review_route(self) -> list[str]:
        return ["shipping.approve_returnauthorisation"]


class ReturnLine(models.Model):
    authorisation = models.ForeignKey(
        ReturnAuthorisation, on_delete=models.CASCADE, related_name="lines", verbose_name=_("return")
    )
    position = models.PositiveIntegerField(_("line"), default=1)
    shipment_line = models.ForeignKey(
        ShipmentLine, on_delete=models.PROTECT, related_name="return_lines", verbose_name=_("shipment line")
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY, validators=POSITIVE)
    amount = models.DecimalField(_("amount"), **MONEY, default=Decimal("0"))

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")

    def __str__(self) -> str:
        return f"{self.position}. {self.shipment_line_id} × {self.quantity}"
