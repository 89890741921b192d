"""Recorded sessions: consent, upload (direct or resumable), transcription and analysis jobs,
retention.

The request measures the audio (PyAV decodes the container's packets), reserves the credits for
its minutes and queues the transcription; the jobs do the rest. Each job is safe to run twice:
the transcript, its charge and the status change commit together, and a job that finds its work
done does nothing.
"""

import hashlib
import json
import logging
import math
import os
import shutil
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import av
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from ai_reports import prompts
from ai_reports.choices import RecordingStatus, Speaker
from ai_reports.models import PracticeAISettings, Recording, RecordingConsent, RecordingUpload, Transcript
from ai_reports.providers import AITask, ProviderBadAnswer, ProviderUnavailable, get_provider
from ai_reports.services.reports import (
    _run,
    ai_processing_check,
    ai_settings_row,
    practice_tier,
    price_for,
    redactor_for,
)
from billing import services as billing
from billing.choices import Operation
from patients.models import Patient
from scheduling.services.records import session_note_set
from sessai.errors import Conflict, NotFound, PayloadTooLarge, ValidationFailed
from sessai.files import too_large
from sessai.jobs import defer_on_commit

logger = logging.getLogger("sessai.recordings")

# PyAV's container names → the type we store and send.
AUDIO_FORMATS = {
    "matroska,webm": "audio/webm",
    "ogg": "audio/ogg",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "mov,mp4,m4a,3gp,3g2,mj2": "audio/mp4",
}
NOT_AUDIO = _("El archivo no es un audio válido (se aceptan WebM, Ogg, MP3, M4A/MP4 y WAV).")
TOO_LONG = _("La grabación dura más de %(hours)s horas, el máximo permitido.")
CONSENT_REQUIRED = _("El paciente no ha dado su consentimiento para grabar las sesiones.")
NO_CONSENT_TO_WITHDRAW = _("El paciente no tiene un consentimiento de grabación vigente.")
TRANSCRIPTION_OFF = _("La transcripción de audio está desactivada en la configuración de IA de la consulta.")
NO_PROVIDER = _(
    "La transcripción de audio requiere el servicio de IA, que no está configurado. No se cobraron créditos."
)
SIGNED = _("El registro está firmado y no se puede modificar. Agrega una adenda.")
TRANSCRIBE_FAILED = _("No se pudo transcribir la grabación. No se cobraron créditos; puedes reintentar.")
BAD_OFFSET = _("El fragmento no empieza donde termina lo recibido (%(offset)d bytes).")
UPLOAD_INCOMPLETE = _("Faltan bytes: se recibieron %(offset)d de %(size)d.")
NO_TRANSCRIPT = _("La sesión no tiene transcripción.")
NO_DRAFT = _("La transcripción todavía no tiene una nota sugerida.")
BAD_SEGMENT = _("No existe ese segmento.")
NOT_FAILED = _("Solo se puede reintentar una grabación fallida.")
ANALYZE_FAILED = _(
    "No se pudo analizar la transcripción, que está lista. El análisis no se cobró; puedes reintentarlo."
)
ANALYSIS_NO_CREDITS = _(
    "No hay créditos suficientes para analizar la transcripción, que está lista. Recarga créditos y reintenta."
)
CONSENT_WITHDRAWN = _(
    "El paciente no tiene un consentimiento de grabación vigente: no se envió nada al servicio de IA y no se cobraron créditos."
)
TRANSCRIPT_EDITED = _(
    "La transcripción de esta sesión tiene correcciones. Una nueva grabación la reemplazaría, así que no se aceptó."
)
UPLOAD_DONE = _("Esta subida ya se completó.")
CHUNK_PAST_END = _("El fragmento termina después del tamaño declarado de la subida (%(size)d bytes).")

TRANSCRIBE_ATTEMPTS = 3  # job runs for a transcription (each with the SDK's own retries)
ANALYZE_ATTEMPTS = 3  # job runs for an analysis
FILE_ACTIVE_TIMEOUT = 300  # seconds the provider may take to process an uploaded file


