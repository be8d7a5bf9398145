"""Issue 12: each step of a petition reaches the people who act next, and nobody else: sent to the
office → office; forwarded → the agency's responders (with the list and the answer date); answered
→ office; more time asked → office; decided → agency; sent back → agency (with the reason); closed →
the group that raised it; a report ready → who asked for it."""
import datetime

import pytest
from django.core import mail

from delegations.models import Notification, NotificationKind, OutboxTask, Role
from delegations.tasks import notifications_email
from petitions import reports
from petitions import services as s
from petitions.models import ExtensionRequest, Petition, PetitionField, PetitionStatus, ReportKind
from plans.models import ContactPlan, ContactRound, PlanStatus, RoundKind
from tests.factories import AgencyFactory, CommuneFactory, MembershipFactory, UserFactory

Kind = NotificationKind


@pytest.fixture
def pw(world, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9), tick=False)
    plan = ContactPlan.objects.create(council=world.council, year=2026, subject="Kế hoạch TXCT",
                                      status=PlanStatus.ISSUED, number=3, issued_on=datetime.date(2026, 1, 5))
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.THEMATIC, starts_on=datetime.date(2026, 2, 23),
                                      ends_on=datetime.date(2026, 2, 27))
    commune = CommuneFactory(council=world.council, name="Kiêm Tân")
    field = PetitionField.objects.create(council=world.council, name="Giao thông")
    # Who must never receive these messages: another agency's responder, the other council's office
    # (world), a second office member of the commune council (world), a delegate of group B (world).
    other_agency = AgencyFactory(council=world.council, name="Sở Y tế")
    MembershipFactory(user=UserFactory(username="coquan_yte"), council=world.council, role=Role.AGENCY,
                      agency=other_agency)
    # A second responder of the agency, and a delegate of group A with an account.
    MembershipFactory(user=UserFactory(username="coquan2"), council=world.council, role=Role.AGENCY,
                      agency=world.agency)
    MembershipFactory(user=UserFactory(username="daibieu_a"), council=world.council, role=Role.DELEGATE,
                      group=world.group_a)
    return {"round": rnd, "commune": commune, "field": field}


def petition(world, pw, text="Đề nghị sửa đường liên thôn", classify=True):
    created = s.petition_create(council=world.council, user=world.users["office"], text=text, round=pw["round"],
                                group=world.group_a, commune=pw["commune"])
    if classify:
        s.petitions_classify(petitions=[Petition.objects.get(pk=created.pk)], user=world.users["office"],
                             fields=[pw["field"]], agency=world.agency)
    return Petition.objects.get(pk=created.pk)


def forwarded(world, pw, **kwargs):
    p = petition(world, pw, **kwargs)
    s.petitions_forward(petitions=[p], user=world.users["office"])
    Notification.objects.all().delete()
    return Petition.objects.get(pk=p.pk)


def answered(world, pw):
    p = forwarded(world, pw)
    s.answer_record(petition=p, user=world.users["agency"], agency=world.agency, outcome="resolved",
                    text="Đã sửa xong.")
    Notification.objects.all().delete()
    return Petition.objects.get(pk=p.pk)


def test_sent_to_the_office_reaches_the_office_only(world, pw, notified):
    petition(world, pw, classify=False)
    petition(world, pw, text="Đề nghị lắp đèn đường", classify=False)
    s.petitions_submit(round=pw["round"], group=world.group_a, user=world.users["group_leader"])
    assert notified(Kind.PETITIONS_SUBMITTED) == {"vanphong"}
    message = Notification.objects.get()
    assert message.subject == "Tổ đại biểu số 1 đã gửi 2 kiến nghị đến Văn phòng"
    assert message.url == f"/petitions/?round={pw['round'].pk}&group={world.group_a.pk}"


def test_a_batch_forwarded_reaches_the_agency_with_the_list_and_the_date(world, pw, notified):
    first, second = petition(world, pw), petition(world, pw, text="Đề nghị nạo vét kênh")
    s.petitions_forward(petitions=[first, second], user=world.users["office"])
    assert notified(Kind.PETITIONS_FORWARDED) == {"coquan", "coquan2"}
    message = Notification.objects.get(recipient=world.users["agency"])
    due = Petition.objects.get(pk=first.pk).answer_due_on.strftime("%d/%m/%Y")
    assert due in message.subject and message.subject.startswith("2 ")
    assert first.public_code in message.body and second.public_code in message.body
    assert message.url == "/petitions/agency/"
    assert Notification.objects.filter(kind=Kind.PETITIONS_FORWARDED).count() == 2


