from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ai_reports.choices import DocFormat, DocMode, FixedPeriod, RangeType, Tier
from sessai.api.serializers import InputSerializer

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
        required = {RangeType.DATES: ("start_date", "end_date"), RangeType.LAST_SESSIONS: ("last_sessions_count",),
                    RangeType.FIXED_PERIOD: ("fixed_period",)}[kind]
        missing = {name: [RANGE_REQUIRED] for name in required if attrs.get(name) is None}
        if missing:
            raise serializers.ValidationError(missing)
        if kind == RangeType.DATES and attrs["start_date"] > attrs["end_date"]:
            raise serializers.ValidationError({"end_date": [DATES_ORDER]})
        return attrs


class ReportResponseSerializer(serializers.Serializer):
    report_content = serializers.CharField()
    report_id = serializers.UUIDField()
    credits_used = serializers.FloatField()
    model = serializers.CharField()


class SuccessSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    message = serializers.CharField()


class ReportStreamEventSerializer(serializers.Serializer):
    """One Server-Sent Event's `data` (`Accept: text/event-stream`): unnamed events carry `text`
    as it is written; the `done` event carries reportId, creditsUsed and model; an `error` event
    carries the error envelope's message and code."""

    text = serializers.CharField(required=False)
    report_id = serializers.UUIDField(required=False)
    credits_used = serializers.FloatField(required=False)
    model = serializers.CharField(required=False)
    message = serializers.CharField(required=False)
    code = serializers.CharField(required=False)


class ReportSerializer(serializers.Serializer):
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
    unstructured_notes = serializers.CharField(max_length=50_000, error_messages={"blank": _("Las notas son requeridas"), "required": _("Las notas son requeridas")})
    instruction = serializers.CharField(max_length=1000, required=False, allow_blank=True, allow_null=True, default="")
    format = serializers.ChoiceField(choices=DocFormat.choices, required=False, allow_blank=True, default="")
    mode = serializers.ChoiceField(choices=DocMode.choices, required=False, default=DocMode.MARKDOWN)
    patient_id = serializers.UUIDField(required=False, allow_null=True)


class DocumentationResponseSerializer(serializers.Serializer):
    structured_result = serializers.CharField()
    credits_used = serializers.FloatField()
    model = serializers.CharField()


class PdfRequestSerializer(InputSerializer):
    report_content = serializers.CharField(max_length=50_000)  # a report is ~5–20k; 50k renders in ~2.5 s
    patient_name = serializers.CharField(max_length=100)


class AISettingsSerializer(InputSerializer):
    ai_model = serializers.ChoiceField(choices=Tier.choices)
