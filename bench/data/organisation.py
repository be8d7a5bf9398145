"""The bench's organisation, through the ORM's bulk_create (a few thousand rows): one province
council and 100 commune councils, their terms, communes, delegates, groups, agencies, fields,
plans, rounds and held meetings, the bench's three users and a user in every other office and
agency; and what the load reads back of them (bench_targets)."""
import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
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
from petitions.models import Petition, PetitionField
from plans.models import ContactPlan, ContactRound, PlanScope, PlanStatus, RoundKind
from sessions.models import ContactSession, MeetingStatus

from .sql import (
    searchable,
)
from .words import (
    COMMUNE_AGENCY_NAMES,
    DEPARTMENTS,
    FIELDS,
    GIVEN,
    MINISTRIES,
    PLACE_NAMES,
    PLACES,
    SURNAMES,
)

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
