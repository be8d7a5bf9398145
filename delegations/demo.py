"""Demo data: the Bắc Ninh province council, some of its commune councils, delegate groups,
delegates, agencies and one user per role. Idempotent: running it twice changes nothing."""
import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import (
    Agency,
    AgencyLevel,
    CalendarDay,
    CalendarDayKind,
    Commune,
    CommuneKind,
    Council,
    CouncilLevel,
    Delegate,
    DelegateGroup,
    DelegateKind,
    ElectoralUnit,
    Membership,
    Role,
    Term,
)
from .services import set_vietnamese_name

DEMO_PASSWORD = "demo12345"

COMMUNES = [
    ("Kinh Bắc", CommuneKind.WARD), ("Võ Cường", CommuneKind.WARD), ("Vũ Ninh", CommuneKind.WARD),
    ("Hạp Lĩnh", CommuneKind.WARD), ("Từ Sơn", CommuneKind.WARD), ("Tam Sơn", CommuneKind.WARD),
    ("Tiên Du", CommuneKind.COMMUNE), ("Liên Bão", CommuneKind.COMMUNE), ("Yên Phong", CommuneKind.COMMUNE),
    ("Quế Võ", CommuneKind.WARD), ("Gia Bình", CommuneKind.COMMUNE), ("Lương Tài", CommuneKind.COMMUNE),
]
COMMUNE_COUNCILS = ["Kinh Bắc", "Tiên Du", "Từ Sơn"]

GROUPS = [
    ("Tổ đại biểu số 1", ["Kinh Bắc", "Võ Cường", "Vũ Ninh"]),
    ("Tổ đại biểu số 2", ["Hạp Lĩnh", "Quế Võ"]),
    ("Tổ đại biểu số 3", ["Từ Sơn", "Tam Sơn", "Tiên Du", "Liên Bão"]),
    ("Tổ đại biểu số 4", ["Yên Phong", "Gia Bình", "Lương Tài"]),
]

DELEGATES = [
    # name, kind, position, organisation, group index
    ("Nguyễn Anh Tuấn", DelegateKind.FULL_TIME, "Phó Chủ tịch HĐND tỉnh", "Thường trực HĐND tỉnh", 0),
    ("Trần Thị Thu Hà", DelegateKind.FULL_TIME, "Phó Trưởng Ban Văn hóa - Xã hội", "Ban Văn hóa - Xã hội HĐND tỉnh", 0),
    ("Lê Văn Hùng", DelegateKind.PART_TIME, "Giám đốc", "Sở Y tế", 0),
    ("Phạm Minh Đức", DelegateKind.FULL_TIME, "Trưởng Ban Kinh tế - Ngân sách", "Ban Kinh tế - Ngân sách HĐND tỉnh", 1),
    ("Ngô Thị Lan", DelegateKind.PART_TIME, "Hiệu trưởng", "Trường THPT Quế Võ số 1", 1),
    ("Đỗ Quang Vinh", DelegateKind.PART_TIME, "Chủ tịch UBND", "UBND phường Hạp Lĩnh", 1),
    ("Hoàng Văn Nam", DelegateKind.FULL_TIME, "Phó Trưởng Ban Pháp chế", "Ban Pháp chế HĐND tỉnh", 2),
    ("Vũ Thị Mai", DelegateKind.PART_TIME, "Bí thư Đảng ủy", "Đảng ủy phường Từ Sơn", 2),
    ("Bùi Đức Thắng", DelegateKind.PART_TIME, "Giám đốc", "Sở Xây dựng", 2),
    ("Đặng Thị Hương", DelegateKind.PART_TIME, "Chủ tịch Hội Nông dân", "Hội Nông dân tỉnh", 3),
    ("Nguyễn Văn Thành", DelegateKind.PART_TIME, "Giám đốc", "Công ty CP Dabaco", 3),
    ("Trịnh Thị Ngọc", DelegateKind.FULL_TIME, "Chánh Văn phòng", "Văn phòng Đoàn ĐBQH và HĐND tỉnh", 3),
]

