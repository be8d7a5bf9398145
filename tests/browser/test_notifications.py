"""Issue 12 in Chromium: work reaches the next person. The office submits a plan; the standing
committee finds it in its inbox (the count in the navigation bar) and approves it; the office finds
the approval in its inbox, filters it by kind and marks everything read; the group leader sends the
group's petitions and the office's inbox shows them, while the agency's inbox stays empty."""
import pytest

from delegations.demo import load_demo as load_organisation
from delegations.models import Council, DelegateGroup, Notification, NotificationKind
from petitions import services
from plans.demo import load_demo as load_plans
from plans.models import ContactPlan, PlanStatus
from sessions.demo import load_demo as load_meetings
from sessions.models import ContactSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def unread_badge(page):
    badge = page.get_by_test_id("unread-count")
    return badge.inner_text() if badge.count() else "0"


def test_each_step_reaches_the_next_persons_inbox_and_nobody_elses(live_server, page, login):
    load_organisation()
    load_plans()
    load_meetings()
    province = Council.objects.get(name="HĐND tỉnh Bắc Ninh")
    Notification.objects.all().delete()
    plan = ContactPlan.objects.create(council=province, year=2027, status=PlanStatus.DRAFT,
                                      subject="Tiếp xúc cử tri trước kỳ họp giữa năm 2027",
                                      signer_name="Nguyễn Anh Tuấn")

    # The office submits the plan.
    login("vanphong")
    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    page.get_by_test_id("step-submit").click()
    page.wait_for_load_state()
    assert ContactPlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED

    # The standing committee sees it in its inbox, opens it and approves.
    login("thuongtruc")
    assert unread_badge(page) == "1"
    page.goto(f"{live_server.url}/org/inbox/")
    message = page.get_by_test_id("notification").first
    assert "Kế hoạch chờ phê duyệt" in message.inner_text()
    message.get_by_role("button", name="Mở").click()
    page.wait_for_url(f"**{plan.get_absolute_url()}")
    page.get_by_test_id("step-approve").click()
    page.get_by_test_id("confirm").click()  # approving cannot be undone: confirmed first (issue 12)
    page.wait_for_load_state()
    assert ContactPlan.objects.get(pk=plan.pk).status == PlanStatus.APPROVED

    # Nobody else was told of the submission: not the group leader, not the agency.
    for username in ("totruong", "coquan", "daibieu", "xa"):
        login(username)
        assert unread_badge(page) == "0", username

    # The office sees the approval, filters by kind, and marks all read.
    login("vanphong")
    assert unread_badge(page) == "1"
    page.goto(f"{live_server.url}/org/inbox/")
    page.select_option("#id_kind", NotificationKind.PLAN_APPROVED.value)
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**/org/inbox/?kind=plan_approved*")
    assert page.get_by_test_id("notification").count() == 1
    assert "Kế hoạch đã được duyệt" in page.get_by_test_id("notification").first.inner_text()
    page.get_by_test_id("read-all").click()
    page.wait_for_url("**/org/inbox/")
    assert unread_badge(page) == "0"

    # The group leader sends the group's petitions; the office's inbox shows them, the agency's does not.
    group = DelegateGroup.objects.get(name="Tổ đại biểu số 1", council=province)
    session = ContactSession.objects.filter(group=group).order_by("starts_at").first()
    services.petition_create(council=province, user=None, session=session,
                             text="Đề nghị lắp đèn chiếu sáng tuyến đường trục xã")
    login("totruong")
    page.goto(f"{live_server.url}/petitions/submit/")
    page.get_by_test_id(f"submit-{group.pk}-{session.round_id}").click()
    page.wait_for_load_state()
    login("vanphong")
    assert unread_badge(page) == "1"
    page.goto(f"{live_server.url}/org/inbox/")
    assert "đã gửi 1 kiến nghị đến Văn phòng" in page.get_by_test_id("notification").first.inner_text()
    login("coquan")
    assert unread_badge(page) == "0"
