"""The printed plan: seed 000 entered by the demo loader, rendered to PDF and Word, read back and held
against Decree 30/2020/NĐ-CP (Appendix I) and against the seed itself."""
import datetime
import io
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import transaction
from docx import Document

from delegations.demo import load_demo as load_organisation
from documents.official import (
    DRAFT_DAY_GAP,
    DRAFT_NUMBER_GAP,
    format_dateline,
    format_number,
    render_docx,
    render_pdf,
)
from plans.demo import load_demo as load_plans
from plans.models import (
    Assignment,
    ContactPlan,
    ContactRound,
    DocumentNumber,
    PlanEvent,
    PlanStatus,
    ResponsibleKind,
    RoundKind,
    Sitting,
    SittingKind,
)
from plans.services import plan_document, plan_transition
from tests.shared import shared_dir

MM = 72 / 25.4
A4 = (595.28, 841.89)
SHARED = shared_dir()
DECREE30_CHECK = SHARED / "tools" / "decree30_check.py"
SEED_000 = SHARED / "seeds" / "000_87fefaa4f6f8831b.txt"
HEADINGS_000 = [
    "I. MỤC ĐÍCH, YÊU CẦU", "1. Mục đích", "2. Yêu cầu", "II. NỘI DUNG, THÀNH PHẦN, THỜI GIAN, ĐỊA ĐIỂM",
    "1. Nội dung", "1.1. Nội dung tiếp xúc cử tri trước kỳ họp", "1.2. Nội dung tiếp xúc cử tri sau kỳ họp",
    "2. Thành phần", "3. Thời gian, địa điểm", "3.1. Thời gian", "3.2. Địa điểm", "III. TỔ CHỨC THỰC HIỆN",
]
SIGNATURE_000 = ["TM. THƯỜNG TRỰC HĐND", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Anh Tuấn"]


@dataclass
class Rendered:
    draft_pdf: bytes
    issued_pdf: bytes
    draft_docx: bytes
    subject_lines: list
    leads: list
    recipients: list


class _Rollback(Exception):
    pass


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker):
    """The seed-000 plan as loaded by the demo, printed as a draft (in October 2025, like the seed)
    and once issued as number 5 on 06/10/2025; the database rows are rolled back afterwards."""
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                load_organisation()
                load_plans()
                plan = ContactPlan.objects.get(council__name="HĐND tỉnh Bắc Ninh", year=2025,
                                               sitting__kind=SittingKind.REGULAR_YEAR_END)
                with time_machine.travel(datetime.datetime(2025, 10, 20, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
                                         tick=False):
                    draft = plan_document(plan)
                users = {u.username: u for u in get_user_model().objects.filter(username__in=["vanphong", "thuongtruc"])}
                for step, user in (("submit", "vanphong"), ("approve", "thuongtruc")):
                    plan = plan_transition(plan=plan, user=users[user], step=step)
                plan = plan_transition(plan=plan, user=users["vanphong"], step="issue", number=5,
                                       issued_on=datetime.date(2025, 10, 6))
                issued = plan_document(plan)
                result = Rendered(
                    draft_pdf=render_pdf(draft), issued_pdf=render_pdf(issued), draft_docx=render_docx(draft),
                    subject_lines=draft.subject_lines, leads=list(plan.assignments.values_list("lead", flat=True)),
                    recipients=draft.recipients,
                )
                raise _Rollback
        except _Rollback:
            pass
    return result


def squeeze(text):
    """NFC without any whitespace: line breaks and justified spacing do not matter, the characters do."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


def assert_in_order(text, expected, what):
    haystack, position = squeeze(text), 0
    for item in expected:
        found = haystack.find(squeeze(item), position)
        assert found >= 0, f"{what}: {item!r} (item {expected.index(item) + 1} of {len(expected)}) not found " \
                           f"after the previous item"
        position = found + len(squeeze(item))
    return position


def page_text(page, x0=0, x1=None, top=15 * MM):
    """A page's text below the top margin's page number, optionally one column of it."""
    return page.crop((x0, top, page.width if x1 is None else x1, page.height)).extract_text() or ""


def body_text(pdf):
    return "\n".join(page_text(page) for page in pdf.pages)


def footer_columns(pdf):
    """The left (Nơi nhận) and right (signature) columns of the closing block on the last page."""
    page = pdf.pages[-1]
    heading = next(w for w in page.extract_words() if w["text"].startswith("Nơi"))
    return page_text(page, x1=page.width / 2, top=heading["top"] - 1), \
        page_text(page, x0=page.width / 2, top=heading["top"] - 1)


def seed_parts():
    """Seed 000 as paragraphs: the body from the title to the last assignment, the recipients, the signature."""
    lines = [re.sub(r"^#+\s*", "", line.replace("**", "")).strip() for line in SEED_000.read_text("utf-8").splitlines()]
    lines = [line for line in lines if line]
    title, recipients_at = lines.index("KẾ HOẠCH"), lines.index("Nơi nhận:")
    closing = lines[recipients_at + 1:]
    recipients = [line for line in closing if line.startswith("- ")]
    return lines[title:recipients_at], recipients, [line for line in closing if not line.startswith("- ")]


@pytest.fixture(scope="module")
def draft_pdf(rendered):
    with pdfplumber.open(io.BytesIO(rendered.draft_pdf)) as pdf:
        yield pdf


@pytest.fixture(scope="module")
def issued_pdf(rendered):
    with pdfplumber.open(io.BytesIO(rendered.issued_pdf)) as pdf:
        yield pdf


@pytest.fixture(params=["draft", "issued"])
def any_pdf(request):
    return request.getfixturevalue(f"{request.param}_pdf")


def test_every_page_is_a4_portrait(any_pdf):
    assert len(any_pdf.pages) >= 2
    for number, page in enumerate(any_pdf.pages, start=1):
        assert abs(page.width - A4[0]) <= 1.5 and abs(page.height - A4[1]) <= 1.5, \
            f"page {number} is {page.width:.1f} × {page.height:.1f} pt"


def test_margins_left_30_mm_right_15_mm(any_pdf):
    for number, page in enumerate(any_pdf.pages, start=1):
        chars = [c for c in page.chars if c["text"].strip()]
        left, right = min(c["x0"] for c in chars), page.width - max(c["x1"] for c in chars)
        assert left >= 30 * MM - 0.5, f"page {number}: text {left / MM:.1f} mm from the left edge"
        assert right >= 15 * MM - 0.5, f"page {number}: text {right / MM:.1f} mm from the right edge"


def test_fonts_are_liberation_serif_or_times(any_pdf):
    fonts = {re.sub(r"^[A-Z]{6}\+", "", c["fontname"]) for page in any_pdf.pages for c in page.chars}
    assert fonts
    assert all(re.search(r"liberationserif|times", re.sub(r"[\s_-]", "", f.lower())) for f in fonts), fonts


def test_page_number_from_page_2_centred_at_the_top(any_pdf):
    first, second = any_pdf.pages[0], any_pdf.pages[1]
    assert not [w["text"] for w in first.extract_words() if w["top"] < 20 * MM - 1], "text in page 1's top margin"
    top_words = [w for w in second.extract_words(extra_attrs=["size"]) if w["top"] < 20 * MM - 1]
    assert [w["text"] for w in top_words] == ["2"]
    body = [c for c in second.chars if c["top"] >= 20 * MM - 1 and c["text"].strip()]
    block_centre = (min(c["x0"] for c in body) + max(c["x1"] for c in body)) / 2
    number = top_words[0]
    assert abs((number["x0"] + number["x1"]) / 2 - block_centre) <= 3
    assert 13 - 0.6 <= number["size"] <= 14 + 0.6


def test_draft_reads_like_seed_000_in_order(draft_pdf, rendered):
    text = body_text(draft_pdf)
    expected = ["HỘI ĐỒNG NHÂN DÂN", "TỈNH BẮC NINH", "Số:", "/KH-HĐND", "KẾ HOẠCH", *rendered.subject_lines,
                *HEADINGS_000, *[f"{i}. {lead}" for i, lead in enumerate(rendered.leads, 1)],
                "Nơi nhận:"]
    assert_in_order(text, expected, "headings and assignment leads")
    assert rendered.subject_lines == ["Tiếp xúc cử tri của đại biểu HĐND tỉnh",
                                      "trước và sau kỳ họp thường lệ cuối năm 2025"]
    assert len(rendered.leads) == 5
    # The draft leaves the number and the day blank; its month and year are those it is printed in.
    assert "Số:/KH-HĐND" in squeeze(text)
    assert "BắcNinh,ngàytháng10năm2025" in squeeze(text)
    # Every paragraph of the seed, from the title to the last assignment, in the seed's order.
    body, recipients, signature = seed_parts()
    assert len(body) > 40
    end_of_body = assert_in_order(text, body, "seed 000 body")
    assert squeeze(text).find("Nơinhận:") >= end_of_body
    left, right = footer_columns(draft_pdf)
    assert_in_order(left, ["Nơi nhận:", *recipients], "recipients")
    assert recipients[-1] == "- Lưu: VT, TTDN." and len(recipients) == len(rendered.recipients) == 11
    assert_in_order(right, SIGNATURE_000, "signature block")
    assert signature == SIGNATURE_000


def test_issued_plan_prints_its_number_and_date(issued_pdf):
    text = squeeze(body_text(issued_pdf))
    assert "Số:05/KH-HĐND" in text
    assert "BắcNinh,ngày06tháng10năm2025" in text


def run_decree30_check(tmp_path, pdf_bytes, *options):
    assert DECREE30_CHECK.is_file(), f"{DECREE30_CHECK} is missing"
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf_bytes)
    return subprocess.run([sys.executable, str(DECREE30_CHECK), str(path), *options],
                          capture_output=True, text=True, timeout=120)


def test_draft_passes_decree30_check(tmp_path, rendered):
    result = run_decree30_check(tmp_path, rendered.draft_pdf, "--draft")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout, result.stdout


def test_draft_is_not_taken_for_an_issued_document(tmp_path, rendered):
    """The checker does look at the number: a draft's blank number fails without --draft."""
    result = run_decree30_check(tmp_path, rendered.draft_pdf)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"FAIL\s+7 number", result.stdout), result.stdout


