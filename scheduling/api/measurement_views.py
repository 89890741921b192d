"""Measurement-based care in the API: a patient's measurement plan (which questionnaires go out by
link before sessions, and how often) and the risk alerts a questionnaire raised."""

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from patients.selectors import patient_scope, patient_visible
from scheduling import messages as msg
from scheduling.choices import CHANGE_CLASSES, LINK_INSTRUMENTS, MeasurementFrequency
from scheduling.models import MeasurementPlan, RiskAlert
from scheduling.outcomes import patient_outcomes, practice_outcomes
from scheduling.services import measurement
from sessai.api.permissions import ADMIN, CLINICAL
from sessai.api.serializers import InputSerializer, QuerySerializer
from sessai.api.views import PracticeAPIView, PracticeGenericViewSet
from sessai.api.wire import WireSerializer


class MeasurementPlanSerializer(WireSerializer):
    patient_id = serializers.UUIDField()
    active = serializers.BooleanField()
    instruments = serializers.ListField(child=serializers.ChoiceField(choices=LINK_INSTRUMENTS))
    frequency = serializers.ChoiceField(choices=MeasurementFrequency.choices, allow_null=True)
    every_sessions = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class MeasurementPlanInputSerializer(InputSerializer):
    instruments = serializers.ListField(
        child=serializers.ChoiceField(choices=LINK_INSTRUMENTS), max_length=len(LINK_INSTRUMENTS)
    )
    frequency = serializers.ChoiceField(choices=MeasurementFrequency.choices)
    every_sessions = serializers.IntegerField(
        min_value=2, max_value=52, required=False, allow_null=True, help_text=_("Con `every_n`: cada cuántas sesiones.")
    )
    active = serializers.BooleanField(required=False, default=True)


class MeasurementPlanView(PracticeAPIView):
    """`GET/PUT /api/patients/{id}/measurement-plan`."""

    allowed_roles = CLINICAL

    @extend_schema(responses={200: MeasurementPlanSerializer})
    def get(self, request, pk):
        """The patient's plan; `active: false` and nulls when none was ever set."""
        patient = patient_visible(self.membership, pk)
        plan = MeasurementPlan.objects.filter(patient=patient).first()
        if plan is None:
            plan = SimpleNamespace(
                patient_id=patient.pk,
                active=False,
                instruments=[],
                frequency=None,
                every_sessions=None,
                updated_at=None,
            )
        return Response(MeasurementPlanSerializer(plan).data)

    @extend_schema(request=MeasurementPlanInputSerializer, responses={200: MeasurementPlanSerializer})
    def put(self, request, pk):
        """Set (or replace) the plan: the questionnaires, and before every session (`every_session`),
        every N sessions (`every_n` with `everySessions`) or once (`once`)."""
        patient = patient_visible(self.membership, pk)
        data = MeasurementPlanInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = measurement.plan_set(patient=patient, membership=self.membership, data=data.validated_data)
        return Response(MeasurementPlanSerializer(plan).data)


class RiskAlertSerializer(WireSerializer):
    id = serializers.UUIDField()
    patient_id = serializers.UUIDField()
    patient_name = serializers.CharField(source="patient.name")
    session_id = serializers.UUIDField()
    therapist_id = serializers.UUIDField()
    instrument = serializers.CharField()
    item = serializers.IntegerField()
    answer = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by_id = serializers.UUIDField(allow_null=True)


class RiskAlertQuerySerializer(QuerySerializer):
    status = serializers.ChoiceField(
        choices=[("open", _("Sin revisar")), ("acknowledged", _("Revisadas"))], required=False, default="open"
    )
    patientId = serializers.UUIDField(required=False)  # noqa: N815 (query parameters keep the wire's names)


