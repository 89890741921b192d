"""Word-level helpers the redactor's layers share: accent- and case-folding, and the Spanish words
a name can also be."""

import unicodedata

# Words a person's name part can share with ordinary Spanish: matched as a name only inside the
# person's full name, never alone ("Paz Rojas" is replaced; "sensación de paz" stays).
COMMON_WORDS = frozenset(
    "paz luz rosa flor mar cruz sol leal blanco blanca campos rios rio santos angeles angel pastor bravo rey reyes "
    "serrano nieto vega mora fuentes rosales valle montes soto pinto salvo dulce amparo consuelo dolores mercedes "
    "pilar rocio gracia esperanza victoria clemente justo prudencio inocencia fe caridad milagros socorro "
    "alegria amor carmen trinidad soledad".split()
)


def fold(text: str) -> str:
    """ "Ángela" and "ANGELA" alike: accents dropped, lower case."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
