"""Issue 13, findings 1 and 2: a plan's body is an outline the office shapes (sections at any depth,
numbered by Decree 30 when printed, rich text sanitised on the server, empty sections never printed,
presets and copies), with blocks generated from the data (rounds, assignments with their due dates,
the groups' schedule, a contact line, a closing paragraph), printed alike to PDF and Word."""
import datetime
import io
import re
import subprocess
import sys
import unicodedata
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
from django.urls import reverse
from docx import Document

from documents import render_docx, render_pdf
from plans import outline_services, services
from plans.blocks import assignment_due_label
from plans.models import (
    Assignment,
    AssignmentDue,
    ContactPlan,
    ContactRound,
    DueKind,
    DueUnit,
    PlanSection,
    PlanStatus,
    ResponsibleKind,
    RoundKind,
    SectionBlock,
    Sitting,
    SittingKind,
)
from plans.outline import html_to_blocks, sanitize_html
from plans.presets import PRESETS
from sessions.models import ContactSession
from tests.shared import shared_dir

D = datetime.date
DECREE30_CHECK = shared_dir() / "tools" / "decree30_check.py"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def squeeze(text):
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


def make_plan(world, **fields):
    values = {"subject": "Tiếp xúc cử tri của đại biểu HĐND tỉnh năm 2026", "signer_name": "Nguyễn Anh Tuấn",
              "signing_on_behalf": "KT. CHỦ TỊCH", "signer_position": "PHÓ CHỦ TỊCH",
              "legal_bases": "Thực hiện Luật Tổ chức chính quyền địa phương năm 2025;",
              "recipients": "Thường trực HĐND tỉnh;\nLưu: VT, TTDN.", "year": 2026, **fields}
    return ContactPlan.objects.create(council=world.council, **values)


def add(plan, title, parent=None, position=1, body="", block=""):
    return PlanSection.objects.create(plan=plan, parent=parent, position=position, title=title, body_html=body,
                                      block=block)


def texts(plan):
    return [block.text for block in services.plan_document(plan).blocks]


def pdf_text(pdf_bytes):
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def outline_rows(plan):
    """The outline as (depth, title, block) in reading order."""
    sections = list(plan.sections.all())
    children = {}
    for section in sorted(sections, key=lambda s: (s.position, s.pk)):
        children.setdefault(section.parent_id, []).append(section)

    def walk(parent_id, depth):
        rows = []
        for section in children.get(parent_id, []):
            rows.append((depth, section.title, section.block))
            rows += walk(section.pk, depth + 1)
        return rows

    return walk(None, 1)


def preset_rows(tree, depth=1):
    rows = []
    for item in tree:
        rows.append((depth, item["title"], item["block"]))
        rows += preset_rows(item["children"], depth + 1)
    return rows


# ---------------------------------------------------------------- numbering and empty sections

def test_numbering_at_five_depths(world):
    plan = make_plan(world)
    one = add(plan, "MỤC ĐÍCH, YÊU CẦU", body="<p>Mở đầu.</p>")
    add(plan, "TỔ CHỨC THỰC HIỆN", position=2, body="<p>Phần hai.</p>")
    a = add(plan, "Nội dung", one, 1, "<p>x</p>")
    add(plan, "Thành phần", one, 2, "<p>x</p>")
    b = add(plan, "Trước kỳ họp", a, 1, "<p>x</p>")
    add(plan, "Sau kỳ họp", a, 2, "<p>x</p>")
    c = add(plan, "Báo cáo", b, 1, "<p>x</p>")
    add(plan, "Kiến nghị", b, 2, "<p>x</p>")
    add(plan, "Chi tiết", c, 1, "<p>x</p>")
    headings = [t for t in texts(plan) if t not in ("x", "Mở đầu.", "Phần hai.")]
    assert headings == ["I. MỤC ĐÍCH, YÊU CẦU", "1. Nội dung", "1.1. Trước kỳ họp", "a) Báo cáo", "- Chi tiết",
                        "b) Kiến nghị", "1.2. Sau kỳ họp", "2. Thành phần", "II. TỔ CHỨC THỰC HIỆN"]
    kinds = [b.kind for b in services.plan_document(plan).blocks if b.text in headings]
    assert kinds[:5] == ["part", "section", "subsection", "point", "item"]


