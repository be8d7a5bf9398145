"""Every organisation list page runs the same number of queries whatever its row count (no N+1),
searches without diacritics, and paginates keeping its filters."""
import datetime
import html
import re
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delegations.models import CalendarDay, CalendarDayKind, Role
from delegations.views.org import PAGE_SIZE, PAGES
from tests.factories import (
    AgencyFactory,
    CommuneCouncilFactory,
    CommuneFactory,
    DelegateFactory,
    DelegateGroupFactory,
    ElectoralUnitFactory,
    MembershipFactory,
    TermFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FEW, MANY = 3, 60
assert MANY > PAGE_SIZE * 2


class RowMaker:
    """Adds rows of one list page to the Bắc Ninh council, each with the related rows its columns show,
    so that a missing select_related/prefetch_related shows as extra queries."""

    def __init__(self, world):
        self.world = world
        self.made = 0
        council, term = world.council, world.term
        self.communes = [CommuneFactory(council=council, name=f"Xã Chung {i}") for i in range(2)]
        self.unit = ElectoralUnitFactory(council=council, term=term, number=90, name="Đơn vị chung")
        self.unit.communes.set(self.communes)

    def add(self, slug, count):
        for _ in range(count):
            self.made += 1
            getattr(self, f"make_{slug}")(self.made)

    def make_council(self, i):
        CommuneCouncilFactory(parent=self.world.council, name=f"HĐND xã Số {i}")

    def make_term(self, i):
        TermFactory(council=self.world.council, name=f"Khóa T{i}", start_year=1900 + i, end_year=1905 + i)

    def make_commune(self, i):
        own = CommuneCouncilFactory(parent=self.world.council, name=f"HĐND phường P{i}")
        CommuneFactory(council=self.world.council, name=f"Phường P{i}", code=f"{i:05d}", own_council=own)

    def make_electoral_unit(self, i):
        unit = ElectoralUnitFactory(council=self.world.council, term=self.world.term, number=100 + i,
                                    name=f"Đơn vị E{i}")
        unit.communes.set(self.communes)

    def make_group(self, i):
        council, term = self.world.council, self.world.term
        group = DelegateGroupFactory(council=council, term=term, name=f"Tổ G{i}")
        group.leader = DelegateFactory(council=council, term=term, full_name=f"Tổ trưởng {i}", group=group)
        group.deputy = DelegateFactory(council=council, term=term, full_name=f"Tổ phó {i}", group=group)
        group.save()
        group.communes.set(self.communes)

    def make_delegate(self, i):
        DelegateFactory(council=self.world.council, term=self.world.term, full_name=f"Đại biểu D{i}",
                        group=self.world.group_a, electoral_unit=self.unit)

    def make_agency(self, i):
        AgencyFactory(council=self.world.council, name=f"Sở A{i}", short_name=f"SA{i}", parent=self.world.agency)

    def make_membership(self, i):
        extra = {"role": Role.GROUP_LEADER, "group": self.world.group_a} if i % 2 else {
            "role": Role.AGENCY, "agency": self.world.agency}
        MembershipFactory(user=UserFactory(username=f"nguoidung{i}", first_name="Bình", last_name="Lê Văn"),
                          council=self.world.council, **extra)

    def make_calendar_day(self, i):
        CalendarDay.objects.create(council=self.world.council, date=datetime.date(2027, 1, 1) + datetime.timedelta(i),
                                   kind=CalendarDayKind.DAY_OFF, reason=f"Nghỉ {i}")


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(context.captured_queries), response


@pytest.mark.parametrize("slug,role", [
    (slug, role) for slug in PAGES for role in ("office", "standing") if slug != "membership" or role == "office"
])
def test_list_runs_a_fixed_number_of_queries(world, client_for, django_assert_num_queries, slug, role):
    maker = RowMaker(world)
    client = client_for(world.users[role])
    url = reverse(f"delegations:{slug}_list")

    maker.add(slug, FEW)
    client.get(url)  # warm-up: per-process caches (content types, translations) are not the page's cost
    few_queries, response = count_queries(client, url)
    few_rows = len(response.context["rows"])
    assert FEW <= few_rows < PAGE_SIZE

    maker.add(slug, MANY - FEW)
    with django_assert_num_queries(few_queries):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["rows"]) == PAGE_SIZE
    assert response.context["page_obj"].paginator.count >= MANY


