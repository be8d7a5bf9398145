"""The programme dashboard (/petitions/dashboard/): its figures equal counts computed here from the
rows, for three councils at once with no leak between them; every figure's link lists exactly the
rows it counts; the roles without a dashboard are refused; the number of queries does not grow with
the number of petitions."""
import datetime
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from delegations.models import AgencyLevel
from petitions import services
from petitions.models import OPEN_STATUSES, Answer, Forwarding, Petition, PetitionField, PetitionStatus
from petitions.round_figures import round_figures_refresh
from plans.models import ContactPlan, ContactRound, PlanStatus, RoundKind
from sessions.models import ContactSession, MeetingStatus, Minutes, MinutesStatus
from tests.factories import AgencyFactory, CommuneFactory, DelegateGroupFactory, TermFactory

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
PAST = datetime.date(2020, 1, 6)
URL = reverse("petitions:dashboard")


# ---------------------------------------------------------------------------------- the data

def fresh(petitions):
    return [Petition.objects.select_related("agency", "council", "round").get(pk=p.pk) for p in petitions]


def make_round(council, *, kind=RoundKind.BEFORE_SITTING, starts=datetime.date(2026, 11, 2),
               ends=datetime.date(2026, 12, 1), topic=""):
    plan = ContactPlan.objects.create(council=council, year=starts.year, subject="Kế hoạch TXCT",
                                      status=PlanStatus.ISSUED, number=1, issued_on=starts)
    return ContactRound.objects.create(plan=plan, kind=kind, starts_on=starts, ends_on=ends, topic=topic)


def make_meeting(council, rnd, group, commune, status, *, day=5, minutes=None, due=None):
    """A meeting; `minutes` is (status, finalised on) for its minutes, if any."""
    session = ContactSession.objects.create(
        council=council, round=rnd, group=group, commune=commune, status=status, minutes_due_on=due,
        starts_at=datetime.datetime(rnd.starts_on.year, rnd.starts_on.month, day, 8, tzinfo=HANOI), venue="Nhà văn hóa")
    if minutes:
        state, on = minutes
        Minutes.objects.create(session=session, status=state,
                               finalised_at=datetime.datetime(on.year, on.month, on.day, 16, tzinfo=HANOI) if on else None)
    return session


