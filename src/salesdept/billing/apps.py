from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "salesdept.billing"
    label = "billing"
    verbose_name = _("Invoicing and receivables")

    def ready(self) -> None:
        from salesdept.core.audit import register

        from . import fulfillment, models, order_page

        order_page.plug_in()  # the "Invoice" button and the invoices on the order page

        fulfillment.plug_in()  # paid per contract milestone in the fulfillment overview

        # X3: every field change of these records is kept (who, when, before → after).
        for model in (models.Invoice, models.Payment, models.Allocation, models.CollectionTask):
            register(model)
