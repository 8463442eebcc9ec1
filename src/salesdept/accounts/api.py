"""API for the platform: tokens, me, users (admin), regions, teams."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from pydantic import ConfigDict

from salesdept.core.errors import DomainError
from salesdept.core.pagination import Pages

from . import selectors, services
from .models import User

router = Router(tags=["organisation"])


class StrictIn(Schema):
    """Input schemas refuse unknown fields (status, owner, approver…) with 422."""

    model_config = ConfigDict(extra="forbid")


class TokenIn(StrictIn):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=1000)


class TokenOut(Schema):
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
        return sorted(g.name for g in obj.groups.all())

    @staticmethod
    def resolve_scope(obj) -> str:
        return obj.scope.name.lower()


class UserIn(StrictIn):
    username: str = Field(..., min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")
    password: str = Field(..., min_length=1, max_length=128)
    display_name: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    team_id: int | None = None
    region_id: int | None = None
    language: str = Field("", max_length=10)
    roles: list[str] = []


class UserPatch(StrictIn):
    display_name: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=254)
    team_id: int | None = None
    region_id: int | None = None
    language: str | None = Field(None, max_length=10)
    is_active: bool | None = None
    roles: list[str] | None = None


class MePatch(StrictIn):
    language: str = Field(..., max_length=10)


@router.post("/auth/token", auth=None, response={200: TokenOut}, tags=["auth"])
def create_token(request, payload: TokenIn):
    """Exchange a username and password for a personal API token (throttled like the login page)."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        raise DomainError(
            "locked_out", _("Too many failed sign-in attempts. Try again later."), status=429
        )
    if user is None:
        raise DomainError("invalid_credentials", _("Wrong username or password."), status=401)
    _token, key = services.token_create(by=user, name=_("API sign-in"))
    return {"token": key}


@router.get("/me", response=UserOut, tags=["auth"])
def get_me(request):
    return selectors.user_get(user=request.user, user_id=request.user.pk)


@router.patch("/me", response=UserOut, tags=["auth"])
def update_me(request, payload: MePatch):
    services.language_set(by=request.user, language=payload.language)
    return selectors.user_get(user=request.user, user_id=request.user.pk)


@router.get("/users", response=list[UserOut])
@paginate(Pages)
def list_users(request, search: str = ""):
    return selectors.user_list(user=request.user, search=search[:100])


@router.get("/users/{user_id}", response=UserOut)
def get_user(request, user_id: int):
    return selectors.user_get(user=request.user, user_id=user_id)


@router.post("/users", response={201: UserOut})
def create_user(request, payload: UserIn):
    user = services.user_create(by=request.user, **payload.model_dump())
    return 201, selectors.user_get(user=request.user, user_id=user.pk)


@router.patch("/users/{user_id}", response=UserOut)
def update_user(request, user_id: int, payload: UserPatch):
    selectors.user_get(user=request.user, user_id=user_id)  # 404 outside scope
    services.user_update(by=request.user, user_id=user_id, **payload.model_dump(exclude_unset=True))
    return selectors.user_get(user=request.user, user_id=user_id)


@router.get("/regions", response=list[RegionOut])
@paginate(Pages)
def list_regions(request):
    return selectors.region_list(user=request.user)


@router.get("/teams", response=list[TeamOut])
@paginate(Pages)
def list_teams(request):
    return selectors.team_list(user=request.user)


__all__ = ["router", "User"]
