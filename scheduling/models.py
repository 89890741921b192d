"""Sessions: one object is both the calendar appointment and the clinical record. Addenda,
assessments and attachments hang off a session."""

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Practice
from patients.models import Patient
from scheduling.choices import (
    AssessmentType,
    BlockedTimeType,
    BookingSource,
    CalendarView,
    ConfirmationStatus,
    Frequency,
    MeasurementFrequency,
    SessionStatus,
    SessionType,
    WaitlistStatus,
)
from sessai.tenancy import PracticeFromParent, practice_field


class SessionSeries(models.Model):
    """A weekly or biweekly recurring appointment; its occurrences are ordinary sessions."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(
        Practice, verbose_name=_("consulta"), on_delete=models.CASCADE, related_name="session_series"
    )
    frequency = models.CharField(_("frecuencia"), max_length=10, choices=Frequency.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("creado por"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))

    class Meta:
        verbose_name = _("serie de sesiones")
        verbose_name_plural = _("series de sesiones")

    def __str__(self):
        return f"{self.get_frequency_display()} {self.created_at:%Y-%m-%d}"


# The longest a session may last (a database constraint). It bounds overlap queries from below so
# the (…, starts_at) indexes scan only the window instead of everything before it.
SESSION_MAX_DURATION = timedelta(hours=12)


def minutes_between(starts_at, ends_at) -> int:
    """A session's `duration`: whole minutes (UTC arithmetic, so DST changes count real time)."""
    return int((ends_at - starts_at).total_seconds() // 60)


class SessionQuerySet(models.QuerySet):
    def overlapping(self, start, end):
        """Sessions overlapping [start, end); touching intervals do not overlap."""
        return self.filter(starts_at__lt=end, starts_at__gt=start - SESSION_MAX_DURATION, ends_at__gt=start)


class Session(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(
        Practice, verbose_name=_("consulta"), on_delete=models.PROTECT, related_name="sessions"
    )
    patient = models.ForeignKey(Patient, verbose_name=_("paciente"), on_delete=models.PROTECT, related_name="sessions")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("terapeuta"), on_delete=models.PROTECT, related_name="therapy_sessions"
    )
    starts_at = models.DateTimeField(_("inicio"))
    ends_at = models.DateTimeField(_("término"))
    type = models.CharField(_("tipo"), max_length=12, choices=SessionType.choices, default=SessionType.PRESENCIAL)
    status = models.CharField(
        _("estado"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    title = models.CharField(_("título"), max_length=200, blank=True)
    location = models.CharField(_("ubicación"), max_length=200, blank=True)
    notes = models.TextField(_("notas"), blank=True, help_text=_("Nota breve de texto plano"))
    content = models.TextField(_("registro clínico"), blank=True, help_text=_("HTML saneado"))
    goals = ArrayField(models.CharField(max_length=300), verbose_name=_("objetivos"), default=list, blank=True)
    signed_at = models.DateTimeField(null=True, verbose_name=_("firmada"), blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("firmada por"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancel_reason = models.CharField(_("motivo de cancelación"), max_length=300, blank=True)
    confirmation_status = models.CharField(
        _("confirmación del paciente"),
        max_length=20,
        choices=ConfirmationStatus.choices,
        default=ConfirmationStatus.PENDING,
        db_default=ConfirmationStatus.PENDING.value,
    )
    confirmation_at = models.DateTimeField(_("respondida por el paciente"), null=True, blank=True)
    source = models.CharField(
        _("origen"),
        max_length=10,
        choices=BookingSource.choices,
        default=BookingSource.STAFF,
        db_default=BookingSource.STAFF.value,
    )
    awaiting_approval = models.BooleanField(
        _("pendiente de aprobación"),
        default=False,
        db_default=False,
        help_text=_("Solicitud en línea que el terapeuta aún no aprueba"),
    )
    series = models.ForeignKey(
        SessionSeries,
        verbose_name=_("serie"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("creado por"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("actualizado"))

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("sesión")
        verbose_name_plural = _("sesiones")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(
                condition=Q(ends_at__lte=F("starts_at") + SESSION_MAX_DURATION), name="session_duration_max"
            ),
        ]
        indexes = [
            models.Index(fields=["practice", "starts_at"], name="session_practice_start"),
            models.Index(fields=["therapist", "starts_at"], name="session_therapist_start"),
            # status and practice included: the history's page total is an index-only scan
            models.Index(
                fields=["patient", "starts_at"], include=["status", "practice"], name="session_patient_start_cover"
            ),
            models.Index(
                fields=["series", "starts_at"], name="session_series_start", condition=Q(series__isnull=False)
            ),
            models.Index(fields=["practice", "created_at"], name="session_practice_created"),
            # completed sessions in a period (billing's cost per session, the dashboard's activity)
            models.Index(
                fields=["practice", "starts_at"], name="session_practice_completed", condition=Q(status="completed")
            ),
            # the console's platform-wide sessions per week (an index-only scan over the weeks shown)
            models.Index(fields=["starts_at"], name="session_starts_status", include=["status"]),
        ]

    def __str__(self):
        return f"{self.patient_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def duration_minutes(self) -> int:
        return minutes_between(self.starts_at, self.ends_at)

    def local(self, tz_name: str):
        tz = ZoneInfo(tz_name)
        return self.starts_at.astimezone(tz), self.ends_at.astimezone(tz)


class Addendum(PracticeFromParent):
    practice_parent = "session"
    """A correction to a signed record: the record itself never changes after signing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(Session, verbose_name=_("sesión"), on_delete=models.PROTECT, related_name="addenda")
    practice = practice_field()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("autor"), on_delete=models.PROTECT, related_name="+"
    )
    content = models.TextField(_("contenido"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))

    class Meta:
        verbose_name = _("adenda")
        verbose_name_plural = _("adendas")
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.session_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class Assessment(PracticeFromParent):
    practice_parent = "session"
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(Session, verbose_name=_("sesión"), on_delete=models.PROTECT, related_name="assessments")
    practice = practice_field()
    patient = models.ForeignKey(
        Patient, verbose_name=_("paciente"), on_delete=models.PROTECT, related_name="assessments"
    )
    type = models.CharField(_("tipo"), max_length=10, choices=AssessmentType.choices)
    label = models.CharField(_("nombre"), max_length=100, blank=True, help_text=_("Para evaluaciones personalizadas"))
    scale = models.PositiveSmallIntegerField(
        null=True, verbose_name=_("escala"), blank=True, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    items = ArrayField(models.PositiveSmallIntegerField(), verbose_name=_("respuestas"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, verbose_name=_("puntaje"), blank=True)
    severity = models.CharField(max_length=30, verbose_name=_("severidad"), blank=True)
    notes = models.TextField(_("notas"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("creado por"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))

    class Meta:
        verbose_name = _("evaluación")
        verbose_name_plural = _("evaluaciones")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["patient", "type", "created_at"], name="assessment_patient_type")]
        constraints = [
            models.CheckConstraint(
                condition=Q(scale__isnull=True) | Q(scale__gte=1, scale__lte=10), name="assessment_scale_1_10"
            )
        ]

    def __str__(self):
        return f"{self.type} {self.created_at:%Y-%m-%d}"


def attachment_path(instance, filename: str) -> str:
    """Random storage names: nothing about the patient or the original file name leaks into paths."""
    ext = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"attachments/{instance.session.practice_id}/{uuid.uuid4().hex}.{ext}"


class Attachment(PracticeFromParent):
    practice_parent = "session"
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(Session, verbose_name=_("sesión"), on_delete=models.PROTECT, related_name="attachments")
    practice = practice_field()
    file = models.FileField(upload_to=attachment_path, verbose_name=_("archivo"), max_length=300)
    file_name = models.CharField(_("nombre del archivo"), max_length=255)
    file_type = models.CharField(_("tipo de archivo"), max_length=100)
    size = models.PositiveBigIntegerField(verbose_name=_("tamaño (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("subido por"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))

    class Meta:
        verbose_name = _("adjunto")
        verbose_name_plural = _("adjuntos")
        ordering = ["created_at"]

    def __str__(self):
        # not the file name: it is clinical (masked in audit diffs), and this string is the audit
        # entry's object name, shown in the console
        return f"{self.file_type} ({self.size} bytes)"


class BlockedTime(models.Model):
    """A period a therapist cannot be booked (lunch, meeting, break, other)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(
        Practice, verbose_name=_("consulta"), on_delete=models.CASCADE, related_name="blocked_times"
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("terapeuta"), on_delete=models.CASCADE, related_name="blocked_times"
    )
    type = models.CharField(_("tipo"), max_length=10, choices=BlockedTimeType.choices, default=BlockedTimeType.LUNCH)
    reason = models.CharField(_("motivo"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("inicio"))
    ends_at = models.DateTimeField(_("término"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("creado por"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))

    class Meta:
        verbose_name = _("horario bloqueado")
        verbose_name_plural = _("horarios bloqueados")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="blockedtime_ends_after_start")
        ]
        indexes = [
            models.Index(fields=["therapist", "starts_at"], name="blockedtime_therapist_start"),
            models.Index(fields=["practice", "starts_at"], name="blockedtime_practice_start"),
        ]

    def __str__(self):
        return f"{self.get_type_display()} {self.starts_at:%Y-%m-%d %H:%M}"


class AvailabilityDay(PracticeFromParent):
    practice_parent = "membership"
    """One weekday of a member's weekly schedule; a missing day takes the default of settings."""

    id = models.BigAutoField(primary_key=True)
    membership = models.ForeignKey(
        "accounts.Membership", verbose_name=_("membresía"), on_delete=models.CASCADE, related_name="availability"
    )
    practice = practice_field()
    weekday = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(6)], verbose_name=_("día de la semana"), help_text="0 = lunes … 6 = domingo"
    )
    start = models.TimeField(verbose_name=_("inicio"))
    end = models.TimeField(verbose_name=_("término"))
    available = models.BooleanField(default=True, verbose_name=_("disponible"))

    class Meta:
        verbose_name = _("día de disponibilidad")
        verbose_name_plural = _("disponibilidad semanal")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "membership", "weekday"], name="availability_member_weekday_unique"
            ),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="availability_end_after_start"),
        ]

    def __str__(self):
        return f"{self.membership_id} {self.weekday} {self.start}-{self.end}"


