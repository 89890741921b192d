"""Recorded sessions (issue 12): real audio generated with PyAV, the real google-genai SDK against
the fake Gemini server (Files API included), jobs through a real Procrastinate worker."""

import array
import functools
import io
import json
import math
import signal
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import av
import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Membership
from accounts.tests.factories import MembershipFactory
from ai_reports import prompts
from ai_reports.models import PracticeAISettings, Recording, RecordingConsent, Transcript
from ai_reports.services import recordings
from ai_reports.tests.fake_gemini import FakeGemini
from billing import services as billing
from billing.choices import EntryKind
from billing.models import CreditLedgerEntry
from patients.tests.factories import patient_for
from scheduling.models import Session
from sessai.tests.workers import due_now, jobs, retry_stalled, wait_for, worker

FORMATS = {  # container, codec, sample rate
    "webm": ("webm", "libopus", 48000),
    "ogg": ("ogg", "libopus", 48000),
    "mp3": ("mp3", "libmp3lame", 44100),
    "wav": ("wav", "pcm_s16le", 16000),
    "m4a": ("ipod", "aac", 44100),
}
SEGMENTS = {
    "segments": [
        {"speaker": "therapist", "start": 0.0, "end": 1.0, "text": "¿Cómo ha estado esta semana, María José?"},
        {"speaker": "patient", "start": 1.0, "end": 2.0, "text": "Mejor. Hablé con Pedro del trabajo y dormí más."},
    ]
}
ANALYSIS = {
    "draftNote": "**S (Subjetivo)**\n\n[PACIENTE] refiere mejor descanso.\n\n**P (Plan)**\n\n- Continuar registro de sueño.",
    "sentiment": {"label": "positivo", "score": 78},
    "topics": ["sueño", "trabajo"],
    "keywords": ["descanso", "jefe"],
    "risks": [],
}


@functools.cache
def tone(kind: str = "webm", seconds: float = 2.0) -> bytes:
    """A 440 Hz tone of `seconds`, encoded as `kind` (what a browser's MediaRecorder or a phone makes)."""
    fmt, codec, rate = FORMATS[kind]
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        frame_size, total, pts = 960 if codec == "libopus" else 1024, int(rate * seconds), 0
        while pts < total:
            count = min(frame_size, total - pts)
            samples = array.array(
                "h", (int(9000 * math.sin(2 * math.pi * 440 * (pts + i) / rate)) for i in range(count))
            )
            frame = av.AudioFrame(format="s16", layout="mono", samples=count)
            frame.planes[0].update(samples.tobytes())
            frame.sample_rate, frame.pts = rate, pts
            for packet in stream.encode(frame):
                out.mux(packet)
            pts += count
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def upload(client, session_id, data: bytes, name="grabacion.webm"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(f"/api/sessions/{session_id}/recordings", {"audio": file}, format="multipart")


@pytest.fixture
def gemini(settings):
    fake = FakeGemini()
    settings.GEMINI_API_KEY, settings.GEMINI_BASE_URL = "test-key", fake.url
    settings.AI_RETRY_INITIAL_DELAY, settings.AI_TIMEOUT_SECONDS = 0.01, 5
    settings.RATELIMIT_ENABLE = False
    yield fake
    fake.close()


@pytest.fixture
def clinic(practice, therapist_member):
    billing.subscription_start(practice=practice)  # 500 credits
    PracticeAISettings.objects.create(practice=practice, audio_transcription=True)
    patient = patient_for(
        therapist_member,
        name="María José Pérez Soto",
        rut="123456785",
        email="mariajose@correo.cl",
        phone="+56 9 8765 4321",
    )
    RecordingConsent.objects.create(
        practice=practice, patient=patient, text_version="2026-12", registered_by=therapist_member.user
    )
    starts = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
    session = Session.objects.create(
        practice=practice,
        patient=patient,
        therapist=therapist_member.user,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        status="completed",
    )
    return session


def _balance(practice) -> Decimal:
    return billing.balance(practice)


@pytest.mark.parametrize("kind", list(FORMATS))
def test_each_format_is_accepted_with_its_measured_duration(kind, as_therapist, clinic, gemini):
    before = _balance(clinic.practice)
    answer = upload(as_therapist, clinic.id, tone(kind, 2.0), name=f"sesion.{kind}")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["status"] == "queued" and abs(body["durationSeconds"] - 2.0) < 0.1
    assert (
        body["contentType"]
        == {"webm": "audio/webm", "ogg": "audio/ogg", "mp3": "audio/mpeg", "wav": "audio/wav", "m4a": "audio/mp4"}[kind]
    )
    assert _balance(clinic.practice) == before - Decimal("2.00")  # one minute (rounded up) at 2 credits, held


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"hola, esto no es audio" * 50, "notas.mp3"),
        (tone("webm")[:300], "cortado.webm"),
        (b"\x89PNG\r\n\x1a\n" + bytes(2000), "foto.m4a"),
    ],
)
def test_corrupt_or_non_audio_files_are_400_and_nothing_is_kept(data, name, as_therapist, clinic, gemini):
    before = _balance(clinic.practice)
    answer = upload(as_therapist, clinic.id, data, name=name)
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_audio"
    assert "audio" in answer.json()["errors"] and "no es un audio válido" in answer.json()["message"]
    assert Recording.objects.count() == 0 and _balance(clinic.practice) == before


