"""Upload checks (issue 10, finding 6): a file is what its content says, whatever its name — an
".html" file that starts with "%PDF-" is stored under a random ".pdf" name and served as a PDF
attachment — and a PDF carrying JavaScript, a launch action, embedded files, rich media or an XFA
form is refused with a clear message on every upload page (agency answers, plans' signed copies,
minutes' signed scans)."""
import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from delegations.uploads import PdfUnreadable, pdf_active_content, validate_upload
from petitions import services as petition_services
from petitions.models import Answer, AnswerOutcome, PetitionStatus
from plans.models import ContactPlan, PlanStatus
from sessions.models import MeetingStatus, Minutes
from tests import pdfs
from tests.sessions.builders import make_session

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
ACTIVE_KINDS = {
    "open_action_js": ["JavaScript"], "names_javascript": ["JavaScript"], "launch": ["Launch"],
    "embedded_files": ["EmbeddedFile", "EmbeddedFiles"], "rich_media": ["RichMedia"], "xfa": ["XFA"],
    "annotation_js": ["JavaScript"], "hex_escaped_name": ["JavaScript"],
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """This module's files go to a folder of their own (other tests count the files in theirs)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(name, content, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def active_message(found):
    """The message as the interface shows it (Vietnamese, the default language)."""
    from django.utils.translation import gettext, override

    with override("vi"):
        return gettext("The PDF file contains active content (%(found)s), which is not accepted: a scan or an "
                       "answer must be a plain document. Print it to PDF again or scan the paper copy.") \
            % {"found": found}


# --------------------------------------------------------------------------------- the inspection

def test_plain_pdfs_and_a_go_to_page_open_action_have_no_active_content():
    assert pdf_active_content(pdfs.PLAIN) == []
    assert pdf_active_content(pdfs.GOTO_OPEN_ACTION) == []


@pytest.mark.parametrize("kind", list(ACTIVE_KINDS))
def test_each_kind_of_active_content_is_found(kind):
    assert pdf_active_content(pdfs.ACTIVE[kind]) == ACTIVE_KINDS[kind]


def test_a_hex_escaped_name_is_found_by_reading_the_document_not_by_the_byte_scan():
    data = pdfs.ACTIVE["hex_escaped_name"]
    assert b"/JavaScript" not in data and b"/JS" not in data
    assert pdf_active_content(data) == ["JavaScript"]


def test_a_script_no_object_points_to_is_found_by_the_byte_scan():
    data = pdfs.make_pdf(extra_objects=[b"<< /S /JavaScript /JS (app.alert\\(4\\)) >>"])  # object 5, unreferenced
    assert pdf_active_content(data) == ["JavaScript"]


def test_a_short_name_inside_compressed_stream_data_is_not_a_false_alarm():
    data = pdfs.make_pdf(extra_objects=[b"<< /Length 12 >>\nstream\nxx/JS /XFA y\nendstream"])
    assert pdf_active_content(data) == []


def test_a_damaged_pdf_is_unreadable():
    with pytest.raises(PdfUnreadable):
        pdf_active_content(b"%PDF-1.4\n" + b"0" * 500)


def test_an_upload_is_renamed_after_its_content():
    html_named = upload("bao-cao.html", pdfs.PLAIN, "text/html")
    assert validate_upload(html_named, ["pdf", "png", "jpeg"]) == "pdf"
    assert html_named.name == "pdf.pdf"
    with pytest.raises(ValidationError) as error:
        validate_upload(upload("x.pdf", pdfs.ACTIVE["launch"]), ["pdf"])
    assert error.value.code == "active"
    with pytest.raises(ValidationError) as error:
        validate_upload(upload("x.pdf", b"%PDF-1.4\n" + b"0" * 500), ["pdf"])
    assert error.value.code == "unreadable"


# ------------------------------------------------------------------------------ agency answers

def post_answer(client, petition, attachment):
    return client.post(reverse("petitions:agency_answer", args=[petition.pk]), {
        "outcome": AnswerOutcome.RESOLVED, "text": "Đã sửa xong.", "roadmap": "", "promised_on": "",
        "attachment": attachment})


def test_an_html_file_that_starts_with_pdf_is_stored_and_served_as_a_pdf(world, client_for, forwarded):
    response = post_answer(client_for(world.users["agency"]), forwarded,
                           upload("tra-loi.html", pdfs.PLAIN, "text/html"))
    assert response.status_code == 302
    answer = Answer.objects.get()
    assert re.fullmatch(rf"petitions/answers/{forwarded.pk}/[0-9a-f]{{32}}\.pdf", answer.attachment.name), \
        answer.attachment.name
    download = client_for(world.users["office"]).get(reverse("petitions:answer_attachment", args=[answer.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;") and '.pdf"' in download["Content-Disposition"]
    assert ".html" not in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("kind", list(ACTIVE_KINDS))
def test_an_answer_attachment_with_active_content_is_refused(world, client_for, forwarded, kind):
    response = post_answer(client_for(world.users["agency"]), forwarded, upload("cong-van.pdf", pdfs.ACTIVE[kind]))
    assert response.status_code == 400
    assert escape(active_message(", ".join(ACTIVE_KINDS[kind]))) in response.content.decode()
    assert "Tệp PDF có nội dung chủ động" in response.content.decode()  # said in Vietnamese
    assert not Answer.objects.exists()
    forwarded.refresh_from_db()
    assert forwarded.status == PetitionStatus.FORWARDED


def test_the_answer_service_itself_refuses_active_content(world, forwarded):
    with pytest.raises(ValidationError):
        petition_services.answer_record(petition=forwarded, user=world.users["agency"], agency=world.agency,
                                        outcome=AnswerOutcome.RESOLVED, text="Đã sửa.",
                                        attachment=upload("x.pdf", pdfs.ACTIVE["open_action_js"]))
    assert not Answer.objects.exists()


# ---------------------------------------------------------------- signed copies and scans

def test_a_plans_signed_copy_with_javascript_is_refused_and_never_published(world, client_for, media):
    plan = ContactPlan.objects.create(council=world.council, year=2025, subject="Kế hoạch", status=PlanStatus.ISSUED,
                                      number=3, issued_on=datetime.date(2025, 10, 6))
    response = client_for(world.users["office"]).post(reverse("plans:plan_signed_upload", args=[plan.pk]),
                                                      {"file": upload("ban-ky.pdf", pdfs.ACTIVE["open_action_js"])})
    assert response.status_code == 302
    assert [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)] == [
        ("error", active_message("JavaScript"))]
    plan.refresh_from_db()
    assert not plan.signed_scan
    assert not (media / "plans" / "signed").exists() or not any((media / "plans" / "signed").iterdir())


def test_a_minutes_scan_with_embedded_files_is_refused(world, setup, client_for):
    session = make_session(world, setup, day=24, status=MeetingStatus.HELD)
    Minutes.objects.create(session=session)
    response = client_for(world.users["group_leader"]).post(
        reverse("contact_sessions:minutes_scan_upload", args=[session.pk]),
        {"file": upload("bien-ban.pdf", pdfs.ACTIVE["embedded_files"])})
    assert response.status_code == 302
    assert [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)] == [
        ("error", active_message("EmbeddedFile, EmbeddedFiles"))]
    assert not Minutes.objects.get().signed_scan
