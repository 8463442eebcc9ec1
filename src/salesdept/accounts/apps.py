from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "salesdept.accounts"
    label = "accounts"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from . import audit_registry  # noqa: F401  registers models with django-auditlog
        from .roles import sync_roles_after_migrate

        # Roles live in code; after every migrate the groups get the permissions that now exist
        # (later apps add permissions in their own migrations).
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="salesdept_sync_roles")
