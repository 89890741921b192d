"""Patients' data-rights requests (Ley 21.719): filed with their legal deadline, extended once,
fulfilled as the kind means, or refused with a reason. Blocking holds from filing to closing."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import emails
from accounts.choices import Role
from accounts.models import Membership
from patients.choices import PrivacyRequestKind as Kind
from patients.choices import PrivacyRequestStatus as Status
from patients.models import Patient, PrivacyRequest
from patients.services.record import RECIPIENTS, package_request
from patients.services.retention import anonymize, retention_ends
from sessai.errors import Conflict

OPEN = (Status.OPEN, Status.EXTENDED)


def _open(request: PrivacyRequest) -> PrivacyRequest:
    request = PrivacyRequest.objects.select_for_update().select_related("patient").get(pk=request.pk)
    if request.status not in OPEN:
        raise Conflict(_("La solicitud ya está cerrada."), code="invalid_state")
    return request


def _set_blocked(patient: Patient) -> None:
    blocked = PrivacyRequest.objects.filter(patient=patient, kind=Kind.BLOCKING, status__in=OPEN).exists()
    if patient.processing_blocked != blocked:
        patient.processing_blocked = blocked
        patient.save(update_fields=["processing_blocked", "updated_at"])


@transaction.atomic
def request_file(*, membership, patient, kind: str, channel: str = "", received_at=None) -> PrivacyRequest:
    received_at = received_at or timezone.now()
    request = PrivacyRequest.objects.create(
        practice_id=membership.practice_id,
        patient=patient,
        kind=kind,
        channel=channel,
        received_at=received_at,
        due_at=received_at + timedelta(days=settings.PRIVACY_RESPONSE_DAYS),
        created_by=membership.user,
    )
    if kind == Kind.BLOCKING:
        _set_blocked(patient)
    return request


@transaction.atomic
def request_extend(*, request: PrivacyRequest, reason: str) -> PrivacyRequest:
    request = _open(request)
    if request.status == Status.EXTENDED:
        raise Conflict(_("El plazo ya se prorrogó una vez."), code="already_extended")
    request.status, request.extension_reason = Status.EXTENDED, reason[:500]
    request.due_at += timedelta(days=settings.PRIVACY_RESPONSE_DAYS)
    request.save(update_fields=["status", "extension_reason", "due_at"])
    return request


@transaction.atomic
def request_fulfill(*, request: PrivacyRequest, membership) -> PrivacyRequest:
    request = _open(request)
    patient = Patient.objects.select_for_update().get(pk=request.patient_id)
    export = reverse("patient-export", args=[patient.pk])
    if request.kind == Kind.SUPPRESSION:
        ends = retention_ends(patient)
        if timezone.localdate() < ends:
            raise Conflict(
                _(
                    "La ficha clínica debe conservarse al menos %(years)s años desde la última atención "
                    "(Decreto 41 de 2012, reglamento de la Ley 20.584): puede suprimirse desde el %(date)s."
                )
                % {"years": settings.RETENTION_YEARS, "date": ends.strftime("%d/%m/%Y")},
                code="retention_period",
            )
        anonymize(patient)
        patient.refresh_from_db()
        resolution = _(
            "Plazo de conservación cumplido: el paciente fue anonimizado y su contenido clínico eliminado; "
            "se conservan fechas, conteos y el registro de auditoría sin datos identificatorios."
        )
    elif request.kind == Kind.OPPOSITION:
        patient.ai_processing = False
        patient.save(update_fields=["ai_processing", "updated_at"])
        resolution = _(
            "El paciente no será procesado con IA: informes, documentación y grabaciones con IA quedan rechazados."
        )
    elif request.kind == Kind.BLOCKING:
        resolution = _("Bloqueo levantado al cerrar la solicitud.")
    elif request.kind == Kind.RECTIFICATION:
        resolution = _("Datos rectificados en la ficha; los cambios quedan en el registro de accesos: %(url)s") % {
            "url": reverse("patient-access-log", args=[patient.pk])
        }
    elif request.kind == Kind.PORTABILITY:
        package_request(membership=membership, patient=patient)
        resolution = _(
            "Ficha completa en un ZIP (FHIR R4, PDF, registro de accesos y adjuntos): el enlace de descarga "
            "se envía a %(email)s. La ficha en FHIR R4 también está en %(url)s?format=fhir"
        ) % {"email": membership.user.email, "url": export}
    else:  # access
        resolution = "\n".join(
            [
                _("Copia legible de la ficha: %(url)s?format=pdf (y %(url)s?format=fhir).") % {"url": export},
                _("Registro de accesos: %(url)s") % {"url": reverse("patient-access-log", args=[patient.pk])},
                _("Destinatarios:"),
                *[f"- {line}" for line in RECIPIENTS],
            ]
        )
    request.status, request.resolution = Status.FULFILLED, resolution
    request.resolved_at, request.resolved_by_id = timezone.now(), membership.user_id
    request.save(update_fields=["status", "resolution", "resolved_at", "resolved_by"])
    _set_blocked(patient)
    return request


@transaction.atomic
def request_refuse(*, request: PrivacyRequest, membership, reason: str) -> PrivacyRequest:
    request = _open(request)
    request.status, request.resolution = Status.REFUSED, reason
    request.resolved_at, request.resolved_by_id = timezone.now(), membership.user_id
    request.save(update_fields=["status", "resolution", "resolved_at", "resolved_by"])
    _set_blocked(request.patient)
    return request


DUE_SOON_DAYS = 5


def remind_due_requests(*, today=None) -> int:
    """Email each practice's admins the open requests due within DUE_SOON_DAYS (or overdue), once
    a day: a request already reminded today is left out, so a second run sends nothing."""
    today = today or timezone.localdate()
    horizon = timezone.now() + timedelta(days=DUE_SOON_DAYS)
    due = (
        PrivacyRequest.objects.filter(status__in=OPEN, due_at__lte=horizon, practice__is_active=True)
        .exclude(reminded_on=today)
        .select_related("patient", "practice")
        .order_by("practice_id", "due_at")
    )
    by_practice: dict = {}
    for request in due:
        by_practice.setdefault(request.practice, []).append(request)
    sent = 0
    for practice, requests in by_practice.items():
        with transaction.atomic():
            for admin in (
                Membership.objects.active().filter(practice=practice, role=Role.ADMIN).select_related("user__profile")
            ):
                profile = getattr(admin.user, "profile", None)
                emails.send(
                    template="privacy_requests_due",
                    to=admin.user.email,
                    practice=practice,
                    language=profile.language if profile else None,
                    context={"practice": practice, "requests": requests, "now": timezone.now()},
                    from_name=practice.name,
                )
                sent += 1
            PrivacyRequest.objects.filter(pk__in=[r.pk for r in requests]).update(reminded_on=today)
    return sent
