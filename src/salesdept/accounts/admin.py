"""The admin site for the admin role (is_staff): users, teams, regions. Read-mostly: roles live
in code (roles.py), users are deactivated instead of deleted, API tokens are only looked at.
Business rules stay in the services; the admin is not the application."""

from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from salesdept.core.errors import DomainError

from . import services
from .models import ApiToken, Region, Team, User
from .roles import ROLES


def _role_label(group: Group) -> str:
    role = ROLES.get(group.name)
    return f"{role.label} ({group.name})" if role else group.name


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "display_name",
        "team",
        "region",
        "roles",
        "is_active",
        "is_staff",
        "last_login",
    )
    list_filter = ("is_active", "is_staff", "groups", "team", "region")
    search_fields = ("username", "display_name", "email", "first_name", "last_name")
    list_select_related = ("team", "region")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("display_name", "first_name", "last_name", "email", "language")}),
        (_("Organisation and roles"), {"fields": ("team", "region", "groups")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "display_name", "password1", "password2", "team", "region", "groups"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    actions = ["deactivate"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("Roles"))
    def roles(self, obj: User) -> str:
        return ", ".join(str(ROLES[g.name].label) for g in obj.groups.all() if g.name in ROLES)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            # A user's roles are the role groups of roles.py, shown by their translated names.
            kwargs["queryset"] = Group.objects.filter(name__in=list(ROLES)).order_by("name")
            kwargs["help_text"] = _("The roles decide what the user may see and do.")
            kwargs["widget"] = FilteredSelectMultiple(_("roles"), is_stacked=False)
            field = super().formfield_for_manytomany(db_field, request, **kwargs)
            field.label = _("Roles")
            field.label_from_instance = _role_label
            return field
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only a superuser grants superuser status or single permissions; an administrator
            # works through roles, and cannot raise their own rights beyond them.
            fields += ["is_superuser", "user_permissions"]
        return fields

    def has_delete_permission(self, request, obj=None):
        # Users are never deleted, only deactivated: the audit trail, the documents they prepared
        # and every review step they took refer to them, and must keep saying who it was.
        return False

    @admin.action(description=_("Deactivate the selected users"), permissions=["change"])
    def deactivate(self, request, queryset):
        done = 0
        for user in queryset:
            try:
                services.user_update(by=request.user, user_id=user.pk, is_active=False)
            except DomainError as exc:
                self.message_user(request, f"{user}: {exc.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, _("%(count)d users deactivated.") % {"count": done}, messages.SUCCESS)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "manager", "region")
    list_select_related = ("manager", "region")
    search_fields = ("code", "name", "name_en")
    list_filter = ("region",)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "parent")
    list_select_related = ("parent",)
    search_fields = ("code", "name", "name_en")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Look, do not touch."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    # Tokens are created and revoked by their owner on the profile page; only the hash is stored.
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    exclude = ("digest",)


# Roles are defined in code (roles.py) and their permissions reset after every migrate, so an
# edit here would be silently undone: the role groups are shown read-only.
admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(ReadOnlyAdmin, GroupAdmin):
    pass