def test_limits_size_413_and_duration_400(as_therapist, clinic, gemini, settings):
    settings.RECORDING_MAX_SECONDS = 1
    answer = upload(as_therapist, clinic.id, tone("ogg", 2.0))
    assert answer.status_code == 400 and answer.json()["code"] == "too_long"
    settings.RECORDING_MAX_BYTES = 1000
    answer = upload(as_therapist, clinic.id, tone("ogg", 2.0))
    assert answer.status_code == 413 and "audio" in answer.json()["errors"]
    assert Recording.objects.count() == 0


def test_consent_first_then_withdrawn(as_therapist, clinic, gemini):
    consent_url = f"/api/patients/{clinic.patient_id}/recording-consent"
    assert as_therapist.get(consent_url).json()["active"] is True
    withdrawn = as_therapist.delete(consent_url)
    assert withdrawn.status_code == 200 and withdrawn.json()["active"] is False
    answer = upload(as_therapist, clinic.id, tone())
    assert answer.status_code == 409 and answer.json()["code"] == "consent_required"
    again = as_therapist.post(consent_url, {}, format="json")
    assert again.status_code == 201 and again.json()["textVersion"] == "2026-12" and again.json()["active"] is True
    assert upload(as_therapist, clinic.id, tone()).status_code == 201
    assert RecordingConsent.objects.filter(patient_id=clinic.patient_id).count() == 2  # the withdrawn one is kept


def test_transcription_off_is_409_and_no_key_is_503(as_therapist, clinic, settings):
    PracticeAISettings.objects.filter(practice=clinic.practice).update(audio_transcription=False)
    settings.GEMINI_API_KEY = "test-key"
    assert upload(as_therapist, clinic.id, tone()).json()["code"] == "transcription_disabled"
    PracticeAISettings.objects.filter(practice=clinic.practice).update(audio_transcription=True)
    settings.GEMINI_API_KEY = ""
    answer = upload(as_therapist, clinic.id, tone())
    assert (
        answer.status_code == 503
        and answer.json()["code"] == "ai_unavailable"
        and "no está configurado" in answer.json()["message"]
    )


def test_insufficient_credits_is_402_and_nothing_is_queued(as_therapist, clinic, gemini):
    billing.credits_grant(practice=clinic.practice, amount=-_balance(clinic.practice) + Decimal("1"), reason="prueba")
    answer = upload(as_therapist, clinic.id, tone())
    assert answer.status_code == 402
    assert Recording.objects.count() == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs")
        assert cursor.fetchone()[0] == 0


