import factory
from django.contrib.auth import get_user_model

from delegations.models import (
    Agency,
    AgencyLevel,
    Commune,
    Council,
    CouncilLevel,
    Delegate,
    DelegateGroup,
    ElectoralUnit,
    Membership,
    Role,
    Term,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Nguyễn Văn"
    last_name = "An"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.vn")
    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "demo12345")
        if create:
            self.save(update_fields=["password"])


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council

    name = factory.Sequence(lambda n: f"HĐND tỉnh Thử Nghiệm {n}")
    level = CouncilLevel.PROVINCE
    place_name = "Bắc Ninh"
    issuing_body_lines = "HỘI ĐỒNG NHÂN DÂN\nTỈNH BẮC NINH"


class CommuneCouncilFactory(CouncilFactory):
    name = factory.Sequence(lambda n: f"HĐND xã Thử Nghiệm {n}")
    level = CouncilLevel.COMMUNE
    parent = factory.SubFactory(CouncilFactory)
    issuing_body_lines = "HỘI ĐỒNG NHÂN DÂN\nXÃ THỬ NGHIỆM"


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term

    council = factory.SubFactory(CouncilFactory)
    name = factory.Sequence(lambda n: f"Khóa {n}")
    start_year = 2026
    end_year = 2031
    is_current = False


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune

    council = factory.SubFactory(CouncilFactory)
    name = factory.Sequence(lambda n: f"Phường Số {n}")


class ElectoralUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ElectoralUnit

    council = factory.SubFactory(CouncilFactory)
    term = factory.SubFactory(TermFactory, council=factory.SelfAttribute("..council"))
    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Đơn vị bầu cử số {n + 1}")


class DelegateGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DelegateGroup

    council = factory.SubFactory(CouncilFactory)
    term = factory.SubFactory(TermFactory, council=factory.SelfAttribute("..council"))
    name = factory.Sequence(lambda n: f"Tổ đại biểu số {n}")


class DelegateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegate

    council = factory.SubFactory(CouncilFactory)
    term = factory.SubFactory(TermFactory, council=factory.SelfAttribute("..council"))
    full_name = factory.Sequence(lambda n: f"Trần Thị Đại Biểu {n}")
    phone = factory.Sequence(lambda n: f"09{n:08d}")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    council = factory.SubFactory(CouncilFactory)
    name = factory.Sequence(lambda n: f"Sở Thử Nghiệm {n}")
    level = AgencyLevel.PROVINCE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    council = factory.SubFactory(CouncilFactory)
    role = Role.OFFICE


PERSON_NAMES = ["Lê Thị Hồng", "Phạm Văn Bình", "Trần Thu Hà", "Hoàng Minh Đức", "Vũ Thị Lan", "Đặng Quốc Huy",
                "Bùi Thanh Tâm", "Đỗ Ngọc Mai", "Ngô Văn Sơn", "Dương Thị Yến"]


def person(council, role, index, **kwargs):
    """A member with a name of their own (the factory's users all share one), so the message can
    be checked to name the one who acted."""
    last, first = PERSON_NAMES[index].rsplit(" ", 1)
    user = UserFactory(username=f"nguoi{role}{index}", first_name=first, last_name=last)
    MembershipFactory(user=user, council=council, role=role, **kwargs)
    return user


def full_name(user):
    return user.get_full_name()
