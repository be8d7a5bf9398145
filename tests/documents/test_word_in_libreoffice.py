"""Issue 13: what a clerk opens in Word is what the law asks for. The Word copy of each document kind
(plan, report, invitation, minutes), as a draft and as issued, is converted to PDF by LibreOffice (Debian's
libreoffice-writer, installed by `make test`) in one call, and every converted PDF passes the Decree 30
checker, as the PDFs printed by WeasyPrint do."""
import datetime
import shutil
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest

from documents import render_docx
from petitions.models import Petition, ReportKind
from petitions.reports import report_build, report_request
from plans.models import Assignment, ContactPlan, ContactRound, PlanStatus, ResponsibleKind, RoundKind
from plans.outline_services import outline_build
from plans.presets import PRESETS
from plans.services import plan_document
from sessions import services as meetings
from sessions.models import ContactSession, MeetingStatus, Minutes, MinutesStatus
from tests.factories import CommuneFactory
from tests.shared import shared_dir

pytestmark = pytest.mark.libreoffice

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
CHECK = shared_dir() / "tools" / "decree30_check.py"
STATEMENT = ("Cử tri phản ánh tuyến đường liên khu phố xuống cấp nghiêm trọng, nhiều ổ gà, ngập nước khi trời mưa, "
             "gây mất an toàn giao thông; đề nghị bố trí kinh phí sửa chữa, nâng cấp và lắp đặt chiếu sáng. ")


def word_copies(world):
    """{name: (docx bytes, draft?)} for every document kind, as a draft and as issued."""
    council = world.council
    council.issuing_body_lines = "HỘI ĐỒNG NHÂN DÂN\nPHƯỜNG ĐÔNG HƯNG THUẬN"
    council.place_name = "Đông Hưng Thuận"
    council.save()
    plan = ContactPlan.objects.create(
        council=council, year=2026, subject="Tiếp xúc cử tri của đại biểu HĐND phường\ntrước kỳ họp thứ hai",
        legal_bases="Căn cứ Luật Tổ chức chính quyền địa phương năm 2025;",
        recipients="Thường trực HĐND phường;\nLưu: VT.", signing_on_behalf="KT. CHỦ TỊCH",
        signer_position="PHÓ CHỦ TỊCH", signer_name="Nguyễn Anh Tuấn", intended_on=datetime.date(2026, 11, 1))
    # The body as the office shapes it: the current outline (seed 000), its purpose and requirements typed in.
    outline_build(plan, PRESETS["current"][1])
    plan.sections.filter(title="Mục đích").update(body_html="<p>Bảo đảm liên hệ với cử tri.</p>")
    plan.sections.filter(title="Yêu cầu").update(body_html="<p>Đúng quy định.</p>")
    Assignment.objects.bulk_create([
        Assignment(plan=plan, order=i, lead=f"Đề nghị cơ quan thứ {i}", text=STATEMENT,
                   responsible_kind=ResponsibleKind.OTHER) for i in range(1, 26)])
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=datetime.date(2026, 11, 2),
                                      ends_on=datetime.date(2026, 12, 1))
    copies = {"plan-draft": (render_docx(plan_document(plan)), True)}
    plan.status, plan.number, plan.issued_on = PlanStatus.ISSUED, 5, datetime.date(2026, 11, 2)
    plan.save()
    copies["plan-issued"] = (render_docx(plan_document(plan)), False)

    commune = CommuneFactory(council=council, name="Đông Hưng Thuận", kind="phuong")
    world.group_a.communes.add(commune)
    session = ContactSession.objects.create(
        council=council, round=rnd, group=world.group_a, commune=commune, venue="Nhà văn hóa khu phố 3",
        starts_at=datetime.datetime(2026, 11, 24, 8, tzinfo=HANOI), invited="Ủy ban MTTQ Việt Nam phường")
    session.delegates.set([world.delegate])
    copies["invitation-draft"] = (render_docx(meetings.invitation_document(session)), True)
    session.invitation_number, session.invitation_date = 3, datetime.date(2026, 11, 20)
    copies["invitation-issued"] = (render_docx(meetings.invitation_document(session)), False)

    session.status, session.voters_present = MeetingStatus.HELD, 112
    session.chair, session.secretary = "Ông Nguyễn Văn Hòa", "Bà Lê Thị Thu"
    session.save()
    session.delegates_present.set([world.delegate])
    minutes = Minutes.objects.create(session=session, opening="Chủ tọa khai mạc.", delegates_report="Báo cáo.",
                                     voters_speak="Cử tri phát biểu.", closing="Kết thúc.",
                                     closed_at=datetime.time(10, 45))
    for _index in range(3):
        Petition.objects.create(council=council, session=session, text=(STATEMENT * 40)[:5000])
    copies["minutes-draft"] = (render_docx(meetings.minutes_document(minutes)), True)
    minutes.status, minutes.number, minutes.issued_on = MinutesStatus.FINAL, 3, datetime.date(2026, 11, 25)
    copies["minutes-issued"] = (render_docx(meetings.minutes_document(minutes)), False)

    report = report_request(user=world.users["office"], council=council, kind=ReportKind.ROUND, round=rnd,
                            signer_name="Nguyễn Anh Tuấn", intended_on=datetime.date(2026, 12, 1))
    copies["report-draft"] = (render_docx(report_build(report).document), True)
    report.number, report.issued_on = 2, datetime.date(2026, 12, 3)
    copies["report-issued"] = (render_docx(report_build(report).document), False)
    return copies


def test_every_word_copy_converted_by_libreoffice_passes_the_decree30_check(world, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is missing: install Debian's libreoffice-writer (make test does, as root)"
    copies = word_copies(world)
    for name, (content, _draft) in copies.items():
        (tmp_path / f"{name}.docx").write_bytes(content)
    out = tmp_path / "pdf"
    # One LibreOffice start for all eight files, with a profile of its own (never the user's).
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), *[str(tmp_path / f"{n}.docx") for n in copies]],
                   check=True, capture_output=True, timeout=300)
    failures = []
    for name, (_content, draft) in copies.items():
        pdf = out / f"{name}.pdf"
        assert pdf.is_file(), f"LibreOffice did not convert {name}"
        result = subprocess.run([sys.executable, str(CHECK), str(pdf), *(["--draft"] if draft else [])],
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            failures.append(f"{name}:\n{result.stdout}")
    assert not failures, "\n".join(failures)
