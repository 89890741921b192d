"""Recorded sessions over HTTP: the patient's recording consent, uploads (direct multipart, or
resumable in chunks), status polling, the transcript and its analysis, and applying the draft
note. Only those who may read the session's clinical record reach any of it (404 otherwise)."""

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response

from ai_reports.api import serializers as s
from ai_reports.choices import Speaker
from ai_reports.models import Recording, RecordingConsent, RecordingUpload, Transcript
from ai_reports.services import recordings as rec
from patients.selectors import patient_visible
from scheduling.models import Session
from scheduling.selectors import record_scope
from sessai.api import ratelimit
from sessai.api.permissions import CLINICAL
from sessai.api.schema import UUID_PATTERN
from sessai.api.views import PracticeAPIView, PracticeGenericViewSet
from sessai.audit import record_access
from sessai.errors import NotFound, PayloadTooLarge, PreconditionFailed, ValidationFailed
from sessai.files import too_large

BAD_LENGTH = _("Indica el tamaño del fragmento en Content-Length.")


class ChunkParser(BaseParser):
    """A chunk of a resumable upload: the raw bytes, read by the view as a stream."""

    media_type = "application/octet-stream"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream


class TusChunkParser(BaseParser):
    """A tus PATCH: the raw bytes, read by the view as a stream."""

    media_type = "application/offset+octet-stream"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream


# tus 1.0 (https://tus.io/protocols/resumable-upload): core, creation, termination, expiration.
TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration"
TUS_UNSUPPORTED = _("Versión del protocolo tus no soportada: envía `Tus-Resumable: 1.0.0`.")
TUS_CONTENT_TYPE = _("Los fragmentos tus van con `Content-Type: application/offset+octet-stream`.")
BAD_UPLOAD_LENGTH = _("Indica el tamaño total del archivo en Upload-Length (un entero mayor que 0).")
BAD_UPLOAD_OFFSET = _("Indica en Upload-Offset el byte donde empieza este fragmento.")


def _header(name: str, description, **schema) -> OpenApiParameter:
    """A required request header of the tus protocol."""
    if "enum" in schema:
        return OpenApiParameter(
            name, str, OpenApiParameter.HEADER, required=True, enum=schema["enum"], description=str(description)
        )
    return OpenApiParameter(
        name,
        {"type": "integer", "format": "int64", **schema},
        OpenApiParameter.HEADER,
        required=True,
        description=str(description),
    )


class RecordingConsentView(PracticeAPIView):
    """`GET/POST/DELETE /api/patients/{id}/recording-consent`."""

    allowed_roles = CLINICAL
    error_statuses = {"DELETE": (404,)}

    def _out(self, consent, code=status.HTTP_200_OK):
        return Response(s.ConsentSerializer(consent).data, status=code)

    @extend_schema(responses={200: s.ConsentStateSerializer})
    def get(self, request, pk):
        """The latest recording consent; `active: false` (and nulls) when none was ever registered."""
        patient = patient_visible(self.membership, pk)
        consent = (
            RecordingConsent.objects.filter(patient=patient)
            .select_related("registered_by")
            .order_by("-registered_at")
            .first()
        )
        if consent is None:
            return Response(
                s.ConsentStateSerializer(
                    SimpleNamespace(
                        id=None,
                        patient_id=patient.pk,
                        text_version=None,
                        registered_at=None,
                        registered_by=None,
                        withdrawn_at=None,
                    )
                ).data
            )
        return Response(s.ConsentStateSerializer(consent).data)

    @extend_schema(request=s.ConsentRequestSerializer, responses={201: s.ConsentSerializer})
    def post(self, request, pk):
        patient = patient_visible(self.membership, pk)
        data = s.ConsentRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = data.validated_data.get("text_version") or settings.RECORDING_CONSENT_TEXT_VERSION
        return self._out(
            rec.consent_register(patient=patient, membership=self.membership, text_version=version),
            status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={200: s.ConsentStateSerializer})
    def delete(self, request, pk):
        """Withdraw the active consent; the answer is the consent as it now stands. Idempotent: with
        none active (never given, or withdrawn already) nothing changes and the answer is the same."""
        patient = patient_visible(self.membership, pk)
        if rec.active_consent(patient) is not None:
            rec.consent_withdraw(patient=patient, membership=self.membership)
        return self.get(request, pk)