class RiskAlertViewSet(mixins.ListModelMixin, PracticeGenericViewSet):
    """`GET /api/risk-alerts?status=open|acknowledged&patientId=` (newest first) and
    `POST /api/risk-alerts/{id}/acknowledge`. A therapist sees the alerts of their care-team
    patients; an admin every alert of the practice."""

    allowed_roles = CLINICAL
    serializer_class = RiskAlertSerializer
    queryset = RiskAlert.objects.none()
    error_statuses = {"POST": (409,)}

    def scoped_queryset(self, membership):
        return RiskAlert.objects.filter(
            practice_id=membership.practice_id, patient__in=patient_scope(membership)
        ).select_related("patient")

    @extend_schema(parameters=[RiskAlertQuerySerializer])
    def list(self, request, *args, **kwargs):
        params = RiskAlertQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        q = params.validated_data
        rows = self.get_queryset().filter(acknowledged_at__isnull=q["status"] == "open").order_by("-created_at")
        if q.get("patientId"):
            rows = rows.filter(patient_id=q["patientId"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=None, responses={200: RiskAlertSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Mark the alert as reviewed by the caller (audited); 409 when it already was."""
        alert = measurement.risk_alert_acknowledge(alert=self.get_object(), membership=self.membership)
        alert = self.get_queryset().get(pk=alert.pk)
        return Response(RiskAlertSerializer(alert).data, status=status.HTTP_200_OK)


class ScorePointSerializer(WireSerializer):
    date = serializers.DateField()
    score = serializers.IntegerField()
    session_id = serializers.UUIDField()


class InstrumentOutcomeSerializer(WireSerializer):
    instrument = serializers.ChoiceField(choices=LINK_INSTRUMENTS)
    measures = serializers.IntegerField()
    baseline = ScorePointSerializer()
    latest = ScorePointSerializer()
    change = serializers.IntegerField(help_text=_("Último menos primero (negativo: mejora)."))
    rci = serializers.FloatField(allow_null=True, help_text=_("Índice de cambio confiable de Jacobson–Truax."))
    change_class = serializers.ChoiceField(choices=CHANGE_CLASSES, allow_null=True)
    reliable_change = serializers.FloatField(help_text=_("Puntos desde los que un cambio es confiable."))
    cutoff = serializers.IntegerField(help_text=_("Punto de corte de caso."))
    series = ScorePointSerializer(many=True)


class PatientOutcomesSerializer(WireSerializer):
    patient_id = serializers.UUIDField()
    instruments = InstrumentOutcomeSerializer(many=True)


class PatientOutcomesView(PracticeAPIView):
    """`GET /api/patients/{id}/outcomes`: per instrument, baseline, latest, the series, the
    reliable change index and its class."""

    allowed_roles = CLINICAL

    @extend_schema(responses={200: PatientOutcomesSerializer})
    def get(self, request, pk):
        patient = patient_visible(self.membership, pk)  # a therapist's: their care team's, whose records they read
        rows = patient_outcomes(patient=patient, tz=self.membership.practice.timezone)
        return Response(PatientOutcomesSerializer({"patient_id": patient.pk, "instruments": rows}).data)


class ClassTallySerializer(WireSerializer):
    count = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True, help_text=_("Proporción; null con menos de 5 pacientes."))


class ClassesSerializer(WireSerializer):
    recovered = ClassTallySerializer()
    improved = ClassTallySerializer()
    unchanged = ClassTallySerializer()
    deteriorated = ClassTallySerializer()


class OutcomeTallySerializer(WireSerializer):
    measured = serializers.IntegerField()
    classes = ClassesSerializer()


class TherapistOutcomeSerializer(OutcomeTallySerializer):
    therapist_id = serializers.UUIDField(allow_null=True)
    therapist_name = serializers.CharField()


class PracticeOutcomesSerializer(WireSerializer):
    instrument = serializers.ChoiceField(choices=LINK_INSTRUMENTS)
    start = serializers.DateField()
    end = serializers.DateField()
    minimum_for_shares = serializers.IntegerField()
    overall = OutcomeTallySerializer()
    by_therapist = TherapistOutcomeSerializer(many=True)


class OutcomesQuerySerializer(QuerySerializer):
    instrument = serializers.ChoiceField(choices=LINK_INSTRUMENTS, required=False, default="phq9")
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, attrs):
        today = timezone.localdate()
        attrs.setdefault("end", today)
        attrs.setdefault("start", attrs["end"] - timedelta(days=90))
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": [msg.END_BEFORE_START_DAY]})
        return attrs


class PracticeOutcomesView(PracticeAPIView):
    """`GET /api/outcomes?instrument=&start=&end=`: the practice's outcomes, overall and by therapist."""

    allowed_roles = ADMIN

    @extend_schema(parameters=[OutcomesQuerySerializer], responses={200: PracticeOutcomesSerializer})
    def get(self, request):
        params = OutcomesQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        q = params.validated_data
        result = practice_outcomes(
            practice_id=self.membership.practice_id,
            code=q["instrument"],
            start=q["start"],
            end=q["end"],
            tz=self.membership.practice.timezone,
        )
        return Response(PracticeOutcomesSerializer(result).data)
