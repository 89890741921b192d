"""Sessions and blocked times for operators: administrative columns only. The clinical record
(content, notes, goals, assessments, attachments) is not shown in the console."""

from django.contrib import admin

from scheduling.models import BlockedTime, Session


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("starts_at", "ends_at", "practice", "patient", "therapist", "status", "type", "signed_at")
    list_filter = ("status", "type", "practice", ("signed_at", admin.EmptyFieldListFilter))
    search_fields = ("patient__name", "therapist__name", "therapist__email")
    list_select_related = ("practice", "patient", "therapist")
    date_hierarchy = "starts_at"
    fields = (
        "practice",
        "patient",
        "therapist",
        "starts_at",
        "ends_at",
        "status",
        "type",
        "location",
        "signed_at",
        "signed_by",
        "created_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BlockedTime)
class BlockedTimeAdmin(admin.ModelAdmin):
    list_display = ("therapist", "practice", "type", "reason", "starts_at", "ends_at")
    list_filter = ("type", "practice")
    search_fields = ("therapist__name", "reason")
    list_select_related = ("therapist", "practice")
