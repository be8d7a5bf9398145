"""Demo data of the plans app: the year-end 2025 sitting of the Bắc Ninh province council (Khóa XIX)
and its voter-contact plan, entered exactly as seed 000 (a draft: no number, no day), with its two
rounds and five assignments; and, so that the public page has an entry, the same plan copied to
the mid-year 2026 sitting of Khóa XX, reworded for it and taken through the whole workflow.

Runs after delegations/demo.py (which creates the council, its terms, agencies and users) and is
idempotent: a sitting that already has a plan is left as it is. Rendering is not done here: the
services dispatch the render task after commit, and the worker renders."""
import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from delegations.models import Agency, Council, Term

from . import services
from .models import (
    Assignment,
    AssignmentDue,
    ContactPlan,
    ContactRound,
    DueKind,
    DueUnit,
    PlanScope,
    ResponsibleKind,
    RoundKind,
    Sitting,
    SittingKind,
)
from .outline import text_to_html
from .outline_services import outline_build
from .presets import PRESETS

PROVINCE = "HĐND tỉnh Bắc Ninh"

# The sittings' numbers are illustrative; the dates fit seed 000: contact before the sitting runs
# "from 03/11/2025 to before 21/11/2025", and after it "starts right after the sitting closes".
YEAR_END_2025 = {"number": 30, "opens_on": datetime.date(2025, 12, 8), "closes_on": datetime.date(2025, 12, 10)}
MID_YEAR_2026 = {"number": 2, "opens_on": datetime.date(2026, 7, 7), "closes_on": datetime.date(2026, 7, 9)}
BEFORE_ROUND = (datetime.date(2025, 11, 3), datetime.date(2025, 11, 20))
AFTER_ROUND_DAYS = 15  # after-sitting contact: from the day after the sitting closes, within 15 days

