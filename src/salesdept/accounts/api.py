"""API for the platform: sign-in tokens, me, users (admin writes), regions, teams, API tokens.

Reads go through the selectors (the scope rule X1: someone else's record outside your scope is
404); writes go through the services, which check permissions themselves."""

from datetime import datetime
from typing import Literal

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salesdept.core.errors import DomainError
from salesdept.core.pagination import paginate
from salesdept.core.schemas import ErrorOut, StrictIn, error_body

from . import selectors, services
from .models import User

router = Router(tags=["organisation"])

Language = Literal["en", "zh-hans"]
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
NO_STORE = "no-store"  # answers that carry a token key: never cached, never kept for replay


# --- schemas ---------------------------------------------------------------------------------


class TokenIn(StrictIn):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=1000)


class SignInTokenOut(Schema):
    token: str


class RegionOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    parent_id: int | None


class TeamOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    manager_id: int | None
    region_id: int | None


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    team_id: int | None
    region_id: int | None
    language: str
    is_active: bool
    roles: list[str]
    scope: str

    @staticmethod
    def resolve_roles(obj) -> list[str]:
        return _role_names(obj)

    @staticmethod
    def resolve_scope(obj) -> str:
        _role_names(obj)
        return obj.scope.name.lower()


def _role_names(user: User) -> list[str]:
    # Read the prefetched groups and seed User.role_names' cache with them, so the scope of
    # every listed user costs no query of its own.
    names = sorted(g.name for g in user.groups.all())
    user._role_names = names
    return names


class UserIn(StrictIn):
    username: str = Field(..., min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")
    password: str = Field(..., min_length=1, max_length=128)
    display_name: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    team_id: int | None = None
    region_id: int | None = None
    language: Literal["", "en", "zh-hans"] = ""
    roles: list[str] = Field(default_factory=list, max_length=20)


class UserPatch(StrictIn):
    # A field left out stays unchanged. Only team_id and region_id accept null (no team, no region);
    # the others default to None without admitting null, so `"display_name": null` is refused.
    display_name: str = Field(None, max_length=100)
    email: str = Field(None, max_length=254)
    team_id: int | None = None
    region_id: int | None = None
    language: Literal["", "en", "zh-hans"] = None
    is_active: bool = None
    roles: list[str] = Field(None, max_length=20)


class MePatch(StrictIn):
    language: Language


class ApiTokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    is_active: bool


class ApiTokenIn(StrictIn):
    name: str = Field(..., min_length=1, max_length=100)


class ApiTokenCreatedOut(ApiTokenOut):
    key: str = Field(..., description="The token itself. Shown once: only its hash is kept.")


# --- sign-in and me --------------------------------------------------------------------------


@router.post(
    "/auth/token",
    auth=None,
    response={200: SignInTokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    tags=["auth"],
)
def create_sign_in_token(request, payload: TokenIn, response: HttpResponse):
    """Exchange a username and password for a personal API token.

    Throttled by django-axes exactly like the login page: after too many failures the username
    is locked out from this address and every attempt answers 429 `locked_out`."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        # AxesMiddleware would swap our answer for the HTML lockout page; the API answers JSON.
        request.axes_locked_out = False
        if cool_off := get_cool_off(request):
            response["Retry-After"] = str(int(cool_off.total_seconds()))
        return Status(429, error_body("locked_out", _("Too many failed sign-in attempts. Try again later.")))
    if user is None:
        raise DomainError("invalid_credentials", _("Wrong username or password."), status=401)
    # A successful sign-in, as on the login page: axes clears the failures, last_login is set.
    user_logged_in.send(sender=type(user), request=request, user=user)
    _token, key = services.token_create(by=user, name=_("API sign-in"))
    response["Cache-Control"] = NO_STORE
    return {"token": key}


@router.get("/me", response=UserOut, tags=["auth"])
def get_me(request):
    """Who I am: my roles, team, region, language and how far I see."""
    return request.user


@router.patch("/me", response={200: UserOut, **ERRORS}, tags=["auth"])
def update_me(request, payload: MePatch):
    """Change my interface language (remembered on every device)."""
    return services.language_set(by=request.user, language=payload.language)


# --- users -----------------------------------------------------------------------------------


@router.get("/users", response=list[UserOut])
@paginate
def list_users(request, search: str = Query("", max_length=100)):
    """People I may see (X1), by username; `search` matches username, name and e-mail."""
    return selectors.user_list(user=request.user, search=search.strip())


@router.get("/users/{user_id}", response={200: UserOut, 404: ErrorOut})
def get_user(request, user_id: int):
    return selectors.user_get(user=request.user, user_id=user_id)


@router.post("/users", response={201: UserOut, **ERRORS})
def create_user(request, payload: UserIn):
    """Create a person with roles (administrators only)."""
    user = services.user_create(by=request.user, **payload.model_dump())
    return Status(201, selectors.user_get(user=request.user, user_id=user.pk))


@router.patch("/users/{user_id}", response={200: UserOut, **ERRORS})
def update_user(request, user_id: int, payload: UserPatch):
    """Change a person's profile, team, region, roles or active flag (administrators only)."""
    selectors.user_get(user=request.user, user_id=user_id)  # 404 outside my scope, before 403
    services.user_update(by=request.user, user_id=user_id, **payload.model_dump(exclude_unset=True))
    return selectors.user_get(user=request.user, user_id=user_id)


# --- regions and teams -----------------------------------------------------------------------


@router.get("/regions", response=list[RegionOut])
@paginate
def list_regions(request):
    return selectors.region_list(user=request.user)


@router.get("/regions/{region_id}", response={200: RegionOut, 404: ErrorOut})
def get_region(request, region_id: int):
    return get_object_or_404(selectors.region_list(user=request.user), pk=region_id)


@router.get("/teams", response=list[TeamOut])
@paginate
def list_teams(request):
    return selectors.team_list(user=request.user)


@router.get("/teams/{team_id}", response={200: TeamOut, 404: ErrorOut})
def get_team(request, team_id: int):
    return get_object_or_404(selectors.team_list(user=request.user), pk=team_id)


# --- my API tokens ---------------------------------------------------------------------------


@router.get("/tokens", response=list[ApiTokenOut], tags=["auth"])
@paginate
def list_tokens(request):
    """My personal API tokens, newest first (keys are never shown again)."""
    return selectors.token_list(user=request.user)


@router.post("/tokens", response={201: ApiTokenCreatedOut, **ERRORS}, tags=["auth"])
def create_token(request, payload: ApiTokenIn, response: HttpResponse):
    """Create a personal API token. The answer holds the key, once."""
    token, key = services.token_create(by=request.user, name=payload.name)
    response["Cache-Control"] = NO_STORE
    token.key = key
    return Status(201, token)


@router.delete("/tokens/{token_id}", response={204: None, 404: ErrorOut}, tags=["auth"])
def revoke_token(request, token_id: int):
    """Revoke one of my tokens; it stops working at once."""
    services.token_revoke(by=request.user, token_id=token_id)
    return Status(204, None)
