"""Admin for the kernel: the document log and number sequences, read-only (they are evidence)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import DocumentEvent, Sequence

admin.site.site_header = _("salesdept administration")
admin.site.site_title = _("salesdept administration")
admin.site.index_title = _("Users, roles and master data")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DocumentEvent)
class DocumentEventAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "content_type",
        "object_id",
        "action",
        "actor",
        "round",
        "step",
        "from_status",
        "to_status",
    )
    list_filter = ("action", "content_type")
    list_select_related = ("actor", "content_type")
    date_hierarchy = "at"


@admin.register(Sequence)
class SequenceAdmin(ReadOnlyAdmin):
    list_display = ("key", "year", "last")
    list_filter = ("key", "year")
