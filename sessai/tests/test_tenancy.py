"""Every row of a practice's data carries its practice (issue 34, docs/security.md): the model walk
fails on a table of ours without a practice column, on a unique key of a tenant table without the
practice, and on a link between two tenant tables that the database does not keep in one practice."""

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction

from accounts.tests.factories import MembershipFactory, PracticeFactory
from patients.models import CareTeamMember
from patients.tests.factories import PatientFactory

APPS = ("accounts", "patients", "scheduling", "ai_reports", "billing")

# Tables that hold no practice's data, and why.
NOT_TENANT = {
    "accounts.User": "a person: one account, memberships in several practices over time",
    "accounts.User_groups": "Django's permissions of a person",
    "accounts.User_user_permissions": "Django's permissions of a person",
    "accounts.Profile": "the person's own preferences",
    "accounts.DeviceSession": "the person's logins (a login is the person's, whatever practice they work in)",
    "accounts.Practice": "the tenant itself",
    "billing.Plan": "the platform's catalogue of plans",
    "ai_reports.AIModelPrice": "the platform's prices per AI tier",
    "patients.SecurityIncident": "a platform incident; the practices it touched are rows of its `practices` table",
}
# Tables whose practice column has another name.
PRACTICE_COLUMN = {
    # BookingSettings' primary key is its practice, so `bookingsettings_id` is the practice's id
    "scheduling.BookingSettings_therapists": "bookingsettings",
}
# Tenant tables whose practice may be empty, and why.
NULLABLE = {"accounts.OutgoingEmail": "a person's own account mail (verification, password reset) is no practice's"}
# Unique keys of tenant tables that cannot hold the practice, and why.
UNIQUE_ACROSS_PRACTICES = {
    ("accounts.Membership", "membership_one_active_per_user"): "one active membership per person spans practices",
    ("accounts.Membership", "membership_user_practice_unique"): "holds the practice",  # (user, practice)
}


def _models():
    for app in APPS:
        yield from apps.get_app_config(app).get_models(include_auto_created=True)


def _practice_field(model):
    name = PRACTICE_COLUMN.get(model._meta.label, "practice")
    try:
        return model._meta.get_field(name)
    except Exception:
        return None


def _tenant_models():
    return [m for m in _models() if m._meta.label not in NOT_TENANT]


def test_every_table_of_ours_is_a_tenant_table_or_says_why_not():
    missing = [m._meta.db_table for m in _tenant_models() if _practice_field(m) is None]
    assert missing == []


def test_the_practice_column_is_never_empty_where_a_practice_owns_the_row():
    nullable = [m._meta.label for m in _tenant_models() if _practice_field(m).null and m._meta.label not in NULLABLE]
    assert nullable == []


def test_every_unique_key_of_a_tenant_table_holds_the_practice():
    without = []
    for model in _tenant_models():
        practice = _practice_field(model).name
        keys = [(c.name, tuple(c.fields)) for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)]
        keys += [("unique_together", tuple(u)) for u in model._meta.unique_together]
        keys += [(f.name, (f.name,)) for f in model._meta.concrete_fields if f.unique and not f.primary_key]
        for name, fields in keys:
            if practice not in fields and (model._meta.label, name) not in UNIQUE_ACROSS_PRACTICES:
                without.append(f"{model._meta.label}: {name} {fields}")
    assert without == []


def _tenant_links():
    """(child table, column, parent table) for every foreign key between two tenant tables."""
    tenant = {m for m in _tenant_models() if not _practice_field(m).null}
    links = []
    for model in tenant:
        practice = _practice_field(model)
        for field in model._meta.concrete_fields:
            if field.is_relation and field is not practice and field.related_model in tenant:
                links.append((model._meta.db_table, field.column, field.related_model._meta.db_table))
    return sorted(links)


@pytest.mark.django_db
def test_every_link_between_tenant_tables_is_kept_in_one_practice_by_the_database():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT con.conrelid::regclass::text, child.attname, con.confrelid::regclass::text
            FROM pg_constraint con
            JOIN pg_attribute first ON first.attrelid = con.conrelid AND first.attnum = con.conkey[1]
            JOIN pg_attribute child ON child.attrelid = con.conrelid AND child.attnum = con.conkey[2]
            JOIN pg_attribute pfirst ON pfirst.attrelid = con.confrelid AND pfirst.attnum = con.confkey[1]
            WHERE con.contype = 'f' AND array_length(con.conkey, 1) = 2 AND pfirst.attname = 'practice_id'
              AND first.attname IN ('practice_id', 'bookingsettings_id')
            """
        )
        kept = set(cursor.fetchall())
    assert [link for link in _tenant_links() if link not in kept] == []


@pytest.mark.django_db
def test_a_child_takes_its_parents_practice_and_cannot_be_given_another():
    member = MembershipFactory()
    patient = PatientFactory(practice=member.practice)
    other = PracticeFactory()
    with connection.cursor() as cursor:  # raw SQL, no model code: the database fills the column
        cursor.execute(
            "INSERT INTO patients_careteammember (patient_id, user_id, created_at) VALUES (%s, %s, now()) "
            "RETURNING practice_id",
            [patient.pk, member.user_id],
        )
        assert cursor.fetchone()[0] == member.practice_id
    for write in (
        lambda: CareTeamMember.objects.filter(patient=patient).update(practice=other),
        lambda: CareTeamMember.objects.create(patient=patient, user=member.user, practice=other),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            write()
            connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT would check
