"""Rate limits on django-ratelimit's counters (shared cache), raised as 429 with Retry-After."""

from django.conf import settings
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from sessai.errors import RateLimited


def client_ip(group, request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def account_email(group, request) -> str:
    """Per-account key: the email in the JSON body, normalised as the login normalises it."""
    data = getattr(request, "data", None)
    email = data.get("email", "") if hasattr(data, "get") else ""
    return str(email).strip().lower() if isinstance(email, str) else ""


def user_key(group, request) -> str:
    user = getattr(request, "user", None)
    return str(user.pk) if user and getattr(user, "pk", None) else ""


def practice_key(group, request) -> str:
    membership = getattr(getattr(request, "user", None), "active_membership", None)
    return str(membership.practice_id) if membership else ""


KEYS = {"ip": client_ip, "account": account_email, "user": user_key, "practice": practice_key}


def enforce(request, limits) -> None:
    """Count this request against each (setting_name, key) pair; raise RateLimited past any of them."""
    if not settings.RATELIMIT_ENABLE:
        return
    for name, key in limits:
        key_fn = KEYS[key] if isinstance(key, str) else key
        if not key_fn(name, request):
            continue  # no account in the body: the per-IP limit still applies
        usage = get_usage(
            request,
            group=f"sessai.{name}",
            key=key_fn,
            rate=settings.RATELIMITS[name],
            method=ALL,
            increment=True,
        )
        if usage and usage["should_limit"]:
            raise RateLimited(retry_after=usage["time_left"])
