"""Files are served only through views that check access (issue 10, finding 6): stored under random
names, never reachable at /media/ (not even under DEBUG, as in `make run`), and sent by one helper
(delegations.downloads.file_download) with the type found in the content, as an attachment, with
"X-Content-Type-Options: nosniff"; each download view refuses the roles that may not read it."""
import datetime
import importlib
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.urls import Resolver404, clear_url_caches, resolve, reverse

from delegations.storage import PrivateFileStorage
from petitions.models import Answer, AnswerOutcome
from plans.models import ContactPlan, PlanStatus
from sessions.models import MeetingStatus, Minutes
from tests import pdfs
from tests.factories import AgencyFactory, MembershipFactory, UserFactory
from tests.sessions.builders import make_session

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
RANDOM_NAME = re.compile(r"[0-9a-f]{32}\.(pdf|docx|xlsx|png|jpg|bin)")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """This module's files go to a folder of their own (other tests count the files in theirs)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def body(response):
    return b"".join(response.streaming_content)


def assert_served_safely(response, content_type, extension, content):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert re.search(rf'filename="[^"/]+\.{extension}"', response["Content-Disposition"]), \
        response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert body(response) == content


# ----------------------------------------------------------------------------------- the storage

def test_stored_names_are_random_and_keep_only_a_known_extension():
    storage = PrivateFileStorage()
    names = {storage.generate_filename(f"plans/pdf/KH-{i:02d}-2025.pdf") for i in range(50)}
    assert len(names) == 50
    assert all(re.fullmatch(r"plans/pdf/" + RANDOM_NAME.pattern, name) for name in names)
    assert storage.generate_filename("x/bao-cao.HTML").endswith(".bin")
    assert storage.generate_filename("x/anh.jpeg").endswith(".jpg")


def test_the_default_storage_is_the_private_one(settings):
    assert settings.STORAGES["default"]["BACKEND"] == "delegations.storage.PrivateFileStorage"


def test_media_is_not_served_by_url_even_under_debug(settings):
    """`make run` runs with DEBUG on: the URLconf must not map MEDIA_URL to MEDIA_ROOT then either."""
    import config.urls

    stored = PrivateFileStorage().save("plans/pdf/draft.pdf", ContentFile(pdfs.PLAIN))
    settings.DEBUG = True
    try:
        importlib.reload(config.urls)
        clear_url_caches()
        with pytest.raises(Resolver404):
            resolve(settings.MEDIA_URL + stored)
    finally:
        settings.DEBUG = False
        importlib.reload(config.urls)
        clear_url_caches()


def test_a_media_address_answers_404(client, settings):
    stored = PrivateFileStorage().save("plans/pdf/draft.pdf", ContentFile(pdfs.PLAIN))
    assert client.get(settings.MEDIA_URL + stored).status_code == 404


# --------------------------------------------------------------------------------------- plans

@pytest.fixture
def plan(world):
    plan = ContactPlan.objects.create(council=world.council, year=2025, subject="Kế hoạch tiếp xúc cử tri",
                                      status=PlanStatus.ISSUED, number=4, issued_on=datetime.date(2025, 10, 6))
    plan.pdf.save("KH-04-2025.pdf", ContentFile(pdfs.PLAIN), save=False)
    # A Word copy whose stored name says .docx but holds a PDF: the content decides how it is sent.
    plan.docx.save("KH-04-2025.docx", ContentFile(pdfs.PLAIN), save=False)
    plan.signed_scan.save("KH-04-2025-ban-ky.pdf", ContentFile(pdfs.PLAIN), save=False)
    plan.rendered_revision = plan.revision
    plan.save(update_fields=["pdf", "docx", "signed_scan", "rendered_revision"])
    return plan


def test_plan_files_are_sent_as_attachments_with_the_type_of_their_content(world, client_for, plan):
    client = client_for(world.users["office"])
    for kind in ("pdf", "docx", "signed"):
        response = client.get(reverse("plans:plan_download", args=[plan.pk, kind]))
        assert_served_safely(response, "application/pdf", "pdf", pdfs.PLAIN)
    assert 'filename="KH-04-2025.pdf"' in client.get(reverse("plans:plan_download", args=[plan.pk, "pdf"]))[
        "Content-Disposition"]
    assert RANDOM_NAME.fullmatch(plan.pdf.name.rsplit("/", 1)[1])


@pytest.mark.parametrize("role, status", [
    (None, 302), ("other_council", 404), ("agency", 403), ("commune_office", 404)])
def test_plan_files_are_refused_to(world, client_for, plan, role, status):
    client = client_for(world.users[role] if role else None)
    for kind in ("pdf", "docx", "signed"):
        assert client.get(reverse("plans:plan_download", args=[plan.pk, kind])).status_code == status


# ------------------------------------------------------------------------------------ meetings

@pytest.fixture
def meeting(world, setup):
    session = make_session(world, setup, day=24, status=MeetingStatus.HELD)
    minutes = Minutes.objects.create(session=session)
    minutes.pdf.save("BB.pdf", ContentFile(pdfs.PLAIN), save=False)
    minutes.signed_scan.save("BB-ban-ky.png", ContentFile(PNG), save=False)
    minutes.save()
    session.invitation_number, session.invitation_date = 1, datetime.date(2026, 11, 10)
    session.invitation_pdf.save("GM.pdf", ContentFile(pdfs.PLAIN), save=False)
    session.save()
    return session


def meeting_urls(session):
    return [reverse("contact_sessions:minutes_download", args=[session.pk, "pdf"]),
            reverse("contact_sessions:minutes_download", args=[session.pk, "signed"]),
            reverse("contact_sessions:invitation_download", args=[session.pk])]


def test_minutes_and_invitations_are_sent_safely(world, client_for, meeting):
    client = client_for(world.users["group_leader"])
    pdf, signed, invitation = (client.get(url) for url in meeting_urls(meeting))
    assert_served_safely(pdf, "application/pdf", "pdf", pdfs.PLAIN)
    assert_served_safely(signed, "image/png", "png", PNG)
    assert_served_safely(invitation, "application/pdf", "pdf", pdfs.PLAIN)


@pytest.mark.parametrize("role, status", [
    (None, 302), ("other_council", 404), ("agency", 403), ("commune_office", 404)])
def test_minutes_and_invitations_are_refused_to(world, client_for, meeting, role, status):
    client = client_for(world.users[role] if role else None)
    for url in meeting_urls(meeting):
        response = client.get(url)
        assert response.status_code == status, url
        if status == 302:
            assert response.url.startswith(reverse("login"))


# ------------------------------------------------------------------------- answers' attachments

@pytest.fixture
def answered(world, forwarded):
    petition = forwarded
    answer = Answer.objects.create(petition=petition, agency=world.agency, outcome=AnswerOutcome.RESOLVED,
                                   text="Đã sửa.", answered_by=world.users["agency"])
    answer.attachment.save("cong-van.pdf", ContentFile(pdfs.PLAIN))
    return answer


def test_an_answers_attachment_is_sent_safely(world, client_for, answered):
    url = reverse("petitions:answer_attachment", args=[answered.pk])
    for role in ("office", "standing", "agency"):
        assert_served_safely(client_for(world.users[role]).get(url), "application/pdf", "pdf", pdfs.PLAIN)


def test_an_answers_attachment_is_refused_to_those_who_may_not_read_it(world, client_for, answered):
    """Anonymous goes to log in; another council, and an agency the petition was never forwarded to,
    learn nothing (404)."""
    url = reverse("petitions:answer_attachment", args=[answered.pk])
    other_agency = AgencyFactory(council=world.council, name="Sở Y tế")
    other_responder = MembershipFactory(user=UserFactory(username="soyte2"), council=world.council,
                                        role="agency", agency=other_agency).user
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))
    for user in (world.users["other_council"], other_responder, world.users["commune_office"]):
        assert client_for(user).get(url).status_code == 404, user


# ------------------------------------------------------------------------------------ the export

def test_the_petition_export_is_sent_safely(world, client_for):
    response = client_for(world.users["office"]).get(reverse("petitions:export"))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;") and ".xlsx" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
