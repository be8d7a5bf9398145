import datetime
import io
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sessions.models import MeetingStatus, Minutes, MinutesStatus
from tests.sessions.builders import make_session
from tests.shared import shared_dir

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
CHAIR = "Ông Nguyễn Văn Hòa, Chủ tịch Ủy ban MTTQ xã"
SECRETARY = "Bà Lê Thị Thu, công chức Văn phòng"
STATEMENT = ("phản ánh tuyến đường giao thông liên thôn từ cổng làng đến cánh đồng bị xuống cấp nghiêm trọng, "
             "nhiều ổ gà, gây mất an toàn khi trời mưa; đề nghị UBND xã sớm bố trí kinh phí sửa chữa, nâng cấp "
             "và lắp đặt hệ thống đèn chiếu sáng dọc tuyến.")


@pytest.fixture
def held(world, setup, client_for, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 24, 15, tzinfo=HANOI))
    session = make_session(world, setup, day=24, hour=8)
    response = client_for(world.users["group_leader"]).post(
        reverse("contact_sessions:session_outcome", args=[session.pk]),
        {"status": "held", "delegates_present": [world.delegate.pk], "voters_present": 112,
         "chair": CHAIR, "secretary": SECRETARY})
    assert response.status_code == 302
    session.refresh_from_db()
    return session


def fill(minutes):
    minutes.opening = "Ông Nguyễn Văn Hòa tuyên bố lý do, giới thiệu thành phần tham dự hội nghị."
    minutes.delegates_report = "Đại biểu Nguyễn Anh Tuấn thông báo dự kiến nội dung, chương trình kỳ họp."
    minutes.voters_speak = "\n".join(f"Cử tri thứ {i + 1} {STATEMENT}" for i in range(5))
    minutes.officials_answer = "Lãnh đạo UBND xã giải trình về tiến độ dự án nâng cấp đường."
    minutes.delegates_respond = "Đại biểu tiếp thu, tổng hợp gửi cơ quan có thẩm quyền."
    minutes.closing = "Chủ tọa cảm ơn cử tri và kết thúc hội nghị."
    minutes.closed_at = datetime.time(10, 45)
    minutes.save()


def test_holding_a_meeting_opens_draft_minutes_due_five_days_later(held):
    assert held.status == MeetingStatus.HELD
    assert held.minutes_due_on == datetime.date(2026, 11, 30)  # Sunday 29/11 → Monday (art. 148(5))
    assert held.minutes.status == MinutesStatus.DRAFT
    assert held.voters_present == 112 and held.chair == CHAIR


def test_a_meeting_cannot_be_held_before_it_starts(world, setup, client_for, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 20, 9, tzinfo=HANOI))
    session = make_session(world, setup, day=24)
    response = client_for(world.users["office"]).post(
        reverse("contact_sessions:session_outcome", args=[session.pk]), {"status": "held"})
    assert response.status_code == 400
    session.refresh_from_db()
    assert session.status == MeetingStatus.PLANNED and not Minutes.objects.exists()


def test_postponing_needs_the_new_date_and_cancelling_a_reason(world, setup, client_for):
    session = make_session(world, setup, day=24)
    client = client_for(world.users["office"])
    url = reverse("contact_sessions:session_outcome", args=[session.pk])
    assert client.post(url, {"status": "postponed"}).status_code == 400
    assert client.post(url, {"status": "cancelled"}).status_code == 400
    session.refresh_from_db()
    assert session.status == MeetingStatus.PLANNED
    assert client.post(url, {"status": "postponed", "postponed_to": "2026-11-28T08:00"}).status_code == 302
    session.refresh_from_db()
    assert session.status == MeetingStatus.POSTPONED
    assert session.starts_at == datetime.datetime(2026, 11, 28, 8, tzinfo=HANOI)
    assert client.post(url, {"status": "cancelled", "cancel_reason": "Mưa bão"}).status_code == 302
    session.refresh_from_db()
    assert (session.status, session.cancel_reason) == (MeetingStatus.CANCELLED, "Mưa bão")


