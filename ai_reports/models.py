"""AI: the console-editable tier/price table, each practice's tier, stored progress reports and
idempotency keys."""

import uuid
from decimal import Decimal

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Practice
from ai_reports.choices import DocFormat, RangeType, RecordingStatus, SummaryStatus, Tier
from patients.models import Patient
from sessai.tenancy import PracticeFromParent, practice_field

PRICE = {"max_digits": 10, "decimal_places": 4}


class AIModelPrice(models.Model):
    """Which Gemini model a tier uses and its USD price per million input/output tokens."""

    tier = models.CharField(_("nivel"), max_length=10, choices=Tier.choices, unique=True)
    model_id = models.CharField(_("modelo"), max_length=80)
    input_price_per_million = models.DecimalField(_("USD por millón de tokens de entrada"), **PRICE)
    output_price_per_million = models.DecimalField(_("USD por millón de tokens de salida"), **PRICE)
    audio_credits_per_minute = models.DecimalField(
        _("créditos por minuto de audio"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("2.00"),
        help_text=_("Precio de la transcripción por minuto de grabación."),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("actualizado"))

    class Meta:
        verbose_name = _("modelo de IA y precio")
        verbose_name_plural = _("modelos de IA y precios")
        ordering = ["input_price_per_million"]

    def __str__(self):
        return f"{self.get_tier_display()}: {self.model_id}"


class PracticeAISettings(models.Model):
    practice = models.OneToOneField(
        Practice, verbose_name=_("consulta"), on_delete=models.CASCADE, primary_key=True, related_name="ai_settings"
    )
    tier = models.CharField(_("nivel"), max_length=10, choices=Tier.choices, default=Tier.BALANCED)
    # Audio cannot be redacted: sending recordings to the provider is the admin's explicit choice.
    audio_transcription = models.BooleanField(_("transcripción de audio"), default=False)
    recording_retention_days = models.PositiveSmallIntegerField(
        _("días que se conserva el audio"),
        default=0,
        help_text=_("0: el audio se borra al terminar la transcripción; la transcripción se conserva."),
    )
    note_format = models.CharField(
        _("formato de la nota sugerida"), max_length=10, choices=DocFormat.choices, default=DocFormat.SOAP
    )
    # Optional: a short summary of a session for the patient, approved by the therapist, sent by link.
    patient_summaries = models.BooleanField(_("resúmenes de sesión para pacientes"), default=False, db_default=False)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("actualizado"))

    class Meta:
        verbose_name = _("configuración de IA")
        verbose_name_plural = _("configuraciones de IA")

    def __str__(self):
        return f"{self.practice}: {self.tier}"


def report_pdf_path(instance, filename):
    return f"reports/{instance.practice_id}/{uuid.uuid4().hex}.pdf"


class AIReport(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(
        Practice, verbose_name=_("consulta"), on_delete=models.PROTECT, related_name="ai_reports"
    )
    patient = models.ForeignKey(
        Patient, verbose_name=_("paciente"), on_delete=models.PROTECT, related_name="ai_reports"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("autor"), on_delete=models.PROTECT, related_name="+"
    )
    range_type = models.CharField(max_length=12, verbose_name=_("período"), choices=RangeType.choices)
    range_start = models.DateField(null=True, verbose_name=_("desde"), blank=True)
    range_end = models.DateField(null=True, verbose_name=_("hasta"), blank=True)
    sessions_count = models.PositiveIntegerField(default=0, verbose_name=_("sesiones incluidas"))
    model = models.CharField(_("modelo"), max_length=80)
    tier = models.CharField(max_length=10, verbose_name=_("nivel"), blank=True)
    input_tokens = models.PositiveIntegerField(default=0, verbose_name=_("tokens de entrada"))
    output_tokens = models.PositiveIntegerField(default=0, verbose_name=_("tokens de salida"))
    credits = models.DecimalField(max_digits=14, verbose_name=_("créditos"), decimal_places=1, default=Decimal("0"))
    content = models.TextField(_("informe (Markdown)"))
    pdf = models.FileField(upload_to=report_pdf_path, verbose_name=_("PDF"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))

    class Meta:
        verbose_name = _("informe de IA")
        verbose_name_plural = _("informes de IA")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["patient", "created_at"], name="aireport_patient_created"),
            models.Index(fields=["practice", "created_at"], name="aireport_practice_created"),
        ]

    def __str__(self):
        return f"{self.patient_id} {self.created_at:%Y-%m-%d}"


