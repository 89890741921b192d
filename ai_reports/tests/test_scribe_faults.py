"""The scribe under faults, retries and second thoughts (issue 30): each finding of the probe as
the request that reproduced it, with the real google-genai SDK against the fake Gemini server and
jobs through a real Procrastinate worker (`run_jobs` runs it only when the test says: a paused
worker is a worker not yet run)."""

import json
import signal
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from ai_reports.models import PracticeAISettings, Recording, RecordingConsent, RecordingUpload, Transcript
from ai_reports.services import recordings
from ai_reports.tasks import expire_recording_uploads
from ai_reports.tests.test_recordings import ANALYSIS, SEGMENTS, clinic, gemini, tone, upload  # noqa: F401 (fixtures)
from billing import services as billing
from billing.choices import EntryKind
from billing.models import CreditLedgerEntry
from scheduling.tests.test_api_records import s3  # noqa: F401 (fixture)
from sessai.tests.workers import due_now, jobs, retry_stalled, wait_for, worker

pytestmark = pytest.mark.django_db(transaction=True)


def _status(client, session, recording_id) -> dict:
    return client.get(f"/api/sessions/{session.id}/recordings/{recording_id}").json()


def _generate_requests(fake) -> list[dict]:
    return [r for r in fake.requests if r["body"] and "generateContent" in r["path"]]


def _uploads_to_provider(fake) -> int:
    return sum(1 for r in fake.requests if r["path"].startswith("/upload/"))


def _run_with_retries(run_jobs, rounds=4):
    for _ in range(rounds):
        run_jobs()
        due_now()


# --- 1. A recording always ends `done` or `failed` --------------------------------------------------


