"""Mechanisms every business document shares: numbering, states, the review log (X2, X3, I8, I9)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Sequence(models.Model):
    """The last number handed out for one document type in one year (I8).

    The row is created or raised by one statement (INSERT … ON CONFLICT DO UPDATE), which locks
    it, so two concurrent creations queue on it; the number is taken inside the document's own
    transaction, so a rollback gives the number back and the series stays gap-free."""

    key = models.CharField(_("document type"), max_length=20)
    year = models.PositiveIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "year"], name="sequence_key_year_unique")]
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.key}-{self.year}: {self.last}"


class Status(models.TextChoices):
    """The states every reviewed document shares; documents may add their own after approval."""

    DRAFT = "draft", _("Draft")  # being prepared; the preparer may edit it
    SUBMITTED = "submitted", _("Submitted")  # waiting for review (双人复核)
    APPROVED = "approved", _("Approved")  # every review step done
    CANCELLED = "cancelled", _("Cancelled")  # withdrawn before approval


class Document(models.Model):
    """Abstract base of every numbered business document with a workflow (X2).

    A subclass sets NUMBER_PREFIX, TRANSITIONS (see core.workflow) and SCOPE, and may override
    review_route() to choose who reviews it."""

    NUMBER_PREFIX = "DOC"
    TRANSITIONS: dict = {}
    # States in which the document may still be edited (an edit after submission bars the editor
    # from approving it).
    EDITABLE_STATES = {Status.DRAFT}

    number = models.CharField(_("number"), max_length=32, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("prepared by")
    )
    review_round = models.PositiveIntegerField(_("review round"), default=0, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number

    def review_route(self) -> list[str]:
        """Permissions needed, in order, for each review step of the current round."""
        return []

    @property
    def events(self):
        return DocumentEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(type(self)), object_id=self.pk
        )


class DocumentEvent(models.Model):
    """One step in a document's life (who, when, what, comment). Append-only: a database
    trigger refuses UPDATE, so the log cannot be rewritten (X2, X3)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    document = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    round = models.PositiveIntegerField(_("review round"), default=0)
    step = models.PositiveIntegerField(_("review step"), null=True, blank=True)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    note = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="docevent_document_idx")]
        verbose_name = _("document event")
        verbose_name_plural = _("document events")

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} at {self.at:%Y-%m-%d %H:%M}"


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an `Idempotency-Key` header (I9)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)  # method, path and body, hashed
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.key} ({self.user_id})"