def test_empty_sections_are_not_printed_and_take_no_number(world):
    plan = make_plan(world)
    outline_services.outline_build(plan, PRESETS["current"][1])
    bodies = {"Mục đích": "<ul><li>Nâng cao chất lượng TXCT.</li></ul>",
              "Nội dung tiếp xúc cử tri sau kỳ họp": "<ul><li>Báo cáo kết quả kỳ họp;</li></ul>",
              "Thời gian": "<ul><li>Từ ngày 03/11/2025.</li></ul>"}
    for section in plan.sections.all():
        if section.title in bodies:
            section.body_html = bodies[section.title]
            section.save()
    printed = texts(plan)
    # "Yêu cầu", "1.1 … trước kỳ họp", "Thành phần", "3.2. Địa điểm" and part III (no assignments) are empty.
    assert [t for t in printed if not t.startswith("- ")] == [
        "I. MỤC ĐÍCH, YÊU CẦU", "1. Mục đích", "II. NỘI DUNG, THÀNH PHẦN, THỜI GIAN, ĐỊA ĐIỂM", "1. Nội dung",
        "1.1. Nội dung tiếp xúc cử tri sau kỳ họp", "2. Thời gian, địa điểm", "2.1. Thời gian"]
    text = squeeze(pdf_text(render_pdf(services.plan_document(plan))))
    assert squeeze("2.1. Thời gian") in text
    for missing in ("Địa điểm", "Yêu cầu", "Thành phần", "TỔ CHỨC THỰC HIỆN", "trướckỳhọp"):
        assert squeeze(missing) not in text.replace(squeeze("ĐỊA ĐIỂM"), ""), missing


def test_an_empty_place_section_of_a_seed_like_plan_is_not_in_the_pdf(world):
    """The finding's own example: "3.2. Địa điểm" with nothing under it is not printed."""
    plan = make_plan(world)
    outline_services.outline_build(plan, PRESETS["current"][1])
    for section in plan.sections.exclude(title="Địa điểm"):
        if not section.children.exists() and not section.block:
            section.body_html = "<p>Nội dung.</p>"
            section.save()
    text = squeeze(pdf_text(render_pdf(services.plan_document(plan))))
    assert squeeze("3.1. Thời gian") in text
    assert squeeze("3.2.") not in text and squeeze("Địa điểm") not in text


# ---------------------------------------------------------------- rich text

def test_sanitising_strips_scripts_styles_and_handlers_and_keeps_the_allowed_tags():
    dirty = ('<p onclick="x()">Một <strong>đậm</strong> <b>b</b> <em>nghiêng</em> <i>i</i> <u>gạch</u><br>dòng</p>'
             '<script>alert(1)</script><style>p{color:red}</style><img src=x onerror="alert(2)">'
             '<ul><li class="a">mục</li></ul><ol><li>số</li></ol><a href="javascript:alert(3)">liên kết</a>'
             '<h1>tiêu đề</h1><p style="color:red">đỏ</p><iframe src="//evil"></iframe>')
    clean = sanitize_html(dirty)
    for gone in ("script", "alert", "style", "onerror", "onclick", "<img", "<a", "href", "<h1", "iframe",
                 "class=", "color"):
        assert gone not in clean, gone
    for kept in ("<p>", "<strong>đậm</strong>", "<b>b</b>", "<em>nghiêng</em>", "<i>i</i>", "<u>gạch</u>", "<br>",
                 "<ul><li>mục</li></ul>", "<ol><li>số</li></ol>", "liên kết", "tiêu đề", "<p>đỏ</p>"):
        assert kept in clean, kept
    assert sanitize_html("<p><br></p>") == "" and sanitize_html("<script>x</script>") == ""