PROVINCE_AGENCIES = [
    ("Ủy ban nhân dân tỉnh Bắc Ninh", "UBND tỉnh", AgencyLevel.PROVINCE),
    ("Sở Xây dựng", "Sở Xây dựng", AgencyLevel.PROVINCE),
    ("Sở Nông nghiệp và Môi trường", "Sở NN&MT", AgencyLevel.PROVINCE),
    ("Sở Y tế", "Sở Y tế", AgencyLevel.PROVINCE),
    ("Sở Giáo dục và Đào tạo", "Sở GD&ĐT", AgencyLevel.PROVINCE),
    ("Sở Tài chính", "Sở Tài chính", AgencyLevel.PROVINCE),
    ("Công an tỉnh", "Công an tỉnh", AgencyLevel.PROVINCE),
    ("Bộ Xây dựng", "Bộ Xây dựng", AgencyLevel.CENTRAL),
    ("Bộ Nông nghiệp và Môi trường", "Bộ NN&MT", AgencyLevel.CENTRAL),
    ("Ủy ban nhân dân phường Kinh Bắc", "UBND phường Kinh Bắc", AgencyLevel.COMMUNE),
    ("Ủy ban nhân dân xã Tiên Du", "UBND xã Tiên Du", AgencyLevel.COMMUNE),
    ("Ủy ban nhân dân phường Từ Sơn", "UBND phường Từ Sơn", AgencyLevel.COMMUNE),
]


def _user(username, full_name, email, *, superuser=False):
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username)
    if created:
        set_vietnamese_name(user, full_name)
        user.email = email
        user.is_staff = user.is_superuser = superuser
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _member(user, council, role, **extra):
    Membership.objects.get_or_create(user=user, council=council, defaults={"role": role, **extra})