# Seed 000, one paragraph a line, as printed. The outline (plans.presets "current") gives the part
# and section headings (I. MỤC ĐÍCH, YÊU CẦU; 1. Mục đích; …; III. TỔ CHỨC THỰC HIỆN) around these.
SEED_000 = {
    "subject": "Tiếp xúc cử tri của đại biểu HĐND tỉnh\n"
               "trước và sau kỳ họp thường lệ cuối năm 2025",
    "legal_bases": (
        "Thực hiện Luật Tổ chức chính quyền địa phương năm 2025; Nghị quyết liên tịch số "
        "72/2025/NQLT/UBTVQH15-CP- ĐCTUBTW MTTQVN ngày 20/02/2025 của Ủy ban Thường vụ Quốc hội, Chính phủ "
        "và Đoàn Chủ tịch Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam quy định chi tiết việc tổ chức tiếp "
        "xúc cử tri của đại biểu Quốc hội và đại biểu Hội đồng nhân dân các cấp; Chương trình công tác 6 "
        "tháng cuối năm, Thường trực HĐND tỉnh xây dựng Kế hoạch tiếp xúc cử tri (TXCT) trước và sau kỳ họp "
        "thường lệ cuối năm 2025 như sau:"
    ),
    "purpose": "\n".join([
        "- Nâng cao chất lượng, hiệu quả hoạt động TXCT của đại biểu HĐND tỉnh và phát huy vai trò, trách "
        "nhiệm của đại biểu HĐND tỉnh trong công tác TXCT; gắn bó chặt chẽ mối quan hệ giữa đại biểu HĐND "
        "tỉnh với cử tri.",
        "- Xác định rõ vai trò, trách nhiệm của Tổ đại biểu HĐND tỉnh, Thường trực HĐND tỉnh, Ban Thường "
        "trực Ủy ban MTTQ tỉnh và các cơ quan, tổ chức có liên quan trong công tác tổ chức TXCT.",
    ]),
    "requirements": "\n".join([
        "- Việc TXCT của đại biểu HĐND tỉnh thực hiện theo nguyên tắc dân chủ, công khai, đảm bảo thiết "
        "thực, hiệu quả.",
        "- Chương trình, nội dung, thành phần, thời gian, địa điểm TXCT được thông báo rộng rãi trên các "
        "phương tiện thông tin đại chúng ở địa phương.",
        "- Kiến nghị của cử tri phải được tổng hợp và xử lý theo quy định.",
    ]),
    "content_before": "\n".join([
        "- Thông báo dự kiến nội dung, chương trình kỳ họp;",
        "- Báo cáo kết quả giải quyết các kiến nghị của cử tri;",
        "- Báo cáo kết quả thực hiện các nghị quyết của HĐND tỉnh về nhiệm vụ phát triển kinh tế - xã hội, "
        "đảm bảo quốc phòng, an ninh ở địa phương;",
        "- Báo cáo kết quả hoạt động trong năm của đại biểu HĐND tỉnh;",
        "- Tổng hợp kiến nghị, nguyện vọng của cử tri về những vấn đề thuộc chương trình, nội dung kỳ họp; "
        "kiến nghị của cử tri với HĐND tỉnh và các cơ quan nhà nước hữu quan ở địa phương.",
    ]),
    "content_after": "\n".join([
        "- Báo cáo kết quả kỳ họp;",
        "- Tuyên truyền, giải thích và vận động nhân dân thực hiện các nghị quyết đã được HĐND tỉnh thông "
        "qua tại kỳ họp.",
    ]),
    "participants": "\n".join([
        "- Đại biểu HĐND tỉnh ứng cử tại địa bàn;",
        "- Đại diện Thường trực Đảng ủy, Thường trực HĐND, Lãnh đạo UBND, Ủy ban MTTQVN, các tổ chức thành "
        "viên của MTTQVN các xã, phường và đại diện cử tri làm việc, học tập, sinh sống tại các cơ quan, tổ "
        "chức, đơn vị trên địa bàn ...",
    ]),
    "timing": "\n".join([
        "- Đại biểu HĐND tỉnh TXCT trước Kỳ họp thường lệ cuối năm: bắt đầu từ ngày 03/11/2025 đến trước "
        "ngày 21/11/2025.",
        "- Đại biểu HĐND tỉnh TXCT sau Kỳ họp thường lệ cuối năm: bắt đầu ngay sau khi kết thúc kỳ họp.",
    ]),
    "place": (
        "- Các Tổ đại biểu HĐND tỉnh lựa chọn địa điểm, hình thức tổ chức TXCT trước và sau kỳ họp HĐND tỉnh "
        "phù hợp tình hình thực tế tại địa phương."
    ),
}
# The text of seed 000's sections, by the title of its section in the "current" outline (plans.presets).
SEED_000_SECTIONS = {
    "Mục đích": SEED_000.pop("purpose"),
    "Yêu cầu": SEED_000.pop("requirements"),
    "Nội dung tiếp xúc cử tri trước kỳ họp": SEED_000.pop("content_before"),
    "Nội dung tiếp xúc cử tri sau kỳ họp": SEED_000.pop("content_after"),
    "Thành phần": SEED_000.pop("participants"),
    "Thời gian": SEED_000.pop("timing"),
    "Địa điểm": SEED_000.pop("place"),
}
SEED_000 |= {
    "recipients": "\n".join([
        "Thường trực HĐND tỉnh;",
        "UBND, UBMTTQ, Đoàn ĐBQH tỉnh;",
        "Văn phòng UBND tỉnh;",
        "Tổ trưởng các Tổ đại biểu HĐND tỉnh;",
        "Các vị đại biểu HĐND tỉnh;",
        "Thường trực HĐND, UBND các xã, phường;",
        "Báo và PTTT Bắc Ninh;",
        "Trung tâm thông tin-Văn phòng UBND tỉnh;",
        "Lãnh đạo, chuyên viên Văn phòng;",
        "Công TTĐT Đoàn ĐBQH & HĐND tỉnh Bắc Ninh;",
        "Lưu: VT, TTDN.",
    ]),
    "signing_authority": "TM. THƯỜNG TRỰC HĐND",
    "signing_on_behalf": "KT. CHỦ TỊCH",
    "signer_position": "PHÓ CHỦ TỊCH",
    "signer_name": "Nguyễn Anh Tuấn",
}

