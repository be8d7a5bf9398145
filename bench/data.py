"""The province-scale data set of the benchmark, built on PostgreSQL.

One province council and 100 commune councils, 2,500 delegates in 300 groups, 325 agencies, 1,010
fields, 808 rounds (eight a council: two sittings a year for two years, before and after each),
20,000 meetings (the organisation through the ORM's bulk_create: a few thousand
rows), then N petitions in every state with their fields, voters, forwardings, answers, timeline
steps and first history record, generated inside PostgreSQL with INSERT … SELECT over
generate_series (a million rows take minutes, not hours). The texts come from a pool of Vietnamese
phrases, each folded once in Python the way delegations.text.fold folds it, so `search_text` is what
the app itself would have stored.

The random draws are seeded: the same N gives the same rows. Every column a statement does not name
is filled with its model field's default (or NULL), so a column added to a model later does not break
the build; a NOT NULL column without a default stops it with its name.

Dates are relative to the day of the run: the latest round ended 15 days ago (its petitions are being
classified, forwarded, some already answered); the seven before it ended every 90 days before that
(their petitions mostly answered or closed, the ones still forwarded are overdue)."""
import datetime
import time

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from delegations.models import (
    Agency,
    AgencyLevel,
    Commune,
    CommuneKind,
    Council,
    CouncilLevel,
    DeadlineRules,
    Delegate,
    DelegateGroup,
    DelegateKind,
    Membership,
    Role,
    Term,
)
from delegations.text import fold
from petitions.models import Answer, Forwarding, Petition, PetitionEvent, PetitionField, PetitionVoter
from plans.models import ContactPlan, ContactRound, PlanScope, PlanStatus, RoundKind
from sessions.models import ContactSession, MeetingStatus

PASSWORD = "bench-password-2026"
USERS = {"province": "bench_province", "commune": "bench_commune", "agency": "bench_agency"}

COMMUNES = 100
PROVINCE_DELEGATES, COMMUNE_DELEGATES = 100, 24          # 100 + 100 × 24 = 2,500
PROVINCE_GROUPS = 50                                      # + 100 communes × 2 or 3 = 300 groups
PROVINCE_DEPARTMENTS, CENTRAL_AGENCIES, COMMUNE_AGENCIES = 20, 5, 3
# Meetings per group in each of the eight rounds (latest first): the province's 50 groups 160 each,
# the communes' 250 groups 40 (three a commune) or 60 (two): 8,000 + 6,000 + 6,000 = 20,000.
PROVINCE_MEETINGS = (26, 19, 19, 19, 19, 19, 19, 20)
COMMUNE_MEETINGS = {3: (7, 5, 5, 5, 5, 5, 4, 4), 2: (10, 7, 7, 7, 7, 7, 7, 8)}
ROUND_ENDS_DAYS_AGO = (15, 105, 195, 285, 375, 465, 555, 645)
ROUND_DAYS = 30

