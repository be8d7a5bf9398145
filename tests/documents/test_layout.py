"""Issue 13, findings 9–11: the closing block never stands alone on the last page, wrapped "Nơi nhận"
entries hang, a long issuing body stays within its column with a rule 1/3–1/2 of its last line, and
the Word copy draws real rules, keeps its table grids equal to its cells and prints the same capitals."""
import datetime
import io
import subprocess
import sys

import pdfplumber
import pytest
from docx import Document
from docx.oxml.ns import qn

from documents.official import (
    Block,
    OfficialDocument,
    Signature,
    header_layout,
    render_docx,
    render_pdf,
    text_width,
)
from plans.models import Assignment, ContactPlan, ResponsibleKind
from plans.outline_services import outline_build
from plans.presets import PRESETS
from plans.services import plan_document
from tests.shared import shared_dir

CHECK = shared_dir() / "tools" / "decree30_check.py"
LONG_WARD = ["HỘI ĐỒNG NHÂN DÂN", "PHƯỜNG ĐÔNG HƯNG THUẬN"]
TASK = ("Chuẩn bị đầy đủ tài liệu, báo cáo kết quả thực hiện nhiệm vụ được giao và gửi về Thường trực HĐND "
        "tỉnh trước ngày tiếp xúc cử tri theo đúng thời hạn quy định của kế hoạch này.")
RECIPIENTS = ["Thường trực Tỉnh ủy, Thường trực HĐND tỉnh, UBND tỉnh, Ủy ban MTTQ Việt Nam tỉnh (để b/c);",
              "Các Tổ đại biểu HĐND tỉnh;", "Lưu: VT, TTDN."]


def check(tmp_path, pdf, *options, name="doc.pdf"):
    path = tmp_path / name
    path.write_bytes(pdf)
    return subprocess.run([sys.executable, str(CHECK), str(path), *options], capture_output=True, text=True,
                          timeout=120)


def closing_top(page):
    """The top of the closing block on a page: the "Nơi nhận:" heading."""
    heading = next((w for w in page.extract_words() if w["text"].startswith("Nơi")), None)
    return heading["top"] if heading else None


@pytest.fixture
def long_plan(world):
    plan = ContactPlan.objects.create(
        council=world.council, year=2026, subject="Tiếp xúc cử tri của đại biểu HĐND tỉnh\ntrong năm 2026",
        legal_bases="Căn cứ Luật Tổ chức chính quyền địa phương năm 2025;",
        recipients="\n".join(RECIPIENTS), signing_on_behalf="KT. CHỦ TỊCH",
        signer_position="PHÓ CHỦ TỊCH", signer_name="Nguyễn Anh Tuấn")
    # The body as the office shapes it: the current outline (seed 000), its purpose and requirements typed in.
    outline_build(plan, PRESETS["current"][1])
    plan.sections.filter(title="Mục đích").update(body_html="<p>Bảo đảm liên hệ với cử tri.</p>")
    plan.sections.filter(title="Yêu cầu").update(body_html="<p>Đúng quy định.</p>")
    Assignment.objects.bulk_create([
        Assignment(plan=plan, order=i, lead=f"Đề nghị cơ quan thứ {i}", text=TASK,
                   responsible_kind=ResponsibleKind.OTHER) for i in range(1, 41)])
    return plan


def test_the_signature_block_never_stands_alone_for_20_to_40_assignments(long_plan, tmp_path):
    """Finding 9: 6 of the 21 lengths between 20 and 40 assignments left the block alone on its page."""
    for count in range(40, 19, -1):
        long_plan.assignments.filter(order__gt=count).delete()
        pdf = render_pdf(plan_document(long_plan))
        with pdfplumber.open(io.BytesIO(pdf)) as parsed:
            last = parsed.pages[-1]
            top = closing_top(last)
            assert top is not None, f"{count} assignments: 'Nơi nhận' is not on the last page"
            body = [w for w in last.extract_words() if 20 * 72 / 25.4 < w["top"] < top - 2]
            assert len(body) >= 5, f"{count} assignments: the last page holds only the closing block"
        result = check(tmp_path, pdf, "--draft")
        assert result.returncode == 0, f"{count} assignments:\n{result.stdout}"


