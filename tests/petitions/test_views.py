"""Council staff's petition pages: the list with its filters and bulk actions, one petition's page
and its actions, progress, sending to the office; scoped to the user's councils, each refused role
tested."""
import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delegations.models import AgencyLevel
from petitions import services
from petitions.models import EventKind, Forwarding, Petition, PetitionStatus
from tests.factories import AgencyFactory, CommuneFactory
from tests.petitions.builders import VOTER, forwarded, make


def query_count(client, url, params=None):
    cache.clear()  # the filter menus are cached per council (petitions.menus): count the dearest, cold case
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries), response


def test_the_list_runs_a_fixed_number_of_queries_with_every_filter(world, meeting, field, client_for):
    office = client_for(world.users["office"])
    url = reverse("petitions:petition_list")
    everything = {"q": "duong giao thong", "round": meeting.round_id, "group": meeting.group_id,
                  "commune": meeting.commune_id, "field": field.pk, "level": "province", "agency": world.agency.pk,
                  "status": "classified"}
    petitions = make(world, meeting, 10)
    services.petitions_classify(petitions=petitions, user=world.users["office"], fields=[field], agency=world.agency)
    few_plain, _ = query_count(office, url)
    few_filtered, response = query_count(office, url, everything)
    assert response.context["page_obj"].paginator.count == 10
    rows = []
    for i in range(490):
        rows.append(Petition(council=world.council, session=meeting, round=meeting.round, group=meeting.group,
                             commune=meeting.commune, text=f"Đề nghị sửa đường giao thông thôn {i}",
                             search_text=f"de nghi sua duong giao thong thon {i}", level="province",
                             agency=world.agency, status="classified", public_code=f"KN-2026-9{i:05d}"))
    created = Petition.objects.bulk_create(rows)
    Petition.fields.through.objects.bulk_create(
        [Petition.fields.through(petition_id=p.pk, petitionfield_id=field.pk) for p in created])
    assert Petition.objects.count() == 500
    many_plain, _ = query_count(office, url)
    many_filtered, response = query_count(office, url, everything)
    # Page 1 counts ten pages' worth at most (lists.PAGES_AHEAD): "more than 250".
    assert response.context["page_obj"].paginator.count == 251
    assert (few_plain, few_filtered) == (many_plain, many_filtered)
    # Cold menu cache, inside the test's transaction (planner settings read and put back): the list
    # 21, the search with every filter 32 (it also counts the scope, counts in order, and reads its
    # page in order in a block of its own, the page's fields read after it). The bulk form's menus
    # come from the cached lists (ClassifyForm.menus_from_cache).
    assert (many_plain, many_filtered) == (21, 32)
    overdue, response = query_count(office, url, {"overdue": "1", "unclassified": "1"})
    assert overdue <= many_plain
    # Warm: the next page of the same search neither counts again ("more than 250" is remembered,
    # settings.CAPPED_COUNT_SECONDS) nor measures the user's scope (SCOPE_SIZE_CACHE_SECONDS); the
    # menus come from the cache. An exact count (the plain list of ten) is never remembered.
    office.get(url, everything)
    with CaptureQueriesContext(connection) as warm:
        response = office.get(url, {**everything, "page": "2"})
    page = response.context["page_obj"]
    assert (page.paginator.count, page.paginator.num_pages, len(page)) == (251, 10, 25)
    assert not [q for q in warm.captured_queries if "petitions_petition" in q["sql"] and "COUNT(" in q["sql"].upper()]
    # Fewer by the menus (4), the scope (1) and the count with its planner settings (savepoint, read,
    # set, count, put back, release: 6).
    assert len(warm) == many_filtered - 4 - 1 - 6


