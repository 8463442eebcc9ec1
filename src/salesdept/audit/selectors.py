"""Reads of the audit trail (X3): django-auditlog's LogEntry, filtered by filters.AuditFilter so the
page and the API answer the same rows."""

from auditlog.models import LogEntry

from salesdept.core.errors import ValidationFailed
from salesdept.core.permissions import require

from .filters import AuditFilter

PERMISSION = "audit.view_audit_trail"


def audit_list(*, user, filters=None):
    """Audit entries `user` may read (auditor, director: all of them), newest first unless
    `filters` says `sort=time`. `filters` is a dict or QueryDict with the names listed in
    filters.py; a bad value raises ValidationFailed naming the field."""
    require(user, PERMISSION)
    base = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    filterset = AuditFilter(filters if filters is not None else {}, queryset=base)
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    return filterset.qs
