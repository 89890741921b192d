"""Patients for operators: administrative columns only; clinical notes never appear here."""

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.models import ExportPackage, Patient, PrivacyRequest, SecurityIncident
from patients.services.data_rights import OPEN
from sessai.admin import ReadOnlyAdmin


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "rut_display",
        "practice",
        "status",
        "primary_therapist",
        "total_sessions",
        "last_session_date",
        "created_at",
    )
    list_filter = ("status", "practice")
    search_fields = ("name", "rut", "email")
    list_select_related = ("practice", "primary_therapist")
    fields = (
        "practice",
        "name",
        "rut",
        "email",
        "phone",
        "birth_date",
        "address",
        "emergency_contact",
        "status",
        "primary_therapist",
        "total_sessions",
        "first_session_date",
        "last_session_date",
        "created_at",
        "updated_at",
    )
    readonly_fields = (
        "practice",
        "total_sessions",
        "first_session_date",
        "last_session_date",
        "created_at",
        "updated_at",
    )
    autocomplete_fields = ("primary_therapist",)

    def has_delete_permission(self, request, obj=None):
        return False  # clinical records are archived, never deleted

    @admin.display(description=_("RUT"), ordering="rut")
    def rut_display(self, patient):
        return patient.rut_display


class OverdueFilter(admin.SimpleListFilter):
    title = _("plazo")
    parameter_name = "plazo"

    def lookups(self, request, model_admin):
        return [("vencidas", _("Vencidas")), ("proximas", _("Vencen en 5 días"))]

    def queryset(self, request, queryset):
        if self.value() == "vencidas":
            return queryset.filter(status__in=OPEN, due_at__lt=timezone.now())
        if self.value() == "proximas":
            return queryset.filter(
                status__in=OPEN, due_at__gte=timezone.now(), due_at__lte=timezone.now() + timedelta(days=5)
            )
        return queryset


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(ReadOnlyAdmin):
    """Operators see every practice's requests and which are overdue; the practice's admins
    handle them through the API. Read-only here."""

    list_display = ("kind", "practice", "status", "received_at", "due_at", "resolved_at")
    list_filter = (OverdueFilter, "status", "kind")
    list_select_related = ("practice",)
    fields = (
        "practice",
        "kind",
        "channel",
        "status",
        "received_at",
        "due_at",
        "extension_reason",
        "resolution",
        "resolved_at",
    )
    readonly_fields = fields
    ordering = ("due_at",)


@admin.register(SecurityIncident)
class SecurityIncidentAdmin(admin.ModelAdmin):
    """The register of security incidents: what happened, whom it touched, when the agency and the
    patients were told, and what was done. `manage.py incident_affected` lists the patients whose
    records were read or changed in a window."""

    list_display = ("detected_at", "severity", "patients_affected", "agency_notified_at", "patients_notified_at")
    list_filter = ("severity", ("agency_notified_at", admin.EmptyFieldListFilter))
    search_fields = ("description", "measures")
    filter_horizontal = ("practices",)
    date_hierarchy = "detected_at"
    fields = (
        "detected_at",
        "severity",
        "description",
        "practices",
        "patients_affected",
        "agency_notified_at",
        "patients_notified_at",
        "measures",
    )

    def has_delete_permission(self, request, obj=None):
        return False  # the register is evidence: incidents are closed, not deleted


@admin.register(ExportPackage)
class ExportPackageAdmin(ReadOnlyAdmin):
    """Export packages asked for by practices' admins: when, by whom, and whether the file still
    exists. The file itself is never offered here."""

    list_display = ("created_at", "practice", "status", "size", "ready_at", "expires_at")
    list_filter = ("status",)
    list_select_related = ("practice",)
    fields = ("practice", "patient_id", "requested_by", "status", "size", "created_at", "ready_at", "expires_at")
    readonly_fields = fields
