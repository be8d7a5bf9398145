"""Issue 13, findings 7, 8 and 12 for the meeting's documents: the invitation (GM) and the minutes (BB)
name the group once, with the council and the place's kind, list what the meeting recorded, are
previewed and copied to Word before a number is taken, bear their intended date, are named after their
number and year of issue, and final minutes can be reopened for a correction."""
import datetime
import io
import re
import subprocess
import sys
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from docx import Document

from delegations.models import CommuneKind
from documents import render_pdf
from petitions.models import Petition, PetitionField, PetitionVoter
from plans.models import ContactPlan, ContactRound, DocumentNumber, PlanStatus, RoundKind
from sessions import services
from sessions.models import ContactSession, MeetingStatus, Minutes, MinutesStatus
from tests.factories import CommuneFactory
from tests.shared import shared_dir

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
CHECK = shared_dir() / "tools" / "decree30_check.py"
LONG_STATEMENT = ("Cử tri phản ánh tuyến đường liên khu phố xuống cấp nghiêm trọng, nhiều ổ gà, ngập nước khi "
                  "trời mưa, gây mất an toàn giao thông cho người dân và học sinh; đề nghị bố trí kinh phí sửa chữa, "
                  "nâng cấp, lắp đặt hệ thống thoát nước và chiếu sáng dọc tuyến. ")


@pytest.fixture
def meeting(world):
    plan = ContactPlan.objects.create(council=world.council, year=2026, subject="Kế hoạch TXCT",
                                      status=PlanStatus.ISSUED, number=1, issued_on=datetime.date(2026, 10, 15),
                                      signing_on_behalf="KT. CHỦ TỊCH", signer_position="PHÓ CHỦ TỊCH",
                                      signer_name="Nguyễn Anh Tuấn")
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=datetime.date(2026, 11, 2),
                                      ends_on=datetime.date(2026, 12, 1))
    commune = CommuneFactory(council=world.council, name="Đông Hưng Thuận", kind=CommuneKind.WARD)
    world.group_a.communes.add(commune)
    session = ContactSession.objects.create(
        council=world.council, round=rnd, group=world.group_a, commune=commune,
        starts_at=datetime.datetime(2026, 11, 24, 8, tzinfo=HANOI), venue="Nhà văn hóa khu phố 3, Đông Hưng Thuận",
        invited="Ủy ban MTTQ Việt Nam phường\nLãnh đạo UBND phường")
    session.delegates.set([world.delegate])
    return session


def hold(session, world):
    session.status, session.voters_present = MeetingStatus.HELD, 112
    session.chair, session.secretary = "Ông Nguyễn Văn Hòa, Chủ tịch Ủy ban MTTQ phường", "Bà Lê Thị Thu"
    session.save()
    session.delegates_present.set([world.delegate])
    minutes = Minutes.objects.create(
        session=session, opening="Chủ tọa khai mạc.", delegates_report="Đại biểu báo cáo.",
        voters_speak="Cử tri phát biểu ý kiến.", closing="Chủ tọa kết thúc hội nghị.",
        closed_at=datetime.time(10, 45))
    return minutes


def pdf_text(content):
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def squeeze(text):
    return re.sub(r"\s+", " ", text)