def test_rich_text_prints_runs_lists_and_nested_lists():
    blocks = html_to_blocks("<p>Hạn <strong>trước ngày 31/10/2025</strong>, <em>nghiêng</em> và <u>gạch</u>.</p>"
                            "<ul><li>một<ul><li>con</li></ul></li><li>hai</li></ul><ol><li>a</li><li>b</li></ol>")
    assert [(b.kind, b.text) for b in blocks] == [
        ("paragraph", "Hạn trước ngày 31/10/2025, nghiêng và gạch."), ("item", "- một"), ("item", "+ con"),
        ("item", "- hai"), ("item", "1. a"), ("item", "2. b")]
    runs = [(r.text, r.bold, r.italic, r.underline) for r in blocks[0].runs]
    assert runs == [("Hạn ", False, False, False), ("trước ngày 31/10/2025", True, False, False),
                    (", ", False, False, False), ("nghiêng", False, True, False), (" và ", False, False, False),
                    ("gạch", False, False, True), (".", False, False, False)]


def test_pdf_and_word_carry_the_same_text_and_bold_runs(world):
    plan = make_plan(world)
    add(plan, "THỜI GIAN", body="<p>Các Tổ gửi báo cáo <strong>trước ngày 31/10/2025</strong> và "
                                "<em>theo mẫu</em> <u>đính kèm</u>.</p><ul><li>Mục <strong>đậm</strong>.</li></ul>")
    document = services.plan_document(plan)
    word = Document(io.BytesIO(render_docx(document)))
    paragraph = next(p for p in word.paragraphs if p.text.startswith("Các Tổ gửi"))
    assert paragraph.text == "Các Tổ gửi báo cáo trước ngày 31/10/2025 và theo mẫu đính kèm."
    assert [r.text for r in paragraph.runs if r.bold] == ["trước ngày 31/10/2025"]
    assert [r.text for r in paragraph.runs if r.italic] == ["theo mẫu"]
    assert [r.text for r in paragraph.runs if r.underline] == ["đính kèm"]
    item = next(p for p in word.paragraphs if p.text.startswith("- Mục"))
    assert [r.text for r in item.runs if r.bold] == ["đậm"]

    with pdfplumber.open(io.BytesIO(render_pdf(document))) as pdf:
        page = pdf.pages[0]
        text = page.extract_text()
        bold = "".join(c["text"] for c in page.chars if "Bold" in c["fontname"])
        italic = "".join(c["text"] for c in page.chars if "Italic" in c["fontname"] and "Bold" not in c["fontname"])
    assert squeeze("Các Tổ gửi báo cáo trước ngày 31/10/2025 và theo mẫu đính kèm.") in squeeze(text)
    assert squeeze("trước ngày 31/10/2025") in squeeze(bold) and squeeze("đậm") in squeeze(bold)
    assert squeeze("theo mẫu") in squeeze(italic)
    assert "CácTổgửi" not in squeeze(bold) and "đínhkèm" not in squeeze(bold)
    # The same paragraphs in the same order in both.
    word_text = squeeze("".join(p.text for p in word.paragraphs))
    assert squeeze("I. THỜI GIAN") in word_text and squeeze("I. THỜI GIAN") in squeeze(text)


# ---------------------------------------------------------------- presets and copies

@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_presets_create_the_expected_tree(world, preset):
    plan = make_plan(world)
    add(plan, "Cũ")
    outline_services.plan_outline_preset(plan=plan, user=world.users["office"], preset=preset)
    assert outline_rows(plan) == preset_rows(PRESETS[preset][1])
    assert not plan.sections.filter(title="Cũ").exists()