def test_the_same_file_twice_is_one_recording_charged_once(as_therapist, clinic, gemini):
    audio = tone("mp3")
    first, second = upload(as_therapist, clinic.id, audio), upload(as_therapist, clinic.id, audio)
    assert (first.status_code, second.status_code) == (201, 200) and first.json()["id"] == second.json()["id"]
    assert CreditLedgerEntry.objects.filter(kind=EntryKind.RESERVATION, operation="transcription").count() == 1


def test_who_may_reach_recordings(as_assistant, as_other_admin, api, clinic, gemini, practice, client_for):
    urls = [f"/api/sessions/{clinic.id}/recordings", f"/api/sessions/{clinic.id}/transcript"]
    colleague = client_for(MembershipFactory(practice=practice, role=Role.THERAPIST))  # not in the care team
    for url in urls:
        assert api.get(url).status_code == 401
        assert as_assistant.get(url).status_code == 403
        assert as_other_admin.get(url).status_code == 404
        assert colleague.get(url).status_code == 404
    assert as_assistant.get(f"/api/patients/{clinic.patient_id}/recording-consent").status_code == 403


def _pipeline(as_therapist, clinic, gemini, run_jobs, audio=None):
    gemini.reply(json.dumps(SEGMENTS), 3000, 400)  # transcription
    gemini.reply(json.dumps(ANALYSIS), 1200, 300)  # analysis
    answer = upload(as_therapist, clinic.id, audio or tone("webm", 2.0))
    assert answer.status_code == 201, answer.json()
    run_jobs()
    return answer.json()["id"]


def test_the_whole_pipeline_over_http_from_upload_to_applied_note(as_therapist, clinic, gemini, run_jobs):
    start = _balance(clinic.practice)
    recording_id = _pipeline(as_therapist, clinic, gemini, run_jobs)
    status = as_therapist.get(f"/api/sessions/{clinic.id}/recordings/{recording_id}").json()
    assert status["status"] == "done" and status["progress"] == 100 and status["error"] == ""
    assert status["audioKept"] is False  # retention 0: deleted after the transcription

    # the audio went through the Files API, was referenced by the prompt, then deleted there
    [name] = gemini.files
    assert gemini.files[name]["bytes"][:4] == b"\x1aE\xdf\xa3" and gemini.files[name]["deleted"]
    transcription = next(r for r in gemini.requests if r["body"] and "generateContent" in r["path"])
    file_part = transcription["body"]["contents"][0]["parts"][0]["fileData"]
    assert file_part.get("mimeType", file_part.get("mime_type")) == "audio/webm"
    assert file_part.get("fileUri", file_part.get("file_uri")).endswith(name)
    assert transcription["body"]["generationConfig"]["responseMimeType"] == "application/json"

    transcript = as_therapist.get(f"/api/sessions/{clinic.id}/transcript").json()
    assert [(s["speakerLabel"], s["start"]) for s in transcript["segments"]] == [("Terapeuta", 0.0), ("Paciente", 1.0)]
    analysis = transcript["analysis"]
    assert analysis["sentiment"] == {"label": "positivo", "score": 78} and analysis["topics"] == ["sueño", "trabajo"]
    assert "María José Pérez Soto refiere mejor descanso" in analysis["draftNote"]  # restored after the provider

    # what the provider received for the analysis carries none of the patient's identifiers
    prompt = [r for r in gemini.requests if r["body"] and "generateContent" in r["path"]][-1]["raw"]
    for identifier in ("María José", "Pérez", "123456785", "mariajose@correo.cl", "8765"):
        assert identifier not in prompt

    # charged: the minute of audio and the analysis tokens
    labels = set(CreditLedgerEntry.objects.filter(kind=EntryKind.USAGE).values_list("operation", flat=True))
    assert labels == {"transcription", "session_summary"}
    assert _balance(clinic.practice) < start

    applied = as_therapist.post(f"/api/sessions/{clinic.id}/transcript/apply-note")
    assert applied.status_code == 200
    clinic.refresh_from_db()
    assert "<strong>S (Subjetivo)</strong>" in clinic.content and "<script" not in clinic.content
    assert Transcript.objects.get(session=clinic).segments  # the transcript stays when the audio goes


