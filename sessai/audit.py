"""Audit trail helpers on django-auditlog: who changed or read clinical data, never what it says."""

import hashlib

from auditlog.middleware import AuditlogMiddleware as _AuditlogMiddleware
from auditlog.signals import accessed


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


class AuditlogMiddleware(_AuditlogMiddleware):
    """django-auditlog's middleware, with the client address `sessai.clientip` resolved: the stock
    one takes the left-most `X-Forwarded-For` entry, which any client can write."""

    @staticmethod
    def _get_remote_addr(request):
        return request.META.get("REMOTE_ADDR")
