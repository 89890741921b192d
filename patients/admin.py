"""Patients for operators: administrative columns only; clinical notes never appear here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from patients.models import Patient


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ("name", "rut_display", "practice", "status", "primary_therapist", "total_sessions", "last_session_date", "created_at")
    list_filter = ("status", "practice")
    search_fields = ("name", "rut", "email")
    list_select_related = ("practice", "primary_therapist")
    fields = ("practice", "name", "rut", "email", "phone", "birth_date", "address", "emergency_contact", "status",
              "primary_therapist", "total_sessions", "first_session_date", "last_session_date", "created_at", "updated_at")
    readonly_fields = ("practice", "total_sessions", "first_session_date", "last_session_date", "created_at", "updated_at")
    autocomplete_fields = ("primary_therapist",)

    def has_delete_permission(self, request, obj=None):
        return False  # clinical records are archived, never deleted

    @admin.display(description=_("RUT"), ordering="rut")
    def rut_display(self, patient):
        return patient.rut_display
