"""Patients of a practice and their care team."""

import uuid

from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Func, Q, Value
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.models import Practice
from patients.choices import (
    ConsentKind,
    ExportPackageStatus,
    IncidentSeverity,
    PatientStatus,
    PrivacyRequestKind,
    PrivacyRequestStatus,
)
from patients.rut import rut_format
from sessai.tenancy import PracticeFromParent, practice_field

# Accent folding without the `unaccent` extension: translate() is core and immutable, so the
# search column can be a generated column that bulk inserts fill too.
ACCENTED = "áàâäãåéèêëíìîïóòôöõúùûüñçÁÀÂÄÃÅÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÑÇ"
PLAIN = "aaaaaaeeeeiiiiooooouuuuncaaaaaaeeeeiiiiooooouuuunc"


def fold(expression):
    return Func(Lower(expression), Value(ACCENTED), Value(PLAIN), function="translate", output_field=models.TextField())


class Patient(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(
        Practice, verbose_name=_("consulta"), on_delete=models.PROTECT, related_name="patients"
    )
    name = models.CharField(_("nombre"), max_length=100)
    rut = models.CharField(
        _("RUT"), max_length=12, blank=True, help_text=_("Normalizado: dígitos y dígito verificador")
    )
    email = models.EmailField(_("correo"), blank=True)
    phone = models.CharField(_("teléfono"), max_length=30, blank=True)
    birth_date = models.DateField(_("fecha de nacimiento"), null=True, blank=True)
    address = models.JSONField(_("dirección"), default=dict, blank=True)
    emergency_contact = models.JSONField(_("contacto de emergencia"), default=dict, blank=True)
    status = models.CharField(_("estado"), max_length=10, choices=PatientStatus.choices, default=PatientStatus.ACTIVE)
    notes = models.TextField(_("notas clínicas"), blank=True)
    # Ley 21.719: the patient may oppose AI processing, or have processing blocked while a request
    # is open; either stops every AI operation on them (ai_reports.services.ai_processing_check).
    ai_processing = models.BooleanField(_("acepta procesamiento con IA"), default=True, db_default=True)
    ai_processing_reason = models.CharField(
        _("motivo del cambio de procesamiento con IA"),
        max_length=300,
        blank=True,
        db_default="",
        help_text=_("Queda en la auditoría con el cambio"),
    )
    # The patient asked, from a summary's page, not to receive session summaries by email.
    summaries_opt_out = models.BooleanField(_("no recibe resúmenes de sesión"), default=False, db_default=False)
    processing_blocked = models.BooleanField(
        _("tratamiento bloqueado"),
        default=False,
        db_default=False,
        help_text=_("Bloqueo temporal mientras se resuelve una solicitud del paciente"),
    )
    anonymized_at = models.DateTimeField(
        _("anonimizado"), null=True, blank=True, help_text=_("Cuándo se anonimizó al terminar el plazo de conservación")
    )
    primary_therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("terapeuta principal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="primary_patients",
    )
    # Maintained by scheduling.services whenever a session changes (never one query per row).
    total_sessions = models.PositiveIntegerField(default=0, verbose_name=_("sesiones realizadas"))
    first_session_date = models.DateField(null=True, verbose_name=_("primera sesión"), blank=True)
    last_session_date = models.DateField(null=True, verbose_name=_("última sesión"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("creado por"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("actualizado"))
    # A patient who booked online with a RUT (or email) already on file, without proving they are
    # that patient: registered apart, for staff to merge into `duplicate_of` (or to keep apart).
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("posible duplicado de"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    claimed_rut = models.CharField(
        _("RUT declarado"),
        max_length=12,
        blank=True,
        db_default="",
        help_text=_("El RUT que escribió al reservar en línea, cuando ya pertenecía a otra ficha"),
    )
    merged_at = models.DateTimeField(_("fusionado"), null=True, blank=True)
    search_vector = models.GeneratedField(
        expression=SearchVector(fold("name"), "rut", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("paciente")
        verbose_name_plural = _("pacientes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "rut"], condition=~Q(rut=""), name="patient_rut_unique_per_practice"
            ),
        ]
        indexes = [
            # fastupdate off: no pending list, so searches cost the same right after inserts.
            GinIndex(fields=["search_vector"], name="patient_search_gin", fastupdate=False),
            models.Index(fields=["practice", "status", "name"], name="patient_practice_status_name"),
            # the page totals: the list's count and the search's (joined to the name tokens by id)
            # read this narrow index alone; without `id` the search's count read every patient row
            models.Index(fields=["practice", "status"], include=["id"], name="patient_practice_status_cover"),
            models.Index(fields=["practice", "name", "id"], name="patient_practice_name"),  # the list's default order
            models.Index(fields=["practice", "last_session_date"], name="patient_practice_last_session"),
            models.Index(fields=["practice", "created_at"], name="patient_practice_created"),
        ]

    def __str__(self):
        return self.name

    @property
    def rut_display(self) -> str:
        return rut_format(self.rut)

    @property
    def care_team_refs(self) -> list[dict]:
        """The care team as `{"id", "name"}`, in the order its members joined: built by the database
        in the patient's own row when read through `selectors.with_care_team`, one query otherwise."""
        if "care_team_json" in self.__dict__:
            return self.care_team_json or []
        members = self.care_team.order_by("created_at", "id").values_list("user_id", "user__name")
        return [{"id": str(user_id), "name": name} for user_id, name in members]


class PatientNameToken(PracticeFromParent):
    """One word of a patient's search column (their accent-folded name and RUT), kept by a
    database trigger whenever the column changes (migration 0013): what searches match. Full-text
    matching (`@@`) is not leakproof, so under row-level security PostgreSQL must apply the
    practice's policy before it and cannot use the GIN index; text comparisons are leakproof, so a
    prefix as a range of this btree is an index condition beside the policy's (docs/security.md)."""

    practice_parent = "patient"
    practice = practice_field()
    patient = models.ForeignKey(
        Patient, verbose_name=_("paciente"), on_delete=models.CASCADE, related_name="name_tokens"
    )
    token = models.CharField(_("palabra"), max_length=100, db_collation="C")

    class Meta:
        verbose_name = _("palabra del nombre")
        verbose_name_plural = _("palabras de los nombres")
        constraints = [
            models.UniqueConstraint(fields=["practice", "patient", "token"], name="patient_token_unique"),
        ]
        # the patient in the index too: a search reads its patients from the index alone
        indexes = [models.Index(fields=["practice", "token", "patient"], name="patient_token_lookup")]

    def __str__(self):
        return self.token


class CareTeamMember(PracticeFromParent):
    """A therapist who may see this patient's clinical record (the primary therapist included)."""

    practice_parent = "patient"

    id = models.BigAutoField(primary_key=True)
    patient = models.ForeignKey(Patient, verbose_name=_("paciente"), on_delete=models.CASCADE, related_name="care_team")
    practice = practice_field()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("usuario"), on_delete=models.CASCADE, related_name="care_teams"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))

    class Meta:
        verbose_name = _("miembro del equipo tratante")
        verbose_name_plural = _("equipo tratante")
        constraints = [
            models.UniqueConstraint(fields=["practice", "user", "patient"], name="careteam_user_patient_unique")
        ]

    def __str__(self):
        return f"{self.user_id} → {self.patient_id}"


class Consent(models.Model):
    """A consent form sent to the patient's email as a link, and the patient's signature on it:
    the text as shown (and its version), the typed name, when, from which address and browser (the
    link, which only the patient's mailbox received, is what proves it is them). Or signed at the
    practice on its tablet, with the staff member who witnessed it. The same link revokes it. Rows
    are never deleted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, verbose_name=_("consulta"), on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, verbose_name=_("paciente"), on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(_("tipo"), max_length=10, choices=ConsentKind.choices)
    text_version = models.CharField(_("versión del texto"), max_length=50)
    text = models.TextField(_("texto firmado"), help_text=_("El texto tal como lo leyó el paciente"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("enviado por"), on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("enviado"), auto_now_add=True)
    signed_at = models.DateTimeField(_("firmado"), null=True, blank=True)
    signed_name = models.CharField(_("nombre de quien firma"), max_length=200, blank=True)
    signed_rut = models.CharField(_("RUT de quien firma"), max_length=12, blank=True)
    signed_ip = models.GenericIPAddressField(_("dirección IP de la firma"), null=True, blank=True)
    signed_user_agent = models.CharField(_("navegador de la firma"), max_length=300, blank=True)
    revoked_at = models.DateTimeField(_("revocado"), null=True, blank=True)
    revoked_ip = models.GenericIPAddressField(_("dirección IP de la revocación"), null=True, blank=True)
    revoked_user_agent = models.CharField(_("navegador de la revocación"), max_length=300, blank=True)
    # Signed at the practice (its tablet) rather than from the patient's email: who witnessed it.
    in_person = models.BooleanField(_("firmado en persona"), default=False, db_default=False)
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("testigo"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("consentimiento")
        verbose_name_plural = _("consentimientos")
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["patient", "sent_at"], name="consent_patient_sent")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.text_version}"

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        return "signed" if self.signed_at else "sent"


class PrivacyRequest(models.Model):
    """A patient's request under Ley 21.719 (access, rectification, suppression, opposition,
    portability, blocking), with its legal deadline and how it was closed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, verbose_name=_("consulta"), on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        Patient, verbose_name=_("paciente"), on_delete=models.PROTECT, related_name="privacy_requests"
    )
    kind = models.CharField(_("tipo"), max_length=15, choices=PrivacyRequestKind.choices)
    channel = models.CharField(
        _("canal"), max_length=50, blank=True, help_text=_("Cómo llegó: correo, presencial, carta…")
    )
    received_at = models.DateTimeField(_("recibida"))
    due_at = models.DateTimeField(_("vence"))
    extension_reason = models.CharField(_("motivo de la prórroga"), max_length=500, blank=True)
    status = models.CharField(
        _("estado"), max_length=10, choices=PrivacyRequestStatus.choices, default=PrivacyRequestStatus.OPEN
    )
    resolution = models.TextField(_("resolución"), blank=True)
    resolved_at = models.DateTimeField(_("resuelta"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resuelta por"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("creado por"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))
    reminded_on = models.DateField(_("último aviso de vencimiento"), null=True, blank=True)

    class Meta:
        verbose_name = _("solicitud de derechos")
        verbose_name_plural = _("solicitudes de derechos")
        ordering = ["due_at"]
        indexes = [models.Index(fields=["practice", "status", "due_at"], name="privacy_request_due")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.received_at:%Y-%m-%d}"


def export_package_path(instance, filename):
    return f"exports/{instance.practice_id}/{uuid.uuid4().hex}.zip"


class ExportPackage(models.Model):
    """A patient's full record as a ZIP (FHIR bundle, readable PDF, access log, attachment files),
    built by a background job and sent to the admin who asked as a signed, expiring link."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, verbose_name=_("consulta"), on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        Patient, verbose_name=_("paciente"), on_delete=models.PROTECT, related_name="export_packages"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pedido por"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("estado"), max_length=10, choices=ExportPackageStatus.choices, default=ExportPackageStatus.PENDING
    )
    file = models.FileField(upload_to=export_package_path, verbose_name=_("archivo"), max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("tamaño"), default=0)
    created_at = models.DateTimeField(_("pedido"), auto_now_add=True)
    ready_at = models.DateTimeField(_("listo"), null=True, blank=True)
    expires_at = models.DateTimeField(_("vence"), null=True, blank=True)

    class Meta:
        verbose_name = _("paquete de exportación")
        verbose_name_plural = _("paquetes de exportación")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["expires_at"], name="export_package_expires", condition=~Q(file=""))]

    def __str__(self):
        return f"{self.patient_id} {self.created_at:%Y-%m-%d %H:%M}"


class SecurityIncident(models.Model):
    """A security incident affecting personal data (Ley 21.719 asks controllers to report breaches
    to the agency and, when the risk is high, to the people affected): kept by the platform's
    operators in the console."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    detected_at = models.DateTimeField(_("detectado"))
    description = models.TextField(_("descripción"))
    severity = models.CharField(_("gravedad"), max_length=10, choices=IncidentSeverity.choices)
    practices = models.ManyToManyField(Practice, blank=True, related_name="+", verbose_name=_("consultas afectadas"))
    patients_affected = models.PositiveIntegerField(_("pacientes afectados"), default=0)
    agency_notified_at = models.DateTimeField(_("notificado a la Agencia"), null=True, blank=True)
    patients_notified_at = models.DateTimeField(_("notificado a los pacientes"), null=True, blank=True)
    measures = models.TextField(_("medidas adoptadas"), blank=True)
    created_at = models.DateTimeField(_("registrado"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        verbose_name = _("incidente de seguridad")
        verbose_name_plural = _("incidentes de seguridad")
        ordering = ["-detected_at"]

    def __str__(self):
        return f"{self.get_severity_display()} {self.detected_at:%Y-%m-%d}"


auditlog.register(
    Patient,
    exclude_fields=["search_vector", "updated_at"],
    mask_fields=["notes"],
    mask_callable="sessai.audit.mask_clinical",
)
auditlog.register(CareTeamMember)
auditlog.register(Consent, exclude_fields=["text"])
auditlog.register(PrivacyRequest)
auditlog.register(ExportPackage, exclude_fields=["file"])
auditlog.register(SecurityIncident, m2m_fields={"practices"})
