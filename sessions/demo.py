"""Demo meetings: the year-end 2026 round of the Bắc Ninh province council (a plan copied from the
mid-year one and issued), with meetings of its groups in their communes — so the public schedule
and the iCal feed have entries. Idempotent. Runs after plans/demo.py."""
import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction

from delegations.models import Council, DelegateGroup, Term
from plans import services as plan_services
from plans.models import ContactPlan, RoundKind, Sitting, SittingKind

from .models import ContactSession, MeetingFormat, MeetingKind

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR_END_2026 = {"number": 3, "opens_on": datetime.date(2026, 12, 8), "closes_on": datetime.date(2026, 12, 10)}
BEFORE_ROUND = (datetime.date(2026, 11, 2), datetime.date(2026, 12, 1))
VENUES = ["Nhà văn hóa khu phố", "Hội trường UBND", "Nhà văn hóa thôn"]


@transaction.atomic
def load_demo():
    province = Council.objects.get(name="HĐND tỉnh Bắc Ninh")
    users = get_user_model().objects.in_bulk(["vanphong", "thuongtruc"], field_name="username")
    office, standing = users["vanphong"], users["thuongtruc"]
    term = Term.objects.get(council=province, name="Khóa XX")
    sitting, _created = Sitting.objects.get_or_create(
        council=province, term=term, number=YEAR_END_2026["number"],
        defaults={"kind": SittingKind.REGULAR_YEAR_END, "opens_on": YEAR_END_2026["opens_on"],
                  "closes_on": YEAR_END_2026["closes_on"]},
    )
    plan = ContactPlan.objects.filter(sitting=sitting).first()
    if plan is None:
        source = ContactPlan.objects.filter(council=province, number__isnull=False).order_by("pk").first()
        plan = plan_services.plan_copy(source=source, sitting=sitting, user=office)
        before = plan.rounds.get(kind=RoundKind.BEFORE_SITTING)
        before.starts_on, before.ends_on = BEFORE_ROUND
        before.save(update_fields=["starts_on", "ends_on"])
        plan.subject = plan.subject.replace("giữa năm 2026", "cuối năm 2026")
        plan.save(update_fields=["subject"])
        plan_services.plan_changed(plan=plan)
        for step, user in (("submit", office), ("approve", standing), ("issue", office), ("publish", office)):
            plan = plan_services.plan_transition(plan=plan, user=user, step=step,
                                                 issued_on=datetime.date(2026, 10, 15))
    before = plan.rounds.get(kind=RoundKind.BEFORE_SITTING)
    if before.sessions.exists():
        return f"{before.sessions.count()} meetings in {before}"
    day = datetime.date(2026, 11, 24)
    for index, group in enumerate(DelegateGroup.objects.filter(council=province, term=term).order_by("name")):
        members = list(group.members.all()[:3])
        for offset, commune in enumerate(group.communes.order_by("name")[:2]):
            meeting_day = day + datetime.timedelta(days=index + offset * 3)
            session = ContactSession.objects.create(
                council=province, round=before, group=group, commune=commune,
                starts_at=datetime.datetime.combine(meeting_day, datetime.time(8 if offset == 0 else 14), HANOI),
                venue=f"{VENUES[(index + offset) % len(VENUES)]} {commune}",
                format=MeetingFormat.HYBRID if offset else MeetingFormat.IN_PERSON,
                online_link="https://hop.bacninh.gov.vn/txct" if offset else "",
                kind=MeetingKind.PERIODIC,
                content="Thông báo dự kiến nội dung, chương trình kỳ họp thường lệ cuối năm 2026; "
                        "báo cáo kết quả giải quyết kiến nghị cử tri; lắng nghe ý kiến, kiến nghị của cử tri.",
                invited="Ủy ban MTTQ Việt Nam phường, xã\nLãnh đạo UBND phường, xã\nBáo và Phát thanh, Truyền hình Bắc Ninh",
                expected_voters=120,
            )
            session.delegates.set(members)
    return f"{before.sessions.count()} meetings in {before}"
