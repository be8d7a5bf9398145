"""A refused upload in Chromium (issue 10, finding 6): an agency's responder attaches a PDF that
runs JavaScript when opened; the page says why in Vietnamese, on a desktop screen and on a 390 px
phone, and nothing is recorded. Screenshots go to the test's folder (and to $SCREENSHOT_DIR if set)."""
import datetime
import os
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from petitions import services
from petitions.models import Answer, PetitionField, PetitionSource
from sessions.models import MeetingStatus
from tests import pdfs
from tests.sessions.builders import make_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def test_a_pdf_with_javascript_is_refused_with_a_clear_message(live_server, page, login, world, setup,
                                                                tmp_path):
    office = world.users["office"]
    session = make_session(world, setup, day=24, status=MeetingStatus.HELD)
    field = PetitionField.objects.create(council=world.council, name="Giao thông")
    petition = services.petition_create(council=world.council, user=office, text="Đề nghị sửa cầu Đông Xuyên",
                                        session=session, source=PetitionSource.MEETING, fields=[field])
    services.petitions_classify(petitions=[petition], user=office, agency=world.agency)
    services.petitions_forward(petitions=[petition], user=office, now=datetime.datetime(2026, 12, 1, 9, tzinfo=HANOI))
    scan = tmp_path / "cong-van-tra-loi.pdf"
    scan.write_bytes(pdfs.ACTIVE["open_action_js"])

    login(world.users["agency"].username)
    shots = []
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/petitions/agency/{petition.pk}/")
        page.check("input[name=outcome][value=resolved]")
        page.fill("textarea[name=text]", "Sở đã sửa chữa xong cầu Đông Xuyên.")
        page.set_input_files("input[name=attachment]", str(scan))
        page.locator("form[data-testid=answer-form] button[type=submit]").click()
        page.wait_for_load_state()
        error = page.locator("#id_attachment ~ .invalid-feedback, .invalid-feedback").first
        error.wait_for(state="visible")
        assert "Tệp PDF có nội dung chủ động (JavaScript)" in error.inner_text()
        error.scroll_into_view_if_needed()
        assert error.bounding_box()["width"] <= width  # the message wraps inside a phone's screen
        shot = tmp_path / f"refused-upload-{width}.png"
        page.screenshot(path=str(shot), full_page=False)
        shots.append(shot)
    assert not Answer.objects.exists()
    if os.environ.get("SCREENSHOT_DIR"):
        for shot in shots:
            shutil.copy(shot, Path(os.environ["SCREENSHOT_DIR"]) / shot.name)
