from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkReportsConfig(AppConfig):
    name = "salesdept.workreports"
    label = "workreports"
    verbose_name = _("Work reports")

    def ready(self) -> None:
        from salesdept.core.audit import register

        from . import models

        # X3: every field change of a report and every comment is kept (who, when, before → after).
        register(models.WorkReport, models.WorkReportComment)
