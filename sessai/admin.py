"""The console's audit trail: django-auditlog's admin with a search that works on our user model
(it searched `first_name`, a 500), filters by practice, person, action, type and date, and the
client IP.
Read-only here, and append-only in the database (sessai/migrations/0001)."""

from auditlog.admin import LogEntryAdmin as AuditlogEntryAdmin
from auditlog.filters import ResourceTypeFilter
from auditlog.models import LogEntry
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.unregister(LogEntry)


class PracticeFilter(admin.SimpleListFilter):
    """Entries whose actor is a member of a practice (the log itself knows people, not practices)."""

    title = _("consulta")
    parameter_name = "practice"

    def lookups(self, request, model_admin):
        from accounts.models import Practice

        return [(str(p.pk), p.name) for p in Practice.objects.order_by("name").only("id", "name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(actor__memberships__practice_id=self.value()).distinct()
        return queryset


@admin.register(LogEntry)
class LogEntryAdmin(AuditlogEntryAdmin):
    list_display = [*AuditlogEntryAdmin.list_display, "ip"]
    # not `changes`: diffs of clinical models are masked, and a search must not become a way around that
    search_fields = ["object_repr", "actor__email", "actor__name", "remote_addr"]
    list_filter = ["action", PracticeFilter, ("actor", admin.RelatedOnlyFieldListFilter), ResourceTypeFilter,
                   ("timestamp", admin.DateFieldListFilter)]

    @admin.display(description=_("IP"), ordering="remote_addr")
    def ip(self, entry):
        return entry.remote_addr or "—"