def test_finalising_needs_every_part_then_numbers_and_prints_the_minutes(held, world, client_for, settings,
                                                                         django_capture_on_commit_callbacks, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        client = client_for(world.users["group_leader"])
        url = reverse("contact_sessions:minutes_edit", args=[held.pk])
        response = client.post(url, {"opening": "Khai mạc", "finalise": "1"}, follow=True)
        assert Minutes.objects.get().status == MinutesStatus.DRAFT
        assert "ý kiến" in response.content.decode().lower() or "voters speak" in response.content.decode().lower()
        fill(held.minutes)
        data = {name: getattr(held.minutes, name) for name in
                ("opening", "delegates_report", "voters_speak", "officials_answer", "delegates_respond", "closing")}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {**data, "closed_at": "10:45", "finalise": "1", "confirmed": "1"})
        assert response.status_code == 302
    finally:
        app.conf.task_always_eager = False
    minutes = Minutes.objects.get()
    assert minutes.status == MinutesStatus.FINAL and minutes.number == 1
    assert minutes.pdf
    content = minutes.pdf.read()
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    for expected in ("BIÊN BẢN", "Số: 01/BB-HĐND", "I. THÀNH PHẦN THAM DỰ", "3. Ý kiến, kiến nghị của cử tri",
                     "THƯ KÝ", "CHỦ TỌA", "Bà Lê Thị Thu", "Ông Nguyễn Văn Hòa", "10 giờ 45 phút"):
        assert expected in text, expected
    path = tmp_path / "bb.pdf"
    path.write_bytes(content)
    checker = shared_dir() / "tools" / "decree30_check.py"
    result = subprocess.run([sys.executable, str(checker), str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    # Final minutes are closed: the edit page sends back, and the outcome can no longer change.
    assert client.get(url).status_code == 302
    response = client.post(reverse("contact_sessions:session_outcome", args=[held.pk]),
                           {"status": "cancelled", "cancel_reason": "x"})
    assert response.status_code == 400


def test_signed_scan_checked_by_content_size_and_type(held, world, client_for, settings):
    fill(held.minutes)
    held.minutes.status = MinutesStatus.FINAL
    held.minutes.save()
    client = client_for(world.users["group_leader"])
    url = reverse("contact_sessions:minutes_scan_upload", args=[held.pk])
    settings.UPLOAD_MAX_BYTES = 50_000
    refused = [
        SimpleUploadedFile("bien-ban.pdf", b"\x7fELF\x02\x01\x01" + b"\0" * 100, "application/pdf"),
        SimpleUploadedFile("bien-ban.gif", b"GIF89a" + b"\0" * 100, "image/gif"),
        SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4\n" + b"0" * 60_000, "application/pdf"),
    ]
    for upload in refused:
        client.post(url, {"file": upload})
        held.minutes.refresh_from_db()
        assert not held.minutes.signed_scan
    media = Path(settings.MEDIA_ROOT) / "minutes" / "signed"
    assert not media.exists() or not any(media.iterdir())
    client.post(url, {"file": SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")})
    held.minutes.refresh_from_db()
    assert held.minutes.signed_scan.name.endswith(".png")


def test_late_minutes_are_counted_in_the_round_view(held, world, client_for, time_machine):
    client = client_for(world.users["office"])
    progress = client.get(reverse("contact_sessions:session_list")).context["progress"]
    assert [(row["held"], row["minutes_late"]) for row in progress] == [(1, 0)]
    time_machine.move_to(datetime.datetime(2026, 12, 1, 9, tzinfo=HANOI))
    progress = client.get(reverse("contact_sessions:session_list")).context["progress"]
    assert [(row["held"], row["minutes_late"]) for row in progress] == [(1, 1)]


@pytest.mark.parametrize("role, status", [("delegate", 403), ("standing", 403), ("other_council", 404)])
def test_outcome_and_minutes_refused_to_others(held, world, client_for, role, status):
    client = client_for(world.users[role])
    for name in ("session_outcome", "minutes_edit"):
        assert client.get(reverse(f"contact_sessions:{name}", args=[held.pk])).status_code == status
    response = client.post(reverse("contact_sessions:minutes_edit", args=[held.pk]), {"opening": "Sửa trái phép"})
    assert response.status_code == status
    assert Minutes.objects.get().opening == ""


def test_the_invitation_is_numbered_once_and_printed_in_the_decree_layout(world, setup, client_for,
                                                                          django_capture_on_commit_callbacks, tmp_path):
    from config.celery import app

    plan = setup["round"].plan
    plan.signing_on_behalf, plan.signer_position, plan.signer_name = "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Anh Tuấn"
    plan.save()
    session = make_session(world, setup, day=24)
    session.invited = "Ủy ban MTTQ Việt Nam xã\nLãnh đạo UBND xã"
    session.save()
    client = client_for(world.users["group_leader"])
    url = reverse("contact_sessions:session_invitation", args=[session.pk])
    app.conf.task_always_eager = True
    try:
        for _attempt in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                assert client.post(url, {"confirmed": "1"}).status_code == 302
    finally:
        app.conf.task_always_eager = False
    session.refresh_from_db()
    assert session.invitation_number == 1  # printing again keeps the number
    response = client.get(reverse("contact_sessions:invitation_download", args=[session.pk]))
    content = b"".join(response.streaming_content)
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    for expected in ("GIẤY MỜI", "Số: 01/GM-HĐND", "Lãnh đạo UBND xã", "Nhà văn hóa", "Nguyễn Anh Tuấn"):
        assert expected in text, expected
    path = tmp_path / "gm.pdf"
    path.write_bytes(content)
    result = subprocess.run([sys.executable, str(shared_dir() / "tools" / "decree30_check.py"), str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert client_for(world.users["delegate"]).post(url).status_code == 403
