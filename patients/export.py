"""The data-portability export of one patient. Apps further down the dependency chain (scheduling,
ai_reports) add their sections here from their AppConfig.ready(), so patients imports none of them."""

from collections.abc import Callable

from django.utils import timezone

_sections: dict[str, Callable] = {}


def register_section(name: str, builder: Callable) -> None:
    """`builder(patient) -> JSON-ready list/dict` for the export key `name`."""
    _sections[name] = builder


def patient_export(*, patient, profile: dict) -> dict:
    export = {"exportedAt": timezone.now().isoformat(), "patient": profile}
    for name, builder in _sections.items():
        export[name] = builder(patient)
    return export