def test_the_preset_trees_are_those_of_the_seeds():
    current = preset_rows(PRESETS["current"][1])
    assert [(d, t) for d, t, _b in current] == [
        (1, "MỤC ĐÍCH, YÊU CẦU"), (2, "Mục đích"), (2, "Yêu cầu"), (1, "NỘI DUNG, THÀNH PHẦN, THỜI GIAN, ĐỊA ĐIỂM"),
        (2, "Nội dung"), (3, "Nội dung tiếp xúc cử tri trước kỳ họp"), (3, "Nội dung tiếp xúc cử tri sau kỳ họp"),
        (2, "Thành phần"), (2, "Thời gian, địa điểm"), (3, "Thời gian"), (3, "Địa điểm"), (1, "TỔ CHỨC THỰC HIỆN")]
    dialogue = [t for d, t, _b in preset_rows(PRESETS["dialogue"][1]) if d == 1]
    assert dialogue == ["MỤC ĐÍCH, YÊU CẦU", "NỘI DUNG, HÌNH THỨC TỔ CHỨC", "CÔNG TÁC CHUẨN BỊ VÀ CHƯƠNG TRÌNH HỘI NGHỊ",
                        "THỜI GIAN, ĐỊA ĐIỂM, THÀNH PHẦN THAM DỰ", "TỔ CHỨC THỰC HIỆN", ""]
    annual = {b for _d, _t, b in preset_rows(PRESETS["annual"][1])}
    assert {SectionBlock.ROUNDS, SectionBlock.ASSIGNMENTS_DUE, SectionBlock.SCHEDULE, SectionBlock.CONTACT,
            SectionBlock.CLOSING} <= annual


def test_copy_of_an_earlier_plan_of_the_same_council(world):
    source = make_plan(world, contact_person="Nguyễn Văn A", contact_phone="0222 3822 123", closing="Trên đây.")
    top = add(source, "MỤC ĐÍCH", body="<p>Một <strong>hai</strong>.</p>")
    add(source, "Mục đích", top, 1, "<ul><li>ba</li></ul>")
    add(source, "TỔ CHỨC", position=2, block=SectionBlock.ASSIGNMENTS_DUE)
    plan = make_plan(world)
    outline_services.plan_outline_preset(plan=plan, user=world.users["office"], preset="copy", source=source)
    assert outline_rows(plan) == outline_rows(source)
    assert plan.sections.get(title="Mục đích").body_html == "<ul><li>ba</li></ul>"
    plan.refresh_from_db()
    assert (plan.contact_person, plan.contact_phone, plan.closing) == ("Nguyễn Văn A", "0222 3822 123", "Trên đây.")
    assert texts(plan) == texts(source)

    foreign = ContactPlan.objects.create(council=world.other_council, year=2026, subject="x")
    with pytest.raises(services.PlanError):
        outline_services.plan_outline_preset(plan=plan, user=world.users["office"], preset="copy", source=foreign)


def test_only_a_draft_outline_changes_and_only_by_the_office(world):
    plan = make_plan(world)
    section = add(plan, "A")
    with pytest.raises(services.PermissionDenied):
        outline_services.plan_section_add(plan=plan, user=world.users["standing"])
    ContactPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.SUBMITTED)
    with pytest.raises(services.PlanError):
        outline_services.plan_section_remove(plan=plan, user=world.users["office"], section=section)
    assert plan.sections.count() == 1


