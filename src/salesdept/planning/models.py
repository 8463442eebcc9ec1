"""Sales plans and targets 年/季/月度销售计划 (P1, the seed's 8.1.4).

A plan is a reviewed document for one calendar year holding the department's targets. Each
target line names a level (the company, a region, a team, a salesperson or a product category),
a measure (sales amount, quantity, new customers, collections) and twelve monthly values, stored
as one PlanTarget row per month, so quarters and the year are SUMs the database computes."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesdept.core.models import Document, Status
from salesdept.core.workflow import Transition, standard_transitions

User = settings.AUTH_USER_MODEL

FIRST_YEAR, LAST_YEAR = 2000, 2100


class PlanStatus(models.TextChoices):
    DRAFT = Status.DRAFT.value, _("Draft")  # being prepared; editable
    SUBMITTED = Status.SUBMITTED.value, _("In review")  # waiting for the director (双人复核)
    APPROVED = Status.APPROVED.value, _("Approved")  # the year's current plan; fixed
    SUPERSEDED = "superseded", _("Superseded")  # replaced by an approved revision; still readable
    CANCELLED = Status.CANCELLED.value, _("Cancelled")  # withdrawn before approval


class Level(models.TextChoices):
    COMPANY = "company", pgettext_lazy("plan level", "Company")  # 公司, not a customer's kind 单位
    REGION = "region", _("Region")
    TEAM = "team", _("Team")
    SALESPERSON = "salesperson", _("Salesperson")
    CATEGORY = "category", _("Product category")


class Measure(models.TextChoices):
    AMOUNT = "amount", _("Sales amount")
    QUANTITY = "quantity", _("Quantity")
    NEW_CUSTOMERS = "new_customers", _("New customers")
    COLLECTIONS = "collections", _("Collections")


# Money is kept to the cent; quantities and customer counts to the unit.
PLACES = {
    Measure.AMOUNT: Decimal("0.01"),
    Measure.COLLECTIONS: Decimal("0.01"),
    Measure.QUANTITY: Decimal("1"),
    Measure.NEW_CUSTOMERS: Decimal("1"),
}

# The field that names the subject of each level (None: the whole company).
SUBJECT_FIELD = {
    Level.COMPANY: None,
    Level.REGION: "region",
    Level.TEAM: "team",
    Level.SALESPERSON: "salesperson",
    Level.CATEGORY: "category",
}


class Plan(Document):
    """销售计划: one calendar year's targets, reviewed by a second person (the director holds
    `planning.review_plan`; the preparer never approves). Once approved the plan is fixed. A
    revision 修订 is a new plan (`revision_of` → the plan it revises, `revision_no` + 1, number
    `<original>-R<n>`) reviewed again; when it is approved the plan it revises becomes superseded
    and stays readable. At most one approved (current) plan per year (a database constraint).

    Scope (X1): the plan document itself is not scoped (SCOPE = None) — every role holding
    `planning.view_plan` sees which plans exist, their year and status. What a user sees of a
    plan's figures is decided per target row (PlanTarget.SCOPE): a salesperson their own
    targets, a team lead their team's, a regional manager their region's and below, the director
    (and the other all-seeing roles) everything."""

    NUMBER_PREFIX = "SP"
    # Revisions are numbered "<original number>-R<n>" (not from the sequence).
    NUMBER_SUFFIX_PATTERN = r"(-R[0-9]+)?"
    SCOPE = None
    EDITABLE_STATES = {PlanStatus.DRAFT}
    STATUS_COLOURS = {PlanStatus.SUPERSEDED: "light"}
    ACTION_LABELS = {
        "supersede": pgettext_lazy("document action", "Supersede"),
        "revise": pgettext_lazy("document action", "Revise"),
    }
    EVENT_LABELS = {
        "supersede": pgettext_lazy("document event", "Superseded by a revision"),
        "revise": pgettext_lazy("document event", "Revision drafted"),
    }
    TRANSITIONS = {
        **standard_transitions(),
        # Approving a revision supersedes the plan it revises (logged on that plan).
        "supersede": Transition(
            frozenset({PlanStatus.APPROVED}), PlanStatus.SUPERSEDED, permission="planning.review_plan"
        ),
    }

    status = models.CharField(_("status"), max_length=20, choices=PlanStatus, default=PlanStatus.DRAFT)
    # Not named `year`: core.invariants annotates document numbers with a `year` of their own.
    calendar_year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    revision_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name=_("revises"),
        editable=False,
    )
    revision_no = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)

    class Meta(Document.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["calendar_year"], condition=Q(status="approved"), name="plan_one_approved_per_year"
            ),
            models.CheckConstraint(
                condition=Q(calendar_year__gte=FIRST_YEAR, calendar_year__lte=LAST_YEAR),
                name="plan_year_range",
            ),
        ]
        indexes = [models.Index(fields=["calendar_year", "status"], name="plan_year_status_idx")]
        permissions = [("review_plan", _("Can review sales plans"))]
        verbose_name = _("sales plan")
        verbose_name_plural = _("sales plans")

    def __str__(self) -> str:
        return f"{self.number} ({self.calendar_year})"

    def get_absolute_url(self) -> str:
        return reverse("planning:plan_detail", args=[self.pk])

    def review_route(self) -> list[str]:
        """One step: the director (whoever holds planning.review_plan, never the preparer)."""
        return ["planning.review_plan"]


def _level_condition() -> Q:
    """Exactly the subject field of the row's level is set (team and region may also be set on
    lower levels: they carry the scope, see PlanTarget)."""
    return (
        Q(level=Level.COMPANY, region__isnull=True, team__isnull=True, salesperson__isnull=True)
        & Q(category__isnull=True)
        | Q(level=Level.REGION, region__isnull=False, team__isnull=True, salesperson__isnull=True)
        & Q(category__isnull=True)
        | Q(level=Level.TEAM, team__isnull=False, salesperson__isnull=True, category__isnull=True)
        | Q(level=Level.SALESPERSON, salesperson__isnull=False, category__isnull=True)
        | Q(level=Level.CATEGORY, category__isnull=False, region__isnull=True, team__isnull=True)
        & Q(salesperson__isnull=True)
    )


class PlanTarget(models.Model):
    """One month of one target line of a plan: line `line` (its position in the plan), level
    and subject, measure, month 1–12 and the value (Decimal; to the cent for money, whole for
    quantities and customer counts). A quarter is the SUM of its three months, the year the SUM
    of all twelve, so the breakdown adds up to the year by construction.

    Scope (X1): SCOPE = own → salesperson, team → team, region → region. `team` and `region` are
    the subject's own on a team row (its region), and the salesperson's team and region on a
    salesperson row, copied when the target is written, so a team lead sees the team's row and
    the members' rows, a regional manager those of their region and below. Company and category
    rows carry neither: only the all-seeing roles (director, clerk, finance, auditor) see them."""

    SCOPE = {"own": "salesperson", "team": "team", "region": "region"}

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets", verbose_name=_("plan"))
    line = models.PositiveIntegerField(_("line"))
    level = models.CharField(_("level"), max_length=20, choices=Level)
    region = models.ForeignKey(
        "accounts.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    salesperson = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("salesperson")
    )
    category = models.ForeignKey(
        "catalog.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product category"),
    )
    measure = models.CharField(_("measure"), max_length=20, choices=Measure)
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    value = models.DecimalField(_("target"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["plan", "line", "month"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "line", "month"], name="plantarget_line_month_unique"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="plantarget_month_range"),
            models.CheckConstraint(condition=Q(value__gte=0), name="plantarget_value_not_negative"),
            models.CheckConstraint(condition=_level_condition(), name="plantarget_level_subject"),
        ]
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.line}/{self.month}: {self.value}"
