"""Engine-wide periodic tasks."""

from django.conf import settings
from procrastinate.contrib.django import app


@app.periodic(cron="* * * * *")
@app.task(queueing_lock="retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context, timestamp):
    """A job whose worker stopped sending heartbeats (killed, machine lost) goes back to the queue.
    Every task is written to be safe to run twice, so the retry finishes what was cut off."""
    stalled = await context.app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.JOBS_STALLED_AFTER_SECONDS
    )
    for job in stalled:
        await context.app.job_manager.retry_job(job)