def test_each_filter_narrows_the_list_and_stays_in_the_page_links(world, meeting, field, client_for):
    office = client_for(world.users["office"])
    other_commune = CommuneFactory(council=world.council, name="Đông Phong")
    classified = make(world, meeting, 2)
    services.petitions_classify(petitions=classified, user=world.users["office"], fields=[field], agency=world.agency)
    fees = services.petition_create(council=world.council, user=world.users["office"], text="Hỗ trợ học phí",
                                    commune=other_commune)
    late = services.petition_create(council=world.council, user=world.users["office"], text="Đèn đường hỏng")
    Petition.objects.filter(pk=late.pk).update(due_on=datetime.date(2020, 1, 1))
    url = reverse("petitions:petition_list")

    def codes(**params):
        return {p.public_code for p in office.get(url, params).context["page_obj"]}

    assert codes(status="classified") == {p.public_code for p in classified}
    assert codes(commune=other_commune.pk) == {fees.public_code}
    assert codes(overdue=1) == {late.public_code}
    assert codes(q="hoc phi") == codes(commune=other_commune.pk)
    assert codes(field=field.pk, agency=world.agency.pk, level="province") == {p.public_code for p in classified}
    assert codes(level="central") == set()
    assert len(codes(round=meeting.round_id, group=meeting.group_id)) == 2
    response = office.get(url, {"status": "received"})
    assert response.context["querystring"] == "status=received"


def test_a_commune_office_never_sees_the_province_petitions(world, meeting, field, client_for):
    make(world, meeting, 3, voter=True)
    commune_petition = services.petition_create(council=world.commune_council, user=world.users["commune_office"],
                                                text="Đề nghị sửa đường giao thông nội đồng")
    commune = client_for(world.users["commune_office"])
    page = commune.get(reverse("petitions:petition_list"), {"q": "duong giao thong"}).context["page_obj"]
    assert [p.pk for p in page] == [commune_petition.pk]
    assert page.paginator.count == 1
    province_petition = Petition.objects.filter(council=world.council).first()
    assert commune.get(reverse("petitions:petition_detail", args=[province_petition.pk])).status_code == 404
    other = client_for(world.users["other_council"])
    assert other.get(reverse("petitions:petition_list")).context["page_obj"].paginator.count == 0
    progress = other.get(reverse("petitions:progress")).context["rows"]
    assert progress == []


def test_the_province_office_reads_a_commune_petition_without_its_voters(world, client_for):
    petition = services.petition_create(council=world.commune_council, user=world.users["commune_office"],
                                        text="Đề nghị nạo vét kênh", voters=[{"name": VOTER}])
    province = client_for(world.users["office"]).get(reverse("petitions:petition_detail", args=[petition.pk]))
    assert province.status_code == 200
    assert VOTER not in province.content.decode()
    own = client_for(world.users["commune_office"]).get(reverse("petitions:petition_detail", args=[petition.pk]))
    assert VOTER in own.content.decode()


@pytest.mark.parametrize("role, status", [("agency", 403), ("other_council", 404), (None, 302)])
def test_the_petition_page_is_refused_to_others(world, meeting, role, status, client_for):
    petition = make(world, meeting, 1, voter=True)[0]
    response = client_for(world.users.get(role)).get(reverse("petitions:petition_detail", args=[petition.pk]))
    assert response.status_code == status
    assert VOTER not in response.content.decode()


def test_the_office_classifies_five_at_once_and_forwards_them(world, meeting, field, client_for):
    petitions = make(world, meeting, 6)
    office = client_for(world.users["office"])
    ids = [p.pk for p in petitions[:5]]
    response = office.post(reverse("petitions:bulk"), {"ids": ids, "action": "classify", "fields_": [field.pk],
                                                       "agency": world.agency.pk, "next": "/petitions/?status=received"})
    assert response.status_code == 302 and response["Location"] == "/petitions/?status=received"
    assert set(Petition.objects.filter(status=PetitionStatus.CLASSIFIED).values_list("pk", flat=True)) == set(ids)
    assert Petition.objects.get(pk=ids[0]).level == AgencyLevel.PROVINCE
    office.post(reverse("petitions:bulk"), {"ids": ids + [petitions[5].pk], "action": "forward"})
    assert not Forwarding.objects.exists()  # one unclassified petition in the batch refuses the whole batch
    office.post(reverse("petitions:bulk"), {"ids": ids, "action": "forward", "confirmed": "1"})
    forwarding = Forwarding.objects.get()
    assert forwarding.petitions.count() == 5 and forwarding.agency == world.agency
    assert forwarding.forward_due_on and forwarding.answer_due_on