def test_the_word_copy_keeps_the_last_paragraph_with_the_signature(long_plan):
    word = Document(io.BytesIO(render_docx(plan_document(long_plan))))
    body = [p for p in word.paragraphs if p.text.strip()]
    assert body[-1].text.startswith("40. Đề nghị cơ quan thứ 40")
    assert body[-1].paragraph_format.keep_with_next is True
    footer = word.tables[-1]
    assert footer.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None


def document(issuer_lines, recipients=RECIPIENTS, signature=("TM. thường trực HĐND", "Chủ tịch"),
             place="Thành phố Hồ Chí Minh"):
    return OfficialDocument(
        issuer_lines=issuer_lines, type_code="KH", title="Kế hoạch", place=place,
        subject_lines=["Tiếp xúc cử tri của đại biểu HĐND phường", "trước kỳ họp thứ hai"], number=5,
        date=datetime.date(2026, 1, 5), preamble=["Căn cứ Luật Tổ chức chính quyền địa phương năm 2025;"],
        blocks=[Block("part", "I. MỤC ĐÍCH, YÊU CẦU"), *[Block("paragraph", TASK) for _ in range(4)]],
        recipients=list(recipients), signature=Signature(list(signature), "Trần Thị Mai"))


def header_lines(page):
    """The issuing body's lines (bold capitals left of the motto) and the motto's left edge."""
    words = page.extract_words(extra_attrs=["fontname", "size"])
    motto = next(w for w in words if w["text"] == "CỘNG")
    rows = {}
    for w in words:
        if "Bold" in w["fontname"] and w["x1"] < motto["x0"] and w["top"] < motto["top"] + 30:
            rows.setdefault(round(w["top"]), []).append(w)
    return [sorted(row, key=lambda w: w["x0"]) for _top, row in sorted(rows.items())], motto


def test_a_long_ward_name_stays_on_two_lines_within_its_column(tmp_path):
    """Finding 10: "PHƯỜNG ĐÔNG HƯNG THUẬN" wrapped to a third line under a rule 1.5× its last word."""
    pdf = render_pdf(document(LONG_WARD, place="Đông Hưng Thuận"))
    with pdfplumber.open(io.BytesIO(pdf)) as parsed:
        page = parsed.pages[0]
        lines, motto = header_lines(page)
        assert [" ".join(w["text"] for w in line) for line in lines] == LONG_WARD
        last = lines[-1]
        x0, x1 = last[0]["x0"], last[-1]["x1"]
        assert x1 < motto["x0"] - 5, "the issuing body runs into the motto's column"
        rules = [r for r in page.rects + page.lines if r["bottom"] - r["top"] <= 2 and last[0]["bottom"] - 1
                 <= r["top"] <= last[0]["bottom"] + 14]
        assert rules, "no rule under the issuing body"
        ratio = (rules[0]["x1"] - rules[0]["x0"]) / (x1 - x0)
        assert 1 / 3 <= ratio <= 1 / 2, ratio
        assert 12 - 0.1 <= last[0]["size"] <= 13 + 0.1
    result = check(tmp_path, pdf)
    assert result.returncode == 0, result.stdout


