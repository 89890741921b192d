"""Consent forms a practice sends to a patient as a link: the patient reads the versioned text and
signs with their typed name, RUT and a checkbox; the same link revokes. A signed recording consent
is the consent the AI scribe checks before accepting a recording."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import emails
from patients.choices import ConsentKind
from patients.models import Consent, Patient
from patients.rut import rut_normalize
from sessai.errors import Conflict, ValidationFailed

SALT = "patients.consent-link"
# The text each kind is signed on; a new wording gets a new version (and a new template), and
# what was signed stays in the row.
VERSIONS = {ConsentKind.TREATMENT: "tratamiento-2026-12", ConsentKind.RECORDING: "grabacion-2026-12"}


def consent_text(*, kind: str, patient: Patient) -> str:
    return render_to_string(f"consents/{VERSIONS[kind]}.html", {"practice": patient.practice, "patient": patient})


def consent_link(consent: Consent) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('portal:consent', args=[signing.dumps(str(consent.pk), salt=SALT)])}"


@transaction.atomic
def consent_send(*, patient: Patient, membership, kind: str) -> Consent:
    """A new consent for the patient to sign; emailed when they have an email (the answer
    carries the link too, for another channel). Not emailed while the patient's processing is
    blocked by a data-rights request."""
    consent = Consent.objects.create(practice=membership.practice, patient=patient, kind=kind, text_version=VERSIONS[kind],
                                     text=consent_text(kind=kind, patient=patient), sent_by=membership.user)
    if patient.email and not patient.processing_blocked:
        emails.send(template="consent_request", to=patient.email, from_name=patient.practice.name, context={
            "practice": patient.practice, "patient": patient, "kind": consent.get_kind_display(), "link": consent_link(consent),
            "days": settings.CONSENT_LINK_DAYS,
        })
    return consent


class ConsentLinkInvalid(Exception):
    pass


def consent_from_token(token: str) -> Consent:
    try:
        consent_id = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise ConsentLinkInvalid() from exc
    consent = Consent.objects.select_related("practice", "patient").filter(pk=consent_id).first()
    if consent is None:
        raise ConsentLinkInvalid()
    return consent


def can_sign(consent: Consent) -> bool:
    return (consent.signed_at is None and consent.revoked_at is None
            and timezone.now() - consent.sent_at <= timedelta(days=settings.CONSENT_LINK_DAYS))


@transaction.atomic
def consent_sign(*, consent: Consent, name: str, rut: str, accepted: bool, ip, user_agent: str) -> Consent:
    consent = Consent.objects.select_for_update().select_related("patient", "practice").get(pk=consent.pk)
    if not can_sign(consent):
        raise Conflict(_("Este consentimiento ya no se puede firmar."), code="invalid_state")
    errors = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = [_("Escribe tu nombre completo")]
    try:
        rut = rut_normalize(rut)
    except ValueError:
        errors["rut"] = [_("El RUT no es válido")]
    else:
        if consent.patient.rut and rut != consent.patient.rut:
            errors["rut"] = [_("El RUT no coincide con el registrado en tu consulta")]
    if not accepted:
        errors["accepted"] = [_("Marca la casilla para aceptar")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    consent.signed_at, consent.signed_name, consent.signed_rut = timezone.now(), name[:200], rut
    consent.signed_ip, consent.signed_user_agent = ip, user_agent[:300]
    consent.save(update_fields=["signed_at", "signed_name", "signed_rut", "signed_ip", "signed_user_agent"])
    if consent.kind == ConsentKind.RECORDING:
        from ai_reports.recordings import consent_signed_by_patient

        consent_signed_by_patient(consent)
    return consent


@transaction.atomic
def consent_revoke(*, consent: Consent, ip, user_agent: str) -> Consent:
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.signed_at is None or consent.revoked_at is not None:
        raise Conflict(_("Este consentimiento no está vigente."), code="invalid_state")
    consent.revoked_at, consent.revoked_ip, consent.revoked_user_agent = timezone.now(), ip, user_agent[:300]
    consent.save(update_fields=["revoked_at", "revoked_ip", "revoked_user_agent"])
    if consent.kind == ConsentKind.RECORDING:
        from ai_reports.recordings import consent_revoked_by_patient

        consent_revoked_by_patient(consent)
    return consent