def test_an_answer_received_reaches_the_office(world, pw, notified):
    p = forwarded(world, pw)
    s.answer_record(petition=p, user=world.users["agency"], agency=world.agency, outcome="resolved", text="Đã sửa.")
    assert notified(Kind.ANSWER_RECEIVED) == {"vanphong"}
    assert Notification.objects.get().url == p.get_absolute_url()


def test_more_time_asked_reaches_the_office_and_the_decision_the_agency(world, pw, notified):
    p = forwarded(world, pw)
    until = p.answer_due_on + datetime.timedelta(days=20)
    extension = s.extension_request(petition=p, user=world.users["agency"], agency=world.agency, until=until,
                                    reason="Cần khảo sát hiện trường")
    assert notified(Kind.EXTENSION_REQUESTED) == {"vanphong"}
    assert "Cần khảo sát hiện trường" in Notification.objects.get().body
    s.extension_decide(extension=ExtensionRequest.objects.get(pk=extension.pk), user=world.users["office"], grant=True)
    # Both responders of the agency; the one who asked is told too (the decision is news to them).
    assert notified(Kind.EXTENSION_DECIDED) == {"coquan", "coquan2"}
    decided = Notification.objects.filter(kind=Kind.EXTENSION_DECIDED).first()
    assert until.strftime("%d/%m/%Y") in decided.subject
    assert decided.url == f"/petitions/agency/{p.pk}/"


def test_an_answer_sent_back_reaches_the_agency_with_the_reason(world, pw, notified):
    p = answered(world, pw)
    s.answer_send_back(petition=p, user=world.users["standing"], note="Chưa nêu thời hạn hoàn thành")
    assert notified(Kind.ANSWER_SENT_BACK) == {"coquan", "coquan2"}
    assert "Chưa nêu thời hạn hoàn thành" in Notification.objects.first().body


def test_a_closed_petition_reaches_the_group_that_raised_it(world, pw, notified):
    p = answered(world, pw)
    s.petition_close(petition=p, user=world.users["office"])
    # Group A's leader and delegate; not group B's delegate, not the office that closed it.
    assert notified(Kind.PETITION_CLOSED) == {"totruong", "daibieu_a"}
    assert Notification.objects.first().url == p.get_absolute_url()


def test_a_report_ready_reaches_who_asked_for_it(world, pw, notified, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    petition(world, pw)
    Notification.objects.all().delete()
    report = reports.report_request(user=world.users["standing"], council=world.council, kind=ReportKind.ROUND,
                                    round=pw["round"], signer_name="Nguyễn Anh Tuấn")
    assert not Notification.objects.exists()  # not yet: it is rendered by the worker
    assert reports.report_render(report_id=report.pk) is True
    assert notified(Kind.REPORT_READY) == {"thuongtruc"}
    assert Notification.objects.get().url == report.get_absolute_url()
    assert reports.report_render(report_id=report.pk) is False  # rendered already: not told twice
    assert Notification.objects.count() == 1


def test_forwarding_succeeds_when_the_broker_is_down_and_mails_after_commit_when_up(
        world, pw, flaky_broker, django_capture_on_commit_callbacks):
    broker = flaky_broker(notifications_email)
    broker.down = True
    p = petition(world, pw)
    with django_capture_on_commit_callbacks(execute=True):
        s.petitions_forward(petitions=[p], user=world.users["office"])
    assert Petition.objects.get(pk=p.pk).status == PetitionStatus.FORWARDED
    assert Notification.objects.filter(kind=Kind.PETITIONS_FORWARDED).count() == 2
    assert mail.outbox == []
    wish = OutboxTask.objects.get(name=notifications_email.name)
    assert wish.last_error and wish.done_at is None
    broker.down = False
    from delegations.outbox import outbox_redispatch

    outbox_redispatch(now=wish.requested_at + datetime.timedelta(minutes=1))
    assert sorted(m.to[0] for m in mail.outbox) == ["coquan2@example.vn", "coquan@example.vn"]
