"""Builders shared by the tests of several apps for a contact meeting in the `setup` round
(tests/conftest.py): the create form's POST and a meeting written straight to the database."""
import datetime
from zoneinfo import ZoneInfo

from sessions.models import ContactSession, MeetingStatus

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def form_data(world, setup, **overrides):
    """The meeting create form's POST for group A in `setup`'s commune on 24/11/2026 08:00–11:00;
    `overrides` replace fields, a None drops the field."""
    data = {
        "round": setup["round"].pk, "group": world.group_a.pk, "commune": setup["commune"].pk,
        "starts_at": "2026-11-24T08:00", "ends_at": "2026-11-24T11:00", "venue": "Nhà văn hóa thôn Kiêm Tân",
        "format": "in_person", "kind": "periodic", "content": "Báo cáo kết quả kỳ họp",
        "delegates": [world.delegate.pk], "invited": "Ủy ban MTTQ xã", "expected_voters": 100,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def make_session(world, setup, day=24, hour=8, group=None, delegates=None, status=MeetingStatus.PLANNED):
    """A ContactSession in `setup`'s round and commune on `day`/11/2026 at `hour` (Hanoi), of group A
    with the world's delegate unless told otherwise."""
    session = ContactSession.objects.create(
        council=world.council, round=setup["round"], group=group or world.group_a, commune=setup["commune"],
        starts_at=datetime.datetime(2026, 11, day, hour, tzinfo=HANOI), venue="Nhà văn hóa", status=status,
    )
    session.delegates.set(delegates if delegates is not None else [world.delegate])
    return session