def test_bulk_actions_are_refused_to_everyone_but_the_office(world, meeting, field, client_for):
    petition = make(world, meeting, 1)[0]
    data = {"ids": [petition.pk], "action": "classify", "fields_": [field.pk], "agency": world.agency.pk}
    for role in ("standing", "group_leader", "delegate", "agency"):
        assert client_for(world.users[role]).post(reverse("petitions:bulk"), data).status_code == 403
    other_office = client_for(world.users["commune_office"])
    other_office.post(reverse("petitions:bulk"), data)
    assert Petition.objects.get().status == PetitionStatus.RECEIVED


def test_merging_from_the_list_and_undoing_it(world, meeting, client_for):
    first, second = make(world, meeting, 2, voter=True)
    office = client_for(world.users["office"])
    office.post(reverse("petitions:bulk"), {"ids": [first.pk, second.pk], "action": "merge", "main": second.pk})
    second.refresh_from_db()
    assert Petition.objects.get(pk=first.pk).merged_into == second
    assert (second.voter_count, second.meeting_count) == (2, 1)
    page = office.get(reverse("petitions:petition_detail", args=[second.pk])).content.decode()
    assert first.public_code in page and page.count(VOTER) == 2
    office.post(reverse("petitions:unmerge", args=[first.pk]))
    second.refresh_from_db()
    assert Petition.objects.get(pk=first.pk).merged_into is None and second.voter_count == 1


def test_review_actions_belong_to_the_office_and_the_standing_committee(world, meeting, field, client_for):
    petition = forwarded(world, meeting, field)[0]
    services.answer_record(petition=petition, user=world.users["agency"], agency=world.agency, outcome="resolved",
                           text="Đã sửa xong")
    for role, status in (("delegate", 403), ("group_leader", 403), ("agency", 404), ("other_council", 404)):
        client = client_for(world.users[role])
        assert client.post(reverse("petitions:send_back", args=[petition.pk]), {"note": "x"}).status_code == status
        assert client.post(reverse("petitions:close", args=[petition.pk])).status_code == status
    standing = client_for(world.users["standing"])
    standing.post(reverse("petitions:send_back", args=[petition.pk]), {"note": "Chưa sửa mặt đường"})
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.FORWARDED
    assert petition.events.filter(kind=EventKind.SENT_BACK).exists()
    response = standing.post(reverse("petitions:close", args=[petition.pk]))
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.FORWARDED  # closing an unanswered petition is refused


def test_the_timeline_shows_every_step(world, meeting, field, client_for):
    petition = forwarded(world, meeting, field)[0]
    services.answer_record(petition=petition, user=world.users["agency"], agency=world.agency, outcome="resolved",
                           text="Đã sửa xong")
    client_for(world.users["office"]).post(reverse("petitions:close", args=[petition.pk]), {"confirmed": "1"})
    response = client_for(world.users["standing"]).get(reverse("petitions:petition_detail", args=[petition.pk]))
    kinds = [e.kind for e in response.context["events"]]
    assert kinds == ["received", "classified", "forwarded", "answered", "closed"]


def test_an_extension_is_decided_by_the_office(world, meeting, field, client_for):
    petition = forwarded(world, meeting, field)[0]
    until = petition.answer_due_on + datetime.timedelta(days=30)
    extension = services.extension_request(petition=petition, user=world.users["agency"], agency=world.agency,
                                           until=until, reason="Chờ vốn")
    url = reverse("petitions:extension_decide", args=[extension.pk])
    assert client_for(world.users["standing"]).post(url, {"decision": "grant"}).status_code == 403
    client_for(world.users["office"]).post(url, {"decision": "grant"})
    petition.refresh_from_db()
    assert petition.answer_due_on == until and petition.due_on == until