def petitions_in_every_state(*, council, rnd, office, responder, agencies, fields, k):
    """Petitions of one council's round in every state, through the services; `k` varies the
    counts so that councils' figures differ (and a leak would show)."""
    def new(text, **kwargs):
        return services.petition_create(council=council, user=office, text=text, round=rnd, **kwargs)

    def classify(petitions, agency, chosen):
        services.petitions_classify(petitions=fresh(petitions), user=office, fields=chosen, agency=agency)

    def forward(petitions):
        services.petitions_forward(petitions=fresh(petitions), user=office)
        return fresh(petitions)

    received = [new(f"Tiếp nhận {i}") for i in range(k)]
    Petition.objects.filter(pk=received[0].pk).update(due_on=PAST)  # late at the office
    new("Chỉ có lĩnh vực, chưa đủ phân loại", fields=[fields[1]])
    classified = [new(f"Đã phân loại {i}") for i in range(k + 1)]
    classify(classified, agencies[0], [fields[0]])
    Petition.objects.filter(pk=classified[0].pk).update(due_on=PAST)  # classified, late to forward

    to_a = [new(f"Chuyển cơ quan A {i}") for i in range(k + 5)]
    classify(to_a, agencies[0], [fields[0], fields[1]])
    to_a = forward(to_a)
    to_b = [new(f"Chuyển cơ quan B {i}") for i in range(k + 1)]
    classify(to_b, agencies[1], [fields[1]])
    to_b = forward(to_b)
    # At agency A: one overdue, one answered on time, one "being resolved" past its promised date,
    # one answered and closed, one sent back after its answer.
    Petition.objects.filter(pk=to_a[0].pk).update(due_on=PAST)
    services.answer_record(petition=to_a[1], user=responder, agency=agencies[0], outcome="resolved", text="Đã sửa")
    services.answer_record(petition=to_a[2], user=responder, agency=agencies[0], outcome="in_progress",
                           text="Đang làm", roadmap="Quý I", promised_on=timezone.localdate() + datetime.timedelta(days=30))
    Petition.objects.filter(pk=to_a[2].pk).update(due_on=PAST)
    services.answer_record(petition=to_a[3], user=responder, agency=agencies[0], outcome="explained", text="Giải trình")
    services.petition_close(petition=fresh([to_a[3]])[0], user=office)
    services.answer_record(petition=to_a[4], user=responder, agency=agencies[0], outcome="resolved", text="Chưa đạt")
    services.answer_send_back(petition=fresh([to_a[4]])[0], user=office, note="Chưa trả lời đúng nội dung")
    # At agency B: one overdue, one answered after its answer date.
    Petition.objects.filter(pk=to_b[0].pk).update(due_on=PAST)
    services.answer_record(petition=to_b[1], user=responder, agency=agencies[1], outcome="resolved", text="Muộn")
    Petition.objects.filter(pk=to_b[1].pk).update(answer_due_on=PAST)

    # Merged duplicates and another round's petitions are not the round's own figures.
    main, duplicate = new("Trùng lặp gốc"), new("Trùng lặp", fields=[fields[0]])
    services.petitions_merge(main=fresh([main])[0], duplicates=fresh([duplicate]), user=office)
    Petition.objects.filter(pk=duplicate.pk).update(due_on=PAST)
    elsewhere = make_round(council, starts=datetime.date(2026, 5, 4), ends=datetime.date(2026, 5, 29))
    old = services.petition_create(council=council, user=office, text="Vòng trước", round=elsewhere, fields=[fields[0]])
    Petition.objects.filter(pk=old.pk).update(due_on=PAST)


@pytest.fixture
def councils(world):
    """Three councils, each with a round, agencies, fields, meetings and petitions in every state."""
    today = timezone.localdate()
    out = {}
    commune_term = TermFactory(council=world.commune_council, name="Khóa xã")
    other_term = TermFactory(council=world.other_council, name="Khóa khác")
    specs = [
        ("province", world.council, world.users["office"], [world.group_a, world.group_b],
         [world.agency, AgencyFactory(council=world.council, name="Sở Y tế", short_name="SYT")], 3),
        ("commune", world.commune_council, world.users["commune_office"],
         [DelegateGroupFactory(council=world.commune_council, term=commune_term, name="Tổ xã 1")],
         [AgencyFactory(council=world.commune_council, name="UBND xã Tiên Du", level=AgencyLevel.COMMUNE),
          AgencyFactory(council=world.commune_council, name="Công an xã", level=AgencyLevel.COMMUNE)], 1),
        ("other", world.other_council, world.users["other_council"],
         [DelegateGroupFactory(council=world.other_council, term=other_term, name="Tổ Lạng Sơn")],
         [AgencyFactory(council=world.other_council, name="Sở Giao thông Lạng Sơn"),
          AgencyFactory(council=world.other_council, name="Sở Tài chính Lạng Sơn")], 2),
    ]
    for key, council, office, groups, agencies, k in specs:
        rnd = make_round(council)
        fields = [PetitionField.objects.create(council=council, name="Giao thông"),
                  PetitionField.objects.create(council=council, name="Y tế")]
        commune = CommuneFactory(council=council, name=f"Xã {key}")
        petitions_in_every_state(council=council, rnd=rnd, office=office, responder=world.users["agency"],
                                 agencies=agencies, fields=fields, k=k)
        first = groups[0]
        make_meeting(council, rnd, first, commune, MeetingStatus.HELD, due=datetime.date(2026, 11, 10),
                     minutes=(MinutesStatus.FINAL, datetime.date(2026, 11, 9)))
        make_meeting(council, rnd, first, commune, MeetingStatus.HELD, day=6, due=datetime.date(2026, 11, 10),
                     minutes=(MinutesStatus.FINAL, datetime.date(2026, 11, 12)))  # minutes late
        make_meeting(council, rnd, first, commune, MeetingStatus.CANCELLED, day=7)
        for extra in range(k):
            make_meeting(council, rnd, first, commune, MeetingStatus.PLANNED, day=20 + extra)
        if len(groups) > 1:
            make_meeting(council, rnd, groups[1], commune, MeetingStatus.HELD, day=8, due=datetime.date(2026, 11, 12),
                         minutes=(MinutesStatus.DRAFT, None))
            make_meeting(council, rnd, groups[1], commune, MeetingStatus.POSTPONED, day=9)
        out[key] = {"council": council, "round": rnd, "office": office, "groups": groups, "fields": fields,
                    "agencies": agencies, "commune": commune}
    # Thematic rounds of the province: two in 2026 (one held), one held in 2025.
    held = make_round(world.council, kind=RoundKind.THEMATIC, starts=datetime.date(2026, 7, 6),
                      ends=datetime.date(2026, 7, 17), topic="Đất đai")
    make_meeting(world.council, held, world.group_a, out["province"]["commune"], MeetingStatus.HELD, day=8)
    planned = make_round(world.council, kind=RoundKind.THEMATIC, starts=datetime.date(2026, 9, 7),
                         ends=datetime.date(2026, 9, 18), topic="Môi trường")
    make_meeting(world.council, planned, world.group_b, out["province"]["commune"], MeetingStatus.PLANNED, day=10)
    earlier = make_round(world.council, kind=RoundKind.THEMATIC, starts=datetime.date(2025, 7, 7),
                         ends=datetime.date(2025, 7, 18))
    make_meeting(world.council, earlier, world.group_a, out["province"]["commune"], MeetingStatus.HELD, day=8)
    out["today"] = today
    return out


