"""Models whose every create, update and delete django-auditlog keeps (X3)."""

from auditlog.registry import auditlog
from django.contrib.auth.models import Group

from .models import ApiToken, Region, Team, User

auditlog.register(User, exclude_fields=["password", "last_login"], m2m_fields={"groups"})
auditlog.register(Team)
auditlog.register(Region)
auditlog.register(ApiToken, exclude_fields=["digest", "last_used_at"])
auditlog.register(Group, m2m_fields={"permissions"})