def test_a_failed_analysis_fails_the_recording_and_retries_from_the_analysis(
    as_therapist, clinic, gemini, run_jobs, settings
):  # noqa: F811
    settings.AI_RETRY_ATTEMPTS = 1
    start = billing.balance(clinic.practice)
    gemini.reply(json.dumps(SEGMENTS), 100, 100)
    gemini.fail(503, times=50)  # the provider answers 503 to the analysis only
    recording_id = upload(as_therapist, clinic.id, tone()).json()["id"]
    _run_with_retries(run_jobs)
    status = _status(as_therapist, clinic, recording_id)
    assert status["status"] == "failed" and "analizar" in status["error"] and "puedes reintentarlo" in status["error"]
    analysis_request = _generate_requests(gemini)[1]["body"]["generationConfig"]
    assert analysis_request["responseMimeType"] == "application/json" and "responseSchema" in analysis_request
    transcription_cost = -CreditLedgerEntry.objects.get(kind=EntryKind.USAGE, operation="transcription").amount
    assert billing.balance(clinic.practice) == start - transcription_cost  # the analysis's holds were all released
    assert Transcript.objects.get(session=clinic).analysis is None

    gemini._script.clear()
    retried = as_therapist.post(f"/api/sessions/{clinic.id}/recordings/{recording_id}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "analyzing"
    gemini.reply(json.dumps(ANALYSIS), 100, 100)
    run_jobs()
    assert _status(as_therapist, clinic, recording_id)["status"] == "done"
    assert (
        CreditLedgerEntry.objects.filter(kind=EntryKind.USAGE, operation="transcription").count() == 1
    )  # not transcribed again
    assert _uploads_to_provider(gemini) == 2  # the audio went once (start + bytes)


def test_an_answer_that_is_not_json_fails_the_analysis(as_therapist, clinic, gemini, run_jobs):  # noqa: F811
    gemini.reply(json.dumps(SEGMENTS), 100, 100)
    for _ in range(recordings.ANALYZE_ATTEMPTS):
        gemini.reply("Claro, aquí va el análisis: la sesión fue buena.", 100, 100)
    recording_id = upload(as_therapist, clinic.id, tone()).json()["id"]
    _run_with_retries(run_jobs)
    status = _status(as_therapist, clinic, recording_id)
    assert status["status"] == "failed" and "analizar" in status["error"]
    assert len(_generate_requests(gemini)) == 1 + recordings.ANALYZE_ATTEMPTS  # 3 runs of the analysis, no more


def test_no_credits_for_the_analysis_fails_it_with_its_reason(as_therapist, clinic, gemini, run_jobs):  # noqa: F811
    gemini.reply(json.dumps(SEGMENTS), 100, 100)
    recording_id = upload(as_therapist, clinic.id, tone()).json()["id"]
    left = billing.balance(clinic.practice)  # what remains beside the transcription's hold
    billing.credits_grant(practice=clinic.practice, amount=-left, reason="prueba")
    run_jobs()
    status = _status(as_therapist, clinic, recording_id)
    assert status["status"] == "failed" and "créditos suficientes para analizar" in status["error"]
    assert len(_generate_requests(gemini)) == 1  # the analysis was never sent
    assert billing.balance(clinic.practice) == Decimal("0")


# --- 2. Nothing leaves after consent is withdrawn or the patient opposes ------------------------------


@pytest.mark.parametrize("second_thought", ["withdraw consent", "oppose ai", "transcription off"])
def test_queued_audio_is_not_sent_after_a_second_thought(
    as_therapist, as_admin, clinic, gemini, run_jobs, second_thought
):  # noqa: F811
    start = billing.balance(clinic.practice)
    answer = upload(as_therapist, clinic.id, tone())
    assert answer.status_code == 201  # the worker has not run yet
    if second_thought == "withdraw consent":
        assert as_therapist.delete(f"/api/patients/{clinic.patient_id}/recording-consent").json()["active"] is False
    elif second_thought == "oppose ai":
        assert (
            as_therapist.patch(f"/api/patients/{clinic.patient_id}", {"aiProcessing": False}, format="json").status_code
            == 200
        )
    else:
        PracticeAISettings.objects.filter(practice=clinic.practice).update(audio_transcription=False)
    run_jobs()
    status = _status(as_therapist, clinic, answer.json()["id"])
    assert status["status"] == "failed" and status["error"]
    assert gemini.requests == []  # not one byte reached the provider
    assert billing.balance(clinic.practice) == start  # the hold was released


def test_consent_withdrawn_before_the_analysis_stops_it(as_therapist, clinic, gemini, run_jobs):  # noqa: F811
    gemini.reply(json.dumps(SEGMENTS), 100, 100)
    recording_id = upload(as_therapist, clinic.id, tone()).json()["id"]
    # the worker transcribes, then stops before the analysis it queued (the job body, as the worker runs it)
    recordings.transcribe(recording_id=recording_id, last_attempt=True)
    assert Recording.objects.get(pk=recording_id).status == "analyzing"
    as_therapist.delete(f"/api/patients/{clinic.patient_id}/recording-consent")
    run_jobs()  # the worker resumes: the queued transcription finds its work done, the analysis is refused
    status = _status(as_therapist, clinic, recording_id)
    assert status["status"] == "failed" and "consentimiento" in status["error"]
    assert len(_generate_requests(gemini)) == 1  # the transcription only


# --- 3. A second recording never drops the therapist's edits ------------------------------------------


def test_a_second_recording_over_an_edited_transcript_is_refused(as_therapist, clinic, gemini, run_jobs):  # noqa: F811
    gemini.reply(json.dumps(SEGMENTS), 100, 100)
    gemini.reply(json.dumps(ANALYSIS), 100, 100)
    upload(as_therapist, clinic.id, tone("webm"))
    run_jobs()
    edited = as_therapist.patch(
        f"/api/sessions/{clinic.id}/transcript/segments/1", {"text": "Hablé con mi jefe."}, format="json"
    )
    assert edited.status_code == 200
    second = upload(as_therapist, clinic.id, tone("ogg"))
    assert second.status_code == 409 and second.json()["code"] == "transcript_edited"
    resumable = as_therapist.post(f"/api/sessions/{clinic.id}/recording-uploads", {"size": 1000}, format="json")
    assert resumable.status_code == 409 and resumable.json()["code"] == "transcript_edited"
    availability = as_therapist.get(f"/api/sessions/{clinic.id}/recording-availability").json()
    assert availability == {"available": False, "code": "transcript_edited", "message": second.json()["message"]}
    segments = as_therapist.get(f"/api/sessions/{clinic.id}/transcript").json()["segments"]
    assert segments[1]["text"] == "Hablé con mi jefe." and segments[1]["edited"] is True
    assert Recording.objects.count() == 1


def test_an_unedited_transcript_is_replaced_by_the_next_recording(as_therapist, clinic, gemini, run_jobs):  # noqa: F811
    gemini.reply(json.dumps(SEGMENTS), 100, 100)
    gemini.reply(json.dumps(ANALYSIS), 100, 100)
    upload(as_therapist, clinic.id, tone("webm"))
    run_jobs()
    gemini.reply(
        json.dumps({"segments": [{"speaker": "patient", "start": 0, "end": 1, "text": "Otra toma."}]}), 100, 100
    )
    gemini.reply(json.dumps(ANALYSIS), 100, 100)
    second = upload(as_therapist, clinic.id, tone("ogg"))
    assert second.status_code == 201
    run_jobs()
    transcript = Transcript.objects.get(session=clinic)
    assert str(transcript.recording_id) == second.json()["id"] and transcript.segments[0]["text"] == "Otra toma."


# --- 4–6. Uploads: idempotent, concurrent-safe, cancellable, expiring ----------------------------------


def _at_once(*calls):
    results = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_the_same_file_twice_at_once_is_one_recording(client_for, therapist_member, clinic, gemini):  # noqa: F811
    audio = tone("wav", 2.0)
    answers = _at_once(*(lambda: upload(client_for(therapist_member), clinic.id, audio) for _ in range(2)))
    assert sorted(a.status_code for a in answers) == [200, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"] and Recording.objects.count() == 1
    assert CreditLedgerEntry.objects.filter(kind=EntryKind.RESERVATION, operation="transcription").count() == 1


def _resumable(client, session, audio) -> str:
    base = f"/api/sessions/{session.id}/recording-uploads"
    url = f"{base}/{client.post(base, {'size': len(audio)}, format='json').json()['id']}"
    put = client.generic("PUT", f"{url}?offset=0", audio, content_type="application/octet-stream")
    assert put.status_code == 200 and put.json()["offset"] == len(audio)
    return url


def test_complete_twice_at_once_and_again_later_is_the_same_recording(client_for, therapist_member, clinic, gemini):  # noqa: F811
    audio = tone("wav", 2.0)
    url = _resumable(client_for(therapist_member), clinic, audio)
    answers = _at_once(*(lambda: client_for(therapist_member).post(f"{url}/complete") for _ in range(2)))
    assert sorted(a.status_code for a in answers) == [200, 201], [a.json() for a in answers]
    again = client_for(therapist_member).post(f"{url}/complete")  # a client retrying after a lost answer
    assert again.status_code == 200 and again.json()["id"] == answers[0].json()["id"] == answers[1].json()["id"]
    late = client_for(therapist_member).generic(
        "PUT", f"{url}?offset={len(audio)}", b"", content_type="application/octet-stream", CONTENT_LENGTH="0"
    )  # what a client sends for an empty chunk
    assert late.status_code == 409 and late.json()["code"] == "upload_completed"
    assert Recording.objects.count() == 1


def test_an_upload_is_cancelled_and_abandoned_ones_expire(as_therapist, clinic, gemini, settings):  # noqa: F811
    audio = tone("wav", 2.0)
    base = f"/api/sessions/{clinic.id}/recording-uploads"
    first = as_therapist.post(base, {"size": len(audio)}, format="json").json()["id"]
    as_therapist.generic("PUT", f"{base}/{first}?offset=0", audio[:5000], content_type="application/octet-stream")
    assert recordings.staged_bytes(first) == 5000
    cancelled = as_therapist.delete(f"{base}/{first}")
    assert (
        cancelled.status_code == 204
        and recordings.staged_bytes(first) == 0
        and not RecordingUpload.objects.filter(pk=first).exists()
    )
    assert as_therapist.get(f"{base}/{first}").status_code == 404

    second = as_therapist.post(base, {"size": len(audio)}, format="json").json()["id"]
    as_therapist.generic("PUT", f"{base}/{second}?offset=0", audio[:5000], content_type="application/octet-stream")
    assert recordings.uploads_expire() == 0  # fresh: kept
    assert (
        recordings.uploads_expire(
            now=timezone.now() + timedelta(hours=settings.RECORDING_UPLOAD_EXPIRY_HOURS, minutes=1)
        )
        == 1
    )
    assert recordings.staged_bytes(second) == 0


def test_a_chunk_past_the_end_says_the_declared_size(as_therapist, clinic, gemini):  # noqa: F811
    base = f"/api/sessions/{clinic.id}/recording-uploads"
    upload_id = as_therapist.post(base, {"size": 100}, format="json").json()["id"]
    assert (
        as_therapist.generic(
            "PUT", f"{base}/{upload_id}?offset=0", b"x" * 100, content_type="application/octet-stream"
        ).status_code
        == 200
    )
    past = as_therapist.generic("PUT", f"{base}/{upload_id}?offset=100", b"x", content_type="application/octet-stream")
    assert (
        past.status_code == 413
        and "(100 bytes)" in past.json()["message"]
        and "de 0 bytes" not in past.json()["message"]
    )


# --- 8. A killed attempt's provider file is deleted by the next one ---------------------------------


def test_the_next_attempt_deletes_what_a_killed_one_left_at_the_provider(as_therapist, clinic, gemini, run_jobs):  # noqa: F811
    gemini.files["files/left-behind"] = {"bytes": b"audio", "mime": "audio/webm", "polls": 0, "deleted": False}
    recording_id = upload(as_therapist, clinic.id, tone()).json()["id"]
    Recording.objects.filter(pk=recording_id).update(provider_files=["files/left-behind"])  # as a SIGKILL leaves it
    gemini.reply(json.dumps(SEGMENTS), 100, 100)
    gemini.reply(json.dumps(ANALYSIS), 100, 100)
    run_jobs()
    assert gemini.files["files/left-behind"]["deleted"] is True
    recording = Recording.objects.get(pk=recording_id)
    assert recording.status == "done" and recording.provider_files == []
    assert all(entry["deleted"] for entry in gemini.files.values())


# --- Docs and API for the UI ---------------------------------------------------------------------------


def test_consent_with_none_is_inactive_and_availability_says_why(
    as_therapist, as_assistant, as_other_admin, api, clinic, gemini
):  # noqa: F811
    first = as_therapist.delete(f"/api/patients/{clinic.patient_id}/recording-consent")
    again = as_therapist.delete(
        f"/api/patients/{clinic.patient_id}/recording-consent"
    )  # idempotent: nothing left to withdraw
    assert (first.status_code, again.status_code) == (200, 200) and first.json() == again.json()
    assert again.json()["active"] is False and again.json()["withdrawnAt"]
    RecordingConsent.objects.all().delete()
    state = as_therapist.get(f"/api/patients/{clinic.patient_id}/recording-consent")
    assert state.status_code == 200 and state.json()["active"] is False and state.json()["id"] is None
    assert as_therapist.delete(f"/api/patients/{clinic.patient_id}/recording-consent").json() == state.json()
    url = f"/api/sessions/{clinic.id}/recording-availability"
    body = as_therapist.get(url).json()
    assert body["available"] is False and body["code"] == "consent_required" and "consentimiento" in body["message"]
    assert api.get(url).status_code == 401
    assert as_assistant.get(url).status_code == 403
    assert as_other_admin.get(url).status_code == 404
    as_therapist.post(f"/api/patients/{clinic.patient_id}/recording-consent", {}, format="json")
    assert as_therapist.get(url).json() == {"available": True, "code": None, "message": None}


def test_the_upload_cancel_is_for_clinical_roles_of_the_practice(
    as_assistant, as_other_admin, api, as_therapist, clinic, gemini
):  # noqa: F811
    base = f"/api/sessions/{clinic.id}/recording-uploads"
    upload_id = as_therapist.post(base, {"size": 100}, format="json").json()["id"]
    assert api.delete(f"{base}/{upload_id}").status_code == 401
    assert as_assistant.delete(f"{base}/{upload_id}").status_code == 403
    assert as_other_admin.delete(f"{base}/{upload_id}").status_code == 404
    assert RecordingUpload.objects.filter(pk=upload_id).exists()


def test_the_hourly_expiry_runs_in_the_worker(as_therapist, clinic, gemini, run_jobs, settings):  # noqa: F811
    base = f"/api/sessions/{clinic.id}/recording-uploads"
    upload_id = as_therapist.post(base, {"size": 1000}, format="json").json()["id"]
    as_therapist.generic("PUT", f"{base}/{upload_id}?offset=0", b"x" * 500, content_type="application/octet-stream")
    RecordingUpload.objects.filter(pk=upload_id).update(
        created_at=timezone.now() - timedelta(hours=settings.RECORDING_UPLOAD_EXPIRY_HOURS + 1)
    )
    expire_recording_uploads.defer(timestamp=int(timezone.now().timestamp()))  # what the periodic tick defers
    run_jobs()
    assert not RecordingUpload.objects.filter(pk=upload_id).exists()
    assert recordings.staged_bytes(upload_id) == 0


def test_a_worker_killed_mid_analysis_is_retried_and_the_analysis_charged_once(
    as_therapist, clinic, gemini, run_jobs, settings
):  # noqa: F811
    """The analysis job through a real worker process, killed while the provider answers, then
    found stalled and run again: the recording ends `done`, the transcript analysed once."""
    settings.JOBS_STALLED_AFTER_SECONDS = 1
    start = billing.balance(clinic.practice)
    gemini.reply(json.dumps(SEGMENTS), 100, 100)
    recording_id = upload(as_therapist, clinic.id, tone()).json()["id"]
    recordings.transcribe(
        recording_id=recording_id, last_attempt=True
    )  # the transcription, done; its job queued the analysis
    gemini.hang(60)  # the analysis takes its time: the worker is in the middle of it
    process = worker(
        "--queues",
        "ai",
        GEMINI_API_KEY="test-key",
        GEMINI_BASE_URL=gemini.url,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        AI_TIMEOUT_SECONDS="120",
    )
    try:
        wait_for(lambda: len(_generate_requests(gemini)) == 2, timeout=60)
        assert Recording.objects.get(pk=recording_id).status == "analyzing"
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        process.kill()
    assert "doing" in [j["status"] for j in jobs(task_name="ai_reports.tasks.analyze_transcript")]
    time.sleep(settings.JOBS_STALLED_AFTER_SECONDS + 1)
    gemini._script.clear()
    gemini.reply(json.dumps(ANALYSIS), 100, 100)
    retry_stalled(run_jobs)
    assert _status(as_therapist, clinic, recording_id)["status"] == "done"
    assert Transcript.objects.get(session=clinic).analysis["sentiment"]["label"] == "positivo"
    assert CreditLedgerEntry.objects.filter(kind=EntryKind.USAGE, operation="session_summary").count() == 1
    assert CreditLedgerEntry.objects.filter(kind=EntryKind.USAGE, operation="transcription").count() == 1
    # the killed run's hold is given back by the sweep of stale holds; the balance pays the two uses only
    assert (
        billing.holds_release_stale(now=timezone.now() + timedelta(seconds=settings.CREDITS_HOLD_MAX_SECONDS + 1)) == 1
    )
    used = -sum(e.amount for e in CreditLedgerEntry.objects.filter(kind=EntryKind.USAGE))
    assert billing.balance(clinic.practice) == start - used


def test_an_upload_started_on_one_host_continues_and_completes_on_others(
    as_therapist, clinic, gemini, s3, settings, tmp_path
):  # noqa: F811
    """Three web hosts, each with its own disk, one bucket: the chunks go to the storage, so the
    host that takes the next chunk, or the completion, needs nothing the previous one kept."""
    audio = tone("wav", 2.0)
    base = f"/api/sessions/{clinic.id}/recording-uploads"
    upload_id = as_therapist.post(base, {"size": len(audio)}, format="json").json()["id"]
    half = len(audio) // 2

    def on_host(name):
        settings.MEDIA_ROOT = tmp_path / name / "media"
        settings.RECORDING_STAGING_DIR = tmp_path / name / "staging"

    on_host("a")
    first = as_therapist.generic(
        "PUT", f"{base}/{upload_id}?offset=0", audio[:half], content_type="application/octet-stream"
    )
    assert first.status_code == 200 and first.json()["offset"] == half
    on_host("b")
    second = as_therapist.generic(
        "PUT", f"{base}/{upload_id}?offset={half}", audio[half:], content_type="application/octet-stream"
    )
    assert second.status_code == 200 and second.json()["offset"] == len(audio)
    on_host("c")
    done = as_therapist.post(f"{base}/{upload_id}/complete")
    assert done.status_code == 201, done.json()
    recording = Recording.objects.get(pk=done.json()["id"])
    stored = s3.get_object(Bucket="sessai-test", Key=recording.audio.name)["Body"].read()
    assert stored == audio and abs(done.json()["durationSeconds"] - 2) < 0.1
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="sessai-test").get("Contents", [])]
    assert keys == [recording.audio.name]  # the chunks are gone once the recording holds the audio
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []  # nothing left on any host's disk
