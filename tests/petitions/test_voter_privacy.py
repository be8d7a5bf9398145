"""Voters' personal data (issue 10, findings 1–3): one rule decides who sees a voter's name, address
and phone — the office staff and standing committee of the petition's own council, and the leader and
delegates of the group at whose meeting it was raised — and every display or export is logged."""
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from delegations.models import Membership, Role
from petitions import services
from petitions.models import Petition, PetitionVoter, VoterDataAccess, VoterDataSurface
from petitions.privacy import voter_access_log_purge
from petitions.spreadsheets import PETITION_COLUMNS
from plans.models import ContactPlan, ContactRound, PlanStatus, RoundKind
from sessions.models import ContactSession, MeetingStatus
from tests.factories import (
    CommuneFactory,
    DelegateFactory,
    DelegateGroupFactory,
    MembershipFactory,
    TermFactory,
    UserFactory,
)

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
PROVINCE_VOTER = {"voter_name": "Tạ Thị Privatea", "voter_address": "Thôn Kiêm Tân Privateb", "voter_phone": "0911222333"}
OTHER_GROUP_VOTER = {"voter_name": "Mạc Văn Groupbee", "voter_address": "Thôn Bắc Groupbee", "voter_phone": "0911222444"}
COMMUNE_VOTER = {"voter_name": "Hà Văn Communea", "voter_address": "Xóm Đông Communeb", "voter_phone": "0911222555"}


def meeting_of(council, group, term=None, day=24):
    plan = ContactPlan.objects.filter(council=council).first() or ContactPlan.objects.create(
        council=council, year=2026, subject="Kế hoạch TXCT", status=PlanStatus.ISSUED, number=1,
        issued_on=datetime.date(2026, 10, 15))
    rnd = plan.rounds.first() or ContactRound.objects.create(
        plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=datetime.date(2026, 11, 2), ends_on=datetime.date(2026, 12, 1))
    commune = CommuneFactory(council=council)
    return ContactSession.objects.create(council=council, round=rnd, group=group, commune=commune,
                                         status=MeetingStatus.HELD, venue="Nhà văn hóa",
                                         starts_at=datetime.datetime(2026, 11, day, 8, tzinfo=HANOI))


def raise_at(meeting, user, voter, text="Đề nghị sửa đường liên thôn"):
    return services.petitions_from_floor(session=meeting, user=user, rows=[{"text": text, **voter}])[0]


@pytest.fixture
def data(world):
    """A province petition raised at a meeting of group A, one at a meeting of group B, and a commune
    council's petition; a delegate of group A with an account beside the world's roles."""
    world.users["group_a_delegate"] = MembershipFactory(
        user=UserFactory(username="daibieu_a"), council=world.council, role=Role.DELEGATE, group=world.group_a).user
    meeting_a = meeting_of(world.council, world.group_a)
    meeting_b = meeting_of(world.council, world.group_b, day=25)
    commune_term = TermFactory(council=world.commune_council, name="Khóa I", is_current=True)
    commune_group = DelegateGroupFactory(council=world.commune_council, term=commune_term, name="Tổ thôn Đông")
    commune_meeting = meeting_of(world.commune_council, commune_group, day=26)
    return {
        "meeting_a": meeting_a, "meeting_b": meeting_b, "commune_meeting": commune_meeting,
        "province": raise_at(meeting_a, world.users["group_leader"], PROVINCE_VOTER),
        "other_group": raise_at(meeting_b, world.users["office"], OTHER_GROUP_VOTER, "Đề nghị làm đèn đường"),
        "commune": raise_at(commune_meeting, world.users["commune_office"], COMMUNE_VOTER, "Đề nghị nạo vét kênh"),
    }


def shows(response, voter):
    text = response.content.decode()
    return {key: value in text for key, value in voter.items() if key != "voter_phone" or "floor" not in
            response.wsgi_request.path}


