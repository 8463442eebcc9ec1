from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "salesdept.catalog"
    label = "catalog"
    verbose_name = _("Products and prices")

    def ready(self) -> None:
        from salesdept.core.audit import register

        from . import models

        # X3: price and authority changes are part of the audit trail.
        for model in (
            models.Category,
            models.Product,
            models.PriceList,
            models.PriceListItem,
            models.DiscountAuthority,
            models.PriceApproval,
        ):
            register(model)