def test_billing_history_shows_the_ui_labels(as_admin, as_therapist, clinic, gemini, run_jobs):
    _pipeline(as_therapist, clinic, gemini, run_jobs)
    rows = as_admin.get("/api/admin/billing/history").json()["history"]
    assert sorted(row["type"] for row in rows) == ["Resumen de Sesión", "Transcripción de Audio"]
    assert next(row for row in rows if row["type"] == "Transcripción de Audio")["credits"] == 2


def test_the_therapist_corrects_a_segment_until_the_session_is_signed(as_therapist, clinic, gemini, run_jobs):
    _pipeline(as_therapist, clinic, gemini, run_jobs)
    url = f"/api/sessions/{clinic.id}/transcript/segments/1"
    edited = as_therapist.patch(
        url, {"text": "Mejor. Hablé con mi jefe y dormí más.", "speaker": "patient"}, format="json"
    )
    assert edited.status_code == 200 and edited.json()["segments"][1]["edited"] is True
    assert (
        as_therapist.patch(f"/api/sessions/{clinic.id}/transcript/segments/9", {"text": "x"}, format="json").status_code
        == 404
    )
    assert as_therapist.patch(url, {"speaker": "jefe"}, format="json").status_code == 400
    Session.objects.filter(pk=clinic.pk).update(content="<p>Nota</p>")
    assert as_therapist.post(f"/api/sessions/{clinic.id}/sign").status_code == 200
    assert as_therapist.patch(url, {"text": "otra"}, format="json").json()["code"] == "signed"
    assert as_therapist.post(f"/api/sessions/{clinic.id}/transcript/apply-note").status_code == 409
    assert as_therapist.get(f"/api/sessions/{clinic.id}/transcript").json()["readOnly"] is True


