from django.apps import AppConfig


class SessaiConfig(AppConfig):
    name = "sessai"
    verbose_name = "SessAI"

    def ready(self):
        from sessai.api import schema  # noqa: F401  (registers the OpenAPI auth extension)
