"""Log records carry the request id (django-guid), the caller's user and practice ids, and never
a token or a password: anything that looks like one is masked before it is written."""

import contextvars
import logging
import re

_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar("sessai_log_context", default=None)

SECRET_PATTERNS = [
    re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}"),  # JWTs (access/refresh tokens)
    re.compile(r"(?i)(bearer\s+)[\w.\-]+"),
    re.compile(r"(?i)((?:password|passwd|secret|token|api[_-]?key)[\"']?\s*[:=]\s*[\"']?)[^\s\"',&]+"),
]


def bind(**values) -> None:
    """Attach ids to every record logged for the rest of this request."""
    _context.set({**(_context.get() or {}), **values})


def clear() -> None:
    _context.set({})


class RequestContextFilter(logging.Filter):
    def filter(self, record):
        context = _context.get() or {}
        record.user_id = context.get("user_id", "")
        record.practice_id = context.get("practice_id", "")
        if not hasattr(record, "correlation_id"):
            record.correlation_id = ""
        return True


class RedactSecretsFilter(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        redacted = message
        for pattern in SECRET_PATTERNS:
            redacted = pattern.sub(lambda m: (m.group(1) if m.lastindex else "") + "[redactado]", redacted)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
