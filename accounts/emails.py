"""Transactional email rendered from templates/emails/<name>_{subject,body}.{txt,html} in the
recipient's language, and sent by a background job (`accounts.tasks.send_email`) with retries:
a provider outage neither fails nor slows the request that wrote the message."""

import logging
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import OutgoingEmail
from sessai.jobs import defer_on_commit

logger = logging.getLogger("sessai.email")
VIA = _("%(name)s vía SessAI")


def send(
    *, template: str, to: str, context: dict, practice=None, language: str | None = None, from_name: str = ""
) -> OutgoingEmail:
    """Render now (the context's objects are at hand) and queue the sending. `practice`: the
    practice the mail is about (its row carries it, so retention and isolation find it); None for a
    person's own account mail. `from_name` (a practice's name) is shown as the sender, on our
    address: "Centro X vía SessAI"."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}_body.txt", context)
        html = render_to_string(f"emails/{template}_body.html", context)
    email = OutgoingEmail.objects.create(
        practice=practice,
        template=template,
        to=to,
        subject=subject[:300],
        text=text,
        html=html,
        from_name=from_name[:150],
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


def outbox_scrub(*, practice_id, address: str, terms, replacement: str) -> int:
    """A patient anonymized past retention: the practice's emails still in the outbox that go to
    `address` or name one of `terms` lose their body and subject, and the address itself goes. Rows
    from before emails carried their practice count when they go to `address`. Returns how many."""
    to_them = Q(to__iexact=address) if address else Q(pk__in=[])
    mentions = to_them
    for term in terms:
        mentions |= Q(subject__icontains=term) | Q(text__icontains=term) | Q(html__icontains=term)
    scope = Q(practice_id=practice_id) | (Q(practice__isnull=True) & to_them)
    count = OutgoingEmail.objects.filter(scope & mentions).update(subject=replacement, text="", html="")
    if address:
        OutgoingEmail.objects.filter(scope & to_them).update(to="anonimizado@invalid.invalid")
    return count
