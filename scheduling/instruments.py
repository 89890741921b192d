"""PHQ-9 and GAD-7 scored by the server with the published severity bands
(Kroenke, Spitzer & Williams 2001; Spitzer et al. 2006)."""

from scheduling.choices import AssessmentType

BANDS = {
    AssessmentType.PHQ9: [(4, "minimal"), (9, "mild"), (14, "moderate"), (19, "moderately_severe"), (27, "severe")],
    AssessmentType.GAD7: [(4, "minimal"), (9, "mild"), (14, "moderate"), (21, "severe")],
}


def score(instrument: str, items: list[int]) -> tuple[int, str]:
    total = sum(items)
    for upper, band in BANDS[instrument]:
        if total <= upper:
            return total, band
    raise ValueError(f"score {total} out of range for {instrument}")
