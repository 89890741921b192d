"""People and tenants: users, their profile and preferences, practices, memberships, device
sessions (one per login, carrying the rotating refresh token) and team invitations."""

import os
import uuid
import zoneinfo

from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Language, Role, Theme
from accounts.validators import validate_public_slug
from sessai.tenancy import PracticeFromParent, practice_field


def normalize_email(email: str) -> str:
    """Emails are compared case-insensitively: store them trimmed and lower-cased."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email=normalize_email(username))

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("The email must be set")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        extra.setdefault("name", email.split("@")[0])
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("correo"), unique=True)
    name = models.CharField(_("nombre"), max_length=100)
    is_active = models.BooleanField(_("activo"), default=True)
    is_staff = models.BooleanField(_("operador de la plataforma"), default=False)
    created_at = models.DateTimeField(_("creado"), default=timezone.now)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("usuario")
        verbose_name_plural = _("usuarios")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} <{self.email}>"

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def active_membership(self):
        """Set by the API authentication (one query with the practice); None outside the API."""
        return getattr(self, "_active_membership", None)

    @active_membership.setter
    def active_membership(self, membership):
        self._active_membership = membership


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Zona horaria inválida: %(value)s"), params={"value": value})


def profile_photo_path(instance, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"profile-photos/{uuid.uuid4().hex}.{ext}"


def default_languages():
    return ["Español"]


class Profile(models.Model):
    """The therapist profile and preferences of frontend-reference §1.2–1.3 (present for every role)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(User, verbose_name=_("usuario"), on_delete=models.CASCADE, related_name="profile")
    first_name = models.CharField(_("nombre"), max_length=100, blank=True)
    last_name = models.CharField(_("apellido"), max_length=100, blank=True)
    photo = models.ImageField(_("foto"), upload_to=profile_photo_path, blank=True)
    bio = models.CharField(_("biografía"), max_length=500, blank=True)
    specialties = ArrayField(
        models.CharField(max_length=100), verbose_name=_("especialidades"), default=list, blank=True
    )
    credentials = ArrayField(models.CharField(max_length=100), verbose_name=_("credenciales"), default=list, blank=True)
    license_number = models.CharField(_("número de licencia"), max_length=50, blank=True)
    phone_number = models.CharField(_("teléfono"), max_length=30, blank=True)
    address = models.JSONField(_("dirección"), default=dict, blank=True)
    languages = ArrayField(
        models.CharField(max_length=50), verbose_name=_("idiomas"), default=default_languages, blank=True
    )
    years_of_experience = models.PositiveSmallIntegerField(
        _("años de experiencia"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(50)]
    )
    education = models.JSONField(default=list, verbose_name=_("formación"), blank=True)
    certifications = models.JSONField(default=list, verbose_name=_("certificaciones"), blank=True)
    # Preferences
    theme = models.CharField(max_length=10, verbose_name=_("tema"), choices=Theme.choices, default=Theme.SYSTEM)
    language = models.CharField(max_length=5, verbose_name=_("idioma"), choices=Language.choices, default=Language.ES)
    timezone = models.CharField(
        max_length=64, verbose_name=_("zona horaria"), default="America/Santiago", validators=[validate_timezone]
    )
    notify_appointments = models.BooleanField(default=True, verbose_name=_("avisar citas"))
    notify_reminders = models.BooleanField(default=True, verbose_name=_("recordatorios"))
    notify_reports = models.BooleanField(default=True, verbose_name=_("avisar informes"))
    notify_marketing = models.BooleanField(default=False, verbose_name=_("novedades"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("actualizado"))

    class Meta:
        verbose_name = _("perfil")
        verbose_name_plural = _("perfiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(years_of_experience__isnull=True) | Q(years_of_experience__lte=50),
                name="profile_years_of_experience_0_50",
            )
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip() or str(self.user_id)


def practice_logo_path(instance, filename):
    extension = (
        os.path.splitext(filename)[1].lower()
        if os.path.splitext(filename)[1].lower() in {".png", ".jpg", ".jpeg", ".webp", ".gif"}
        else ""
    )
    return f"practices/{instance.pk}/logo-{uuid.uuid4().hex[:8]}{extension}"


class Practice(models.Model):
    """The tenant: a clinic. Plans, credits and settings belong to it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("nombre"), max_length=150)
    timezone = models.CharField(
        _("zona horaria"), max_length=64, default="America/Santiago", validators=[validate_timezone]
    )
    country = models.CharField(_("país"), max_length=2, default="CL")
    is_active = models.BooleanField(_("activa"), default=True)
    # What patients see on the practice's public pages (booking, appointment, consent).
    slug = models.SlugField(
        _("dirección pública"),
        max_length=60,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_public_slug],
        help_text=_("Forma parte del enlace de reserva en línea: /p/<dirección>/reservar"),
    )
    logo = models.ImageField(_("logo"), upload_to=practice_logo_path, max_length=300, blank=True, db_default="")
    brand_color = models.CharField(
        _("color de la marca"),
        max_length=7,
        default="#1f6feb",
        db_default="#1f6feb",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("El color debe tener el formato #rrggbb"))],
    )
    phone = models.CharField(_("teléfono de contacto"), max_length=30, blank=True, db_default="")
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)

    class Meta:
        verbose_name = _("consulta")
        verbose_name_plural = _("consultas")
        ordering = ["name"]

    def __str__(self):
        return self.name


color_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("El color debe tener el formato #rrggbb"))


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, user__is_active=True)


class Membership(models.Model):
    """A user's place in a practice: role, calendar color and professional title."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, verbose_name=_("usuario"), on_delete=models.CASCADE, related_name="memberships")
    practice = models.ForeignKey(
        Practice, verbose_name=_("consulta"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rol"), max_length=10, choices=Role.choices, default=Role.THERAPIST)
    is_active = models.BooleanField(_("activa"), default=True)
    color = models.CharField(_("color"), max_length=7, validators=[color_validator], default="#3788d8")
    title = models.CharField(_("título profesional"), max_length=100, blank=True)
    invited_by = models.ForeignKey(
        User, verbose_name=_("invitado por"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membresía")
        verbose_name_plural = _("membresías")
        constraints = [
            models.UniqueConstraint(fields=["user", "practice"], name="membership_user_practice_unique"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_active=True), name="membership_one_active_per_user"
            ),
        ]
        indexes = [models.Index(fields=["practice", "role", "is_active"], name="membership_practice_role")]

    def __str__(self):
        return f"{self.user} @ {self.practice} ({self.role})"


class DeviceSession(models.Model):
    """One login on one device. Its refresh token rotates; only the newest one (`refresh_jti`) is
    accepted, and presenting an older one revokes the whole session (token theft)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, verbose_name=_("usuario"), on_delete=models.CASCADE, related_name="device_sessions")
    refresh_jti = models.CharField(max_length=64, verbose_name=_("id del token de renovación"), unique=True)
    user_agent = models.CharField(max_length=400, verbose_name=_("navegador"), blank=True)
    ip_address = models.GenericIPAddressField(null=True, verbose_name=_("dirección IP"), blank=True)
    remember_me = models.BooleanField(default=False, verbose_name=_("recordarme"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))
    last_active_at = models.DateTimeField(default=timezone.now, verbose_name=_("última actividad"))
    expires_at = models.DateTimeField(verbose_name=_("vence"))
    revoked_at = models.DateTimeField(null=True, verbose_name=_("revocada"), blank=True)
    revoked_reason = models.CharField(max_length=40, verbose_name=_("motivo del cierre"), blank=True)

    class Meta:
        verbose_name = _("sesión de dispositivo")
        verbose_name_plural = _("sesiones de dispositivo")
        indexes = [models.Index(fields=["user", "revoked_at", "expires_at"], name="devicesession_user_live")]

    def __str__(self):
        return f"{self.user_id} {self.user_agent[:40]}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class Invitation(PracticeFromParent):
    """An admin's invitation to join the practice. Only a SHA-256 of the token is stored."""

    practice_parent = "membership"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    membership = models.ForeignKey(
        Membership, verbose_name=_("membresía"), on_delete=models.CASCADE, related_name="invitations"
    )
    practice = practice_field()
    token_hash = models.CharField(max_length=64, verbose_name=_("hash del token"), db_index=True)
    invited_by = models.ForeignKey(
        User, verbose_name=_("invitado por"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))
    expires_at = models.DateTimeField(verbose_name=_("vence"))
    accepted_at = models.DateTimeField(null=True, verbose_name=_("aceptada"), blank=True)
    revoked_at = models.DateTimeField(null=True, verbose_name=_("revocada"), blank=True)

    class Meta:
        verbose_name = _("invitación")
        verbose_name_plural = _("invitaciones")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["practice", "token_hash"], name="invitation_token_unique")]

    def __str__(self):
        return f"{self.membership.user.email} ({self.created_at:%Y-%m-%d})"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class OutgoingEmail(models.Model):
    """A transactional email between the request that wrote it and the job that sends it. The job
    receives only this row's id, so job arguments (visible to operators) hold no links or names;
    the body is cleared once the provider has taken the message."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The practice whose patient or member it goes to; empty for a person's own account mail
    # (verification, password reset), which belongs to no practice.
    practice = models.ForeignKey(
        "accounts.Practice",
        verbose_name=_("consulta"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    template = models.CharField(_("plantilla"), max_length=50)
    to = models.EmailField(_("destinatario"))
    from_name = models.CharField(_("remitente visible"), max_length=150, blank=True)
    subject = models.CharField(_("asunto"), max_length=300)
    text = models.TextField(_("texto"), blank=True)
    html = models.TextField(_("HTML"), blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    sent_at = models.DateTimeField(_("enviado"), null=True, blank=True)

    class Meta:
        verbose_name = _("correo saliente")
        verbose_name_plural = _("correos salientes")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["sent_at", "created_at"], name="outgoing_email_pending")]

    def __str__(self):
        return f"{self.template} → {self.to}"


def default_member_color(practice: Practice) -> str:
    """The next palette color not yet used in the practice (cycling when all are used)."""
    palette = settings.MEMBER_COLOR_PALETTE
    used = set(practice.memberships.values_list("color", flat=True))
    for color in palette:
        if color not in used:
            return color
    return palette[len(used) % len(palette)]


# Operators' and admins' changes to accounts and practices are in the audit trail (who suspended a
# practice, who changed a role); secrets and bookkeeping columns are left out.
auditlog.register(User, exclude_fields=["password", "last_login", "updated_at"])
auditlog.register(Practice, exclude_fields=["updated_at"])
auditlog.register(Membership, exclude_fields=["updated_at"])
