"""Billing jobs. The periodic renewal replaces running `renew_credits` from a scheduler; the
command stays for operators."""

from procrastinate.contrib.django import app

from billing.services import renew_due


@app.periodic(cron="15 3 * * *")
@app.task(queueing_lock="renew_credits")
def renew_credits(timestamp: int) -> int:
    """Daily at 03:15 UTC: each practice's monthly grant on its renewal date (once per period)."""
    return renew_due()
