"""Change that counts: for each patient and instrument, the first and the latest score, the
Jacobson–Truax reliable change index, and its class; and a practice's outcomes over a period.

RCI = (latest − baseline) / S_diff, with S_diff = SD · √(2 · (1 − r)) (Jacobson & Truax 1991,
J Consult Clin Psychol 59:12-19). |RCI| ≥ 1.96 is a reliable change. A reliable improvement that
also crosses the instrument's case cut-off (from at or above to below) is a recovery.

Norms (SD of a reference sample, reliability r as Cronbach's α):
- PHQ-9: SD 5.57, α 0.89, from 1,738 adults in Chilean primary care (Saldivia et al. 2019, Rev Méd
  Chile 147:53-60); case cut-off 10 (Kroenke, Spitzer & Williams 2001). Reliable change: 5.1 points.
- GAD-7: SD 3.41, α 0.89, from 5,030 adults of the German general population (Löwe et al. 2008,
  Med Care 46:266-274); case cut-off 10 (Spitzer et al. 2006). Reliable change: 3.1 points.
Both land on the thresholds services use in practice (6 and 4 whole points)."""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import F
from django.db.models.functions import Least

from scheduling.models import Assessment

# When a score was measured: its session's start, or when it was answered if that came first (a
# questionnaire answered by link before the session it belongs to).
MEASURED_AT = Least(F("session__starts_at"), F("created_at"))
MINIMUM_FOR_SHARES = 5  # no percentages over fewer patients than this
CLASSES = ("recovered", "improved", "unchanged", "deteriorated")


@dataclass(frozen=True)
class Norm:
    sd: float
    reliability: float
    cutoff: int

    @property
    def s_diff(self) -> float:
        return self.sd * math.sqrt(2 * (1 - self.reliability))

    @property
    def reliable_change(self) -> float:
        """The smallest change in points that is reliable (|RCI| ≥ 1.96)."""
        return 1.96 * self.s_diff


NORMS = {"phq9": Norm(sd=5.57, reliability=0.89, cutoff=10), "gad7": Norm(sd=3.41, reliability=0.89, cutoff=10)}


def classify(code: str, baseline: int, latest: int) -> tuple[float, str]:
    """(RCI, class) of a change from `baseline` to `latest`."""
    norm = NORMS[code]
    rci = (latest - baseline) / norm.s_diff
    if rci <= -1.96:
        return rci, "recovered" if baseline >= norm.cutoff > latest else "improved"
    if rci >= 1.96:
        return rci, "deteriorated"
    return rci, "unchanged"


def _points(rows, tz: ZoneInfo) -> list[dict]:
    return [
        {"date": row["measured_at"].astimezone(tz).date(), "score": row["score"], "session_id": row["session_id"]}
        for row in rows
    ]


def patient_outcomes(*, patient, tz: str) -> list[dict]:
    """Per instrument the patient was measured with: baseline, latest, the series, RCI and class
    (None with a single measure). One query."""
    rows = (
        Assessment.objects.filter(patient=patient, type__in=list(NORMS), score__isnull=False)
        .annotate(measured_at=MEASURED_AT)
        .order_by("measured_at", "created_at")
        .values("type", "score", "session_id", "measured_at")
    )
    series = defaultdict(list)
    for row in rows:
        series[row["type"]].append(row)
    zone = ZoneInfo(tz)
    out = []
    for code, measures in series.items():
        points = _points(measures, zone)
        first, last = points[0], points[-1]
        rci, change_class = classify(code, first["score"], last["score"]) if len(points) > 1 else (None, None)
        out.append(
            {
                "instrument": code,
                "measures": len(points),
                "baseline": first,
                "latest": last,
                "change": last["score"] - first["score"],
                "rci": round(rci, 2) if rci is not None else None,
                "change_class": change_class,
                "reliable_change": round(NORMS[code].reliable_change, 1),
                "cutoff": NORMS[code].cutoff,
                "series": points,
            }
        )
    return out


def _tally(classes: list[str]) -> dict:
    measured = len(classes)
    shown = measured >= MINIMUM_FOR_SHARES
    return {
        "measured": measured,
        "classes": {
            name: {
                "count": classes.count(name),
                "share": round(classes.count(name) / measured, 3) if shown else None,
            }
            for name in CLASSES
        },
    }


def practice_outcomes(*, practice_id, code: str, start: date, end: date, tz: str) -> dict:
    """Patients measured at least twice whose latest measure falls in [start, end], by change class,
    overall and by primary therapist; shares only over MINIMUM_FOR_SHARES patients or more. No
    patient names. One query for the scores (and the therapists' names come with it)."""
    rows = (
        Assessment.objects.filter(practice_id=practice_id, type=code, score__isnull=False)
        .annotate(measured_at=MEASURED_AT)
        .order_by("patient_id", "measured_at", "created_at")
        .values(
            "patient_id",
            "score",
            "measured_at",
            therapist_id=F("patient__primary_therapist_id"),
            therapist_name=F("patient__primary_therapist__name"),
        )
    )
    zone = ZoneInfo(tz)
    by_patient = defaultdict(list)
    for row in rows:
        by_patient[row["patient_id"]].append(row)
    overall, by_therapist, names = [], defaultdict(list), {}
    for measures in by_patient.values():
        if len(measures) < 2 or not start <= measures[-1]["measured_at"].astimezone(zone).date() <= end:
            continue
        _, change_class = classify(code, measures[0]["score"], measures[-1]["score"])
        overall.append(change_class)
        therapist = measures[-1]["therapist_id"]
        by_therapist[therapist].append(change_class)
        names[therapist] = measures[-1]["therapist_name"]
    return {
        "instrument": code,
        "start": start,
        "end": end,
        "minimum_for_shares": MINIMUM_FOR_SHARES,
        "overall": _tally(overall),
        "by_therapist": [
            {"therapist_id": therapist, "therapist_name": names[therapist] or "", **_tally(classes)}
            for therapist, classes in sorted(
                by_therapist.items(), key=lambda item: (names[item[0]] or "", str(item[0]))
            )
        ],
    }
