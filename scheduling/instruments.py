"""Standardised questionnaires (PHQ-9, GAD-7), defined as data: one JSON file per instrument in
`scheduling/instrument_data/` with its official Spanish wording, answer options, severity bands and
the items that signal risk, and the source it comes from. A new instrument is a new file (and an
`AssessmentType` for its assessments). Scored by the server with the published bands
(Kroenke, Spitzer & Williams 2001; Spitzer et al. 2006)."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "instrument_data"


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    title: str
    source: str
    stem: str
    options: tuple[tuple[int, str], ...]
    items: tuple[str, ...]
    bands: tuple[tuple[int, str], ...]
    risk_items: tuple[int, ...]  # 1-based item numbers where any answer above 0 is a risk signal

    @property
    def values(self) -> frozenset[int]:
        return frozenset(value for value, _ in self.options)

    def risk_answers(self, answers: list[int]) -> list[tuple[int, int]]:
        """(item number, answer) of the risk items answered above 0."""
        return [(item, answers[item - 1]) for item in self.risk_items if answers[item - 1] > 0]


@cache
def instruments() -> dict[str, Instrument]:
    found = {}
    for path in sorted(DATA.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        found[raw["code"]] = Instrument(
            code=raw["code"],
            name=raw["name"],
            title=raw["title"],
            source=raw["source"],
            stem=raw["stem"],
            options=tuple((int(v), label) for v, label in raw["options"]),
            items=tuple(raw["items"]),
            bands=tuple((int(upper), band) for upper, band in raw["bands"]),
            risk_items=tuple(raw["risk_items"]),
        )
    return found


def instrument(code: str) -> Instrument:
    return instruments()[code]


def score(code: str, items: list[int]) -> tuple[int, str]:
    total = sum(items)
    for upper, band in instrument(code).bands:
        if total <= upper:
            return total, band
    raise ValueError(f"score {total} out of range for {code}")