class CalendarSettings(models.Model):
    """Practice-wide calendar display settings (frontend-reference §1.12) and patient reminders."""

    practice = models.OneToOneField(
        Practice,
        verbose_name=_("consulta"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="calendar_settings",
    )
    show_patient_name = models.BooleanField(default=True, verbose_name=_("mostrar nombre del paciente"))
    show_therapist_name = models.BooleanField(default=True, verbose_name=_("mostrar terapeuta"))
    show_session_type = models.BooleanField(default=True, verbose_name=_("mostrar modalidad"))
    show_duration = models.BooleanField(default=True, verbose_name=_("mostrar duración"))
    show_notes = models.BooleanField(default=False, verbose_name=_("mostrar notas"))
    show_status = models.BooleanField(default=True, verbose_name=_("mostrar estado"))
    default_view = models.CharField(
        max_length=5, verbose_name=_("vista predeterminada"), choices=CalendarView.choices, default=CalendarView.WEEK
    )
    patient_reminders = models.BooleanField(_("recordatorios a pacientes"), default=False)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("actualizado"))

    class Meta:
        verbose_name = _("configuración del calendario")
        verbose_name_plural = _("configuraciones del calendario")

    def __str__(self):
        return str(self.practice)


class SessionReminder(PracticeFromParent):
    practice_parent = "session"
    """One row per reminder sent: the unique key makes sending idempotent, even for concurrent runs."""

    id = models.BigAutoField(primary_key=True)
    session = models.ForeignKey(Session, verbose_name=_("sesión"), on_delete=models.CASCADE, related_name="reminders")
    practice = practice_field()
    recipient = models.CharField(
        max_length=10, verbose_name=_("destinatario"), choices=[("therapist", "therapist"), ("patient", "patient")]
    )
    starts_at = models.DateTimeField(
        _("inicio"), help_text=_("Inicio de la sesión cuando se envió (una reprogramación vuelve a avisar)")
    )
    sent_at = models.DateTimeField(auto_now_add=True, verbose_name=_("enviado"))

    class Meta:
        verbose_name = _("recordatorio enviado")
        verbose_name_plural = _("recordatorios enviados")
        constraints = [
            models.UniqueConstraint(fields=["practice", "session", "recipient", "starts_at"], name="reminder_once")
        ]

    def __str__(self):
        return f"{self.session_id} → {self.recipient}"


