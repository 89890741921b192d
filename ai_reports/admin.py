"""The AI console: the tier → model and price table (editable), practice tiers, and the stored
reports' administrative columns (their content is clinical and not shown)."""

from django.contrib import admin

from ai_reports.models import AIModelPrice, AIReport, PracticeAISettings


@admin.register(AIModelPrice)
class AIModelPriceAdmin(admin.ModelAdmin):
    list_display = (
        "tier",
        "model_id",
        "input_price_per_million",
        "output_price_per_million",
        "audio_credits_per_minute",
        "updated_at",
    )
    list_editable = ("model_id", "input_price_per_million", "output_price_per_million", "audio_credits_per_minute")


@admin.register(PracticeAISettings)
class PracticeAISettingsAdmin(admin.ModelAdmin):
    list_display = ("practice", "tier", "audio_transcription", "recording_retention_days", "note_format", "updated_at")
    list_filter = ("tier",)
    search_fields = ("practice__name",)


@admin.register(AIReport)
class AIReportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "practice", "patient", "author", "model", "input_tokens", "output_tokens", "credits")
    list_filter = ("model", "practice")
    list_select_related = ("practice", "patient", "author")
    fields = (
        "practice",
        "patient",
        "author",
        "range_type",
        "range_start",
        "range_end",
        "sessions_count",
        "model",
        "tier",
        "input_tokens",
        "output_tokens",
        "credits",
        "created_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