def test_provider_errors_are_retried_then_failed_with_the_credits_released(
    as_therapist, clinic, gemini, run_jobs, settings
):
    settings.AI_RETRY_ATTEMPTS = 2  # the SDK's own retries, inside each of the job's 3 attempts
    start = _balance(clinic.practice)
    gemini.fail(500, times=50)  # down for longer than the SDK's and the job's retries
    answer = upload(as_therapist, clinic.id, tone())
    assert _balance(clinic.practice) == start - Decimal("2.00")
    for _ in range(3):
        run_jobs()
        due_now()
    status = as_therapist.get(f"/api/sessions/{clinic.id}/recordings/{answer.json()['id']}").json()
    assert status["status"] == "failed" and "No se cobraron créditos" in status["error"]
    assert _balance(clinic.practice) == start
    gemini._script.clear()
    retried = as_therapist.post(f"/api/sessions/{clinic.id}/recordings/{answer.json()['id']}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "queued"
    gemini.reply(json.dumps(SEGMENTS), 100, 100)
    gemini.reply(json.dumps(ANALYSIS), 100, 100)
    run_jobs()
    assert Recording.objects.get().status == "done"
    assert CreditLedgerEntry.objects.filter(kind=EntryKind.USAGE, operation="transcription").count() == 1


def test_long_recordings_are_sent_in_parts_and_stitched(as_therapist, clinic, gemini, run_jobs, settings):
    settings.RECORDING_CHUNK_SECONDS = 2
    gemini.reply(json.dumps(SEGMENTS), 100, 100)
    gemini.reply(
        json.dumps({"segments": [{"speaker": "patient", "start": 0.5, "end": 1.5, "text": "Segunda parte."}]}), 100, 100
    )
    gemini.reply(json.dumps(ANALYSIS), 100, 100)
    assert upload(as_therapist, clinic.id, tone("ogg", 3.5)).status_code == 201
    run_jobs()
    segments = Transcript.objects.get().segments
    assert [s["start"] for s in segments] == [0.0, 1.0, 2.5] and segments[-1]["text"] == "Segunda parte."
    assert len(gemini.files) == 2


def test_resumable_upload_interrupted_and_resumed(as_therapist, clinic, gemini):
    audio = tone("wav", 2.0)
    base = f"/api/sessions/{clinic.id}/recording-uploads"
    started = as_therapist.post(base, {"size": len(audio)}, format="json")
    assert started.status_code == 201 and started.json()["offset"] == 0
    url = f"{base}/{started.json()['id']}"

    def put(offset, chunk):
        return as_therapist.generic("PUT", f"{url}?offset={offset}", chunk, content_type="application/octet-stream")

    assert put(0, audio[:20000]).json()["offset"] == 20000
    # the connection broke; the client sends the next chunk from where it thinks it was: refused with the real offset
    wrong = put(30000, audio[30000:40000])
    assert wrong.status_code == 409 and wrong.json()["code"] == "offset_mismatch" and "20000" in wrong.json()["message"]
    assert as_therapist.get(url).json()["offset"] == 20000
    early = as_therapist.post(f"{url}/complete")
    assert early.status_code == 409 and early.json()["code"] == "upload_incomplete"
    assert put(20000, audio[20000:]).json()["offset"] == len(audio)
    done = as_therapist.post(f"{url}/complete")
    assert (
        done.status_code == 201
        and done.json()["contentType"] == "audio/wav"
        and abs(done.json()["durationSeconds"] - 2) < 0.1
    )


def test_retention_keeps_the_audio_n_days_then_the_purge_deletes_it(as_therapist, clinic, gemini, run_jobs):
    PracticeAISettings.objects.filter(practice=clinic.practice).update(recording_retention_days=7)
    _pipeline(as_therapist, clinic, gemini, run_jobs)
    recording = Recording.objects.get()
    assert recording.audio and recording.audio_deleted_at is None
    assert recordings.purge_due() == 0
    assert recordings.purge_due(now=timezone.now() + timedelta(days=8)) == 1
    recording.refresh_from_db()
    assert not recording.audio and recording.audio_deleted_at is not None
    assert Transcript.objects.filter(session=clinic).exists()
    assert LogEntry.objects.filter(object_pk=str(recording.pk), changes__icontains="audio_deleted_at").exists()


def test_a_worker_killed_mid_transcription_is_retried_and_charged_once(
    as_therapist, clinic, gemini, run_jobs, settings
):
    settings.JOBS_STALLED_AFTER_SECONDS = 1
    gemini.hang(60)  # the provider takes its time: the worker is in the middle of the job
    start = _balance(clinic.practice)
    recording_id = upload(as_therapist, clinic.id, tone("ogg")).json()["id"]
    process = worker(
        "--queues",
        "ai",
        GEMINI_API_KEY="test-key",
        GEMINI_BASE_URL=gemini.url,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        AI_TIMEOUT_SECONDS="120",
    )
    try:
        wait_for(lambda: any(r["body"] and "generateContent" in r["path"] for r in gemini.requests), timeout=60)
        assert Recording.objects.get().status == "transcribing"
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        process.kill()
    assert [j["status"] for j in jobs(task_name="ai_reports.tasks.transcribe_recording")] == ["doing"]

    time.sleep(settings.JOBS_STALLED_AFTER_SECONDS + 1)
    gemini._script.clear()
    gemini.reply(json.dumps(SEGMENTS), 100, 100)
    gemini.reply(json.dumps(ANALYSIS), 100, 100)
    retry_stalled(run_jobs)
    status = as_therapist.get(f"/api/sessions/{clinic.id}/recordings/{recording_id}").json()
    assert status["status"] == "done"
    assert CreditLedgerEntry.objects.filter(kind=EntryKind.USAGE, operation="transcription").count() == 1
    assert CreditLedgerEntry.objects.filter(kind=EntryKind.RESERVATION, operation="transcription").count() == 1
    transcription_cost = -CreditLedgerEntry.objects.get(kind=EntryKind.USAGE, operation="transcription").amount
    analysis_cost = -CreditLedgerEntry.objects.get(kind=EntryKind.USAGE, operation="session_summary").amount
    assert _balance(clinic.practice) == start - transcription_cost - analysis_cost


def test_the_demo_shows_a_transcript_analysed_by_the_worker_without_a_key(settings, run_jobs, client_for):
    settings.DEBUG, settings.GEMINI_API_KEY = True, ""
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: one demo transcript
    transcript = Transcript.objects.get()
    assert transcript.analysis is None and Recording.objects.get().status == "analyzing"
    run_jobs()  # what `make run`'s worker does on start
    therapist = Membership.objects.get(user_id=transcript.recording.uploaded_by_id)
    body = client_for(therapist).get(f"/api/sessions/{transcript.session_id}/transcript").json()
    assert (
        body["analysis"]["model"] == "offline"
        and "respiración" in " ".join(body["analysis"]["keywords"]) + body["analysis"]["draftNote"]
    )
    assert Recording.objects.get().status == "done"


def test_the_recordings_list_does_not_grow_in_queries(as_therapist, clinic, gemini, django_assert_max_num_queries):
    url = f"/api/sessions/{clinic.id}/recordings"
    assert upload(as_therapist, clinic.id, tone("ogg", 1.0)).status_code == 201
    connection.queries_log.clear()  # the uploads' queries filled the log's window
    with CaptureQueriesContext(connection) as one:
        assert len(as_therapist.get(url).json()) == 1
    queries_for_one = len(one.captured_queries)  # a view on the connection's log: read it now
    assert queries_for_one <= 12
    for seconds in (1.5, 2.0, 2.5, 3.0):
        assert upload(as_therapist, clinic.id, tone("ogg", seconds)).status_code == 201
    connection.queries_log.clear()
    with django_assert_max_num_queries(queries_for_one):
        assert len(as_therapist.get(url).json()) == 5


def test_risk_mentions_point_to_their_segment(as_therapist, clinic, gemini, run_jobs):
    gemini.reply(
        json.dumps(
            {
                "segments": [
                    {"speaker": "therapist", "start": 0, "end": 1, "text": "¿Cómo has estado?"},
                    {"speaker": "patient", "start": 1, "end": 2, "text": "A veces pienso en quitarme la vida."},
                ]
            }
        ),
        100,
        100,
    )
    gemini.reply(
        json.dumps(
            {
                **ANALYSIS,
                "risks": [
                    {"type": "suicide", "segment": 1, "quote": "pienso en quitarme la vida"},
                    {"type": "otro", "segment": 99, "quote": "x"},
                ],
            }
        ),
        100,
        100,
    )
    assert upload(as_therapist, clinic.id, tone()).status_code == 201
    run_jobs()
    risks = as_therapist.get(f"/api/sessions/{clinic.id}/transcript").json()["analysis"]["risks"]
    assert risks[0] == {"type": "suicide", "segment": 1, "quote": "pienso en quitarme la vida"}
    assert risks[1]["segment"] is None  # a segment that does not exist is not pointed at


def test_offline_analysis_flags_risk_words(settings):
    analysis = prompts.analysis_offline(
        [
            {"speaker": "patient", "start": 0, "end": 1, "text": "Dormí mejor esta semana."},
            {"speaker": "patient", "start": 1, "end": 2, "text": "Pero a veces me hago daño cuando discuto."},
        ],
        "soap",
    )
    assert analysis["risks"] == [
        {"type": "self_harm", "segment": 1, "quote": "Pero a veces me hago daño cuando discuto."}
    ]
    assert analysis["draftNote"].startswith("## S (Subjetivo)")
