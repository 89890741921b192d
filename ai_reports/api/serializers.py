from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ai_reports.choices import DocFormat, DocMode, FixedPeriod, RangeType, RecordingStatus, Speaker, Tier
from sessai.api.fields import SizedFileField
from sessai.api.serializers import InputSerializer
from sessai.api.wire import WireSerializer

RANGE_REQUIRED = _("Indica el rango del informe")
DATES_ORDER = _("La fecha de inicio debe ser anterior o igual a la fecha de fin")


class ReportRequestSerializer(InputSerializer):
    """`{patientId, startDate, endDate}`, `{patientId, rangeType: "lastSessions", lastSessionsCount}`
    or `{patientId, rangeType: "fixedPeriod", fixedPeriod}`. ISO datetimes are accepted for the dates."""

    patient_id = serializers.UUIDField()
    range_type = serializers.ChoiceField(choices=RangeType.choices, required=False, default=RangeType.DATES)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    last_sessions_count = serializers.IntegerField(required=False, min_value=1, max_value=100)
    fixed_period = serializers.ChoiceField(choices=FixedPeriod.choices, required=False)

    def to_internal_value(self, data):
        if hasattr(data, "copy"):
            data = data.copy()
            for key in ("start_date", "end_date"):
                value = data.get(key)
                if isinstance(value, str) and "T" in value:
                    data[key] = value.split("T", 1)[0]
        return super().to_internal_value(data)

    def validate(self, attrs):
        kind = attrs["range_type"]
        required = {
            RangeType.DATES: ("start_date", "end_date"),
            RangeType.LAST_SESSIONS: ("last_sessions_count",),
            RangeType.FIXED_PERIOD: ("fixed_period",),
        }[kind]
        missing = {name: [RANGE_REQUIRED] for name in required if attrs.get(name) is None}
        if missing:
            raise serializers.ValidationError(missing)
        if kind == RangeType.DATES and attrs["start_date"] > attrs["end_date"]:
            raise serializers.ValidationError({"end_date": [DATES_ORDER]})
        return attrs


class ReportResponseSerializer(WireSerializer):
    report_content = serializers.CharField()
    report_id = serializers.UUIDField()
    credits_used = serializers.FloatField()
    model = serializers.CharField()


class SuccessSerializer(WireSerializer):
    success = serializers.BooleanField()
    message = serializers.CharField()


class ReportStreamEventSerializer(WireSerializer):
    """One Server-Sent Event's `data` (`Accept: text/event-stream`): unnamed events carry `text`
    as it is written; the `done` event carries reportId, creditsUsed and model; an `error` event
    carries the error envelope's message and code."""

    text = serializers.CharField(required=False)
    report_id = serializers.UUIDField(required=False)
    credits_used = serializers.FloatField(required=False)
    model = serializers.CharField(required=False)
    message = serializers.CharField(required=False)
    code = serializers.CharField(required=False)


class ReportSerializer(WireSerializer):
    id = serializers.UUIDField()
    patient_id = serializers.UUIDField()
    patient_name = serializers.CharField(source="patient.name")
    author_id = serializers.UUIDField()
    author_name = serializers.CharField(source="author.name")
    range_type = serializers.CharField()
    start_date = serializers.DateField(source="range_start", allow_null=True)
    end_date = serializers.DateField(source="range_end", allow_null=True)
    sessions_count = serializers.IntegerField()
    model = serializers.CharField()
    credits_used = serializers.FloatField(source="credits")
    report_content = serializers.CharField(source="content")
    created_at = serializers.DateTimeField()


class DocumentationRequestSerializer(InputSerializer):
    unstructured_notes = serializers.CharField(
        max_length=50_000,
        error_messages={"blank": _("Las notas son requeridas"), "required": _("Las notas son requeridas")},
    )
    instruction = serializers.CharField(max_length=1000, required=False, allow_blank=True, allow_null=True, default="")
    format = serializers.ChoiceField(choices=DocFormat.choices, required=False, allow_blank=True, default="")
    mode = serializers.ChoiceField(choices=DocMode.choices, required=False, default=DocMode.MARKDOWN)
    patient_id = serializers.UUIDField(required=False, allow_null=True)
    session_id = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text=_("La sesión que se está registrando: su paciente se anonimiza como con `patientId`"),
    )


class DocumentationResponseSerializer(WireSerializer):
    structured_result = serializers.CharField()
    credits_used = serializers.FloatField()
    model = serializers.CharField()


class PdfRequestSerializer(InputSerializer):
    report_content = serializers.CharField(max_length=50_000)  # a report is ~5–20k; 50k renders in ~2.5 s
    patient_name = serializers.CharField(max_length=100)


class AISettingsSerializer(InputSerializer):
    """What the admin may change; fields not sent keep their value."""

    ai_model = serializers.ChoiceField(choices=Tier.choices, required=False)
    audio_transcription = serializers.BooleanField(
        required=False,
        help_text=_(
            "Permite enviar grabaciones de sesiones al proveedor de IA para transcribirlas (el audio no se puede anonimizar)."
        ),
    )
    recording_retention_days = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=3650,
        help_text=_("Días que se conserva el audio tras transcribirlo (0: se borra de inmediato)."),
    )
    note_format = serializers.ChoiceField(
        choices=DocFormat.choices, required=False, help_text=_("Formato de la nota sugerida.")
    )
    patient_summaries = serializers.BooleanField(
        required=False,
        help_text=_(
            "Permite escribir, aprobar y enviar al paciente un resumen de cada sesión (nada se envía sin la aprobación del terapeuta)."
        ),
    )


