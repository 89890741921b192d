"""Session shapes: frontend-reference §1.7 plus names, color, record fields and signature.
Dates and times are the practice's wall clock (America/Santiago by default)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import DayHoursSerializer
from scheduling import messages as msg
from scheduling.choices import (
    CREATABLE_STATUSES,
    AssessmentType,
    BlockedTimeType,
    BookingSource,
    CalendarView,
    ConfirmationStatus,
    EditScope,
    Frequency,
    SessionStatus,
    SessionType,
)
from scheduling.models import SESSION_MAX_DURATION, minutes_between
from scheduling.timeutils import day_bounds, local_datetime
from sessai.api.fields import SizedFileField, WallClockTimeField
from sessai.api.serializers import (
    YEAR_PATTERN,
    InputSerializer,
    QuerySerializer,
    RoleAwareSerializer,
    may_see_clinical,
    year_in_range,
)
from sessai.api.wire import WireSerializer

ATTACHMENT_SALT = "sessai.attachment.download"


# --- Output ---------------------------------------------------------------------------------


class AssessmentSerializer(WireSerializer):
    id = serializers.UUIDField()
    session_id = serializers.UUIDField()
    type = serializers.ChoiceField(choices=AssessmentType.choices)
    label = serializers.CharField()
    scale = serializers.IntegerField(allow_null=True)
    items = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    score = serializers.IntegerField(allow_null=True)
    severity = serializers.CharField()
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()


class AssessmentPointSerializer(AssessmentSerializer):
    """A point of the chart series: the session's local date comes with it."""

    date = serializers.SerializerMethodField()

    def get_date(self, assessment) -> str:
        return assessment.session.starts_at.astimezone(ZoneInfo(self.context["tz"])).date().isoformat()


def attachment_url(attachment, request, reader_id=None) -> str:
    """A short-lived link: the storage's presigned URL (S3) or our signed download view (disk)."""
    if hasattr(default_storage, "bucket_name"):
        return attachment.file.storage.url(
            attachment.file.name,
            parameters={"ResponseContentDisposition": f'attachment; filename="{attachment.file_name}"'},
            expire=settings.ATTACHMENT_URL_MAX_AGE,
        )
    user = getattr(request, "user", None)
    session_id = getattr(user, "device_session_id", "") if user is not None else ""
    # the reader and their device session: the link dies with the session (logout, revocation, deactivation)
    token = signing.dumps(
        {"a": str(attachment.pk), "u": str(reader_id or ""), "s": str(session_id or "")}, salt=ATTACHMENT_SALT
    )
    path = reverse("attachment-download", kwargs={"pk": attachment.pk}) + f"?token={token}"
    return request.build_absolute_uri(path) if request else path


class AttachmentSerializer(WireSerializer):
    id = serializers.UUIDField()
    session_id = serializers.UUIDField()
    url = serializers.SerializerMethodField()
    file_name = serializers.CharField()
    file_type = serializers.CharField()
    size = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def get_url(self, attachment) -> str:
        membership = self.context.get("membership")
        return attachment_url(attachment, self.context.get("request"), membership.user_id if membership else None)


class AddendumSerializer(WireSerializer):
    id = serializers.UUIDField()
    content = serializers.CharField()
    author_id = serializers.UUIDField()
    author_name = serializers.CharField(source="author.name")
    created_at = serializers.DateTimeField()


class LocalTimesMixin(WireSerializer):
    """`date`, `startTime`, `endTime` of an interval in the practice's wall clock (context["tz"])."""

    date = serializers.SerializerMethodField()
    start_time = serializers.SerializerMethodField()
    end_time = serializers.SerializerMethodField()

    def _local(self, value: datetime) -> datetime:
        return value.astimezone(ZoneInfo(self.context["tz"]))

    def get_date(self, obj) -> str:
        return self._local(obj.starts_at).date().isoformat()

    def get_start_time(self, obj) -> str:
        return self._local(obj.starts_at).strftime("%H:%M")

    def get_end_time(self, obj) -> str:
        return self._local(obj.ends_at).strftime("%H:%M")


