from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AiReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ai_reports"
    verbose_name = _("Inteligencia artificial")

    def ready(self):
        from ai_reports import contributions
        from patients.export import register_section
        from scheduling.dashboard import register_contributor

        register_section("reports", contributions.reports_section)
        register_contributor(contributions.dashboard_numbers)