class AISettingsOutSerializer(WireSerializer):
    ai_model = serializers.ChoiceField(choices=Tier.choices)
    audio_transcription = serializers.BooleanField()
    recording_retention_days = serializers.IntegerField(min_value=0, max_value=3650)
    note_format = serializers.ChoiceField(choices=DocFormat.choices)
    patient_summaries = serializers.BooleanField()


# --- Recorded sessions -------------------------------------------------------------------------


class ConsentSerializer(WireSerializer):
    id = serializers.UUIDField()
    patient_id = serializers.UUIDField()
    active = serializers.SerializerMethodField()
    text_version = serializers.CharField()
    registered_at = serializers.DateTimeField()
    registered_by_name = serializers.CharField(source="registered_by.name")
    withdrawn_at = serializers.DateTimeField(allow_null=True)

    def get_active(self, consent) -> bool:
        return consent.withdrawn_at is None


class ConsentStateSerializer(ConsentSerializer):
    """The patient's recording consent as GET reads it: the latest one, or (none ever registered)
    `active: false` with the rest null."""

    id = serializers.UUIDField(allow_null=True)
    text_version = serializers.CharField(allow_null=True)
    registered_at = serializers.DateTimeField(allow_null=True)
    registered_by_name = serializers.CharField(source="registered_by.name", allow_null=True)

    def get_active(self, consent) -> bool:
        return consent.id is not None and consent.withdrawn_at is None


class RecordingAvailabilitySerializer(WireSerializer):
    available = serializers.BooleanField()
    code = serializers.CharField(
        allow_null=True,
        help_text=_(
            "Por qué no: consent_required, ai_processing_opposed, processing_blocked, signed, transcript_edited, "
            "transcription_disabled o ai_unavailable; null si se puede grabar"
        ),
    )
    message = serializers.CharField(
        allow_null=True, help_text=_("El mensaje para mostrar, el mismo que daría la subida")
    )


class ConsentRequestSerializer(InputSerializer):
    text_version = serializers.CharField(
        max_length=50, required=False, help_text=_("Versión del texto que el paciente aceptó; por defecto la vigente.")
    )


class RecordingAudioSerializer(WireSerializer):
    audio = SizedFileField(
        max_bytes_setting="RECORDING_MAX_BYTES",
        allow_empty_file=False,
        help_text=_("WebM/Opus, Ogg, MP3, M4A/MP4 o WAV."),
    )


class RecordingSerializer(WireSerializer):
    id = serializers.UUIDField()
    session_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=RecordingStatus.choices)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    duration_seconds = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=False)
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)
    audio_kept = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    transcribed_at = serializers.DateTimeField(allow_null=True)

    def get_audio_kept(self, recording) -> bool:
        return recording.audio_deleted_at is None and bool(recording.audio)


class UploadStartSerializer(InputSerializer):
    size = serializers.IntegerField(min_value=1, max_value=2**40, help_text=_("Tamaño total del archivo en bytes."))


class UploadSerializer(WireSerializer):
    id = serializers.UUIDField()
    size = serializers.IntegerField()
    offset = serializers.IntegerField(help_text=_("Bytes recibidos: el próximo fragmento empieza aquí."))
    chunk_max_bytes = serializers.SerializerMethodField()
    completed = serializers.SerializerMethodField()

    def get_chunk_max_bytes(self, upload) -> int:
        return settings.RECORDING_UPLOAD_CHUNK_MAX_BYTES

    def get_completed(self, upload) -> bool:
        return upload.completed_at is not None


class SegmentSerializer(WireSerializer):
    index = serializers.IntegerField(min_value=0)
    speaker = serializers.ChoiceField(choices=Speaker.choices)
    speaker_label = serializers.CharField()
    start = serializers.FloatField()
    end = serializers.FloatField()
    text = serializers.CharField()
    edited = serializers.BooleanField()


class RiskSerializer(WireSerializer):
    type = serializers.ChoiceField(
        choices=[("self_harm", _("Autolesión")), ("suicide", _("Suicidio")), ("harm_to_others", _("Daño a otros"))]
    )
    segment = serializers.IntegerField(allow_null=True)
    quote = serializers.CharField(allow_blank=True)


class SentimentSerializer(WireSerializer):
    label = serializers.ChoiceField(
        choices=[("positivo", _("Positivo")), ("neutral", _("Neutral")), ("negativo", _("Negativo"))]
    )
    score = serializers.IntegerField(min_value=0, max_value=100)


class AnalysisSerializer(WireSerializer):
    draft_note = serializers.CharField()
    format = serializers.ChoiceField(choices=DocFormat.choices)
    sentiment = SentimentSerializer()
    topics = serializers.ListField(child=serializers.CharField())
    keywords = serializers.ListField(child=serializers.CharField())
    risks = RiskSerializer(many=True)
    model = serializers.CharField()


class TranscriptSerializer(WireSerializer):
    session_id = serializers.UUIDField()
    recording_id = serializers.UUIDField()
    segments = SegmentSerializer(many=True)
    analysis = AnalysisSerializer(allow_null=True)
    read_only = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class SegmentEditSerializer(InputSerializer):
    text = serializers.CharField(max_length=5000, required=False)
    speaker = serializers.ChoiceField(choices=Speaker.choices, required=False)
