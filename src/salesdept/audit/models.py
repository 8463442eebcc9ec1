"""The audit trail itself is django-auditlog's LogEntry; this app adds who may read it and the
anti-fraud signals (X3)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditTrail(models.Model):
    """Holds the permission to read the audit trail; it has no table of its own."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_audit_trail", _("Can browse the audit trail"))]
        verbose_name = _("audit trail")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class Signal(models.Model):
    """An anti-fraud signal (X3, seed 8.1.7 杜绝经济犯罪): something an auditor should see, allowed
    or refused — a price under the floor, a discount over the seller's authority, an attempt to
    approve one's own document. Append-only: written by audit.services.record_signal()."""

    class Kind(models.TextChoices):
        UNDER_FLOOR = "under_floor", _("Price under the floor")
        OVER_AUTHORITY = "over_authority", _("Discount over authority")
        OWN_APPROVAL = "own_approval", _("Attempt to approve own document")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    document = GenericForeignKey("content_type", "object_id")
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["kind", "at"], name="signal_kind_at_idx"),
            models.Index(fields=["content_type", "object_id"], name="signal_document_idx"),
        ]
        verbose_name = _("audit signal")
        verbose_name_plural = _("audit signals")

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor_id} at {self.at:%Y-%m-%d %H:%M}"
