from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "salesdept.ledger"
    label = "ledger"
    verbose_name = _("Ledgers")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from salesdept.core.audit import register

        from .services import ensure_chart

        # the chart comes back after a test database is flushed, like the roles
        post_migrate.connect(ensure_chart, sender=self, dispatch_uid="salesdept_ledger_chart")

        from . import models

        # X3: accounts and period closes are audited; journal entries and their lines are
        # append-only themselves (the database refuses UPDATE and DELETE).
        for model in (models.Account, models.Period):
            register(model)
