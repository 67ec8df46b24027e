import factory
from factory.django import DjangoModelFactory

from core.models import OrgUnit, Role, User

DEMO_PASSWORD = "Sannong-demo-2026"


class OrgUnitFactory(DjangoModelFactory):
    class Meta:
        model = OrgUnit

    kind = OrgUnit.Kind.OUTLET
    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.Sequence(lambda n: f"单位{n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"员工{n}")
    role = Role.CLERK
    password = factory.PostGenerationMethodCall("set_password", DEMO_PASSWORD)

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()
