"""Admin for the crm master data the administrator configures: customer tiers with their revisit
rules and the lead stages. Customer records themselves are kept through the pages and the API
(their services check scope and duplicates), never here."""

from django.contrib import admin

from .models import LeadStage, Tier


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "revisit_days", "sort_order")
    list_editable = ("revisit_days", "sort_order")
    ordering = ("sort_order", "code")

    def has_delete_permission(self, request, obj=None):
        return False  # customers keep their tier; retire a tier by renaming it


@admin.register(LeadStage)
class LeadStageAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "sort_order", "outcome", "is_active")
    list_editable = ("sort_order", "is_active")
    list_filter = ("outcome", "is_active")
    ordering = ("sort_order",)

    def has_delete_permission(self, request, obj=None):
        return False  # stage history points to it; deactivate instead