# Part III of seed 000: the bold opening words, the rest, who answers for it, and when.
SEED_000_ASSIGNMENTS = [
    {
        "lead": "Đề nghị UBND tỉnh",
        "text": "xây dựng Báo cáo tóm tắt tình hình, kết quả thực hiện kế hoạch phát triển kinh tế - xã hội 10 "
                "tháng năm 2025; nhiệm vụ chủ yếu những tháng còn lại năm 2025 gửi về Thường trực HĐND tỉnh "
                "trước ngày 31/10/2025 để phục vụ đại biểu HĐND tỉnh TXCT theo quy định.",
        "responsible_kind": ResponsibleKind.AGENCY, "agency": "Ủy ban nhân dân tỉnh Bắc Ninh",
        "dues": [{"kind": DueKind.DATE, "date": datetime.date(2025, 10, 31)}],
    },
    {
        "lead": "Đề nghị Ban Thường trực Ủy ban Mặt trận Tổ quốc tỉnh",
        "text": "chỉ đạo, hướng dẫn, đôn đốc Ban Thường trực Ủy ban Mặt trận Tổ quốc các xã, phường phối hợp "
                "với Tổ trưởng các Tổ đại biểu HĐND tỉnh, Thường trực HĐND, UBND các xã, phường tổ chức hội "
                "nghị TXCT ở địa phương bảo đảm chất lượng, hiệu quả.",
        "responsible_kind": ResponsibleKind.FRONT,
    },
    {
        "lead": "Đề nghị các Tổ đại biểu HĐND tỉnh",
        "text": "\n".join([
            "- Phối hợp với Thường trực HĐND, Ủy ban nhân dân, Ban Thường trực Ủy ban Mặt trận Tổ quốc các "
            "xã, phường xây dựng kế hoạch, phân công và tổ chức cho đại biểu HĐND tỉnh TXCT tại các địa "
            "phương trước và sau Kỳ họp thường lệ cuối năm HĐND tỉnh. Căn cứ tình hình thực tế, Tổ trưởng "
            "các Tổ đại biểu HĐND tỉnh chủ động mời Lãnh đạo UBND tỉnh dự hội nghị TXCT tại địa phương.",
            "- Chủ trì, phối hợp với Ủy ban MTTQ các xã, phường tổng hợp ý kiến, kiến nghị của cử tri, cụ "
            "thể:",
            "+ Những kiến nghị thuộc thẩm quyền cấp xã, Tổ đại biểu HĐND tỉnh tổng hợp gửi về UBND cấp xã; "
            "theo dõi, đôn đốc, giám sát việc giải quyết; đồng thời thông báo với cử tri kết quả giải quyết "
            "của UBND cấp xã tại các hội nghị TXCT của đại biểu HĐND tỉnh.",
            "+ Những kiến nghị thuộc thẩm quyền Trung ương và tỉnh, Tổ đại biểu HĐND tỉnh tổng hợp gửi về "
            "Thường trực HĐND tỉnh chậm nhất 03 ngày làm việc sau ngày kết thúc TXCT trước và sau Kỳ họp "
            "thường lệ cuối năm.",
        ]),
        "responsible_kind": ResponsibleKind.GROUPS,
        "dues": [{"kind": DueKind.AFTER_ROUND, "amount": 3, "unit": DueUnit.WORKING_DAYS,
                  "round": RoundKind.BEFORE_SITTING}],
    },
    {
        "lead": "Đề nghị Thường trực HĐND, Chủ tịch UBND các xã, phường",
        "text": "phối hợp với Tổ trưởng các Tổ đại biểu HĐND tỉnh tổ chức cho đại biểu HĐND tỉnh TXCT, phân "
                "công lãnh đạo tham dự các hội nghị TXCT để giải quyết và trả lời kiến nghị của cử tri thuộc "
                "thẩm quyền.",
        "responsible_kind": ResponsibleKind.COMMUNES,
    },
    {
        "lead": "Giao Văn phòng Đoàn ĐBQH và HĐND tỉnh",
        "text": "bố trí công chức phục vụ các buổi TXCT của Thường trực HĐND tỉnh; đôn đốc, kiểm tra việc tổ "
                "chức thực hiện Kế hoạch này; tổng hợp ý kiến, kiến nghị của cử tri, tham mưu giúp Thường trực "
                "HĐND tỉnh xây dựng báo cáo trình HĐND tỉnh theo quy định./.",
        "responsible_kind": ResponsibleKind.OFFICE,
    },
]

# The copy for the mid-year 2026 sitting: what the office rewords before submitting it.
MID_YEAR_WORDING = [
    ("Chương trình công tác 6 tháng cuối năm", "Chương trình công tác 6 tháng đầu năm"),
    ("cuối năm 2025", "giữa năm 2026"),
    ("Kỳ họp thường lệ cuối năm", "Kỳ họp thường lệ giữa năm"),
    ("10 tháng năm 2025; nhiệm vụ chủ yếu những tháng còn lại năm 2025",
     "6 tháng đầu năm 2026; nhiệm vụ chủ yếu 6 tháng cuối năm 2026"),
    ("<li>Báo cáo kết quả hoạt động trong năm của đại biểu HĐND tỉnh;</li>", ""),  # the yearly report is for year-end
]
MID_YEAR_ISSUED_ON = datetime.date(2026, 5, 20)


def _user(username):
    return get_user_model().objects.get(username=username)


