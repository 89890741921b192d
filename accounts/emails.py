"""Transactional email rendered from templates/emails/<name>_{subject,body}.{txt,html} in the
recipient's language, and sent by a background job (`accounts.tasks.send_email`) with retries:
a provider outage neither fails nor slows the request that wrote the message."""

import logging
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import OutgoingEmail
from sessai.jobs import defer_on_commit

logger = logging.getLogger("sessai.email")
VIA = _("%(name)s vía SessAI")


def send(*, template: str, to: str, context: dict, language: str | None = None, from_name: str = "") -> OutgoingEmail:
    """Render now (the context's objects are at hand) and queue the sending. `from_name` (a
    practice's name) is shown as the sender, on our address: "Centro X vía SessAI"."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}_body.txt", context)
        html = render_to_string(f"emails/{template}_body.html", context)
    email = OutgoingEmail.objects.create(
        template=template, to=to, subject=subject[:300], text=text, html=html, from_name=from_name[:150]
    )
    defer_on_commit("accounts.tasks.send_email", email_id=str(email.pk))
    return email


def deliver(email: OutgoingEmail) -> bool:
    """Hand one queued message to the provider, once: a message already sent is not sent again.
    False when there was nothing to send."""
    if email.sent_at is not None:
        return False
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.text, from_email=sender(email.from_name), to=[email.to]
    )
    message.attach_alternative(email.html, "text/html")
    message.send()
    # the links and names it carried are not kept once the provider has the message
    OutgoingEmail.objects.filter(pk=email.pk).update(sent_at=timezone.now(), text="", html="")
    logger.info("email sent", extra={"template": email.template})
    return True


def sender(from_name: str) -> str:
    """DEFAULT_FROM_EMAIL, shown with the practice's name when there is one."""
    if not from_name:
        return settings.DEFAULT_FROM_EMAIL
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((str(VIA) % {"name": from_name}, address))
