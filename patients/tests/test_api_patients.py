from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.utils import timezone

from accounts.choices import Role
from accounts.tests.factories import MembershipFactory
from ai_reports import contributions
from patients.models import CareTeamMember, Patient, PatientNameToken
from patients.rut import rut_check_digit, rut_format, rut_is_valid
from patients.selectors import matching, search_terms
from patients.services import patient_find_or_register
from patients.services import patients as patient_services
from patients.tests.factories import PatientFactory, patient_for
from scheduling import receivers
from scheduling.models import Session
from sessai import scope
from sessai.db import as_owner

pytestmark = pytest.mark.django_db

URL = "/api/patients"


# --- RUT ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, valid",
    [
        ("12.345.678-5", True),
        ("12345678-5", True),
        ("123456785", True),
        (" 12.345.678 - 5 ", True),
        ("12.345.678-9", False),
        ("10.000.013-K", True),
        ("10000013k", True),
        ("10000013-0", False),
        ("1-9", True),
        ("abc", False),
        ("", False),
        ("12.345.678", False),
        ("1234567890-1", False),
    ],
)
def test_rut_validation(value, valid):
    assert rut_is_valid(value) is valid


def test_rut_check_digit_and_format():
    assert rut_check_digit("12345678") == "5"
    assert rut_check_digit("10000013") == "K"
    assert rut_check_digit("11111111") == "1"
    assert rut_format("123456785") == "12.345.678-5"
    assert rut_format("10000013K") == "10.000.013-K"


# --- Create ---------------------------------------------------------------------------------


