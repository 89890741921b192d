import factory

from patients.models import CareTeamMember, Patient


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    name = factory.Faker("name", locale="es_CL")
    email = factory.Sequence(lambda n: f"paciente{n}@correo.cl")


def patient_for(membership, **kwargs) -> Patient:
    """A patient of the membership's practice with that member as primary therapist."""
    patient = PatientFactory(practice=membership.practice, primary_therapist=membership.user, **kwargs)
    CareTeamMember.objects.create(patient=patient, user=membership.user)
    return patient