def test_issued_plan_passes_decree30_check(tmp_path, rendered):
    result = run_decree30_check(tmp_path, rendered.issued_pdf)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "'Số: 05/KH-HĐND'" in result.stdout
    assert "'Bắc Ninh, ngày 06 tháng 10 năm 2025'" in result.stdout


@pytest.mark.parametrize(("number", "expected"), [
    (5, "Số: 05/KH-HĐND"), (1, "Số: 01/KH-HĐND"), (12, "Số: 12/KH-HĐND"), (123, "Số: 123/KH-HĐND"),
])
def test_format_number_leading_zero_below_10(number, expected):
    assert format_number(number, "KH", "HĐND") == expected


def test_format_number_draft_leaves_the_number_blank():
    line = format_number(None, "KH", "HĐND")
    assert line == f"Số: {DRAFT_NUMBER_GAP}/KH-HĐND"
    assert re.fullmatch(r"Số: \s{4,}/KH-HĐND", line) and not re.search(r"\d", line)


@pytest.mark.parametrize(("date", "expected"), [
    (datetime.date(2025, 1, 5), "Bắc Ninh, ngày 05 tháng 01 năm 2025"),
    (datetime.date(2026, 2, 28), "Bắc Ninh, ngày 28 tháng 02 năm 2026"),
    (datetime.date(2025, 6, 15), "Bắc Ninh, ngày 15 tháng 6 năm 2025"),
    (datetime.date(2025, 10, 6), "Bắc Ninh, ngày 06 tháng 10 năm 2025"),
    (datetime.date(2025, 12, 31), "Bắc Ninh, ngày 31 tháng 12 năm 2025"),
])
def test_format_dateline_leading_zeros(date, expected):
    assert format_dateline("Bắc Ninh", date) == expected


