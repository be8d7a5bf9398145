"""Builders shared by the plans tests (and the others that need a plan): a sitting and a plan written
straight to the database, and the plan create form's POST."""
import datetime

from plans.models import ContactPlan, PlanStatus, Sitting, SittingKind

D = datetime.date


def make_sitting(world, number=1, opens=None, closes=None, kind=SittingKind.REGULAR_YEAR_END):
    """Sitting `number` of the world's term, 8–10/12/2025 unless `opens`/`closes` are given."""
    return Sitting.objects.create(council=world.council, term=world.term, number=number, kind=kind,
                                  opens_on=opens or D(2025, 12, 8), closes_on=closes or D(2025, 12, 10))


def make_plan(council, *, year=2025, status=PlanStatus.DRAFT, sitting=None, **fields):
    """A ContactPlan of `council` with a signer, closing and recipients filled in; `fields` add or replace."""
    values = {"subject": "Tiếp xúc cử tri của đại biểu HĐND tỉnh\ntrước và sau kỳ họp thường lệ cuối năm 2025",
              "closing": "Trên đây là Kế hoạch TXCT.", "signer_name": "Nguyễn Anh Tuấn",
              "signing_on_behalf": "KT. CHỦ TỊCH", "signer_position": "PHÓ CHỦ TỊCH",
              "recipients": "Thường trực HĐND tỉnh;\nLưu: VT, TTDN.", **fields}
    return ContactPlan.objects.create(council=council, year=year, status=status, sitting=sitting, **values)


SUBJECT = "Tiếp xúc cử tri của đại biểu HĐND tỉnh\r\ntrước và sau kỳ họp thường lệ cuối năm 2025"


def new_plan_data(world, sitting, *, assignments=(), **overrides):
    """The create form's POST: the plan, one empty round form (so the rounds are proposed) and the
    assignments given followed by one empty form, as the page offers them."""
    data = {
        "council": world.council.pk, "scope": "sitting", "sitting": sitting.pk, "year": 2025,
        "subject": SUBJECT,
        "legal_bases": "Thực hiện Luật Tổ chức chính quyền địa phương năm 2025;",
        "preset": "current", "closing": "Trên đây là Kế hoạch TXCT.",
        "contact_person": "Nguyễn Văn A", "contact_phone": "0222 3822 123",
        "recipients": "Thường trực HĐND tỉnh;\r\nLưu: VT, TTDN.",
        "signing_authority": "TM. THƯỜNG TRỰC HĐND", "signing_on_behalf": "KT. CHỦ TỊCH",
        "signer_position": "PHÓ CHỦ TỊCH", "signer_name": "Nguyễn Anh Tuấn",
        "rounds-TOTAL_FORMS": "1", "rounds-INITIAL_FORMS": "0", "rounds-MIN_NUM_FORMS": "0",
        "rounds-MAX_NUM_FORMS": "1000",
        "rounds-0-id": "", "rounds-0-kind": "", "rounds-0-sitting": "", "rounds-0-topic": "", "rounds-0-starts_on": "",
        "rounds-0-ends_on": "",
        "assignments-TOTAL_FORMS": str(len(assignments) + 1), "assignments-INITIAL_FORMS": "0",
        "assignments-MIN_NUM_FORMS": "0", "assignments-MAX_NUM_FORMS": "1000",
        **overrides,
    }
    empty = {"id": "", "lead": "", "text": "", "responsible_kind": "", "agency": "",
             "due_kind": "", "due_date": "", "due_amount": "", "due_unit": "days", "due_round": ""}
    for index, item in enumerate([*assignments, {}]):
        for name, value in {**empty, **item}.items():
            data[f"assignments-{index}-{name}"] = value
    return data


ASSIGNMENT_UBND = {"order": "1", "lead": "Đề nghị UBND tỉnh", "responsible_kind": "agency",
                   "text": "xây dựng Báo cáo tóm tắt tình hình kinh tế - xã hội 10 tháng năm 2025.",
                   "due_kind": "date", "due_date": "2025-10-31"}
