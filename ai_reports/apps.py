from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AiReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ai_reports"
    verbose_name = _("Inteligencia artificial")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from ai_reports import contributions
        from ai_reports.models import AIModelPrice
        from patients.export import register_section
        from scheduling.dashboard import register_contributor
        from sessai.cache import forget

        def forget_price(sender, instance, **kwargs):
            forget(f"ai:price:{instance.tier}")

        post_save.connect(forget_price, sender=AIModelPrice, dispatch_uid="ai.price.cache", weak=False)
        post_delete.connect(forget_price, sender=AIModelPrice, dispatch_uid="ai.price.cache.delete", weak=False)
        register_section("reports", contributions.reports_section)
        register_section("summaries", contributions.summaries_section)
        from patients.services.retention import register_eraser

        register_eraser(contributions.erase_patient)
        register_contributor(contributions.dashboard_numbers)
        from accounts.signals import demo_seeded
        from ai_reports.demo import seed_demo_recording, seed_demo_summary

        demo_seeded.connect(seed_demo_recording, dispatch_uid="ai_reports.demo")
        demo_seeded.connect(seed_demo_summary, dispatch_uid="ai_reports.demo_summary")
        from ai_reports.services import recordings
        from patients.signals import patient_merged, recording_consent_revoked, recording_consent_signed

        patient_merged.connect(contributions.patient_merged, dispatch_uid="ai_reports.patient_merged")

        recording_consent_signed.connect(recordings.consent_signed_by_patient, dispatch_uid="ai_reports.consent_signed")
        recording_consent_revoked.connect(
            recordings.consent_revoked_by_patient, dispatch_uid="ai_reports.consent_revoked"
        )
