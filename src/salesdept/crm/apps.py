from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "salesdept.crm"
    label = "crm"
    verbose_name = _("Customers and relationships")

    def ready(self) -> None:
        from salesdept.core.audit import register

        from . import models

        # X3: every field change of these records is kept (who, when, before → after).
        for model in (
            models.Customer,
            models.Contact,
            models.CustomerDocument,
            models.Tier,
            models.Lead,
            models.LeadStage,
            models.Visit,
            models.Activity,
            models.PhoneCall,
            models.Feedback,
            models.Letter,
        ):
            register(model)