FIELDS = [
    ("Giao thông", "Ban Kinh tế - Ngân sách"), ("Nông nghiệp", "Ban Kinh tế - Ngân sách"),
    ("Y tế", "Ban Văn hóa - Xã hội"), ("Giáo dục", "Ban Văn hóa - Xã hội"),
    ("Đất đai", "Ban Kinh tế - Ngân sách"), ("Đô thị", "Ban Kinh tế - Ngân sách"),
    ("Đầu tư hạ tầng", "Ban Kinh tế - Ngân sách"), ("Môi trường", "Ban Kinh tế - Ngân sách"),
    ("Chính sách xã hội", "Ban Văn hóa - Xã hội"), ("An ninh trật tự", "Ban Pháp chế"),
]
# Six ways voters put a matter of each field (same order as FIELDS).
TOPICS = [
    ["Đề nghị sửa chữa, nâng cấp tuyến đường giao thông liên xã đã xuống cấp nghiêm trọng",
     "Đề nghị lắp đặt đèn tín hiệu giao thông tại ngã tư đông người qua lại",
     "Cử tri phản ánh xe quá tải làm hư hỏng mặt đường giao thông nông thôn",
     "Đề nghị sớm hoàn thành dự án mở rộng đường tỉnh lộ qua địa bàn",
     "Đề nghị bố trí kinh phí làm cầu dân sinh thay cầu tạm đã hư hỏng",
     "Đề nghị tăng cường xử lý vi phạm hành lang an toàn giao thông đường bộ"],
    ["Đề nghị hỗ trợ giống cây trồng cho nông dân bị thiệt hại do mưa bão",
     "Cử tri đề nghị nạo vét kênh mương nội đồng phục vụ tưới tiêu",
     "Đề nghị có chính sách bao tiêu sản phẩm nông nghiệp cho bà con",
     "Đề nghị kiểm soát chặt chẽ chất lượng phân bón, thuốc bảo vệ thực vật",
     "Đề nghị hỗ trợ tiêm phòng dịch bệnh cho đàn gia súc, gia cầm",
     "Đề nghị quy hoạch vùng sản xuất lúa chất lượng cao"],
    ["Đề nghị bổ sung bác sĩ và trang thiết bị cho trạm y tế xã",
     "Cử tri phản ánh tình trạng thiếu thuốc bảo hiểm y tế tại bệnh viện huyện",
     "Đề nghị giảm thời gian chờ khám bệnh tại bệnh viện đa khoa tỉnh",
     "Đề nghị tăng cường kiểm tra an toàn thực phẩm tại chợ và bếp ăn tập thể",
     "Đề nghị hỗ trợ chi phí khám chữa bệnh cho người cao tuổi",
     "Đề nghị nâng cấp trạm y tế đạt chuẩn quốc gia"],
    ["Đề nghị xây thêm phòng học cho trường tiểu học đang quá tải",
     "Cử tri phản ánh các khoản thu đầu năm học còn nhiều",
     "Đề nghị bố trí đủ giáo viên tiếng Anh và tin học cho trường trung học cơ sở",
     "Đề nghị sửa chữa nhà vệ sinh và bếp ăn của trường mầm non",
     "Đề nghị có chính sách hỗ trợ học sinh vùng khó khăn",
     "Đề nghị đảm bảo an toàn giao thông trước cổng trường học"],
    ["Đề nghị sớm cấp giấy chứng nhận quyền sử dụng đất cho các hộ dân",
     "Cử tri đề nghị giải quyết dứt điểm tranh chấp đất đai kéo dài",
     "Đề nghị công khai quy hoạch sử dụng đất của xã",
     "Đề nghị xem xét lại giá bồi thường khi thu hồi đất làm dự án",
     "Đề nghị xử lý tình trạng lấn chiếm đất công",
     "Đề nghị đẩy nhanh giải phóng mặt bằng và tái định cư cho người dân"],
    ["Đề nghị lắp đặt hệ thống chiếu sáng công cộng tại các tuyến phố",
     "Cử tri phản ánh tình trạng ngập úng mỗi khi mưa lớn trong khu dân cư",
     "Đề nghị chỉnh trang vỉa hè và cây xanh đô thị",
     "Đề nghị xử lý công trình xây dựng không phép",
     "Đề nghị quy hoạch bãi đỗ xe trong khu đô thị",
     "Đề nghị hoàn thiện hạ tầng khu đô thị mới đã bàn giao"],
    ["Đề nghị đầu tư xây dựng nhà văn hóa thôn",
     "Đề nghị đầu tư hệ thống nước sạch cho người dân",
     "Đề nghị sớm triển khai dự án kè chống sạt lở bờ sông",
     "Đề nghị cải tạo lưới điện nông thôn thường xuyên mất điện",
     "Đề nghị đầu tư sân thể thao cho thanh thiếu niên",
     "Đề nghị nâng cấp chợ dân sinh đã xuống cấp"],
    ["Cử tri phản ánh ô nhiễm môi trường từ cụm công nghiệp",
     "Đề nghị xử lý rác thải sinh hoạt tồn đọng tại các thôn",
     "Đề nghị kiểm tra việc xả nước thải chưa qua xử lý ra kênh",
     "Đề nghị di dời lò đốt rác gần khu dân cư",
     "Cử tri phản ánh khói bụi từ các lò gạch thủ công",
     "Đề nghị trồng thêm cây xanh và làm sạch ao hồ"],
    ["Đề nghị giải quyết chế độ cho người có công với cách mạng",
     "Đề nghị tăng mức trợ cấp cho hộ nghèo và hộ cận nghèo",
     "Đề nghị hỗ trợ người lao động mất việc làm",
     "Đề nghị rà soát đối tượng hưởng bảo trợ xã hội",
     "Đề nghị hỗ trợ xây nhà cho hộ có hoàn cảnh khó khăn",
     "Đề nghị chi trả lương hưu đúng hạn"],
    ["Đề nghị tăng cường tuần tra bảo đảm an ninh trật tự ban đêm",
     "Cử tri phản ánh tình trạng trộm cắp tài sản gia tăng",
     "Đề nghị xử lý nghiêm tín dụng đen và cho vay nặng lãi",
     "Đề nghị lắp đặt camera an ninh tại các tuyến đường chính",
     "Đề nghị xử lý tụ tập đua xe trái phép",
     "Đề nghị kiểm soát tệ nạn ma túy trong thanh thiếu niên"],
]
PLACES = [
    "thôn Đông", "thôn Đoài", "thôn Trung", "thôn Thượng", "thôn Hạ", "xóm Mới", "xóm Chùa",
    "khu phố 1", "khu phố 2", "khu phố 3", "tổ dân phố Nam", "tổ dân phố Bắc", "khu tái định cư",
    "khu công nghiệp", "ven sông Cầu", "ven đê", "gần chợ", "gần trường học", "trung tâm xã", "vùng giáp ranh",
]
ANSWERS = {
    "resolved": ["Đã bố trí kinh phí và hoàn thành việc sửa chữa trong quý này.",
                 "Đơn vị đã kiểm tra, xử lý dứt điểm nội dung cử tri phản ánh.",
                 "Đã triển khai thực hiện xong, đề nghị cử tri giám sát."],
    "in_progress": ["Đang lập dự án, dự kiến triển khai trong năm tới.",
                    "Đã đưa vào kế hoạch đầu tư công trung hạn, đang thực hiện thủ tục.",
                    "Đang phối hợp với các đơn vị liên quan để giải quyết theo lộ trình."],
    "explained": ["Nội dung này thuộc thẩm quyền của Trung ương, đã tổng hợp báo cáo.",
                  "Chính sách hiện hành đã quy định cụ thể, đề nghị cử tri tham khảo.",
                  "Đã giải thích rõ căn cứ pháp lý tại buổi tiếp xúc cử tri."],
}
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
GIVEN = ["Văn An", "Thị Bình", "Văn Cường", "Thị Dung", "Đức Hải", "Thị Hoa", "Minh Khôi", "Thu Lan",
         "Quang Minh", "Thị Ngọc", "Văn Phúc", "Thanh Sơn", "Thị Tâm", "Văn Toàn", "Hồng Vân"]
PLACE_NAMES = ["Đông", "Tây", "Nam", "Bắc", "Trung", "Phú", "Hòa", "An", "Tân", "Thịnh", "Bình", "Lạc",
               "Hưng", "Phong", "Xuân", "Hạ", "Lâm", "Sơn", "Thủy", "Vĩnh"]
DEPARTMENTS = ["Sở Giao thông vận tải", "Sở Xây dựng", "Sở Nông nghiệp và Môi trường", "Sở Tài chính",
               "Sở Y tế", "Bảo hiểm xã hội tỉnh", "Sở Giáo dục và Đào tạo", "Sở Nội vụ",
               "Văn phòng đăng ký đất đai", "Ban Quản lý dự án", "Sở Kế hoạch và Đầu tư", "Công ty Điện lực",
               "Sở Công Thương", "Ban Quản lý các khu công nghiệp", "Sở Tài nguyên nước", "Trung tâm Quan trắc",
               "Sở Lao động - Thương binh và Xã hội", "Sở Văn hóa, Thể thao và Du lịch", "Công an tỉnh",
               "Sở Tư pháp"]
MINISTRIES = ["Bộ Xây dựng", "Bộ Nông nghiệp và Môi trường", "Bộ Y tế", "Bộ Giáo dục và Đào tạo", "Bộ Tài chính"]
COMMUNE_AGENCY_NAMES = ["Ủy ban nhân dân", "Công an", "Ban Chỉ huy quân sự"]

