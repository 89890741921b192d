"""Sentry's before_send: events leave without tokens, passwords, cookies or clinical text."""

from sessai.logging import SECRET_PATTERNS

SENSITIVE_KEYS = {
    "authorization",
    "cookie",
    "password",
    "confirm_password",
    "current_password",
    "refresh_token",
    "access_token",
    "token",
    "content",
    "notes",
    "session_content",
    "unstructured_notes",
    "report_content",
    "x-goog-api-key",
}


def _scrub(value):
    if isinstance(value, dict):
        return {
            k: (
                "[redactado]"
                if str(k).lower().replace("-", "_") in SENSITIVE_KEYS or str(k).lower() in SENSITIVE_KEYS
                else _scrub(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, str):
        for pattern in SECRET_PATTERNS:
            value = pattern.sub("[redactado]", value)
    return value


def scrub_event(event, hint):
    request = event.get("request") or {}
    request.pop("data", None)
    request.pop("cookies", None)
    request.pop("query_string", None)  # download and iCal tokens travel in query strings
    if "url" in request:
        request["url"] = request["url"].split("?", 1)[0]
    if "headers" in request:
        request["headers"] = _scrub(request["headers"])
    event["request"] = request
    event.pop("user", None)
    for key in ("extra", "contexts", "breadcrumbs"):
        if key in event:
            event[key] = _scrub(event[key])
    for exception in (event.get("exception") or {}).get("values", []):
        exception["value"] = "[redactado]"  # an exception's message may quote the input (a note, a token)
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)  # local variables may hold clinical text
    for breadcrumb in (
        (event.get("breadcrumbs") or {}).get("values", []) if isinstance(event.get("breadcrumbs"), dict) else []
    ):
        if breadcrumb.get("message"):
            breadcrumb["message"] = "[redactado]"
        if isinstance(breadcrumb.get("data"), dict) and "url" in breadcrumb["data"]:
            breadcrumb["data"]["url"] = str(breadcrumb["data"]["url"]).split("?", 1)[0]
    if "logentry" in event:
        event["logentry"] = {"message": (event["logentry"] or {}).get("message", "")}  # the template, not its arguments
    return event
