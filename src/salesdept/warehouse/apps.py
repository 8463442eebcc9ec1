from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarehouseConfig(AppConfig):
    name = "salesdept.warehouse"
    label = "warehouse"
    verbose_name = _("Warehouse")

    def ready(self) -> None:
        from salesdept.core.audit import register

        from . import models

        # X3: every field change of these records is kept. Stock moves need no entry: they are
        # append-only themselves (the database refuses UPDATE and DELETE).
        for model in (
            models.Warehouse,
            models.Location,
            models.StockDocument,
            models.StockRule,
            models.Stocktake,
            models.StocktakeLine,
            models.SampleLoan,
            models.ReceivedSample,
        ):
            register(model)
