"""Sales statistics (P2, 销售统计): the posted facts the reports count, and their monthly totals.

A `SalesFact` is one posted line as the statistics see it — ordered, shipped, invoiced or
collected — with the dimensions it had when it was posted (region, salesperson, team, customer,
product, category, channel): a customer who later moves region keeps last year's sales where
they were made. Facts are written by the service that posts the document (or by the history
import), never edited; a correction is a fact with the opposite sign.

`SalesTotal` holds the same facts summed by calendar month and one dimension: the reports over
whole months read it (a year by month × region reads 12 × regions rows, whatever the number of
order lines). It is written in the same transaction as the facts; `salesdept manage
verify_summaries` proves it equals the facts. Reports over a custom date range, and reports of
users who see only part of the facts (their own, their team's, their region's), read the facts
themselves through the one visibility rule."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesdept.catalog.models import Channel

MONEY = {"max_digits": 16, "decimal_places": 2}
QUANTITY = {"max_digits": 16, "decimal_places": 3}
ZERO = Decimal("0")


class Kind(models.TextChoices):
    ORDERED = "ordered", _("Ordered")
    SHIPPED = "shipped", _("Shipped")
    INVOICED = "invoiced", _("Invoiced")
    COLLECTED = "collected", _("Collected")


class Source(models.TextChoices):
    HISTORY = "history", _("Historical sales")
    ORDER = "order", _("Sales order")
    SHIPMENT = "shipment", _("Shipment")
    RETURN = "return", _("Return")
    INVOICE = "invoice", _("Invoice")
    PAYMENT = "payment", _("Payment")


class Dimension(models.TextChoices):
    REGION = "region", _("Region")
    SALESPERSON = "salesperson", _("Salesperson")
    TEAM = "team", _("Team")
    CUSTOMER = "customer", _("Customer")
    PRODUCT = "product", _("Product")
    CATEGORY = "category", _("Product category")
    CHANNEL = "channel", _("Channel")


# The fact's column each dimension groups by (an id, or the channel's code).
DIMENSION_COLUMNS = {
    Dimension.REGION: "region_id",
    Dimension.SALESPERSON: "salesperson_id",
    Dimension.TEAM: "team_id",
    Dimension.CUSTOMER: "customer_id",
    Dimension.PRODUCT: "product_id",
    Dimension.CATEGORY: "category_id",
    Dimension.CHANNEL: "channel",
}


class SalesFact(models.Model):
    """One posted line as the statistics count it (see the module's docstring)."""

    # X1: a salesperson sees their own sales, a team lead the team's, a regional manager the
    # region's (where the sale was made).
    SCOPE = {"own": "salesperson", "team": "team", "region": "region"}

    kind = models.CharField(_("measure"), max_length=10, choices=Kind)
    day = models.DateField(_("date"))  # the local calendar day it was posted (or ordered, for history)
    source = models.CharField(_("source"), max_length=10, choices=Source)
    source_id = models.PositiveBigIntegerField(_("document id"), null=True, blank=True)
    number = models.CharField(_("document number"), max_length=60)
    line = models.CharField(_("line"), max_length=20, blank=True)
    region = models.ForeignKey(
        "accounts.Region", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("region")
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("salesperson"),
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("team")
    )
    customer = models.ForeignKey(
        "crm.Customer", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("customer")
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("product")
    )
    category = models.ForeignKey(
        "catalog.Category",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("product category"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY, default=ZERO)
    amount = models.DecimalField(_("amount"), **MONEY, default=ZERO)
    cost = models.DecimalField(_("cost"), **MONEY, default=ZERO)

    class Meta:
        verbose_name = _("sales fact")
        verbose_name_plural = _("sales facts")
        permissions = [("import_history", _("Can import historical sales"))]
        indexes = [
            # the scoped reports and the drill-down: one salesperson's / team's / region's days
            models.Index(fields=["salesperson", "day"], name="fact_salesperson_day_idx"),
            models.Index(fields=["team", "day"], name="fact_team_day_idx"),
            models.Index(fields=["region", "day"], name="fact_region_day_idx"),
            models.Index(fields=["day", "kind"], name="fact_day_kind_idx"),
            models.Index(fields=["source", "number"], name="fact_source_number_idx"),
        ]
        constraints = [
            # a historical line is imported once (importing the same file twice adds nothing)
            models.UniqueConstraint(
                fields=["number", "line", "kind"],
                condition=models.Q(source="history"),
                name="fact_history_line_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} {self.line} {self.day}: {self.amount}"


class SalesTotal(models.Model):
    """The facts of one calendar month summed for one member of one dimension (see the module's
    docstring). `key` is the member's id as text, or the channel's code; "" for facts without
    one (a payment has no product)."""

    month = models.DateField(_("month"))  # the first day of the month
    dimension = models.CharField(_("dimension"), max_length=12, choices=Dimension)
    key = models.CharField(_("member"), max_length=40, blank=True)
    ordered_amount = models.DecimalField(_("ordered amount"), **MONEY, default=ZERO)
    ordered_quantity = models.DecimalField(_("ordered quantity"), **QUANTITY, default=ZERO)
    cost = models.DecimalField(_("cost"), **MONEY, default=ZERO)
    orders = models.IntegerField(_("orders"), default=0)
    shipped_amount = models.DecimalField(_("shipped amount"), **MONEY, default=ZERO)
    shipped_quantity = models.DecimalField(_("shipped quantity"), **QUANTITY, default=ZERO)
    invoiced_amount = models.DecimalField(_("invoiced amount"), **MONEY, default=ZERO)
    collected_amount = models.DecimalField(_("collected amount"), **MONEY, default=ZERO)

    class Meta:
        verbose_name = _("monthly sales total")
        verbose_name_plural = _("monthly sales totals")
        constraints = [
            models.UniqueConstraint(fields=["dimension", "month", "key"], name="salestotal_one_per_member"),
        ]
        indexes = [
            # the report page's default (ordered amount by member and month) read from the index
            # alone: no table read per row (about twice as fast over 10,000 salespeople × 9 months)
            models.Index(
                fields=["dimension", "month", "key", "ordered_amount"], name="salestotal_report_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.key} {self.month:%Y-%m}: {self.ordered_amount}"


# The measures a total sums, and which fact kind feeds each (the cost and the orders count go
# with the ordered amount).
TOTAL_MEASURES = (
    "ordered_amount",
    "ordered_quantity",
    "cost",
    "orders",
    "shipped_amount",
    "shipped_quantity",
    "invoiced_amount",
    "collected_amount",
)
