"""AI endpoints: reports (plain and streamed), documentation assistant, PDFs, the practice's tier."""

import json
import re

from django.conf import settings
from django.core.files.base import ContentFile
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from djangorestframework_camel_case.util import camelize
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from ai_reports import pdf, services
from ai_reports.api import serializers as s
from ai_reports.models import AIReport
from patients.selectors import patient_scope, patient_visible
from scheduling.selectors import record_scope
from sessai.api.permissions import ADMIN, CLINICAL
from sessai.api.renderers import JSONRenderer
from sessai.api.views import PracticeAPIView, PracticeGenericAPIView, PracticeGenericViewSet
from sessai.audit import record_access
from sessai.errors import NotFound, ValidationFailed

IDEMPOTENCY_KEY_MAX = 200
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]+$"  # visible ASCII, as a header value carries it
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX, "pattern": IDEMPOTENCY_KEY_PATTERN},
    OpenApiParameter.HEADER,
    required=False,
    description="Un reintento con la misma clave recibe la primera respuesta y se cobra una sola vez.",
)
SETTINGS_SAVED = _("Configuración guardada exitosamente.")
INVALID_IDEMPOTENCY_KEY = _("La Idempotency-Key debe tener entre 1 y %(max)d caracteres ASCII visibles.")


def idempotency_key(request) -> str | None:
    """The `Idempotency-Key` header as the schema declares it, or a 400."""
    key = request.META.get("HTTP_IDEMPOTENCY_KEY")
    if key is None:
        return None
    if not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key) or len(key) > IDEMPOTENCY_KEY_MAX:
        text = str(INVALID_IDEMPOTENCY_KEY) % {"max": IDEMPOTENCY_KEY_MAX}
        raise ValidationFailed(text, errors={"Idempotency-Key": [text]})
    return key


AI_LIMITS = [("ai_user", "user"), ("ai_practice", "practice")]


class EventStreamRenderer(BaseRenderer):
    """Lets clients ask for `text/event-stream`; errors raised before the stream starts go out as
    one SSE `error` event carrying the usual envelope."""

    media_type = "text/event-stream"
    format = "sse"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        body = json.dumps(camelize(data), ensure_ascii=False, default=str)
        return f"event: error\ndata: {body}\n\n".encode()


class ReportGenerateView(PracticeAPIView):
    """`POST /api/ai/reports/generate`; with `Accept: text/event-stream` the text arrives as it is
    written (SSE) and the `done` event carries reportId, creditsUsed and model."""

    allowed_roles = CLINICAL
    rate_limits = AI_LIMITS
    error_statuses = {"POST": (402, 404, 409, 503)}
    renderer_classes = [JSONRenderer, EventStreamRenderer]

    @extend_schema(
        request=s.ReportRequestSerializer,
        parameters=[IDEMPOTENCY],
        responses={
            (200, "application/json"): s.ReportResponseSerializer,
            (200, "text/event-stream"): s.ReportStreamEventSerializer,
        },
    )
    def post(self, request):
        key = idempotency_key(request)
        data = s.ReportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = dict(data.validated_data)
        patient = patient_visible(self.membership, params.pop("patient_id"))
        if "text/event-stream" in request.META.get("HTTP_ACCEPT", ""):
            events = services.report_generate_stream(membership=self.membership, patient=patient, params=params)
            response = StreamingHttpResponse(events, content_type="text/event-stream; charset=utf-8")
            response["Cache-Control"] = "no-store"  # clinical text: never kept by a browser or proxy
            response["X-Accel-Buffering"] = "no"
            return response
        answer = services.idempotent(
            membership=self.membership,
            key=key,
            operation="report",
            produce=lambda: services.report_generate(membership=self.membership, patient=patient, params=params),
        )
        return Response(answer)