def test_raising_again_links_the_two_petitions(world, meeting, field, client_for):
    from plans.models import ContactRound, RoundKind
    petition = forwarded(world, meeting, field)[0]
    services.answer_record(petition=petition, user=world.users["agency"], agency=world.agency, outcome="explained",
                           text="Đã giải trình")
    later = ContactRound.objects.create(plan=meeting.round.plan, kind=RoundKind.AFTER_SITTING,
                                        starts_on=datetime.date(2027, 1, 5), ends_on=datetime.date(2027, 1, 20))
    response = client_for(world.users["office"]).post(reverse("petitions:raise_again", args=[petition.pk]),
                                                      {"round": later.pk})
    again = Petition.objects.get(previous=petition)
    assert response["Location"] == again.get_absolute_url()
    assert again.round == later and again.status == PetitionStatus.CLASSIFIED


def test_the_group_leader_sends_the_group_petitions(world, meeting, client_for):
    make(world, meeting, 3)
    leader = client_for(world.users["group_leader"])
    page = leader.get(reverse("petitions:submit"))
    assert [row["pending"] for row in page.context["rows"]] == [3]
    leader.post(reverse("petitions:submit"), {"round": meeting.round_id, "group": meeting.group_id})
    assert Petition.objects.filter(submission__isnull=False).count() == 3
    # A delegate of another group cannot send group A's petitions.
    response = client_for(world.users["delegate"]).post(reverse("petitions:submit"),
                                                        {"round": meeting.round_id, "group": meeting.group_id})
    assert response.status_code == 404


def test_progress_counts_the_unclassified_per_round_and_group(world, meeting, field, client_for):
    petitions = make(world, meeting, 4)
    services.petitions_classify(petitions=petitions[:1], user=world.users["office"], fields=[field],
                                agency=world.agency)
    rows = client_for(world.users["office"]).get(reverse("petitions:progress")).context["rows"]
    assert [(r["total"], r["unclassified"], r["waiting"]) for r in rows] == [(4, 3, 1)]


def test_a_letter_is_typed_in_and_similar_petitions_are_shown(world, meeting, field, client_for):
    make(world, meeting, 1, text="Đề nghị sửa chữa đường giao thông liên thôn Kiêm Tân bị xuống cấp")
    office = client_for(world.users["office"])
    similar = office.get(reverse("petitions:similar"), {"council": world.council.pk, "round": meeting.round_id,
                                                        "text": "sua chua duong giao thong lien thon Kiem Tan"})
    assert len(similar.context["similar"]) == 1
    assert client_for(world.users["other_council"]).get(reverse("petitions:similar"), {
        "council": world.council.pk, "text": "sua chua duong giao thong lien thon Kiem Tan"}).context["similar"] == []
    response = client_for(world.users["office"]).post(reverse("petitions:petition_new"), {
        "source": "letter", "text": "Đề nghị lắp đèn đường", "fields_": [field.pk], "voter_0_name": VOTER,
        "voter_0_phone": "0912"})
    petition = Petition.objects.get(text="Đề nghị lắp đèn đường")
    assert response["Location"] == petition.get_absolute_url() and petition.voter_count == 1
    empty = client_for(world.users["office"]).post(reverse("petitions:petition_new"), {"source": "letter", "text": ""})
    assert empty.status_code == 400
    assert client_for(world.users["delegate"]).get(reverse("petitions:petition_new")).status_code == 403


