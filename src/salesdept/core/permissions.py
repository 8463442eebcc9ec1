"""Permission checks services share: pages, API and imports all reach the same services."""

from django.core.exceptions import PermissionDenied


def require(user, *perms: str) -> None:
    """Raise PermissionDenied unless `user` is active and holds every permission."""
    if not user.is_authenticated or not user.is_active or not all(user.has_perm(p) for p in perms):
        raise PermissionDenied