def test_sections_added_moved_and_removed(world):
    plan = make_plan(world)
    office = world.users["office"]
    a, b = add(plan, "A"), add(plan, "B", position=2)
    c = outline_services.plan_section_add(plan=plan, user=office, after=a, title="C")
    assert [t for _d, t, _b in outline_rows(plan)] == ["A", "C", "B"]
    outline_services.plan_section_move(plan=plan, user=office, section=b, direction="up")
    assert [t for _d, t, _b in outline_rows(plan)] == ["A", "B", "C"]
    outline_services.plan_section_move(plan=plan, user=office, section=c, direction="in")
    assert outline_rows(plan) == [(1, "A", ""), (1, "B", ""), (2, "C", "")]
    outline_services.plan_section_move(plan=plan, user=office, section=c, direction="out")
    assert outline_rows(plan) == [(1, "A", ""), (1, "B", ""), (1, "C", "")]
    outline_services.plan_section_move(plan=plan, user=office, section=a, direction="down")
    assert [t for _d, t, _b in outline_rows(plan)] == ["B", "A", "C"]
    outline_services.plan_section_remove(plan=plan, user=office, section=a)
    assert [(t, s) for t, s in plan.sections.values_list("title", "position").order_by("position")] == \
        [("B", 1), ("C", 2)]
    revision = ContactPlan.objects.get(pk=plan.pk).revision
    outline_services.plan_outline_save(plan=plan, user=office, values={
        c.pk: {"title": " Đổi tên ", "body_html": "<p>x<script>y</script></p>", "block": "rounds"}})
    c.refresh_from_db()
    assert (c.title, c.body_html, c.block) == ("Đổi tên", "<p>x</p>", "rounds")
    assert ContactPlan.objects.get(pk=plan.pk).revision == revision + 1  # rendered again


# ---------------------------------------------------------------- generated blocks (finding 2)

@pytest.fixture
def annual_plan(world):
    """A year plan by the annual preset: two sittings, four periodic rounds and a thematic one,
    assignments with each kind of due date, two groups' meetings."""
    mid = Sitting.objects.create(council=world.council, term=world.term, number=3, kind=SittingKind.REGULAR_MID_YEAR,
                                 opens_on=D(2026, 7, 7), closes_on=D(2026, 7, 9))
    end = Sitting.objects.create(council=world.council, term=world.term, number=5, kind=SittingKind.REGULAR_YEAR_END,
                                 opens_on=D(2026, 12, 8), closes_on=D(2026, 12, 10))
    plan = make_plan(world, scope="year", contact_person="Trần Thị B", contact_phone="0222 3822 456",
                     closing="Trên đây là Kế hoạch tiếp xúc cử tri năm 2026 của Thường trực HĐND tỉnh./.")
    rounds = [
        ContactRound.objects.create(plan=plan, sitting=mid, kind=RoundKind.BEFORE_SITTING, starts_on=D(2026, 6, 1),
                                    ends_on=D(2026, 6, 26)),
        ContactRound.objects.create(plan=plan, sitting=mid, kind=RoundKind.AFTER_SITTING, starts_on=D(2026, 7, 10),
                                    ends_on=D(2026, 7, 24)),
        ContactRound.objects.create(plan=plan, sitting=end, kind=RoundKind.BEFORE_SITTING, starts_on=D(2026, 11, 2),
                                    ends_on=D(2026, 11, 27)),
        ContactRound.objects.create(plan=plan, sitting=end, kind=RoundKind.AFTER_SITTING, starts_on=D(2026, 12, 11),
                                    ends_on=D(2026, 12, 25)),
        ContactRound.objects.create(plan=plan, kind=RoundKind.THEMATIC, topic="đất đai", starts_on=D(2026, 9, 7),
                                    ends_on=D(2026, 9, 18)),
    ]
    first = Assignment.objects.create(plan=plan, order=1, lead="Đề nghị UBND tỉnh", text="gửi báo cáo.",
                                      responsible_kind=ResponsibleKind.AGENCY, agency=world.agency)
    AssignmentDue.objects.create(assignment=first, kind=DueKind.DATE, date=D(2026, 5, 25))
    second = Assignment.objects.create(plan=plan, order=2, lead="Giao Văn phòng", text="gửi tài liệu cho đại biểu.",
                                       responsible_kind=ResponsibleKind.OFFICE)
    AssignmentDue.objects.create(assignment=second, kind=DueKind.BEFORE_ROUND, amount=5, round=rounds[0])
    third = Assignment.objects.create(plan=plan, order=3, lead="Đề nghị các Tổ đại biểu", text="tổng hợp kiến nghị.",
                                      responsible_kind=ResponsibleKind.GROUPS)
    AssignmentDue.objects.create(assignment=third, kind=DueKind.AFTER_ROUND, amount=3, unit=DueUnit.WORKING_DAYS,
                                 round=rounds[0])
    Assignment.objects.create(plan=plan, order=4, lead="Đề nghị Ủy ban MTTQ", text="phối hợp.",
                              responsible_kind=ResponsibleKind.FRONT)
    services.plan_resolve_dues(plan=plan)
    commune = world.council.communes.get(name="Kinh Bắc")
    for group, day, venue in ((world.group_b, 3, "Nhà văn hóa thôn Đông"), (world.group_a, 2, "Hội trường xã"),
                              (world.group_a, 4, "Nhà văn hóa Kinh Bắc")):
        ContactSession.objects.create(council=world.council, round=rounds[0], group=group, commune=commune,
                                      starts_at=datetime.datetime(2026, 6, day, 8, 0, tzinfo=HCM), venue=venue)
    outline_services.plan_outline_preset(plan=plan, user=world.users["office"], preset="annual")
    plan.sections.filter(title="Mục đích").update(body_html="<ul><li>Nâng cao chất lượng TXCT.</li></ul>")
    return plan


