"""docs/ui-writes.md is run, not only read: every JavaScript block of it, in order, is loaded into
Node.js with the UI's `API_BASE_URL` and `createAuthHeaders()` and called against the live server
the way the UI's pages would (issue 36). What each call answered is checked here, and the database
after it."""

import base64
import json
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.tests.factories import login_tokens
from ai_reports.models import PracticeAISettings, Recording, RecordingConsent
from ai_reports.tests.fake_gemini import FakeGemini
from ai_reports.tests.test_recordings import tone
from billing import services as billing
from patients.tests.factories import patient_for
from scheduling.models import Session
from scheduling.tests.test_patient_pages import open_all_week

pytestmark = [pytest.mark.node, pytest.mark.django_db(transaction=True)]

DOC = Path(settings.BASE_DIR) / "docs" / "ui-writes.md"
PREAMBLE = """
const API_BASE_URL = process.env.API_BASE_URL
let TOKEN = process.env.TOKEN
function createAuthHeaders() {  // lib/auth.ts
  return { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` }
}
"""
SCENARIO = r"""
const S = JSON.parse(process.env.SCENARIO)
const results = {}
async function capture(name, fn) {
  try { results[name] = { ok: true, value: await fn() } }
  catch (error) { results[name] = { ok: false, status: error.status, code: error.code, message: error.message, errors: error.errors } }
}
(async () => {
  const day = parseDateOnly(S.date)
  await capture('dates', async () => ({ day: day.getDate(), roundTrip: formatDateOnly(day), renewal: parseDateOnly('2027-01-07').getDate() }))
  await capture('search', () => searchPatients('Rosa'))
  const patientId = results.search.value[0].id
  await capture('book', () => createBooking({ patientId, date: S.date, startTime: '10:00', duration: 50, type: 'presencial', title: 'Control' }))
  await capture('clash', () => createBooking({ patientId, date: S.date, startTime: '10:20', duration: 50, type: 'presencial' }))
  const id = results.book.value.id
  await capture('move', () => moveSession(id, { date: S.date, startTime: '12:00', endTime: '12:50' }))
  await capture('resize', () => resizeSession(id, '13:10'))
  await capture('other', () => createBooking({ patientId, date: S.date, startTime: '15:00', duration: 50, type: 'virtual' }))
  let reverted = false
  const dropOnto = onEventChange(() => moveSession(results.other.value.id, { date: S.date, startTime: '12:30', endTime: '13:20' }))
  await capture('drop', async () => ({ error: (await dropOnto({ event: {}, revert: () => { reverted = true } }))?.code, reverted }))
  const from = parseDateOnly(S.date), to = new Date(from.getTime() + 86400000)
  let shown = []
  await capture('window', async () => { await calendarDatesSet((events) => { shown = events })({ start: from, end: to }); return shown.map((e) => [e.id, e.patientName]) })
  await capture('noShow', () => markNoShow(results.other.value.id))
  await capture('cancel', () => cancelSession(id, 'Pidió reagendar'))
  await capture('cancelAgain', () => cancelSession(id, 'otra vez'))
  await capture('record', () => apiRequest('/sessions', { method: 'POST', body: { patientId, sessionDate: S.past, sessionTime: '09:00', sessionContent: '<p>Primera nota</p>' } }))
  const recordId = results.record.value.id
  await capture('save', () => saveSessionRecord(recordId, '<p>Nota revisada</p><script>x</script>'))
  await capture('sign', () => signSession(recordId))
  await capture('saveSigned', () => saveSessionRecord(recordId, '<p>Otra</p>'))
  await capture('addendum', () => addAddendum(recordId, '<p>Corrección</p>'))
  await capture('patient', () => createPatient({ name: 'Tomás Vera Soto', rut: '11.111.111-1', email: '', phone: '', birthDate: '', street: 'Av. Grecia 2450', contactName: 'Ana Vera', contactPhone: '+56 9 1111 2222', relationship: 'madre' }))
  await capture('samePatient', () => createPatient({ name: 'Otro', rut: '11.111.111-1' }))
  await capture('availability', () => recordingAvailability(S.recordSession))
  await capture('upload', async () => {
    const bytes = Uint8Array.from(Buffer.from(S.audio, 'base64'))
    return uploadRecording(S.recordSession, new Blob([bytes]))
  })
  TOKEN = S.adminToken
  await capture('invite', () => inviteTeamMember({ name: 'Juana Pérez', email: 'juana@clinica.cl', role: 'assistant' }))
  await capture('settings', () => updateBookingSettings({ slug: 'centro-escrito', enabled: true, leadTimeHours: 4 }))
  await capture('settingsRefused', () => updateBookingSettings({ slug: 'cita' }))
  console.log(JSON.stringify(results))
})()
"""


