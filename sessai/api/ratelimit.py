"""Rate limits on django-ratelimit's counters (shared cache), raised as 429 with Retry-After.

Every answer of a limited operation states where the caller stands, in the IETF fields of
draft-ietf-httpapi-ratelimit-headers (structured-field lists, one item per policy counted):

    RateLimit-Policy: "login_ip";q=20;w=60, "login_account";q=5;w=60
    RateLimit: "login_ip";r=19;t=42, "login_account";r=4;t=42

`q` is the quota and `w` the window in seconds; `r` what remains and `t` the seconds until the
window resets.
"""

import functools
import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.http import HttpResponse
from django_ratelimit import ALL
from django_ratelimit.core import _split_rate, get_usage

from sessai.errors import RateLimited


def client_ip(group, request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def account_email(group, request) -> str:
    """Per-account key: the email in the JSON body (or the console's login form), normalised as
    the login normalises it."""
    data = getattr(request, "data", None)
    if data is None and request.method == "POST":  # a Django form post (the console's login)
        data = {"email": request.POST.get("username", "")}
    email = data.get("email", "") if hasattr(data, "get") else ""
    return str(email).strip().lower() if isinstance(email, str) else ""


def user_key(group, request) -> str:
    user = getattr(request, "user", None)
    return str(user.pk) if user and getattr(user, "pk", None) else ""


def practice_key(group, request) -> str:
    membership = getattr(getattr(request, "user", None), "active_membership", None)
    return str(membership.practice_id) if membership else ""


# Per IP, and per account over a minute and over an hour: a guesser who waits for the minute's
# window to reset still meets the hour's.
LOGIN_LIMITS = [("login_ip", "ip"), ("login_account", "account"), ("login_account_hour", "account")]

KEYS = {"ip": client_ip, "account": account_email, "user": user_key, "practice": practice_key}


@dataclass(frozen=True)
class Standing:
    policy: str
    quota: int
    window: int
    remaining: int
    reset: int


def enforce(request, limits) -> None:
    """Count this request against each (setting_name, key) pair; raise RateLimited past any of them.
    What was counted is kept on the request for `add_headers`."""
    if not settings.RATELIMIT_ENABLE:
        return
    standings = request.__dict__.setdefault("rate_limit_standings", [])
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
        if usage is None:
            continue
        # the library's own reading of "N/period", so the declared window is the counted one
        quota, window = _split_rate(settings.RATELIMITS[name])
        reset = max(0, usage["time_left"])
        standings.append(Standing(name, quota, window, max(0, quota - usage["count"]), reset))
        if usage["should_limit"]:
            raise RateLimited(retry_after=usage["time_left"])


def add_headers(request, response) -> None:
    """`RateLimit-Policy` and `RateLimit` for the limits this request was counted against."""
    standings = getattr(request, "rate_limit_standings", None)
    if not standings:
        return
    response["RateLimit-Policy"] = ", ".join(f'"{s.policy}";q={s.quota};w={s.window}' for s in standings)
    response["RateLimit"] = ", ".join(f'"{s.policy}";r={s.remaining};t={s.reset}' for s in standings)


def protect_form_login(view, limits):
    """The console's login (a Django form view) counted against the API login's limits: the same
    settings, the same 429 and message."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST":
            try:
                enforce(request, limits)
            except RateLimited as exc:
                response = HttpResponse(str(exc.message), status=429, content_type="text/plain; charset=utf-8")
                for name, value in exc.headers.items():
                    response[name] = value
                add_headers(request, response)
                return response
        response = view(request, *args, **kwargs)
        add_headers(request, response)
        return response

    return wrapped


# --- Wrong passwords per account: a lock-out with backoff ---------------------------------------
#
# The fixed windows above let a burst through at a window's edge (5 at 0:59, 5 more at 1:00). Per
# account, tries are also counted since the last successful sign-in: the first LOGIN_FREE_TRIES go
# through at once; after them one try is let through per wait, and the wait doubles from
# LOGIN_BACKOFF_SECONDS up to LOGIN_BACKOFF_MAX_SECONDS. However fast they come, a burst gets
# LOGIN_FREE_TRIES tries. Counters live in the shared cache (Redis with REDIS_URL), so every web
# host counts the same tries.


def _lockout_keys(email: str) -> tuple[str, str]:
    digest = hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"login-tries:{digest}", f"login-wait:{digest}"


def login_attempt(email: str) -> None:
    """Count one try for this account, or raise RateLimited while it must wait."""
    if not settings.RATELIMIT_ENABLE or not email:
        return
    tries_key, wait_key = _lockout_keys(email)
    cache.add(tries_key, 0, timeout=settings.LOGIN_BACKOFF_MAX_SECONDS * 4)
    tries = cache.incr(tries_key)
    free = settings.LOGIN_FREE_TRIES
    if tries < free:
        return
    wait = min(settings.LOGIN_BACKOFF_MAX_SECONDS, settings.LOGIN_BACKOFF_SECONDS * 2 ** (tries - free))
    if tries == free or cache.add(wait_key, time.time() + wait, timeout=wait):  # the last free try, or the wait is over
        cache.set(wait_key, time.time() + wait, timeout=wait)
        cache.touch(tries_key, settings.LOGIN_BACKOFF_MAX_SECONDS * 4)
        return
    cache.decr(tries_key)  # a refused try does not lengthen the wait
    until = cache.get(wait_key) or time.time() + 1
    raise RateLimited(retry_after=math.ceil(until - time.time()))


def login_succeeded(email: str) -> None:
    cache.delete_many(_lockout_keys(email))


def authenticate_limited(request, *, email: str, password: str):
    """django.contrib.auth.authenticate behind the account's lock-out: the API's login and the
    console's sign-in both check passwords through here."""
    login_attempt(email)
    user = authenticate(request, username=email, password=password)
    if user is not None:
        login_succeeded(email)
    return user