# --- Settings and consent ----------------------------------------------------------------------


def active_consent(patient) -> RecordingConsent | None:
    return RecordingConsent.objects.filter(patient=patient, withdrawn_at__isnull=True).first()


@transaction.atomic
def consent_register(*, patient, membership, text_version: str) -> RecordingConsent:
    current = active_consent(patient)
    if current is not None:
        return current
    return RecordingConsent.objects.create(
        practice=membership.practice, patient=patient, text_version=text_version, registered_by=membership.user
    )


@transaction.atomic
def consent_withdraw(*, patient, membership) -> RecordingConsent:
    current = RecordingConsent.objects.select_for_update().filter(patient=patient, withdrawn_at__isnull=True).first()
    if current is None:
        raise NotFound(NO_CONSENT_TO_WITHDRAW)
    current.withdrawn_at, current.withdrawn_by = timezone.now(), membership.user
    current.save(update_fields=["withdrawn_at", "withdrawn_by"])
    return current


def consent_signed_by_patient(sender=None, *, consent, **kwargs) -> RecordingConsent:
    """The patient signed a recording consent on their link: it is the one the scribe checks
    (registered in the name of whoever sent the link)."""
    current = (
        RecordingConsent.objects.select_for_update()
        .filter(patient_id=consent.patient_id, withdrawn_at__isnull=True)
        .first()
    )
    if current is not None:
        return current
    return RecordingConsent.objects.create(
        practice_id=consent.practice_id,
        patient_id=consent.patient_id,
        text_version=consent.text_version,
        registered_by_id=consent.sent_by_id,
        signed_consent=consent,
    )


def consent_revoked_by_patient(sender=None, *, consent, **kwargs) -> None:
    """Revoking the signed form withdraws the recording consent: later uploads are refused."""
    for current in RecordingConsent.objects.select_for_update().filter(
        patient_id=consent.patient_id, withdrawn_at__isnull=True
    ):
        current.withdrawn_at = timezone.now()
        current.save(update_fields=["withdrawn_at"])  # audited, like a member's withdrawal


# --- Measuring audio ----------------------------------------------------------------------------


def _not_audio():
    return ValidationFailed(NOT_AUDIO, code="invalid_audio", errors={"audio": [str(NOT_AUDIO)]})


def probe(path: Path) -> tuple[str, Decimal]:
    """The audio's type and duration in seconds, from its bytes: the container is opened and its
    audio packets read to the end (no decoding), so a header that lies about the length does not
    count. Anything PyAV cannot read as audio is a 400."""
    try:
        with av.open(str(path)) as container:
            content_type = AUDIO_FORMATS.get(container.format.name)
            if content_type is None or not container.streams.audio:
                raise _not_audio()
            stream = container.streams.audio[0]
            end = 0
            for packet in container.demux(stream):
                if packet.pts is not None:
                    end = max(end, (packet.pts + (packet.duration or 0)) * stream.time_base)
    except av.FFmpegError as exc:
        raise _not_audio() from exc
    if end <= 0:
        raise _not_audio()
    return content_type, Decimal(str(round(float(end), 2)))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def transcription_credits(*, practice, seconds: Decimal) -> Decimal:
    """Credits for a recording: whole minutes (rounded up) at the tier's price per minute."""
    price = price_for(practice_tier(practice))
    return Decimal(math.ceil(seconds / 60)) * price.audio_credits_per_minute


# --- Upload -------------------------------------------------------------------------------------


def _check_can_record(session) -> None:
    ai_processing_check(session.patient)
    if session.signed_at:
        raise Conflict(SIGNED, code="signed")
    if _transcript_edited(session.pk):
        raise Conflict(TRANSCRIPT_EDITED, code="transcript_edited")
    if not ai_settings_row(session.practice).audio_transcription:
        raise Conflict(TRANSCRIPTION_OFF, code="transcription_disabled")
    if not settings.GEMINI_API_KEY:
        raise ProviderUnavailable(NO_PROVIDER)
    if active_consent(session.patient) is None:
        raise Conflict(CONSENT_REQUIRED, code="consent_required")


