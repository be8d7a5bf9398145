"""Fixed role users for permission tests: office staff, standing committee, the leader of group A,
a delegate (of group B), an agency responder, a user of another council, and anonymous; and the round,
meeting and field that the tests of several apps build on (their builders: tests/<app>/builders.py)."""
import datetime
from dataclasses import dataclass

import pytest

from delegations.models import Role
from petitions.models import PetitionField
from plans.models import ContactPlan, ContactRound, PlanStatus, RoundKind
from sessions.models import MeetingStatus
from tests.factories import (
    AgencyFactory,
    CommuneCouncilFactory,
    CommuneFactory,
    CouncilFactory,
    DelegateFactory,
    DelegateGroupFactory,
    MembershipFactory,
    TermFactory,
    UserFactory,
)
from tests.sessions.builders import make_session


@dataclass
class World:
    council: object
    commune_council: object
    other_council: object
    term: object
    group_a: object
    group_b: object
    delegate: object
    agency: object
    users: dict


@pytest.fixture
def world(db):
    council = CouncilFactory(name="HĐND tỉnh Bắc Ninh")
    commune_council = CommuneCouncilFactory(name="HĐND xã Tiên Du", parent=council)
    other_council = CouncilFactory(name="HĐND tỉnh Lạng Sơn", place_name="Lạng Sơn")
    term = TermFactory(council=council, name="Khóa XX", is_current=True)
    CommuneFactory(council=council, name="Kinh Bắc")
    group_a = DelegateGroupFactory(council=council, term=term, name="Tổ đại biểu số 1")
    group_b = DelegateGroupFactory(council=council, term=term, name="Tổ đại biểu số 2")
    delegate = DelegateFactory(council=council, term=term, full_name="Nguyễn Anh Tuấn", group=group_a)
    agency = AgencyFactory(council=council, name="Sở Xây dựng")
    users = {
        "office": MembershipFactory(user=UserFactory(username="vanphong"), council=council, role=Role.OFFICE).user,
        "standing": MembershipFactory(user=UserFactory(username="thuongtruc"), council=council,
                                      role=Role.STANDING).user,
        "group_leader": MembershipFactory(user=UserFactory(username="totruong"), council=council,
                                          role=Role.GROUP_LEADER, group=group_a).user,
        "delegate": MembershipFactory(user=UserFactory(username="daibieu"), council=council,
                                      role=Role.DELEGATE, group=group_b).user,
        "agency": MembershipFactory(user=UserFactory(username="coquan"), council=council,
                                    role=Role.AGENCY, agency=agency).user,
        "commune_office": MembershipFactory(user=UserFactory(username="xa"), council=commune_council,
                                            role=Role.OFFICE).user,
        "other_council": MembershipFactory(user=UserFactory(username="khac"), council=other_council,
                                           role=Role.OFFICE).user,
    }
    return World(council, commune_council, other_council, term, group_a, group_b, delegate, agency, users)


@pytest.fixture
def client_for(client):
    """A logged-in test client for a user (None for anonymous)."""

    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login


class FlakyBroker:
    """One task's hand-over to the broker: refused like a Redis that is down (`down = True`), or
    run at once in the test's process (eager)."""

    def __init__(self, task):
        self.task, self.down = task, False

    def apply_async(self, args=None, kwargs=None, **options):
        if self.down:
            from kombu.exceptions import OperationalError

            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        return self.task(**(kwargs or {}))


@pytest.fixture
def flaky_broker(monkeypatch, settings, tmp_path):
    """`flaky_broker(task)` → a FlakyBroker standing in for `task`'s hand-over; files go to tmp_path."""
    settings.MEDIA_ROOT = tmp_path / "media"

    def install(task):
        broker = FlakyBroker(task)
        monkeypatch.setattr(task, "apply_async", broker.apply_async)
        return broker

    return install


@pytest.fixture
def held_meeting(world):
    """Issue 12 (guide): a held meeting of group A in a round of an issued plan, its minutes a complete
    draft (every part the law asks for filled in, chair and secretary named), and a petition field."""
    import datetime
    from zoneinfo import ZoneInfo

    from petitions.models import PetitionField
    from plans.models import ContactPlan, ContactRound, PlanStatus, RoundKind
    from sessions.models import ContactSession, MeetingStatus, Minutes

    plan = ContactPlan.objects.create(council=world.council, year=2026, subject="Kế hoạch TXCT",
                                      status=PlanStatus.ISSUED, number=1, issued_on=datetime.date(2026, 10, 15),
                                      signer_name="Nguyễn Anh Tuấn")
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=datetime.date(2026, 11, 2),
                                      ends_on=datetime.date(2026, 12, 1))
    commune = CommuneFactory(council=world.council, name="Kiêm Tân")
    world.group_a.communes.add(commune)
    session = ContactSession.objects.create(
        council=world.council, round=rnd, group=world.group_a, commune=commune, status=MeetingStatus.HELD,
        starts_at=datetime.datetime(2026, 11, 24, 8, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
        venue="Nhà văn hóa thôn Kiêm Tân", chair="Ông Nguyễn Văn Hòa", secretary="Bà Lê Thị Thu",
        minutes_due_on=datetime.date(2026, 11, 29))
    session.delegates.set([world.delegate])
    Minutes.objects.create(session=session, opening="Khai mạc", delegates_report="Báo cáo",
                           voters_speak="Cử tri phát biểu", closing="Bế mạc")
    field = PetitionField.objects.create(council=world.council, name="Giao thông")
    return {"plan": plan, "round": rnd, "commune": commune, "session": session, "field": field}


@pytest.fixture
def notified():
    """`notified(kind)` → the set of usernames whose inbox holds a message of that kind (issue 12)."""

    def read(kind):
        from delegations.models import Notification

        return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))

    return read


# ------------------------------------ a round, its commune and a held meeting, shared by the apps' tests

@pytest.fixture
def setup(world):
    """An issued plan's round (2/11–1/12/2026) and the commune Kiêm Tân covered by groups A and B, with a
    second delegate in group B: {"round", "commune", "other_delegate"}."""
    plan = ContactPlan.objects.create(council=world.council, year=2026, subject="Kế hoạch TXCT", status=PlanStatus.ISSUED,
                                      number=1, issued_on=datetime.date(2026, 10, 15))
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=datetime.date(2026, 11, 2),
                                      ends_on=datetime.date(2026, 12, 1))
    commune = CommuneFactory(council=world.council, name="Kiêm Tân")
    world.group_a.communes.add(commune)
    world.group_b.communes.add(commune)
    other_delegate = DelegateFactory(council=world.council, term=world.term, full_name="Trần Văn Bảo", group=world.group_b)
    return {"round": rnd, "commune": commune, "other_delegate": other_delegate}


@pytest.fixture
def meeting(world, setup):
    """A held meeting of group A in `setup`'s round on 24/11/2026, and the council's field "Giao thông"."""
    session = make_session(world, setup, day=24, status=MeetingStatus.HELD)
    PetitionField.objects.create(council=world.council, name="Giao thông")
    return session


@pytest.fixture
def field(world):
    """The council's petition field "Giao thông" (the one `meeting` made, if any)."""
    return PetitionField.objects.get_or_create(council=world.council, name="Giao thông")[0]


@pytest.fixture
def executor():
    """A migration executor for the tests that migrate back and forth; whatever happened, the
    database is left with every migration applied, for the tests after them."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    yield executor
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
