from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scheduling"
    verbose_name = _("Agenda y sesiones")

    def ready(self):
        from accounts.signals import demo_seeded
        from patients.export import register_section
        from patients.services.retention import register_eraser
        from scheduling.demo import open_demo_booking, seed_demo_clinic
        from scheduling.portability import assessments_section, erase_patient, questionnaires_section, sessions_section

        register_section("sessions", sessions_section)
        register_section("assessments", assessments_section)
        register_section("questionnaires", questionnaires_section)
        register_eraser(erase_patient)
        demo_seeded.connect(seed_demo_clinic, dispatch_uid="scheduling.demo")
        demo_seeded.connect(open_demo_booking, dispatch_uid="scheduling.demo_booking")
        from billing.selectors import register_sessions_counter
        from scheduling import receivers
        from scheduling.booking import receivers as booking_receivers
        from scheduling.selectors import completed_sessions_since

        receivers.connect()
        booking_receivers.connect()
        register_sessions_counter(completed_sessions_since)
