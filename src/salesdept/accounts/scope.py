"""X1: the one rule for which rows a user may see. Every selector, page, API list, export and
report starts from `visible(qs, user)` (or `qs.visible_to(user)`).

A model declares the paths the rule follows:
    SCOPE = {"own": "owner", "team": "owner__team", "region": "customer__region"}
or SCOPE = None for master data every signed-in user may read. "own" may name several paths
(a tuple): the user sees the row when any of them is the user (owner or assignee)."""

import enum

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet


class Scope(enum.IntEnum):
    """How far a user sees; a user with several roles gets the widest."""

    NONE = 0
    OWN = 1
    TEAM = 2
    REGION = 3
    ALL = 4


def scope_of(user) -> Scope:
    from .roles import ROLES

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope.NONE
    if not hasattr(user, "_scope"):
        scopes = [ROLES[name].scope for name in user.role_names if name in ROLES]
        if user.is_superuser:
            scopes.append(Scope.ALL)
        user._scope = max(scopes, default=Scope.NONE)
    return user._scope


def region_subtree(region_id: int) -> list[int]:
    """The region and every region below it."""
    from .models import Region

    children: dict[int | None, list[int]] = {}
    for pk, parent in Region.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = [], [region_id]
    while todo:
        pk = todo.pop()
        found.append(pk)
        todo.extend(children.get(pk, []))
    return found


def scope_filter(model, user) -> Q | None:
    """The condition `user`'s rows satisfy, or None for "every row"; Q(pk__in=[]) for none."""
    paths = getattr(model, "SCOPE", None)
    scope = scope_of(user)
    if scope == Scope.NONE:
        return Q(pk__in=[])
    if paths is None or scope == Scope.ALL:
        return None
    own_paths = paths["own"] if isinstance(paths["own"], tuple | list) else (paths["own"],)
    own = Q()
    for path in own_paths:
        own |= Q(**{path: user.pk})
    if scope == Scope.REGION:
        if user.region_id is None:
            return own
        return Q(**{f"{paths['region']}__in": region_subtree(user.region_id)}) | own
    if scope == Scope.TEAM:
        if user.team_id is None:
            return own
        return Q(**{paths["team"]: user.team_id}) | own
    return own


def _crosses_many(model, path: str) -> bool:
    """Whether following `path` from `model` may meet a row more than once (a to-many hop)."""
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # a lookup such as "in" or "exact" ends the path
            return False
        if field.one_to_many or field.many_to_many:
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


def visible(qs, user) -> QuerySet:
    """Rows of `qs` (a manager or queryset) that `user` may see.

    The result stays free of DISTINCT, so callers may lock it with select_for_update() (PostgreSQL
    refuses FOR UPDATE with DISTINCT). When a scope path crosses a to-many relation the condition
    is applied through a pk subquery instead, so no row appears twice."""
    qs = qs.all()
    model = qs.model
    condition = scope_filter(model, user)
    if condition is None:
        return qs
    paths = []
    for value in (getattr(model, "SCOPE", None) or {}).values():
        paths.extend(value if isinstance(value, tuple | list) else (value,))
    if any(_crosses_many(model, path) for path in paths):
        return qs.filter(pk__in=model._default_manager.filter(condition).values("pk"))
    return qs.filter(condition)


def is_visible(obj, user) -> bool:
    return visible(type(obj)._default_manager.filter(pk=obj.pk), user).exists()


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user) -> QuerySet:
        return visible(self, user)
