"""Seed 000's plan, entered through the plan form and its outline page in Chromium by the office, submitted, approved by the
standing committee, issued with the next number, rendered to PDF by a real Celery worker, downloaded
and read back with pdfplumber; then published and found on the public page.

The worker runs in a thread of this test process (celery.contrib.testing.worker.start_worker) on the
broker CELERY_BROKER_URL names (the filesystem transport by default, Redis in CI), on a queue of this
test's own. It sees the live_server's rows because live_server makes the test transactional."""
import datetime
import io
import re
import time
import unicodedata
from dataclasses import dataclass, field

import pdfplumber
import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app as celery_app
from delegations.demo import load_demo
from delegations.models import Agency, Council, Term
from plans.models import ContactPlan, ContactRound, PlanStatus, RoundKind, Sitting, SittingKind
from plans.outline import text_to_html
from plans.tasks import plan_render
from tests.brokers import own_queue
from tests.shared import shared_dir

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

SEED_000 = shared_dir() / "seeds" / "000_87fefaa4f6f8831b.txt"
PDF_TIMEOUT_MS = 120_000
HEADINGS = [
    "I. MỤC ĐÍCH, YÊU CẦU", "1. Mục đích", "2. Yêu cầu", "II. NỘI DUNG, THÀNH PHẦN, THỜI GIAN, ĐỊA ĐIỂM",
    "1. Nội dung", "1.1. Nội dung tiếp xúc cử tri trước kỳ họp", "1.2. Nội dung tiếp xúc cử tri sau kỳ họp",
    "2. Thành phần", "3. Thời gian, địa điểm", "3.1. Thời gian", "3.2. Địa điểm", "III. TỔ CHỨC THỰC HIỆN",
]


# ---------------------------------------------------------------- seed 000, read from the shared file

@dataclass
class Seed:
    fields: dict = field(default_factory=dict)   # the plan form's text fields
    assignments: list = field(default_factory=list)  # (lead, text)
    recipients: list = field(default_factory=list)
    signature: list = field(default_factory=list)


def read_seed():
    """Seed 000 as the office types it: one paragraph a line in each part, the bold opening words of
    each assignment of part III as its lead and the rest as its text."""
    raw = [line.strip() for line in SEED_000.read_text("utf-8").splitlines() if line.strip()]

    def clean(line):
        return re.sub(r"^#+\s*", "", line.replace("**", "")).strip()

    lines = [clean(line) for line in raw]

    def between(start, end):
        return lines[lines.index(start) + 1:lines.index(end)]

    title = lines.index("KẾ HOẠCH")
    basis = next(i for i, line in enumerate(lines) if line.startswith("Thực hiện"))
    seed = Seed()
    seed.fields = {
        "subject": lines[title + 1:basis],
        "legal_bases": lines[basis:lines.index(HEADINGS[0])],
        "purpose": between("1. Mục đích", "2. Yêu cầu"),
        "requirements": between("2. Yêu cầu", HEADINGS[3]),
        "content_before": between(HEADINGS[5], HEADINGS[6]),
        "content_after": between(HEADINGS[6], "2. Thành phần"),
        "participants": between("2. Thành phần", "3. Thời gian, địa điểm"),
        "timing": between("3.1. Thời gian", "3.2. Địa điểm"),
        "place": between("3.2. Địa điểm", "III. TỔ CHỨC THỰC HIỆN"),
    }
    part_three = lines.index("III. TỔ CHỨC THỰC HIỆN")
    closing = lines.index("Nơi nhận:")
    raw_part_three = raw[part_three + 1:closing]
    for raw_line, line in zip(raw_part_three, lines[part_three + 1:closing], strict=True):
        opening = re.match(r"^(?:#+\s*)?\**(\d+)\.\s*(.*)$", raw_line)
        if opening and not line.startswith(("-", "+")):
            bold = re.match(r"^\*\*\d+\.\s*(.+?)\*\*\s*(.*)$", raw_line)
            if bold:  # "**1. Đề nghị UBND tỉnh** xây dựng …"
                seed.assignments.append([bold.group(1).strip(), [clean(bold.group(2))]])
            else:     # "### 3. Đề nghị các Tổ đại biểu HĐND tỉnh", its paragraphs on the lines below
                seed.assignments.append([clean(opening.group(2)), []])
        else:
            seed.assignments[-1][1].append(line)
    seed.assignments = [(lead, "\n".join(part for part in text if part)) for lead, text in seed.assignments]
    after = lines[closing + 1:]
    seed.recipients = [line[2:] for line in after if line.startswith("- ")]
    seed.signature = [line for line in after if not line.startswith("- ")]
    return seed