def test_assignment_due_label_from_todays_fields(annual_plan):
    labels = [assignment_due_label(a) for a in annual_plan.assignments.prefetch_related("dues__round__sitting")]
    assert labels == [
        "trước ngày 25/5/2026",
        "chậm nhất 05 ngày trước khi bắt đầu đợt tiếp xúc cử tri trước kỳ họp thứ 3",
        "trong 03 ngày làm việc sau khi kết thúc đợt tiếp xúc cử tri trước kỳ họp thứ 3",
        "",
    ]


def test_rounds_and_assignments_are_printed_with_their_due_dates(annual_plan, django_assert_num_queries):
    with django_assert_num_queries(5):  # sections, rounds (with sittings), assignments, their due rules, meetings
        document = services.plan_document(annual_plan)
    printed = [b.text for b in document.blocks]
    start = printed.index("II. THỜI GIAN TIẾP XÚC CỬ TRI")
    assert printed[start + 1:start + 6] == [
        "- TXCT trước Kỳ họp thứ 3 (kỳ họp thường lệ giữa năm 2026): từ ngày 01/06/2026 đến ngày 26/06/2026.",
        "- TXCT sau Kỳ họp thứ 3 (kỳ họp thường lệ giữa năm 2026): từ ngày 10/07/2026 đến ngày 24/07/2026.",
        "- TXCT chuyên đề: đất đai: từ ngày 07/09/2026 đến ngày 18/09/2026.",
        "- TXCT trước Kỳ họp thứ 5 (kỳ họp thường lệ cuối năm 2026): từ ngày 02/11/2026 đến ngày 27/11/2026.",
        "- TXCT sau Kỳ họp thứ 5 (kỳ họp thường lệ cuối năm 2026): từ ngày 11/12/2026 đến ngày 25/12/2026.",
    ]
    organisation = printed.index("III. TỔ CHỨC THỰC HIỆN")
    assert printed[organisation + 1:organisation + 8] == [
        "gửi báo cáo.", "Thời hạn: trước ngày 25/5/2026.",
        "gửi tài liệu cho đại biểu.",
        "Thời hạn: chậm nhất 05 ngày trước khi bắt đầu đợt tiếp xúc cử tri trước kỳ họp thứ 3.",
        "tổng hợp kiến nghị.",
        "Thời hạn: trong 03 ngày làm việc sau khi kết thúc đợt tiếp xúc cử tri trước kỳ họp thứ 3.",
        "phối hợp.",
    ]
    leads = [b.lead for b in document.blocks if b.lead]
    assert leads == ["1. Đề nghị UBND tỉnh", "2. Giao Văn phòng", "3. Đề nghị các Tổ đại biểu", "4. Đề nghị Ủy ban MTTQ"]
    due = next(b for b in document.blocks if b.text.startswith("Thời hạn: trước ngày"))
    assert [r.text for r in due.runs if r.bold] == ["trước ngày 25/5/2026"]
    assert "Người liên hệ: Trần Thị B, điện thoại: 0222 3822 456." in printed
    assert printed.index("Trên đây là Kế hoạch tiếp xúc cử tri năm 2026 của Thường trực HĐND tỉnh./.") > organisation
    # Empty sections of the preset (its part II, content, and part III, participants) are not printed and
    # take no number: the rounds are part II, the organisation part III.
    assert "I. MỤC ĐÍCH, YÊU CẦU" in printed and "1. Mục đích" in printed and "2. Yêu cầu" not in printed
    assert not any(t.startswith("II. NỘI DUNG") for t in printed)
    # The annex: the meetings grouped by group, the group's name once.
    table = next(b for b in document.blocks if b.kind == "table")
    assert table.text == "Phụ lục: Lịch tiếp xúc cử tri của các Tổ đại biểu"
    assert table.rows[1:] == [
        ["1", "Tổ đại biểu số 1", "08h00, 02/06/2026", "Hội trường xã, Kinh Bắc"],
        ["2", "", "08h00, 04/06/2026", "Nhà văn hóa Kinh Bắc"],
        ["3", "Tổ đại biểu số 2", "08h00, 03/06/2026", "Nhà văn hóa thôn Đông, Kinh Bắc"],
    ]

    text = squeeze(pdf_text(render_pdf(document)))
    for line in ("II. THỜI GIAN TIẾP XÚC CỬ TRI", printed[start + 1], printed[organisation + 2],
                 "Thời hạn: trong 03 ngày làm việc", "Người liên hệ: Trần Thị B", "Tổ đại biểu số 2"):
        assert squeeze(line) in text, line


