import factory
from allauth.account.models import EmailAddress

from accounts import services
from accounts.choices import Role
from accounts.models import Membership, Practice, Profile, User

PASSWORD = "Secreta123"


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Centro Clínico {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"persona{n}@clinica.cl")
    name = factory.Faker("name", locale="es_CL")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def with_profile(user, create, extracted, **kwargs):
        if not create:
            return
        user.save()
        first, _, last = user.name.partition(" ")
        Profile.objects.create(user=user, first_name=first, last_name=last or "Pérez")
        EmailAddress.objects.create(
            user=user, email=user.email, primary=True, verified=bool(extracted is None or extracted)
        )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    practice = factory.SubFactory(PracticeFactory)
    role = Role.THERAPIST
    color = factory.Sequence(lambda n: f"#{(n * 1234567) % 0xFFFFFF:06x}")
    title = "Psicóloga Clínica"


def login_tokens(user, remember_me=False) -> dict:
    """A real device session and token pair, as the login endpoint would create."""
    return services.session_start(user=user, remember_me=remember_me)
