from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "salesdept.planning"
    label = "planning"
    verbose_name = _("Sales plans")

    def ready(self) -> None:
        from salesdept.core.audit import register

        from . import models

        # X3: every field change of a plan is kept (who, when, before → after). Its target rows
        # are replaced as a whole by an edit, which the plan's own log records ("edit").
        register(models.Plan)
