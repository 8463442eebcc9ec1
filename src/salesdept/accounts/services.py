"""Every write to users, teams, regions and API tokens."""

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.core.permissions import require

from .models import ApiToken, Region, Team, User
from .roles import ROLES

USER_FIELDS = {"display_name", "email", "team_id", "region_id", "language", "is_active"}


def _full_clean(obj, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ValidationFailed(
            {f: " ".join(str(m) for m in msgs) for f, msgs in exc.message_dict.items()}
        ) from exc


def _check_roles(roles: list[str]) -> None:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValidationFailed({"roles": _("Unknown role: %(roles)s") % {"roles": ", ".join(unknown)}})


def _check_refs(team_id, region_id) -> None:
    if team_id is not None and not Team.objects.filter(pk=team_id).exists():
        raise ValidationFailed({"team_id": _("No such team.")})
    if region_id is not None and not Region.objects.filter(pk=region_id).exists():
        raise ValidationFailed({"region_id": _("No such region.")})


@transaction.atomic
def user_create(*, by: User, username: str, password: str, roles: list[str], **fields) -> User:
    """Create a user with roles (admin only). The password must pass the password rules."""
    require(by, "accounts.add_user")
    return _user_create(username=username, password=password, roles=roles, **fields)


@transaction.atomic
def admin_bootstrap(*, username: str, password: str, email: str = "") -> User:
    """Create an administrator (admin role, access to /admin/) without one signed in: the first
    account of a new installation, made by `salesdept createadmin` on the server itself."""
    return _user_create(username=username, password=password, roles=["admin"], email=email, is_staff=True)


def _user_create(*, username: str, password: str, roles: list[str], is_staff: bool = False, **fields) -> User:
    fields = {k: v for k, v in fields.items() if k in USER_FIELDS}
    _check_roles(roles)
    _check_refs(fields.get("team_id"), fields.get("region_id"))
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed({"username": _("A user with that username already exists.")})
    user = User(username=username, is_staff=is_staff, **fields)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed({"password": " ".join(exc.messages)}) from exc
    user.set_password(password)
    _full_clean(user)
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    return user


@transaction.atomic
def user_update(*, by: User, user_id: int, roles: list[str] | None = None, **fields) -> User:
    """Change a user's profile, team, region, roles or active flag (admin only)."""
    require(by, "accounts.change_user")
    user = User.objects.select_for_update().get(pk=user_id)
    fields = {k: v for k, v in fields.items() if k in USER_FIELDS}
    _check_refs(fields.get("team_id"), fields.get("region_id"))
    if roles is not None:
        _check_roles(roles)
    if user.pk == by.pk and fields.get("is_active") is False:
        raise DomainError("cannot_deactivate_self", _("You cannot deactivate your own account."))
    for k, v in fields.items():
        setattr(user, k, v)
    _full_clean(user, exclude=["password"])
    user.save()
    if roles is not None:
        user.groups.set(Group.objects.filter(name__in=roles))
    return user


@transaction.atomic
def language_set(*, by: User, language: str) -> User:
    """Remember the user's interface language."""
    if language not in User.Language.values:
        raise ValidationFailed({"language": _("Unknown language.")})
    User.objects.filter(pk=by.pk).update(language=language)
    by.language = language
    return by


@transaction.atomic
def token_create(*, by: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token; the key is returned once and only its hash is kept."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": _("This field is required.")})
    if len(name) > 100:
        raise ValidationFailed({"name": _("Ensure this value has at most 100 characters.")})
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=by, name=name, prefix=key[:10], digest=ApiToken.hash(key))
    return token, key


@transaction.atomic
def token_revoke(*, by: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; it stops working at once."""
    token = ApiToken.objects.select_for_update().filter(user=by, pk=token_id).first()
    if token is None:
        from django.http import Http404

        raise Http404
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(key: str) -> User | None:
    token = ApiToken.objects.select_related("user").filter(digest=ApiToken.hash(key), revoked_at=None).first()
    if token is None or not token.user.is_active:
        return None
    token.touch()
    return token.user