@pytest.mark.parametrize(("month", "shown"), [(10, "10"), (1, "01"), (6, "6")])
def test_format_dateline_draft_leaves_the_day_blank(month, shown):
    line = format_dateline("Bắc Ninh", None, month, 2025)
    assert line == f"Bắc Ninh, ngày {DRAFT_DAY_GAP} tháng {shown} năm 2025"
    assert re.fullmatch(rf"Bắc Ninh, ngày \s+ tháng {shown} năm 2025", line)


def docx_texts(word):
    paragraphs = list(word.paragraphs)
    for table in word.tables:
        for row in table.rows:
            for cell in row.cells:
                paragraphs += cell.paragraphs
    return paragraphs


def test_word_copy_layout_and_content(rendered):
    word = Document(io.BytesIO(rendered.draft_docx))
    section = word.sections[0]
    assert abs(section.page_width.mm - 210) <= 0.5 and abs(section.page_height.mm - 297) <= 0.5
    assert abs(section.left_margin.mm - 30) <= 0.1
    assert 15 <= section.right_margin.mm <= 20
    assert word.styles["Normal"].font.name == "Times New Roman"
    assert not {run.font.name for p in docx_texts(word) for run in p.runs} - {None, "Times New Roman"}
    paragraphs = docx_texts(word)
    texts = [p.text.strip() for p in paragraphs]
    for line in rendered.subject_lines:
        assert line in texts
    for index, lead in enumerate(rendered.leads, start=1):
        paragraph = next((p for p in paragraphs if p.text.startswith(f"{index}. {lead}")), None)
        assert paragraph is not None, f"assignment {index} ({lead}) missing from the Word copy"
        assert paragraph.runs[0].bold and paragraph.runs[0].text.strip() == f"{index}. {lead}"
    assert "- Lưu: VT, TTDN." in texts
    assert_in_order("\n".join(texts), ["KẾ HOẠCH", *rendered.subject_lines, *HEADINGS_000], "Word copy")


