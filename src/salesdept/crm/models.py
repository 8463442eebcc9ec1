"""Customers and relationships (C1–C5): the customer archive, leads, follow-ups, the phone log,
complaints and the correspondence register.

Every model here is scoped (X1, accounts/scope.py) through its SCOPE paths and written only by
the services in crm/services/. Denormalised columns (normalised name and phone, pinyin,
completeness, last contact) are kept by those services so lists and searches over 100,000
customers stay indexed lookups."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesdept.accounts.models import bilingual
from salesdept.accounts.scope import ScopedQuerySet

from .search_keys import SearchTextField

User = settings.AUTH_USER_MODEL

# Scope of everything that belongs to a customer: its owner, the owner's team, its region.
CUSTOMER_SCOPE = {"own": "customer__owner", "team": "customer__owner__team", "region": "customer__region"}


class Source(models.TextChoices):
    """Where a customer or lead came from (configurable labels, fixed codes for reports)."""

    VISIT = "visit", _("Walk-in visit")
    PHONE = "phone", _("Phone call")
    REFERRAL = "referral", _("Referral")
    EXHIBITION = "exhibition", _("Exhibition")
    WEBSITE = "website", _("Website")
    ADVERTISING = "advertising", _("Advertising")
    DEALER = "dealer", _("Dealer")
    OTHER = "other", _("Other")


class Tier(models.Model):
    """A customer grade (A/B/C …) with its revisit rule: a customer of this tier should be
    contacted at least every `revisit_days` days (C3). Configurable by the administrator."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50, blank=True)
    revisit_days = models.PositiveIntegerField(_("revisit every (days)"), default=90)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("customer tier")
        verbose_name_plural = _("customer tiers")

    def __str__(self) -> str:
        return bilingual(self.name, self.name_en)


class CustomerQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(merged_into__isnull=True, is_active=True)


