"""Issue 12: a meeting scheduled, moved or cancelled reaches its group's delegates (and those
invited); the minutes falling due reach the group's leader; nobody else."""
import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile

from delegations.models import Notification, NotificationKind, Role
from plans.models import ContactPlan, ContactRound, PlanStatus, RoundKind
from sessions.models import ContactSession, MeetingStatus
from sessions.services import session_record_outcome, session_save
from tests.factories import CommuneFactory, DelegateFactory, MembershipFactory, UserFactory

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
Kind = NotificationKind


@pytest.fixture
def setup(world):
    plan = ContactPlan.objects.create(council=world.council, year=2026, subject="Kế hoạch TXCT",
                                      status=PlanStatus.ISSUED, number=1, issued_on=datetime.date(2026, 10, 15))
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=datetime.date(2026, 11, 2),
                                      ends_on=datetime.date(2026, 12, 1))
    commune = CommuneFactory(council=world.council, name="Kiêm Tân")
    world.group_a.communes.add(commune)
    # A delegate of group A with an account, another of group B invited to group A's meeting, and a
    # delegate of group B not invited.
    own = UserFactory(username="daibieu_a")
    MembershipFactory(user=own, council=world.council, role=Role.DELEGATE, group=world.group_a)
    guest_account = UserFactory(username="khach_b")
    MembershipFactory(user=guest_account, council=world.council, role=Role.DELEGATE, group=world.group_b)
    guest = DelegateFactory(council=world.council, term=world.term, full_name="Lê Văn Khách", group=world.group_b,
                            user=guest_account)
    return {"round": rnd, "commune": commune, "guest": guest}


def new_session(world, setup, **fields):
    values = {"council": world.council, "round": setup["round"], "group": world.group_a, "commune": setup["commune"],
              "starts_at": datetime.datetime(2026, 11, 24, 8, tzinfo=HANOI), "venue": "Nhà văn hóa thôn", **fields}
    return ContactSession(**values)


def test_a_meeting_scheduled_reaches_the_group_and_the_invited(world, setup, notified):
    session = session_save(session=new_session(world, setup), delegates=[world.delegate, setup["guest"]],
                           user=world.users["office"])
    # The leader and delegate of group A, the invited delegate of group B; not "daibieu" (group B, not
    # invited), not the office that scheduled it, nobody of another council.
    assert notified(Kind.MEETING_SCHEDULED) == {"totruong", "daibieu_a", "khach_b"}
    message = Notification.objects.filter(kind=Kind.MEETING_SCHEDULED).first()
    assert "24/11/2026" in message.subject and "08:00" in message.subject
    assert message.url == session.get_absolute_url()
    assert Notification.objects.exclude(kind=Kind.MEETING_SCHEDULED).count() == 0


def test_the_leader_scheduling_is_not_told_of_their_own_step(world, setup, notified):
    session_save(session=new_session(world, setup), delegates=[world.delegate], user=world.users["group_leader"])
    assert notified(Kind.MEETING_SCHEDULED) == {"daibieu_a"}


def test_a_meeting_moved_says_so_with_the_invitation_when_printed(world, setup, notified, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    session = session_save(session=new_session(world, setup), delegates=[world.delegate], user=world.users["office"])
    session.invitation_pdf.save("gm.pdf", ContentFile(b"%PDF-1.4"), save=True)
    session = ContactSession.objects.get(pk=session.pk)
    session.venue = "Hội trường UBND xã"  # same time: no message
    session_save(session=session, delegates=[world.delegate], user=world.users["office"])
    assert not Notification.objects.filter(kind=Kind.MEETING_MOVED).exists()
    session.starts_at = datetime.datetime(2026, 11, 25, 14, tzinfo=HANOI)
    session_save(session=session, delegates=[world.delegate], user=world.users["office"])
    assert notified(Kind.MEETING_MOVED) == {"totruong", "daibieu_a"}
    message = Notification.objects.filter(kind=Kind.MEETING_MOVED).first()
    assert "25/11/2026" in message.subject and "08:00 24/11/2026" in message.body
    assert message.url == f"/meetings/{session.pk}/invitation.pdf"


def test_postponed_and_cancelled_reach_the_group(world, setup, notified):
    session = session_save(session=new_session(world, setup), delegates=[world.delegate], user=world.users["office"])
    session_record_outcome(session=session, status=MeetingStatus.POSTPONED, user=world.users["group_leader"],
                           postponed_to=datetime.datetime(2026, 11, 27, 8, tzinfo=HANOI))
    assert notified(Kind.MEETING_MOVED) == {"daibieu_a"}
    session = ContactSession.objects.get(pk=session.pk)
    session_record_outcome(session=session, status=MeetingStatus.CANCELLED, cancel_reason="Mưa bão",
                           user=world.users["office"])
    assert notified(Kind.MEETING_CANCELLED) == {"totruong", "daibieu_a"}
    assert "Mưa bão" in Notification.objects.filter(kind=Kind.MEETING_CANCELLED).first().body


def test_held_tells_the_leader_the_minutes_are_due(world, setup, notified, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 24, 12, tzinfo=HANOI), tick=False)
    session = session_save(session=new_session(world, setup), delegates=[world.delegate], user=world.users["office"])
    session_record_outcome(session=session, status=MeetingStatus.HELD, delegates_present=[world.delegate],
                           voters_present=80, chair="Nguyễn Anh Tuấn", secretary="Lê Thị Hoa",
                           user=world.users["office"])
    assert notified(Kind.MINUTES_DUE) == {"totruong"}
    session = ContactSession.objects.get(pk=session.pk)
    assert session.minutes_due_on.strftime("%d/%m/%Y") in Notification.objects.get(kind=Kind.MINUTES_DUE).subject