def run_decree30_check(tmp_path, pdf_bytes, *options):
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf_bytes)
    return subprocess.run([sys.executable, str(DECREE30_CHECK), str(path), *options], capture_output=True,
                          text=True, timeout=120)


def test_decree30_check_passes_on_an_outline_plan_draft_and_issued(annual_plan, world, tmp_path):
    plan = annual_plan
    plan.sections.filter(title="Yêu cầu").update(
        body_html="<p>Việc TXCT <strong>bảo đảm dân chủ</strong>, <em>công khai</em>, <u>thiết thực</u>.</p>"
                  "<ol><li>Một</li><li>Hai</li></ol>")
    draft = run_decree30_check(tmp_path, render_pdf(services.plan_document(plan)), "--draft")
    assert draft.returncode == 0 and " 0 failed" in draft.stdout, draft.stdout + draft.stderr
    ContactPlan.objects.filter(pk=plan.pk).update(number=7, issued_on=D(2026, 1, 5), status=PlanStatus.ISSUED)
    plan.refresh_from_db()
    issued = run_decree30_check(tmp_path, render_pdf(services.plan_document(plan)))
    assert issued.returncode == 0 and " 0 failed" in issued.stdout, issued.stdout + issued.stderr
    assert "'Số: 07/KH-HĐND'" in issued.stdout


# ---------------------------------------------------------------- the outline page

ROLES = ["office", "standing", "group_leader", "delegate", "agency", "commune_office", "other_council", None]


@pytest.mark.parametrize("role", ROLES)
def test_the_outline_page_is_the_office_of_the_plans_council_only(world, client_for, role):
    plan = make_plan(world)
    add(plan, "MỤC ĐÍCH")
    url = reverse("plans:plan_outline", args=[plan.pk])
    client = client_for(world.users.get(role))
    expected = {"office": 200, None: 302, "other_council": 404, "commune_office": 404}.get(role, 403)
    assert client.get(url).status_code == expected
    response = client.post(url, {"op": "add"})
    assert response.status_code == (302 if role in ("office", None) else expected)
    assert plan.sections.count() == (2 if role == "office" else 1)