def test_a_name_too_long_for_the_column_is_set_smaller_then_wrapped_by_rule():
    layout = header_layout(["Hội đồng nhân dân", "Phường Đông Hưng Thuận Thành phố Hồ Chí Minh"])
    assert layout.issuer_size == 12
    assert len(layout.issuer_lines) == 3 and layout.issuer_lines[0] == "HỘI ĐỒNG NHÂN DÂN"
    assert all(text_width(line, 12, bold=True) <= layout.issuer_width for line in layout.issuer_lines)
    assert layout.rule_width == pytest.approx(0.4 * text_width(layout.issuer_lines[-1], 12, bold=True), abs=0.01)
    short = header_layout(["HỘI ĐỒNG NHÂN DÂN", "TỈNH BẮC NINH"], "Bắc Ninh, ngày 05 tháng 01 năm 2026")
    assert (short.issuer_size, short.issuer_share, short.dateline_size) == (13, 38.0, 14)
    # A place name too long for the date line's column in 14 pt takes 13 pt (the decree: 13–14).
    assert header_layout(LONG_WARD, "Thành phố Hồ Chí Minh, ngày 05 tháng 01 năm 2026").dateline_size == 13


def test_wrapped_recipients_hang_after_their_dash():
    """Finding 9: a wrapped "Nơi nhận" entry restarted at the left edge."""
    pdf = render_pdf(document(["HỘI ĐỒNG NHÂN DÂN", "TỈNH BẮC NINH"]))
    with pdfplumber.open(io.BytesIO(pdf)) as parsed:
        page = parsed.pages[-1]
        top = closing_top(page)
        words = [w for w in page.extract_words() if w["top"] > top + 5 and w["x1"] < page.width * 0.45]
        rows = {}
        for w in words:
            rows.setdefault(round(w["top"]), []).append(w)
        starts = [min(w["x0"] for w in row) for _top, row in sorted(rows.items())]
        first = [min(row, key=lambda w: w["x0"])["text"] for _top, row in sorted(rows.items())]
        dash_x = starts[0]
        continuation = [x for x, text in zip(starts, first, strict=True) if not text.startswith("-")]
        assert continuation, "the long entry did not wrap"
        assert all(x >= dash_x + 4 for x in continuation), (starts, first)


def test_the_word_copy_draws_real_rules_of_the_right_length():
    """Finding 11: typed dashes about 8.5 mm long; the grid (82 + 82 mm) disagreed with the cells."""
    described = document(LONG_WARD)
    word = Document(io.BytesIO(render_docx(described)))
    texts = [p.text for p in word.paragraphs] + [p.text for t in word.tables for c in t._cells for p in c.paragraphs]
    assert not [t for t in texts if "———" in t or "----" in t]
    header = word.tables[0]
    left = header.rows[0].cells[0]
    ruled = [p for p in left.paragraphs if p._p.pPr is not None and p._p.pPr.find(qn("w:pBdr")) is not None]
    assert len(ruled) == 1
    cell_width = left.width.pt - 2 * 5.4
    fmt = ruled[0].paragraph_format
    rule = cell_width - fmt.left_indent.pt - fmt.right_indent.pt
    last_line = text_width("PHƯỜNG ĐÔNG HƯNG THUẬN", described.header.issuer_size, bold=True)
    assert 1 / 3 <= rule / last_line <= 1 / 2
    subject_rules = [p for p in word.paragraphs if p._p.pPr is not None and p._p.pPr.find(qn("w:pBdr")) is not None]
    assert len(subject_rules) == 1
    for table in word.tables:
        grid = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        for row in table.rows:
            assert [int(cell.width.twips) for cell in row.cells] == grid


def test_the_word_copy_prints_the_same_capitals_as_the_pdf():
    word = Document(io.BytesIO(render_docx(document(["Hội đồng nhân dân", "Tỉnh Bắc Ninh"]))))
    texts = {p.text.strip() for t in word.tables for c in t._cells for p in c.paragraphs} | \
        {p.text.strip() for p in word.paragraphs}
    for line in ("TM. THƯỜNG TRỰC HĐND", "CHỦ TỊCH", "HỘI ĐỒNG NHÂN DÂN", "TỈNH BẮC NINH", "KẾ HOẠCH"):
        assert line in texts, line
    assert "TM. thường trực HĐND" not in texts
