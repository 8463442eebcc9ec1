"""Registration with django-auditlog (X3): every create, update and delete of a model is kept."""

from auditlog.registry import auditlog


def register(*models, exclude_fields=(), **options) -> None:
    """Register `models` with auditlog, leaving out their reverse one-to-one accessors: they are
    not columns of the row, and auditlog would otherwise read each with a query of its own on
    every save (a stock document's `reversed_by` and `stocktake`, for instance)."""
    for model in models:
        reverse_one_to_one = [
            f.name for f in model._meta.get_fields() if f.one_to_one and f.auto_created and not f.concrete
        ]
        exclude = [*exclude_fields, *reverse_one_to_one]
        auditlog.register(model, exclude_fields=exclude or None, **options)


def save_changed(instance, before, fields: list[str]) -> None:
    """`instance.save(update_fields=fields)` with the auditlog entry made from `before` — a copy
    of the instance as read under the caller's row lock, before the change — instead of auditlog
    reading the row once more: the same entry (auditlog's own diff and `log_create`, so the
    actor, correlation id and field rules are auditlog's), one query less per transition."""
    from auditlog.context import disable_auditlog
    from auditlog.diff import model_instance_diff
    from auditlog.models import LogEntry
    from django.conf import settings

    with disable_auditlog():
        instance.save(update_fields=fields)
    if not auditlog.contains(type(instance)):
        return
    changes = model_instance_diff(
        before,
        instance,
        fields_to_check=fields,
        use_json_for_changes=getattr(settings, "AUDITLOG_STORE_JSON_CHANGES", False),
    )
    if changes:
        LogEntry.objects.log_create(instance, action=LogEntry.Action.UPDATE, changes=changes)