# ------------------------------------------------------------- the figures, counted independently

def expected_petitions(council, rnd, today):
    rows = list(Petition.objects.filter(council=council, round=rnd, merged_into__isnull=True)
                .select_related("agency").prefetch_related("answers", "fields"))

    def on_time(p):
        dates = [timezone.localdate(a.answered_at) for a in p.answers.all()]
        return (p.status in (PetitionStatus.ANSWERED, PetitionStatus.CLOSED) and bool(dates)
                and p.answer_due_on is not None and min(dates) <= p.answer_due_on)

    def due_reached(p):
        return p.forwarding_id is not None and (
            p.status in (PetitionStatus.ANSWERED, PetitionStatus.CLOSED)
            or (p.status == PetitionStatus.FORWARDED and p.answer_due_on is not None and p.answer_due_on < today))

    overdue = [p for p in rows if p.status in OPEN_STATUSES and p.due_on is not None and p.due_on < today]
    return {
        "rows": rows,
        "total": len(rows),
        "classified": sum(p.status != PetitionStatus.RECEIVED for p in rows),
        "unclassified": sum(p.status == PetitionStatus.RECEIVED for p in rows),
        "waiting": sum(p.status == PetitionStatus.CLASSIFIED for p in rows),
        "forwarded": sum(p.forwarding_id is not None for p in rows),
        "on_time": sum(on_time(p) for p in rows),
        # Issue 12: "answered on time" over the petitions whose answer date has come or that were
        # answered; the others are "not yet due", shown apart.
        "due_reached": sum(due_reached(p) for p in rows),
        "not_yet_due": sum(p.forwarding_id is not None and p.status == PetitionStatus.FORWARDED
                           and not due_reached(p) for p in rows),
        "due_reached_rows": {p.pk for p in rows if due_reached(p)},
        "on_time_rows": {p.pk for p in rows if on_time(p)},
        "overdue": len(overdue),
        "overdue_office": sum(p.forwarding_id is None for p in overdue),
        "by_agency": Counter(str(p.agency) for p in overdue if p.forwarding_id is not None),
        "by_field": Counter(f.name for p in rows for f in p.fields.all()),
        "overdue_rows": {name: {p.pk for p in overdue if p.forwarding_id and str(p.agency) == name}
                         for name in {str(p.agency) for p in overdue if p.forwarding_id}},
        "field_rows": {f.name: {p.pk for p in rows if f in p.fields.all()} for p in rows for f in p.fields.all()},
    }


