"""Patients: CRUD (DELETE archives), list with search, the picker search and the full export."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Membership
from patients import access_log, selectors, services
from patients.api import serializers as s
from patients.export import patient_export
from patients.filters import PatientFilter
from patients.models import Patient
from patients.services.record import package_request, record_pdf
from sessai.api.permissions import ADMIN, CLINICAL, STAFF
from sessai.api.renderers import FHIRJSONRenderer, JSONRenderer, PDFRenderer, WireResponse
from sessai.api.serializers import may_see_clinical
from sessai.api.views import PracticeGenericViewSet
from sessai.audit import record_access
from sessai.replica import replica_reads


class PatientViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PracticeGenericViewSet):
    serializer_class = s.PatientSerializer
    filterset_class = PatientFilter
    queryset = Patient.objects.none()
    allowed_roles = {
        "list": STAFF,
        "retrieve": STAFF,
        "create": STAFF,
        "update": STAFF,
        "partial_update": STAFF,
        "destroy": CLINICAL,
        "search": STAFF,
        "export": CLINICAL,
        "access_log": ADMIN,
        "export_package": ADMIN,
        "merge": ADMIN,
    }

    def scoped_queryset(self, membership):
        patients = selectors.with_care_team(selectors.patient_scope(membership))
        return selectors.with_risk_flag(patients) if membership.role in CLINICAL else patients

    def handle_exception(self, exc):
        """Errors keep the API's JSON envelope, even when `?format=fhir` or `pdf` was asked for."""
        response = super().handle_exception(exc)
        if getattr(getattr(self.request, "accepted_renderer", None), "format", None) in ("fhir", "pdf"):
            self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return response

    def _out(self, patient, status_code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=patient.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        patient = self.get_object()
        if may_see_clinical(self.get_serializer_context()):
            record_access(patient)  # the detail carries clinical notes
        return Response(self.get_serializer(patient).data)

    @extend_schema(request=s.PatientWriteSerializer, responses={201: s.PatientSerializer})
    def create(self, request):
        serializer = s.PatientWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        patient = services.patient_create(membership=self.membership, data=dict(serializer.validated_data))
        return self._out(patient, status.HTTP_201_CREATED)

    @extend_schema(request=s.PatientWriteSerializer, responses={200: s.PatientSerializer})
    def update(self, request, pk=None, partial=False):
        patient = self.get_object()
        serializer = s.PatientWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.patient_update(patient=patient, membership=self.membership, data=dict(serializer.validated_data))
        return self._out(patient)

    @extend_schema(request=s.PatientWriteSerializer, responses={200: s.PatientSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(request=None, responses={200: s.PatientSerializer})
    def destroy(self, request, pk=None):
        return self._out(services.patient_archive(patient=self.get_object()))

    @extend_schema(parameters=[s.PatientSearchQuerySerializer], responses={200: s.PatientPickSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def search(self, request):
        params = s.PatientSearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        patients = selectors.patient_search(membership=self.membership, q=params.validated_data["q"])
        return Response(s.PatientPickSerializer(patients, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=["json", "fhir", "pdf"],
                description=str(
                    _(
                        "fhir: un Bundle FHIR R4 (collection) en `application/fhir+json`, para otro sistema clínico; "
                        "pdf: una copia legible de la ficha, para el paciente que pide verla"
                    )
                ),
            )
        ],
        responses={
            (200, "application/json"): s.PatientExportSerializer,
            (200, "application/fhir+json"): OpenApiTypes.OBJECT,
            (200, "application/pdf"): OpenApiTypes.BINARY,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        filterset_class=None,
        renderer_classes=[JSONRenderer, FHIRJSONRenderer, PDFRenderer],
    )
    def export(self, request, pk=None):
        patient = self.get_object()
        s.PatientExportQuerySerializer(data=request.query_params).is_valid(raise_exception=True)  # `?format=` is a 400
        record_access(patient)
        with replica_reads():  # the whole record: a heavy read the replica may serve
            return self._export(request, patient)

    def _export(self, request, patient):
        if request.accepted_renderer.format == "fhir":
            from patients.fhir import patient_bundle  # noqa: PLC0415 (heavy: fhir.resources, ~0.2 s at start-up, loaded on first use)

            response = WireResponse(patient_bundle(patient))
            response["Content-Disposition"] = f'attachment; filename="paciente-{patient.pk}.fhir.json"'
            return response
        if request.accepted_renderer.format == "pdf":
            response = Response(record_pdf(patient), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="paciente-{patient.pk}.pdf"'
            return response
        profile = self.get_serializer(patient).data
        response = Response(patient_export(patient=patient, profile=profile))
        response["Content-Disposition"] = f'attachment; filename="paciente-{patient.pk}.json"'
        return response

    @extend_schema(request=s.PatientMergeSerializer, responses={200: s.PatientSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def merge(self, request, pk=None):
        """Merge this patient (typically one flagged `duplicateOfId` by an online booking) into
        `targetId`: sessions, assessments, consents, reports and requests move there, the care
        teams join, and this one is archived (admins). Answers the target."""
        source = self.get_object()
        data = s.PatientMergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = services.patient_merge(source=source, target_id=data.validated_data["target_id"])
        return self._out(target)

    @extend_schema(request=None, responses={202: s.ExportPackageSerializer})
    @action(detail=True, methods=["post"], url_path="export-package", filterset_class=None)
    def export_package(self, request, pk=None):
        """The full package (FHIR bundle, PDF, access log, attachment files) as a ZIP, built in the
        background; the link is emailed to the admin who asked (admins)."""
        package = package_request(membership=self.membership, patient=self.get_object())
        return Response(s.ExportPackageSerializer(package).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(parameters=[s.AccessLogQuerySerializer], responses={200: s.AccessLogEntrySerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="access-log", filterset_class=None)
    def access_log(self, request, pk=None):
        """Who read or changed this patient's record, newest first (admins)."""
        patient = self.get_object()
        params = s.AccessLogQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        rows = self.paginate_queryset(access_log.entries(patient, **params.validated_data))
        roles = dict(
            Membership.objects.filter(
                practice_id=patient.practice_id, user_id__in={r.actor_id for r in rows if r.actor_id}
            ).values_list("user_id", "role")
        )
        data = [
            {
                "at": row.timestamp,
                "action": access_log.ACTIONS.get(row.action, "update"),
                "object_type": access_log.kind_of(row),
                "object_id": row.object_pk,
                "ip": row.remote_addr,
                "actor": {
                    "id": row.actor_id,
                    "name": row.actor.name if row.actor else "",
                    "role": roles.get(row.actor_id),
                },
            }
            for row in rows
        ]
        return self.get_paginated_response(s.AccessLogEntrySerializer(data, many=True).data)
