"""Read queries for patients. `patient_scope` is the one place that says who sees which patient."""

import re
import unicodedata

from django.apps import apps
from django.contrib.postgres.aggregates import JSONBAgg
from django.db.models import Exists, JSONField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject

from accounts.choices import Role
from accounts.models import Membership
from patients.choices import PatientStatus
from patients.models import CareTeamMember, Patient, PatientNameToken
from patients.rut import rut_clean
from sessai.errors import NotFound


def patient_scope(membership: Membership) -> QuerySet[Patient]:
    """Patients the member may see: the whole practice for admins and assistants (assistants get
    administrative fields only), the care-team patients for therapists."""
    qs = Patient.objects.filter(practice_id=membership.practice_id)
    if membership.role == Role.THERAPIST:
        qs = qs.filter(Exists(CareTeamMember.objects.filter(patient_id=OuterRef("pk"), user_id=membership.user_id)))
    return qs


def fold_text(text: str) -> str:
    """Lower-case and strip accents the way the database's search column does."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_RUT_LIKE = re.compile(r"^[\d.\-\s]+[kK]?$")


def search_terms(text: str) -> list[str] | None:
    """Every word is a prefix ('mari jos' finds 'María José Pérez'); a RUT ignores dots and dash."""
    text = (text or "").strip()
    if not text:
        return None
    if _RUT_LIKE.match(text):
        terms = [term for term in [rut_clean(text).lower()] if term]  # "-" or "." clean to nothing
    else:
        terms = re.findall(r"[a-z0-9]+", fold_text(text))
    return terms[:8] or None


# Past every word that starts with a prefix, in the tokens' C collation (byte order of UTF-8).
_LAST = "\U0010ffff"


def matching(qs: QuerySet[Patient], terms: list[str]) -> QuerySet[Patient]:
    """The patients with a word starting with each term, through the name tokens' btree: a range
    on it is an index condition beside the practice's row-level policy, where the full-text match
    is not (not leakproof), so searching stays fast under row-level security."""
    for term in terms:
        words = PatientNameToken.objects.filter(
            practice_id=OuterRef("practice_id"), patient_id=OuterRef("pk"), token__gte=term, token__lt=term + _LAST
        )
        qs = qs.filter(Exists(words))
    return qs


def _naming(practice_id, words) -> QuerySet[Patient]:
    """The practice's patients with one of `words` (whole words) in their name."""
    tokens = PatientNameToken.objects.filter(practice_id=practice_id, token__in=sorted(words)[:5000])
    return Patient.objects.filter(practice_id=practice_id, pk__in=tokens.values("patient_id"))


def patient_visible(membership: Membership, pk) -> Patient:
    """The patient `pk` if the member may see them (with their practice), else 404: what every
    route under `/patients/{id}/…` starts with."""
    patient = patient_scope(membership).select_related("practice").filter(pk=pk).first()
    if patient is None:
        raise NotFound()
    return patient


def with_care_team(qs: QuerySet[Patient]) -> QuerySet[Patient]:
    """Each patient with its care team (`Patient.care_team_refs`) aggregated by the database in the
    same statement: no second query, and no member or user objects built to read two columns."""
    members = CareTeamMember.objects.filter(patient_id=OuterRef("pk")).order_by().values("patient_id")
    refs = members.annotate(
        refs=JSONBAgg(JSONObject(id="user_id", name="user__name"), order_by=("created_at", "id"))
    ).values("refs")
    return qs.annotate(care_team_json=Subquery(refs, output_field=JSONField()))


def with_risk_flag(qs: QuerySet[Patient]) -> QuerySet[Patient]:
    """Each patient with `open_risk_alert`: a questionnaire risk alert not reviewed yet
    (scheduling's `RiskAlert`, looked up by name: scheduling sits above patients), in the same
    statement, through the alerts' (practice, patient) index."""
    alerts = apps.get_model("scheduling", "RiskAlert").objects.filter(
        patient_id=OuterRef("pk"), acknowledged_at__isnull=True
    )
    return qs.annotate(open_risk_alert=Exists(alerts))


def patient_search(*, membership: Membership, q: str, limit: int = 20) -> QuerySet[Patient]:
    """The picker: active and inactive patients matching `q`, at most `limit`."""
    terms = search_terms(q)
    qs = patient_scope(membership).exclude(status=PatientStatus.ARCHIVED)
    if terms is None:
        return qs.none()
    return matching(qs, terms).order_by("name", "id").only("id", "name", "rut")[:limit]


# Function words long enough to be looked up but that no one is called by.
_NOT_NAMES = frozenset("del las los san una uno con por que para sin sus ella ellos esta este".split())


def ai_restricted_patient_named(*, practice_id, text: str) -> Patient | None:
    """A patient of the practice who opposed AI processing or has it blocked, and whom `text`
    names (their first name and one of their surnames both appear in it), through the same name
    index: what a note sent to the AI without a patient id must be checked against."""
    words = set(re.findall(r"[a-zñ]{2,}", fold_text(text))) - _NOT_NAMES
    if not words:
        return None
    restricted = (
        _naming(practice_id, words)
        .filter(Q(ai_processing=False) | Q(processing_blocked=True))
        .only("id", "name", "ai_processing", "processing_blocked")
    )
    for patient in restricted:
        parts = fold_text(patient.name).split()
        if len(parts) >= 2 and parts[0] in words and any(part in words for part in parts[1:]):
            return patient
    return None


def name_parts_in_text(*, practice_id, text: str, limit: int = 500) -> list[str]:
    """The practice's patients' full names that share a word with `text`, through the name tokens
    the database keeps (the accent-folded search column's words, a btree): one query, however
    many patients the practice has, and nothing loaded that the text does not mention."""
    words = {w for w in re.findall(r"[a-zñ]{3,}", fold_text(text)) if w not in _NOT_NAMES}
    if not words:
        return []
    return list(_naming(practice_id, words).values_list("name", flat=True).order_by("name")[:limit])