# ---------------------------------------------------------------- a worker on a queue of this test's own



@pytest.fixture
def render_worker(tmp_path, settings):
    """A real Celery worker for plans.tasks.plan_render, on the configured broker, with a queue (and,
    for the filesystem transport, folders) of this test's own (tests/brokers.py)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with own_queue(plan_render.name, tmp_path / "broker", "test-plans") as queue, \
            start_worker(celery_app, perform_ping_check=False, pool="solo", queues=[queue], shutdown_timeout=30):
        yield queue


# ---------------------------------------------------------------- helpers

def squeeze(text):
    """NFC without whitespace: line breaks and justified spacing do not matter, the characters do."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


def assert_in_order(text, expected):
    haystack, position = squeeze(text), 0
    for index, item in enumerate(expected, start=1):
        found = haystack.find(squeeze(item), position)
        assert found >= 0, f"{item!r} (item {index} of {len(expected)}) not found after the item before it"
        position = found + len(squeeze(item))


def switch_user(page, login, username):
    # The login page sends a logged-in user home, so the old session goes first.
    page.context.clear_cookies()
    return login(username)


def fill_assignment(page, index, *, lead, text, responsible, agency=None, due=None, due_date=None,
                    due_days=None, due_unit=None, round_number=None):
    prefix = f"assignments-{index}-"
    page.fill(f"[name={prefix}lead]", lead)
    page.fill(f"[name={prefix}text]", text)
    page.select_option(f"[name={prefix}responsible_kind]", responsible)
    if agency is not None:
        page.select_option(f"[name={prefix}agency]", str(agency.pk))
    if due is not None:
        page.select_option(f"[name={prefix}due_kind]", due)
    if due_date is not None:
        page.fill(f"[name={prefix}due_date]", due_date)
    if due_days is not None:
        page.fill(f"[name={prefix}due_amount]", str(due_days))
    if due_unit is not None:
        page.select_option(f"[name={prefix}due_unit]", due_unit)
    if round_number is not None:  # a round by its number among the form's rounds
        page.select_option(f"[name={prefix}due_round]", str(round_number))


def save(page, live_server, button, expected_path):
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_url(f"{live_server.url}{expected_path}")
    assert page.locator(".alert-danger").count() == 0, page.locator(".alert-danger").all_inner_texts()


def take_step(page, live_server, plan, step):
    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    page.get_by_test_id(f"step-{step}").click()
    if step in ("approve", "issue", "publish"):  # what cannot be undone is confirmed first (issue 12)
        page.get_by_test_id("confirm").click()
    page.wait_for_url(f"{live_server.url}{plan.get_absolute_url()}")
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() == 1, page.locator(".alert").all_inner_texts()


# ---------------------------------------------------------------- the test