def download(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_minutes_name_the_group_once_with_council_and_place_and_list_the_petitions(world, meeting):
    """Finding 7: "Tổ đại biểu Tổ đại biểu số 1", no number or council in the subject, "Kinh Bắc, Kinh
    Bắc", and no petitions in the minutes."""
    minutes = hold(meeting, world)
    field = PetitionField.objects.create(council=world.council, name="Giao thông")
    petition = Petition.objects.create(council=world.council, session=meeting, text="Đường liên khu phố xuống cấp.",
                                       summary="Sửa chữa đường liên khu phố 3")
    petition.fields.add(field)
    PetitionVoter.objects.create(petition=petition, name="Phạm Văn Cử", address="Số 9 khu phố 3", phone="0912345678")
    text = squeeze(pdf_text(render_pdf(services.minutes_document(minutes))))
    assert "Tổ đại biểu Tổ đại biểu" not in text
    assert "Tổ đại biểu số 1 HĐND tỉnh Bắc Ninh" in text
    assert "với cử tri phường Đông Hưng Thuận" in text
    assert "Đông Hưng Thuận, Đông Hưng Thuận" not in text and "Đông Hưng Thuận, phường Đông Hưng Thuận" not in text
    assert "Cử tri tham dự: 112 người" in text and "Đại biểu dự hội nghị (1): Nguyễn Anh Tuấn" in text
    assert "1. Sửa chữa đường liên khu phố 3 (Lĩnh vực: Giao thông)" in text
    for personal in ("Phạm Văn Cử", "0912345678", "Số 9 khu phố 3"):
        assert personal not in text


def test_the_invitation_subject_and_venue(world, meeting):
    text = squeeze(pdf_text(render_pdf(services.invitation_document(meeting))))
    assert "Hội nghị tiếp xúc cử tri của Tổ đại biểu số 1 HĐND tỉnh Bắc Ninh" in text
    assert "Địa điểm: Nhà văn hóa khu phố 3, Đông Hưng Thuận." in text
    assert "Tổ đại biểu Tổ đại biểu" not in text


def test_invitation_preview_and_word_copy_take_no_number(world, meeting, client_for):
    """Finding 8: the first "print" took the next number; there was no preview and no Word copy."""
    client = client_for(world.users["office"])
    preview = client.get(reverse("contact_sessions:session_document", args=[meeting.pk, "invitation", "pdf"]))
    assert preview.status_code == 200
    assert 'filename="GM-du-thao-' in preview["Content-Disposition"]
    text = squeeze(pdf_text(download(preview)))
    assert re.search(r"Số: /GM-HĐND", text) and "tháng 11 năm 2026" in text
    word = client.get(reverse("contact_sessions:session_document", args=[meeting.pk, "invitation", "docx"]))
    assert word.status_code == 200 and word["Content-Disposition"].endswith('.docx"')
    assert "GIẤY MỜI" in [p.text for p in Document(io.BytesIO(download(word))).paragraphs]
    assert not DocumentNumber.objects.exists()
    meeting.refresh_from_db()
    assert meeting.invitation_number is None
    assert client_for(world.users["agency"]).get(
        reverse("contact_sessions:session_document", args=[meeting.pk, "invitation", "pdf"])).status_code == 403


def test_the_invitation_defaults_to_a_date_before_the_meeting_and_warns_after_it(world, meeting, client_for,
                                                                                 time_machine):
    """Finding 8: a meeting of 24/11 got an invitation dated 01/12 with no warning."""
    time_machine.move_to(datetime.datetime(2026, 12, 1, 9, tzinfo=HANOI))
    assert services.invitation_default_date(meeting) == datetime.date(2026, 11, 23)
    client = client_for(world.users["office"])
    url = reverse("contact_sessions:session_invitation", args=[meeting.pk])
    response = client.post(url, {"dated": "2026-12-01", "confirmed": "1"}, follow=True)
    assert "24/11/2026" in response.content.decode()   # told the meeting's date, nothing taken
    meeting.refresh_from_db()
    assert meeting.invitation_number is None
    client.post(url, {"confirmed": "1"})
    meeting.refresh_from_db()
    assert (meeting.invitation_number, meeting.invitation_date) == (1, datetime.date(2026, 11, 23))
    assert DocumentNumber.objects.get(type_code="GM").dated == datetime.date(2026, 11, 23)


def test_a_late_invitation_date_is_taken_once_confirmed(world, meeting):
    with pytest.raises(Exception, match="24/11/2026"):
        services.session_invitation_issue(session=meeting, dated=datetime.date(2026, 11, 25))
    session = services.session_invitation_issue(session=meeting, dated=datetime.date(2026, 11, 25),
                                                confirm_late=True)
    assert session.invitation_date == datetime.date(2026, 11, 25)
    assert services.invitation_file_stem(session) == "GM-01-2026"


def test_minutes_files_are_named_after_the_bb_number_and_year(world, meeting, client_for, time_machine,
                                                              django_capture_on_commit_callbacks, settings, tmp_path):
    """Finding 12: minutes downloaded as "BB-1-pdf.pdf" (the meeting's id)."""
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(datetime.datetime(2027, 1, 4, 9, tzinfo=HANOI))
    minutes = hold(meeting, world)
    DocumentNumber.objects.create(council=world.council, year=2027, type_code="BB", number=1,
                                  dated=datetime.date(2027, 1, 2))
    DocumentNumber.objects.create(council=world.council, year=2027, type_code="BB", number=2,
                                  dated=datetime.date(2027, 1, 3))
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_finalise(minutes=minutes, user=world.users["office"])
    minutes.refresh_from_db()
    assert (minutes.number, minutes.issued_on) == (3, datetime.date(2027, 1, 4))
    services.minutes_render(minutes_id=minutes.pk)
    client = client_for(world.users["office"])
    response = client.get(reverse("contact_sessions:minutes_download", args=[meeting.pk, "pdf"]))
    assert 'filename="BB-03-2027.pdf"' in response["Content-Disposition"]
    word = client.get(reverse("contact_sessions:session_document", args=[meeting.pk, "minutes", "docx"]))
    assert 'filename="BB-03-2027.docx"' in word["Content-Disposition"]


def test_final_minutes_are_reopened_by_the_office_with_a_reason_and_keep_their_number(world, meeting, client_for,
                                                                                      django_capture_on_commit_callbacks):
    """Finding 7: once final, the minutes existed only as a locked PDF."""
    minutes = hold(meeting, world)
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_finalise(minutes=minutes, user=world.users["office"])
    minutes.refresh_from_db()
    number = minutes.number
    url = reverse("contact_sessions:minutes_reopen", args=[meeting.pk])
    assert client_for(world.users["group_leader"]).post(url, {"reason": "Sai tên"}).status_code == 403
    minutes.refresh_from_db()
    assert minutes.status == MinutesStatus.FINAL   # a group leader cannot reopen
    client = client_for(world.users["office"])
    client.post(url, {"reason": ""})
    minutes.refresh_from_db()
    assert minutes.status == MinutesStatus.FINAL   # no reason, no reopening
    response = client.post(url, {"reason": "Ghi sai số cử tri tham dự"})
    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.status == MinutesStatus.DRAFT and minutes.number == number
    record = minutes.history.order_by("-history_date").first()
    assert "Ghi sai số cử tri tham dự" in record.history_change_reason
    assert record.history_user == world.users["office"]
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_finalise(minutes=minutes, user=world.users["office"])
    minutes.refresh_from_db()
    assert minutes.status == MinutesStatus.FINAL and minutes.number == number
    assert DocumentNumber.objects.filter(type_code="BB").count() == 1


def test_minutes_with_long_petitions_and_a_long_ward_pass_the_decree30_check(world, meeting, tmp_path,
                                                                             django_capture_on_commit_callbacks):
    world.council.issuing_body_lines = "HỘI ĐỒNG NHÂN DÂN\nPHƯỜNG ĐÔNG HƯNG THUẬN"
    world.council.save()
    minutes = hold(meeting, world)
    for _index in range(3):
        Petition.objects.create(council=world.council, session=meeting, text=(LONG_STATEMENT * 30)[:5000])
    for state in ("draft", "final"):
        if state == "final":
            with django_capture_on_commit_callbacks(execute=True):
                services.minutes_finalise(minutes=minutes, user=world.users["office"])
            minutes.refresh_from_db()
        path = tmp_path / f"bb-{state}.pdf"
        path.write_bytes(render_pdf(services.minutes_document(minutes)))
        options = ["--draft"] if state == "draft" else []
        result = subprocess.run([sys.executable, str(CHECK), str(path), *options], capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stdout


def test_the_minutes_bear_the_symbol_chosen_among_the_councils(world, meeting, django_capture_on_commit_callbacks):
    """Finding 6: one symbol per council; the standing committee's "TT.HĐND" could not be printed."""
    world.council.other_document_symbols = "TT.HĐND"
    world.council.save()
    minutes = hold(meeting, world)
    with pytest.raises(ValidationError):
        services.minutes_finalise(minutes=minutes, user=world.users["office"], symbol="UBND")
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_finalise(minutes=minutes, user=world.users["office"], symbol="TT.HĐND")
    minutes.refresh_from_db()
    assert services.minutes_document(minutes).number_line == "Số: 01/BB-TT.HĐND"