def doc_blocks() -> list[str]:
    return re.findall(r"```js\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_doc_has_a_block_for_every_write():
    code = "\n".join(doc_blocks())
    for function in (
        "apiRequest",
        "parseDateOnly",
        "fetchCalendarWindow",
        "calendarDatesSet",
        "searchPatients",
        "createBooking",
        "moveSession",
        "resizeSession",
        "onEventChange",
        "cancelSession",
        "markNoShow",
        "saveSessionRecord",
        "signSession",
        "addAddendum",
        "createPatient",
        "inviteTeamMember",
        "updateBookingSettings",
        "recordingAvailability",
        "uploadRecording",
    ):
        assert f"function {function}(" in code, function


def test_every_snippet_against_the_live_server(
    live_server, practice, therapist_member, admin_member, settings, tmp_path
):
    fake = FakeGemini()
    settings.GEMINI_API_KEY, settings.GEMINI_BASE_URL, settings.RATELIMIT_ENABLE = "test-key", fake.url, False
    billing.subscription_start(practice=practice)
    open_all_week(therapist_member)
    patient = patient_for(therapist_member, name="Rosa Díaz Mella", rut="123456785")
    PracticeAISettings.objects.create(practice=practice, audio_transcription=True)
    RecordingConsent.objects.create(
        practice=practice, patient=patient, text_version="2026-12", registered_by=therapist_member.user
    )
    local = timezone.localtime(timezone.now(), timezone=__import__("zoneinfo").ZoneInfo(practice.timezone))
    future = (local + timedelta(days=7)).date()
    past = (local - timedelta(days=3)).date()
    scenario = {
        "date": future.isoformat(),
        "past": past.isoformat(),
        "audio": base64.b64encode(tone("wav", 2.0)).decode(),
        "adminToken": login_tokens(admin_member.user)["access_token"],
    }
    starts = timezone.now() - timedelta(days=1)
    scenario["recordSession"] = str(
        Session.objects.create(
            practice=practice,
            patient=patient,
            therapist=therapist_member.user,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=50),
            status="completed",
        ).pk
    )
    script = tmp_path / "writes.mjs"
    script.write_text(PREAMBLE + "\n".join(doc_blocks()) + SCENARIO, encoding="utf-8")
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "API_BASE_URL": f"{live_server.url}/api",
        "TOKEN": login_tokens(therapist_member.user)["access_token"],
        "SCENARIO": json.dumps(scenario),
    }
    try:
        done = subprocess.run(["node", str(script)], env=env, capture_output=True, text=True, timeout=120)
    finally:
        fake.close()
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout.strip().splitlines()[-1])

    assert results["dates"]["value"] == {"day": future.day, "roundTrip": future.isoformat(), "renewal": 7}
    assert [p["name"] for p in results["search"]["value"]] == ["Rosa Díaz Mella"]
    booked = results["book"]
    assert booked["ok"] and booked["value"]["status"] == "scheduled" and booked["value"]["startTime"] == "10:00"
    clash = results["clash"]
    assert (clash["ok"], clash["status"], clash["code"]) == (False, 409, "conflict") and "10:00" in clash["message"]
    assert results["move"]["value"]["startTime"] == "12:00" and results["resize"]["value"]["endTime"] == "13:10"
    assert results["drop"]["value"] == {"error": "conflict", "reverted": True}
    shown = dict(results["window"]["value"])
    assert shown[booked["value"]["id"]] == "Rosa Díaz Mella"
    assert results["noShow"]["value"]["status"] == "no-show" and results["cancel"]["value"]["status"] == "cancelled"
    assert (results["cancelAgain"]["status"], results["cancelAgain"]["code"]) == (409, "invalid_transition")
    assert results["save"]["value"]["content"] == "<p>Nota revisada</p>"  # sanitized by the server
    assert results["sign"]["ok"] and (results["saveSigned"]["status"], results["saveSigned"]["code"]) == (409, "signed")
    assert results["addendum"]["ok"]
    created = results["patient"]["value"]
    assert created["address"]["street"] == "Av. Grecia 2450" and created["emergencyContact"]["relationship"] == "madre"
    assert results["samePatient"]["status"] == 400 and "rut" in results["samePatient"]["errors"]
    assert results["availability"]["value"] == {"available": True, "code": None, "message": None}
    uploaded = results["upload"]["value"]
    assert uploaded["status"] == "queued" and abs(uploaded["durationSeconds"] - 2.0) < 0.1
    assert results["invite"]["value"]["role"] == "assistant"
    assert results["settings"]["value"]["bookingUrl"].endswith("/p/centro-escrito/reservar")
    assert results["settingsRefused"]["status"] == 400 and "slug" in results["settingsRefused"]["errors"]
    assert Recording.objects.get().session_id == __import__("uuid").UUID(scenario["recordSession"])