class IdempotencyKey(models.Model):
    """`Idempotency-Key` of an AI request: a retry returns the first answer, charged once."""

    id = models.BigAutoField(primary_key=True)
    practice = models.ForeignKey(Practice, verbose_name=_("consulta"), on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("usuario"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=200, verbose_name=_("clave"))
    operation = models.CharField(max_length=30, verbose_name=_("operación"))
    response = models.JSONField(null=True, verbose_name=_("respuesta guardada"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "key"], name="idempotency_practice_key")]

    def __str__(self):
        return self.key


# --- Recorded sessions -------------------------------------------------------------------------


class RecordingConsent(models.Model):
    """A patient's consent to record their sessions, as registered by a member of the practice.
    Withdrawing it ends it: later uploads are refused. Rows are never deleted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, verbose_name=_("consulta"), on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        Patient, verbose_name=_("paciente"), on_delete=models.PROTECT, related_name="recording_consents"
    )
    text_version = models.CharField(_("versión del texto de consentimiento"), max_length=50)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registrado por"), on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("registrado"), auto_now_add=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("retirado por"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("retirado"), null=True, blank=True)
    signed_consent = models.ForeignKey(
        "patients.Consent",
        verbose_name=_("consentimiento firmado"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Firmado por el paciente en su enlace de consentimiento"),
    )

    class Meta:
        verbose_name = _("consentimiento de grabación")
        verbose_name_plural = _("consentimientos de grabación")
        ordering = ["-registered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "patient"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_active_recording_consent",
            )
        ]

    def __str__(self):
        return f"{self.patient_id} {self.text_version}"


def recording_path(instance, filename):
    return f"recordings/{instance.practice_id}/{instance.session_id}/{uuid.uuid4().hex}"


class Recording(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, verbose_name=_("consulta"), on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        "scheduling.Session", verbose_name=_("sesión"), on_delete=models.PROTECT, related_name="recordings"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("subido por"), on_delete=models.PROTECT, related_name="+"
    )
    audio = models.FileField(upload_to=recording_path, verbose_name=_("audio"), max_length=300, blank=True)
    content_type = models.CharField(max_length=30, verbose_name=_("tipo de contenido"))
    size = models.BigIntegerField(verbose_name=_("tamaño (bytes)"))
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256"))
    duration_seconds = models.DecimalField(max_digits=8, verbose_name=_("duración (segundos)"), decimal_places=2)
    status = models.CharField(
        max_length=12, verbose_name=_("estado"), choices=RecordingStatus.choices, default=RecordingStatus.UPLOADED
    )
    progress = models.PositiveSmallIntegerField(default=0, verbose_name=_("progreso"))
    error = models.CharField(max_length=300, verbose_name=_("error"), blank=True)
    reservation = models.ForeignKey(
        "billing.CreditLedgerEntry",
        verbose_name=_("reserva"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))
    transcribed_at = models.DateTimeField(null=True, verbose_name=_("transcrita"), blank=True)
    audio_deleted_at = models.DateTimeField(null=True, verbose_name=_("audio eliminado"), blank=True)
    # Files uploaded to the provider's Files API and not yet deleted there: an attempt killed
    # mid-way leaves its name here, and the next attempt deletes it first.
    provider_files = models.JSONField(
        default=list, db_default=[], blank=True, verbose_name=_("archivos en el proveedor")
    )

    class Meta:
        verbose_name = _("grabación")
        verbose_name_plural = _("grabaciones")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "session", "sha256"], name="recording_once_per_session")
        ]
        indexes = [models.Index(fields=["audio_deleted_at", "transcribed_at"], name="recording_retention")]

    def __str__(self):
        return f"{self.session_id} {self.created_at:%Y-%m-%d %H:%M}"


class RecordingUpload(models.Model):
    """A resumable upload in progress: chunks are appended at `offset` to a staging file."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, verbose_name=_("consulta"), on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(
        "scheduling.Session", verbose_name=_("sesión"), on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("creado por"), on_delete=models.CASCADE, related_name="+"
    )
    size = models.BigIntegerField(verbose_name=_("tamaño (bytes)"))
    offset = models.BigIntegerField(default=0, verbose_name=_("bytes recibidos"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))
    completed_at = models.DateTimeField(null=True, verbose_name=_("completada"), blank=True)
    recording = models.ForeignKey(
        Recording,
        verbose_name=_("grabación"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("La grabación que produjo: `complete` repetido la devuelve"),
    )

    class Meta:
        verbose_name = _("subida de grabación")
        verbose_name_plural = _("subidas de grabación")

    def __str__(self):
        return f"{self.session_id} {self.offset}/{self.size}"


class Transcript(models.Model):
    """A recorded session in words: part of the clinical record. Segments are
    `{speaker: therapist|patient|other, start, end, text}`; `analysis` holds the draft note,
    sentiment, topics, keywords and risk mentions."""

    session = models.OneToOneField(
        "scheduling.Session",
        verbose_name=_("sesión"),
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="transcript",
    )
    practice = models.ForeignKey(Practice, verbose_name=_("consulta"), on_delete=models.PROTECT, related_name="+")
    recording = models.ForeignKey(Recording, verbose_name=_("grabación"), on_delete=models.PROTECT, related_name="+")
    segments = models.JSONField(default=list, verbose_name=_("segmentos"))
    analysis = models.JSONField(null=True, verbose_name=_("análisis"), blank=True)
    model = models.CharField(max_length=80, verbose_name=_("modelo"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("actualizado"))

    class Meta:
        verbose_name = _("transcripción")
        verbose_name_plural = _("transcripciones")

    def __str__(self):
        return str(self.session_id)


class PatientSummary(PracticeFromParent):
    """A short, plain-Spanish summary of one session for the patient (what was worked on, what was
    agreed): drafted by the AI or written by hand, edited and approved by the therapist, and only
    then sent by a link the patient opens on their phone. Part of the clinical record."""

    practice_parent = "session"
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = practice_field()
    session = models.ForeignKey(
        "scheduling.Session", verbose_name=_("sesión"), on_delete=models.CASCADE, related_name="+"
    )
    patient = models.ForeignKey(
        Patient, verbose_name=_("paciente"), on_delete=models.CASCADE, related_name="patient_summaries"
    )
    content = models.TextField(_("resumen"), blank=True)
    status = models.CharField(_("estado"), max_length=10, choices=SummaryStatus.choices, default=SummaryStatus.DRAFT)
    # The model that wrote the last draft ("" when the therapist wrote it) and what it cost.
    ai_model = models.CharField(_("modelo"), max_length=80, blank=True)
    credits = models.DecimalField(_("créditos"), max_digits=14, decimal_places=1, default=Decimal("0"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("editado por"), on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("aprobado por"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("aprobado"), null=True, blank=True)
    sent_at = models.DateTimeField(_("enviado"), null=True, blank=True)
    sent_to = models.EmailField(_("enviado a"), blank=True)
    viewed_at = models.DateTimeField(_("leído por el paciente"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("actualizado"))

    class Meta:
        verbose_name = _("resumen para el paciente")
        verbose_name_plural = _("resúmenes para pacientes")
        constraints = [
            models.UniqueConstraint(fields=["practice", "session"], name="patient_summary_one_per_session"),
            # sent means approved first, and to an address
            models.CheckConstraint(
                condition=~models.Q(status="sent")
                | (models.Q(approved_at__isnull=False, sent_at__isnull=False) & ~models.Q(sent_to="")),
                name="patient_summary_sent_approved",
            ),
        ]
        indexes = [models.Index(fields=["practice", "patient", "created_at"], name="patient_summary_patient")]

    def __str__(self):
        return f"{self.session_id} {self.status}"


auditlog.register(AIModelPrice, exclude_fields=["updated_at"])
auditlog.register(PracticeAISettings, exclude_fields=["updated_at"])
auditlog.register(RecordingConsent)
auditlog.register(Recording, exclude_fields=["audio"])
auditlog.register(Transcript, mask_fields=["segments", "analysis"], mask_callable="sessai.audit.mask_clinical")
auditlog.register(AIReport, exclude_fields=["pdf"], mask_fields=["content"], mask_callable="sessai.audit.mask_clinical")
auditlog.register(
    PatientSummary,
    exclude_fields=["updated_at"],
    mask_fields=["content"],
    mask_callable="sessai.audit.mask_clinical",
)
