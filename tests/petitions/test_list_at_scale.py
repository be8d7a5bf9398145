"""What the province-scale benchmark changed in the lists (README "Measured performance"): the petition
list and the agency inbox count at most a limit and say "more than …"; a search reads the rows in
the list's order when it matches many, or when the user's councils hold few petitions — the same rows
in the same order as the plain way, whichever way is taken."""
import pytest
from django.conf import settings
from django.urls import reverse

from petitions import services
from petitions.models import Petition
from petitions.views import agency as agency_views
from petitions.views import lists
from tests.petitions.builders import make, receive


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_list_says_more_than_the_limit_and_pages_up_to_it(world, meeting, client_for, monkeypatch):
    make(world, meeting, 5)
    monkeypatch.setattr(lists, "COUNT_LIMIT", 3)
    office = english(client_for(world.users["office"]))
    response = office.get(reverse("petitions:petition_list"))
    page = response.context["page_obj"]
    assert page.paginator.count_capped and len(page.object_list) == 3
    html = response.content.decode()
    assert "More than 3 petitions" in html and "5 petitions" not in html
    monkeypatch.setattr(lists, "COUNT_LIMIT", 5)
    response = office.get(reverse("petitions:petition_list"))
    assert not response.context["page_obj"].paginator.count_capped
    assert "5 petitions" in response.content.decode()


def test_a_page_counts_up_to_a_few_pages_past_itself(world, meeting, client_for, monkeypatch):
    make(world, meeting, 5)
    monkeypatch.setattr(lists, "PAGE_SIZE", 1)
    monkeypatch.setattr(lists, "PAGES_AHEAD", 2)
    office = english(client_for(world.users["office"]))
    newest = list(Petition.objects.order_by("-created_at", "-pk").values_list("pk", flat=True))
    response = office.get(reverse("petitions:petition_list"))
    page = response.context["page_obj"]
    assert page.paginator.count_capped and page.paginator.limit == 3 and page.paginator.num_pages == 3
    assert "More than 3 petitions" in response.content.decode() and [p.pk for p in page] == newest[:1]
    response = office.get(reverse("petitions:petition_list"), {"page": 3})  # counts up to page 5: all five
    page = response.context["page_obj"]
    assert not page.paginator.count_capped and page.paginator.count == 5 and page.has_next()
    assert "5 petitions" in response.content.decode() and [p.pk for p in page] == newest[2:3]


@pytest.mark.parametrize("small_scope, limit", [(0, 1000), (0, 2), (10**6, 1000), (10**6, 2)],
                         ids=["trigram-index", "many-matches-in-order", "few-petitions", "few-petitions-capped"])
def test_every_way_of_reading_a_search_gives_the_same_page(world, meeting, client_for, monkeypatch,
                                                           small_scope, limit):
    make(world, meeting, 4, text="Đề nghị sửa đường giao thông thôn {i}")
    make(world, meeting, 2, text="Hỗ trợ học phí cho học sinh {i}")
    commune_petition = services.petition_create(council=world.commune_council, user=world.users["commune_office"],
                                                text="Đề nghị sửa đường giao thông nội đồng")
    # The province office reads its commune council's petitions too: five match, newest first.
    expected = list(Petition.objects.filter(text__contains="giao thông").order_by("-created_at", "-pk")
                    .values_list("pk", flat=True))
    monkeypatch.setattr(lists, "SMALL_SCOPE", small_scope)
    monkeypatch.setattr(lists, "COUNT_LIMIT", limit)
    office = client_for(world.users["office"])
    page = office.get(reverse("petitions:petition_list"), {"q": "duong giao thong"}).context["page_obj"]
    assert len(expected) == 5 and [p.pk for p in page] == expected[:limit]  # a capped page stops at the limit
    assert page.paginator.count == min(5, limit + 1)
    commune = client_for(world.users["commune_office"])
    page = commune.get(reverse("petitions:petition_list"), {"q": "duong giao thong"}).context["page_obj"]
    assert [p.pk for p in page] == [commune_petition.pk]


def test_the_inbox_pages_up_to_its_limit_and_says_more_than(world, portal, client_for, monkeypatch):
    for i in range(3):
        receive(world, portal, f"Đề nghị sửa cầu số {i}")
    monkeypatch.setattr(agency_views, "COUNT_LIMIT", 2)
    monkeypatch.setattr(agency_views, "PAGE_SIZE", 1)
    client = english(client_for(world.users["agency"]))
    response = client.get(reverse("petitions:agency_inbox"))
    page = response.context["page_obj"]
    assert page.paginator.count_capped and page.paginator.num_pages == 2
    assert "Page 1 of more than 2" in response.content.decode()
    due_first = list(Petition.objects.for_agency(world.users["agency"]).order_by("due_on", "pk")
                     .values_list("pk", flat=True))
    assert [p.pk for p in page] == due_first[:1]
    assert [p.pk for p in client.get(reverse("petitions:agency_inbox"), {"page": 2}).context["page_obj"]] \
        == due_first[1:2]
