"""The resumable upload through tus 1.0 (creation, termination, expiration): a real tus client
(tuspy) against the live server, and the protocol's answers one by one."""

import io

import pytest
from tusclient import client as tus

from accounts.tests.factories import login_tokens
from ai_reports.models import Recording, RecordingUpload
from ai_reports.services import recordings
from ai_reports.tests.test_recordings import clinic, gemini, tone  # noqa: F401 (fixtures)

TUS = {"Tus-Resumable": "1.0.0"}
CHUNK = "application/offset+octet-stream"


def _base(session) -> str:
    return f"/api/sessions/{session.id}/tus-uploads"


def test_a_tus_client_uploads_in_chunks_resumes_with_a_new_client_and_the_upload_completes(
    live_server, clinic, gemini, therapist_member, as_therapist
):  # noqa: F811
    audio = tone("wav", 2.0)
    token = login_tokens(therapist_member.user)["access_token"]
    url = f"{live_server.url}{_base(clinic)}"
    first = tus.TusClient(url, headers={"Authorization": f"Bearer {token}"})
    uploader = first.uploader(file_stream=io.BytesIO(audio), chunk_size=40_000)
    uploader.upload_chunk()  # the creation and one chunk, then the "connection" is gone
    assert uploader.url.startswith(url + "/") and RecordingUpload.objects.get().offset == 40_000

    second = tus.TusClient(url, headers={"Authorization": f"Bearer {token}"})  # a new client, same upload URL
    resumed = second.uploader(file_stream=io.BytesIO(audio), chunk_size=40_000, url=uploader.url)
    assert resumed.get_offset() == 40_000  # HEAD
    resumed.upload()
    upload = RecordingUpload.objects.get()
    assert upload.offset == upload.size == len(audio)

    done = as_therapist.post(f"/api/sessions/{clinic.id}/recording-uploads/{upload.pk}/complete")
    assert done.status_code == 201, done.json()
    recording = Recording.objects.get(pk=done.json()["id"])
    assert recording.audio.read() == audio and abs(done.json()["durationSeconds"] - 2) < 0.1
    assert recordings.staged_bytes(upload.pk) == 0


def test_the_protocol_answers(as_therapist, clinic, gemini, settings):  # noqa: F811
    base = _base(clinic)
    options = as_therapist.options(base)
    assert options.status_code == 204 and options["Tus-Version"] == "1.0.0"
    assert options["Tus-Extension"] == "creation,termination,expiration"
    assert int(options["Tus-Max-Size"]) == settings.RECORDING_MAX_BYTES

    refused = as_therapist.post(base, HTTP_UPLOAD_LENGTH="100")  # no Tus-Resumable
    assert refused.status_code == 412 and refused["Tus-Version"] == "1.0.0"
    assert refused.json()["message"] == "Versión del protocolo tus no soportada: envía `Tus-Resumable: 1.0.0`."
    for length in (None, "0", "mucho"):
        headers = {"HTTP_TUS_RESUMABLE": "1.0.0", **({"HTTP_UPLOAD_LENGTH": length} if length else {})}
        bad = as_therapist.post(base, **headers)
        assert bad.status_code == 400 and "Upload-Length" in bad.json()["errors"], length
    too_big = as_therapist.post(
        base, HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_LENGTH=str(settings.RECORDING_MAX_BYTES + 1)
    )
    assert too_big.status_code == 413
    assert not RecordingUpload.objects.exists()  # nothing half-made

    created = as_therapist.post(base, HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_LENGTH="100")
    assert created.status_code == 201 and created["Tus-Resumable"] == "1.0.0" and created["Upload-Expires"]
    location = created["Location"]
    path = location.split("testserver", 1)[1]
    head = as_therapist.head(path, HTTP_TUS_RESUMABLE="1.0.0")
    assert (head.status_code, head["Upload-Offset"], head["Upload-Length"]) == (200, "0", "100")
    assert head["Cache-Control"] == "no-store"

    wrong_type = as_therapist.generic(
        "PATCH",
        path,
        b"x" * 10,
        content_type="application/octet-stream",
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_OFFSET="0",
    )
    assert wrong_type.status_code == 415
    sent = as_therapist.generic(
        "PATCH", path, b"x" * 60, content_type=CHUNK, HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_OFFSET="0"
    )
    assert sent.status_code == 204 and sent["Upload-Offset"] == "60"
    behind = as_therapist.generic(
        "PATCH", path, b"x" * 10, content_type=CHUNK, HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_OFFSET="0"
    )
    assert behind.status_code == 409 and behind.json()["code"] == "offset_mismatch"
    no_offset = as_therapist.generic("PATCH", path, b"x", content_type=CHUNK, HTTP_TUS_RESUMABLE="1.0.0")
    assert no_offset.status_code == 400 and "Upload-Offset" in no_offset.json()["errors"]
    past_end = as_therapist.generic(
        "PATCH", path, b"x" * 50, content_type=CHUNK, HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_OFFSET="60"
    )
    assert past_end.status_code == 413

    upload_id = path.rsplit("/", 1)[1]
    assert recordings.staged_bytes(upload_id) == 60
    gone = as_therapist.delete(path, HTTP_TUS_RESUMABLE="1.0.0")
    assert gone.status_code == 204 and recordings.staged_bytes(upload_id) == 0
    assert as_therapist.head(path, HTTP_TUS_RESUMABLE="1.0.0").status_code == 404


@pytest.mark.parametrize("method", ["post", "head", "patch", "delete"])
def test_no_token_wrong_role_and_another_practice(
    method, api, as_assistant, as_other_admin, clinic, gemini, therapist_member
):  # noqa: F811
    upload = RecordingUpload.objects.create(
        practice=clinic.practice, session=clinic, created_by=therapist_member.user, size=100
    )
    path = _base(clinic) if method == "post" else f"{_base(clinic)}/{upload.pk}"
    headers = {"HTTP_TUS_RESUMABLE": "1.0.0", "HTTP_UPLOAD_LENGTH": "100", "HTTP_UPLOAD_OFFSET": "0"}

    def call(client):
        if method == "patch":
            return client.generic("PATCH", path, b"x", content_type=CHUNK, **headers)
        return getattr(client, method)(path, **headers)

    assert call(api).status_code == 401
    assert call(as_assistant).status_code == 403
    assert call(as_other_admin).status_code == 404
    assert RecordingUpload.objects.count() == 1 and RecordingUpload.objects.get().offset == 0
