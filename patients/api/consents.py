"""`GET/POST /api/patients/{id}/consents`: consent forms sent to the patient, and their signatures."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from patients import consents
from patients.choices import CONSENT_STATUSES, ConsentKind
from patients.models import Consent
from patients.selectors import patient_scope
from sessai.api.permissions import STAFF
from sessai.api.serializers import InputSerializer
from sessai.api.views import PracticeAPIView
from sessai.api.wire import WireSerializer
from sessai.errors import NotFound


class ConsentSendSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=ConsentKind.choices)


class PatientConsentSerializer(WireSerializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    text_version = serializers.CharField()
    status = serializers.ChoiceField(choices=CONSENT_STATUSES,
                                     help_text=_("sent: esperando firma; signed: vigente; revoked: revocado"))
    sent_at = serializers.DateTimeField()
    sent_by_name = serializers.CharField(source="sent_by.name")
    signed_at = serializers.DateTimeField(allow_null=True)
    signed_name = serializers.CharField()
    signed_ip = serializers.CharField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class PatientConsentCreatedSerializer(PatientConsentSerializer):
    link = serializers.CharField(help_text=_("El enlace para el paciente (también enviado a su correo si tiene uno)"))
    emailed = serializers.BooleanField()


class PatientConsentsView(PracticeAPIView):
    allowed_roles = STAFF

    def _patient(self, pk):
        patient = patient_scope(self.membership).filter(pk=pk).select_related("practice").first()
        if patient is None:
            raise NotFound()
        return patient

    @extend_schema(responses={200: PatientConsentSerializer(many=True)})
    def get(self, request, pk):
        patient = self._patient(pk)
        rows = Consent.objects.filter(patient=patient).select_related("sent_by").order_by("-sent_at")
        return Response(PatientConsentSerializer(rows, many=True).data)

    @extend_schema(request=ConsentSendSerializer, responses={201: PatientConsentCreatedSerializer})
    def post(self, request, pk):
        patient = self._patient(pk)
        data = ConsentSendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        consent = consents.consent_send(patient=patient, membership=self.membership, kind=data.validated_data["kind"])
        out = PatientConsentSerializer(consent).data | {"link": consents.consent_link(consent), "emailed": bool(patient.email)}
        return Response(out, status=status.HTTP_201_CREATED)
