from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "salesdept.sales"
    label = "sales"
    verbose_name = _("Sales pipeline")

    def ready(self) -> None:
        from salesdept.core.audit import register

        from . import models

        # X3: every field change of these records is kept (who, when, before → after).
        for model in (
            models.Inquiry,
            models.Quotation,
            models.Contract,
            models.PaymentMilestone,
            models.DeliverySchedule,
            models.ContractAttachment,
            models.ContractReviewRule,
            models.SalesOrder,
        ):
            register(model)
