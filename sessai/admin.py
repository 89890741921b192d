"""The console's audit trail: django-auditlog's admin with a search that works on our user model
(it searched `first_name`, a 500), filters by person, action, type and date, and the client IP.
Read-only here, and append-only in the database (sessai/migrations/0001)."""

from auditlog.admin import LogEntryAdmin as AuditlogEntryAdmin
from auditlog.filters import ResourceTypeFilter
from auditlog.models import LogEntry
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class LogEntryAdmin(AuditlogEntryAdmin):
    list_display = [*AuditlogEntryAdmin.list_display, "ip"]
    # not `changes`: diffs of clinical models are masked, and a search must not become a way around that
    search_fields = ["object_repr", "actor__email", "actor__name", "remote_addr"]
    list_filter = ["action", ("actor", admin.RelatedOnlyFieldListFilter), ResourceTypeFilter, ("timestamp", admin.DateFieldListFilter)]

    @admin.display(description=_("IP"), ordering="remote_addr")
    def ip(self, entry):
        return entry.remote_addr or "—"
