"""Fixtures shared by the petitions tests: the agency `portal` and the concurrency `ctx` (the builders
that go with them are in tests/petitions/builders.py)."""
import datetime
from types import SimpleNamespace

import pytest

from delegations.models import AgencyLevel, Role
from petitions.models import PetitionField
from plans.models import ContactPlan, ContactRound, PlanStatus, RoundKind
from sessions.models import MeetingStatus
from tests.factories import AgencyFactory, CommuneFactory, MembershipFactory, UserFactory, person
from tests.petitions.builders import at
from tests.sessions.builders import make_session

ROUND_ENDS = datetime.date(2026, 11, 20)


@pytest.fixture
def portal(world, setup, time_machine):
    """A held meeting, a field, a second agency with its own responder, and today = 15/12/2026."""
    time_machine.move_to(at(15))
    session = make_session(world, setup, day=24, status=MeetingStatus.HELD)
    field = PetitionField.objects.create(council=world.council, name="Giao thông")
    health = AgencyFactory(council=world.council, name="Sở Y tế")
    health_user = MembershipFactory(user=UserFactory(username="soyte"), council=world.council, role=Role.AGENCY,
                                    agency=health).user
    return {"session": session, "field": field, "health": health, "health_user": health_user}


@pytest.fixture
def ctx(transactional_db, world):
    """On committed data (threads see it): an issued plan with a round ending ROUND_ENDS and a later
    round, a commune of group A, a field, two agencies, ten office members and a standing member
    with names of their own, and the world's agency responder."""
    plan = ContactPlan.objects.create(council=world.council, year=2026, subject="Kế hoạch TXCT",
                                      status=PlanStatus.ISSUED, number=3, issued_on=datetime.date(2026, 10, 1))
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING,
                                      starts_on=datetime.date(2026, 11, 2), ends_on=ROUND_ENDS)
    later = ContactRound.objects.create(plan=plan, kind=RoundKind.AFTER_SITTING,
                                        starts_on=datetime.date(2027, 1, 4), ends_on=datetime.date(2027, 1, 29))
    commune = CommuneFactory(council=world.council, name="Kiêm Tân")
    world.group_a.communes.add(commune)
    return SimpleNamespace(
        world=world, council=world.council, round=rnd, later=later, commune=commune,
        field=PetitionField.objects.create(council=world.council, name="Giao thông"),
        agencies=[world.agency, AgencyFactory(council=world.council, name="Sở Giáo dục", level=AgencyLevel.PROVINCE)],
        office=[person(world.council, Role.OFFICE, i) for i in range(10)],
        standing=person(world.council, Role.STANDING, 0),
        responder=world.users["agency"],
    )
