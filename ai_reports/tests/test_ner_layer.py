"""The redactor's named-entity layer: offline, fast enough, and switchable."""

import socket
import time

import pytest

from ai_reports import ner
from ai_reports.redaction import Redactor


def test_the_model_loads_and_redacts_with_the_network_blocked(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the redactor tried to open a network connection")

    monkeypatch.setattr(ner, "_nlp", None)  # load it again, inside the block
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    redactor = Redactor(unannounced_names=True)
    sent = redactor.redact("Habló con Pedro del trabajo. Desesperanza marcada.")
    assert "Pedro" not in sent and "[PERSONA_1]" in sent and "Desesperanza" in sent
    assert redactor.restore(sent) == "Habló con Pedro del trabajo. Desesperanza marcada."


def test_one_placeholder_per_person_and_known_people_keep_theirs():
    redactor = Redactor(unannounced_names=True)
    redactor.patient("Josefina Aravena")
    sent = redactor.redact("Josefina dice que Rocío y Gabriel la visitan. Rocío trae comida; Gabriel no habla.")
    assert "[PACIENTE]" in sent and "Rocío" not in sent and "Gabriel" not in sent
    assert sent.count("[PERSONA_1]") == 2 and sent.count("[PERSONA_2]") == 2


def test_a_30000_character_prompt_redacts_in_under_1_5_seconds():
    text = (
        "Desesperanza marcada. Habló con Pedro del trabajo; Rocío y Gabriel se quedan con ella los domingos. "
        "Somnolencia diurna. Llamar al +56 9 8123 4567 o escribir a paciente@correo.cl. "
    ) * 170
    assert len(text) >= 30_000
    Redactor(unannounced_names=True).redact("calentar el modelo")  # loaded once per process
    # CPU time of this process: the redactor's own cost, whatever else the machine runs (the suite
    # runs on every core at once)
    start = time.process_time()
    sent = Redactor(unannounced_names=True).redact(text)
    elapsed = time.process_time() - start
    assert "Pedro" not in sent and "8123" not in sent
    assert elapsed < 1.5, f"{elapsed:.2f} s"


@pytest.mark.parametrize("enabled", [True, False])
def test_the_setting_turns_the_layer_off(settings, enabled):
    settings.AI_REDACT_UNANNOUNCED_NAMES = enabled
    sent = Redactor(unannounced_names=enabled).redact("Habló con Pedro del trabajo.")
    assert ("Pedro" in sent) is (not enabled)
    assert ner.person_names("Habló con Pedro.") == (["Pedro"] if enabled else [])
