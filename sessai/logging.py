"""Log records carry the request id (django-guid), the caller's user and practice ids, and never
a token or a password: anything that looks like one is masked before it is written. That includes
the paths of links whose path is the credential (a patient's appointment, wait-list claim and
consent links, an export package's download): Django's request warnings and gunicorn's access log
(sessai.gunicorn_logging) write them as `/p/cita/[redactado]`."""

import contextvars
import logging
import re

_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar("sessai_log_context", default=None)

SECRET_PATTERNS = [
    re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}"),  # JWTs (access/refresh tokens)
    re.compile(r"(?i)(bearer\s+)[\w.\-]+"),
    re.compile(r"(?i)((?:password|passwd|secret|token|api[_-]?key)[\"']?\s*[:=]\s*[\"']?)[^\s\"',&]+"),
]


# Routes whose last segment is a signed token (`<app>/page_urls.py`); `?token=` is covered above.
TOKEN_PATHS = [
    re.compile(r"(/p/(?:cita|lista-de-espera|consentimiento|cuestionario)/)[^/?#\s\"']+"),
    re.compile(r"(/exportacion/[0-9a-fA-F-]{36}/)[^/?#\s\"']+"),
]


def redact(text: str) -> str:
    """`text` with every token, password and secret link masked."""
    for pattern in (*SECRET_PATTERNS, *TOKEN_PATHS):
        text = pattern.sub(lambda m: (m.group(1) if m.lastindex else "") + "[redactado]", text)
    return text


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
        request = record.__dict__.get("request")
        if request is not None and not isinstance(request, str):  # django.request's extra: the JSON formatter writes it
            record.request = redact(f"{getattr(request, 'method', '')} {getattr(request, 'path', '')}")
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