def test_the_outline_page_saves_every_section_then_takes_the_action(world, client_for, django_assert_num_queries):
    plan = make_plan(world)
    a = add(plan, "A", body="<p>a</p>")
    b = add(plan, "B", position=2)
    client = client_for(world.users["office"])
    url = reverse("plans:plan_outline", args=[plan.pk])
    add(plan, "C", b, 1, "<p>c</p>")
    add(plan, "D", b, 2)
    # Session, user, memberships, the plan, its sections, rounds and assignments (for the numbers as
    # printed), the earlier plans offered for a copy: the same however many sections.
    with django_assert_num_queries(12):
        page = client.get(url)
    html = page.content.decode()
    # Each section shows the number it prints with, or that it is empty and not printed.
    labels = re.findall(r'data-testid="(printed-number|not-printed)">([^<]*)<', html)
    assert labels == [("printed-number", "in là I."), ("printed-number", "in là II."),
                      ("printed-number", "in là 1."), ("not-printed", "trống: không in")]
    assert page.status_code == 200 and f'name="s{a.pk}-body"' in html and "vendor/quill/quill.js" in html
    plan.sections.filter(title__in=["C", "D"]).delete()
    assert "<script>" not in html.split("</main>")[0].split('<main')[1] and ' style="' not in html
    response = client.post(url, {"op": f"up-{b.pk}", f"s{a.pk}-title": "A mới", f"s{a.pk}-block": "",
                                 f"s{a.pk}-body": '<p onmouseover="x()">đã <strong>sửa</strong></p><script>x</script>',
                                 f"s{b.pk}-title": "B", f"s{b.pk}-block": "closing", f"s{b.pk}-body": ""})
    assert response.status_code == 302 and response["Location"].endswith(f"#s{b.pk}")
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.title, a.body_html, a.position) == ("A mới", "<p>đã <strong>sửa</strong></p>", 2)
    assert (b.block, b.position) == ("closing", 1)
    client.post(url, {"op": f"add-child-{b.pk}"})
    assert b.children.count() == 1
    client.post(url, {"op": f"remove-{b.pk}"})
    assert list(plan.sections.values_list("title", flat=True)) == ["A mới"]
    # An unknown action, or a section of another plan, is refused with a message and changes nothing.
    other = add(make_plan(world), "X")
    for op in (f"up-{other.pk}", "drop-1", f"remove-{'9' * 30}", "preset"):
        assert client.post(url, {"op": op}).status_code == 400
    assert plan.sections.count() == 1 and PlanSection.objects.filter(pk=other.pk).exists()
    client.post(url, {"op": "preset", "preset": "dialogue"})
    assert outline_rows(plan) == preset_rows(PRESETS["dialogue"][1])


def test_the_outline_of_a_submitted_plan_cannot_be_changed(world, client_for):
    plan = make_plan(world, status=PlanStatus.SUBMITTED)
    add(plan, "A")
    client = client_for(world.users["office"])
    url = reverse("plans:plan_outline", args=[plan.pk])
    assert client.get(url).status_code == 302
    client.post(url, {"op": "add"})
    assert plan.sections.count() == 1


def test_a_new_plan_starts_from_the_preset_chosen(world, client_for):
    sitting = Sitting.objects.create(council=world.council, term=world.term, number=9,
                                     kind=SittingKind.REGULAR_YEAR_END, opens_on=D(2026, 12, 8), closes_on=D(2026, 12, 10))
    client = client_for(world.users["office"])
    data = {"council": world.council.pk, "scope": "sitting", "sitting": sitting.pk, "year": 2026, "subject": "Kế hoạch",
            "preset": "dialogue", "signing_authority": "TM. THƯỜNG TRỰC HĐND", "signer_position": "CHỦ TỊCH",
            "signer_name": "A", "rounds-TOTAL_FORMS": "0", "rounds-INITIAL_FORMS": "0",
            "assignments-TOTAL_FORMS": "0", "assignments-INITIAL_FORMS": "0"}
    response = client.post(reverse("plans:plan_create"), data)
    assert response.status_code == 302
    plan = ContactPlan.objects.get(sitting=sitting)
    assert outline_rows(plan) == preset_rows(PRESETS["dialogue"][1])
