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
