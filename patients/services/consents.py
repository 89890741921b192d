"""Consent forms a practice sends to a patient: the link goes to the patient's email only (staff
never see it), and the patient reads the versioned text and signs with their typed name and a
checkbox; the link itself is what the patient holds. At the practice, a staff member can open the
form on the practice's tablet instead: it is recorded as signed in person, witnessed by them. The
same link revokes. A signed recording consent is the consent the AI scribe checks before accepting
a recording."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import emails
from patients import messages as msg
from patients import signals
from patients.choices import ConsentKind
from patients.models import Consent, Patient
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
def consent_send(*, patient: Patient, membership, kind: str, in_person: bool = False) -> Consent:
    """A new consent for the patient to sign: emailed to the patient, or (`in_person`) to be signed
    now on the practice's tablet with `membership`'s user as the witness. Refused for a patient
    without email unless in person, and while processing is blocked by a data-rights request."""
    if not in_person and not patient.email:
        raise ValidationFailed(msg.CONSENT_NO_EMAIL, errors={"inPerson": [str(msg.CONSENT_NO_EMAIL)]})
    if not in_person and patient.processing_blocked:
        raise Conflict(msg.CONSENT_BLOCKED, code="processing_blocked")
    consent = Consent.objects.create(
        practice=membership.practice,
        patient=patient,
        kind=kind,
        text_version=VERSIONS[kind],
        text=consent_text(kind=kind, patient=patient),
        sent_by=membership.user,
        in_person=in_person,
        witnessed_by=membership.user if in_person else None,
    )
    if not in_person:
        emails.send(
            template="consent_request",
            to=patient.email,
            practice=patient.practice,
            from_name=patient.practice.name,
            context={
                "practice": patient.practice,
                "patient": patient,
                "kind": consent.get_kind_display(),
                "link": consent_link(consent),
                "days": settings.CONSENT_LINK_DAYS,
            },
        )
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
    return (
        consent.signed_at is None
        and consent.revoked_at is None
        and timezone.now() - consent.sent_at <= timedelta(days=settings.CONSENT_LINK_DAYS)
    )


@transaction.atomic
def consent_sign(*, consent: Consent, name: str, accepted: bool, ip, user_agent: str) -> Consent:
    consent = Consent.objects.select_for_update().select_related("patient", "practice").get(pk=consent.pk)
    if not can_sign(consent):
        raise Conflict(_("Este consentimiento ya no se puede firmar."), code="invalid_state")
    errors = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = [_("Escribe tu nombre completo")]
    if not accepted:
        errors["accepted"] = [_("Marca la casilla para aceptar")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    consent.signed_at, consent.signed_name = timezone.now(), name[:200]
    consent.signed_ip, consent.signed_user_agent = ip, user_agent[:300]
    consent.save(update_fields=["signed_at", "signed_name", "signed_ip", "signed_user_agent"])
    if consent.kind == ConsentKind.RECORDING:
        signals.recording_consent_signed.send(sender=Consent, consent=consent)
    return consent


@transaction.atomic
def consent_revoke(*, consent: Consent, ip, user_agent: str) -> Consent:
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.signed_at is None or consent.revoked_at is not None:
        raise Conflict(_("Este consentimiento no está vigente."), code="invalid_state")
    consent.revoked_at, consent.revoked_ip, consent.revoked_user_agent = timezone.now(), ip, user_agent[:300]
    consent.save(update_fields=["revoked_at", "revoked_ip", "revoked_user_agent"])
    if consent.kind == ConsentKind.RECORDING:
        signals.recording_consent_revoked.send(sender=Consent, consent=consent)
    return consent
