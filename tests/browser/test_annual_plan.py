"""An annual plan entered in Chromium from the annual outline preset: four periodic rounds tied to two sittings and
a thematic round added at once on the plan's page, an assignment due 5 days before each meeting and one due 5
working days after each meeting, all without a page reload; two sections given text on the outline page. The
plan's PDF is rendered (plans.services.plan_render, as the worker would), downloaded through the page's link and
read back with pdfplumber: the printed parts in order and numbered (empty sections skipped), the rounds block
with each round's window, the due dates as entered. Then a sitting moved on its page: the window derived
from it follows, the one typed by hand stays and is flagged; the PDF rendered again follows too. Screenshots of the plan page (desktop and 390 px) go to $SHOTS_DIR when it is set."""
import datetime
import io
import os
import re
import unicodedata
from pathlib import Path

import pdfplumber
import pytest
from django.urls import reverse

from delegations.demo import load_demo
from delegations.models import Council, Term
from plans import services
from plans.models import Assignment, ContactPlan, ContactRound, RoundKind, SectionBlock, Sitting, SittingKind
from plans.outline import text_to_html

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name):
    folder = os.environ.get("SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


PURPOSE = "Để đại biểu HĐND tỉnh nắm bắt tâm tư, nguyện vọng của cử tri trong năm 2026."
THEMATIC = "Lắng nghe ý kiến cử tri về quản lý đất đai, bảo vệ môi trường."
MID, END = "Kỳ họp thứ 2 (kỳ họp thường lệ giữa năm 2026)", "Kỳ họp thứ 3 (kỳ họp thường lệ cuối năm 2026)"


def squeeze(text):
    """NFC without whitespace: line breaks and justified spacing do not matter, the characters do."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


def assert_in_order(text, expected):
    haystack, position = squeeze(text), 0
    for index, item in enumerate(expected, start=1):
        found = haystack.find(squeeze(item), position)
        assert found >= 0, f"{item!r} (item {index} of {len(expected)}) not found after the item before it"
        position = found + len(squeeze(item))


def rendered_pdf_text(page, live_server, plan):
    """Render the plan's current revision as the worker would, then download the PDF through the
    plan page's link (the browser's session) and read it back."""
    plan.refresh_from_db()
    services.plan_render(plan_id=plan.pk, revision=plan.revision)
    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    link = page.get_by_test_id("download-pdf")
    link.wait_for(state="visible")
    response = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.body())) as pdf:
        return "\n".join(p.extract_text() or "" for p in pdf.pages)


def round_line(label, starts, ends):
    return f"- TXCT {label}: từ ngày {starts} đến ngày {ends}."


def test_an_annual_plan_is_entered_on_its_page_and_follows_a_moved_sitting(live_server, page, login):
    load_demo()
    province = Council.objects.get(name="HĐND tỉnh Bắc Ninh")
    term = Term.objects.get(council=province, name="Khóa XX")
    mid_year = Sitting.objects.create(council=province, term=term, number=2, kind=SittingKind.REGULAR_MID_YEAR,
                                      opens_on=datetime.date(2026, 7, 7), closes_on=datetime.date(2026, 7, 9))
    year_end = Sitting.objects.create(council=province, term=term, number=3, kind=SittingKind.REGULAR_YEAR_END,
                                      opens_on=datetime.date(2026, 12, 8), closes_on=datetime.date(2026, 12, 10))

    # The office makes the plan (the year, the subject, the signer), then shapes it on its page.
    login("vanphong")
    page.goto(f"{live_server.url}/plans/new/")
    page.select_option("[name=council]", str(province.pk))
    page.select_option("[name=scope]", "year")
    page.fill("[name=year]", "2026")
    page.fill("[name=subject]", "Tiếp xúc cử tri của đại biểu HĐND tỉnh năm 2026")
    page.fill("[name=signer_name]", "Nguyễn Anh Tuấn")
    page.select_option("[name=preset]", "annual")
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_url(re.compile(r"/plans/\d+/$"))
    plan = ContactPlan.objects.get(council=province, year=2026, scope="year")
    parts = plan.sections.filter(parent=None).order_by("position")
    assert [(s.title, s.block) for s in parts] == [
        ("MỤC ĐÍCH, YÊU CẦU", ""), ("NỘI DUNG TIẾP XÚC CỬ TRI", ""), ("THÀNH PHẦN, HÌNH THỨC, ĐỊA ĐIỂM", ""),
        ("THỜI GIAN TIẾP XÚC CỬ TRI", SectionBlock.ROUNDS), ("TỔ CHỨC THỰC HIỆN", SectionBlock.ASSIGNMENTS_DUE),
        ("", SectionBlock.CLOSING), ("", SectionBlock.CONTACT), ("", SectionBlock.SCHEDULE)]

    loads = []
    page.on("load", lambda _page: loads.append(1))

    page.get_by_text("Thêm nhiều đợt một lần").click()
    page.fill("[name=bulk_rounds-lines]", "\n".join([
        "trước | 2", "sau | 2 | 10/07/2026 | 20/07/2026", "trước | 3", "sau | 3", "chuyên đề | | 01/09/2026 | 15/09/2026 | Đất đai, môi trường"]))
    page.get_by_role("button", name="Thêm các đợt này").click()
    page.get_by_test_id("round-row").nth(4).wait_for()
    assert page.get_by_test_id("round-row").count() == 5
    windows = page.get_by_test_id("round-window").all_inner_texts()
    assert windows == ["02/06/2026 – 30/06/2026", "10/07/2026 – 20/07/2026", "01/09/2026 – 15/09/2026",
                       "03/11/2026 – 01/12/2026", "11/12/2026 – 25/12/2026"]

    # One assignment at a time, and one pasted.
    page.fill("[name=assignment-lead]", "Giao Văn phòng Đoàn ĐBQH và HĐND tỉnh")
    page.fill("[name=assignment-text]", "gửi tài liệu phục vụ tiếp xúc cử tri cho các Tổ đại biểu.")
    page.select_option("[name=assignment-responsible_kind]", "office")
    page.select_option("[name=due-kind]", "before_each_meeting")
    page.fill("[name=due-amount]", "5")
    page.get_by_role("button", name="Thêm nhiệm vụ", exact=True).click()
    page.get_by_test_id("assignment-row").first.wait_for()
    page.get_by_text("Thêm nhiều nhiệm vụ một lần").click()
    page.fill("[name=bulk_assignments-lines]", "Đề nghị các Tổ đại biểu HĐND tỉnh | gửi Báo cáo tổng hợp kết quả "
              "tiếp xúc cử tri và biên bản. | 5 ngày làm việc sau mỗi buổi | tổ")
    page.get_by_role("button", name="Thêm các nhiệm vụ này").click()
    page.get_by_test_id("assignment-row").nth(1).wait_for()
    assert page.get_by_test_id("assignment-number").all_inner_texts() == ["1.", "2."]
    assert page.get_by_test_id("due-label").all_inner_texts() == [
        "Chậm nhất 05 ngày trước mỗi buổi tiếp xúc cử tri", "Trong 05 ngày làm việc sau mỗi buổi tiếp xúc cử tri"]
    assert loads == []  # all of it without reloading the page
    assert list(Assignment.objects.filter(plan=plan).values_list("order", flat=True)) == [1, 2]

    page.set_viewport_size({"width": 1280, "height": 900})
    shot(page, "plan-page-rounds-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "plan-page-rounds-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    # Two sections get their text on the outline page; the others stay empty and are not printed.
    page.get_by_test_id("outline-link").click()
    page.wait_for_url(f"{live_server.url}/plans/{plan.pk}/outline/")
    page.wait_for_selector(".ql-editor")
    for title, text in (("Mục đích", PURPOSE), ("Tiếp xúc cử tri chuyên đề", THEMATIC)):
        section = plan.sections.get(title=title)
        page.evaluate("([id, html]) => { const quill = Quill.find(document.querySelector(`[data-input='${id}']`));"
                      " quill.setContents(quill.clipboard.convert({html: html})); }",
                      [f"s{section.pk}-body", text_to_html(text)])
    page.get_by_test_id("outline-save").click()
    page.wait_for_url(f"{live_server.url}/plans/{plan.pk}/outline/")
    assert page.locator(".alert-danger").count() == 0, page.locator(".alert-danger").all_inner_texts()
    assert plan.sections.get(title="Mục đích").body_html == text_to_html(PURPOSE)

    # The PDF, read back: the parts in order, numbered without the empty ones; the rounds block; the due dates.
    text = rendered_pdf_text(page, live_server, plan)
    assert re.findall(r"^([IVX]+\.) (.+)$", text, re.M) == [
        ("I.", "MỤC ĐÍCH, YÊU CẦU"), ("II.", "NỘI DUNG TIẾP XÚC CỬ TRI"), ("III.", "THỜI GIAN TIẾP XÚC CỬ TRI"),
        ("IV.", "TỔ CHỨC THỰC HIỆN")]
    for absent in ("Yêu cầu", "Tiếp xúc cử tri trước kỳ họp", "THÀNH PHẦN, HÌNH THỨC", "Hình thức, địa điểm"):
        assert squeeze(absent) not in squeeze(text), absent
    assert_in_order(text, [
        "KẾ HOẠCH", "Tiếp xúc cử tri của đại biểu HĐND tỉnh năm 2026",
        "I. MỤC ĐÍCH, YÊU CẦU", "1. Mục đích", PURPOSE,
        "II. NỘI DUNG TIẾP XÚC CỬ TRI", "1. Tiếp xúc cử tri chuyên đề", THEMATIC,
        "III. THỜI GIAN TIẾP XÚC CỬ TRI",
        round_line(f"trước {MID}", "02/06/2026", "30/06/2026"),
        round_line(f"sau {MID}", "10/07/2026", "20/07/2026"),
        round_line("chuyên đề: Đất đai, môi trường", "01/09/2026", "15/09/2026"),
        round_line(f"trước {END}", "03/11/2026", "01/12/2026"),
        round_line(f"sau {END}", "11/12/2026", "25/12/2026"),
        "IV. TỔ CHỨC THỰC HIỆN",
        "1. Giao Văn phòng Đoàn ĐBQH và HĐND tỉnh gửi tài liệu phục vụ tiếp xúc cử tri cho các Tổ đại biểu.",
        "Thời hạn: chậm nhất 05 ngày trước mỗi buổi tiếp xúc cử tri.",
        "2. Đề nghị các Tổ đại biểu HĐND tỉnh gửi Báo cáo tổng hợp kết quả tiếp xúc cử tri và biên bản.",
        "Thời hạn: trong 05 ngày làm việc sau mỗi buổi tiếp xúc cử tri.",
        "Nguyễn Anh Tuấn",
    ])
    assert squeeze(text).count(squeeze("Thời hạn:")) == 2

    # The mid-year sitting moves a week later: the windows derived from it follow.
    page.goto(f"{live_server.url}{reverse('plans:sitting_update', args=[mid_year.pk])}")
    page.fill("[name=opens_on]", "2026-07-14")
    page.fill("[name=closes_on]", "2026-07-16")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/plans/sitting/$"))
    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    windows = page.get_by_test_id("round-window").all_inner_texts()
    # The window derived from it follows; the one typed by hand stays, flagged: it now starts before
    # the sitting closes.
    assert windows[:2] == ["09/06/2026 – 07/07/2026", "10/07/2026 – 20/07/2026"]
    assert page.get_by_test_id("window-conflict").count() == 1
    assert "16/07/2026" in page.get_by_test_id("window-conflict").inner_text()
    assert windows[3:] == ["03/11/2026 – 01/12/2026", "11/12/2026 – 25/12/2026"]  # the other sitting's stay
    timeline = page.get_by_test_id("timeline").inner_text()
    assert "14/07/2026" in timeline and "09/06/2026" in timeline
    assert ContactRound.objects.get(plan=plan, sitting=year_end, kind=RoundKind.AFTER_SITTING).window_manual is False
    shot(page, "plan-page-after-sitting-moved-desktop")

    # Rendered again, the PDF's rounds block follows the moved sitting too.
    text = rendered_pdf_text(page, live_server, plan)
    assert_in_order(text, [
        "III. THỜI GIAN TIẾP XÚC CỬ TRI",
        round_line(f"trước {MID}", "09/06/2026", "07/07/2026"),
        round_line(f"sau {MID}", "10/07/2026", "20/07/2026"),
        round_line("chuyên đề: Đất đai, môi trường", "01/09/2026", "15/09/2026"),
        round_line(f"trước {END}", "03/11/2026", "01/12/2026"),
        round_line(f"sau {END}", "11/12/2026", "25/12/2026"),
        "IV. TỔ CHỨC THỰC HIỆN",
    ])
