from django.apps import AppConfig


class SessaiConfig(AppConfig):
    name = "sessai"
    verbose_name = "SessAI"

    def ready(self):
        from django.core import checks

        from sessai.api import schema  # noqa: F401  (registers the OpenAPI auth extension)
        from sessai.audit import skip_reverse_one_to_one
        from sessai.middleware import csrf_middleware_check

        checks.register(csrf_middleware_check, checks.Tags.security, deploy=True)

        skip_reverse_one_to_one()