# Statuses by round (age 0 = the latest round) on a 0–99 draw: the upper bound of each status.
STATUS_BOUNDS = {
    0: [("received", 15), ("classified", 30), ("forwarded", 85), ("answered", 100)],
    1: [("received", 2), ("classified", 4), ("forwarded", 20), ("answered", 55), ("closed", 100)],
}
MERGED_EVERY = 250  # every 250th petition is a duplicate merged into the one before it


def log(message):
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


def qn(name):
    return connection.ops.quote_name(name)


def insert_select(cursor, model, values, source, *, returning=None):
    """INSERT INTO <model's table> (…) SELECT <values>, <defaults> FROM <source>: `values` maps a
    field's attname to an SQL expression; every other concrete column gets its field's default (or
    NULL when nullable); the primary key is left to its sequence unless named."""
    columns, expressions, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.attname in values:
            expression = values[field.attname].replace("%", "%%")  # SQL's modulo, not a placeholder
        elif field.primary_key:
            continue
        elif field.has_default():
            expression = "%s"
            params.append(field.get_db_prep_save(field.get_default(), connection))
        elif field.null:
            expression = "NULL"
        elif getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            expression = "now()"
        elif field.empty_strings_allowed and field.get_internal_type() in ("CharField", "TextField", "FileField",
                                                                           "EmailField", "URLField", "SlugField"):
            expression = "''"
        else:
            raise RuntimeError(f"The bench does not know how to fill {model._meta.label}.{field.name} "
                               f"(NOT NULL, no default): add it to bench/data.py.")
        columns.append(qn(field.column))
        expressions.append(expression)
    unknown = set(values) - {f.attname for f in model._meta.concrete_fields}
    if unknown:
        raise RuntimeError(f"{model._meta.label} has no column {sorted(unknown)}")
    sql = (f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(columns)}) "
           f"SELECT {', '.join(expressions)} FROM {source.replace('%', '%%')}")
    if returning:
        sql += f" RETURNING {returning}"
    cursor.execute(sql, params)
    return cursor.rowcount


def searchable(obj):
    """What Searchable.save() stores, for rows created with bulk_create."""
    obj.search_text = fold(" ".join(str(p) for p in obj.search_parts() if p))
    return obj


# ----------------------------------------------------------------------------------- housekeeping

def app_tables():
    """Every table of the project's models and django's sessions and users: what a rebuild empties."""
    keep = {"django_migrations", "django_content_type", "auth_permission"}
    tables = set(connection.introspection.django_table_names(only_existing=True, include_views=False))
    return sorted(tables - keep)


def truncate_all(cursor):
    cursor.execute(f"TRUNCATE {', '.join(qn(t) for t in app_tables())} RESTART IDENTITY CASCADE")


SAVED_INDEXES = "bench_saved_index"


def restore_indexes(cursor):
    """Indexes dropped for a bulk load are kept in a table until they are rebuilt, so that a build that
    stopped half-way never leaves the next one without them."""
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {SAVED_INDEXES} (name text PRIMARY KEY, definition text NOT NULL)")
    cursor.execute(f"SELECT name, definition FROM {SAVED_INDEXES} ORDER BY name")
    for name, definition in cursor.fetchall():
        started = time.perf_counter()
        cursor.execute(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
                       .replace("CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ", 1))
        cursor.execute(f"DELETE FROM {SAVED_INDEXES} WHERE name = %s", [name])
        log(f"index {name} rebuilt in {time.perf_counter() - started:.1f} s")


def drop_indexes(cursor, tables):
    """Drop the plain (not constraint) indexes of the big tables before loading them; restore_indexes()
    builds them again afterwards, faster than keeping them up to date row by row."""
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {SAVED_INDEXES} (name text PRIMARY KEY, definition text NOT NULL)")
    for table in tables:
        cursor.execute("""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
            WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""", [table])
        for name, definition in cursor.fetchall():
            cursor.execute(f"INSERT INTO {SAVED_INDEXES} VALUES (%s, %s) ON CONFLICT DO NOTHING", [name, definition])
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


def reset_sequences(cursor, models):
    for model in models:
        table, pk = model._meta.db_table, model._meta.pk.column
        cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, %s), GREATEST(COALESCE(MAX({qn(pk)}), 0), 1)) "
                       f"FROM {qn(table)}", [table, pk])


# ------------------------------------------------------------------------------- the organisation

