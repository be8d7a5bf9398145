"""The workflow chain walked in Chromium by six users in turn: the office submits a plan, the standing
committee approves it, the office issues it, the group leader sends the group's petitions, the office
classifies and forwards one to Sở Xây dựng, the agency answers it and the office closes it. After each
step the next person finds the work in the inbox (the unread badge and the list at /org/inbox/) and,
where the step leaves work, on the home page ("Việc của tôi"); the others' unread counts stay put."""
import pytest
from django.utils import timezone

from delegations.demo import load_demo as load_organisation
from delegations.models import Agency, Council, DelegateGroup, Notification, NotificationKind
from petitions import services
from petitions.models import Petition, PetitionField, PetitionStatus
from plans.demo import load_demo as load_plans
from plans.models import ContactPlan, PlanStatus
from sessions.demo import load_demo as load_meetings
from sessions.models import ContactSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USERS = ("vanphong", "thuongtruc", "totruong", "daibieu", "coquan", "xa")
# The section of "Việc của tôi" each user's home page shows (templates/delegations/home.html).
ROLE = {"vanphong": "office", "thuongtruc": "standing", "totruong": "group_leader", "daibieu": "delegate",
        "coquan": "agency", "xa": "office"}


def unread_badge(page):
    badge = page.get_by_test_id("unread-count")
    return int(badge.inner_text()) if badge.count() else 0


def work_count(page, username, key):
    """The count of one item of "Việc của tôi" on the home page the user is on (petitions/work.py)."""
    item = page.locator(f"[data-testid=work-{ROLE[username]}] [data-testid=item-{key}]")
    assert item.count() == 1, (username, key)
    count = item.get_attribute("data-count")
    assert item.locator(".work-count").inner_text().strip() == count  # what is shown is what is counted
    return int(count)


class Walk:
    """Who has how many unread messages: after each step the told users have more, the others the same."""

    def __init__(self, page, login, live_server):
        self.page, self.login, self.url = page, login, live_server.url
        self.unread = dict.fromkeys(USERS, 0)
        self.seen = 0  # the Notification rows already accounted for

    def as_user(self, username):
        self.login(username)  # lands on the home page
        return self.page

    def told(self, step, kind, expected):
        """The step's messages went to exactly `expected` (among the six) in the database, each of
        kind `kind`; returns the new rows."""
        rows = list(Notification.objects.filter(pk__gt=self.seen).select_related("recipient").order_by("pk"))
        self.seen = max([self.seen] + [row.pk for row in rows])
        recipients = {row.recipient.username for row in rows if row.recipient.username in USERS}
        assert recipients == set(expected), (step, recipients)
        assert {row.kind for row in rows} == {kind}, (step, [row.kind for row in rows])
        for username in expected:
            self.unread[username] += sum(1 for row in rows if row.recipient.username == username)
        return rows

    def check_inbox(self, username, kind, text):
        """The user's badge shows one more message, and the inbox list has it first."""
        page = self.as_user(username)
        assert unread_badge(page) == self.unread[username], username
        page.goto(f"{self.url}/org/inbox/")
        # Nobody opens a message in this walk: the list holds exactly the unread ones, newest first.
        assert page.get_by_test_id("notification").count() == self.unread[username], username
        first = page.get_by_test_id("notification").first
        assert first.get_attribute("data-kind") == kind, username
        assert text in first.inner_text(), (username, first.inner_text())
        page.goto(f"{self.url}/")
        return page

    def check_untold(self, *usernames):
        for username in usernames:
            page = self.as_user(username)
            assert unread_badge(page) == self.unread[username], username


