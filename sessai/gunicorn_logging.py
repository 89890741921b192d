"""gunicorn's access log without secret links: every value of a log line (the request line, the
path, the query, headers) goes through `sessai.logging.redact`, so `/p/cita/<token>` is written
as `/p/cita/[redactado]`. Set by `logger_class` in gunicorn.conf.py."""

from gunicorn.glogging import Logger

from sessai.logging import redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
