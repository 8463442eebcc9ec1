from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShippingConfig(AppConfig):
    name = "salesdept.shipping"
    label = "shipping"
    verbose_name = _("Shipping")

    def ready(self) -> None:
        from salesdept.core.audit import register

        from . import models, order_page

        order_page.plug_in()  # the "Ship" button and the shipments on the order page

        # X3: every field change of these records is kept (who, when, before → after).
        for model in (models.Shipment, models.ReturnAuthorisation):
            register(model)