class DocumentationView(PracticeAPIView):
    """`POST /api/ai/documentation/process`: notes → Markdown, or `mode: "session"` → the record
    form's four HTML sections."""

    allowed_roles = CLINICAL
    rate_limits = AI_LIMITS
    error_statuses = {"POST": (402, 404, 409, 503)}

    @extend_schema(
        request=s.DocumentationRequestSerializer,
        parameters=[IDEMPOTENCY],
        responses={200: s.DocumentationResponseSerializer},
    )
    def post(self, request):
        key = idempotency_key(request)
        data = s.DocumentationRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        q = data.validated_data
        patient = patient_visible(self.membership, q["patient_id"]) if q.get("patient_id") else None
        if q.get("session_id"):
            session = (
                record_scope(self.membership).select_related("patient__practice").filter(pk=q["session_id"]).first()
            )
            if session is None:
                raise NotFound()
            if patient is not None and patient.pk != session.patient_id:
                message = _("La sesión no es de ese paciente")
                raise ValidationFailed(message, errors={"sessionId": [str(message)]})
            patient = session.patient
        answer = services.idempotent(
            membership=self.membership,
            key=key,
            operation="documentation",
            produce=lambda: services.documentation_process(
                membership=self.membership,
                notes=q["unstructured_notes"],
                instruction=q.get("instruction") or "",
                fmt=q.get("format") or "",
                mode=q["mode"],
                patient=patient,
            ),
        )
        return Response(answer)


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ReportDownloadView(PracticeAPIView):
    """`POST /api/reports/download {reportContent, patientName}`: any Markdown as the practice's PDF."""

    allowed_roles = CLINICAL

    @extend_schema(request=s.PdfRequestSerializer, responses={(200, "application/pdf"): bytes})
    def post(self, request):
        data = s.PdfRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = pdf.render_report_pdf(
            practice_name=self.practice.name,
            patient_name=data.validated_data["patient_name"],
            period="—",
            generated_at=timezone.localtime(),
            author=request.user.name,
            content=data.validated_data["report_content"],
        )
        return _pdf_response(body, f"informe-{slugify(data.validated_data['patient_name']) or 'paciente'}.pdf")


class ReportViewSet(mixins.RetrieveModelMixin, PracticeGenericViewSet):
    """`GET /api/reports/{id}` and `/api/reports/{id}/pdf` (stored reports of the caller's patients)."""

    allowed_roles = CLINICAL
    serializer_class = s.ReportSerializer
    queryset = AIReport.objects.none()

    def scoped_queryset(self, membership):
        return AIReport.objects.filter(
            practice_id=membership.practice_id, patient__in=patient_scope(membership)
        ).select_related("patient", "author", "practice")

    def retrieve(self, request, *args, **kwargs):
        report = self.get_object()
        record_access(report)
        return Response(self.get_serializer(report).data)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        report = self.get_object()
        record_access(report)
        if report.pdf:
            with report.pdf.open("rb") as stored:
                body = stored.read()
        else:
            period = (
                f"{report.range_start:%d/%m/%Y} – {report.range_end:%d/%m/%Y}"
                if report.range_start and report.range_end
                else "—"
            )
            body = pdf.render_report_pdf(
                practice_name=report.practice.name,
                patient_name=report.patient.name,
                period=period,
                generated_at=timezone.localtime(report.created_at),
                author=report.author.name,
                content=report.content,
                chart=pdf.score_chart(patient=report.patient, start=report.range_start, end=report.range_end),
            )
            if settings.REPORTS_STORE_PDF:
                report.pdf.save("informe.pdf", ContentFile(body), save=False)
                AIReport.objects.filter(pk=report.pk).update(pdf=report.pdf.name)
        return _pdf_response(body, f"informe-{slugify(report.patient.name)}-{report.created_at:%Y%m%d}.pdf")


class PatientReportsView(PracticeGenericAPIView):
    """`GET /api/patients/{id}/reports`: the patient's stored reports, newest first."""

    allowed_roles = CLINICAL
    serializer_class = s.ReportSerializer
    queryset = AIReport.objects.none()

    def scoped_queryset(self, membership):
        return AIReport.objects.filter(practice_id=membership.practice_id)

    @extend_schema(responses={200: s.ReportSerializer(many=True)})
    def get(self, request, pk):
        patient = patient_visible(self.membership, pk)
        record_access(patient)
        reports = (
            self.get_queryset()
            .filter(patient=patient)
            .select_related("patient", "author")
            .order_by("-created_at", "-id")
        )
        page = self.paginate_queryset(reports)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class AISettingsView(PracticeAPIView):
    """`GET/POST /api/admin/ai/settings`: the practice's tier (fast, balanced, advanced), and
    whether recordings may be transcribed, how long their audio is kept, the draft note's format."""

    allowed_roles = ADMIN

    @extend_schema(responses={200: s.AISettingsOutSerializer})
    def get(self, request):
        return Response(services.ai_settings(self.practice))

    @extend_schema(request=s.AISettingsSerializer, responses={200: s.SuccessSerializer})
    def post(self, request):
        data = s.AISettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.ai_settings_set(practice=self.practice, **data.validated_data)
        return Response({"success": True, "message": str(SETTINGS_SAVED)})
