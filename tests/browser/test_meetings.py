"""Issue 4's flow in Chromium: the leader of group 1 schedules a meeting in the current round, the
public sees it logged out and in the group's iCal feed, the leader holds it, types ten petitions
from the floor, writes and finalises the minutes and downloads the BIÊN BẢN; a delegate of another
group is refused the edit pages.

The BIÊN BẢN is rendered by the Celery task in eager mode here (inline after commit); the round trip
through a real broker and worker is tested in tests/delegations/test_tasks.py and test_plans.py."""
import datetime
import io

import pdfplumber
import pytest
from icalendar import Calendar

from config.celery import app as celery_app
from delegations.demo import load_demo as load_organisation
from delegations.models import DelegateGroup
from petitions.demo import load_demo as load_fields
from petitions.models import Petition
from plans.demo import load_demo as load_plans
from sessions.demo import load_demo as load_meetings
from sessions.models import ContactSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager_tasks():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_schedule_announce_hold_minute_and_print(live_server, page, login, tmp_path, eager_tasks, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=7))),
                         tick=True)
    load_organisation()
    load_plans()
    load_meetings()
    load_fields()
    group = DelegateGroup.objects.get(name="Tổ đại biểu số 1", council__name="HĐND tỉnh Bắc Ninh")
    commune = group.communes.order_by("name").first()

    login("totruong")
    page.goto(f"{live_server.url}/meetings/new/")
    current_round = ContactSession.objects.filter(group=group).first().round  # the demo's current round
    page.select_option("select[name=round]", str(current_round.pk))
    page.select_option("select[name=group]", str(group.pk))
    page.select_option("select[name=commune]", str(commune.pk))
    page.fill("input[name=starts_at]", "2026-11-23T08:00")
    page.fill("input[name=ends_at]", "2026-11-23T10:30")
    page.fill("input[name=venue]", "Nhà văn hóa thôn Kiêm Tân")
    page.fill("textarea[name=content]", "Thông báo kết quả kỳ họp; lắng nghe ý kiến cử tri.")
    page.select_option("select[name=delegates]", [str(d.pk) for d in group.members.all()[:2]])
    page.get_by_role("button", name="Lưu").click()
    assert not page.locator(".invalid-feedback").count(), page.locator(".invalid-feedback").all_inner_texts()
    page.wait_for_url("**/meetings/*/")
    session = ContactSession.objects.get(venue="Nhà văn hóa thôn Kiêm Tân")
    page.screenshot(path=str(tmp_path / "meeting.png"), full_page=True)

    # Announced: on the public page logged out, and in the group's iCal feed.
    public = page.context.browser.new_context()
    public_page = public.new_page()
    public_page.goto(f"{live_server.url}/meetings/public/")
    assert "Nhà văn hóa thôn Kiêm Tân" in public_page.content()
    feed = public_page.request.get(f"{live_server.url}/meetings/public/{session.council_id}.ics?group={group.pk}")
    events = Calendar.from_ical(feed.body()).walk("VEVENT")
    assert f"contact-session-{session.pk}@hdnd" in {str(e["UID"]) for e in events}
    public.close()

    # Held (the clock moves past the meeting), attendance recorded.
    time_machine.move_to(datetime.datetime(2026, 11, 23, 11, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=7))),
                         tick=True)
    page.goto(f"{live_server.url}/meetings/{session.pk}/outcome/")
    page.select_option("select[name=status]", "held")
    page.fill("input[name=voters_present]", "118")
    page.fill("input[name=chair]", "Ông Nguyễn Văn Hòa, Chủ tịch Ủy ban MTTQ phường")
    page.fill("input[name=secretary]", "Bà Lê Thị Thu, công chức Văn phòng")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url("**/minutes/")

    # Ten petitions from the floor, typed with the keyboard.
    page.goto(f"{live_server.url}/petitions/floor/{session.pk}/")
    page.locator("input[name='rows-0-voter_name']").click()
    for index in range(10):
        page.keyboard.type(f"Cử tri {index + 1}")
        page.keyboard.press("Tab")
        page.keyboard.type("Thôn Kiêm Tân")
        page.keyboard.press("Tab")
        page.keyboard.type(f"Đề nghị sửa đường giao thông liên thôn đoạn {index + 1}")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")  # past the field select, to the next line
    page.get_by_test_id("floor-save").click()
    page.wait_for_load_state()
    assert Petition.objects.filter(session=session).count() == 10
    assert page.get_by_test_id("floor-petitions").locator("tbody tr").count() == 10

    # The minutes, in the law's order, then final.
    page.goto(f"{live_server.url}/meetings/{session.pk}/minutes/")
    page.fill("textarea[name=opening]", "Ông Nguyễn Văn Hòa tuyên bố lý do, giới thiệu đại biểu.")
    page.fill("textarea[name=delegates_report]", "Đại biểu thông báo kết quả kỳ họp thường lệ cuối năm.")
    page.fill("textarea[name=voters_speak]", "\n".join(
        f"Cử tri {i} đề nghị sửa chữa tuyến đường giao thông liên thôn bị xuống cấp nghiêm trọng, nhiều ổ gà, "
        f"gây mất an toàn khi trời mưa; đề nghị sớm bố trí kinh phí sửa chữa và lắp đèn chiếu sáng." for i in range(1, 6)))
    page.fill("textarea[name=officials_answer]", "Lãnh đạo UBND phường giải trình tiến độ dự án.")
    page.fill("textarea[name=delegates_respond]", "Đại biểu tiếp thu, tổng hợp gửi cơ quan có thẩm quyền.")
    page.fill("textarea[name=closing]", "Chủ tọa cảm ơn cử tri, kết thúc hội nghị.")
    page.fill("input[name=closed_at]", "10:30")
    page.get_by_test_id("finalise").click()
    assert "/BB-HĐND sẽ được cấp" in page.get_by_test_id("consequence").inner_text()
    page.get_by_test_id("confirm").click()
    page.wait_for_url(f"**/meetings/{session.pk}/")
    with page.expect_download() as download_info:
        page.get_by_test_id("minutes-pdf").click()
    pdf_bytes = open(download_info.value.path(), "rb").read()
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        text = "\n".join(p.extract_text() for p in pdf.pages)
    for expected in ("BIÊN BẢN", "/BB-HĐND", "THƯ KÝ", "CHỦ TỌA", "Bà Lê Thị Thu", "118 người"):
        assert expected in text, expected
    page.screenshot(path=str(tmp_path / "meeting-held.png"), full_page=True)

    # A delegate of another group may read the meeting but not change it.
    login("daibieu")
    for path in (f"/meetings/{session.pk}/edit/", f"/meetings/{session.pk}/outcome/",
                 f"/meetings/{session.pk}/minutes/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status in (403, 404), path