LIMITED_FIELDS = {
    "id",
    "patient_id",
    "patient_name",
    "therapist_id",
    "therapist_name",
    "therapist_color",
    "date",
    "start_time",
    "end_time",
    "duration",
    "type",
    "status",
    "confirmation_status",
    "confirmation_at",
    "source",
    "awaiting_approval",
}


def limited_view(context, patient_id) -> bool:
    """A therapist sees another therapist's patients' appointments as name and time only.
    Assistants see every appointment whole, without the clinical fields (RoleAwareSerializer)."""
    visible = context.get("record_patient_ids")
    return visible is not None and patient_id not in visible and may_see_clinical(context)


class SessionSerializer(LocalTimesMixin, RoleAwareSerializer):
    """Assistants never get the clinical fields; a therapist sees another therapist's patients'
    appointments with names and times only (`LIMITED_FIELDS`). Reads sessions from
    `selectors.with_details(..., clinical=True)`, which loads the record's children."""

    clinical_fields = ("notes", "content", "goals", "assessments", "attachments", "addenda")
    role_dependent_fields = (
        *clinical_fields,
        "title",
        "location",
        "signed_at",
        "signed_by_id",
        "cancel_reason",
        "created_at",
        "updated_at",
    )

    id = serializers.UUIDField()
    patient_id = serializers.UUIDField()
    patient_name = serializers.CharField(source="patient.name")
    therapist_id = serializers.UUIDField()
    therapist_name = serializers.CharField(source="therapist.name")
    therapist_color = serializers.CharField(allow_null=True)
    duration = serializers.IntegerField(source="duration_minutes")
    type = serializers.ChoiceField(choices=SessionType.choices)
    status = serializers.ChoiceField(choices=SessionStatus.choices)
    confirmation_status = serializers.ChoiceField(
        choices=ConfirmationStatus.choices, help_text=_("La respuesta del paciente desde el enlace del recordatorio")
    )
    confirmation_at = serializers.DateTimeField(allow_null=True, help_text=_("Cuándo respondió el paciente"))
    source = serializers.ChoiceField(
        choices=BookingSource.choices, help_text=_("staff: la agendó la consulta; online: el paciente")
    )
    awaiting_approval = serializers.BooleanField(help_text=_("Solicitud en línea que el terapeuta aún no aprueba"))
    title = serializers.CharField()
    location = serializers.CharField()
    notes = serializers.CharField()
    content = serializers.CharField()
    goals = serializers.ListField(child=serializers.CharField())
    assessments = AssessmentSerializer(source="assessment_list", many=True)
    attachments = AttachmentSerializer(source="attachment_list", many=True)
    addenda = AddendumSerializer(source="addendum_list", many=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    signed_by_id = serializers.UUIDField(allow_null=True)
    cancel_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, session):
        if not limited_view(self.context, session.patient_id):
            return super().to_representation(session)
        out = {}
        for field in self._readable_fields:
            if field.field_name in LIMITED_FIELDS:
                attribute = field.get_attribute(session)
                out[field.field_name] = None if attribute is None else field.to_representation(attribute)
        return out


# --- Input ----------------------------------------------------------------------------------