def test_seed_000_entered_approved_issued_and_rendered(live_server, page, login, tmp_path, render_worker):
    started = time.monotonic()
    seed = read_seed()
    assert [len(seed.fields[name]) for name in ("subject", "purpose", "requirements", "content_before",
                                                "content_after", "participants", "timing", "place")] == \
        [2, 2, 3, 5, 2, 2, 2, 1]
    assert len(seed.assignments) == 5 and len(seed.recipients) == 11 and len(seed.signature) == 4

    load_demo()
    province = Council.objects.get(name="HĐND tỉnh Bắc Ninh")
    sitting = Sitting.objects.create(
        council=province, term=Term.objects.get(council=province, name="Khóa XIX"), number=30,
        kind=SittingKind.REGULAR_YEAR_END, opens_on=datetime.date(2025, 12, 8), closes_on=datetime.date(2025, 12, 10))
    ubnd = Agency.objects.get(council=province, name="Ủy ban nhân dân tỉnh Bắc Ninh")

    # --- the office writes the plan, one assignment at a time ("Save and add more").
    login("vanphong")
    page.goto(f"{live_server.url}/plans/")
    page.get_by_test_id("create").click()
    page.wait_for_url(f"{live_server.url}/plans/new/")
    page.select_option("[name=council]", str(province.pk))
    page.select_option("[name=scope]", "sitting")
    page.select_option("[name=sitting]", str(sitting.pk))
    page.fill("[name=year]", "2025")
    for name in ("subject", "legal_bases"):
        page.fill(f"[name={name}]", "\n".join(seed.fields[name]))
    page.fill("[name=recipients]", "\n".join(seed.recipients))
    authority, on_behalf, position, name = seed.signature
    page.fill("[name=signing_authority]", authority)
    page.fill("[name=signing_on_behalf]", on_behalf)
    page.fill("[name=signer_position]", position)
    page.fill("[name=signer_name]", name)
    assert page.get_by_test_id("assignment-form").count() == 1
    fill_assignment(page, 0, lead=seed.assignments[0][0], text=seed.assignments[0][1], responsible="agency",
                    agency=ubnd, due="date", due_date="2025-10-31")
    page.get_by_role("button", name="Lưu và thêm tiếp").click()
    page.wait_for_url(re.compile(r"/plans/\d+/edit/$"))
    assert page.locator(".alert-danger").count() == 0, page.locator(".alert-danger").all_inner_texts()
    plan = ContactPlan.objects.get(sitting=sitting)
    edit_path = f"/plans/{plan.pk}/edit/"

    # Empty rounds were proposed from the sitting; the office sets the before-sitting window of seed 000
    # ("from 03/11/2025 to before 21/11/2025").
    before = ContactRound.objects.get(plan=plan, kind=RoundKind.BEFORE_SITTING)
    assert plan.rounds.count() == 2
    round_index = list(plan.rounds.values_list("pk", flat=True)).index(before.pk)
    page.fill(f"[name=rounds-{round_index}-starts_on]", "2025-11-03")
    page.fill(f"[name=rounds-{round_index}-ends_on]", "2025-11-20")

    kinds = {1: dict(responsible="front"),
             2: dict(responsible="groups", due="after_round", due_days=3, due_unit="working_days",
                     round_number=round_index + 1),
             3: dict(responsible="communes"), 4: dict(responsible="office")}
    for index in range(1, 5):
        forms = page.get_by_test_id("assignment-form")
        assert forms.count() == index + 1  # those saved, and one empty form
        lead, text = seed.assignments[index]
        fill_assignment(page, index, lead=lead, text=text, **kinds[index])
        if index < 4:
            save(page, live_server, "Lưu và thêm tiếp", edit_path)
        else:
            save(page, live_server, "Lưu", plan.get_absolute_url())

    # The body's text goes into the outline the plan started from (the current structure), section by
    # section, as a clerk pastes it from the seed into each section's editor.
    page.get_by_test_id("outline-link").click()
    page.wait_for_url(f"{live_server.url}/plans/{plan.pk}/outline/")
    titles = {"Mục đích": "purpose", "Yêu cầu": "requirements",
              "Nội dung tiếp xúc cử tri trước kỳ họp": "content_before",
              "Nội dung tiếp xúc cử tri sau kỳ họp": "content_after", "Thành phần": "participants",
              "Thời gian": "timing", "Địa điểm": "place"}
    page.wait_for_selector(".ql-editor")
    for section in plan.sections.filter(title__in=titles):
        html = text_to_html("\n".join(seed.fields[titles[section.title]]))
        page.evaluate("([id, html]) => { const quill = Quill.find(document.querySelector(`[data-input='${id}']`));"
                      " quill.setContents(quill.clipboard.convert({html: html})); }", [f"s{section.pk}-body", html])
    page.get_by_test_id("outline-save").click()
    page.wait_for_url(f"{live_server.url}/plans/{plan.pk}/outline/")
    assert page.locator(".alert-danger").count() == 0, page.locator(".alert-danger").all_inner_texts()
    assert plan.sections.get(title="Mục đích").body_html == text_to_html("\n".join(seed.fields["purpose"]))

    plan.refresh_from_db()
    assert list(plan.assignments.values_list("lead", flat=True)) == [lead for lead, _text in seed.assignments]
    # (The browser sends a textarea's line breaks as CRLF.)
    assert [a.text.splitlines() for a in plan.assignments.all()] == [text.splitlines() for _lead, text in seed.assignments]
    assert plan.subject.splitlines() == seed.fields["subject"]
    assert plan.recipients.splitlines() == seed.recipients
    before.refresh_from_db()
    assert (before.starts_on, before.ends_on) == (datetime.date(2025, 11, 3), datetime.date(2025, 11, 20))
    groups = plan.assignments.get(order=3)
    assert groups.due_on is not None and groups.due_on > before.ends_on
    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    rows = page.get_by_test_id("assignment-row")
    assert rows.count() == 5
    # Numbered from 1, each lead in bold; a task written as "- …" lines starts on the line below its lead,
    # as printed.
    cells = [rows.nth(i).locator(".plan-part-text") for i in range(5)]
    assert [cell.locator("strong").first.inner_text() for cell in cells] == [lead for lead, _text in seed.assignments]
    assert cells[2].inner_text().splitlines()[:2] == [f"3. {seed.assignments[2][0]}",
                                                      seed.assignments[2][1].splitlines()[0]]
    assert cells[0].inner_text().splitlines()[0].startswith(f"1. {seed.assignments[0][0]} xây dựng")
    assert page.get_by_test_id("plan-status").inner_text() == "Dự thảo"

    # --- submitted by the office, approved by the standing committee.
    take_step(page, live_server, plan, "submit")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    switch_user(page, login, "thuongtruc")
    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    assert page.get_by_test_id("step-submit").count() == 0
    take_step(page, live_server, plan, "approve")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED

    # --- issued by the office with the next number of the register (the number left empty).
    switch_user(page, login, "vanphong")
    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    page.fill("[name=issued_on]", "2025-10-06")
    assert page.input_value("[name=number]") == ""
    page.get_by_test_id("step-issue").click()
    # The confirmation says which number will be taken, before it is taken.
    assert "Số 01/KH-HĐND sẽ được cấp và không thể thu hồi" in page.get_by_test_id("consequence").inner_text()
    assert PlanStatus.APPROVED == ContactPlan.objects.get(pk=plan.pk).status
    page.get_by_test_id("confirm").click()
    page.wait_for_url(f"{live_server.url}{plan.get_absolute_url()}")
    plan.refresh_from_db()
    assert (plan.status, plan.number, plan.issued_on) == (PlanStatus.ISSUED, 1, datetime.date(2025, 10, 6))
    assert "Số: 01/KH-HĐND" in page.locator("main").inner_text()

    # The page polls (htmx) until the worker has rendered the numbered PDF.
    link = page.get_by_test_id("download-pdf")
    link.wait_for(state="visible", timeout=PDF_TIMEOUT_MS)
    rendered_at = time.monotonic()
    page.screenshot(path=str(tmp_path / "plan-issued.png"), full_page=True)
    plan.refresh_from_db()
    assert plan.pdf_is_current and plan.issued_pdf_ready

    response = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.body())) as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    (tmp_path / "plan.pdf").write_bytes(response.body())
    assert_in_order(text, [
        "HỘI ĐỒNG NHÂN DÂN", "TỈNH BẮC NINH", "Số: 01/KH-HĐND", "Bắc Ninh, ngày 06 tháng 10 năm 2025", "KẾ HOẠCH",
        *seed.fields["subject"], seed.fields["legal_bases"][0][:60],
        *HEADINGS,
        *[f"{index}. {lead}" for index, (lead, _text) in enumerate(seed.assignments, start=1)],
        "Nơi nhận:",
    ])
    # The closing block: the recipients on the left, the signature on the right (read one column at a time).
    last = pdf_columns(response.body())
    assert_in_order(last["left"], ["Nơi nhận:", *seed.recipients])
    assert_in_order(last["right"], seed.signature)
    assert "Số:/KH-HĐND" not in squeeze(text)

    # --- published: on the public page, with its PDF.
    take_step(page, live_server, plan, "publish")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED
    page.goto(f"{live_server.url}/plans/public/")
    entries = page.get_by_test_id("public-plans").locator("li")
    assert entries.count() == 1 and "01/KH-HĐND · 06/10/2025" in entries.first.inner_text()
    public_pdf = page.request.get(f"{live_server.url}/plans/public/{plan.pk}/pdf/")
    assert public_pdf.ok and public_pdf.body() == response.body()
    print(f"\nbrowser test: {time.monotonic() - started:.1f} s in all, PDF shown "
          f"{rendered_at - started:.1f} s after the start; screenshot {tmp_path / 'plan-issued.png'}")


def pdf_columns(pdf_bytes):
    """The last page's closing block, from "Nơi nhận:" down: its left and right halves."""
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        page = pdf.pages[-1]
        heading = next(w for w in page.extract_words() if w["text"].startswith("Nơi"))
        top = heading["top"] - 1
        return {"left": page.crop((0, top, page.width / 2, page.height)).extract_text() or "",
                "right": page.crop((page.width / 2, top, page.width, page.height)).extract_text() or ""}
