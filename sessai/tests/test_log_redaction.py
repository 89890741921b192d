"""No secret link in any log (issue 31): the paths of links that carry their token (appointment,
wait-list claim, consent, export package) and every `?token=` (downloads, calendar feeds, reset
and invitation pages) are written redacted, by Django's request warnings in-process and by the
real gunicorn's access log. Each link kind is used (valid, tampered, and refused by CSRF), then the
logs are searched for the tokens."""

import io
import logging
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from patients.models import ExportPackage
from patients.services import consents, record
from patients.tests.factories import patient_for
from scheduling import links
from scheduling.models import Session, WaitlistEntry, WaitlistOffer
from sessai.logging import redact
from sessai.tests.test_resilience import start_gunicorn


def _links(therapist_member, admin_member) -> tuple[list[str], list[str]]:
    """(paths to request, secrets that must appear in no log)."""
    practice = therapist_member.practice
    patient = patient_for(therapist_member, name="Rosa Díaz", email="rosa@correo.cl")
    starts = timezone.now() + timedelta(days=3)
    session = Session.objects.create(
        practice=practice,
        patient=patient,
        therapist=therapist_member.user,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=50),
        status="scheduled",
    )
    entry = WaitlistEntry.objects.create(
        practice=practice,
        therapist=therapist_member.user,
        name="Rosa",
        email="rosa@correo.cl",
        date_from=starts.date(),
        date_to=starts.date(),
    )
    offer = WaitlistOffer.objects.create(entry=entry, starts_at=starts, ends_at=starts + timedelta(minutes=50))
    consent = consents.consent_send(patient=patient, membership=therapist_member, kind="treatment")
    package = ExportPackage.objects.create(practice=practice, patient=patient, requested_by=admin_member.user)
    made = [
        links.appointment_link(session),
        links.offer_link(offer),
        consents.consent_link(consent),
        record.package_link(package),
    ]
    paths = [link.split("://", 1)[1].split("/", 1)[1] for link in made]
    secrets = [path.rsplit("/", 1)[1] for path in paths]
    paths = ["/" + path for path in paths]
    query_secret = signing.dumps("una-clave-de-prueba")
    secrets.append(query_secret)
    paths += [path[:-6] + "XXXXXX" for path in paths]  # tampered: Django warns "Bad Request"/"Not Found" with the path
    paths += [
        f"/api/calendar/{therapist_member.user_id}.ics?token={query_secret}",
        f"/api/attachments/{uuid.uuid4()}/download?token={query_secret}",
        f"/cuenta/restablecer-contrasena?token={query_secret}",
        f"/cuenta/invitacion?token={query_secret}",
    ]
    secrets += [path.rsplit("/", 1)[1][:-6] for path in paths if path.endswith("XXXXXX")]
    return paths, secrets


def test_redact_masks_each_kind():
    assert redact("GET /p/cita/ImFiYyI:1x:zz HTTP/1.1") == "GET /p/cita/[redactado] HTTP/1.1"
    assert redact("/p/lista-de-espera/abc?x=1") == "/p/lista-de-espera/[redactado]?x=1"
    assert redact("Bad Request: /p/consentimiento/abc") == "Bad Request: /p/consentimiento/[redactado]"
    package = "/exportacion/0b7a1e5e-2d6a-4c43-9f0e-1b2c3d4e5f60/abc.def"
    assert redact(package) == "/exportacion/0b7a1e5e-2d6a-4c43-9f0e-1b2c3d4e5f60/[redactado]"
    assert redact("/api/calendar/x.ics?token=abc") == "/api/calendar/x.ics?token=[redactado]"
    assert redact("/p/centro-demo/reservar") == "/p/centro-demo/reservar"  # no token: left as it is


def test_djangos_request_warnings_write_no_token(therapist_member, admin_member):
    handler = next(
        h for h in logging.getLogger().handlers if any(type(f).__name__ == "RedactSecretsFilter" for f in h.filters)
    )
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        paths, secrets = _links(therapist_member, admin_member)
        for path in paths:
            Client().get(path)
            Client(enforce_csrf_checks=True).post(path, {"action": "confirm"})  # the CSRF warning names the path too
    finally:
        handler.setStream(previous)
    written = buffer.getvalue()
    assert "[redactado]" in written and "Forbidden" in written and ("Bad Request" in written or "Not Found" in written)
    assert [line for line in written.splitlines() if any(secret in line for secret in secrets)] == []


@pytest.mark.django_db(transaction=True)
def test_gunicorns_access_log_writes_no_token(therapist_member, admin_member, tmp_path):
    paths, secrets = _links(therapist_member, admin_member)
    access_log = tmp_path / "access.log"
    process, base = start_gunicorn(access_log=str(access_log), log_level="INFO")
    try:
        for path in paths:
            try:
                urllib.request.urlopen(f"{base}{path}", timeout=10).read()
            except urllib.error.HTTPError:
                pass  # 4xx: logged all the same
    finally:
        process.terminate()
        _out, errors = process.communicate(timeout=15)
    lines = access_log.read_text()
    assert lines.count("\n") >= len(paths) and "[redactado]" in lines
    written = lines + errors.decode()
    assert [line for line in written.splitlines() if any(secret in line for secret in secrets)] == []
