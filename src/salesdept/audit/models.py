"""The audit trail itself is django-auditlog's LogEntry; this app adds who may read it (X3)."""

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
