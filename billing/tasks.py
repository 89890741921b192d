"""Billing jobs. The periodic renewal replaces running `renew_credits` from a scheduler; the
command stays for operators."""

from procrastinate.contrib.django import app

from billing.services import holds_release_stale, renew_due
from sessai import scope


@app.periodic(cron="15 3 * * *")
@app.task(queueing_lock="renew_credits")
@scope.platform_job
def renew_credits(timestamp: int) -> int:
    """Daily at 03:15 UTC: each practice's monthly grant on its renewal date (once per period)."""
    return renew_due()


@app.periodic(cron="*/15 * * * *")
@app.task(queueing_lock="release_stale_holds")
@scope.platform_job
def release_stale_holds(timestamp: int) -> int:
    """Every 15 minutes: credits held by an AI call whose process died are given back
    (holds older than CREDITS_HOLD_MAX_SECONDS with no settlement; transcriptions excepted)."""
    return holds_release_stale()