class CalendarFeed(PracticeFromParent):
    practice_parent = "membership"
    """A therapist's private iCal feed. Only a SHA-256 of the secret token is stored."""

    membership = models.OneToOneField(
        "accounts.Membership",
        verbose_name=_("membresía"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="calendar_feed",
    )
    practice = practice_field()
    token_hash = models.CharField(max_length=64, verbose_name=_("hash del token"), db_index=True)
    created_at = models.DateTimeField(auto_now=True, verbose_name=_("creado"))
    expires_at = models.DateTimeField(_("vence"), null=True, blank=True, help_text=_("Vacío: no vence."))
    last_used_at = models.DateTimeField(_("último uso"), null=True, blank=True)

    class Meta:
        verbose_name = _("feed iCal")
        verbose_name_plural = _("feeds iCal")
        constraints = [models.UniqueConstraint(fields=["practice", "token_hash"], name="calendar_feed_token_unique")]

    def __str__(self):
        return str(self.membership_id)


auditlog.register(BlockedTime)
auditlog.register(
    Session,
    exclude_fields=["updated_at"],
    mask_fields=["content", "notes", "goals"],
    mask_callable="sessai.audit.mask_clinical",
)
auditlog.register(Addendum, mask_fields=["content"], mask_callable="sessai.audit.mask_clinical")
auditlog.register(
    Assessment,
    mask_fields=["scale", "items", "score", "severity", "notes", "label"],
    mask_callable="sessai.audit.mask_clinical",
)
auditlog.register(Attachment, mask_fields=["file_name", "file"], mask_callable="sessai.audit.mask_clinical")


# --- Measurement-based care: questionnaires patients answer by link, risk alerts -----------------


class MeasurementPlan(PracticeFromParent):
    """Which questionnaires a patient is sent before their sessions, and how often."""

    practice_parent = "patient"
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = practice_field()
    patient = models.ForeignKey(
        Patient, verbose_name=_("paciente"), on_delete=models.CASCADE, related_name="measurement_plans"
    )
    instruments = ArrayField(models.CharField(max_length=10), verbose_name=_("cuestionarios"))
    frequency = models.CharField(_("frecuencia"), max_length=15, choices=MeasurementFrequency.choices)
    every_sessions = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("cada cuántas sesiones"), validators=[MinValueValidator(2)]
    )
    active = models.BooleanField(_("activo"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actualizado por"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("actualizado"))

    class Meta:
        verbose_name = _("plan de medición")
        verbose_name_plural = _("planes de medición")
        constraints = [
            models.UniqueConstraint(fields=["practice", "patient"], name="measurement_plan_one_per_patient"),
            models.CheckConstraint(
                condition=~Q(frequency="every_n") | Q(every_sessions__gte=2), name="measurement_plan_every_n_count"
            ),
        ]


class QuestionnaireRequest(PracticeFromParent):
    """The questionnaires sent for one session: the link's answers are kept as the patient goes
    (resumable), become assessments of the session when the last one is answered, and the link
    is then spent; it expires when the session ends."""

    practice_parent = "session"
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = practice_field()
    session = models.ForeignKey(
        Session, verbose_name=_("sesión"), on_delete=models.CASCADE, related_name="questionnaire_requests"
    )
    patient = models.ForeignKey(
        Patient, verbose_name=_("paciente"), on_delete=models.CASCADE, related_name="questionnaire_requests"
    )
    instruments = ArrayField(models.CharField(max_length=10), verbose_name=_("cuestionarios"))
    answers = models.JSONField(_("respuestas"), default=dict, blank=True)
    sent_at = models.DateTimeField(_("enviado"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expira"))
    completed_at = models.DateTimeField(_("respondido"), null=True, blank=True)
    risk = models.BooleanField(_("señal de riesgo"), default=False)

    class Meta:
        verbose_name = _("cuestionario enviado")
        verbose_name_plural = _("cuestionarios enviados")
        constraints = [
            models.UniqueConstraint(fields=["practice", "session"], name="questionnaire_one_per_session"),
        ]
        indexes = [models.Index(fields=["practice", "patient", "sent_at"], name="questionnaire_patient")]


class RiskAlert(PracticeFromParent):
    """A risk item answered above 0 at home (PHQ-9 item 9): the treating therapist is told at once
    and acknowledges it; the alert holds no clinical text, only which item and its answer."""

    practice_parent = "session"
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = practice_field()
    session = models.ForeignKey(Session, verbose_name=_("sesión"), on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(
        Patient, verbose_name=_("paciente"), on_delete=models.CASCADE, related_name="risk_alerts"
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("terapeuta"), on_delete=models.PROTECT, related_name="+"
    )
    instrument = models.CharField(_("cuestionario"), max_length=10)
    item = models.PositiveSmallIntegerField(_("pregunta"))
    answer = models.PositiveSmallIntegerField(_("respuesta"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creada"))
    notified_at = models.DateTimeField(_("avisada"), null=True, blank=True)  # the therapist's email, queued once
    acknowledged_at = models.DateTimeField(_("revisada"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revisada por"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("alerta de riesgo")
        verbose_name_plural = _("alertas de riesgo")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["practice", "acknowledged_at", "created_at"], name="risk_alert_open"),
            models.Index(fields=["practice", "patient"], name="risk_alert_patient"),
        ]


auditlog.register(MeasurementPlan)
auditlog.register(QuestionnaireRequest, mask_fields=["answers"], mask_callable="sessai.audit.mask_clinical")
auditlog.register(RiskAlert)


# --- Patients' own pages: online booking and the wait-list ---------------------------------------


def default_session_types():
    return [SessionType.PRESENCIAL.value, SessionType.VIRTUAL.value]


def default_durations():
    return [50]


class BookingSettings(models.Model):
    """How patients book this practice online. Off until an admin turns it on."""

    practice = models.OneToOneField(
        Practice,
        verbose_name=_("consulta"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="booking_settings",
    )
    enabled = models.BooleanField(_("reserva en línea activa"), default=False)
    therapists = models.ManyToManyField(
        "accounts.Membership",
        blank=True,
        related_name="+",
        verbose_name=_("terapeutas"),
        help_text=_("Vacío: todos los terapeutas activos"),
    )
    session_types = ArrayField(
        models.CharField(max_length=12, choices=SessionType.choices),
        default=default_session_types,
        verbose_name=_("modalidades"),
    )
    durations = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(10), MaxValueValidator(240)]),
        default=default_durations,
        verbose_name=_("duraciones (minutos)"),
    )
    lead_time_hours = models.PositiveSmallIntegerField(
        _("anticipación mínima (horas)"), default=24, validators=[MaxValueValidator(24 * 30)]
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("horizonte (días)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(180)]
    )
    cancellation_window_hours = models.PositiveSmallIntegerField(
        _("cancelación hasta (horas antes)"), default=24, validators=[MaxValueValidator(24 * 14)]
    )
    auto_confirm = models.BooleanField(
        _("confirmar automáticamente"),
        default=True,
        help_text=_("Si no, cada reserva en línea espera la aprobación del terapeuta"),
    )
    waitlist_enabled = models.BooleanField(_("lista de espera activa"), default=True)
    waitlist_offer_count = models.PositiveSmallIntegerField(
        _("personas avisadas por hora liberada"), default=3, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("actualizado"))

    class Meta:
        verbose_name = _("configuración de reserva en línea")
        verbose_name_plural = _("configuraciones de reserva en línea")

    def __str__(self):
        return str(self.practice_id)


class EmailCode(models.Model):
    """A 6-digit code emailed to a patient before a booking or a wait-list entry is made: what
    they asked for waits here (`payload`) until the code comes back. Only the code's hash is kept."""

    class Purpose(models.TextChoices):
        BOOKING = "booking", _("Reserva")
        WAITLIST = "waitlist", _("Lista de espera")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, verbose_name=_("consulta"), on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=10, verbose_name=_("propósito"), choices=Purpose.choices)
    email = models.EmailField(verbose_name=_("correo"))
    code_hash = models.CharField(max_length=128, verbose_name=_("hash del código"))
    payload = models.JSONField(verbose_name=_("datos pedidos"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("intentos"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))
    expires_at = models.DateTimeField(verbose_name=_("vence"))
    used_at = models.DateTimeField(null=True, verbose_name=_("usado"), blank=True)

    class Meta:
        verbose_name = _("código de verificación")
        verbose_name_plural = _("códigos de verificación")
        indexes = [models.Index(fields=["practice", "email", "created_at"], name="emailcode_practice_email")]

    def __str__(self):
        return f"{self.purpose} {self.email}"


class WaitlistEntry(models.Model):
    """A patient waiting for a therapist's hour in a window of days (and, optionally, of hours)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(
        Practice, verbose_name=_("consulta"), on_delete=models.CASCADE, related_name="waitlist"
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("terapeuta"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("nombre"), max_length=200)
    email = models.EmailField(_("correo"))
    phone = models.CharField(_("teléfono"), max_length=30, blank=True)
    rut = models.CharField(_("RUT"), max_length=12, blank=True)
    date_from = models.DateField(_("desde"))
    date_to = models.DateField(_("hasta"))
    time_from = models.TimeField(_("desde las"), null=True, blank=True)
    time_to = models.TimeField(_("hasta las"), null=True, blank=True)
    duration = models.PositiveSmallIntegerField(_("duración"), default=50)
    type = models.CharField(_("modalidad"), max_length=12, choices=SessionType.choices, default=SessionType.PRESENCIAL)
    status = models.CharField(_("estado"), max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.ACTIVE)
    session = models.ForeignKey(
        Session, verbose_name=_("sesión"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))

    class Meta:
        verbose_name = _("persona en lista de espera")
        verbose_name_plural = _("lista de espera")
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["therapist", "date_from"], name="waitlist_active_therapist", condition=Q(status="active")
            )
        ]
        constraints = [models.CheckConstraint(condition=Q(date_to__gte=F("date_from")), name="waitlist_dates_ordered")]

    def __str__(self):
        return f"{self.name} ({self.date_from}–{self.date_to})"


class WaitlistOffer(PracticeFromParent):
    practice_parent = "entry"
    """A freed hour offered to one person on the wait-list. The first claim books it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(
        WaitlistEntry, verbose_name=_("persona en espera"), on_delete=models.CASCADE, related_name="offers"
    )
    practice = practice_field()
    starts_at = models.DateTimeField(verbose_name=_("inicio"))
    ends_at = models.DateTimeField(verbose_name=_("término"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))
    claimed_at = models.DateTimeField(null=True, verbose_name=_("tomada"), blank=True)

    class Meta:
        verbose_name = _("hora ofrecida")
        verbose_name_plural = _("horas ofrecidas")
        constraints = [
            models.UniqueConstraint(fields=["practice", "entry", "starts_at"], name="one_offer_per_entry_and_hour")
        ]

    def __str__(self):
        return f"{self.entry_id} {self.starts_at:%Y-%m-%d %H:%M}"


auditlog.register(BookingSettings, m2m_fields={"therapists"})
auditlog.register(WaitlistEntry)
