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
        from accounts.admin import register_practice_action
        from billing.admin import change_plan, grant_credits

        register_practice_action(grant_credits)
        register_practice_action(change_plan)
        demo_seeded.connect(receivers.start_trial, dispatch_uid="billing.demo_trial")