def _year_end_plan(province, office):
    term = Term.objects.get(council=province, name="Khóa XIX")
    sitting, _created = Sitting.objects.get_or_create(
        council=province, term=term, number=YEAR_END_2025["number"],
        defaults={"kind": SittingKind.REGULAR_YEAR_END, "opens_on": YEAR_END_2025["opens_on"],
                  "closes_on": YEAR_END_2025["closes_on"]},
    )
    plan = ContactPlan.objects.filter(council=province, sitting=sitting).order_by("pk").first()
    if plan is not None:
        return plan, False
    plan = ContactPlan.objects.create(council=province, scope=PlanScope.SITTING, sitting=sitting, year=2025,
                                      created_by=office, **SEED_000)
    rounds = {
        RoundKind.BEFORE_SITTING: ContactRound.objects.create(
            plan=plan, sitting=sitting, kind=RoundKind.BEFORE_SITTING,
            starts_on=BEFORE_ROUND[0], ends_on=BEFORE_ROUND[1], window_manual=True),  # as seed 000 types it
        RoundKind.AFTER_SITTING: ContactRound.objects.create(
            plan=plan, sitting=sitting, kind=RoundKind.AFTER_SITTING,
            starts_on=sitting.closes_on + datetime.timedelta(days=1),
            ends_on=sitting.closes_on + datetime.timedelta(days=AFTER_ROUND_DAYS)),
    }
    outline_build(plan, PRESETS["current"][1])
    for section in plan.sections.all():
        if section.title in SEED_000_SECTIONS:
            section.body_html = text_to_html(SEED_000_SECTIONS[section.title])
            section.save(update_fields=["body_html"])
    for order, item in enumerate(SEED_000_ASSIGNMENTS, start=1):
        item = dict(item)
        agency = Agency.objects.get(council=province, name=item.pop("agency")) if "agency" in item else None
        dues = item.pop("dues", [])
        assignment = Assignment.objects.create(plan=plan, order=order, agency=agency, **item)
        for due in dues:
            AssignmentDue.objects.create(assignment=assignment, **{**due, "round": rounds.get(due.get("round"))})
    services.plan_created(plan=plan, user=office)
    # Due dates through plan_resolve_dues, and the render task sent after commit (the worker renders).
    services.plan_changed(plan=plan)
    return plan, True


def _reword(text):
    for old, new in MID_YEAR_WORDING:
        text = text.replace(old, new)
    return text


def _mid_year_plan(province, source, office, standing):
    term = Term.objects.get(council=province, name="Khóa XX")
    sitting, _created = Sitting.objects.get_or_create(
        council=province, term=term, number=MID_YEAR_2026["number"],
        defaults={"kind": SittingKind.REGULAR_MID_YEAR, "opens_on": MID_YEAR_2026["opens_on"],
                  "closes_on": MID_YEAR_2026["closes_on"]},
    )
    plan = ContactPlan.objects.filter(council=province, sitting=sitting).order_by("pk").first()
    if plan is not None:
        return plan, False
    plan = services.plan_copy(source=source, sitting=sitting, user=office)
    # The office rewords the copy for its sitting: the subject, the windows, the report asked for.
    before = plan.rounds.get(kind=RoundKind.BEFORE_SITTING)
    fields = ["subject", "legal_bases"]
    for name in fields:
        setattr(plan, name, _reword(getattr(plan, name)))
    plan.save(update_fields=fields)
    for section in plan.sections.all():
        body = _reword(section.body_html).replace(
            "bắt đầu từ ngày 03/11/2025 đến trước ngày 21/11/2025",
            f"bắt đầu từ ngày {before.starts_on:%d/%m/%Y} đến trước ngày "
            f"{before.ends_on + datetime.timedelta(days=1):%d/%m/%Y}",
        )
        if body != section.body_html:
            section.body_html = body
            section.save(update_fields=["body_html"])
    for item in plan.assignments.prefetch_related("dues"):
        text = _reword(item.text)
        for due in item.dues.all():
            if due.kind == DueKind.DATE and due.date:
                text = text.replace("31/10/2025", f"{due.date:%d/%m/%Y}")
        if text != item.text:
            item.text = text
            item.save(update_fields=["text"])
    services.plan_changed(plan=plan)
    for step, user in (("submit", office), ("approve", standing), ("issue", office), ("publish", office)):
        plan = services.plan_transition(plan=plan, user=user, step=step, issued_on=MID_YEAR_ISSUED_ON)
    return plan, True


@transaction.atomic
def load_demo():
    province = Council.objects.get(name=PROVINCE)
    office, standing = _user("vanphong"), _user("thuongtruc")
    draft, draft_created = _year_end_plan(province, office)
    published, published_created = _mid_year_plan(province, draft, office, standing)
    made = sum([draft_created, published_created])
    return (f"{ContactPlan.objects.filter(council=province).count()} contact plans of {province}: "
            f"the year-end 2025 plan of seed 000 ({draft.get_status_display().lower()}, "
            f"{draft.assignments.count()} assignments) and the mid-year 2026 plan "
            f"{published.number or 0:02d}/{ContactPlan.TYPE_CODE}-{province.document_symbol} "
            f"({published.get_status_display().lower()}); {made} created now")
