import factory
from allauth.account.models import EmailAddress

from accounts.choices import InstitutionKind, Profession, TitleLevel
from accounts.models import Department, User
from accounts.roles import Role
from accounts.services import institution_create, user_add_role


def institution(*, name: str, kind: str = InstitutionKind.COUNTY_HOSPITAL, parent=None):
    """Institutions live in a tree, so they are built through the service."""
    return institution_create(name=name, kind=kind, parent=parent)


def institution_tree() -> dict:
    region = institution(name="西藏自治区", kind=InstitutionKind.REGION)
    city = institution(name="拉萨市", kind=InstitutionKind.CITY, parent=region)
    county_a = institution(name="林周县", kind=InstitutionKind.COUNTY, parent=city)
    county_b = institution(name="当雄县", kind=InstitutionKind.COUNTY, parent=city)
    return {
        "region": region,
        "city": city,
        "county_a": county_a,
        "county_b": county_b,
        "city_hospital": institution(
            name="拉萨市人民医院", kind=InstitutionKind.TERTIARY_HOSPITAL, parent=city
        ),
        "hospital_a": institution(name="林周县人民医院", parent=county_a),
        "township_a": institution(
            name="春堆乡卫生院", kind=InstitutionKind.TOWNSHIP_HEALTH_CENTRE, parent=county_a
        ),
        "hospital_b": institution(name="当雄县人民医院", parent=county_b),
    }


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"科室{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.cn")
    real_name = factory.Sequence(lambda n: f"学员{n}")
    profession = Profession.DOCTOR
    title_level = TitleLevel.INTERMEDIATE
    password = factory.django.Password("correct-horse-battery-staple")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            user_add_role(user=self, role=Role(extracted))

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
