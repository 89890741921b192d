"""Audit trail helpers on django-auditlog: who changed or read clinical data, never what it says."""

import contextlib
import hashlib
from contextvars import ContextVar

from auditlog.context import auditlog_value, set_actor
from auditlog.middleware import AuditlogMiddleware as _AuditlogMiddleware
from auditlog.registry import auditlog
from auditlog.signals import accessed

_in_request: ContextVar[bool] = ContextVar("sessai_audit_in_request", default=False)


def mask_clinical(value) -> str:
    """auditlog mask callable: the length and a short digest show *that* text changed, not the text."""
    text = str(value or "")
    if not text or text == "None":
        return ""
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return f"[texto clínico: {len(text)} caracteres, sha256 {digest}]"


def record_access(instance) -> None:
    """An ACCESS entry for a read of clinical content (actor and IP come from the request context)."""
    accessed.send(sender=type(instance), instance=instance)


def skip_reverse_one_to_one() -> None:
    """Leave the reverse side of one-to-one relations (a session's transcript, a practice's
    subscription and settings, a user's profile) out of every audited model's diff.

    django-auditlog reads every field `_meta.get_fields()` lists, reverse ones included: each save
    of a session ran a query for its transcript, each save of a practice five. The value it would
    record is the other object's name, which never changes by saving this one; the other object,
    when audited, has its own entries."""
    for model, options in auditlog._registry.items():
        reverse = [f.name for f in model._meta.get_fields() if f.one_to_one and f.auto_created and not f.concrete]
        options["exclude_fields"] = list(dict.fromkeys([*options["exclude_fields"], *reverse]))


class AuditlogMiddleware(_AuditlogMiddleware):
    """django-auditlog's middleware, with the client address `sessai.clientip` resolved: the stock
    one takes the left-most `X-Forwarded-For` entry, which any client can write."""

    @staticmethod
    def _get_remote_addr(request):
        return request.META.get("REMOTE_ADDR")

    def __call__(self, request):
        token = _in_request.set(True)
        try:
            return super().__call__(request)
        finally:
            _in_request.reset(token)


@contextlib.contextmanager
def acting_as(actor, remote_addr=None):
    """Make `actor` the author of what is audited inside the block (an API caller known only once
    DRF has read the token; the admin behind a signed link).

    Inside the middleware's audit context its data are changed in place. A nested
    `auditlog.context.set_actor` would replace the context variable, and the middleware would then
    disconnect the inner signal receiver instead of its own: one receiver left on `pre_save` for
    every request, each slowing every later save and request of the process."""
    if not _in_request.get():
        with set_actor(actor, remote_addr=remote_addr):
            yield
        return
    data = auditlog_value.get()
    previous = {"actor": data.get("actor"), "remote_addr": data.get("remote_addr")}
    data["actor"], data["remote_addr"] = actor, remote_addr or data.get("remote_addr")
    try:
        yield
    finally:
        data.update(previous)