UPLOAD_LIMITS = [("upload_user", "user")]
OFFSET = OpenApiParameter(
    "offset",
    {"type": "integer", "format": "int64", "minimum": 0, "maximum": 2**40},
    OpenApiParameter.QUERY,
    required=True,
    description="Byte del archivo donde empieza este fragmento: el `offset` que informó el servidor.",
)


class SessionRecordingViewSet(PracticeGenericViewSet):
    """`/api/sessions/{id}/recordings...` and `/api/sessions/{id}/transcript...`."""

    queryset = Session.objects.none()  # the path's id is the session's
    lookup_value_regex = UUID_PATTERN
    allowed_roles = {
        "recordings": CLINICAL,
        "recording_detail": CLINICAL,
        "recording_retry": CLINICAL,
        "uploads": CLINICAL,
        "upload_detail": CLINICAL,
        "upload_complete": CLINICAL,
        "transcript": CLINICAL,
        "segment": CLINICAL,
        "apply_note": CLINICAL,
        "recording_availability": CLINICAL,
        "tus_uploads": CLINICAL,
        "tus_upload_detail": CLINICAL,
    }
    error_statuses = {
        "tus_uploads": (400, 409, 412, 413, 503),
        "tus_upload_detail PATCH": (400, 409, 412, 413),
        "tus_upload_detail DELETE": (409, 412),
        "recordings POST": (402, 409, 413, 429, 503),
        "recording_retry": (402, 409, 503),
        "uploads": (409, 413, 503),
        "upload_detail PUT": (409, 413),
        "upload_detail DELETE": (409,),
        "upload_complete": (402, 409, 413, 503),
        "segment": (409,),
        "apply_note": (409,),
    }

    def scoped_queryset(self, membership):
        return record_scope(membership).select_related("patient", "practice")

    def _session(self):
        return self.get_object()

    def _recording(self, session, recording_id) -> Recording:
        recording = Recording.objects.filter(session=session, pk=recording_id).first()
        if recording is None:
            raise NotFound()
        return recording

    def _upload(self, session, upload_id) -> RecordingUpload:
        upload = RecordingUpload.objects.filter(session=session, pk=upload_id).first()
        if upload is None:
            raise NotFound()
        return upload

    def _transcript(self, session) -> Transcript:
        transcript = Transcript.objects.filter(session=session).select_related("session").first()
        if transcript is None:
            raise NotFound(rec.NO_TRANSCRIPT)
        return transcript

    def _created(self, recording, created):
        body = s.RecordingSerializer(recording).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    # -- direct upload and status

    @extend_schema(methods=["GET"], request=None, responses={200: s.RecordingSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": s.RecordingAudioSerializer},
        responses={201: s.RecordingSerializer, 200: s.RecordingSerializer},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser], pagination_class=None)
    def recordings(self, request, pk=None):
        """POST answers 201 with the queued recording, or 200 with the one already there when the
        same file was sent before (charged once)."""
        session = self._session()
        if request.method == "GET":
            return Response(s.RecordingSerializer(session.recordings.order_by("-created_at"), many=True).data)
        ratelimit.enforce(request, UPLOAD_LIMITS)
        data = s.RecordingAudioSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["audio"]
        with tempfile.TemporaryDirectory(prefix="sessai-up-") as tmp:
            if hasattr(upload, "temporary_file_path"):  # over FILE_UPLOAD_MAX_MEMORY_SIZE: already on disk
                path = Path(upload.temporary_file_path())
            else:
                path = Path(tmp) / "audio"
                with open(path, "wb") as target:
                    shutil.copyfileobj(upload, target, 1024 * 1024)
            recording, created = rec.recording_add(
                session=session, membership=self.membership, path=path, size=upload.size
            )
        return self._created(recording, created)

    @extend_schema(request=None, responses={200: s.RecordingSerializer})
    @action(detail=True, methods=["get"], url_path=rf"recordings/(?P<recording_id>{UUID_PATTERN})")
    def recording_detail(self, request, pk=None, recording_id=None):
        """Status for polling: `uploaded|queued|transcribing|analyzing|done|failed`, `progress` 0–100."""
        return Response(s.RecordingSerializer(self._recording(self._session(), recording_id)).data)

    @extend_schema(request=None, responses={200: s.RecordingSerializer})
    @action(detail=True, methods=["post"], url_path=rf"recordings/(?P<recording_id>{UUID_PATTERN})/retry")
    def recording_retry(self, request, pk=None, recording_id=None):
        recording = self._recording(self._session(), recording_id)
        return Response(
            s.RecordingSerializer(rec.recording_retry(recording=recording, membership=self.membership)).data
        )

    # -- resumable upload

    @extend_schema(request=s.UploadStartSerializer, responses={201: s.UploadSerializer})
    @action(detail=True, methods=["post"], url_path="recording-uploads")
    def uploads(self, request, pk=None):
        data = s.UploadStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = rec.upload_start(session=self._session(), membership=self.membership, size=data.validated_data["size"])
        return Response(s.UploadSerializer(upload).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.RecordingAvailabilitySerializer})
    @action(detail=True, methods=["get"], url_path="recording-availability")
    def recording_availability(self, request, pk=None):
        """Whether a recording can be added to this session now and, if not, why (the code and
        message the upload would answer): consent, opposition, signing, the practice's setting."""
        available, code, message = rec.recording_availability(self._session())
        return Response(
            s.RecordingAvailabilitySerializer({"available": available, "code": code, "message": message}).data
        )

    @extend_schema(methods=["GET"], request=None, responses={200: s.UploadSerializer})
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @extend_schema(
        methods=["PUT"],
        parameters=[OFFSET],
        responses={200: s.UploadSerializer},
        request={
            "application/octet-stream": {
                "type": "string",
                "format": "binary",
                "x-max-bytes-setting": "RECORDING_UPLOAD_CHUNK_MAX_BYTES",
            }
        },
    )
    @action(
        detail=True,
        methods=["get", "put", "delete"],
        url_path=rf"recording-uploads/(?P<upload_id>{UUID_PATTERN})",
        parser_classes=[ChunkParser],
    )
    def upload_detail(self, request, pk=None, upload_id=None):
        """GET: how many bytes the server has (`offset`): resume from there. PUT `?offset=N`: the
        next chunk's bytes as the body (`Content-Type: application/octet-stream`). DELETE: cancel,
        the staged bytes are deleted (unfinished uploads expire after 24 h anyway)."""
        upload = self._upload(self._session(), upload_id)
        if request.method == "GET":
            return Response(s.UploadSerializer(upload).data)
        if request.method == "DELETE":
            rec.upload_cancel(upload=upload)
            return Response(status=status.HTTP_204_NO_CONTENT)
        offset = _int_param(request.query_params.get("offset"), "offset")
        upload = _append_chunk(request, upload, offset)
        return Response(s.UploadSerializer(upload).data)

    @extend_schema(request=None, responses={201: s.RecordingSerializer, 200: s.RecordingSerializer})
    @action(detail=True, methods=["post"], url_path=rf"recording-uploads/(?P<upload_id>{UUID_PATTERN})/complete")
    def upload_complete(self, request, pk=None, upload_id=None):
        upload = self._upload(self._session(), upload_id)
        recording, created = rec.upload_complete(upload=upload, membership=self.membership)
        return self._created(recording, created)

    # -- the same resumable upload through tus 1.0, for tus-js-client, Uppy or tuspy

    def initialize_request(self, request, *args, **kwargs):
        request = super().initialize_request(request, *args, **kwargs)
        if request.method == "OPTIONS" and self.action_map.get("options", "").startswith("tus_"):
            self.action = self.action_map["options"]  # DRF calls every OPTIONS "metadata"; tus answers its own
        return request

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(self, "action", None) in ("tus_uploads", "tus_upload_detail"):
            response["Tus-Resumable"] = TUS_VERSION  # on every tus answer, errors included
            if response.status_code == status.HTTP_412_PRECONDITION_FAILED or request.method == "OPTIONS":
                response["Tus-Version"] = TUS_VERSION
            response["Cache-Control"] = "no-store"
        return response

    def _tus(self, request):
        """The protocol's version header, on everything but OPTIONS."""
        if request.method != "OPTIONS" and request.headers.get("Tus-Resumable") != TUS_VERSION:
            raise PreconditionFailed(TUS_UNSUPPORTED)

    def _tus_capabilities(self):
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response["Tus-Extension"] = TUS_EXTENSIONS
        response["Tus-Max-Size"] = str(settings.RECORDING_MAX_BYTES)
        return response

    def _tus_expires(self, upload) -> str:
        return http_date((upload.created_at + timedelta(hours=settings.RECORDING_UPLOAD_EXPIRY_HOURS)).timestamp())

    @extend_schema(
        methods=["POST"],
        request=None,
        parameters=[
            _header("Tus-Resumable", _("Versión del protocolo tus."), enum=[TUS_VERSION]),
            _header("Upload-Length", _("Tamaño total del archivo en bytes."), minimum=1, maximum=2**40),
            OpenApiParameter("Location", str, OpenApiParameter.HEADER, response=[201], description="URL"),
            OpenApiParameter("Upload-Expires", str, OpenApiParameter.HEADER, response=[201], description="RFC 9110"),
        ],
        responses={201: OpenApiResponse(description=str(_("Creada: `Location` es la dirección de la subida.")))},
    )
    @action(detail=True, methods=["post", "options"], url_path="tus-uploads", parser_classes=[TusChunkParser])
    def tus_uploads(self, request, pk=None):
        """tus creation: `Upload-Length` in a header, no body. OPTIONS: what this server speaks."""
        if request.method == "OPTIONS":
            return self._tus_capabilities()
        self._tus(request)
        size = _int_param(request.headers.get("Upload-Length"), "Upload-Length", BAD_UPLOAD_LENGTH)
        if size < 1:
            raise ValidationFailed(str(BAD_UPLOAD_LENGTH), errors={"Upload-Length": [str(BAD_UPLOAD_LENGTH)]})
        upload = rec.upload_start(session=self._session(), membership=self.membership, size=size)
        response = Response(status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{request.path.rstrip('/')}/{upload.pk}")
        response["Upload-Expires"] = self._tus_expires(upload)
        return response

    @extend_schema(
        methods=["PATCH"],
        parameters=[
            _header("Tus-Resumable", _("Versión del protocolo tus."), enum=[TUS_VERSION]),
            _header(
                "Upload-Offset", _("Byte donde empieza este fragmento: el que informó HEAD."), minimum=0, maximum=2**40
            ),
        ],
        request={
            "application/offset+octet-stream": {
                "type": "string",
                "format": "binary",
                "x-max-bytes-setting": "RECORDING_UPLOAD_CHUNK_MAX_BYTES",
            }
        },
        responses={204: OpenApiResponse(description=str(_("Recibido: `Upload-Offset` dice cuántos bytes tiene.")))},
    )
    @extend_schema(
        methods=["DELETE"],
        parameters=[_header("Tus-Resumable", _("Versión del protocolo tus."), enum=[TUS_VERSION])],
        request=None,
        responses={204: None},
    )
    @action(
        detail=True,
        methods=["head", "patch", "delete", "options"],
        url_path=rf"tus-uploads/(?P<upload_id>{UUID_PATTERN})",
        parser_classes=[TusChunkParser],
    )
    def tus_upload_detail(self, request, pk=None, upload_id=None):
        """HEAD: `Upload-Offset` and `Upload-Length`, where to resume. PATCH: the next bytes at
        `Upload-Offset`. DELETE: termination. Once every byte is there, the recording is made by
        `POST .../recording-uploads/{id}/complete`, the same id (credits, 402 and 400 answer there)."""
        if request.method == "OPTIONS":
            return self._tus_capabilities()
        self._tus(request)
        upload = self._upload(self._session(), upload_id)
        if request.method == "DELETE":
            rec.upload_cancel(upload=upload)
            return Response(status=status.HTTP_204_NO_CONTENT)
        if request.method == "PATCH":
            if request.content_type.split(";")[0].strip() != TusChunkParser.media_type:
                raise UnsupportedMediaType(request.content_type, detail=str(TUS_CONTENT_TYPE))
            offset = _int_param(request.headers.get("Upload-Offset"), "Upload-Offset", BAD_UPLOAD_OFFSET)
            upload = _append_chunk(request, upload, offset)
            response = Response(status=status.HTTP_204_NO_CONTENT)
        else:  # HEAD
            response = Response(status=status.HTTP_200_OK)
            response["Upload-Length"] = str(upload.size)
        response["Upload-Offset"] = str(upload.offset)
        response["Upload-Expires"] = self._tus_expires(upload)
        return response

    # -- transcript

    def _transcript_out(self, transcript):
        labels = {choice.value: str(choice.label) for choice in Speaker}
        record_access(transcript)
        return Response(
            s.TranscriptSerializer(
                {
                    "session_id": transcript.session_id,
                    "recording_id": transcript.recording_id,
                    "segments": [
                        {
                            "index": i,
                            "speaker": seg["speaker"],
                            "speaker_label": labels.get(seg["speaker"], seg["speaker"]),
                            "start": seg["start"],
                            "end": seg["end"],
                            "text": seg["text"],
                            "edited": seg.get("edited", False),
                        }
                        for i, seg in enumerate(transcript.segments)
                    ],
                    "analysis": transcript.analysis,
                    "read_only": transcript.session.signed_at is not None,
                    "updated_at": transcript.updated_at,
                }
            ).data
        )

    @extend_schema(request=None, responses={200: s.TranscriptSerializer})
    @action(detail=True, methods=["get"])
    def transcript(self, request, pk=None):
        """Segments with speaker labels ("Terapeuta", "Paciente") and, once analysed, the draft
        note, sentiment, topics, keywords and risk mentions. Every read is audited."""
        return self._transcript_out(self._transcript(self._session()))

    @extend_schema(
        request=s.SegmentEditSerializer,
        responses={200: s.TranscriptSerializer},
        parameters=[
            OpenApiParameter(
                "index",
                {"type": "integer", "format": "int32", "minimum": 0, "maximum": 999999},
                OpenApiParameter.PATH,
                description="Posición del segmento (desde 0), como `index` en la transcripción.",
            )
        ],
    )
    @action(detail=True, methods=["patch"], url_path=r"transcript/segments/(?P<index>[0-9]{1,6})")
    def segment(self, request, pk=None, index=None):
        """Correct a segment's text or speaker; a signed session's transcript is read-only (409)."""
        data = s.SegmentEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transcript = self._transcript(self._session())
        transcript = rec.segment_edit(
            transcript=transcript,
            index=int(index),
            text=data.validated_data.get("text"),
            speaker=data.validated_data.get("speaker"),
        )
        return self._transcript_out(Transcript.objects.select_related("session").get(pk=transcript.pk))

    @extend_schema(request=None, responses={200: s.SuccessSerializer})
    @action(detail=True, methods=["post"], url_path="transcript/apply-note")
    def apply_note(self, request, pk=None):
        """Copy the draft note into the session's content (sanitized). The jobs never do it."""
        rec.apply_note(transcript=self._transcript(self._session()))
        return Response({"success": True, "message": str(NOTE_APPLIED)})


NOTE_APPLIED = _("Nota sugerida copiada al registro de la sesión.")


def _append_chunk(request, upload: RecordingUpload, offset: int) -> RecordingUpload:
    """The request's body as the upload's next chunk at `offset` (both dialects: PUT and tus PATCH)."""
    length = _int_param(request.META.get("CONTENT_LENGTH"), "Content-Length", BAD_LENGTH)
    if length > settings.RECORDING_UPLOAD_CHUNK_MAX_BYTES:
        raise PayloadTooLarge(too_large(settings.RECORDING_UPLOAD_CHUNK_MAX_BYTES))
    return rec.upload_append(upload=upload, offset=offset, stream=request.stream, length=length)


def _int_param(raw, name: str, message=None) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = -1
    if not 0 <= value <= 2**40:
        text = str(message or _("Debe ser un número entero."))
        raise ValidationFailed(text, errors={name: [text]})
    return value
