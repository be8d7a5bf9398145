"""Issue 13, findings 8 and 12 for plans and reports: a draft prints the month it is meant for, not the
month it is rendered in; an issued document is named after its number and the year of ISSUE; and the
dates of a register never go backwards against its numbers unless the office confirms it."""
import datetime
import io
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
from django.urls import reverse

from documents import render_pdf
from petitions import reports
from petitions.models import ReportKind
from plans.models import ContactPlan, ContactRound, DocumentNumber, PlanStatus, RoundKind
from plans.services import DATE_ORDER, PlanError, document_number_take, plan_document, plan_transition

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def approved(world):
    return ContactPlan.objects.create(council=world.council, year=2025, subject="Tiếp xúc cử tri\nnăm 2026",
                                      status=PlanStatus.APPROVED, signer_name="Nguyễn Anh Tuấn",
                                      recipients="Lưu: VT.")


def squeezed_text(pdf):
    with pdfplumber.open(io.BytesIO(pdf)) as parsed:
        return " ".join(" ".join((page.extract_text() or "").split()) for page in parsed.pages)


def test_a_draft_prints_its_intended_month_not_the_render_month(approved, time_machine):
    time_machine.move_to(datetime.datetime(2025, 12, 20, 9, tzinfo=HANOI))
    approved.intended_on = datetime.date(2026, 1, 5)
    text = squeezed_text(render_pdf(plan_document(approved)))
    assert "tháng 01 năm 2026" in text and "tháng 12 năm 2025" not in text


def test_an_issued_plan_is_named_after_its_number_and_year_of_issue(world, approved, client_for, settings,
                                                                     tmp_path, django_capture_on_commit_callbacks):
    """Finding 12: plan 05/KH issued on 05/01/2026 downloaded as KH-05-2025.pdf (the plan's year)."""
    from plans.services import plan_render

    settings.MEDIA_ROOT = tmp_path
    plan = plan_transition(plan=approved, user=world.users["office"], step="issue", number=5,
                           issued_on=datetime.date(2026, 1, 5))
    plan_render(plan_id=plan.pk, revision=plan.revision)
    client = client_for(world.users["office"])
    for kind in ("pdf", "docx"):
        response = client.get(reverse("plans:plan_download", args=[plan.pk, kind]))
        assert f'filename="KH-05-2026.{kind}"' in response["Content-Disposition"]
    assert DocumentNumber.objects.get(type_code="KH").dated == datetime.date(2026, 1, 5)


def test_a_draft_plan_download_is_marked_as_a_draft(world, approved, client_for, settings, tmp_path):
    from plans.services import plan_render

    settings.MEDIA_ROOT = tmp_path
    plan_render(plan_id=approved.pk, revision=approved.revision)
    response = client_for(world.users["office"]).get(reverse("plans:plan_download", args=[approved.pk, "pdf"]))
    assert f'filename="KH-du-thao-{approved.pk}-' in response["Content-Disposition"]


def test_issue_dates_never_go_backwards_against_numbers_unless_confirmed(world):
    """Finding 12: a report issued with date 03/02/2026 took number 02 although 01 is dated 05/12/2026."""
    document_number_take(council=world.council, type_code="BC", dated=datetime.date(2026, 12, 5))
    with pytest.raises(PlanError) as refused:
        document_number_take(council=world.council, type_code="BC", dated=datetime.date(2026, 2, 3))
    assert refused.value.code == DATE_ORDER
    assert "05/12/2026" in refused.value.messages[0] and "03/02/2026" in refused.value.messages[0]
    assert DocumentNumber.objects.filter(type_code="BC").count() == 1
    assert document_number_take(council=world.council, type_code="BC", dated=datetime.date(2026, 2, 3),
                                confirm_order=True) == 2
    # A number typed from an outside register below a later-dated one is told too; a later date is fine.
    document_number_take(council=world.council, type_code="KH", dated=datetime.date(2026, 3, 1))
    with pytest.raises(PlanError):
        document_number_take(council=world.council, type_code="KH", dated=datetime.date(2026, 1, 1), number=9)
    assert document_number_take(council=world.council, type_code="GM", dated=datetime.date(2026, 3, 1)) == 1
    assert document_number_take(council=world.council, type_code="GM", dated=datetime.date(2026, 3, 1)) == 2


def test_a_report_issued_out_of_order_is_told_and_issued_once_confirmed(world, client_for, time_machine):
    time_machine.move_to(datetime.datetime(2026, 2, 3, 9, tzinfo=HANOI))
    plan = ContactPlan.objects.create(council=world.council, year=2026, subject="KH", status=PlanStatus.ISSUED,
                                      number=1, issued_on=datetime.date(2026, 1, 5))
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=datetime.date(2026, 1, 10),
                                      ends_on=datetime.date(2026, 1, 20))
    DocumentNumber.objects.create(council=world.council, year=2026, type_code="BC", number=1,
                                  dated=datetime.date(2026, 12, 5))
    report = reports.report_request(user=world.users["office"], council=world.council, kind=ReportKind.ROUND,
                                    round=rnd)
    assert report.intended_on is None   # none chosen: the draft prints the current month, the issue today
    client = client_for(world.users["office"])
    url = reverse("petitions:report_issue", args=[report.pk])
    client.post(url, {"issued_on": "2026-02-03", "confirmed": "1"})
    report.refresh_from_db()
    assert report.number is None
    client.post(url, {"issued_on": "2026-02-03", "confirm_order": "on", "confirmed": "1"})
    report.refresh_from_db()
    assert (report.number, report.issued_on) == (2, datetime.date(2026, 2, 3))
    assert reports.file_stem(report) == "BC-02-2026-tong-hop-kien-nghi"