def export_rows(client, **params):
    response = client.get(reverse("petitions:export"), params)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    return {row[0]: dict(zip(PETITION_COLUMNS, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)}


# ------------------------------------------------------------------------------------ the one rule

def test_the_rule_names_exactly_the_petitions_each_role_sees_the_voters_of(world, data):
    expected = {
        "office": {"province", "other_group"}, "standing": {"province", "other_group"},
        "group_leader": {"province"}, "group_a_delegate": {"province"}, "delegate": {"other_group"},
        "agency": set(), "commune_office": {"commune"}, "other_council": set(),
    }
    names = {data[key].pk: key for key in ("province", "other_group", "commune")}
    for role, keys in expected.items():
        user = world.users[role]
        assert {names[pk] for pk in Petition.objects.voters_visible_to(user).values_list("pk", flat=True)} == keys, role
        voters = PetitionVoter.objects.visible_to(user).values_list("petition_id", flat=True)
        assert {names[pk] for pk in voters} == keys, role
        assert {key for key in names.values() if data[key].voters_visible_to(user)} == keys, role


def test_anonymous_and_superuser(world, data):
    from django.contrib.auth.models import AnonymousUser
    assert not Petition.objects.voters_visible_to(AnonymousUser()).exists()
    assert not PetitionVoter.objects.visible_to(AnonymousUser()).exists()
    admin = UserFactory(username="root", is_superuser=True)
    assert PetitionVoter.objects.visible_to(admin).count() == 3


def test_a_delegate_linked_by_their_delegate_record_sees_their_groups_voters_while_a_member(world, data):
    user = UserFactory(username="lienket")
    membership = MembershipFactory(user=user, council=world.council, role=Role.DELEGATE)  # no group on it
    DelegateFactory(council=world.council, term=world.term, full_name="Lê Văn Liên", group=world.group_a, user=user)
    assert list(Petition.objects.voters_visible_to(user)) == [data["province"]]
    membership.is_active = False
    membership.save()
    assert not Petition.objects.voters_visible_to(user).exists()


def test_a_deactivated_office_member_sees_no_voter(world, data):
    Membership.objects.filter(user=world.users["office"]).update(is_active=False)
    assert not PetitionVoter.objects.visible_to(world.users["office"]).exists()


# ------------------------------------------------------------------------------- finding 1: export

def test_finding_1_the_province_export_leaves_the_commune_voters_column_empty(world, data, client_for):
    for role in ("office", "standing"):
        rows = export_rows(client_for(world.users[role]))
        commune_row = rows[data["commune"].public_code]  # the row is there (oversight) ...
        assert commune_row["voters"] in ("", None)  # ... without its voters
        assert PROVINCE_VOTER["voter_name"] in rows[data["province"].public_code]["voters"]
        assert OTHER_GROUP_VOTER["voter_phone"] in rows[data["other_group"].public_code]["voters"]


def test_the_commune_office_exports_its_own_voters(world, data, client_for):
    rows = export_rows(client_for(world.users["commune_office"]))
    assert set(rows) == {data["commune"].public_code}
    assert COMMUNE_VOTER["voter_address"] in rows[data["commune"].public_code]["voters"]


@pytest.mark.parametrize("role", ["group_leader", "delegate", "agency"])
def test_the_export_is_refused_to_roles_that_do_not_oversee(world, data, client_for, role):
    assert client_for(world.users[role]).get(reverse("petitions:export")).status_code == 403


def test_the_export_runs_a_fixed_number_of_queries_log_included(world, data, client_for):
    client = client_for(world.users["office"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            export_rows(client)
        return len(queries)

    few = count()
    for i in range(30):
        raise_at(data["meeting_a"], world.users["office"], {"voter_name": f"Cử tri {i}"}, f"Kiến nghị {i}")
    assert count() == few
    assert VoterDataAccess.objects.filter(surface=VoterDataSurface.EXPORT).count() == 2


# ---------------------------------------------------------------------------- finding 2: the floor

@pytest.mark.parametrize("role", ["office", "standing"])
def test_finding_2_the_province_reads_a_commune_floor_table_without_voters(world, data, client_for, role):
    response = client_for(world.users[role]).get(reverse("petitions:floor", args=[data["commune_meeting"].pk]))
    assert response.status_code == 200
    assert data["commune"].public_code in response.content.decode()  # the petition is listed ...
    assert not any(shows(response, COMMUNE_VOTER).values())  # ... its voter is not


def test_the_commune_office_and_the_raising_group_see_their_floor_voters(world, data, client_for):
    response = client_for(world.users["commune_office"]).get(
        reverse("petitions:floor", args=[data["commune_meeting"].pk]))
    assert all(shows(response, COMMUNE_VOTER).values())
    for role in ("group_leader", "group_a_delegate", "office"):
        response = client_for(world.users[role]).get(reverse("petitions:floor", args=[data["meeting_a"].pk]))
        assert all(shows(response, PROVINCE_VOTER).values()), role


# ------------------------------------------------------------------ finding 3: other groups' voters

def test_finding_3_a_delegate_sees_no_voter_of_another_groups_meeting(world, data, client_for):
    client = client_for(world.users["delegate"])  # a delegate of group B
    response = client.get(reverse("petitions:petition_detail", args=[data["province"].pk]))
    assert response.status_code == 200 and response.context["voters"] is None
    assert not any(shows(response, PROVINCE_VOTER).values())
    response = client.get(reverse("petitions:floor", args=[data["meeting_a"].pk]))
    assert response.status_code == 200 and not any(shows(response, PROVINCE_VOTER).values())
    # ... and sees those of their own group's meeting.
    response = client.get(reverse("petitions:petition_detail", args=[data["other_group"].pk]))
    assert all(shows(response, OTHER_GROUP_VOTER).values())


@pytest.mark.parametrize("role, status, sees", [
    ("office", 200, True), ("standing", 200, True), ("group_leader", 200, True), ("group_a_delegate", 200, True),
    ("delegate", 200, False), ("agency", 403, False), ("commune_office", 404, False),
    ("other_council", 404, False), (None, 302, False)])
def test_the_petition_page_per_role(world, data, client_for, role, status, sees):
    response = client_for(world.users.get(role)).get(reverse("petitions:petition_detail", args=[data["province"].pk]))
    assert response.status_code == status
    if sees:
        assert all(shows(response, PROVINCE_VOTER).values())
    else:
        assert not any(shows(response, PROVINCE_VOTER).values())


@pytest.mark.parametrize("role", ["office", "standing"])
def test_the_province_reads_a_commune_petition_without_its_voters(world, data, client_for, role):
    response = client_for(world.users[role]).get(reverse("petitions:petition_detail", args=[data["commune"].pk]))
    assert response.status_code == 200 and not any(shows(response, COMMUNE_VOTER).values())


def test_merged_voters_of_another_groups_meeting_stay_hidden_from_the_leader(world, data, client_for):
    services.petitions_merge(main=data["province"], duplicates=[data["other_group"]], user=world.users["office"])
    response = client_for(world.users["group_leader"]).get(
        reverse("petitions:petition_detail", args=[data["province"].pk]))
    assert all(shows(response, PROVINCE_VOTER).values())
    assert not any(shows(response, OTHER_GROUP_VOTER).values())
    response = client_for(world.users["office"]).get(reverse("petitions:petition_detail", args=[data["province"].pk]))
    assert all(shows(response, PROVINCE_VOTER).values()) and all(shows(response, OTHER_GROUP_VOTER).values())


@pytest.mark.parametrize("role", ["office", "delegate", "group_leader", "commune_office"])
def test_searching_by_a_voters_name_finds_nothing_for_those_who_may_not_see_them(world, data, client_for, role):
    client = client_for(world.users[role])
    for voter, key in ((PROVINCE_VOTER, "province"), (COMMUNE_VOTER, "commune"), (OTHER_GROUP_VOTER, "other_group")):
        if data[key].voters_visible_to(world.users[role]):
            continue
        for value in (voter["voter_name"], voter["voter_phone"], "privatea communeb groupbee"):
            response = client.get(reverse("petitions:petition_list"), {"q": value})
            assert response.status_code == 200
            assert data[key] not in list(response.context["page_obj"])


# ------------------------------------------------------------------------------ the access log

def test_each_display_of_voters_is_logged_and_hidden_ones_are_not(world, data, client_for):
    url = reverse("petitions:petition_detail", args=[data["province"].pk])
    client_for(world.users["group_leader"]).get(url)
    entry = VoterDataAccess.objects.get()
    assert (entry.user, entry.council, entry.surface) == (world.users["group_leader"], world.council,
                                                          VoterDataSurface.PETITION_PAGE)
    assert entry.codes == [data["province"].public_code] and entry.voter_count == 1 and entry.path == url
    assert abs(entry.at - timezone.now()) < datetime.timedelta(minutes=1)
    client_for(world.users["delegate"]).get(url)  # hidden: nothing shown, nothing logged
    client_for(world.users["office"]).get(reverse("petitions:floor", args=[data["commune_meeting"].pk]))
    assert VoterDataAccess.objects.count() == 1
    client_for(world.users["office"]).get(reverse("petitions:floor", args=[data["meeting_a"].pk]))
    floor = VoterDataAccess.objects.get(surface=VoterDataSurface.FLOOR_TABLE)
    assert floor.codes == [data["province"].public_code]


def test_an_export_is_logged_with_its_filters_one_entry_per_council(world, data, client_for):
    admin = UserFactory(username="root", is_superuser=True)
    export_rows(client_for(admin), status="received", q="khong co kien nghi nao")
    assert not VoterDataAccess.objects.exists()  # no row matched: no voter shown
    export_rows(client_for(admin), status="received")
    entries = {e.council: e for e in VoterDataAccess.objects.all()}
    assert set(entries) == {world.council, world.commune_council}
    assert entries[world.council].filters == {"status": "received"}
    assert sorted(entries[world.council].codes) == sorted([data["province"].public_code,
                                                           data["other_group"].public_code])
    assert entries[world.commune_council].codes == [data["commune"].public_code]


def log_entry(council, user, code, at, surface=VoterDataSurface.PETITION_PAGE):
    return VoterDataAccess.objects.create(council=council, user=user, username=user.username, at=at,
                                          surface=surface, petition_codes=f" {code} ", petition_count=1,
                                          voter_count=1)


def test_the_office_reads_its_own_councils_log_with_filters(world, data, client_for):
    now = timezone.now()
    leader, office = world.users["group_leader"], world.users["office"]
    log_entry(world.council, leader, data["province"].public_code, now - datetime.timedelta(days=3))
    log_entry(world.council, office, data["other_group"].public_code, now)
    log_entry(world.commune_council, world.users["commune_office"], data["commune"].public_code, now)
    client = client_for(office)
    url = reverse("petitions:voter_access_log")
    page = client.get(url)
    assert page.status_code == 200
    assert {e.council for e in page.context["page_obj"]} == {world.council}  # not the commune's log
    assert len(page.context["page_obj"]) == 2
    assert [e.user for e in client.get(url, {"user": leader.pk}).context["page_obj"]] == [leader]
    assert [e.user for e in client.get(url, {"code": data["other_group"].public_code.lower()})
            .context["page_obj"]] == [office]
    day = timezone.localdate(now - datetime.timedelta(days=3))
    within = client.get(url, {"date_from": day.isoformat(), "date_to": day.isoformat()}).context["page_obj"]
    assert [e.user for e in within] == [leader]
    assert [e.user for e in client.get(url, {"surface": "export"}).context["page_obj"]] == []
    commune = client_for(world.users["commune_office"]).get(url).context["page_obj"]
    assert {e.council for e in commune} == {world.commune_council}


@pytest.mark.parametrize("params", [{"date_from": "9999-12-31"}, {"date_from": "abc"}, {"user": "abc"},
                                    {"user": "99999999999999999999"}, {"date_from": "2026-12-01", "date_to": "2026-11-01"},
                                    {"surface": "nothing"}])
def test_bad_filters_are_refused_with_a_message_not_an_error(world, data, client_for, params):
    response = client_for(world.users["office"]).get(reverse("petitions:voter_access_log"), params)
    assert response.status_code == 400
    assert response.context["form"].errors


@pytest.mark.parametrize("role, status", [("standing", 403), ("group_leader", 403), ("delegate", 403),
                                          ("agency", 403), ("other_council", 200), (None, 302)])
def test_the_log_is_refused_to_everyone_but_office_staff(world, data, client_for, role, status):
    log_entry(world.council, world.users["office"], data["province"].public_code, timezone.now())
    response = client_for(world.users.get(role)).get(reverse("petitions:voter_access_log"))
    assert response.status_code == status
    if status == 200:  # another council's office: its own (empty) log, never this one
        assert not list(response.context["page_obj"])


def test_the_log_page_runs_a_fixed_number_of_queries(world, data, client_for, django_assert_num_queries):
    client = client_for(world.users["office"])
    url = reverse("petitions:voter_access_log")
    for i in range(60):  # more than a page (50)
        log_entry(world.council, world.users["group_leader"], f"KN-2026-{i:06d}", timezone.now())
    client.get(url)  # warm the session
    # session, user, the role check, the page's count, the header's memberships and unread count, the
    # user filter's choices (its iterator counts them, then reads them), the page's rows (council and
    # user joined): 9 whatever the number of entries.
    with django_assert_num_queries(9):
        response = client.get(url, {"page": 2})
    assert len(response.context["page_obj"]) == 10
    assert "KN-2026-000000" in response.content.decode()


def test_the_menu_links_the_log_for_office_staff_only(world, data, client_for):
    url = reverse("petitions:voter_access_log")
    assert url in client_for(world.users["office"]).get(reverse("petitions:petition_list")).content.decode()
    assert url not in client_for(world.users["delegate"]).get(reverse("petitions:petition_list")).content.decode()


def test_entries_older_than_the_retention_are_purged(world, data, settings):
    now = timezone.now()
    old = log_entry(world.council, world.users["office"], "KN-1", now - datetime.timedelta(days=731))
    kept = log_entry(world.council, world.users["office"], "KN-2", now - datetime.timedelta(days=729))
    assert settings.VOTER_ACCESS_LOG_RETENTION_DAYS == 730
    assert voter_access_log_purge(now=now) == 1
    assert list(VoterDataAccess.objects.all()) == [kept]
    assert voter_access_log_purge(now=now) == 0  # idempotent
    settings.VOTER_ACCESS_LOG_RETENTION_DAYS = 30
    from petitions.tasks import voter_access_log_purge_task
    assert voter_access_log_purge_task() == 1 and not VoterDataAccess.objects.exists()
    assert old.pk


def test_beat_runs_the_purge_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["voter-access-log-purge"]
    assert entry["task"] == "petitions.tasks.voter_access_log_purge_task" and entry["schedule"] == 24 * 60 * 60
    from config.celery import app
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_the_log_outlives_a_deleted_account(world, data, client_for):
    user = world.users["group_leader"]
    client_for(user).get(reverse("petitions:petition_detail", args=[data["province"].pk]))
    user.delete()
    entry = VoterDataAccess.objects.get()
    assert entry.user is None and entry.username == "totruong"