def test_therapist_creates_patient_with_only_a_name(as_therapist):
    response = as_therapist.post(URL, {"name": "María José Pérez"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "active" and body["totalSessions"] == 0 and body["lastSessionDate"] is None
    assert body["primaryTherapistId"] == str(as_therapist.user.id) and body["therapistIds"] == []
    assert body["address"] == {"street": "", "city": "", "region": "", "zipCode": ""}
    assert body["emergencyContact"] is None


def test_ui_flat_form_is_accepted_and_answered_nested(as_therapist):
    payload = {
        "name": "Pedro Soto",
        "rut": "12.345.678-5",
        "email": "pedro@correo.cl",
        "phone": "+56 9 1234 5678",
        "birthDate": "1990-05-17",
        "address": "Av. Siempre Viva 742, Ñuñoa",
        "emergencyContact": "Rosa Soto",
        "emergencyPhone": "+56 9 8765 4321",
    }
    response = as_therapist.post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["rut"] == "12.345.678-5"
    assert body["address"]["street"] == "Av. Siempre Viva 742, Ñuñoa"
    assert body["emergencyContact"] == {"name": "Rosa Soto", "phone": "+56 9 8765 4321", "relationship": ""}
    assert Patient.objects.get().rut == "123456785"


def test_nested_shape_is_accepted(as_admin, therapist_member):
    payload = {
        "name": "Ana Rojas",
        "rut": "10000013k",
        "address": {"street": "Los Leones 10", "city": "Santiago", "region": "RM", "zipCode": "7500000"},
        "emergencyContact": {"name": "Luis", "phone": "+56 9 1111 2222", "relationship": "Padre"},
        "primaryTherapistId": str(therapist_member.user_id),
        "notes": "Derivada por ansiedad",
    }
    response = as_admin.post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["rut"] == "10.000.013-K" and body["address"]["zipCode"] == "7500000"
    assert body["emergencyContact"]["relationship"] == "Padre" and body["notes"] == "Derivada por ansiedad"
    assert body["primaryTherapistId"] == str(therapist_member.user_id)


@pytest.mark.parametrize(
    "payload, field, message",
    [
        ({}, "name", "Por favor ingresa el nombre del paciente."),
        ({"name": "   "}, "name", "Por favor ingresa el nombre del paciente."),
        ({"name": "x" * 101}, "name", "El nombre no puede exceder 100 caracteres"),
        ({"name": "Ana", "rut": "12.345.678-9"}, "rut", "RUT inválido: revisa el dígito verificador"),
        ({"name": "Ana", "rut": "hola"}, "rut", "RUT inválido: revisa el dígito verificador"),
        ({"name": "Ana", "email": "no-es-email"}, "email", "Email inválido"),
        ({"name": "Ana", "status": "Activo"}, "status", None),
        ({"name": "Ana", "birthDate": "2999-01-01"}, "birthDate", None),
        ({"name": "Ana", "birthDate": "17/05/1990"}, "birthDate", None),
        (
            {"name": "Ana", "emergencyContact": {"name": "Luis", "phone": "1"}},
            "emergencyContact.relationship",
            "Relación es requerida",
        ),
        ({"name": "Ana", "therapistIds": ["no-uuid"]}, "therapistIds.0", None),
    ],
)
def test_create_bad_input_is_400_and_saves_nothing(as_therapist, payload, field, message):
    response = as_therapist.post(URL, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert field in body["errors"], body
    if message:
        assert body["errors"][field] == [message] and body["message"] == message
    assert not Patient.objects.exists()


def test_therapist_of_another_practice_cannot_join_care_team(as_admin, other_admin_member):
    response = as_admin.post(URL, {"name": "Ana", "therapistIds": [str(other_admin_member.user_id)]}, format="json")
    assert response.status_code == 400 and "therapistIds" in response.json()["errors"]
    assert not Patient.objects.exists()


def test_rut_is_unique_per_practice(as_therapist, as_other_admin):
    assert as_therapist.post(URL, {"name": "A", "rut": "12.345.678-5"}, format="json").status_code == 201
    duplicate = as_therapist.post(URL, {"name": "B", "rut": "123456785"}, format="json")
    assert duplicate.status_code == 400 and duplicate.json()["errors"]["rut"]
    assert as_other_admin.post(URL, {"name": "C", "rut": "12345678-5"}, format="json").status_code == 201


def test_patients_require_token(api):
    assert api.get(URL).status_code == 401
    assert api.post(URL, {"name": "X"}, format="json").status_code == 401


# --- Visibility -----------------------------------------------------------------------------


def test_therapist_sees_only_care_team_patients(as_therapist, therapist_member, practice):
    mine = patient_for(therapist_member)
    colleague = MembershipFactory(practice=practice, role=Role.THERAPIST)
    theirs = patient_for(colleague)
    shared = patient_for(colleague)
    CareTeamMember.objects.create(patient=shared, user=therapist_member.user)
    ids = {p["id"] for p in as_therapist.get(URL).json()["data"]}
    assert ids == {str(mine.id), str(shared.id)}
    assert as_therapist.get(f"{URL}/{theirs.id}").status_code == 404
    assert as_therapist.patch(f"{URL}/{theirs.id}", {"name": "X"}, format="json").status_code == 404


def test_other_practice_patient_is_404(as_admin, other_admin_member):
    foreign = patient_for(other_admin_member)
    for call in (as_admin.get, as_admin.delete):
        assert call(f"{URL}/{foreign.id}").status_code == 404
    assert as_admin.put(f"{URL}/{foreign.id}", {"name": "X"}, format="json").status_code == 404
    assert as_admin.get(f"{URL}/{foreign.id}/export").status_code == 404
    assert Patient.objects.get(pk=foreign.pk).name != "X"


def test_assistant_never_receives_clinical_content(as_assistant, therapist_member):
    patient = patient_for(therapist_member, notes="Ideación pasiva")
    detail = as_assistant.get(f"{URL}/{patient.id}")
    assert detail.status_code == 200
    assert "notes" not in detail.json() and "Ideación" not in detail.content.decode()
    listed = as_assistant.get(URL).json()["data"][0]
    assert "notes" not in listed and listed["name"] == patient.name
    # Writing notes as an assistant changes nothing.
    as_assistant.patch(f"{URL}/{patient.id}", {"notes": "otra cosa", "phone": "+56 2 2222 2222"}, format="json")
    patient.refresh_from_db()
    assert patient.notes == "Ideación pasiva" and patient.phone == "+56 2 2222 2222"


def test_assistant_cannot_archive_or_export(as_assistant, therapist_member):
    patient = patient_for(therapist_member)
    assert as_assistant.delete(f"{URL}/{patient.id}").status_code == 403
    assert as_assistant.get(f"{URL}/{patient.id}/export").status_code == 403


# --- Update and archive ---------------------------------------------------------------------


def test_put_and_patch_update(as_therapist, therapist_member, practice):
    patient = patient_for(therapist_member)
    colleague = MembershipFactory(practice=practice, role=Role.THERAPIST)
    response = as_therapist.put(
        f"{URL}/{patient.id}",
        {"name": "Nuevo Nombre", "therapistIds": [str(colleague.user_id)], "notes": "nota"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["therapistIds"] == [str(colleague.user_id)]
    assert {t["id"] for t in response.json()["therapists"]} == {str(therapist_member.user_id), str(colleague.user_id)}
    patched = as_therapist.patch(f"{URL}/{patient.id}", {"status": "inactive"}, format="json").json()
    assert patched["status"] == "inactive" and patched["name"] == "Nuevo Nombre" and patched["notes"] == "nota"


def test_patch_bad_input_leaves_patient_untouched(as_therapist, therapist_member):
    patient = patient_for(therapist_member, name="Original")
    response = as_therapist.patch(f"{URL}/{patient.id}", {"name": "Otro", "rut": "1-1"}, format="json")
    assert response.status_code == 400
    patient.refresh_from_db()
    assert patient.name == "Original"


def test_delete_archives_and_keeps_the_record(as_therapist, therapist_member):
    patient = patient_for(therapist_member)
    response = as_therapist.delete(f"{URL}/{patient.id}")
    assert response.status_code == 200 and response.json()["status"] == "archived"
    assert Patient.objects.filter(pk=patient.pk).exists()
    assert as_therapist.get(URL).json()["data"] == []
    assert len(as_therapist.get(f"{URL}?status=archived").json()["data"]) == 1


# --- List and search ------------------------------------------------------------------------


@pytest.fixture
def people(admin_member):
    names = ["María José Pérez", "Mario Núñez", "José Martínez", "Ana Peña", "Marisol Ibáñez"]
    ruts = ["123456785", "10000013K", "", "", "11111111"]
    return {n: PatientFactory(practice=admin_member.practice, name=n, rut=r) for n, r in zip(names, ruts, strict=True)}


@pytest.mark.parametrize(
    "query, expected",
    [
        ("mari", {"María José Pérez", "Mario Núñez", "Marisol Ibáñez"}),
        ("MARÍA", {"María José Pérez"}),
        ("jose", {"María José Pérez", "José Martínez"}),
        ("jos mar", {"María José Pérez", "José Martínez"}),
        ("perez", {"María José Pérez"}),
        ("pena", {"Ana Peña"}),
        ("nunez", {"Mario Núñez"}),
        ("12.345.678-5", {"María José Pérez"}),
        ("12345", {"María José Pérez"}),
        ("10.000.013-k", {"Mario Núñez"}),
        ("zzz", set()),
        ("ez", set()),  # prefixes of words, not substrings
    ],
)
def test_search(as_admin, people, query, expected):
    response = as_admin.get(URL, {"search": query})
    assert response.status_code == 200
    assert {p["name"] for p in response.json()["data"]} == expected


def test_picker_search_is_a_bare_array_of_at_most_20(as_admin, admin_member):
    PatientFactory.create_batch(25, practice=admin_member.practice, name="Martina Fuentes", rut="")
    response = as_admin.get(f"{URL}/search", {"q": "mart"})
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list) and len(body) == 20 and set(body[0]) == {"id", "name", "rut"}
    assert as_admin.get(f"{URL}/search").json() == []


def test_filters_ordering_and_pagination(as_admin, admin_member, therapist_member, people):
    Patient.objects.filter(name="Ana Peña").update(last_session_date=date(2026, 1, 1), status="inactive")
    Patient.objects.filter(name="Mario Núñez").update(last_session_date=date(2026, 3, 1))
    CareTeamMember.objects.create(patient=people["José Martínez"], user=therapist_member.user)
    assert [p["name"] for p in as_admin.get(URL, {"status": "inactive"}).json()["data"]] == ["Ana Peña"]
    assert [p["name"] for p in as_admin.get(URL, {"therapistId": str(therapist_member.user_id)}).json()["data"]] == [
        "José Martínez"
    ]
    ordered = [p["name"] for p in as_admin.get(URL, {"ordering": "-lastSessionDate"}).json()["data"]]
    assert ordered[:2] == ["Mario Núñez", "Ana Peña"]
    page = as_admin.get(URL, {"limit": 2, "page": 2}).json()
    assert page["pagination"] == {"page": 2, "limit": 2, "total": 5, "totalPages": 3} and len(page["data"]) == 2


@pytest.mark.parametrize(
    "params", [{"status": "Activo"}, {"therapistId": "nope"}, {"ordering": "rut"}, {"search": "x" * 200}]
)
def test_list_bad_query_params_are_400(as_admin, params):
    response = as_admin.get(URL, params)
    assert response.status_code == 400 and response.json()["errors"]


def test_list_query_count_is_constant(as_admin, admin_member, django_assert_max_num_queries):
    therapists = [MembershipFactory(practice=admin_member.practice) for _ in range(3)]
    for i in range(40):
        patient = PatientFactory(practice=admin_member.practice, primary_therapist=therapists[i % 3].user)
        CareTeamMember.objects.create(patient=patient, user=therapists[i % 3].user)
        CareTeamMember.objects.create(patient=patient, user=therapists[(i + 1) % 3].user)
    with django_assert_max_num_queries(4):
        response = as_admin.get(URL, {"limit": 100, "search": ""})
    assert len(response.json()["data"]) == 40


def test_search_uses_the_name_tokens_index_under_row_level_security(transactional_db, admin_member):
    """30,000 patients, enough rows for the planner's choice to mean something (copies of one saved
    row made by the database, whose trigger writes their name tokens). Searched as a request is,
    in the practice's scope under its row-level policy: the prefixes are ranges on the tokens'
    btree (an index condition beside the policy; the full-text match was not, being not leakproof,
    and read every patient of the practice)."""
    template = Patient.objects.create(practice=admin_member.practice, name="Plantilla")
    copied = [
        f.column
        for f in Patient._meta.concrete_fields
        if f.column not in ("id", "name", "search_vector") and not f.generated
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO patients_patient (id, name, {', '.join(copied)}) "
            f"SELECT gen_random_uuid(), format('Nombre%%s Apellido%%s Segundo%%s', i %% 150, i %% 997, i %% 499), "
            f"{', '.join('t.' + c for c in copied)} FROM patients_patient t, generate_series(0, 29999) i WHERE t.id = %s",
            [template.pk],
        )
    template.delete()
    with as_owner() as owner, owner.cursor() as cursor:
        cursor.execute("ANALYZE patients_patient; ANALYZE patients_patientnametoken")
    with scope.in_practice(admin_member.practice_id):
        qs = matching(
            Patient.objects.filter(practice_id=admin_member.practice_id), search_terms("apellido777 segundo1")
        )
        plan = qs.explain()
        found = {p.name for p in qs}
    assert "patient_token_lookup" in plan and "Seq Scan on patients_patient" not in plan, plan
    assert found == {
        f"Nombre{i % 150} Apellido777 Segundo{i % 499}"
        for i in range(30000)
        if i % 997 == 777 and str(i % 499).startswith("1")
    }


def test_the_name_tokens_follow_the_name(admin_member):
    """Written by the database on insert, replaced when the name or RUT changes (an anonymization
    leaves none of the old name), gone with the patient."""
    patient = Patient.objects.create(practice=admin_member.practice, name="María José Núñez", rut="123456785")
    tokens = lambda: sorted(PatientNameToken.objects.filter(patient=patient).values_list("token", flat=True))  # noqa: E731
    assert tokens() == ["123456785", "jose", "maria", "nunez"]
    patient.name = "Paciente anonimizado"
    patient.rut = ""
    patient.save()
    assert tokens() == ["anonimizado", "paciente"]
    patient.notes = "otra cosa"
    patient.save()  # no change to the search column: the tokens stay as they were
    assert tokens() == ["anonimizado", "paciente"]
    patient.delete()
    assert not PatientNameToken.objects.exists()


# --- Export and audit -----------------------------------------------------------------------


def test_export_contains_the_whole_record_and_is_audited(as_therapist, therapist_member):
    patient = patient_for(therapist_member, notes="Antecedentes")
    as_therapist.post(
        "/api/sessions",
        {
            "patientId": str(patient.id),
            "sessionDate": "2026-03-02",
            "sessionTime": "10:00",
            "sessionContent": "<p>Sesión uno</p>",
            "assessments": [{"type": "phq9", "items": [1] * 9}],
        },
        format="json",
    )
    response = as_therapist.get(f"{URL}/{patient.id}/export")
    assert response.status_code == 200
    body = response.json()
    assert body["patient"]["notes"] == "Antecedentes"
    assert body["sessions"][0]["content"] == "<p>Sesión uno</p>"
    assert body["assessments"][0]["score"] == 9
    assert LogEntry.objects.filter(
        object_pk=str(patient.pk), action=LogEntry.Action.ACCESS, actor=therapist_member.user
    ).exists()


def test_changes_and_reads_are_audited_without_clinical_text(as_therapist, therapist_member):
    created = as_therapist.post(URL, {"name": "Auditado", "notes": "Texto clínico secreto"}, format="json").json()
    as_therapist.patch(f"{URL}/{created['id']}", {"notes": "Otro texto secreto"}, format="json")
    as_therapist.get(f"{URL}/{created['id']}")
    entries = LogEntry.objects.filter(object_pk=created["id"]).order_by("timestamp")
    actions = [e.action for e in entries]
    assert actions == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.ACCESS]
    assert all(e.actor_id == therapist_member.user_id for e in entries)
    assert all(e.remote_addr == "127.0.0.1" for e in entries)
    assert "secreto" not in str([e.changes for e in entries])
    assert "notes" in entries[1].changes_dict


# --- Merge (a patient who booked online with a RUT on file) ------------------------------------


def _flagged_booking(therapist_member, original):
    """What an online booking with the original's RUT and another email leaves: a new patient
    with the RUT aside, flagged, and its session."""
    newcomer = patient_find_or_register(
        practice=original.practice,
        therapist_id=therapist_member.user_id,
        name="M. J. Pérez",
        email="otra@correo.cl",
        phone="",
        rut=original.rut,
    )
    starts = timezone.now() + timedelta(days=2)
    Session.objects.create(
        practice=original.practice,
        patient=newcomer,
        therapist=therapist_member.user,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=50),
        source="online",
    )
    return newcomer


def test_admin_merges_a_flagged_online_booking_into_the_patient_on_file(as_admin, admin_member, therapist_member):
    original = PatientFactory(practice=admin_member.practice, name="María José Pérez", rut="123456785")
    newcomer = _flagged_booking(therapist_member, original)
    flagged = as_admin.get(f"{URL}/{newcomer.pk}").json()
    assert (flagged["duplicateOfId"], flagged["claimedRut"], flagged["rut"]) == (str(original.pk), "12.345.678-5", "")

    merged = as_admin.post(f"{URL}/{newcomer.pk}/merge", {"targetId": str(original.pk)}, format="json")
    assert merged.status_code == 200, merged.json()
    body = merged.json()
    assert body["id"] == str(original.pk) and str(therapist_member.user_id) in [t["id"] for t in body["therapists"]]
    original.refresh_from_db()
    newcomer.refresh_from_db()
    assert original.sessions.count() == 1 and not newcomer.sessions.exists()
    assert original.total_sessions == 0 and newcomer.status == "archived" and newcomer.merged_at is not None
    assert newcomer.duplicate_of_id == original.pk and not newcomer.care_team.exists()
    assert LogEntry.objects.get_for_object(newcomer).filter(changes__icontains="merged_at").exists()

    again = as_admin.post(f"{URL}/{newcomer.pk}/merge", {"targetId": str(original.pk)}, format="json")
    assert again.status_code == 409 and again.json()["message"] == "Esta ficha ya está archivada"


def test_every_table_that_names_a_patient_moves_on_a_merge():
    """Each app moves its own rows when a duplicate is merged (patients.signals.patient_merged); a
    new table with a patient must be added to its app's MOVED_ON_MERGE, or this fails."""
    naming = {
        relation.related_model
        for relation in Patient._meta.related_objects
        # the care team is merged by the merge itself; the name tokens describe each patient's own
        # name and stay with it (the database keeps them)
        if relation.related_model not in (Patient, CareTeamMember, PatientNameToken)
    }
    moved = [*patient_services.MOVED_ON_MERGE, *receivers.MOVED_ON_MERGE, *contributions.MOVED_ON_MERGE]
    assert sorted(m._meta.label for m in moved) == sorted(m._meta.label for m in naming)


@pytest.mark.parametrize(
    "body, field", [({}, "targetId"), ({"targetId": "no-uuid"}, "targetId"), ({"targetId": "SELF"}, "targetId")]
)
def test_merge_bad_input_changes_nothing(as_admin, admin_member, therapist_member, body, field):
    original = PatientFactory(practice=admin_member.practice, rut="123456785")
    newcomer = _flagged_booking(therapist_member, original)
    if body.get("targetId") == "SELF":
        body = {"targetId": str(newcomer.pk)}
    refused = as_admin.post(f"{URL}/{newcomer.pk}/merge", body, format="json")
    assert refused.status_code == 400 and field in refused.json()["errors"] and refused.json()["message"]
    newcomer.refresh_from_db()
    assert newcomer.status == "active" and newcomer.sessions.count() == 1


def test_merge_needs_admin_a_token_and_the_practices_own_patients(
    api, as_admin, as_therapist, as_assistant, as_other_admin, admin_member, therapist_member
):
    original = PatientFactory(practice=admin_member.practice, rut="123456785")
    newcomer = _flagged_booking(therapist_member, original)
    path, body = f"{URL}/{newcomer.pk}/merge", {"targetId": str(original.pk)}
    assert api.post(path, body, format="json").status_code == 401
    assert as_therapist.post(path, body, format="json").status_code == 403
    assert as_assistant.post(path, body, format="json").status_code == 403
    assert as_other_admin.post(path, body, format="json").status_code == 404
    elsewhere = PatientFactory(practice=as_other_admin.membership.practice)
    into_other = as_admin.post(path, {"targetId": str(elsewhere.pk)}, format="json")
    assert (
        into_other.status_code == 400
        and into_other.json()["message"] == "La ficha de destino no existe o está archivada"
    )
    newcomer.refresh_from_db()
    assert newcomer.status == "active"
