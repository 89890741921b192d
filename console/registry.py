"""What each domain contributes to the console, in one place: the heading its models sit under
on the index, Spanish names for third-party models, and the actions other domains add to the
practice page. The domains' own pages are their `admin.py` (Django's admin registry); the console
imports the domains, never the other way round (docs/development/architecture.md)."""

from django.utils.translation import gettext_lazy

# (app_label, model_name) → domain heading; a model not listed goes under "Otros".
DOMAINS = [
    (gettext_lazy("Cuentas y equipos"), [("accounts", None), ("account", None), ("mfa", None), ("auth", None)]),
    (gettext_lazy("Pacientes"), [("patients", None)]),
    (gettext_lazy("Agenda"), [("scheduling", None)]),
    (gettext_lazy("Inteligencia artificial"), [("ai_reports", None)]),
    (gettext_lazy("Planes y créditos"), [("billing", None)]),
    (gettext_lazy("Auditoría"), [("auditlog", None)]),
    (gettext_lazy("Tareas en segundo plano"), [("procrastinate", None)]),
]

# Third-party models whose own catalogues have no Spanish name.
MODEL_NAMES = {
    ("mfa", "authenticator"): gettext_lazy("Autenticadores (TOTP y códigos de recuperación)"),
    ("auditlog", "logentry"): gettext_lazy("Registro de auditoría"),
    ("procrastinate", "procrastinatejob"): gettext_lazy("Tareas"),
    ("account", "emailaddress"): gettext_lazy("Direcciones de correo"),
    ("auth", "group"): gettext_lazy("Grupos de permisos"),
}

# Actions on the practice page beyond its own (suspend, reactivate, resend invitations, export),
# after those, in this order. Dotted paths: this module is read while the console's site is being
# built, before the apps' admin modules may be imported.
PRACTICE_ACTIONS = ["billing.admin.grant_credits", "billing.admin.change_plan"]
