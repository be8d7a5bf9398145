"""Fixtures shared by the delegations tests (uploads and downloads)."""
import datetime
from zoneinfo import ZoneInfo

import pytest

from petitions import services as petition_services
from petitions.models import PetitionField, PetitionSource
from sessions.models import MeetingStatus
from tests.sessions.builders import make_session

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def forwarded(world, setup):
    """A petition raised at a held meeting on 24/11/2026, classified to the world's agency and
    forwarded on 01/12/2026 09:00 (Hanoi); read again."""
    office = world.users["office"]
    session = make_session(world, setup, day=24, status=MeetingStatus.HELD)
    field = PetitionField.objects.create(council=world.council, name="Giao thông")
    petition = petition_services.petition_create(council=world.council, user=office, text="Đề nghị sửa cầu",
                                                 session=session, source=PetitionSource.MEETING, fields=[field])
    petition_services.petitions_classify(petitions=[petition], user=office, agency=world.agency)
    petition_services.petitions_forward(petitions=[petition], user=office,
                                        now=datetime.datetime(2026, 12, 1, 9, tzinfo=HANOI))
    petition.refresh_from_db()
    return petition
