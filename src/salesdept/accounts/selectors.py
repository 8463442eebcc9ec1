"""Every read of organisation data; lists start from the scope rule."""

from django.shortcuts import get_object_or_404

from .models import ApiToken, Region, Team, User
from .scope import visible


def user_list(*, user, search: str = ""):
    qs = visible(User.objects, user).select_related("team", "region").prefetch_related("groups")
    if search:
        from django.db.models import Q

        qs = qs.filter(
            Q(username__icontains=search) | Q(display_name__icontains=search) | Q(email__icontains=search)
        )
    return qs.order_by("username")


def user_get(*, user, user_id: int) -> User:
    return get_object_or_404(user_list(user=user), pk=user_id)


def region_list(*, user):
    return visible(Region.objects, user).select_related("parent").order_by("code")


def team_list(*, user):
    return visible(Team.objects, user).select_related("manager", "region").order_by("code")


def token_list(*, user):
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")
