"""Query parameters of the patient list (camelCase, as the UI sends them)."""

import django_filters
from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext_lazy as _

from patients import selectors
from patients.choices import PatientStatus
from patients.models import CareTeamMember, Patient
from sessai.api.filters import StrictFilterSet


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Patients without sessions go last in either direction; `id` breaks ties for stable pages."""

    def filter(self, qs, value):
        if not value:
            return qs
        fields = [self.get_ordering_value(param) for param in value]
        expressions = [
            F(f[1:]).desc(nulls_last=True) if f.startswith("-") else F(f).asc(nulls_last=True) for f in fields
        ]
        return qs.order_by(*expressions, "id")


class PatientFilter(StrictFilterSet):
    search = django_filters.CharFilter(
        method="filter_search", max_length=100, help_text=_("Nombre (prefijos, sin tildes) o RUT")
    )
    status = django_filters.ChoiceFilter(choices=PatientStatus.choices)
    therapistId = django_filters.UUIDFilter(
        method="filter_therapist", help_text=_("Pacientes del equipo tratante de este terapeuta")
    )
    ordering = NullsLastOrderingFilter(
        fields=(("name", "name"), ("last_session_date", "lastSessionDate"), ("created_at", "createdAt")),
        field_labels={"name": _("Nombre"), "last_session_date": _("Última sesión"), "created_at": _("Fecha de alta")},
        label=_("Orden: hasta tres criterios separados por coma; `-` delante invierte el sentido."),
    )

    class Meta:
        model = Patient
        fields = []

    def filter_search(self, queryset, name, value):
        terms = selectors.search_terms(value)
        return queryset if terms is None else selectors.matching(queryset, terms)

    def filter_therapist(self, queryset, name, value):
        return queryset.filter(Exists(CareTeamMember.objects.filter(patient_id=OuterRef("pk"), user_id=value)))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.exclude(status=PatientStatus.ARCHIVED)  # archived only when asked for
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by("name", "id")
        return queryset