class Customer(models.Model):
    """A company or a person the department sells to (客户档案, C1). Owned by one salesperson;
    a merged customer points to the one that absorbed it and is no longer listed."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        PERSON = "person", _("Person")

    SCOPE = {"own": "owner", "team": "owner__team", "region": "region"}

    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.COMPANY)
    code = models.CharField(_("customer number"), max_length=32, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    # Kept by the services: lower-cased name without spaces, punctuation and company suffixes
    # (duplicate check) and the pinyin of the name, full and initials (search).
    name_normalized = models.CharField(max_length=200, editable=False)
    name_pinyin = models.CharField(max_length=400, editable=False, blank=True)
    # What the search box matches, kept by SearchTextField on every save (crm/search_keys.py).
    search_text = SearchTextField()
    tier = models.ForeignKey(
        Tier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("tier"),
    )
    # No index of its own for region and owner: the (region, name) and (owner, name) indexes
    # below start with them (one index less to write per row, e.g. on an import).
    region = models.ForeignKey(
        "accounts.Region",
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("region"),
        db_index=False,
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source, blank=True)
    owner = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("salesperson"),
        db_index=False,
    )
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    phone_normalized = models.CharField(max_length=50, editable=False, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    # 开票信息 (invoicing data)
    tax_id = models.CharField(_("tax ID"), max_length=30, blank=True)
    invoice_name = models.CharField(_("invoice title"), max_length=200, blank=True)
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=60, blank=True)
    invoice_address = models.CharField(_("invoicing address"), max_length=300, blank=True)
    invoice_phone = models.CharField(_("invoicing phone"), max_length=50, blank=True)
    # F3: confirming an order that would take the receivable beyond it needs an override
    credit_limit = models.DecimalField(
        _("credit limit"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    notes = models.TextField(_("notes"), blank=True)

    is_active = models.BooleanField(_("active"), default=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name=_("merged into"),
    )
    # 完整、真实: the share of required fields filled in, 0–100, kept by the services.
    completeness = models.PositiveSmallIntegerField(_("completeness"), default=0, editable=False)
    # The last logged contact (C3); with the tier's revisit days it says when a visit is overdue.
    last_contact_on = models.DateField(_("last contact"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            # The list's order; with the filter columns in it the rows a deep page skips are
            # read from this index only (core.pagination.page_items).
            models.Index(fields=["name", "id", "is_active", "merged_into"], name="customer_name_cover_idx"),
            models.Index(fields=["owner", "name"], name="customer_owner_name_idx"),
            models.Index(fields=["region", "name"], name="customer_region_name_idx"),
            models.Index(fields=["owner", "completeness"], name="customer_owner_complete_idx"),
            models.Index(fields=["last_contact_on"], name="customer_last_contact_idx"),
            # Exact lookups only (duplicate check): a plain index, without the `_like` twin
            # PostgreSQL gets for a `db_index=True` text field.
            models.Index(fields=["name_normalized"], name="customer_name_norm_idx"),
            models.Index(fields=["phone_normalized"], name="customer_phone_norm_idx"),
            models.Index(fields=["tax_id"], name="customer_tax_id_idx"),
        ]
        permissions = [
            ("transfer_customer", _("Can transfer customers between salespeople")),
            ("merge_customer", _("Can merge duplicate customers")),
            ("import_customer", _("Can import customers")),
            ("export_customer", _("Can export customers")),
        ]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:customer_detail", args=[self.pk])


class Contact(models.Model):
    """A person at a customer (several per company)."""

    SCOPE = CUSTOMER_SCOPE

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=100)
    name_pinyin = models.CharField(max_length=200, editable=False, blank=True)
    search_text = SearchTextField()
    title = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    phone_normalized = models.CharField(max_length=50, editable=False, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-is_primary", "name", "pk"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name


def customer_document_path(instance, filename: str) -> str:
    return f"crm/customers/{instance.customer_id}/{filename}"


class CustomerDocument(models.Model):
    """A licence, certificate, invoicing-data sheet or contract scan kept as a file (证照、证书、
    开票信息). The clerk verifies it (who, when); replacing the file clears the verification."""

    class Kind(models.TextChoices):
        LICENCE = "licence", _("Business licence")
        CERTIFICATE = "certificate", _("Certificate")
        INVOICING = "invoicing", _("Invoicing data")
        CONTRACT_SCAN = "contract_scan", _("Contract scan")
        ID_CARD = "id_card", _("Identity document")
        OTHER = "other", _("Other")

    SCOPE = CUSTOMER_SCOPE

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="documents", verbose_name=_("customer")
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind)
    number = models.CharField(_("document number"), max_length=100, blank=True)
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=customer_document_path, max_length=300)
    file_sha256 = models.CharField(max_length=64, editable=False)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))
    verified_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("verified by")
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-uploaded_at", "pk"]
        indexes = [models.Index(fields=["expires_on"], name="custdoc_expires_idx")]
        permissions = [("verify_customerdocument", _("Can verify customer documents"))]
        verbose_name = _("customer document")
        verbose_name_plural = _("customer documents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}".strip()


class CustomerTransfer(models.Model):
    """A customer handed from one salesperson to another by a manager (history of ownership)."""

    SCOPE = CUSTOMER_SCOPE

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("customer")
    )
    from_owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("from"))
    to_owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("customer transfer")
        verbose_name_plural = _("customer transfers")

    def __str__(self) -> str:
        return f"{self.customer} {self.from_owner} → {self.to_owner}"


class CustomerMerge(models.Model):
    """A duplicate customer merged into another; its contacts, documents, leads, follow-ups and
    other records now belong to `kept`. The merged record stays readable (merged_into)."""

    SCOPE = {"own": "kept__owner", "team": "kept__owner__team", "region": "kept__region"}

    kept = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("kept customer")
    )
    merged = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("merged customer")
    )
    moved = models.JSONField(_("records moved"), default=dict)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")

    def __str__(self) -> str:
        return f"{self.merged} → {self.kept}"


# --------------------------------------------------------------------------------------- C2


class LeadStage(models.Model):
    """A step of the sales funnel (configurable): new → contacted → qualified → quoted →
    negotiating → won / lost. `outcome` marks the closing stages."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("Still open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome, default=Outcome.OPEN)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("lead stage")
        verbose_name_plural = _("lead stages")

    def __str__(self) -> str:
        return bilingual(self.name, self.name_en)


