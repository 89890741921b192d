"""Signed links to the patients' pages about appointments: the reminder's confirm-or-cancel link
and the wait-list's offer. Made for emails, read back by the pages; a link carries an id and a
signature, never a patient's data."""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from scheduling.models import Session, WaitlistOffer

APPOINTMENT_SALT = "scheduling.portal.appointment"


OFFER_SALT = "scheduling.portal.waitlist-offer"


class LinkInvalid(Exception):
    """A link that was tampered with, or has expired (`expired` says which)."""

    def __init__(self, expired: bool = False):
        self.expired = expired


def public_url(path: str) -> str:
    """An absolute link to one of our pages, for an email."""
    return f"{settings.PUBLIC_BASE_URL}{path}"


def signed_link(view: str, pk, *, salt: str) -> str:
    """An absolute link to the page `view` for the row `pk`, signed with `salt`: what every emailed
    link to a patient's page is."""
    return public_url(reverse(view, args=[signing.dumps(str(pk), salt=salt)]))


def signed_id(token: str, *, salt: str, max_age: int | None = None) -> str:
    """The id a link signed with `salt` carries; LinkInvalid (saying whether it expired) otherwise."""
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkInvalid(expired=True) from exc
    except signing.BadSignature as exc:
        raise LinkInvalid() from exc


def appointment_link(session: Session) -> str:
    return signed_link("portal:appointment", session.pk, salt=APPOINTMENT_SALT)


def appointment_from_token(token: str) -> Session:
    """The appointment a reminder's link names. The link ends when the appointment starts (or
    after APPOINTMENT_LINK_MAX_DAYS, whichever comes first)."""
    session_id = signed_id(token, salt=APPOINTMENT_SALT, max_age=settings.APPOINTMENT_LINK_MAX_DAYS * 86400)
    session = Session.objects.select_related("practice", "therapist", "patient").filter(pk=session_id).first()
    if session is None:
        raise LinkInvalid()
    if session.starts_at <= timezone.now():
        raise LinkInvalid(expired=True)
    return session


def named_by(token: str, *, salt: str, model):
    """The row a link names, expired or not (its practice scopes the page, which then says which);
    None for a link that is not ours."""
    try:
        pk = signed_id(token, salt=salt)
    except LinkInvalid:
        return None
    return model.objects.filter(pk=pk).only("practice_id").first()


def appointment_named(token: str) -> Session | None:
    return named_by(token, salt=APPOINTMENT_SALT, model=Session)


def offer_named(token: str) -> WaitlistOffer | None:
    return named_by(token, salt=OFFER_SALT, model=WaitlistOffer)


def offer_link(offer: WaitlistOffer) -> str:
    return signed_link("portal:waitlist-claim", offer.pk, salt=OFFER_SALT)


def offer_from_token(token: str) -> WaitlistOffer:
    offer_id = signed_id(token, salt=OFFER_SALT, max_age=settings.APPOINTMENT_LINK_MAX_DAYS * 86400)
    offer = WaitlistOffer.objects.select_related("entry__practice", "entry__therapist").filter(pk=offer_id).first()
    if offer is None:
        raise LinkInvalid()
    return offer
