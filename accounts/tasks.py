"""Account jobs: sending email, and the requests that must take the same time whether or not an
account exists (the lookup happens here, not in the request)."""

from django.conf import settings
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from accounts import emails, services
from accounts.models import OutgoingEmail
from sessai import scope

EMAIL_RETRY = RetryStrategy(max_attempts=settings.EMAIL_MAX_ATTEMPTS, exponential_wait=3)


@app.task(queue="email", retry=EMAIL_RETRY)
@scope.job_in_practice_of("accounts.OutgoingEmail", "email_id")
def send_email(email_id: str) -> None:
    email = OutgoingEmail.objects.filter(pk=email_id).first()
    if email is not None:
        emails.deliver(email)


@app.task(queue="email", retry=EMAIL_RETRY)
def password_reset_email(email: str) -> None:
    services.password_reset_email(email=email)


@app.task(queue="email", retry=EMAIL_RETRY)
def verification_resend_email(email: str) -> None:
    services.email_verification_resend_now(email=email)
