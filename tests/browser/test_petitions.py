"""Issue 5's flow in Chromium: `totruong` sends the group's petitions to the office; `vanphong`
classifies five at once, merges two duplicates and forwards a batch; `coquan` answers one as resolved
and one as being resolved with a date; `vanphong` sees both on the timeline; a logged-out visitor
looks a code up and sees the answer and no personal data."""
import datetime

import pytest

from delegations.demo import load_demo as load_organisation
from delegations.models import Agency, Council, DelegateGroup
from petitions import services
from petitions.models import Forwarding, Petition, PetitionField, PetitionStatus
from plans.demo import load_demo as load_plans
from sessions.demo import load_demo as load_meetings
from sessions.models import ContactSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VOTER, PHONE, ADDRESS = "Đỗ Thị Bảo Mật", "0987 654 321", "Số 7 ngõ Riêng Tư"
TEXTS = [
    "Đề nghị sửa chữa đường giao thông liên thôn Kiêm Tân bị xuống cấp nghiêm trọng",
    "Đề nghị sửa chữa đường giao thông liên thôn Kiêm Tân xuống cấp nghiêm trọng",  # the duplicate
    "Đề nghị nạo vét kênh mương nội đồng thôn Đông",
    "Đề nghị bố trí thêm giáo viên tiếng Anh cho trường tiểu học",
    "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho các hộ tái định cư",
    "Đề nghị lắp đèn chiếu sáng tuyến đường trục xã",
]


def test_send_classify_merge_forward_answer_and_look_up(live_server, page, login, tmp_path):
    load_organisation()
    load_plans()
    load_meetings()
    province = Council.objects.get(name="HĐND tỉnh Bắc Ninh")
    group = DelegateGroup.objects.get(name="Tổ đại biểu số 1", council=province)
    session = ContactSession.objects.filter(group=group).order_by("starts_at").first()
    field, _ = PetitionField.objects.get_or_create(council=province, name="Giao thông")
    construction = Agency.objects.get(council=province, name="Sở Xây dựng")
    petitions = [services.petition_create(council=province, user=None, session=session, text=text,
                                          voters=[{"name": VOTER, "address": ADDRESS, "phone": PHONE}])
                 for text in TEXTS]

    # The group leader sends the group's petitions of the round to the office.
    login("totruong")
    page.goto(f"{live_server.url}/petitions/submit/")
    page.get_by_test_id(f"submit-{group.pk}-{session.round_id}").click()
    page.wait_for_load_state()
    assert Petition.objects.filter(submission__isnull=False).count() == 6

    # The office classifies five at once.
    login("vanphong")
    page.goto(f"{live_server.url}/petitions/?round={session.round_id}&group={group.pk}&status=received")
    for petition in petitions[:5]:
        page.check(f"#sel-{petition.pk}")
    page.locator("[data-testid=bulk-actions] summary").click()
    page.select_option("#id_fields_", str(field.pk))
    page.select_option("#id_agency", str(construction.pk))
    page.get_by_role("button", name="Phân loại").click()
    page.wait_for_url("**/petitions/?round=*")
    assert Petition.objects.filter(status=PetitionStatus.CLASSIFIED).count() == 5
    page.screenshot(path=str(tmp_path / "list.png"), full_page=True)

    # It merges the two duplicates: on the first one's page the second is shown as similar.
    main, duplicate = petitions[0], petitions[1]
    page.goto(f"{live_server.url}/petitions/{main.pk}/")
    page.get_by_test_id("find-similar").click()
    page.check(f"input[name=duplicates][value='{duplicate.pk}']")
    page.get_by_role("button", name="Gộp các kiến nghị đã chọn vào kiến nghị này").click()
    page.wait_for_url(f"**/petitions/{main.pk}/")
    assert "2 cử tri" in page.get_by_test_id("raised-by").inner_text()
    assert Petition.objects.get(pk=duplicate.pk).merged_into_id == main.pk

    # It forwards a batch: the classified petitions.
    page.goto(f"{live_server.url}/petitions/?status=classified")
    for petition in (petitions[0], petitions[2], petitions[3], petitions[4]):
        page.check(f"#sel-{petition.pk}")
    page.locator("[data-testid=bulk-actions] summary").click()
    page.get_by_role("button", name="Chuyển đến cơ quan trả lời").click()
    assert "4 kiến nghị sẽ được chuyển" in page.get_by_test_id("confirmation").inner_text()
    page.get_by_test_id("confirm").click()
    page.wait_for_url("**/petitions/?status=classified")
    forwarding = Forwarding.objects.get()
    assert forwarding.petitions.count() == 4 and forwarding.agency == construction

    # The agency answers one as resolved and one as being resolved with a promised date.
    login("coquan")
    page.goto(f"{live_server.url}/petitions/agency/")
    assert VOTER not in page.content()
    page.goto(f"{live_server.url}/petitions/agency/{main.pk}/")
    page.check("input[name=outcome][value=resolved]")
    page.fill("textarea[name=text]", "Sở đã sửa chữa xong tuyến đường liên thôn Kiêm Tân.")
    page.locator("form[data-testid=answer-form] button[type=submit]").click()
    page.wait_for_load_state()
    promised = datetime.date.today() + datetime.timedelta(days=90)
    page.goto(f"{live_server.url}/petitions/agency/{petitions[2].pk}/")
    page.check("input[name=outcome][value=in_progress]")
    page.fill("textarea[name=text]", "Đã đưa vào kế hoạch nạo vét năm sau.")
    page.fill("textarea[name=roadmap]", "Khảo sát quý I, thi công quý II.")
    page.fill("input[name=promised_on]", promised.isoformat())
    page.locator("form[data-testid=answer-form] button[type=submit]").click()
    page.wait_for_load_state()
    assert Petition.objects.get(pk=petitions[2].pk).due_on == promised
    assert Petition.objects.get(pk=main.pk).status == PetitionStatus.ANSWERED

    # The office sees both on the timeline.
    login("vanphong")
    for petition, outcome in ((main, "Đã giải quyết xong"), (petitions[2], "Đang giải quyết")):
        page.goto(f"{live_server.url}/petitions/{petition.pk}/")
        timeline = page.get_by_test_id("timeline").inner_text()
        for step in ("Đã tiếp nhận", "Đã phân loại", "Đã chuyển", "Đã trả lời"):
            assert step in timeline, (step, timeline)
        assert outcome in page.content()
    page.screenshot(path=str(tmp_path / "timeline.png"), full_page=True)

    # The office accepts the answer and closes the petition: only then is the answer public.
    from django.contrib.auth import get_user_model
    services.petition_close(petition=Petition.objects.get(pk=main.pk),
                            user=get_user_model().objects.get(username="vanphong"))
    # A logged-out visitor looks the code up: the answer, and no personal data.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/petitions/lookup/?code={duplicate.public_code}")
    result = page.get_by_test_id("lookup-result").inner_text()
    assert "Sở đã sửa chữa xong tuyến đường liên thôn Kiêm Tân." in result
    assert "Sở Xây dựng" in result
    for personal in (VOTER, PHONE, ADDRESS):
        assert personal not in page.content()
