"""Patients' jobs: the daily reminder of data-rights requests about to fall due."""

from procrastinate.contrib.django import app


@app.periodic(cron="0 11 * * *")  # 08:00 in Santiago (UTC-3)
@app.task(queueing_lock="privacy_requests_due")
def privacy_requests_due(timestamp: int) -> int:
    from patients.privacy import remind_due_requests

    return remind_due_requests()