def _transcript_edited(session_id, *, other_than=None) -> bool:
    """Whether the session's transcript carries the therapist's corrections (and, with
    `other_than`, belongs to another recording): a new recording would replace them."""
    transcript = Transcript.objects.filter(session_id=session_id).only("segments", "recording_id").first()
    if transcript is None or (other_than is not None and transcript.recording_id == other_than):
        return False
    return any(segment.get("edited") for segment in transcript.segments)


def recording_availability(session) -> tuple[bool, str | None, str | None]:
    """Whether a recording can be added to this session now, and if not the code and message the
    upload would answer: what the UI shows before the therapist presses record."""
    try:
        _check_can_record(session)
    except (Conflict, ProviderUnavailable) as exc:
        return False, exc.code, str(exc.message)
    return True, None, None


def recording_add(*, session, membership, path: Path, size: int) -> tuple[Recording, bool]:
    """Check, measure, store and queue one recording; `(recording, created)`. The same file sent
    again for the session is the recording already there, charged once."""
    _check_can_record(session)
    if size > settings.RECORDING_MAX_BYTES:
        raise PayloadTooLarge(
            too_large(settings.RECORDING_MAX_BYTES), errors={"audio": [too_large(settings.RECORDING_MAX_BYTES)]}
        )
    content_type, seconds = probe(path)
    if seconds > settings.RECORDING_MAX_SECONDS:
        text = str(TOO_LONG) % {"hours": f"{settings.RECORDING_MAX_SECONDS / 3600:g}"}
        raise ValidationFailed(text, code="too_long", errors={"audio": [text]})
    sha256 = _sha256(path)
    existing = Recording.objects.filter(session=session, sha256=sha256).first()
    if existing is not None:
        return existing, False
    recording = Recording(
        practice=session.practice,
        session=session,
        uploaded_by=membership.user,
        content_type=content_type,
        size=size,
        sha256=sha256,
        duration_seconds=seconds,
        status=RecordingStatus.QUEUED,
    )
    with open(path, "rb") as file:  # streamed to storage (local or S3) outside the credit lock
        recording.audio.save("audio", File(file), save=False)
    try:
        _reserve_and_queue(recording, membership)
    except IntegrityError:  # the same bytes, sent at the same moment by another request: that one won
        recording.audio.delete(save=False)
        return Recording.objects.get(session=session, sha256=sha256), False
    except Exception:
        recording.audio.delete(save=False)
        raise
    return recording, True


def recording_retry(*, recording: Recording, membership) -> Recording:
    """Start a failed recording again from the step that failed: the transcription (credits held
    again), or, when the transcript is there, only the analysis (which holds its own)."""
    if recording.status != RecordingStatus.FAILED:
        raise Conflict(NOT_FAILED, code="not_failed")
    if recording.transcribed_at and Transcript.objects.filter(recording=recording, analysis__isnull=True).exists():
        ai_processing_check(recording.session.patient)
        if active_consent(recording.session.patient) is None:
            raise Conflict(CONSENT_REQUIRED, code="consent_required")
        with transaction.atomic():
            _set(recording, status=RecordingStatus.ANALYZING, progress=90, error="")
            defer_on_commit("ai_reports.tasks.analyze_transcript", session_id=str(recording.session_id))
        return recording
    _check_can_record(recording.session)
    recording.status, recording.progress, recording.error = RecordingStatus.QUEUED, 0, ""
    _reserve_and_queue(recording, membership, update_fields=["reservation", "status", "progress", "error"])
    return recording


def _reserve_and_queue(recording: Recording, membership, **save) -> None:
    """Hold the credits for the recording's minutes, save it and queue its transcription, in one
    transaction: 402 leaves nothing saved or queued."""
    credits = transcription_credits(practice=recording.practice, seconds=recording.duration_seconds)
    with transaction.atomic():
        recording.reservation = billing.credits_reserve(
            practice=recording.practice,
            amount=credits,
            actor=membership.user,
            operation=Operation.TRANSCRIPTION,
            patient_id=recording.session.patient_id,
        )
        recording.save(**save)
        defer_on_commit("ai_reports.tasks.transcribe_recording", recording_id=str(recording.pk))


