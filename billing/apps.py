from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "billing"
    verbose_name = _("Planes y créditos")

    def ready(self):
        from accounts.signals import demo_seeded, practice_created
        from billing import receivers

        practice_created.connect(receivers.start_trial, dispatch_uid="billing.start_trial")
        demo_seeded.connect(receivers.start_trial, dispatch_uid="billing.demo_trial")
