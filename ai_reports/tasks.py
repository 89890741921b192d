"""Recorded-session jobs: transcription (provider errors retried with backoff, then `failed` with
the credits released), analysis, and the audio retention purge."""

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from ai_reports.models import Recording
from ai_reports.services import recordings
from sessai import scope

TRANSCRIBE_RETRY = RetryStrategy(max_attempts=recordings.TRANSCRIBE_ATTEMPTS, exponential_wait=5)


@app.task(queue="ai", retry=TRANSCRIBE_RETRY, pass_context=True)
@scope.job_in_practice_of("ai_reports.Recording", "recording_id")
def transcribe_recording(context, recording_id: str) -> None:
    last = context.job.attempts + 1 >= recordings.TRANSCRIBE_ATTEMPTS
    recordings.transcribe(recording_id=recording_id, last_attempt=last)


@app.task(
    queue="ai", retry=RetryStrategy(max_attempts=recordings.ANALYZE_ATTEMPTS, exponential_wait=5), pass_context=True
)
@scope.job_in_practice_of("scheduling.Session", "session_id")
def analyze_transcript(context, session_id: str) -> None:
    last = context.job.attempts + 1 >= recordings.ANALYZE_ATTEMPTS
    recordings.analyze(session_id=session_id, last_attempt=last)


@app.task(queue="ai")
@scope.job_in_practice_of("ai_reports.Recording", "recording_id")
def purge_recording_audio(recording_id: str) -> None:
    recording = Recording.objects.filter(pk=recording_id).first()
    if recording is not None:
        recordings.purge_audio(recording)


@app.periodic(cron="15 * * * *")
@app.task(queueing_lock="expire_recording_uploads")
@scope.platform_job
def expire_recording_uploads(timestamp: int) -> int:
    """Hourly: unfinished resumable uploads older than RECORDING_UPLOAD_EXPIRY_HOURS (24) lose
    their staged patient audio."""
    return recordings.uploads_expire()


@app.periodic(cron="30 * * * *")
@app.task(queueing_lock="purge_recordings")
@scope.platform_job
def purge_recordings(timestamp: int) -> int:
    """Hourly: audio kept past the practice's retention days is deleted (the transcript stays)."""
    return recordings.purge_due()
