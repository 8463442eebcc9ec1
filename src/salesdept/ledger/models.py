"""The general ledger 总帐 and its detail ledgers 明细帐 (F4).

Every posting that moves goods or money — a stock document (its value), an approved shipment,
invoice, credit note or payment — writes one balanced `JournalEntry` (Σ debit = Σ credit, I1)
in the transaction of the document itself, through `ledger.services.post_entry()`. Entries and
their lines are append-only (a database trigger refuses UPDATE and DELETE): a correction is a
new entry. A closed `Period` (month) takes no more postings.

The detail ledgers are the same lines filtered by customer (receivables) or product
(inventory, cost of goods sold); each line carries the customer and product it concerns."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from salesdept.catalog.models import MONEY

User = settings.AUTH_USER_MODEL


class AccountKind(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    EQUITY = "equity", _("Equity")
    REVENUE = "revenue", _("Revenue")
    EXPENSE = "expense", _("Expense")


# Debit-normal kinds: their balance is debit − credit; the others credit − debit.
DEBIT_NORMAL = frozenset({AccountKind.ASSET, AccountKind.EXPENSE})


class Account(models.Model):
    """One account of the chart 会计科目 (codes of the Chinese enterprise standard). The chart a
    sales department needs is seeded by migration 0002; `codes.py` names the ones postings use."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=AccountKind)
    is_active = models.BooleanField(_("active"), default=True)

    SCOPE = None

    class Meta:
        ordering = ["code"]
        verbose_name = _("account")
        verbose_name_plural = _("chart of accounts")

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        """The name in the reader's language (Chinese when the page is in Chinese)."""
        from django.utils.translation import get_language

        if self.name_zh and (get_language() or "").startswith("zh"):
            return self.name_zh
        return self.name

    @property
    def debit_normal(self) -> bool:
        return self.kind in DEBIT_NORMAL


class Period(models.Model):
    """A closed month 结帐: no entry may be dated in it any more. A month without a row is open."""

    year = models.PositiveIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)
    closed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("closed by")
    )

    SCOPE = None

    class Meta:
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="period_year_month_unique"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="period_month_valid"),
        ]
        permissions = [("close_period", _("Can close accounting periods"))]
        verbose_name = _("closed period")
        verbose_name_plural = _("closed periods")

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


class JournalEntry(models.Model):
    """One balanced posting 记帐凭证, made by the document named in `source_*` (a stock document,
    shipment, invoice, payment …) in that document's transaction. Append-only."""

    entry_date = models.DateField(_("date"))
    source_type = models.CharField(_("source type"), max_length=40)  # "app_label.model"
    source_id = models.PositiveBigIntegerField(_("source id"))
    source_number = models.CharField(_("document"), max_length=40, blank=True)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    SCOPE = None

    class Meta:
        ordering = ["-entry_date", "-pk"]
        indexes = [
            models.Index(fields=["source_type", "source_id"], name="journal_source_idx"),
            models.Index(fields=["entry_date", "id"], name="journal_date_idx"),
        ]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")

    def __str__(self) -> str:
        return f"{self.entry_date} {self.source_number or self.source_type}"


class JournalLine(models.Model):
    """One side of an entry: a debit or a credit (never both) on one account, with the customer
    and product it concerns (the detail ledgers) and the entry's date copied for range scans."""

    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="lines", verbose_name=_("entry")
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="lines", verbose_name=_("account")
    )
    entry_date = models.DateField(_("date"))
    debit = models.DecimalField(_("debit"), **MONEY, default=Decimal("0"))
    credit = models.DecimalField(_("credit"), **MONEY, default=Decimal("0"))
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
    memo = models.CharField(_("memo"), max_length=200, blank=True)

    SCOPE = None

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["account", "entry_date", "id"], name="journalline_account_idx"),
            models.Index(fields=["customer", "account", "entry_date"], name="journalline_customer_idx"),
            models.Index(fields=["product", "account", "entry_date"], name="journalline_product_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(debit__gte=0, credit__gte=0) & (Q(debit=0) | Q(credit=0)),
                name="journalline_one_side",
            ),
        ]
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")

    def __str__(self) -> str:
        return f"{self.account_id} Dr {self.debit} Cr {self.credit}"