@pytest.mark.parametrize("slug,params", [
    ("delegate", {"q": "dai bieu", "kind": "part_time", "group": "group_a", "council": "council"}),
    ("group", {"q": "to", "council": "council"}),
    ("membership", {"q": "nguoidung", "role": "group_leader", "council": "council"}),
])
def test_filtered_list_runs_a_fixed_number_of_queries(world, client_for, django_assert_num_queries, slug, params):
    maker = RowMaker(world)
    params = {key: getattr(world, value).pk if value in ("council", "group_a") else value
              for key, value in params.items()}
    client = client_for(world.users["office"])
    url = reverse(f"delegations:{slug}_list")
    maker.add(slug, FEW)
    client.get(url, params)
    few_queries, response = count_queries(client, url, params)
    assert response.context["rows"]
    maker.add(slug, MANY * 2)
    with django_assert_num_queries(few_queries):
        response = client.get(url, params)
    assert len(response.context["rows"]) == PAGE_SIZE


# --- search without diacritics ------------------------------------------------------------------------------

def listed(client, slug, **params):
    response = client.get(reverse(f"delegations:{slug}_list"), params)
    assert response.status_code == 200
    return [str(row["object"]) for row in response.context["rows"]]


@pytest.mark.parametrize("query", ["bac ninh", "Bắc Ninh", "BAC NINH", "tinh bac"])
def test_council_search_without_diacritics(world, client_for, query):
    client = client_for(world.users["office"])
    assert "HĐND tỉnh Bắc Ninh" in listed(client, "council", q=query)


def test_council_search_narrows(world, client_for):
    client = client_for(world.users["office"])
    assert listed(client, "council", q="tien du") == ["HĐND xã Tiên Du"]
    assert set(listed(client, "council", q="hdnd")) == {"HĐND xã Tiên Du", "HĐND tỉnh Bắc Ninh"}
    assert listed(client, "council", q="khong co") == []


@pytest.mark.parametrize("query", ["tuan", "Tuấn", "nguyen tuan", "anh TUAN"])
def test_delegate_search_without_diacritics(world, client_for, query):
    DelegateFactory(council=world.council, term=world.term, full_name="Nguyễn Văn Tú")
    client = client_for(world.users["office"])
    assert listed(client, "delegate", q=query) == ["Nguyễn Anh Tuấn"]


@pytest.mark.parametrize("query", ["so xay dung", "Sở Xây dựng", "xay dung"])
def test_agency_search_without_diacritics(world, client_for, query):
    AgencyFactory(council=world.council, name="Sở Xây lắp")  # shares "xay", not "xay dung"
    client = client_for(world.users["office"])
    assert listed(client, "agency", q=query) == ["Sở Xây dựng"]


def test_d_with_stroke_is_folded(world, client_for):
    client = client_for(world.users["office"])
    names = listed(client, "group", q="to dai bieu so 1")
    assert names == ["Tổ đại biểu số 1"]


# --- pagination --------------------------------------------------------------------------------------------

PAGE_LINK = re.compile(r'href="(\?[^"]*)"')


def page_links(response):
    """The query strings of the pagination links, parsed."""
    links = [parse_qs(html.unescape(href)[1:]) for href in PAGE_LINK.findall(response.content.decode())]
    return [link for link in links if "page" in link]


def test_pagination_with_sixty_rows(world, client_for):
    RowMaker(world).add("delegate", MANY)
    client = client_for(world.users["office"])
    url = reverse("delegations:delegate_list")
    total = MANY + 1  # the world's own delegate

    first = client.get(url)
    second = client.get(url, {"page": 2})
    last = client.get(url, {"page": 3})
    assert second.status_code == 200 and second.context["page_obj"].number == 2
    assert len(second.context["rows"]) == PAGE_SIZE
    assert len(last.context["rows"]) == total - 2 * PAGE_SIZE
    seen = [row["object"].pk for response in (first, second, last) for row in response.context["rows"]]
    assert len(seen) == len(set(seen)) == total
    assert second.context["page_obj"].paginator.num_pages == 3
    # Out of range and malformed pages fall back to a real page instead of an error.
    assert client.get(url, {"page": 99}).context["page_obj"].number == 3
    assert client.get(url, {"page": "abc"}).context["page_obj"].number == 1


def test_pagination_links_keep_the_filters(world, client_for):
    RowMaker(world).add("delegate", MANY)
    client = client_for(world.users["office"])
    filters = {"q": "dai bieu", "kind": "part_time", "council": str(world.council.pk),
               "group": str(world.group_a.pk)}

    first = client.get(reverse("delegations:delegate_list"), filters)
    assert first.context["page_obj"].paginator.count == MANY
    links = page_links(first)
    assert links == [{**{key: [value] for key, value in filters.items()}, "page": ["2"]}]

    second = client.get(reverse("delegations:delegate_list"), {**filters, "page": 2})
    links = page_links(second)
    expected = {key: [value] for key, value in filters.items()}
    assert links == [{**expected, "page": ["1"]}, {**expected, "page": ["3"]}]


def test_one_page_has_no_pagination(world, client_for):
    response = client_for(world.users["office"]).get(reverse("delegations:delegate_list"))
    assert response.context["rows"] and page_links(response) == []