def build_organisation(today):
    """Councils, communes, terms, delegates, groups, agencies, fields, plans, rounds, meetings and the
    bench's three users. Returns what the petition generator and the load need."""
    rng_names = [f"{a} {b}" for a in PLACE_NAMES for b in PLACE_NAMES if a != b][:COMMUNES]
    province = searchable(Council(name="HĐND tỉnh Kinh Bắc (bench)", level=CouncilLevel.PROVINCE,
                                  place_name="Kinh Bắc", issuing_body_lines="HỘI ĐỒNG NHÂN DÂN\nTỈNH KINH BẮC"))
    province.save()
    communes_councils = Council.objects.bulk_create([
        searchable(Council(name=f"HĐND xã {name}", level=CouncilLevel.COMMUNE, parent=province, place_name=name,
                           issuing_body_lines=f"HỘI ĐỒNG NHÂN DÂN\nXÃ {name.upper()}"))
        for name in rng_names])
    councils = [province, *communes_councils]
    DeadlineRules.objects.bulk_create([DeadlineRules(council=c) for c in councils])
    terms = {t.council_id: t for t in Term.objects.bulk_create([
        Term(council=c, name="Khóa XX", start_year=today.year - 1, end_year=today.year + 4, is_current=True)
        for c in councils])}
    province_communes = Commune.objects.bulk_create([
        searchable(Commune(council=province, name=name, kind=CommuneKind.COMMUNE, code=f"{10000 + k}",
                           own_council=cc))
        for k, (name, cc) in enumerate(zip(rng_names, communes_councils, strict=True))])
    own_communes = {c.council_id: c for c in Commune.objects.bulk_create([
        searchable(Commune(council=cc, name=name, kind=CommuneKind.COMMUNE, code=f"{10000 + k}"))
        for k, (name, cc) in enumerate(zip(rng_names, communes_councils, strict=True))])}

    # Groups: 50 for the province (each covering two communes), 3 or 2 for each commune council.
    group_plan = [(province, k, province_communes[2 * k % COMMUNES:2 * k % COMMUNES + 2]) for k in range(PROVINCE_GROUPS)]
    for n, cc in enumerate(communes_councils):
        for k in range(3 if n % 2 == 0 else 2):
            group_plan.append((cc, k, [own_communes[cc.pk]]))
    groups = DelegateGroup.objects.bulk_create([
        searchable(DelegateGroup(council=c, term=terms[c.pk], name=f"Tổ đại biểu số {k + 1}"))
        for c, k, _communes in group_plan])
    Through = DelegateGroup.communes.through
    Through.objects.bulk_create([Through(delegategroup_id=g.pk, commune_id=cm.pk)
                                 for g, (_c, _k, cms) in zip(groups, group_plan, strict=True) for cm in cms])
    groups_of = {}
    for g in groups:
        groups_of.setdefault(g.council_id, []).append(g)

    delegates = []
    for c in councils:
        count = PROVINCE_DELEGATES if c.pk == province.pk else COMMUNE_DELEGATES
        own_groups = groups_of[c.pk]
        for k in range(count):
            name = f"{SURNAMES[k % 10]} {GIVEN[(k // 10 + c.pk) % len(GIVEN)]} {k + 1}"
            delegates.append(searchable(Delegate(
                council=c, term=terms[c.pk], full_name=name, group=own_groups[k % len(own_groups)],
                kind=DelegateKind.FULL_TIME if k % 5 == 0 else DelegateKind.PART_TIME,
                phone=f"09{c.pk:04d}{k:04d}")))
    Delegate.objects.bulk_create(delegates, batch_size=1000)

    agencies = [searchable(Agency(council=province, name=name, level=AgencyLevel.PROVINCE)) for name in DEPARTMENTS]
    agencies += [searchable(Agency(council=province, name=name, level=AgencyLevel.CENTRAL)) for name in MINISTRIES]
    for cc in communes_councils:
        agencies += [searchable(Agency(council=cc, name=f"{name} {cc.place_name}", level=AgencyLevel.COMMUNE))
                     for name in COMMUNE_AGENCY_NAMES]
    agencies = Agency.objects.bulk_create(agencies)
    fields = PetitionField.objects.bulk_create([
        PetitionField(council=c, name=name, committee=committee, order=k)
        for c in councils for k, (name, committee) in enumerate(FIELDS)])

    # Four plans a council (one a sitting), two rounds each, ended 15, 105, …, 645 days ago.
    rounds = []
    for c in councils:
        for plan_no in range(len(ROUND_ENDS_DAYS_AGO) // 2):
            ends = [today - datetime.timedelta(days=ROUND_ENDS_DAYS_AGO[2 * plan_no + k]) for k in range(2)]
            plan = ContactPlan.objects.create(
                council=c, scope=PlanScope.YEAR, year=ends[1].year, status=PlanStatus.ISSUED, number=plan_no + 1,
                issued_on=ends[1] - datetime.timedelta(days=60),
                subject=f"Kế hoạch tiếp xúc cử tri năm {ends[1].year}")
            for k, end in enumerate(ends):
                rounds.append((c.pk, 2 * plan_no + k, ContactRound(
                    plan=plan, kind=RoundKind.AFTER_SITTING if k == 0 else RoundKind.BEFORE_SITTING,
                    starts_on=end - datetime.timedelta(days=ROUND_DAYS), ends_on=end)))
    ContactRound.objects.bulk_create([r for _c, _a, r in rounds])
    round_of = {(c, age): r for c, age, r in rounds}

    # Meetings: the group's communes in turn, spread over the round's window, all held.
    sessions = []
    tz = timezone.get_current_timezone()
    for g, (c, _k, cms) in zip(groups, group_plan, strict=True):
        per_round = PROVINCE_MEETINGS if c.pk == province.pk else COMMUNE_MEETINGS[len(groups_of[c.pk])]
        for age, count in enumerate(per_round):
            rnd = round_of[(c.pk, age)]
            for m in range(count):
                day = rnd.starts_on + datetime.timedelta(days=m * ROUND_DAYS // max(count, 1))
                starts = datetime.datetime.combine(day, datetime.time(8 + (m % 3) * 3), tzinfo=tz)
                sessions.append(ContactSession(
                    council_id=c.pk, round=rnd, group=g, commune=cms[m % len(cms)], starts_at=starts,
                    ends_at=starts + datetime.timedelta(hours=2), venue=f"Nhà văn hóa {PLACES[m % len(PLACES)]}",
                    status=MeetingStatus.HELD, voters_present=40 + m % 60, chair="Chủ tịch Ủy ban MTTQ",
                    secretary="Công chức Văn phòng", minutes_due_on=day + datetime.timedelta(days=5)))
    ContactSession.objects.bulk_create(sessions, batch_size=2000)

    users = bench_users(province, communes_councils[0], agencies[0])
    staff_users(councils[2:], agencies[1:])
    return {
        "province": province, "commune": communes_councils[0], "councils": councils, "agencies": agencies,
        "fields": fields, "rounds": round_of, "sessions": sessions, "groups": groups, "users": users,
        "delegates": len(delegates),
    }


def staff_users(councils, agencies):
    """An office user in every other council and a responder in every other agency, so that the
    deadline sweep's reminders reach people as they would in a province."""
    User = get_user_model()
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        [User(username=f"office_{c.pk}", password=password, email=f"office_{c.pk}@bench.invalid") for c in councils]
        + [User(username=f"agency_{a.pk}", password=password, email=f"agency_{a.pk}@bench.invalid") for a in agencies])
    memberships = [Membership(user=u, council=c, role=Role.OFFICE) for u, c in zip(users, councils, strict=False)]
    memberships += [Membership(user=u, council_id=a.council_id, role=Role.AGENCY, agency=a)
                    for u, a in zip(users[len(councils):], agencies, strict=True)]
    for m in memberships:
        m.search_text = fold(m.user.username + " " + m.user.email)
    Membership.objects.bulk_create(memberships)


def bench_users(province, commune, agency):
    User = get_user_model()
    password = make_password(PASSWORD)
    users = {}
    for key, council, role, extra in (("province", province, Role.OFFICE, {}),
                                      ("commune", commune, Role.OFFICE, {}),
                                      ("agency", province, Role.AGENCY, {"agency": agency})):
        user = User.objects.create(username=USERS[key], password=password, first_name="Bench",
                                   last_name=key.capitalize(), email=f"{USERS[key]}@bench.invalid")
        membership = Membership(user=user, council=council, role=role, **extra)
        membership.save()
        users[key] = user
    return users


# ------------------------------------------------------------------------------------ petitions

def _values_sql(rows):
    """A VALUES list of literals, for the small lookup tables (numbers and strings we wrote)."""
    def literal(value):
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, datetime.datetime):
            return f"'{value.isoformat()}'::timestamptz"
        if isinstance(value, datetime.date):
            return f"'{value.isoformat()}'::date"
        return "'" + str(value).replace("'", "''") + "'"
    return ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)