def expected_meetings(council, rnd):
    sessions = list(ContactSession.objects.filter(council=council, round=rnd).select_related("group"))
    minutes = {m.session_id: m for m in Minutes.objects.filter(session__in=sessions)}
    out = {}
    for s in sessions:
        row = out.setdefault(s.group.name, {"planned": 0, "held": 0, "minutes_on_time": 0, "pks": set()})
        row["pks"].add(s.pk)
        row["planned"] += s.status != MeetingStatus.CANCELLED
        row["held"] += s.status == MeetingStatus.HELD
        m = minutes.get(s.pk)
        row["minutes_on_time"] += bool(
            s.status == MeetingStatus.HELD and m and m.status == MinutesStatus.FINAL
            and (s.minutes_due_on is None or timezone.localdate(m.finalised_at) <= s.minutes_due_on))
    return out


def page(client, params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.context


def listed(client, url):
    """Every row (not only the first page) the list behind a link shows."""
    response = client.get(url)
    assert response.status_code == 200
    return {row.pk for row in response.context["page_obj"].paginator.object_list}


def check_council(client, data, today, params=None):
    context = page(client, params if params is not None else {"council": data["council"].pk,
                                                              "round": data["round"].pk})
    assert context["council"] == data["council"]
    assert context["round"] == data["round"]
    figures = context["figures"]
    want = expected_petitions(data["council"], data["round"], today)
    for key in ("total", "classified", "unclassified", "waiting", "forwarded", "on_time", "due_reached", "not_yet_due",
                "overdue", "overdue_office"):
        assert figures["totals"][key] == want[key], key
    by_agency = {bar.label: bar.value for bar in figures["agencies"]}
    assert by_agency == dict(want["by_agency"])
    assert [bar.value for bar in figures["agencies"]] == sorted(by_agency.values(), reverse=True)  # worst first
    assert {bar.label: bar.value for bar in figures["fields"]} == dict(want["by_field"])
    progress = {p.key: p for p in figures["progress"]}
    assert (progress["classified"].part, progress["classified"].whole) == (want["classified"], want["total"])
    assert (progress["forwarded"].part, progress["forwarded"].whole) == (want["forwarded"], want["total"])
    assert (progress["on-time"].part, progress["on-time"].whole) == (want["on_time"], want["due_reached"])
    assert progress["on-time"].extra[0][1] == want["not_yet_due"]

    meetings = expected_meetings(data["council"], data["round"])
    assert {row["group__name"]: (row["planned"], row["held"], row["minutes_on_time"]) for row in figures["groups"]} \
        == {name: (row["planned"], row["held"], row["minutes_on_time"]) for name, row in meetings.items()}
    assert figures["meetings"].part == sum(row["held"] for row in meetings.values())
    assert figures["meetings"].whole == sum(row["planned"] for row in meetings.values())
    assert figures["minutes"].part == sum(row["minutes_on_time"] for row in meetings.values())
    return context, want, meetings


def test_each_councils_figures_equal_the_rows_with_no_leak(world, councils, client_for):
    today = councils["today"]
    province, _, _ = check_council(client_for(world.users["office"]), councils["province"], today)
    commune, commune_want, _ = check_council(client_for(world.users["commune_office"]), councils["commune"], today)
    other, _, _ = check_council(client_for(world.users["other_council"]), councils["other"], today)
    # The scenario is not trivial: every kind of figure has something to count, and differs by council.
    totals = [c["figures"]["totals"] for c in (province, commune, other)]
    assert len({t["total"] for t in totals}) == 3
    for t in totals:
        assert t["unclassified"] and t["waiting"] and t["forwarded"] and t["on_time"] and t["overdue_office"]
        assert t["overdue_forwarded"] and t["on_time"] < t["forwarded"]
        assert t["not_yet_due"] and t["due_reached"] < t["forwarded"]
    assert len(province["figures"]["agencies"]) == 2 and len(province["figures"]["fields"]) == 2
    assert province["figures"]["minutes"].part < province["figures"]["minutes"].whole
    # The standing committee reads the same figures as the office.
    check_council(client_for(world.users["standing"]), councils["province"], today)
    # The province office reads a commune council it oversees, and gets that council's figures only.
    overseen, want, _ = check_council(client_for(world.users["office"]), councils["commune"], today)
    assert overseen["figures"]["totals"]["total"] == commune_want["total"]
    assert commune["councils"] == [world.commune_council]


def test_the_default_is_the_own_council_and_its_latest_started_round(world, councils, client_for):
    make_round(world.council, starts=datetime.date(2099, 1, 5), ends=datetime.date(2099, 1, 30))  # not started yet
    context = page(client_for(world.users["office"]), {})
    assert context["council"] == world.council
    assert context["round"] == councils["province"]["round"]
    assert [c.pk for c in context["councils"]] == [world.council.pk, world.commune_council.pk]
    commune = page(client_for(world.users["commune_office"]), {})
    assert commune["council"] == world.commune_council
    assert commune["round"] == councils["commune"]["round"]


def test_the_links_list_exactly_the_counted_rows(world, councils, client_for):
    today = councils["today"]
    for user, data in ((world.users["office"], councils["province"]), (world.users["office"], councils["commune"]),
                       (world.users["other_council"], councils["other"])):
        client = client_for(user)
        context, want, meetings = check_council(client, data, today)
        figures = context["figures"]
        assert figures["agencies"]
        for bar in figures["agencies"]:
            assert listed(client, bar.url) == want["overdue_rows"][bar.label]
            assert len(want["overdue_rows"][bar.label]) == bar.value
        assert figures["fields"]
        for bar in figures["fields"]:
            assert listed(client, bar.url) == want["field_rows"][bar.label]
            assert len(want["field_rows"][bar.label]) == bar.value
        rows = want["rows"]
        progress = {p.key: p for p in figures["progress"]}
        assert listed(client, figures["total_url"]) == {p.pk for p in rows}
        assert listed(client, progress["forwarded"].part_url) == {p.pk for p in rows if p.forwarding_id}
        assert listed(client, progress["on-time"].whole_url) == want["due_reached_rows"]
        assert listed(client, progress["on-time"].part_url) == want["on_time_rows"]
        not_yet = progress["on-time"].extra[0]
        assert listed(client, not_yet[2]) == {p.pk for p in rows if p.forwarding_id and p.status == PetitionStatus.FORWARDED
                                              and p.pk not in want["due_reached_rows"]}
        still, waiting, late = progress["classified"].extra[0], progress["forwarded"].extra[0], progress["on-time"].extra[1]
        assert listed(client, still[2]) == {p.pk for p in rows if p.status == PetitionStatus.RECEIVED}
        assert still[1] == want["unclassified"]
        assert listed(client, waiting[2]) == {p.pk for p in rows if p.status == PetitionStatus.CLASSIFIED}
        overdue = {p.pk for p in rows if p.is_overdue(today)}
        assert listed(client, late[2]) == {p.pk for p in rows if p.pk in overdue and p.forwarding_id}
        # Issue 12: the meetings and minutes figures link to the meeting list filtered by the same rules.
        for figure in (figures["meetings"], figures["minutes"]):
            assert len(listed(client, figure.part_url)) == figure.part
            assert len(listed(client, figure.whole_url)) == figure.whole
        for bar in figures["held_bars"] + figures["minutes_bars"]:
            assert len(listed(client, bar.url)) == bar.value
            assert set(ContactSession.objects.filter(pk__in=listed(client, bar.url))
                       .values_list("group__name", flat=True)) <= {bar.label}
        assert listed(client, figures["overdue_url"]) == overdue
        assert listed(client, figures["overdue_office_url"]) == {p.pk for p in rows if p.pk in overdue
                                                                 and not p.forwarding_id}
        # Meetings: the meeting list of the round and group, filtered by the rule the bar counts with
        # (issue 12: state=held), lists exactly the held ones of that group.
        for bar in figures["held_bars"]:
            response = client.get(bar.url)
            sessions = list(response.context["page_obj"].paginator.object_list)
            assert {s.pk for s in sessions} == {s.pk for s in ContactSession.objects.filter(
                pk__in=meetings[bar.label]["pks"], status=MeetingStatus.HELD)}
            assert len(sessions) == bar.value


def test_thematic_rounds_of_the_year_against_the_target(world, councils, client_for):
    office = client_for(world.users["office"])
    thematic = page(office, {"year": 2026})["thematic"]
    assert (thematic["held"], thematic["planned"], thematic["met"]) == (1, 2, True)
    assert [r.topic for r in thematic["rounds"]] == ["Đất đai", "Môi trường"]
    response = office.get(thematic["rounds"][0].sessions_url)
    assert [s.round_id for s in response.context["page_obj"]] == [thematic["rounds"][0].pk]
    assert page(office, {"year": 2025})["thematic"]["held"] == 1
    assert page(office, {"year": 2024})["thematic"]["planned"] == 0
    commune = page(client_for(world.users["commune_office"]), {"year": 2026})["thematic"]
    assert (commune["held"], commune["planned"], commune["met"]) == (0, 0, False)


def test_a_council_without_rounds_shows_an_empty_page(world, client_for):
    context = page(client_for(world.users["commune_office"]), {})
    assert context["round"] is None and context["figures"] is None
    assert context["thematic"]["planned"] == 0
    assert b"empty-state" in client_for(world.users["commune_office"]).get(URL).content


def test_percentages_are_rounded_down_and_absent_when_there_is_nothing_to_measure():
    from petitions.dashboard import percent
    assert percent(199, 200) == 99
    assert percent(200, 200) == 100
    assert percent(0, 0) is None


@pytest.mark.parametrize("role", ["delegate", "group_leader", "agency"])
def test_roles_without_a_dashboard_are_refused(world, councils, client_for, role):
    assert client_for(world.users[role]).get(URL).status_code == 403
    assert client_for(world.users[role]).get(URL, {"council": world.council.pk}).status_code == 403


def test_anonymous_is_sent_to_log_in(world, client_for):
    response = client_for(None).get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_another_councils_rows_are_never_shown(world, councils, client_for):
    other = client_for(world.users["other_council"])
    assert other.get(URL, {"council": world.council.pk}).status_code == 404
    assert other.get(URL, {"council": world.commune_council.pk}).status_code == 404
    assert other.get(URL, {"round": councils["province"]["round"].pk}).status_code == 404
    assert other.get(URL, {"council": "x"}).status_code == 404
    commune = client_for(world.users["commune_office"])
    assert commune.get(URL, {"council": world.council.pk}).status_code == 404
    # A province office asking for a commune's round under its own council gets a 404, not figures.
    office = client_for(world.users["office"])
    assert office.get(URL, {"council": world.council.pk, "round": councils["commune"]["round"].pk}).status_code == 404


def test_the_page_draws_each_chart_with_its_table(world, councils, client_for):
    response = client_for(world.users["office"]).get(URL)
    html = response.content.decode()
    for chart in ("chart-agency", "chart-field", "chart-held", "chart-minutes"):
        assert f'data-testid="{chart}"' in html and f'data-testid="{chart}-table"' in html
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in html
    assert html.count('role="img"') == 4
    for bar in response.context["figures"]["agencies"]:
        assert f'<a href="{bar.url.replace("&", "&amp;")}">{bar.value}</a>' in html
    assert 'class="dash-chart-label">SYT</text>' in html  # the short name labels the bar


def test_the_home_page_links_office_and_standing_to_their_dashboard(world, client_for):
    target = f'{URL}?council={world.council.pk}'
    for role in ("office", "standing"):
        assert target in client_for(world.users[role]).get(reverse("home")).content.decode()
    for role in ("delegate", "group_leader", "agency"):
        assert URL not in client_for(world.users[role]).get(reverse("home")).content.decode()


# ------------------------------------------------------------------------------------ speed

def bulk_petitions(*, council, rnd, group, field, agency, office, n, first=0):
    """`n` more petitions of the round in every state, written in bulk."""
    forwarding = Forwarding.objects.create(council=council, agency=agency, forwarded_at=timezone.now(),
                                           answer_due_on=datetime.date(2026, 12, 31), answer_due_explanation="30 ngày")
    states = [PetitionStatus.RECEIVED, PetitionStatus.CLASSIFIED, PetitionStatus.FORWARDED,
              PetitionStatus.ANSWERED, PetitionStatus.CLOSED]
    rows = []
    for i in range(n):
        status = states[i % len(states)]
        forwarded = status in (PetitionStatus.FORWARDED, PetitionStatus.ANSWERED, PetitionStatus.CLOSED)
        rows.append(Petition(council=council, round=rnd, group=group, text=f"Kiến nghị số {i}", status=status,
                             agency=agency if status != PetitionStatus.RECEIVED else None,
                             level=agency.level if status != PetitionStatus.RECEIVED else "",
                             forwarding=forwarding if forwarded else None,
                             answer_due_on=datetime.date(2026, 12, 31) if forwarded else None,
                             due_on=PAST if i % 3 == 0 and status != PetitionStatus.CLOSED else None,
                             public_code=f"KN-2026-8{first + i:05d}", created_by=office))
    created = Petition.objects.bulk_create(rows)
    Petition.fields.through.objects.bulk_create(
        [Petition.fields.through(petition_id=p.pk, petitionfield_id=field.pk) for p in created
         if p.status != PetitionStatus.RECEIVED])
    Answer.objects.bulk_create([Answer(petition=p, agency=agency, outcome="resolved", text="Đã giải quyết")
                                for p in created if p.status in (PetitionStatus.ANSWERED, PetitionStatus.CLOSED)])


def count_queries(client, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(queries), response.context["figures"]["totals"]["total"]


def test_the_number_of_queries_does_not_grow_with_the_petitions(world, client_for):
    rnd = make_round(world.council)
    field = PetitionField.objects.create(council=world.council, name="Giao thông")
    commune = CommuneFactory(council=world.council, name="Xã Đo")
    for status in (MeetingStatus.HELD, MeetingStatus.PLANNED):
        make_meeting(world.council, rnd, world.group_a, commune, status)
    office = client_for(world.users["office"])
    kwargs = {"council": world.council, "rnd": rnd, "group": world.group_a, "field": field, "agency": world.agency,
              "office": world.users["office"]}
    bulk_petitions(n=10, **kwargs)
    first, total = count_queries(office, {"round": rnd.pk})  # the round's first view counts it and keeps
    assert total == 10
    kept, total = count_queries(office, {"round": rnd.pk})
    assert total == 10
    assert kept == first - 4  # the three counts and the write of the kept row
    bulk_petitions(n=290, first=10, **kwargs)
    # Written in bulk, past the services and their history: the hourly recount (MAX_AGE) takes them.
    round_figures_refresh(council_id=world.council.pk, round_id=rnd.pk)
    many, total = count_queries(office, {"round": rnd.pk})
    assert total == 300
    assert many == kept == 10