class Lead(models.Model):
    """A prospect (潜在客户, C2) followed through the stages to won or lost. Winning it creates or
    links a customer."""

    SCOPE = {"own": "owner", "team": "owner__team", "region": "region"}

    code = models.CharField(_("lead number"), max_length=32, unique=True, editable=False)
    name = models.CharField(_("prospect"), max_length=200)
    name_pinyin = models.CharField(max_length=400, editable=False, blank=True)
    name_normalized = models.CharField(max_length=200, editable=False, db_index=True)
    search_text = SearchTextField()
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    phone_normalized = models.CharField(max_length=50, editable=False, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source, default=Source.OTHER)
    stage = models.ForeignKey(
        LeadStage, on_delete=models.PROTECT, related_name="leads", verbose_name=_("stage")
    )
    expected_amount = models.DecimalField(
        _("expected amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    expected_on = models.DateField(_("expected closing date"), null=True, blank=True)
    lost_reason = models.CharField(_("lost reason"), max_length=300, blank=True)
    region = models.ForeignKey(
        "accounts.Region", on_delete=models.PROTECT, related_name="leads", verbose_name=_("region")
    )
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="leads", verbose_name=_("salesperson")
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("customer"),
    )
    notes = models.TextField(_("notes"), blank=True)
    stage_changed_at = models.DateTimeField(_("stage changed"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["owner", "stage"], name="lead_owner_stage_idx"),
            models.Index(fields=["created_at"], name="lead_created_idx"),
        ]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")

    def __str__(self) -> str:
        return self.name


class LeadStageChange(models.Model):
    """One move of a lead between stages; conversion rates (成交率) are computed from these."""

    SCOPE = {"own": "lead__owner", "team": "lead__owner__team", "region": "lead__region"}

    lead = models.ForeignKey(
        Lead, on_delete=models.PROTECT, related_name="stage_changes", verbose_name=_("lead")
    )
    from_stage = models.ForeignKey(
        LeadStage, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from")
    )
    to_stage = models.ForeignKey(LeadStage, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    note = models.CharField(_("comment"), max_length=300, blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["to_stage", "at"], name="leadchange_stage_at_idx")]
        verbose_name = _("lead stage change")
        verbose_name_plural = _("lead stage changes")

    def __str__(self) -> str:
        return f"{self.lead}: {self.from_stage} → {self.to_stage}"


class Visit(models.Model):
    """A visitor received at the office (来访接待): when, who received them, what they wanted.
    May create a lead."""

    SCOPE = {"own": "received_by", "team": "received_by__team", "region": "received_by__region"}

    visited_at = models.DateTimeField(_("visited at"))
    visitor_name = models.CharField(_("visitor"), max_length=100)
    company = models.CharField(_("company"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    people = models.PositiveIntegerField(_("number of visitors"), default=1)
    purpose = models.CharField(_("what they wanted"), max_length=300)
    notes = models.TextField(_("notes"), blank=True)
    received_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="visits_received", verbose_name=_("received by")
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("customer"),
    )
    lead = models.ForeignKey(
        Lead, on_delete=models.PROTECT, null=True, blank=True, related_name="visits", verbose_name=_("lead")
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_at", "-pk"]
        verbose_name = _("visitor reception")
        verbose_name_plural = _("visitor receptions")

    def __str__(self) -> str:
        return f"{self.visitor_name} {self.visited_at:%Y-%m-%d}"


# --------------------------------------------------------------------------------------- C3


class Activity(models.Model):
    """A follow-up (回访): a call, visit, message or meeting with a customer or lead, planned for
    a day and then logged with its result and next step."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        VISIT = "visit", _("Visit")
        MESSAGE = "message", _("Message")
        MEETING = "meeting", _("Meeting")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")  # due on due_on
        DONE = "done", _("Done")  # logged with a result
        CANCELLED = "cancelled", _("Cancelled")

    SCOPE = {"own": "owner", "team": "owner__team", "region": "region"}

    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.CALL)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PLANNED)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("customer"),
    )
    lead = models.ForeignKey(
        Lead,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("lead"),
    )
    # Copied from the customer or lead, so the regional scope and lists need no join.
    region = models.ForeignKey(
        "accounts.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    subject = models.CharField(_("subject"), max_length=200)
    due_on = models.DateField(_("due date"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="activities", verbose_name=_("salesperson")
    )
    # The follow-up that scheduled this one (revisit rule or a planned next step).
    follows = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("follows")
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["due_on", "id"], name="activity_due_idx"),
            models.Index(fields=["owner", "status", "due_on"], name="activity_owner_due_idx"),
            models.Index(fields=["status", "due_on"], name="activity_status_due_idx"),
            models.Index(fields=["customer", "status"], name="activity_customer_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | Q(lead__isnull=False),
                name="activity_has_customer_or_lead",
            ),
        ]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return self.subject


class PhoneCall(models.Model):
    """An incoming call taken by the clerk (电话接听记录): caller, number, topic, result and who
    it was handed to."""

    SCOPE = {"own": ("taken_by", "handed_to"), "team": "handed_to__team", "region": "customer__region"}

    called_at = models.DateTimeField(_("time of call"))
    caller = models.CharField(_("caller"), max_length=100)
    number = models.CharField(_("phone number"), max_length=50, blank=True)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="phone_calls",
        verbose_name=_("customer"),
    )
    topic = models.CharField(_("topic"), max_length=300)
    result = models.CharField(_("result"), max_length=300, blank=True)
    handed_to = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls_handed",
        verbose_name=_("handed to"),
    )
    taken_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("taken by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-called_at", "-pk"]
        verbose_name = _("phone call")
        verbose_name_plural = _("phone log")

    def __str__(self) -> str:
        return f"{self.caller} {self.called_at:%Y-%m-%d %H:%M}"


# --------------------------------------------------------------------------------------- C4


class Feedback(models.Model):
    """Feedback, a complaint or a quality issue from a customer (C4): routed to a department or
    person with a deadline, resolved, then confirmed with the customer."""

    class Kind(models.TextChoices):
        FEEDBACK = "feedback", _("Feedback")
        COMPLAINT = "complaint", _("Complaint")
        QUALITY = "quality", _("Quality issue")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("complaint status", "Open")  # logged, waiting for its handler
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")  # resolution written; the customer not yet told
        CONFIRMED = "confirmed", _("Confirmed")  # the customer confirmed the resolution

    class Department(models.TextChoices):
        SALES = "sales", _("Sales")
        QUALITY = "quality", _("Quality")
        PRODUCTION = "production", _("Production")
        LOGISTICS = "logistics", _("Logistics")
        FINANCE = "finance", _("Finance")
        SERVICE = "service", _("After-sales service")
        OTHER = "other", _("Other")

    SCOPE = {
        "own": ("customer__owner", "assignee"),
        "team": "customer__owner__team",
        "region": "customer__region",
    }

    number = models.CharField(_("number"), max_length=32, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.FEEDBACK)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.OPEN)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="feedback", verbose_name=_("customer")
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    received_on = models.DateField(_("received on"))
    # Quality issues name the product; a link to the catalogue and the shipment comes with them.
    product_name = models.CharField(_("product"), max_length=200, blank=True)
    department = models.CharField(_("responsible department"), max_length=20, choices=Department)
    assignee = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback_assigned",
        verbose_name=_("responsible person"),
    )
    deadline = models.DateField(_("deadline"))
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("resolved by")
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    customer_response = models.CharField(_("customer's response"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("logged by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["status", "deadline"], name="feedback_status_deadline_idx")]
        permissions = [("route_feedback", _("Can route feedback and complaints"))]
        verbose_name = _("feedback or complaint")
        verbose_name_plural = _("feedback and complaints")

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"


class FeedbackStep(models.Model):
    """One step in a complaint's handling: routed, started, resolved, confirmed, reopened."""

    SCOPE = {
        "own": ("feedback__customer__owner", "feedback__assignee"),
        "team": "feedback__customer__owner__team",
        "region": "feedback__customer__region",
    }

    feedback = models.ForeignKey(
        Feedback, on_delete=models.PROTECT, related_name="steps", verbose_name=_("feedback")
    )
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12)
    note = models.TextField(_("comment"), blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("feedback step")
        verbose_name_plural = _("feedback steps")

    def __str__(self) -> str:
        return f"{self.feedback}: {self.action}"


# --------------------------------------------------------------------------------------- C5


def letter_path(instance, filename: str) -> str:
    return f"crm/letters/{instance.date:%Y}/{filename}"


class Letter(models.Model):
    """An incoming or outgoing letter, fax, mail or document in the correspondence register
    (来电来函登记, C5), with a handler and a follow-up date."""

    class Direction(models.TextChoices):
        INCOMING = "in", _("Incoming")
        OUTGOING = "out", _("Outgoing")

    class Kind(models.TextChoices):
        LETTER = "letter", _("Letter")
        FAX = "fax", _("Fax")
        EMAIL = "email", _("E-mail")
        PARCEL = "parcel", _("Mail or parcel")
        DOCUMENT = "document", _("Document")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("letter status", "Open")  # waiting for the handler's follow-up
        DONE = "done", _("Done")

    SCOPE = {"own": "handler", "team": "handler__team", "region": "customer__region"}

    number = models.CharField(_("register number"), max_length=32, unique=True, editable=False)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.LETTER)
    date = models.DateField(_("date"))
    counterpart = models.CharField(_("from / to"), max_length=200)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
        verbose_name=_("customer"),
    )
    reference = models.CharField(_("their reference"), max_length=100, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    handler = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="letters", verbose_name=_("handler")
    )
    attachment = models.FileField(_("attachment"), upload_to=letter_path, max_length=300, blank=True)
    follow_up_on = models.DateField(_("follow up by"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=5, choices=Status, default=Status.OPEN)
    outcome = models.TextField(_("outcome"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["status", "follow_up_on"], name="letter_status_followup_idx")]
        verbose_name = _("correspondence")
        verbose_name_plural = _("correspondence register")

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"
