"""Strings are valid text at the door: a JSON string, a query value, a form value or a header used
as a key that holds a NUL or a lone UTF-16 surrogate (U+D800–U+DFFF) is refused with a 400 before
any view sees it. Neither is text a person typed; the database refuses NUL in text columns, and a
lone surrogate cannot be encoded as UTF-8 (a rate-limit key, a cache key, the JSON renderer that
echoes a wrong choice back). Checked once, here: by the JSON parser (sessai.api.parsers) and by
`ValidTextMiddleware` for query strings, form posts and key headers."""

import re

from django.utils.translation import gettext_lazy as _

INVALID = re.compile("[\x00\ud800-\udfff]")
MESSAGE = _("El texto contiene caracteres no válidos (un carácter nulo o un sustituto UTF-16 suelto).")
KEY_HEADERS = ("HTTP_IDEMPOTENCY_KEY",)  # headers whose value becomes a key in the cache or the database


def is_invalid(value) -> bool:
    return isinstance(value, str) and INVALID.search(value) is not None


def first_invalid(data, path: str = "") -> str | None:
    """Where the first invalid string (key or value) sits in parsed JSON, as `a.b.0`; None if all
    are valid. Iterative: a deeply nested document cannot exhaust the stack here."""
    stack = [(path, data)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                name = f"{where}.{key}" if where else str(key)
                if is_invalid(key):
                    return where or "nonFieldErrors"
                stack.append((name, value))
        elif isinstance(item, list):
            stack.extend((f"{where}.{index}" if where else str(index), value) for index, value in enumerate(item))
        elif is_invalid(item):
            return where or "nonFieldErrors"
    return None


def invalid_in_request(request) -> str | None:
    """The name of the first query parameter, urlencoded form field or key header holding invalid
    text; None when there is none. Multipart bodies are left to their forms and serializers."""
    for name, values in request.GET.lists():
        if is_invalid(name) or any(is_invalid(v) for v in values):
            return name if not is_invalid(name) else "query"
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        for name, values in request.POST.lists():
            if is_invalid(name) or any(is_invalid(v) for v in values):
                return name if not is_invalid(name) else "form"
    for header in KEY_HEADERS:
        if INVALID.search(request.META.get(header, "")) or any(ord(c) < 32 for c in request.META.get(header, "")):
            return header.removeprefix("HTTP_").replace("_", "-").title()
    return None