def _temp_table(cursor, name, columns, rows):
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMP TABLE {name} ({columns})")
    for start in range(0, len(rows), 2000):
        cursor.execute(f"INSERT INTO {name} VALUES {_values_sql(rows[start:start + 2000])}")
    cursor.execute(f"ANALYZE {name}")


def build_petitions(cursor, org, size, today):
    """N petitions with everything hanging off them, set-based."""
    province = org["province"]
    level_of = {a.pk: a.level for a in org["agencies"]}
    agency_rows = []
    by_council = {}
    for a in org["agencies"]:
        by_council.setdefault(a.council_id, []).append(a)
    for council_id, agencies in by_council.items():
        for idx, a in enumerate(agencies):
            agency_rows.append((council_id, idx, a.pk, level_of[a.pk]))
    _temp_table(cursor, "b_agency", "council_id bigint, idx int, id bigint, level text", agency_rows)
    field_rows = []
    by_council = {}
    for f in org["fields"]:
        by_council.setdefault(f.council_id, []).append(f)
    for council_id, fields in by_council.items():
        for idx, f in enumerate(sorted(fields, key=lambda f: f.order)):
            field_rows.append((council_id, idx, f.pk))
    _temp_table(cursor, "b_field", "council_id bigint, idx int, id bigint", field_rows)
    _temp_table(cursor, "b_topic", "f int, j int, text text, folded text",
                [(f, j, t, fold(t)) for f, topics in enumerate(TOPICS) for j, t in enumerate(topics)])
    _temp_table(cursor, "b_place", "j int, text text, folded text", [(j, p, fold(p)) for j, p in enumerate(PLACES)])
    _temp_table(cursor, "b_answer", "outcome text, j int, text text, folded text",
                [(o, j, t, fold(t)) for o, texts in ANSWERS.items() for j, t in enumerate(texts)])
    _temp_table(cursor, "b_person", "j int, name text, address text",
                [(j, f"{SURNAMES[j % 10]} {GIVEN[j % len(GIVEN)]}", f"Số {j + 1}, {PLACES[j % len(PLACES)]}")
                 for j in range(150)])
    round_ages = {r.pk: age for (_c, age), r in org["rounds"].items()}
    rounds = {r.pk: r for r in org["rounds"].values()}
    _temp_table(cursor, "b_session", "k int, id bigint, council_id bigint, round_id bigint, group_id bigint, "
                "commune_id bigint, starts_at timestamptz, age int, province boolean, round_starts date, round_ends date",
                [(k + 1, s.pk, s.council_id, s.round_id, s.group_id, s.commune_id, s.starts_at, round_ages[s.round_id],
                  s.council_id == province.pk, rounds[s.round_id].starts_on, rounds[s.round_id].ends_on)
                 for k, s in enumerate(org["sessions"])])
    sessions = len(org["sessions"])

    started = time.perf_counter()
    cursor.execute("DROP TABLE IF EXISTS b_draw, b_p, b_fwd_src, b_fwd_ids")  # a second build on one connection
    cursor.execute("SELECT setseed(0.2026)")
    # Draws, one row a petition; a merged duplicate takes the meeting of the petition before it.
    cursor.execute(f"""
        CREATE TEMP TABLE b_draw AS
        WITH d AS (
            SELECT i, 1 + floor(random() * {sessions})::int AS s, floor(random() * 100)::int AS r_status,
                   floor(random() * 100)::int AS r_level, floor(random() * 10)::int AS f,
                   floor(random() * 1000)::int AS r3, floor(random() * 100)::int AS r_outcome,
                   floor(random() * 100)::int AS r_voters, floor(random() * 6)::int AS topic_j,
                   floor(random() * 20)::int AS place_j, floor(random() * 100)::int AS r_src,
                   floor(random() * 100)::int AS r_summary, floor(random() * 600)::int AS minutes,
                   floor(random() * 150)::int AS person_j
            FROM generate_series(1, {int(size)}) AS i)
        SELECT d.*, CASE WHEN i % {MERGED_EVERY} = 0 THEN lag(s) OVER (ORDER BY i) ELSE s END AS s2 FROM d""")
    cursor.execute(f"""
        CREATE TEMP TABLE b_p AS
        SELECT d.i, ses.council_id, ses.round_id, ses.group_id, ses.commune_id, ses.age, ses.province,
               ses.round_ends,
               CASE WHEN d.r_src < 90 OR d.i % {MERGED_EVERY} = 0 THEN ses.id END AS session_id,
               CASE WHEN d.r_src < 90 OR d.i % {MERGED_EVERY} = 0 THEN 'meeting'
                    WHEN d.r_src < 95 THEN 'writing' ELSE 'letter' END AS source,
               CASE WHEN d.i % {MERGED_EVERY} = 0 THEN 'merged' ELSE
                 CASE WHEN ses.age = 0 THEN
                   {_status_case('d.r_status', STATUS_BOUNDS[0])}
                 ELSE {_status_case('d.r_status', STATUS_BOUNDS[1])} END END AS status,
               CASE WHEN NOT ses.province THEN 'commune' WHEN d.r_level < 70 THEN 'province' ELSE 'central' END AS level,
               d.f, d.r3, d.r_outcome, d.r_voters, d.topic_j, d.place_j, d.r_summary, d.person_j,
               CASE WHEN d.r_src < 90 OR d.i % {MERGED_EVERY} = 0
                    THEN ses.starts_at + make_interval(mins => 30 + d.minutes % 90)
                    ELSE ses.round_starts + make_interval(days => d.minutes % {ROUND_DAYS}, hours => 9) END AS created_at,
               CASE WHEN d.r_outcome < 50 THEN 'resolved' WHEN d.r_outcome < 80 THEN 'in_progress'
                    ELSE 'explained' END AS outcome
        FROM b_draw d JOIN b_session ses ON ses.k = d.s2""")
    cursor.execute("""
        ALTER TABLE b_p ADD COLUMN agency_idx int, ADD COLUMN agency_id bigint, ADD COLUMN field_id bigint,
                        ADD COLUMN forwarding_id bigint""")
    # The agency follows the field: two departments a field at the province level, one ministry for
    # two fields at the central level, one of three bodies of a commune council.
    cursor.execute(f"""
        UPDATE b_p SET agency_idx = CASE WHEN level = 'province' THEN f * 2 + r3 % 2
                                         WHEN level = 'central' THEN {PROVINCE_DEPARTMENTS} + f % {CENTRAL_AGENCIES}
                                         ELSE r3 % {COMMUNE_AGENCIES} END""")
    cursor.execute("UPDATE b_p SET agency_id = a.id FROM b_agency a WHERE a.council_id = b_p.council_id "
                   "AND a.idx = b_p.agency_idx AND b_p.status NOT IN ('received', 'merged')")
    cursor.execute("UPDATE b_p SET field_id = fl.id FROM b_field fl WHERE fl.council_id = b_p.council_id "
                   "AND fl.idx = b_p.f AND (b_p.status NOT IN ('received', 'merged') OR b_p.r3 % 2 = 0)")
    cursor.execute("CREATE INDEX ON b_p (i)")
    cursor.execute("ANALYZE b_p")
    log(f"draws for {size:,} petitions in {time.perf_counter() - started:.1f} s")

    # Forwardings: one batch per council, agency and round, three days after the round ended.
    started = time.perf_counter()
    cursor.execute("""
        CREATE TEMP TABLE b_fwd_src AS SELECT DISTINCT council_id, agency_id, round_ends, level FROM b_p
        WHERE status IN ('forwarded', 'answered', 'closed')""")
    forwarding_values = {
        "council_id": "council_id", "agency_id": "agency_id",
        "forwarded_at": "(round_ends + 3 + time '09:00') AT TIME ZONE 'Asia/Ho_Chi_Minh'",
        "forward_due_on": "CASE WHEN level = 'commune' THEN NULL ELSE round_ends + 5 END",
        "forward_due_explanation": "CASE WHEN level = 'commune' THEN '' ELSE "
                                   "'3 ngày làm việc sau khi kết thúc đợt tiếp xúc' END",
        "answer_due_on": "round_ends + 63",
        "answer_due_explanation": "'60 ngày kể từ ngày nhận kiến nghị'",
    }
    cursor.execute("CREATE TEMP TABLE b_fwd_ids (id bigint, council_id bigint, agency_id bigint, forwarded_at timestamptz)")
    insert_select(cursor, Forwarding, forwarding_values, "b_fwd_src",
                  returning="id, council_id, agency_id, forwarded_at")
    returned = cursor.fetchall()
    cursor.execute(f"INSERT INTO b_fwd_ids VALUES {_values_sql(returned)}" if returned else "SELECT 1")
    cursor.execute("""
        UPDATE b_p SET forwarding_id = f.id FROM b_fwd_ids f
        WHERE f.council_id = b_p.council_id AND f.agency_id = b_p.agency_id
          AND f.forwarded_at = (b_p.round_ends + 3 + time '09:00') AT TIME ZONE 'Asia/Ho_Chi_Minh'
          AND b_p.status IN ('forwarded', 'answered', 'closed')""")
    log(f"{len(returned):,} forwardings in {time.perf_counter() - started:.1f} s")

    big = [Petition, Petition.fields.through, PetitionVoter, Answer, PetitionEvent, Petition.history.model]
    drop_indexes(cursor, [m._meta.db_table for m in big])
    today_sql = f"'{today.isoformat()}'::date"
    code = ("'KN-' || extract(year FROM p.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::int || '-' || "
            "CASE WHEN p.i < 1000000 THEN lpad(p.i::text, 6, '0') ELSE p.i::text END")
    forward_due = "CASE WHEN p.level = 'commune' OR p.status = 'merged' THEN NULL ELSE p.round_ends + 5 END"
    promised = f"({today_sql} + (p.r3 % 240) - 60)"  # some promised dates already passed
    answer_due = "CASE WHEN p.status IN ('forwarded', 'answered', 'closed') THEN p.round_ends + 63 END"
    has_voters = "CASE WHEN p.source <> 'meeting' THEN 1 WHEN p.r_voters < 40 THEN 1 WHEN p.r_voters < 50 THEN 2 ELSE 0 END"
    petition_values = {
        "id": "p.i", "council_id": "p.council_id", "source": "p.source", "session_id": "p.session_id",
        "round_id": "p.round_id", "group_id": "p.group_id", "commune_id": "p.commune_id",
        "text": "t.text || ', ' || pl.text",
        "summary": "CASE WHEN p.r_summary < 30 THEN t.text ELSE '' END",
        "level": "CASE WHEN p.status IN ('received', 'merged') THEN '' ELSE p.level END",
        "agency_id": "p.agency_id", "public_code": code,
        "status": "CASE WHEN p.status = 'merged' THEN 'received' ELSE p.status END",
        "merged_into_id": "CASE WHEN p.status = 'merged' THEN p.i - 1 END",
        "forwarding_id": "p.forwarding_id",
        "voter_count": has_voters, "meeting_count": "CASE WHEN p.session_id IS NULL THEN 0 ELSE 1 END",
        "forward_due_on": forward_due,
        "forward_due_explanation": f"CASE WHEN {forward_due} IS NULL THEN '' "
                                   "ELSE '3 ngày làm việc sau khi kết thúc đợt tiếp xúc' END",
        "answer_due_on": answer_due,
        "answer_due_explanation": f"CASE WHEN {answer_due} IS NULL THEN '' ELSE '60 ngày kể từ ngày nhận kiến nghị' END",
        "due_on": f"""CASE WHEN p.status IN ('received', 'classified') THEN {forward_due}
                          WHEN p.status = 'forwarded' THEN {answer_due}
                          WHEN p.status = 'answered' AND p.outcome = 'in_progress' THEN {promised} END""",
        "answer_text": "CASE WHEN p.status IN ('answered', 'closed') THEN an.text ELSE '' END",
        "created_at": "p.created_at",
        "search_text": f"""concat_ws(' ', t.folded || ', ' || pl.folded,
                                     CASE WHEN p.r_summary < 30 THEN t.folded END, lower({code}),
                                     CASE WHEN p.status IN ('answered', 'closed') THEN an.folded END)""",
    }
    sources = ("b_p p JOIN b_topic t ON t.f = p.f AND t.j = p.topic_j JOIN b_place pl ON pl.j = p.place_j "
               "JOIN b_answer an ON an.outcome = p.outcome AND an.j = p.r3 % 3")
    started = time.perf_counter()
    insert_select(cursor, Petition, petition_values, sources)
    log(f"{size:,} petitions in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    Through = Petition.fields.through
    rows = insert_select(cursor, Through, {"petition_id": "i", "petitionfield_id": "field_id"},
                         "b_p WHERE field_id IS NOT NULL")
    log(f"{rows:,} petition fields in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    rows = insert_select(cursor, PetitionVoter, {
        "petition_id": "p.i", "name": "pe.name", "address": "pe.address",
        "phone": "'09' || lpad(((p.i * 7 + n) % 100000000)::text, 8, '0')",
    }, f"b_p p CROSS JOIN LATERAL generate_series(1, {has_voters}) n "
       "JOIN b_person pe ON pe.j = (p.person_j + n) % 150")
    log(f"{rows:,} voters in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    answered_at = ("LEAST(now() - interval '1 hour', (p.round_ends + 3 + (p.r3 % 50) + time '10:00') "
                   "AT TIME ZONE 'Asia/Ho_Chi_Minh')")
    rows = insert_select(cursor, Answer, {
        "petition_id": "p.i", "agency_id": "p.agency_id", "outcome": "p.outcome", "text": "an.text",
        "roadmap": "CASE WHEN p.outcome = 'in_progress' THEN 'Theo kế hoạch đầu tư công trung hạn' ELSE '' END",
        "promised_on": f"CASE WHEN p.outcome = 'in_progress' THEN {promised} END",
        "answered_at": answered_at,
        "review": "CASE WHEN p.status = 'closed' THEN 'accepted' ELSE 'pending' END",
    }, "b_p p JOIN b_answer an ON an.outcome = p.outcome AND an.j = p.r3 % 3 "
       "WHERE p.status IN ('answered', 'closed')")
    log(f"{rows:,} answers in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    rows = insert_select(cursor, PetitionEvent, {"petition_id": "i", "kind": "'received'", "at": "created_at"}, "b_p")
    rows += insert_select(cursor, PetitionEvent, {
        "petition_id": "i",
        "kind": "CASE WHEN status = 'merged' THEN 'merged' ELSE status END",
        "at": "GREATEST(created_at, LEAST(now() - interval '1 hour', "
              "(round_ends + 3 + time '09:00') AT TIME ZONE 'Asia/Ho_Chi_Minh'))",
    }, "b_p WHERE status <> 'received'")
    log(f"{rows:,} timeline steps in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    History = Petition.history.model
    petition_columns = {f.attname for f in Petition._meta.concrete_fields}
    history_values = {f.attname: f"p.{qn(f.column)}" for f in History._meta.concrete_fields
                      if f.attname in petition_columns}
    history_values.update({"history_date": "p.created_at", "history_type": "'+'",
                           "history_change_reason": "NULL", "history_user_id": "NULL"})
    history_values.pop("history_id", None)
    rows = insert_select(cursor, History, history_values, f"{qn(Petition._meta.db_table)} p")
    log(f"{rows:,} history records in {time.perf_counter() - started:.1f} s")

    reset_sequences(cursor, [Petition, Through, PetitionVoter, Answer, PetitionEvent, History, Forwarding])


def _status_case(draw, bounds):
    whens = " ".join(f"WHEN {draw} < {upper} THEN '{status}'" for status, upper in bounds[:-1])
    return f"CASE {whens} ELSE '{bounds[-1][0]}' END"


# ---------------------------------------------------------------------------------- deadlines

def deadline_model():
    """delegations.Deadline when the deadline engine exists and its table is migrated."""
    try:
        model = apps.get_model("delegations", "Deadline")
    except LookupError:
        return None
    return model if model._meta.db_table in connection.introspection.table_names() else None


DUE_EVERY = 100  # one deadline in a hundred has a notice due on the day of the sweep


def build_deadlines(cursor, count, size, today):
    """`count` open deadline rows on the petitions (one a petition and kind): the petition's own
    clock (to forward while received or classified, the answer while forwarded, the promised date once
    answered); every 100th row has its next notice due today (due from five days ago to three days
    ahead), the others were scheduled by an earlier sweep for a later day, or have nothing left to
    send. What the sweep must not read: 99 rows in 100."""
    from django.contrib.contenttypes.models import ContentType

    from petitions import services

    Deadline = deadline_model()
    kinds = [services.PETITION_FORWARD, services.PETITION_ANSWER, services.PETITION_PROMISED]
    content_type = ContentType.objects.get_for_model(Petition).pk
    drop_indexes(cursor, [Deadline._meta.db_table])
    started = time.perf_counter()
    own_kind = "(CASE p.status WHEN 'received' THEN 0 WHEN 'classified' THEN 0 WHEN 'answered' THEN 2 ELSE 1 END)"
    kind_index = f"(({own_kind} + (j - 1) / {size}) % 3)"
    kind_sql = f"(ARRAY['{kinds[0]}', '{kinds[1]}', '{kinds[2]}'])[1 + {kind_index}]"
    today_sql = f"'{today.isoformat()}'::date"
    due = (f"CASE WHEN j % {DUE_EVERY} = 0 THEN {today_sql} + (j / {DUE_EVERY}) % 9 - 5 "
           f"WHEN j % 10 = 1 THEN {today_sql} - 30 - j % 300 ELSE {today_sql} + 10 + (j * 7) % 360 END")
    rows = insert_select(cursor, Deadline, {
        "council_id": "p.council_id", "kind": kind_sql, "content_type_id": str(content_type),
        "object_id": "p.id", "title": "p.public_code", "url": "'/petitions/' || p.id || '/'",
        "start_on": "NULL", "amount": "NULL", "unit": "'date'", "due_on": due,
        "explanation": "'ngày được ghi nhận'", "state": "'open'", "scheduled": "TRUE",
    }, f"generate_series(1, {int(count)}) j JOIN {qn(Petition._meta.db_table)} p ON p.id = 1 + (j - 1) % {int(size)}")
    reset_sequences(cursor, [Deadline])
    alarms_build(cursor, today)
    log(f"{rows:,} open deadlines ({rows // DUE_EVERY:,} due today) in {time.perf_counter() - started:.1f} s")
    return rows


def alarms_build(cursor, today):
    """The deadlines' next notice days (DeadlineAlarm), as an earlier sweep left them: every 100th
    row today, one row in ten nothing left to send (no alarm), the others a week before their due
    date. In the order of the deadlines, so that today's alarms are spread over the whole table
    (the sweep's worst case; a real queue holds each morning's new alarms together)."""
    from delegations.models import DeadlineAlarm

    Deadline = deadline_model()
    cursor.execute(f"TRUNCATE {qn(DeadlineAlarm._meta.db_table)}")
    cursor.execute(
        f"INSERT INTO {qn(DeadlineAlarm._meta.db_table)} (on_day, deadline_id) "  # noqa: S608
        f"SELECT CASE WHEN id %% {DUE_EVERY} = 0 THEN %s ELSE due_on - 7 END, id FROM {qn(Deadline._meta.db_table)} "
        "WHERE id %% 10 <> 1 ORDER BY id", [today])
    cursor.execute(f"VACUUM ANALYZE {qn(DeadlineAlarm._meta.db_table)}")


def sweep_arm(today):
    """Put the deadlines back as they were built, so that a sweep measured twice on the same data
    set meets the same work: no notice sent, every 100th row due today."""
    from delegations.models import DeadlineNotice, Notification

    Deadline = deadline_model()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {qn(DeadlineNotice._meta.db_table)}, {qn(Notification._meta.db_table)}")
        cursor.execute(f"UPDATE {qn(Deadline._meta.db_table)} SET state = 'open', done_at = NULL "
                       f"WHERE id % {DUE_EVERY} = 0 AND state <> 'open'")
        alarms_build(cursor, today)


# ------------------------------------------------------------------------------------- the build

def build(size, *, deadlines=0):
    """Empty the bench database and build the data set with `size` petitions (and `deadlines` open
    deadlines when the engine exists). Returns the organisation built."""
    today = timezone.localdate()
    total = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET work_mem = '128MB'")
        restore_indexes(cursor)
        truncate_all(cursor)
    started = time.perf_counter()
    org = build_organisation(today)
    log(f"organisation (101 councils, {org['delegates']:,} delegates, {len(org['groups'])} groups, "
        f"{len(org['sessions']):,} meetings) in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        superuser = _is_superuser(cursor)
        if superuser:
            cursor.execute("SET session_replication_role = replica")  # FK triggers off: the rows are consistent
        try:
            build_petitions(cursor, org, size, today)
            if deadlines and deadline_model() is not None:
                build_deadlines(cursor, deadlines, size, today)
        finally:
            if superuser:
                cursor.execute("SET session_replication_role = DEFAULT")
        started = time.perf_counter()
        restore_indexes(cursor)
        log(f"indexes rebuilt in {time.perf_counter() - started:.1f} s")
        if superuser:
            _check_foreign_keys(cursor)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    log(f"VACUUM ANALYZE in {time.perf_counter() - started:.1f} s")
    log(f"data set of {size:,} petitions built in {time.perf_counter() - total:.0f} s")
    return org


def _is_superuser(cursor):
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    return bool(cursor.fetchone()[0])


def _check_foreign_keys(cursor):
    """The load ran with the foreign-key triggers off: prove the rows hold together anyway."""
    checks = [
        ("petition → council", "SELECT count(*) FROM petitions_petition p LEFT JOIN delegations_council c "
                               "ON c.id = p.council_id WHERE c.id IS NULL"),
        ("petition → forwarding", "SELECT count(*) FROM petitions_petition p LEFT JOIN petitions_forwarding f "
                                  "ON f.id = p.forwarding_id WHERE p.forwarding_id IS NOT NULL AND f.id IS NULL"),
        ("petition → session", "SELECT count(*) FROM petitions_petition p LEFT JOIN contact_sessions_contactsession s "
                               "ON s.id = p.session_id WHERE p.session_id IS NOT NULL AND s.id IS NULL"),
        ("forwarding agency = petition agency", "SELECT count(*) FROM petitions_petition p JOIN petitions_forwarding f "
                                                "ON f.id = p.forwarding_id WHERE f.agency_id <> p.agency_id"),
    ]
    for label, sql in checks:
        cursor.execute(sql)
        broken = cursor.fetchone()[0]
        if broken:
            raise RuntimeError(f"bench data inconsistent: {broken} rows break {label}")


def bench_targets():
    """What the load needs, read back from the database (so a reused data set works too)."""
    User = get_user_model()
    users = {key: User.objects.get(username=name) for key, name in USERS.items()}
    province = Membership.objects.get(user=users["province"]).council
    commune = Membership.objects.get(user=users["commune"]).council
    agency = Membership.objects.get(user=users["agency"]).agency
    fields = {c.pk: PetitionField.objects.filter(council=c).order_by("order").first() for c in (province, commune)}
    main = Petition.objects.main()
    sample = {
        "province": list(main.filter(council__in=[province, *Council.objects.filter(parent=province)])
                         .order_by("?").values_list("pk", flat=True)[:300]),
        "commune": list(main.filter(council=commune).order_by("?").values_list("pk", flat=True)[:300]),
    }
    return {"users": users, "province": province, "commune": commune, "agency": agency, "fields": fields,
            "sample": sample}
