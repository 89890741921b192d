from django.apps import AppConfig


class AiReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ai_reports"
