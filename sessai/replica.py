"""Reads that can go to a read replica do, when one is configured (`DATABASE_REPLICA_URL`).

Only the heavy reads opt in, with `replica_reads()` around them: the practice calendar, the
dashboard, reports' source data, a patient's export, the console's dashboard. Everything else,
and anything inside a transaction, reads the primary: a service that checks and then writes (no
double-booking) must never decide from a replica that lags.

Nobody misses their own change: after a request of a user writes (an unsafe method answered
below 400), that user's reads stay on the primary for `DATABASE_REPLICA_PIN_SECONDS`, counted in
the shared cache, so it holds whatever web host answers next.

django-multidb-router's PinningReplicaRouter was evaluated first: it sends every read to the
replica (our read-then-write services too), pins through a cookie (the API's clients send a Bearer
token) in thread-local state, and its last release is from 2022; hence these few lines."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import connections

REPLICA = "replica"
_reading = ContextVar("replica_reads", default=False)
_pinned = ContextVar("replica_pinned", default=False)


def configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def replica_reads():
    """The reads inside may go to the replica (unless the caller is pinned, or in a transaction)."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def _pin_key(user_id) -> str:
    return f"replica:pin:{user_id}"


def request_started_for(user_id) -> None:
    """At the start of an authenticated API request: pinned to the primary if this user wrote lately."""
    _pinned.set(configured() and cache.get(_pin_key(user_id)) is not None)


def wrote(user_id) -> None:
    """After a request of this user that changed something."""
    if configured():
        cache.set(_pin_key(user_id), 1, settings.DATABASE_REPLICA_PIN_SECONDS)


class ReplicaRouter:
    """DATABASE_ROUTERS: heavy reads to the replica when allowed; writes and migrations never."""

    def db_for_read(self, model, **hints):
        if _reading.get() and not _pinned.get() and configured() and not connections["default"].in_atomic_block:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data, whichever copy an object was read from

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA
