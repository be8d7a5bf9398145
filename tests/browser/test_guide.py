"""Issue 12 in Chromium (desktop and a 390 px phone): the office issues a plan through the confirmation
that names the number the register will give; the floor table flags a near-duplicate under the row being
typed; a voter's receipt is printed from a petition's page. Screenshots go to $SHOTS_DIR when set (else
the test's temporary folder), the slip's first page as PNG (pdftoppm)."""
import datetime
import io
import os
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pytest

from delegations.demo import load_demo as load_organisation
from delegations.models import Council, DelegateGroup
from petitions import services
from plans.demo import load_demo as load_plans
from plans.models import ContactPlan, DocumentNumber, PlanStatus
from sessions.demo import load_demo as load_meetings
from sessions.models import ContactSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page, name):
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
        page.set_viewport_size(DESKTOP)

    shoot.folder = folder
    return shoot


def test_confirm_issue_flag_duplicates_and_print_the_receipt(live_server, page, login, shots):
    load_organisation()
    load_plans()
    load_meetings()
    province = Council.objects.get(name="HĐND tỉnh Bắc Ninh")
    year = datetime.date.today().year
    taken = DocumentNumber.objects.filter(council=province, year=year, type_code="KH").count()
    plan = ContactPlan.objects.create(council=province, year=year, status=PlanStatus.APPROVED,
                                      signer_name="Nguyễn Anh Tuấn",
                                      subject="Tiếp xúc cử tri của đại biểu HĐND tỉnh\nchuyên đề về giao thông")

    # --- the office issues the plan: the confirmation names the number first, and nothing is taken before.
    login("vanphong")
    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    page.get_by_test_id("step-issue").click()
    expected = f"Số {taken + 1:02d}/KH-HĐND sẽ được cấp và không thể thu hồi."
    assert expected in page.get_by_test_id("consequence").inner_text()
    assert ContactPlan.objects.get(pk=plan.pk).status == PlanStatus.APPROVED
    shots(page, "confirm-issue")
    page.get_by_test_id("confirm").click()
    page.wait_for_url(f"{live_server.url}{plan.get_absolute_url()}")
    plan.refresh_from_db()
    assert (plan.status, plan.number) == (PlanStatus.ISSUED, taken + 1)

    # --- the floor table: a row like a petition already recorded is flagged as it is typed.
    group = DelegateGroup.objects.get(name="Tổ đại biểu số 1", council=province)
    session = ContactSession.objects.filter(group=group).order_by("starts_at").first()
    earlier = services.petition_create(council=province, user=None, session=session,
                                       text="Đề nghị sửa chữa đường giao thông liên thôn Kiêm Tân bị xuống cấp "
                                            "nghiêm trọng", voters=[{"name": "Đỗ Thị Lan", "address": "Thôn Đông"}])
    login("totruong")
    page.goto(f"{live_server.url}/petitions/floor/{session.pk}/")
    page.fill("[name=rows-0-voter_name]", "Trần Văn Bình")
    page.locator("[name=rows-0-text]").press_sequentially("Đề nghị sửa đường giao thông liên thôn Kiêm Tân xuống cấp")
    flag = page.get_by_test_id("floor-similar")
    flag.wait_for(state="visible")
    assert earlier.public_code in flag.inner_text()
    assert page.locator("#similar-1 [data-testid=floor-similar]").count() == 0  # under its own row only
    shots(page, "floor-duplicate")

    # --- the receipt: printed from the petition's page, with the code, the date and the lookup address.
    page.goto(f"{live_server.url}{earlier.get_absolute_url()}")
    with page.expect_download() as download_info:
        page.get_by_test_id("slip").click()
    path = download_info.value.path()
    data = open(path, "rb").read()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = pdf.pages[0].extract_text()
    assert earlier.public_code in text and f"{live_server.url}/petitions/lookup/" in text
    assert "Đỗ Thị Lan" in text  # the group's leader may see the voter
    target = shots.folder / "slip.pdf"
    target.write_bytes(data)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(target),
                        str(shots.folder / "slip")], check=True)
