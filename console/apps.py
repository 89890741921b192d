"""The console is django.contrib.admin under its own site (`console.site.ConsoleSite`)."""

from django.contrib.admin.apps import AdminConfig


class ConsoleAdminConfig(AdminConfig):
    """Installed in place of django.contrib.admin: the apps' `admin.py` modules register on the
    console's site; then the console's own pages (the audit trail, the practice page) register."""

    default_site = "console.site.ConsoleSite"

    def ready(self):
        super().ready()  # autodiscover: every app's admin.py
        from console import audit, practices  # noqa: F401 (they register their pages)
