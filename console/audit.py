"""The console's audit trail: django-auditlog's admin with a search that works on our user model
(it searched `first_name`, a 500), filters by practice, person, action, type and date range, the
client IP, and a CSV export of what is filtered (changed field names, never values).
Read-only here, and append-only in the database (sessai/migrations/0001)."""

import uuid

from auditlog.admin import LogEntryAdmin as AuditlogEntryAdmin
from auditlog.filters import ResourceTypeFilter
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Practice
from sessai import csvfile
from sessai.management.commands.export_audit_log import ACTIONS

admin.site.unregister(LogEntry)


class PracticeFilter(admin.SimpleListFilter):
    """Entries whose actor is a member of a practice (the log itself knows people, not practices)."""

    title = _("consulta")
    parameter_name = "practice"

    def lookups(self, request, model_admin):
        return [(str(p.pk), p.name) for p in Practice.objects.order_by("name").only("id", "name")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            practice_id = uuid.UUID(self.value())
        except ValueError as exc:  # a hand-edited address: the console's "invalid filter" notice, not a 500
            raise IncorrectLookupParameters(exc) from exc
        return queryset.filter(actor__memberships__practice_id=practice_id).distinct()


@admin.register(LogEntry)
class LogEntryAdmin(AuditlogEntryAdmin):
    list_display = [*AuditlogEntryAdmin.list_display, "ip"]
    # not `changes`: diffs of clinical models are masked, and a search must not become a way around that
    search_fields = ["object_repr", "actor__email", "actor__name", "remote_addr"]
    list_filter = [
        "action",
        PracticeFilter,
        ("actor", admin.RelatedOnlyFieldListFilter),
        ResourceTypeFilter,
        ("timestamp", admin.DateFieldListFilter),
    ]

    @admin.display(description=_("IP"), ordering="remote_addr")
    def ip(self, entry):
        return entry.remote_addr or "—"

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_csv)
        return [path("exportar/", export, name="auditlog_logentry_export"), *super().get_urls()]

    def export_csv(self, request):
        """The filtered entries as CSV, streamed: when, action, type, object, who, from where, and
        which fields changed. Values stay out: clinical ones are masked, and the rest (names,
        RUTs) are not what an audit export is for."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        entries = self.get_changelist_instance(request).get_queryset(request).select_related("content_type", "actor")

        writer = csvfile.writer()

        def rows():
            yield writer.writerow(
                ["timestamp", "action", "model", "object_id", "actor_email", "remote_addr", "changed_fields"]
            )
            for entry in entries.iterator(chunk_size=2000):
                changed = sorted((entry.changes or {}).keys()) if isinstance(entry.changes, dict) else []
                yield writer.writerow(
                    [
                        entry.timestamp.isoformat(),
                        ACTIONS.get(entry.action, entry.action),
                        f"{entry.content_type.app_label}.{entry.content_type.model}",
                        entry.object_pk,
                        entry.actor.email if entry.actor else "",
                        entry.remote_addr or "",
                        " ".join(changed),
                    ]
                )

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="auditoria-{timezone.localdate():%Y%m%d}.csv"'
        return response