class AssessmentInputSerializer(InputSerializer):
    type = serializers.ChoiceField(choices=AssessmentType.choices)
    scale = serializers.IntegerField(min_value=1, max_value=10, required=False, allow_null=True)
    items = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=3), required=False, max_length=9
    )
    label = serializers.CharField(max_length=100, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class SessionWriteSerializer(InputSerializer):
    """Create (calendar booking or record) and edit. Times: `date` + `startTime` (+ `endTime` or
    `duration`, 60 min by default), or `start`/`end` ISO datetimes from a calendar selection.
    The record form's `sessionDate`, `sessionTime`, `sessionContent` are aliases."""

    ALIASES = {"session_date": "date", "session_time": "start_time", "session_content": "content"}

    patient_id = serializers.UUIDField(error_messages={"required": msg.PATIENT_REQUIRED, "null": msg.PATIENT_REQUIRED})
    therapist_id = serializers.UUIDField(required=False, allow_null=True)
    date = serializers.DateField(required=False)
    start_time = WallClockTimeField(required=False)
    end_time = WallClockTimeField(required=False)
    duration = serializers.IntegerField(required=False, min_value=5, max_value=720)
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    type = serializers.ChoiceField(choices=SessionType.choices, required=False)
    status = serializers.ChoiceField(choices=CREATABLE_STATUSES, required=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    content = serializers.CharField(max_length=200_000, required=False, allow_blank=True, trim_whitespace=False)
    goals = serializers.ListField(child=serializers.CharField(max_length=300), required=False, max_length=30)
    assessments = AssessmentInputSerializer(many=True, required=False, max_length=10)
    allow_outside_availability = serializers.BooleanField(required=False, default=False)

    def to_internal_value(self, data):
        if hasattr(data, "copy"):
            data = data.copy()
            for alias, field in self.ALIASES.items():
                if alias in data and field not in data:
                    data[field] = data.pop(alias)
                data.pop(alias, None)
        return super().to_internal_value(data)

    def validate(self, attrs):
        tz = self.context["tz"]
        instance = self.instance
        timing = {"date", "start_time", "end_time", "duration", "start", "end"} & set(attrs)
        if instance is None or timing:
            attrs.update(self._times(attrs, tz, instance))
        for key in ("date", "start_time", "end_time", "duration", "start", "end"):
            attrs.pop(key, None)
        return attrs

    def _times(self, attrs, tz, instance) -> dict:
        zone = ZoneInfo(tz)
        if attrs.get("start") is not None:
            starts_at = attrs["start"].astimezone(UTC)
            ends_at = (
                attrs["end"].astimezone(UTC)
                if attrs.get("end")
                else starts_at + timedelta(minutes=attrs.get("duration", 60))
            )
        else:
            if instance is not None:
                local_start = instance.starts_at.astimezone(zone)
                day = attrs.get("date", local_start.date())
                at = attrs.get("start_time", local_start.time().replace(tzinfo=None))
                duration = attrs.get("duration", instance.duration_minutes)
            else:
                day, at, duration = attrs.get("date"), attrs.get("start_time"), attrs.get("duration", 60)
                errors = {}
                if day is None:
                    errors["date"] = [msg.DATE_REQUIRED]
                if at is None:
                    errors["startTime"] = [msg.TIME_REQUIRED]
                if errors:
                    raise serializers.ValidationError(errors)
            starts_at = local_datetime(day, at, tz)
            if attrs.get("end_time") is not None:
                ends_at = local_datetime(day, attrs["end_time"], tz, field="endTime")
            else:
                ends_at = starts_at + timedelta(minutes=duration)
        if ends_at <= starts_at:
            raise serializers.ValidationError({"endTime": [msg.END_BEFORE_START]})
        if ends_at - starts_at > SESSION_MAX_DURATION:
            raise serializers.ValidationError(
                {"endTime": [msg.TOO_LONG % {"hours": SESSION_MAX_DURATION // timedelta(hours=1)}]}
            )
        return {"starts_at": starts_at, "ends_at": ends_at}


class RecurrenceSerializer(InputSerializer):
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    count = serializers.IntegerField(min_value=1, max_value=52, required=False)
    until = serializers.DateField(required=False)

    def validate(self, attrs):
        if not attrs.get("count") and not attrs.get("until"):
            raise serializers.ValidationError({"count": [msg.RECURRENCE_END_REQUIRED]})
        return attrs


class SessionCreateSerializer(SessionWriteSerializer):
    recurrence = RecurrenceSerializer(required=False, help_text=_("Serie: {frequency: weekly|biweekly, count | until}"))


class CancelSerializer(InputSerializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    scope = serializers.ChoiceField(choices=EditScope.choices, required=False, default=EditScope.THIS)


class AddendumInputSerializer(InputSerializer):
    content = serializers.CharField(max_length=50_000, trim_whitespace=False)


class AttachmentUploadSerializer(WireSerializer):
    file = SizedFileField(allow_empty_file=False, max_bytes_setting="ATTACHMENT_MAX_BYTES")


class PatientSessionsQuerySerializer(QuerySerializer):
    status = serializers.ListField(
        child=serializers.ChoiceField(choices=SessionStatus.choices),
        required=False,
        max_length=4,
        default=[SessionStatus.COMPLETED],
        help_text=_("Estados a incluir (repetible); por defecto `completed`."),
    )


class AssessmentQuerySerializer(QuerySerializer):
    type = serializers.ChoiceField(choices=AssessmentType.choices, required=False)


class BlockedTimeInputSerializer(InputSerializer):
    therapist_id = serializers.UUIDField()
    type = serializers.ChoiceField(choices=BlockedTimeType.choices, default=BlockedTimeType.LUNCH)
    reason = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    date = serializers.DateField()
    start_time = WallClockTimeField()
    end_time = WallClockTimeField()


class BlockedTimeSerializer(LocalTimesMixin):
    """`BlockedTime` of frontend-reference §1.11, in the practice's wall clock."""

    id = serializers.UUIDField()
    therapist_id = serializers.UUIDField()
    therapist_name = serializers.CharField(source="therapist.name")
    type = serializers.ChoiceField(choices=BlockedTimeType.choices)
    reason = serializers.CharField()


class CalendarSessionSerializer(SessionSerializer):
    """A calendar event: the appointment without the record's children (no per-row queries)."""

    clinical_fields = ("notes",)
    content = None
    goals = None
    assessments = None
    attachments = None
    addenda = None


def calendar_events(rows, *, context) -> list[dict]:
    """Calendar events on the wire from `selectors.calendar_rows` tuples: the JSON of
    `CalendarSessionSerializer` (a test holds the two equal, role by role) at a fraction of its
    cost, for windows of thousands of events. Values are JSON-native or UUIDs (for orjson)."""
    zone = ZoneInfo(context["tz"])
    wire_zone = timezone.get_current_timezone()  # what DRF's DateTimeField renders in
    clinical = may_see_clinical(context)

    def iso(value):
        if value is None:
            return None
        text = value.astimezone(wire_zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    events = []
    for (
        id_,
        patient_id,
        patient_name,
        therapist_id,
        therapist_name,
        color,
        starts_at,
        ends_at,
        type_,
        status,
        title,
        location,
        notes,
        signed_at,
        signed_by_id,
        cancel_reason,
        created_at,
        updated_at,
        confirmation_status,
        confirmation_at,
        source,
        awaiting_approval,
    ) in rows:
        start = starts_at.astimezone(zone).isoformat()  # "2026-10-26T09:00:00-03:00": date and time in one call
        event = {
            "id": id_,
            "patientId": patient_id,
            "patientName": patient_name,
            "therapistId": therapist_id,  # orjson writes UUIDs
            "therapistName": therapist_name,
            "therapistColor": color,
            "date": start[:10],
            "startTime": start[11:16],
            "endTime": ends_at.astimezone(zone).isoformat()[11:16],
            "duration": minutes_between(starts_at, ends_at),
            "type": type_,
            "status": status,
            "confirmationStatus": confirmation_status,
            "confirmationAt": iso(confirmation_at),
            "source": source,
            "awaitingApproval": awaiting_approval,
        }
        if not limited_view(context, patient_id):
            event.update(
                {
                    "title": title,
                    "location": location,
                    "signedAt": iso(signed_at),
                    "signedById": signed_by_id,
                    "cancelReason": cancel_reason,
                    "createdAt": iso(created_at),
                    "updatedAt": iso(updated_at),
                }
            )
            if clinical:
                event["notes"] = notes
        events.append(event)
    return events


def in_calendar_range(value):
    """The years every input date is held to (sessai.api.serializers.year_in_range): the edges of
    Python's dates overflow on the window's arithmetic."""
    year_in_range(value)
    return value


@extend_schema_field({"type": "string", "format": "date", "pattern": YEAR_PATTERN + r"[0-9]{2}-[0-9]{2}$"})
class CalendarDateField(serializers.DateField):
    def __init__(self, **kwargs):
        super().__init__(validators=[in_calendar_range], **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 64,
        "pattern": YEAR_PATTERN + r"[0-9]{2}-[0-9]{2}",
        "anyOf": [{"format": "date-time"}, {"format": "date"}],
        "example": "2026-03-02T09:00:00-03:00",
    }
)
class FlexibleDateTimeField(serializers.DateTimeField):
    """ISO datetime (with offset, as FullCalendar sends) or a plain date (local midnight), in the
    years a calendar can mean (0001-01-01 and 9999-12-31 overflow the window arithmetic: checked
    before it, so not as a validator)."""

    def to_internal_value(self, value):
        if isinstance(value, str) and len(value) == 10:
            try:
                day = datetime.strptime(value, "%Y-%m-%d").date()
            except ValueError:
                self.fail("invalid", format="yyyy-MM-dd")
            in_calendar_range(day)
            return day_bounds(day, self.context["tz"])[0]
        value = super().to_internal_value(value)
        return in_calendar_range(value)


class CalendarQuerySerializer(QuerySerializer):
    """Query parameters keep the wire's camelCase names (the schema shows them as sent)."""

    start = FlexibleDateTimeField(error_messages={"required": msg.RANGE_REQUIRED})
    end = FlexibleDateTimeField(error_messages={"required": msg.RANGE_REQUIRED})
    # 150 ids fit in the longest request line gunicorn takes (8190: gunicorn.conf.py); past it a 414
    therapistId = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=150)  # noqa: N815
    status = serializers.ListField(
        child=serializers.ChoiceField(choices=SessionStatus.choices), required=False, max_length=4
    )
    patientId = serializers.UUIDField(required=False)  # noqa: N815
    type = serializers.ChoiceField(choices=SessionType.choices, required=False)

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": [msg.END_BEFORE_START]})
        days = settings.CALENDAR_MAX_RANGE_DAYS
        if attrs["end"] - attrs["start"] > timedelta(days=days):
            raise serializers.ValidationError({"end": [msg.RANGE_TOO_LONG % {"days": days}]})
        return attrs


class ScopeSerializer(InputSerializer):
    scope = serializers.ChoiceField(choices=EditScope.choices, required=False, default=EditScope.THIS)


class SkippedOccurrenceSerializer(WireSerializer):
    date = serializers.DateField()
    reason = serializers.CharField()


class SeriesResultSerializer(WireSerializer):
    """`POST /sessions` with `recurrence`: the booked occurrences and those skipped (taken, blocked, ...)."""

    series_id = serializers.UUIDField()
    created = CalendarSessionSerializer(many=True)
    skipped = SkippedOccurrenceSerializer(many=True)


class TherapistSerializer(WireSerializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    email = serializers.EmailField()
    color = serializers.CharField()
    role = serializers.CharField()
    title = serializers.CharField()


class DayScheduleSerializer(DayHoursSerializer):
    """A day sent in a schedule update: its end after its start."""

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": [msg.END_BEFORE_START]})
        return attrs


class WeeklyScheduleSerializer(InputSerializer):
    monday = DayScheduleSerializer(required=False)
    tuesday = DayScheduleSerializer(required=False)
    wednesday = DayScheduleSerializer(required=False)
    thursday = DayScheduleSerializer(required=False)
    friday = DayScheduleSerializer(required=False)
    saturday = DayScheduleSerializer(required=False)
    sunday = DayScheduleSerializer(required=False)


class AvailabilityQuerySerializer(QuerySerializer):
    therapistId = serializers.UUIDField()  # noqa: N815
    date = CalendarDateField()
    duration = serializers.IntegerField(min_value=5, max_value=720, required=False, default=60)


class SlotSerializer(WireSerializer):
    start_time = WallClockTimeField()
    end_time = WallClockTimeField()


class FreeSlotsSerializer(WireSerializer):
    therapist_id = serializers.UUIDField()
    date = serializers.DateField()
    duration = serializers.IntegerField()
    slots = SlotSerializer(many=True)


class LinkTokenQuerySerializer(QuerySerializer):
    """The signed token of a link that is its own credential (attachment downloads, the iCal feed)."""

    token = serializers.CharField(max_length=500, help_text=_("El token firmado del enlace"))


class BlockedTimeQuerySerializer(QuerySerializer):
    therapistId = serializers.UUIDField(required=False)  # noqa: N815
    start = FlexibleDateTimeField(required=False)
    end = FlexibleDateTimeField(required=False)


class CalendarSettingsSerializer(InputSerializer):
    show_patient_name = serializers.BooleanField(required=False)
    show_therapist_name = serializers.BooleanField(required=False)
    show_session_type = serializers.BooleanField(required=False)
    show_duration = serializers.BooleanField(required=False)
    show_notes = serializers.BooleanField(required=False)
    show_status = serializers.BooleanField(required=False)
    default_view = serializers.ChoiceField(choices=CalendarView.choices, required=False)
    patient_reminders = serializers.BooleanField(required=False)


class FeedSerializer(WireSerializer):
    active = serializers.BooleanField()
    url = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text=_("Cuándo deja de funcionar el enlace; null: no vence.")
    )
    last_used_at = serializers.DateTimeField(
        allow_null=True, help_text=_("La última vez que una aplicación lo leyó (al minuto 5).")
    )


class FeedRequestSerializer(InputSerializer):
    expires_in_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=365,
        help_text=_("Días de validez del enlace; sin valor, no vence."),
    )


# --- Dashboard (the answer of scheduling.dashboard, documented for the schema) --------------

TRENDS = [("up", "up"), ("down", "down"), ("neutral", "neutral")]


class CountCardSerializer(WireSerializer):
    value = serializers.IntegerField()
    change = serializers.IntegerField(help_text=_("Pacientes nuevos este mes."))
    trend = serializers.ChoiceField(choices=TRENDS)


class WeekCardSerializer(WireSerializer):
    value = serializers.IntegerField()
    previous = serializers.IntegerField()
    change_percent = serializers.FloatField(allow_null=True)
    trend = serializers.ChoiceField(choices=TRENDS)


class ReportsCardSerializer(WireSerializer):
    value = serializers.IntegerField()
    trend = serializers.ChoiceField(choices=TRENDS)


class TimeSavedCardSerializer(WireSerializer):
    minutes = serializers.IntegerField()
    hours = serializers.FloatField()
    trend = serializers.ChoiceField(choices=TRENDS)


class ActivitySerializer(WireSerializer):
    type = serializers.ChoiceField(
        choices=[("session", "session"), ("appointment", "appointment"), ("report", "report")]
    )
    patient = serializers.CharField(help_text=_("Nombre del paciente (lo que lee la UI)."))
    patient_name = serializers.CharField()
    action = serializers.CharField()
    at = serializers.DateTimeField()
    time = serializers.CharField(help_text=_("Tiempo relativo en el idioma del usuario, p. ej. «Hace 2 horas»."))


class DashboardSerializer(WireSerializer):
    active_patients = CountCardSerializer()
    sessions_this_week = WeekCardSerializer()
    reports_this_month = ReportsCardSerializer()
    time_saved_this_week = TimeSavedCardSerializer()
    upcoming_appointments = serializers.IntegerField()
    upcoming_window_days = serializers.IntegerField()
    recent_activity = ActivitySerializer(many=True)
    patients_at_risk = serializers.IntegerField(
        allow_null=True,
        help_text=_(
            "Pacientes con una alerta de riesgo de cuestionario sin revisar (`GET /api/risk-alerts`); null para asistentes."
        ),
    )