@transaction.atomic
def load_demo():
    province, _ = Council.objects.get_or_create(
        name="HĐND tỉnh Bắc Ninh",
        defaults={
            "level": CouncilLevel.PROVINCE, "place_name": "Bắc Ninh",
            "issuing_body_lines": "HỘI ĐỒNG NHÂN DÂN\nTỈNH BẮC NINH",
            "email": "vp.hdnd@bacninh.gov.vn", "phone": "0222 3822 541",
            "address": "Số 10 đường Phù Đổng Thiên Vương, phường Kinh Bắc, tỉnh Bắc Ninh",
        },
    )
    Term.objects.get_or_create(council=province, name="Khóa XIX", defaults={"start_year": 2021, "end_year": 2026})
    term, _ = Term.objects.get_or_create(
        council=province, name="Khóa XX", defaults={"start_year": 2026, "end_year": 2031, "is_current": True}
    )

    communes = {}
    for index, (name, kind) in enumerate(COMMUNES, start=1):
        communes[name], _ = Commune.objects.get_or_create(
            council=province, name=name,
            defaults={"kind": kind, "code": f"BN{index:03d}"},
        )
    commune_councils = {}
    for name in COMMUNE_COUNCILS:
        kind = communes[name].kind
        prefix = "phường" if kind == CommuneKind.WARD else "xã"
        council, _ = Council.objects.get_or_create(
            name=f"HĐND {prefix} {name}",
            defaults={
                "level": CouncilLevel.COMMUNE, "parent": province, "place_name": name,
                "issuing_body_lines": f"HỘI ĐỒNG NHÂN DÂN\n{prefix.upper()} {name.upper()}",
            },
        )
        commune_councils[name] = council
        if communes[name].own_council_id is None:
            communes[name].own_council = council
            communes[name].save(update_fields=["own_council"])

    units = {}
    for number, (_group_name, covered) in enumerate(GROUPS, start=1):
        unit, created = ElectoralUnit.objects.get_or_create(
            council=province, term=term, number=number,
            defaults={"name": f"Đơn vị bầu cử số {number}: {', '.join(covered)}", "seats": 3},
        )
        if created:
            unit.communes.set([communes[c] for c in covered])
        units[number] = unit

    groups = []
    for group_name, covered in GROUPS:
        group, created = DelegateGroup.objects.get_or_create(council=province, term=term, name=group_name)
        if created:
            group.communes.set([communes[c] for c in covered])
        groups.append(group)

    delegates = []
    for index, (name, kind, position, organisation, group_index) in enumerate(DELEGATES):
        delegate, _ = Delegate.objects.get_or_create(
            council=province, term=term, full_name=name, phone=f"09120000{index:02d}",
            defaults={
                "kind": kind, "position": position, "organisation": organisation,
                "email": f"daibieu{index:02d}@bacninh.gov.vn",
                "group": groups[group_index], "electoral_unit": units[group_index + 1],
            },
        )
        delegates.append(delegate)
    for group_index, group in enumerate(groups):
        members = [d for d, row in zip(delegates, DELEGATES, strict=True) if row[4] == group_index]
        if group.leader_id is None:
            group.leader, group.deputy = members[0], members[1]
            group.save(update_fields=["leader", "deputy"])

    agencies = {}
    for name, short, level in PROVINCE_AGENCIES:
        agencies[short], _ = Agency.objects.get_or_create(
            council=province, name=name, defaults={"short_name": short, "level": level}
        )
    for short in ("Sở Xây dựng", "Sở NN&MT", "Sở Y tế", "Sở GD&ĐT", "Sở Tài chính", "Công an tỉnh"):
        if agencies[short].parent_id is None:
            agencies[short].parent = agencies["UBND tỉnh"]
            agencies[short].save(update_fields=["parent"])

    # The Tiên Du commune council: its own term, group, delegates and People's Committee.
    tien_du = commune_councils["Tiên Du"]
    commune_term, _ = Term.objects.get_or_create(
        council=tien_du, name="Khóa I", defaults={"start_year": 2026, "end_year": 2031, "is_current": True}
    )
    Commune.objects.get_or_create(council=tien_du, name="Tiên Du", defaults={"kind": CommuneKind.COMMUNE})
    commune_group, _ = DelegateGroup.objects.get_or_create(council=tien_du, term=commune_term, name="Tổ đại biểu thôn Đông")
    for index, name in enumerate(["Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Thị Cúc"]):
        Delegate.objects.get_or_create(
            council=tien_du, term=commune_term, full_name=name, phone=f"09130000{index:02d}",
            defaults={"kind": DelegateKind.PART_TIME, "group": commune_group, "position": "Đại biểu HĐND xã"},
        )
    Agency.objects.get_or_create(
        council=tien_du, name="Ủy ban nhân dân xã Tiên Du",
        defaults={"short_name": "UBND xã Tiên Du", "level": AgencyLevel.COMMUNE},
    )

    CalendarDay.objects.get_or_create(
        council=province, date=datetime.date(2026, 12, 31),
        defaults={"kind": CalendarDayKind.DAY_OFF, "reason": "Nghỉ tổng kết năm (ví dụ do Văn phòng thêm)"},
    )

    _member(_user("vanphong", "Trịnh Thị Ngọc", "vanphong@example.vn"), province, Role.OFFICE)
    _member(_user("thuongtruc", "Nguyễn Anh Tuấn", "thuongtruc@example.vn"), province, Role.STANDING)
    leader_user = _user("totruong", "Nguyễn Anh Tuấn", "totruong@example.vn")
    _member(leader_user, province, Role.GROUP_LEADER, group=groups[0])
    delegate_user = _user("daibieu", "Phạm Minh Đức", "daibieu@example.vn")
    _member(delegate_user, province, Role.DELEGATE, group=groups[1])
    for user, delegate in ((leader_user, delegates[0]), (delegate_user, delegates[3])):
        if delegate.user_id is None and not Delegate.objects.filter(user=user).exists():
            delegate.user = user
            delegate.save(update_fields=["user"])
    _member(_user("coquan", "Bùi Văn Long", "coquan@example.vn"), province, Role.AGENCY,
            agency=agencies["Sở Xây dựng"])
    _member(_user("xa", "Nguyễn Thị Hoa", "xa@example.vn"), tien_du, Role.OFFICE)
    _user("admin", "Quản trị hệ thống", "admin@example.vn", superuser=True)
    return province