def test_the_public_lookup_shows_the_answer_and_no_personal_data(world, meeting, field, client):
    petition = forwarded(world, meeting, field, voter=True)[0]
    services.answer_record(petition=petition, user=world.users["agency"], agency=world.agency, outcome="resolved",
                           text="Đã hoàn thành sửa chữa tuyến đường")
    services.petition_close(petition=petition, user=world.users["office"])  # the office accepts it: now public
    response = client.get(reverse("petitions:lookup"), {"code": petition.public_code.lower()})
    html = response.content.decode()
    assert "Đã hoàn thành sửa chữa tuyến đường" in html and str(world.agency) in html
    assert VOTER not in html and "0912000111" not in html


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index exists on PostgreSQL only")
def test_search_is_served_by_the_trigram_index_on_postgresql(world):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        # The planner on a near-empty table prefers a scan; disabling it shows which index serves the
        # LIKE '%…%' words (at province scale the bench measures the real plan).
        sql, params = Petition.objects.search("duong giao thong").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "petition_search_trgm" in plan, plan


def test_another_agency_of_the_same_level_is_accepted_in_classification(world, meeting, field):
    commune_agency = AgencyFactory(council=world.council, name="UBND xã Kiêm Tân", level=AgencyLevel.COMMUNE)
    petition = make(world, meeting, 1)[0]
    services.petitions_classify(petitions=[petition], user=world.users["office"], fields=[field],
                                agency=commune_agency)
    assert petition.level == AgencyLevel.COMMUNE and petition.status == PetitionStatus.CLASSIFIED


def test_the_history_names_the_fields_a_classification_set(world, meeting, field, client_for):
    petition = make(world, meeting, 1)[0]
    services.petitions_classify(petitions=[petition], user=world.users["office"], fields=[field],
                                agency=world.agency)
    history = client_for(world.users["office"]).get(
        reverse("petitions:petition_detail", args=[petition.pk])).context["history"]
    values = [str(change["new"]) for entry in history for change in entry["changes"]]
    assert "Giao thông" in values
    assert not any("petitionfield" in value for value in values)


def test_a_commune_level_petition_raised_again_has_no_forwarding_clock(world, meeting, field):
    from delegations.models import Deadline
    from plans.models import ContactRound, RoundKind
    commune_agency = AgencyFactory(council=world.council, name="UBND xã Kiêm Tân", level=AgencyLevel.COMMUNE)
    petition = make(world, meeting, 1)[0]
    services.petitions_classify(petitions=[petition], user=world.users["office"], fields=[field],
                                agency=commune_agency)
    services.petitions_forward(petitions=[Petition.objects.get(pk=petition.pk)], user=world.users["office"])
    services.answer_record(petition=Petition.objects.get(pk=petition.pk), user=world.users["office"],
                           agency=commune_agency, outcome="explained", text="Đã giải trình")
    later = ContactRound.objects.create(plan=meeting.round.plan, kind=RoundKind.AFTER_SITTING,
                                        starts_on=datetime.date(2027, 1, 5), ends_on=datetime.date(2027, 1, 20))
    again = services.petition_raise_again(previous=Petition.objects.get(pk=petition.pk), round=later,
                                          user=world.users["office"])
    assert again.level == AgencyLevel.COMMUNE and again.forward_due_on is None and again.due_on is None
    assert not Deadline.objects.filter(object_id=again.pk, kind="petition_forward", state="open").exists()


@pytest.mark.parametrize("main", ["abc", "99999999999999999999", "0"])
def test_merging_with_a_main_petition_that_is_not_selected_merges_nothing_and_says_why(world, meeting, client_for,
                                                                                      main):
    first, second = make(world, meeting, 2)
    office = client_for(world.users["office"])
    response = office.post(reverse("petitions:bulk"), {"ids": [first.pk, second.pk], "action": "merge",
                                                       "main": main}, follow=True)
    assert not Petition.objects.filter(merged_into__isnull=False).exists()
    assert "Hãy chọn kiến nghị chính trong số các kiến nghị đã chọn." in [str(m) for m in response.context["messages"]]