# --- Resumable upload ---------------------------------------------------------------------------


# The chunks of a resumable upload are kept in the file storage (S3 when configured, else the
# media folder), one object per chunk named by its offset, so any web host continues any upload.
# They are put together on one host only when the upload completes.
CHUNKS = "recording-uploads"


def _chunk_name(upload_id, offset: int) -> str:
    return f"{CHUNKS}/{upload_id}/{offset:012d}"


def _staged_chunks(upload_id) -> list[str]:
    """The storage names of an upload's chunks (none once deleted, or before the first)."""
    try:
        _dirs, names = default_storage.listdir(f"{CHUNKS}/{upload_id}")
    except FileNotFoundError:  # the media folder has no directory for it
        return []
    return [f"{CHUNKS}/{upload_id}/{name}" for name in names]


def chunks_delete(upload_id) -> None:
    """The staged chunks of an upload, gone (patient audio: cancel, expiry, erasure)."""
    for name in _staged_chunks(upload_id):
        default_storage.delete(name)


def staged_bytes(upload_id) -> int:
    """How many bytes of the upload the storage holds."""
    return sum(default_storage.size(name) for name in _staged_chunks(upload_id))


def _assemble(upload: RecordingUpload) -> Path:
    """The whole upload in one local temporary file (PyAV measures it, the digest is taken, then
    it is stored as the recording's audio). Each chunk starts where the previous one ended."""
    directory = Path(settings.RECORDING_STAGING_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=directory, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as target:
            while (offset := target.tell()) < upload.size:
                with default_storage.open(_chunk_name(upload.pk, offset), "rb") as chunk:
                    shutil.copyfileobj(chunk, target, 1024 * 1024)
                if target.tell() == offset:
                    raise RuntimeError(f"empty chunk at {offset} of upload {upload.pk}")
    except BaseException:
        Path(name).unlink(missing_ok=True)  # patient audio: never left behind on this host
        raise
    return Path(name)


def upload_start(*, session, membership, size: int) -> RecordingUpload:
    _check_can_record(session)
    if size > settings.RECORDING_MAX_BYTES:
        raise PayloadTooLarge(
            too_large(settings.RECORDING_MAX_BYTES), errors={"size": [too_large(settings.RECORDING_MAX_BYTES)]}
        )
    return RecordingUpload.objects.create(
        practice=session.practice, session=session, created_by=membership.user, size=size
    )


def upload_append(*, upload: RecordingUpload, offset: int, stream, length: int) -> RecordingUpload:
    """Append one chunk that starts at `offset`, which must be the bytes received so far (409
    with the server's offset otherwise, so the client resumes from there)."""
    with transaction.atomic():
        upload = RecordingUpload.objects.select_for_update().get(pk=upload.pk)
        if upload.completed_at is not None:
            raise Conflict(UPLOAD_DONE, code="upload_completed")
        if offset != upload.offset:
            text = str(BAD_OFFSET) % {"offset": upload.offset}
            raise Conflict(text, code="offset_mismatch", errors={"offset": [text]})
        if upload.offset + length > upload.size:
            text = str(CHUNK_PAST_END) % {"size": upload.size}
            raise PayloadTooLarge(text, errors={"offset": [text]})
        with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as buffer:
            written = 0
            while written < length:
                block = stream.read(min(1024 * 1024, length - written))
                if not block:
                    break  # the connection ended early: what arrived counts, the client resumes from it
                buffer.write(block)
                written += len(block)
            if written:
                name = _chunk_name(upload.pk, upload.offset)
                default_storage.delete(name)  # a chunk stored at this offset by a request that then failed
                buffer.seek(0)
                default_storage.save(name, File(buffer))
        upload.offset += written
        upload.save(update_fields=["offset"])
    return upload


def upload_complete(*, upload: RecordingUpload, membership) -> tuple[Recording, bool]:
    """The upload becomes its recording, once: the row is locked for the whole step, so two
    `complete` calls at once make one recording, and a repeated one (a client retrying after a
    lost answer) gets the same recording back."""
    with transaction.atomic():
        upload = (
            RecordingUpload.objects.select_for_update(of=("self",))
            .select_related("session__patient", "session__practice")
            .get(pk=upload.pk)
        )
        if upload.completed_at is not None and upload.recording_id:
            return upload.recording, False
        if upload.offset != upload.size:
            text = str(UPLOAD_INCOMPLETE) % {"offset": upload.offset, "size": upload.size}
            raise Conflict(text, code="upload_incomplete", errors={"offset": [text]})
        path = _assemble(upload)
        try:
            recording, created = recording_add(
                session=upload.session, membership=membership, path=path, size=upload.size
            )
        finally:
            path.unlink(missing_ok=True)
        upload.completed_at, upload.recording = timezone.now(), recording
        upload.save(update_fields=["completed_at", "recording"])
    chunks_delete(upload.pk)
    return recording, created


def upload_cancel(*, upload: RecordingUpload) -> None:
    """The client gave up: the staged bytes go now, and the upload with them."""
    with transaction.atomic():
        upload = RecordingUpload.objects.select_for_update().get(pk=upload.pk)
        if upload.completed_at is not None:
            raise Conflict(UPLOAD_DONE, code="upload_completed")
        chunks_delete(upload.pk)
        upload.delete()


def uploads_expire(*, now=None) -> int:
    """Unfinished uploads older than RECORDING_UPLOAD_EXPIRY_HOURS: their patient audio is deleted
    (the periodic job `expire_recording_uploads`); finished ones lose their row after the same time."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.RECORDING_UPLOAD_EXPIRY_HOURS)
    expired = 0
    for upload in RecordingUpload.objects.filter(created_at__lt=cutoff):
        chunks_delete(upload.pk)
        expired += upload.completed_at is None
        upload.delete()
    return expired


# --- Transcription (job) ------------------------------------------------------------------------


def _set(recording: Recording, **fields) -> None:
    for name, value in fields.items():
        setattr(recording, name, value)
    Recording.objects.filter(pk=recording.pk).update(**fields)


def _chunks(source: Path, seconds: float, workdir: Path) -> list[tuple[Path, float]]:
    """The audio in parts of at most RECORDING_CHUNK_SECONDS, each with its start offset: packets
    are copied into new containers of the same format (no re-encoding)."""
    step = settings.RECORDING_CHUNK_SECONDS
    if seconds <= step:
        return [(source, 0.0)]
    parts: list[tuple[Path, float]] = []
    with av.open(str(source)) as container:
        stream = container.streams.audio[0]
        fmt = container.format.name.split(",")[0]
        fmt = {"mov": "mp4", "matroska": "webm"}.get(fmt, fmt)
        out = target = None
        index = None
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            at = max(0.0, float(packet.pts * stream.time_base))  # Opus pre-skip starts slightly below 0
            if int(at // step) != index:
                if out is not None:
                    out.close()
                index = int(at // step)
                path = workdir / f"part{index}.{fmt}"
                out = av.open(str(path), "w", format=fmt)
                target = out.add_stream_from_template(stream)
                parts.append((path, float(index * step)))
            packet.stream = target
            out.mux(packet)
        if out is not None:
            out.close()
    return parts


def _local_copy(recording: Recording, workdir: Path) -> Path:
    path = workdir / "audio"
    with recording.audio.open("rb") as source, open(path, "wb") as target:
        shutil.copyfileobj(source, target, 1024 * 1024)
    return path


def _provider_files(recording: Recording, *, add: str | None = None, remove: str | None = None) -> None:
    """Keep the names of the files this recording has on the provider, committed at once (a
    killed worker's row still says what it left there)."""
    with transaction.atomic():
        names = list(
            Recording.objects.select_for_update().values_list("provider_files", flat=True).get(pk=recording.pk) or []
        )
        if add and add not in names:
            names.append(add)
        if remove in names:
            names.remove(remove)
        Recording.objects.filter(pk=recording.pk).update(provider_files=names)


def _delete_left_files(recording: Recording, client) -> None:
    """Files an earlier attempt uploaded and was killed before deleting."""
    for name in Recording.objects.values_list("provider_files", flat=True).get(pk=recording.pk) or []:
        try:
            client.files.delete(name=name)
        except Exception:  # gone already (the provider deletes files after 48 h)
            logger.warning("provider file left by an earlier attempt not deleted")
        _provider_files(recording, remove=name)


def _transcribe_part(client, types, *, recording: Recording, path: Path, model: str) -> tuple[list[dict], int, int]:
    uploaded = client.files.upload(file=str(path), config={"mime_type": recording.content_type})
    _provider_files(recording, add=uploaded.name)
    try:
        deadline = time.monotonic() + FILE_ACTIVE_TIMEOUT
        while uploaded.state and uploaded.state.name == "PROCESSING":
            if time.monotonic() > deadline:
                raise ProviderUnavailable()
            time.sleep(1)
            uploaded = client.files.get(name=uploaded.name)
        if uploaded.state and uploaded.state.name == "FAILED":
            raise ProviderBadAnswer()
        response = client.models.generate_content(
            model=model,
            contents=[uploaded, prompts.TRANSCRIBE_PROMPT],
            config=types.GenerateContentConfig(
                system_instruction=prompts.TRANSCRIBE_SYSTEM,
                temperature=0.0,
                response_mime_type="application/json",
                response_schema=prompts.TRANSCRIPT_SCHEMA,
                max_output_tokens=settings.AI_TRANSCRIPT_MAX_OUTPUT_TOKENS,
            ),
        )
        segments = prompts.parse_segments(response.text)
        usage = response.usage_metadata
        return (
            segments,
            (usage.prompt_token_count or 0) if usage else 0,
            (usage.candidates_token_count or 0) if usage else 0,
        )
    finally:
        try:
            client.files.delete(name=uploaded.name)
            _provider_files(recording, remove=uploaded.name)
        except Exception:  # left in provider_files: the next attempt deletes it (the provider does after 48 h)
            logger.warning("provider file not deleted")


def _send_refusal(session, *, audio: bool) -> str | None:
    """Why nothing of this session may leave the server now (None: it may), read afresh right
    before each call to the provider: the patient opposed AI processing or has it blocked, the
    recording consent was withdrawn, or (for audio) transcription was switched off since upload."""
    patient = Patient.objects.get(pk=session.patient_id)
    try:
        ai_processing_check(patient)
    except Conflict as exc:
        return str(exc.message)
    if active_consent(patient) is None:
        return str(CONSENT_WITHDRAWN)
    if audio and not ai_settings_row(session.practice).audio_transcription:
        return str(TRANSCRIPTION_OFF)
    return None


def transcribe(*, recording_id: str, last_attempt: bool) -> None:
    recording = Recording.objects.select_related("session", "practice").filter(pk=recording_id).first()
    if recording is None or recording.status not in (RecordingStatus.QUEUED, RecordingStatus.TRANSCRIBING):
        return  # done, failed, or analysed already: a second run changes nothing
    provider = get_provider()
    if provider.is_offline:
        return _fail(recording, NO_PROVIDER)
    if refusal := _send_refusal(recording.session, audio=True):
        return _fail(recording, refusal)
    _set(recording, status=RecordingStatus.TRANSCRIBING, progress=5)
    model = price_for(practice_tier(recording.practice)).model_id
    try:
        _delete_left_files(recording, provider.client)
        with tempfile.TemporaryDirectory(prefix="sessai-rec-") as tmp:
            workdir = Path(tmp)
            parts = _chunks(_local_copy(recording, workdir), float(recording.duration_seconds), workdir)
            segments, input_tokens, output_tokens = [], 0, 0
            for number, (path, start) in enumerate(parts, 1):
                if refusal := _send_refusal(recording.session, audio=True):  # each part: consent may go mid-way
                    return _fail(recording, refusal)
                part, used_in, used_out = provider.call(
                    lambda p=path: _transcribe_part(
                        provider.client, provider.types, recording=recording, path=p, model=model
                    )
                )
                segments += [
                    {**s, "start": round(s["start"] + start, 2), "end": round(s["end"] + start, 2)} for s in part
                ]
                input_tokens, output_tokens = input_tokens + used_in, output_tokens + used_out
                _set(recording, progress=5 + int(80 * number / len(parts)))
    except (ProviderUnavailable, ProviderBadAnswer):
        if last_attempt:
            return _fail(recording, TRANSCRIBE_FAILED)
        raise  # the job is retried with backoff; the recording stays `transcribing`
    credits = transcription_credits(practice=recording.practice, seconds=recording.duration_seconds)
    with transaction.atomic():
        locked = Recording.objects.select_for_update().get(pk=recording.pk)
        if locked.status != RecordingStatus.TRANSCRIBING:
            return
        if _transcript_edited(recording.session_id, other_than=recording.pk):  # corrected meanwhile: never replaced
            return _fail(recording, TRANSCRIPT_EDITED)
        Transcript.objects.update_or_create(
            session=recording.session,
            defaults={
                "practice": recording.practice,
                "recording": recording,
                "segments": segments,
                "analysis": None,
                "model": model,
            },
        )
        billing.credits_settle(
            reservation=recording.reservation,
            usage=billing.Usage(
                credits=credits,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                model=model,
                tier=practice_tier(recording.practice),
            ),
        )
        _set(recording, status=RecordingStatus.ANALYZING, progress=90, transcribed_at=timezone.now(), error="")
        defer_on_commit("ai_reports.tasks.analyze_transcript", session_id=str(recording.session_id))
        if ai_settings_row(recording.practice).recording_retention_days == 0:
            defer_on_commit("ai_reports.tasks.purge_recording_audio", recording_id=str(recording.pk))


def _fail(recording: Recording, message, *, release: bool = True) -> None:
    """The recording ends `failed` with a message the UI shows. `release`: the transcription's
    held credits go back (an analysis failure leaves the settled transcription as it is; the
    analysis's own hold is released by the call that failed)."""
    with transaction.atomic():
        locked = Recording.objects.select_for_update().get(pk=recording.pk)
        if locked.status in (RecordingStatus.DONE, RecordingStatus.FAILED):
            return
        if release and locked.reservation_id:
            billing.credits_release(reservation=locked.reservation)
        _set(recording, status=RecordingStatus.FAILED, error=str(message)[:300], progress=0)


# --- Analysis (job) -----------------------------------------------------------------------------


def transcript_text(segments: list[dict], texts: list[str] | None = None) -> str:
    """`[i] Terapeuta: …` lines; `texts` (the segments' texts, redacted) in place of their own."""
    labels = {choice.value: str(choice.label) for choice in Speaker}
    texts = texts if texts is not None else [s["text"] for s in segments]
    return "\n".join(
        f"[{i}] {labels.get(s['speaker'], s['speaker'])}: {text}"
        for i, (s, text) in enumerate(zip(segments, texts, strict=True))
    )


def analyze(*, session_id: str, last_attempt: bool = True) -> None:
    """The draft note, sentiment, topics and risks of a transcript. Whatever stops it (the patient
    opposed or withdrew consent, no credits, the provider failing past the last attempt, an answer
    that is not the JSON asked for) ends the recording `failed` with a message, never `analyzing`."""
    transcript = (
        Transcript.objects.select_related("session__patient", "recording", "practice")
        .filter(session_id=session_id)
        .first()
    )
    if transcript is None or transcript.analysis is not None or transcript.recording is None:
        return
    recording = transcript.recording
    if recording.status != RecordingStatus.ANALYZING:
        return  # failed (a retry sets it back) or done: nothing to do
    membership = (
        Membership.objects.select_related("practice", "user")
        .filter(practice=transcript.practice, user_id=recording.uploaded_by_id)
        .first()
    )
    if membership is None:
        return _fail(recording, ANALYZE_FAILED, release=False)
    session = transcript.session
    if refusal := _send_refusal(session, audio=False):
        return _fail(recording, refusal, release=False)
    fmt = ai_settings_row(transcript.practice).note_format
    redactor = redactor_for(patient=session.patient, membership=membership)
    # each segment's words redacted on their own: the numbering and speaker labels between them stay
    redacted = transcript_text(transcript.segments, redactor.redact_parts([s["text"] for s in transcript.segments]))
    task = AITask(
        system=prompts.SYSTEM_CLINICAL,
        prompt=prompts.analysis_prompt(redacted, fmt),
        offline=lambda: json.dumps(prompts.analysis_offline(transcript.segments, fmt), ensure_ascii=False),
        response_schema=prompts.ANALYSIS_SCHEMA,
    )

    def save(completion, credits):
        analysis = prompts.parse_analysis(completion.text, segments=len(transcript.segments))
        analysis = _restore(analysis, redactor.restore)
        analysis["format"], analysis["model"] = fmt, completion.model
        Transcript.objects.filter(pk=transcript.pk).update(analysis=analysis, updated_at=timezone.now())
        _set(recording, status=RecordingStatus.DONE, progress=100)
        return analysis, None

    try:
        _run(
            membership=membership,
            operation=Operation.SESSION_SUMMARY,
            task=task,
            patient_id=session.patient_id,
            save=save,
        )
    except billing.InsufficientCredits:
        _fail(recording, ANALYSIS_NO_CREDITS, release=False)
    except (ProviderUnavailable, ProviderBadAnswer, ValueError, KeyError, TypeError):
        if last_attempt:
            return _fail(recording, ANALYZE_FAILED, release=False)
        raise  # retried with backoff


def _restore(value, restore):
    if isinstance(value, str):
        return restore(value)
    if isinstance(value, list):
        return [_restore(item, restore) for item in value]
    if isinstance(value, dict):
        return {key: _restore(item, restore) for key, item in value.items()}
    return value


# --- Therapist's edits -------------------------------------------------------------------------


def segment_edit(*, transcript: Transcript, index: int, text: str | None, speaker: str | None) -> Transcript:
    if transcript.session.signed_at:
        raise Conflict(SIGNED, code="signed")
    with transaction.atomic():
        locked = Transcript.objects.select_for_update().get(pk=transcript.pk)
        if not 0 <= index < len(locked.segments):
            raise NotFound(BAD_SEGMENT)
        segment = dict(locked.segments[index])
        if text is not None:
            segment["text"] = text
        if speaker is not None:
            segment["speaker"] = speaker
        segment["edited"] = True
        locked.segments = [*locked.segments[:index], segment, *locked.segments[index + 1 :]]
        locked.save(update_fields=["segments", "updated_at"])
    return locked


def apply_note(*, transcript: Transcript) -> None:
    """Copy the draft note into the session's content (sanitized); never done by the jobs."""
    session = transcript.session
    if session.signed_at:
        raise Conflict(SIGNED, code="signed")
    draft = (transcript.analysis or {}).get("draft_note")
    if not draft:
        raise Conflict(NO_DRAFT, code="no_draft")
    session_note_set(session=session, content=prompts.markdown_html(draft))


# --- Retention ---------------------------------------------------------------------------------


def purge_audio(recording: Recording) -> bool:
    """Delete the audio file (the transcript stays); audited as a change of the recording."""
    if recording.audio_deleted_at is not None or not recording.audio:
        return False
    recording.audio.delete(save=False)
    recording.audio_deleted_at = timezone.now()
    recording.save(update_fields=["audio", "audio_deleted_at"])
    return True


def purge_due(*, now=None) -> int:
    """Audio whose practice's retention has run out since its transcription."""
    now = now or timezone.now()
    keep = dict(PracticeAISettings.objects.values_list("practice_id", "recording_retention_days"))
    purged = 0
    for recording in Recording.objects.filter(audio_deleted_at__isnull=True, transcribed_at__isnull=False).exclude(
        audio=""
    ):
        if recording.transcribed_at + timedelta(days=keep.get(recording.practice_id, 0)) <= now:
            purged += purge_audio(recording)
    return purged
