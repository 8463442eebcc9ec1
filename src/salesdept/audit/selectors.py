from auditlog.models import LogEntry


def audit_list(*, user, filters=None):
    return LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
