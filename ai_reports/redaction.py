"""Pseudonymisation before text leaves for the AI provider: the patient's and third parties'
names, RUTs, emails, phones and addresses become placeholders, restored in the answer.

Known identifiers (the patient's record, the emergency contact, the practice's people) are
replaced exactly; emails, phones, RUTs and street addresses by pattern; other people's names by
the way Spanish clinical notes introduce them ("su madre Ana", "se llama Pedro", "Sra. Rojas").
A name written with none of those cues cannot be recognised without a language model: the
closing note of the AI issue says so."""

import re

from ai_reports.ner import person_names
from ai_reports.words import COMMON_WORDS, fold

NAME = r"[A-ZÁÉÍÓÚÑÜ][a-záéíóúñü]+(?:\s+(?:de\s+(?:la\s+|los\s+)?)?[A-ZÁÉÍÓÚÑÜ][a-záéíóúñü]+){0,3}"
RELATION = (
    r"madre|padre|mamá|papá|hermano|hermana|hijo|hija|pareja|ex\s?pareja|esposo|esposa|exesposo|exesposa|marido|mujer|"
    r"novio|novia|pololo|polola|expololo|expolola|conviviente|amigo|amiga|jefe|jefa|tío|tía|abuelo|abuela|primo|prima|"
    r"nieto|nieta|sobrino|sobrina|suegro|suegra|cuñado|cuñada|yerno|nuera|padrastro|madrastra|hermanastro|hermanastra|"
    r"compañero|compañera|colega|vecino|vecina|profesor|profesora|profe|psiquiatra|psicólogo|psicóloga|terapeuta|"
    r"médico|médica|doctor|doctora|cuidador|cuidadora|nana|apoderado|apoderada|tutor|tutora|guagua|bebé"
)
PATTERNS = [
    # bounded as RFC 5321 bounds them (local part 64, labels 63): an unbounded `[\w.+-]+@` rescans a
    # long unbroken word from every position (50,000 characters took 5 s)
    ("EMAIL", re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")),
    ("RUT", re.compile(r"\b\d{1,2}\.?\d{3}\.?\d{3}\s?-\s?[\dkK]\b")),
    # Chilean mobiles (9 XXXX XXXX) and Santiago landlines (2 XXXX XXXX), with or without +56.
    ("TELEFONO", re.compile(r"(?:\+?56[\s.-]?)?(?:\(?[29]\)?)[\s.-]?\d{4}[\s.-]?\d{4}\b")),
    (
        "DIRECCION",
        re.compile(
            r"\b(?:[Cc]alle|[Aa]v\.|[Aa]venida|[Pp]asaje|[Pp]sje\.|[Cc]amino|[Cc]alle)\s+"
            r"(?:(?:de|del|la|las|los|el)\s+|[A-ZÁÉÍÓÚÑ0-9][\wáéíóúñ.]*\s*){1,6}\d{1,5}"
            r"(?:\s*,\s*(?:depto\.?|dpto\.?|casa|oficina)\s*\w+)?"
        ),
    ),
]
# The cue is case-insensitive ("Su madre", "Se llama"); the name itself must be capitalised.
QUALIFIER = (
    r"(?:\s+(?i:de\s+(?:trabajo|curso|colegio|universidad|oficina|departamento|infancia)|anterior|mayor|menor))?"
)
NAME_CUES = [
    re.compile(rf"\b(?i:{RELATION}){QUALIFIER}(?:\s+(?i:de\s+)?(?i:nombre|llamad[oa]))?\s+({NAME})"),
    re.compile(rf"\b(?i:se\s+llama|llamad[oa]|conocid[oa]\s+como)\s+({NAME})"),
    re.compile(
        rf"\b(?:Sr\.?|Sra\.?|Srta\.?|(?i:señor|señora|señorita)|Don|Doña|Dr\.?|Dra\.?|Ps\.?|Prof\.?)\s+({NAME})"
    ),
    # "su hijo de 8 años, Tomás", "su madre (Carmen)": the name a comma or parenthesis away
    re.compile(rf"\b(?i:su|sus|mi|mis)\s+(?i:{RELATION})(?:\s+(?i:de)\s+\d+\s+(?i:años))?\s*[,(]\s*({NAME})"),
]

REPEATED_PLACEHOLDER = re.compile(r"(\[(?:PACIENTE|[A-Z]+_\d+)\])(?:[ \t]+\1)+")


class Redactor:
    def __init__(self, name_lookup=None, unannounced_names: bool = False):
        """`name_lookup(text) -> [full names]`: people of the practice the text may mention (the
        database's name index), consulted for every text before it is redacted."""
        self._name_lookup = name_lookup
        self._unannounced = unannounced_names  # the named-entity layer (ai_reports/ner.py)
        self._looked_up: set[str] = set()
        self._by_value: dict[str, str] = {}
        self._originals: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        self._spread: set[str] = set()  # folded values replaced wherever they appear (names, known identifiers)
        self._capitalized: dict[str, str] = {}  # name parts that are also words: replaced only when capitalised

    def _placeholder(self, kind: str, value: str) -> str:
        key = fold(value.strip())
        if key in self._by_value:
            return self._by_value[key]
        if kind == "PACIENTE":
            token = "[PACIENTE]"
        else:
            self._counters[kind] = self._counters.get(kind, 0) + 1
            token = f"[{kind}_{self._counters[kind]}]"
        self._by_value[key] = token
        self._originals[token] = value.strip()
        return token

    def known(self, kind: str, value: str | None) -> None:
        """Register an identifier to replace wherever it appears (names also by their parts)."""
        if not value or len(value.strip()) < 3:
            return
        self._placeholder(kind, value)
        self._spread.add(fold(value.strip()))

    def known_person(self, name: str) -> None:
        """Someone of the practice found in the text through the name index: the full name, and
        each part, wherever they appear (a part that is also an ordinary word only capitalised)."""
        name = " ".join(name.split())
        if len(name) >= 3:
            self.known("PERSONA", name)
            self._parts(name, self._by_value[fold(name)])

    def patient(self, name: str) -> None:
        name = " ".join(name.split())
        if len(name) >= 3:
            self.known("PACIENTE", name)
            self._parts(name, "[PACIENTE]")

    def _unannounced_name(self, name: str) -> None:
        """A name only the model saw: replaced where it is written capitalised (the model found
        it so), one placeholder per person; a known person or patient keeps theirs."""
        key = fold(name)
        if key in self._by_value or key in {fold(form) for form in self._capitalized}:
            return
        token = self._placeholder("PERSONA", name)
        self._capitalized.setdefault(name, token)
        self._capitalized.setdefault(fold(name).title(), token)

    def _parts(self, name: str, token: str) -> None:
        for part in name.split():
            folded = fold(part)
            if len(folded) < 3 or folded in {"del", "las", "los"}:
                continue
            if folded in COMMON_WORDS:  # "Paz" is a name, "paz" a word
                for form in {part, folded.capitalize()}:
                    self._capitalized.setdefault(form, token)
            else:
                self._by_value.setdefault(folded, token)
                self._spread.add(folded)

    def redact(self, text: str) -> str:
        if not text:
            return text
        self._discover(text)
        return self._apply(text)

    def redact_parts(self, parts: list[str]) -> list[str]:
        """Several texts of one document (a transcript's segments): the people in them are looked
        up once in the whole (one query, one pass of the model), then each part is redacted alone,
        so what the caller puts between them (speaker labels, numbering) is never touched."""
        self._discover("\n".join(parts))
        return [self._apply(part) if part else part for part in parts]

    def _discover(self, text: str) -> None:
        """Register the people `text` names: the practice's (name index) and, with the model on,
        those nobody introduced."""
        if self._name_lookup is not None:
            for name in self._name_lookup(text):
                if name not in self._looked_up:
                    self._looked_up.add(name)
                    self.known_person(name)
        if self._unannounced:
            for name in person_names(text):
                self._unannounced_name(name)

    def _apply(self, text: str) -> str:
        for kind, pattern in PATTERNS:
            text = pattern.sub(lambda m, kind=kind: self._placeholder(kind, m.group(0)), text)
        for cue in NAME_CUES:
            text = cue.sub(self._cued_name, text)
        text = self._replace_spread(text)
        if self._capitalized:
            pattern = re.compile(
                rf"(?<![\w\[])(?:{'|'.join(map(re.escape, sorted(self._capitalized, key=len, reverse=True)))})(?![\w\]])"
            )
            text = pattern.sub(lambda m: self._capitalized[m.group(0)], text)
        # "Gracias, Juan Carlos" → "Gracias, [PACIENTE]", not "[PACIENTE] [PACIENTE]": one person, one placeholder
        return REPEATED_PLACEHOLDER.sub(r"\1", text)

    def _cued_name(self, match) -> str:
        self._spread.add(fold(match.group(1).strip()))
        return match.group(0).replace(match.group(1), self._placeholder("PERSONA", match.group(1)))

    def _replace_spread(self, text: str) -> str:
        """Names and known identifiers wherever else they appear, accent- and case-insensitively,
        on word boundaries, longest first: one pass over the text whatever their number (a value
        at a time was quadratic: 5 s for 50,000 characters full of pattern matches)."""
        values = sorted(self._spread, key=len, reverse=True)
        if not values:
            return text
        folded = fold(text)
        if len(folded) != len(text):  # characters that decompose unusually: exact, case-insensitive match
            pattern = re.compile(rf"(?<![\w\[])(?:{'|'.join(map(re.escape, values))})(?![\w\]])", re.IGNORECASE)
            return pattern.sub(lambda m: self._by_value.get(fold(m.group(0)), m.group(0)), text)
        pattern = re.compile(rf"(?<![\w\[])(?:{'|'.join(map(re.escape, values))})(?![\w\]])")
        out, start = [], 0
        for match in pattern.finditer(folded):
            out.append(text[start : match.start()])
            out.append(self._by_value[match.group(0)])
            start = match.end()
        out.append(text[start:])
        return "".join(out)

    def restore(self, text: str) -> str:
        if not text:
            return text
        return re.sub(r"\[(?:PACIENTE|[A-Z]+_\d+)\]", lambda m: self._originals.get(m.group(0), m.group(0)), text)

    def restore_stream(self, chunks):
        """Restore placeholders in a stream whose chunks may cut one in half."""
        pending = ""
        for chunk in chunks:
            pending += chunk
            cut = pending.rfind("[")
            if cut != -1 and "]" not in pending[cut:] and len(pending) - cut < 20:
                ready, pending = pending[:cut], pending[cut:]
            else:
                ready, pending = pending, ""
            if ready:
                yield self.restore(ready)
        if pending:
            yield self.restore(pending)
