"""A session's summary for the patient over HTTP (issue 35, part 7): read, write by hand, draft
with the AI, approve, send. Only those who may read the session's clinical record reach it (404
otherwise); writes need the practice's switch (AI settings) and a completed session (409)."""

from types import SimpleNamespace

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from ai_reports.api.views import AI_LIMITS
from ai_reports.choices import SummaryStatus
from ai_reports.services import ai_settings_row, summaries
from scheduling.models import Session
from scheduling.selectors import record_scope
from sessai.api import ratelimit
from sessai.api.permissions import CLINICAL
from sessai.api.schema import UUID_PATTERN
from sessai.api.serializers import InputSerializer
from sessai.api.views import PracticeGenericViewSet
from sessai.api.wire import WireSerializer
from sessai.audit import record_access
from sessai.errors import NotFound

NO_SUMMARY = _("Esta sesión aún no tiene resumen para el paciente.")


class PatientSummarySerializer(WireSerializer):
    id = serializers.UUIDField(allow_null=True, help_text=_("null mientras la sesión no tiene resumen."))
    session_id = serializers.UUIDField()
    patient_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=SummaryStatus.choices, allow_null=True)
    content = serializers.CharField(allow_blank=True, help_text=_("Texto plano, tal como lo leerá el paciente."))
    ai_model = serializers.CharField(
        allow_blank=True, help_text=_("El modelo que escribió el último borrador; vacío si lo escribió el terapeuta.")
    )
    credits_used = serializers.FloatField(source="credits", help_text=_("Lo que costó el último borrador de IA."))
    edited_by_name = serializers.CharField(source="edited_by.name", allow_null=True)
    approved_by_name = serializers.CharField(source="approved_by.name", allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    sent_at = serializers.DateTimeField(allow_null=True)
    sent_to = serializers.EmailField(allow_blank=True)
    viewed_at = serializers.DateTimeField(allow_null=True, help_text=_("Cuándo lo abrió el paciente por primera vez."))
    updated_at = serializers.DateTimeField(allow_null=True)
    enabled = serializers.BooleanField(help_text=_("Si la consulta activó los resúmenes para pacientes."))
    patient_opted_out = serializers.BooleanField(help_text=_("El paciente pidió no recibir resúmenes."))
    patient_has_email = serializers.BooleanField()


class PatientSummaryInputSerializer(InputSerializer):
    content = serializers.CharField(
        max_length=summaries.CONTENT_MAX,
        error_messages={"blank": summaries.CONTENT_REQUIRED, "required": summaries.CONTENT_REQUIRED},
        help_text=_("Texto plano; las etiquetas HTML se quitan."),
    )


def _out(session: Session, summary, *, status: int = 200) -> Response:
    patient = session.patient
    row = summary or SimpleNamespace(
        id=None,
        status=None,
        content="",
        ai_model="",
        credits=0,
        edited_by=None,
        approved_by=None,
        approved_at=None,
        sent_at=None,
        sent_to="",
        viewed_at=None,
        updated_at=None,
    )
    row.session_id, row.patient_id = session.pk, patient.pk
    row.enabled = ai_settings_row(session.practice).patient_summaries
    row.patient_opted_out = patient.summaries_opt_out
    row.patient_has_email = bool(patient.email)
    return Response(PatientSummarySerializer(row).data, status=status)


class SessionSummaryViewSet(PracticeGenericViewSet):
    """`/api/sessions/{id}/patient-summary…`."""

    queryset = Session.objects.none()  # the path's id is the session's
    serializer_class = PatientSummarySerializer  # what OPTIONS describes (DRF's metadata asks for one)
    lookup_value_regex = UUID_PATTERN
    allowed_roles = CLINICAL
    error_statuses = {
        "patient_summary PUT": (409,),
        "patient_summary_draft": (402, 409, 429, 503),
        "patient_summary_approve": (409,),
        "patient_summary_send": (409,),
    }

    def scoped_queryset(self, membership):
        return record_scope(membership).select_related("patient", "practice")

    def _summary(self, session):
        summary = summaries.summary_of(session)
        if summary is None:
            raise NotFound(NO_SUMMARY)
        return summary

    @extend_schema(methods=["GET"], request=None, responses={200: PatientSummarySerializer})
    @extend_schema(methods=["PUT"], request=PatientSummaryInputSerializer, responses={200: PatientSummarySerializer})
    @action(detail=True, methods=["get", "put"], url_path="patient-summary")
    def patient_summary(self, request, pk=None):
        """GET: the summary (`id: null` and `status: null` while there is none; each read of a
        summary is audited). PUT: the therapist's own text, new or edited; an approved summary that
        is edited is a draft again. 409 once sent, when the practice has summaries off, or before
        the session is completed."""
        session = self.get_object()
        if request.method == "GET":
            summary = summaries.summary_of(session)
            if summary is not None:
                record_access(summary)
            return _out(session, summary)
        data = PatientSummaryInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        content = data.validated_data["content"]
        return _out(session, summaries.summary_write(session=session, membership=self.membership, content=content))

    @extend_schema(request=None, responses={200: PatientSummarySerializer})
    @action(detail=True, methods=["post"], url_path="patient-summary/draft")
    def patient_summary_draft(self, request, pk=None):
        """The AI's draft from the session's record (pseudonymised; charged in credits), replacing
        the draft there was. 409 when the patient opposed AI processing (nothing is sent or
        charged), once sent, with summaries off, or before the session is completed; 400 when the
        session has no record to draft from."""
        ratelimit.enforce(request, AI_LIMITS)
        session = self.get_object()
        return _out(session, summaries.summary_draft(session=session, membership=self.membership))

    @extend_schema(request=None, responses={200: PatientSummarySerializer})
    @action(detail=True, methods=["post"], url_path="patient-summary/approve")
    def patient_summary_approve(self, request, pk=None):
        """Approve the text as it is (nothing reaches the patient before this)."""
        session = self.get_object()
        return _out(session, summaries.summary_approve(summary=self._summary(session), membership=self.membership))

    @extend_schema(request=None, responses={200: PatientSummarySerializer})
    @action(detail=True, methods=["post"], url_path="patient-summary/send")
    def patient_summary_send(self, request, pk=None):
        """Email the patient a link to the approved summary (no clinical text in the email). 409
        when not approved, already sent, the patient opted out of summaries, has processing
        blocked or no email."""
        session = self.get_object()
        return _out(session, summaries.summary_send(summary=self._summary(session), membership=self.membership))
