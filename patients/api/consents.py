"""`GET/POST /api/patients/{id}/consents`: consent forms sent to the patient, and their signatures."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from patients import messages as msg
from patients.choices import CONSENT_STATUSES, ConsentKind
from patients.models import Consent
from patients.selectors import patient_visible
from patients.services import consents
from sessai.api.permissions import CLINICAL, STAFF
from sessai.api.serializers import InputSerializer
from sessai.api.views import PracticeAPIView
from sessai.api.wire import WireSerializer
from sessai.errors import Forbidden


class ConsentSendSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    in_person = serializers.BooleanField(
        default=False,
        help_text=_(
            "true: se firma ahora en la tableta de la consulta y quien lo pide queda como testigo (la respuesta trae el "
            "enlace para abrirlo allí); false: el enlace va solo al correo del paciente"
        ),
    )


class PatientConsentSerializer(WireSerializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    text_version = serializers.CharField()
    status = serializers.ChoiceField(
        choices=CONSENT_STATUSES, help_text=_("sent: esperando firma; signed: vigente; revoked: revocado")
    )
    sent_at = serializers.DateTimeField()
    sent_by_name = serializers.CharField(source="sent_by.name")
    signed_at = serializers.DateTimeField(allow_null=True)
    signed_name = serializers.CharField()
    signed_ip = serializers.CharField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    in_person = serializers.BooleanField(help_text=_("Firmado en la consulta, con un testigo del equipo"))
    witnessed_by_name = serializers.CharField(source="witnessed_by.name", allow_null=True, default=None)


class PatientConsentCreatedSerializer(PatientConsentSerializer):
    link = serializers.CharField(
        allow_null=True,
        help_text=_(
            "Solo al firmar en persona: el enlace para abrir en la tableta de la consulta. Si no, null (el enlace va solo al "
            "correo del paciente)"
        ),
    )
    emailed = serializers.BooleanField()


class PatientConsentsView(PracticeAPIView):
    allowed_roles = STAFF

    @extend_schema(responses={200: PatientConsentSerializer(many=True)})
    def get(self, request, pk):
        patient = patient_visible(self.membership, pk)
        rows = Consent.objects.filter(patient=patient).select_related("sent_by", "witnessed_by").order_by("-sent_at")
        return Response(PatientConsentSerializer(rows, many=True).data)

    @extend_schema(request=ConsentSendSerializer, responses={201: PatientConsentCreatedSerializer})
    def post(self, request, pk):
        """Send a consent to the patient's email, or open it for signing in person. The recording
        consent lets the scribe send audio to the AI provider: only clinical roles ask for it."""
        patient = patient_visible(self.membership, pk)
        data = ConsentSendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kind, in_person = data.validated_data["kind"], data.validated_data["in_person"]
        if kind == ConsentKind.RECORDING and self.membership.role not in CLINICAL:
            raise Forbidden(msg.CONSENT_RECORDING_CLINICAL)
        consent = consents.consent_send(patient=patient, membership=self.membership, kind=kind, in_person=in_person)
        out = PatientConsentSerializer(consent).data | {
            "link": consents.consent_link(consent) if in_person else None,
            "emailed": not in_person,
        }
        return Response(out, status=status.HTTP_201_CREATED)
