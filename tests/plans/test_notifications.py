"""Issue 12: each step of a plan reaches the people who act next, and nobody else."""
import datetime

import pytest
from django.core import mail

from delegations.models import Notification, NotificationKind, OutboxTask, Role
from delegations.tasks import notifications_email
from plans.models import Assignment, AssignmentDue, ContactPlan, DueKind, PlanStatus, ResponsibleKind
from plans.services import plan_transition
from tests.factories import AgencyFactory, MembershipFactory, UserFactory

Kind = NotificationKind


def make_plan(council, status=PlanStatus.DRAFT):
    return ContactPlan.objects.create(council=council, year=2026, status=status, subject="Tiếp xúc cử tri cuối năm",
                                      signer_name="Nguyễn Anh Tuấn")


@pytest.fixture
def crowd(world):
    """People who must NOT receive plan messages of world.council: the other council's standing
    committee and office, the commune council's office (already in world), an agency without an
    assignment."""
    other = world.other_council
    MembershipFactory(user=UserFactory(username="thuongtruc_khac"), council=other, role=Role.STANDING)
    idle = AgencyFactory(council=world.council, name="Sở Du lịch")
    MembershipFactory(user=UserFactory(username="coquan_khac"), council=world.council, role=Role.AGENCY, agency=idle)
    # A delegate of group A whose account is a member of the council without a group on the membership.
    account = UserFactory(username="daibieu_a")
    MembershipFactory(user=account, council=world.council, role=Role.DELEGATE)
    world.delegate.user = account
    world.delegate.save()
    return world


def test_submitted_reaches_the_standing_committee_only(crowd, notified):
    plan_transition(plan=make_plan(crowd.council), user=crowd.users["office"], step="submit")
    assert notified(Kind.PLAN_SUBMITTED) == {"thuongtruc"}
    message = Notification.objects.get(kind=Kind.PLAN_SUBMITTED)
    assert message.url == f"/plans/{ContactPlan.objects.get().pk}/"
    assert Notification.objects.count() == 1


@pytest.mark.parametrize("step,kind", [("approve", Kind.PLAN_APPROVED), ("send_back", Kind.PLAN_SENT_BACK)])
def test_approved_or_sent_back_reaches_the_office_only(crowd, notified, step, kind):
    plan = make_plan(crowd.council, PlanStatus.SUBMITTED)
    plan_transition(plan=plan, user=crowd.users["standing"], step=step, reason="Sửa phần thời gian")
    assert notified(kind) == {"vanphong"}
    assert Notification.objects.count() == 1
    if step == "send_back":
        assert "Sửa phần thời gian" in Notification.objects.get().body


@pytest.mark.parametrize("step", ["issue", "publish"])
def test_issued_reaches_the_groups_and_the_agencies_with_assignments(crowd, notified, step):
    plan = make_plan(crowd.council, PlanStatus.APPROVED if step == "issue" else PlanStatus.ISSUED)
    item = Assignment.objects.create(plan=plan, order=1, text="Báo cáo kết quả giải quyết kiến nghị",
                                     responsible_kind=ResponsibleKind.AGENCY, agency=crowd.agency,
                                     due_on=datetime.date(2026, 12, 1))
    AssignmentDue.objects.create(assignment=item, kind=DueKind.DATE, date=datetime.date(2026, 12, 1))
    plan_transition(plan=plan, user=crowd.users["office"], step=step, issued_on=datetime.date(2026, 10, 6))
    # Group leaders and delegates with accounts (daibieu_a through their delegate record), the agency
    # with an assignment; not the office that acted, not the agency without one, not other councils.
    assert notified(Kind.PLAN_ISSUED) == {"totruong", "daibieu", "daibieu_a", "coquan"}
    agency_message = Notification.objects.get(recipient=crowd.users["agency"])
    assert "Báo cáo kết quả giải quyết kiến nghị" in agency_message.body
    group_message = Notification.objects.get(recipient=crowd.users["group_leader"])
    assert group_message.url == plan.get_absolute_url()
    if step == "issue":
        assert "06/10/2026" in group_message.body


def test_the_email_goes_after_commit(world, flaky_broker, django_capture_on_commit_callbacks):
    flaky_broker(notifications_email)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        plan_transition(plan=make_plan(world.council), user=world.users["office"], step="submit")
    assert mail.outbox == []  # nothing is sent inside the transaction
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["thuongtruc@example.vn"]]
    assert mail.outbox[0].subject.startswith("Kế hoạch chờ")
    assert Notification.objects.get().emailed_at is not None


def test_the_step_is_taken_when_the_broker_is_down(world, flaky_broker, django_capture_on_commit_callbacks):
    flaky_broker(notifications_email).down = True
    with django_capture_on_commit_callbacks(execute=True):
        plan = plan_transition(plan=make_plan(world.council), user=world.users["office"], step="submit")
    assert ContactPlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED
    assert Notification.objects.filter(recipient=world.users["standing"], emailed_at__isnull=True).exists()
    assert mail.outbox == []
    wish = OutboxTask.objects.get(name=notifications_email.name)
    assert wish.done_at is None and "Connection refused" in wish.last_error  # the outbox sweep sends it later


def test_a_refused_step_notifies_nobody(world):
    with pytest.raises(Exception):  # noqa: B017 - the refusal itself is tested in test_services
        plan_transition(plan=make_plan(world.council), user=world.users["standing"], step="submit")
    assert not Notification.objects.exists()