def test_demo_enters_seed_000_as_data_and_is_idempotent(db):
    load_organisation()
    first = load_plans()
    snapshot = {model: sorted(model.objects.values_list("pk", flat=True))
                for model in (ContactPlan, Sitting, ContactRound, Assignment, PlanEvent, DocumentNumber)}
    second = load_plans()
    assert {model: sorted(model.objects.values_list("pk", flat=True)) for model in snapshot} == snapshot
    assert "2 created now" in first and "0 created now" in second

    plan = ContactPlan.objects.get(sitting__term__name="Khóa XIX", sitting__kind=SittingKind.REGULAR_YEAR_END)
    assert (plan.status, plan.year, plan.number, plan.scope) == (PlanStatus.DRAFT, 2025, None, "sitting")
    assert plan.sitting.opens_on > datetime.date(2025, 11, 20)
    rounds = {r.kind: r for r in plan.rounds.all()}
    assert (rounds[RoundKind.BEFORE_SITTING].starts_on, rounds[RoundKind.BEFORE_SITTING].ends_on) == \
        (datetime.date(2025, 11, 3), datetime.date(2025, 11, 20))
    after = rounds[RoundKind.AFTER_SITTING]
    assert after.starts_on == plan.sitting.closes_on + datetime.timedelta(days=1)
    assert after.ends_on == plan.sitting.closes_on + datetime.timedelta(days=15)
    assignments = list(plan.assignments.select_related("agency").prefetch_related("dues__round"))
    assert [a.responsible_kind for a in assignments] == [
        ResponsibleKind.AGENCY, ResponsibleKind.FRONT, ResponsibleKind.GROUPS, ResponsibleKind.COMMUNES,
        ResponsibleKind.OFFICE]
    assert assignments[0].agency.name == "Ủy ban nhân dân tỉnh Bắc Ninh"
    assert assignments[0].due_on == datetime.date(2025, 10, 31)
    assert [due.round for due in assignments[2].dues.all()] == [rounds[RoundKind.BEFORE_SITTING]]
    assert assignments[2].due_on == datetime.date(2025, 11, 25)   # 3 working days after Thursday 20/11/2025
    assert assignments[2].text.splitlines()[0].startswith("- Phối hợp")
    assert [line[0] for line in assignments[2].text.splitlines()] == ["-", "-", "+", "+"]

    published = ContactPlan.objects.published().get()
    assert published.sitting.term.name == "Khóa XX" and published.number == 1
    assert "giữa năm 2026" in published.subject and "cuối năm" not in published.subject
    assert [e.to_status for e in published.events.all()] == [
        PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.APPROVED, PlanStatus.ISSUED, PlanStatus.PUBLISHED]