def test_six_users_walk_the_chain_and_only_the_next_one_is_told(live_server, page, login):
    load_organisation()
    load_plans()
    load_meetings()
    province = Council.objects.get(name="HĐND tỉnh Bắc Ninh")
    group = DelegateGroup.objects.get(name="Tổ đại biểu số 1", council=province)
    session = ContactSession.objects.filter(group=group).order_by("starts_at").first()
    field, _ = PetitionField.objects.get_or_create(council=province, name="Giao thông")
    construction = Agency.objects.get(council=province, name="Sở Xây dựng")
    Notification.objects.all().delete()
    plan = ContactPlan.objects.create(council=province, year=2027, status=PlanStatus.DRAFT,
                                      subject="Tiếp xúc cử tri trước kỳ họp giữa năm 2027",
                                      signer_name="Nguyễn Anh Tuấn")
    # Recorded by the group at its meeting (the service: entering a petition is not a step of the chain).
    petition = services.petition_create(council=province, user=None, session=session,
                                        text="Đề nghị sửa chữa cầu dân sinh thôn Đông bị sạt lở")
    walk = Walk(page, login, live_server)

    # The starting point: nobody has a message; the counts the steps will move, read from the pages.
    before = {}
    for username in USERS:
        page = walk.as_user(username)
        assert unread_badge(page) == 0, username
        if username == "vanphong":
            before.update({key: work_count(page, username, key)
                           for key in ("plans_to_issue", "unclassified", "to_review")})
        elif username == "thuongtruc":
            before["plans_submitted"] = work_count(page, username, "plans_submitted")
        elif username == "totruong":
            before["not_sent"] = work_count(page, username, "not_sent")
        elif username == "coquan":
            before["to_answer"] = work_count(page, username, "to_answer")

    # 1) The office submits the draft plan (clicked) → the standing committee is told.
    page = walk.as_user("vanphong")
    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    page.get_by_test_id("step-submit").click()
    page.wait_for_load_state()
    assert ContactPlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED
    walk.told(1, NotificationKind.PLAN_SUBMITTED, {"thuongtruc"})
    walk.check_untold("xa", "daibieu", "coquan")
    page = walk.check_inbox("thuongtruc", NotificationKind.PLAN_SUBMITTED, "Kế hoạch chờ phê duyệt")
    assert work_count(page, "thuongtruc", "plans_submitted") == before["plans_submitted"] + 1

    # 2) The standing committee approves (clicked, confirmed) → the office is told.
    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    page.get_by_test_id("step-approve").click()
    page.get_by_test_id("confirm").click()  # approving cannot be undone
    page.wait_for_url(f"**{plan.get_absolute_url()}")
    assert ContactPlan.objects.get(pk=plan.pk).status == PlanStatus.APPROVED
    page.goto(f"{live_server.url}/")
    assert work_count(page, "thuongtruc", "plans_submitted") == before["plans_submitted"]  # off its list
    walk.told(2, NotificationKind.PLAN_APPROVED, {"vanphong"})
    walk.check_untold("xa", "daibieu", "totruong")
    page = walk.check_inbox("vanphong", NotificationKind.PLAN_APPROVED, "Kế hoạch đã được duyệt")
    assert work_count(page, "vanphong", "plans_to_issue") == before["plans_to_issue"] + 1

    # 3) The office issues it (clicked, confirmed) → every group leader and delegate of the council is
    # told (plans.services: an issued plan concerns them all), the commune and the agency are not.
    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    page.fill("[name=issued_on]", timezone.localdate().isoformat())
    page.get_by_test_id("step-issue").click()
    page.get_by_test_id("confirm").click()
    page.wait_for_url(f"**{plan.get_absolute_url()}")
    assert ContactPlan.objects.get(pk=plan.pk).status == PlanStatus.ISSUED
    page.goto(f"{live_server.url}/")
    assert work_count(page, "vanphong", "plans_to_issue") == before["plans_to_issue"]
    walk.told(3, NotificationKind.PLAN_ISSUED, {"totruong", "daibieu"})
    walk.check_untold("xa", "coquan", "thuongtruc")
    page = walk.check_inbox("totruong", NotificationKind.PLAN_ISSUED, plan.subject)

    # 4) The group leader sends the group's petitions of the round (clicked) → the office is told,
    # and its "to classify" count goes up by what was sent.
    page.goto(f"{live_server.url}/petitions/submit/")
    page.get_by_test_id(f"submit-{group.pk}-{session.round_id}").click()
    page.wait_for_load_state()
    petition.refresh_from_db()
    assert petition.submission_id
    sent = Petition.objects.filter(submission_id=petition.submission_id).count()
    page.goto(f"{live_server.url}/")
    assert work_count(page, "totruong", "not_sent") == before["not_sent"] - sent  # off the leader's list
    walk.told(4, NotificationKind.PETITIONS_SUBMITTED, {"vanphong"})
    walk.check_untold("xa", "coquan", "daibieu")
    page = walk.check_inbox("vanphong", NotificationKind.PETITIONS_SUBMITTED,
                            f"{group.name} đã gửi {sent} kiến nghị đến Văn phòng")
    # The office's "Cần phân loại" does not go up here: the office may classify a petition as soon as it
    # is recorded (petitions.models.unclassified_q: status only, the dashboard's rule too), so it counted
    # this one already; sending tells the office (above). Asserted: the sent petitions are in it, and in
    # the list it links to.
    unclassified = work_count(page, "vanphong", "unclassified")
    assert unclassified == before["unclassified"] >= sent
    page.get_by_test_id("link-unclassified").click()
    page.wait_for_url("**state=unclassified*")
    assert page.locator(f"#sel-{petition.pk}").count() == 1

    # 5) The office classifies the petition to Sở Xây dựng and forwards it (clicked, confirmed)
    # → the agency is told and has one more to answer.
    page.goto(f"{live_server.url}/petitions/?round={session.round_id}&group={group.pk}&status=received")
    page.check(f"#sel-{petition.pk}")
    page.locator("[data-testid=bulk-actions] summary").click()
    page.select_option("#id_fields_", str(field.pk))
    page.select_option("#id_agency", str(construction.pk))
    page.get_by_role("button", name="Phân loại").click()
    page.wait_for_url("**/petitions/?round=*")
    assert Petition.objects.get(pk=petition.pk).status == PetitionStatus.CLASSIFIED
    page.goto(f"{live_server.url}/petitions/?status=classified")
    page.check(f"#sel-{petition.pk}")
    page.locator("[data-testid=bulk-actions] summary").click()
    page.get_by_role("button", name="Chuyển đến cơ quan trả lời").click()
    page.get_by_test_id("confirm").click()
    page.wait_for_url("**/petitions/?status=classified")
    petition.refresh_from_db()
    assert (petition.status, petition.agency_id) == (PetitionStatus.FORWARDED, construction.pk)
    walk.told(5, NotificationKind.PETITIONS_FORWARDED, {"coquan"})
    walk.check_untold("xa", "daibieu", "totruong")
    page = walk.check_inbox("coquan", NotificationKind.PETITIONS_FORWARDED, petition.public_code)
    assert work_count(page, "coquan", "to_answer") == before["to_answer"] + 1
    assert petition.public_code in page.get_by_test_id("item-to_answer").inner_text()

    # 6) The agency answers it on its answer page (clicked) → the office is told, one more to review.
    page.goto(f"{live_server.url}/petitions/agency/{petition.pk}/")
    page.check("input[name=outcome][value=resolved]")
    page.fill("textarea[name=text]", "Sở đã gia cố xong cầu dân sinh thôn Đông.")
    page.locator("form[data-testid=answer-form] button[type=submit]").click()
    page.wait_for_load_state()
    assert Petition.objects.get(pk=petition.pk).status == PetitionStatus.ANSWERED
    page.goto(f"{live_server.url}/")
    assert work_count(page, "coquan", "to_answer") == before["to_answer"]
    walk.told(6, NotificationKind.ANSWER_RECEIVED, {"vanphong"})
    walk.check_untold("xa", "daibieu", "thuongtruc")
    page = walk.check_inbox("vanphong", NotificationKind.ANSWER_RECEIVED, petition.public_code)
    assert work_count(page, "vanphong", "to_review") == before["to_review"] + 1

    # 7) The office accepts the answer and closes the petition (clicked, confirmed) → the group that
    # raised it is told (its leader; not the delegate of group 2, not the agency, not the commune).
    page.goto(f"{live_server.url}/petitions/{petition.pk}/")
    page.locator("form[action$='/close/'] button[type=submit]").click()
    page.get_by_test_id("confirm").click()
    page.wait_for_url(f"**/petitions/{petition.pk}/")
    assert Petition.objects.get(pk=petition.pk).status == PetitionStatus.CLOSED
    page.goto(f"{live_server.url}/")
    assert work_count(page, "vanphong", "to_review") == before["to_review"]
    from delegations.notify import group_members
    members = {user.username for user in group_members(group)} & set(USERS)
    assert "totruong" in members and "daibieu" not in members
    walk.told(7, NotificationKind.PETITION_CLOSED, members)
    walk.check_untold("xa", "coquan", "daibieu", "thuongtruc")
    walk.check_inbox("totruong", NotificationKind.PETITION_CLOSED, petition.public_code)
    assert walk.unread == {"vanphong": 3, "thuongtruc": 1, "totruong": 2, "daibieu": 1, "coquan": 1, "xa": 0}
