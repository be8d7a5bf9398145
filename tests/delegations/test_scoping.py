"""Council scoping of the organisation pages, and the office's own paths through them.

A commune council's office ("xa", HĐND xã Tiên Du under the Bắc Ninh province) must see nothing of
the province's or another council's rows: not in lists, search, filters, form choices or edit pages.
The province office reads its commune councils' rows but cannot change them."""
import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from delegations.models import (
    CalendarDay,
    CalendarDayKind,
    Council,
    Delegate,
    DelegateGroup,
    Role,
    Term,
)
from tests.factories import (
    AgencyFactory,
    CommuneFactory,
    DelegateFactory,
    DelegateGroupFactory,
    ElectoralUnitFactory,
    MembershipFactory,
    TermFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SCOPED_SLUGS = ["term", "commune", "electoral_unit", "group", "delegate", "agency", "membership", "calendar_day"]


@pytest.fixture
def as_user(client_for):
    """A logged-in client that reads the pages in English, whatever translations exist."""

    def login(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return login


def council_rows(world, council, tag):
    """One row of each organisation model for `council`, named with `tag`."""
    term = TermFactory(council=council, name=f"Khóa {tag}")
    group = DelegateGroupFactory(council=council, term=term, name=f"Tổ đại biểu {tag}")
    return {
        "term": term,
        "commune": CommuneFactory(council=council, name=f"Thôn {tag}"),
        "electoral_unit": ElectoralUnitFactory(council=council, term=term, number=1, name=f"Đơn vị {tag}"),
        "group": group,
        "delegate": DelegateFactory(council=council, term=term, full_name=f"Đại biểu {tag}", group=group),
        "agency": AgencyFactory(council=council, name=f"UBND {tag}", level="commune"),
        "membership": MembershipFactory(user=UserFactory(username=f"u-{tag}"), council=council, role=Role.DELEGATE),
        "calendar_day": CalendarDay.objects.create(council=council, date=datetime.date(2026, 9, 3),
                                                   kind=CalendarDayKind.DAY_OFF, reason=f"Nghỉ {tag}"),
    }


@pytest.fixture
def rows(world):
    """Rows of each model in the three councils: the province (Bắc Ninh), its commune (Tiên Du),
    and the other province (Lạng Sơn)."""
    return {
        "province": council_rows(world, world.council, "tinh"),
        "commune": council_rows(world, world.commune_council, "xa"),
        "other": council_rows(world, world.other_council, "khac"),
    }


def listed(response):
    assert response.status_code == 200
    return [row["object"] for row in response.context["rows"]]


def council_of(obj):
    return obj.pk if isinstance(obj, Council) else obj.council_id


# --- the commune office sees only its own council ------------------------------------------------------

@pytest.mark.parametrize("slug", SCOPED_SLUGS)
def test_commune_office_lists_only_its_own_rows(world, rows, as_user, slug):
    response = as_user(world.users["commune_office"]).get(reverse(f"delegations:{slug}_list"))
    objects = listed(response)
    assert rows["commune"][slug] in objects
    assert {council_of(obj) for obj in objects} == {world.commune_council.pk}
    assert all(row["editable"] for row in response.context["rows"])


def test_commune_office_lists_only_its_own_council(world, as_user):
    objects = listed(as_user(world.users["commune_office"]).get(reverse("delegations:council_list")))
    assert objects == [world.commune_council]


@pytest.mark.parametrize("slug,query", [
    ("group", "to dai bieu"),
    ("delegate", "tuan"),
    ("delegate", "dai bieu"),
    ("agency", "so xay dung"),
    ("agency", "ubnd"),
    ("commune", "kinh bac"),
    ("commune", "thon"),
    ("electoral_unit", "don vi"),
    ("membership", "u-"),
    ("council", "bac ninh"),
    ("term", "khoa"),  # terms are not searchable: the query is ignored, the scoping is not
])
def test_commune_office_search_finds_nothing_of_other_councils(world, rows, as_user, slug, query):
    response = as_user(world.users["commune_office"]).get(reverse(f"delegations:{slug}_list"), {"q": query})
    objects = listed(response)
    assert {council_of(obj) for obj in objects} <= {world.commune_council.pk}
    # The same search finds rows for the province office, so the empty result is the scoping at work.
    assert listed(as_user(world.users["office"]).get(reverse(f"delegations:{slug}_list"), {"q": query}))


@pytest.mark.parametrize("slug", SCOPED_SLUGS)
@pytest.mark.parametrize("other", ["province", "other"])
def test_commune_office_filter_by_another_council_shows_nothing_of_it(world, rows, as_user, slug, other):
    other_council = world.council if other == "province" else world.other_council
    response = as_user(world.users["commune_office"]).get(
        reverse(f"delegations:{slug}_list"), {"council": other_council.pk}
    )
    objects = listed(response)
    assert not [obj for obj in objects if council_of(obj) == other_council.pk]
    assert {council_of(obj) for obj in objects} <= {world.commune_council.pk}
    # Nor is the other council offered as a filter choice.
    council_filter = next(f for f in response.context["filters"] if f["name"] == "council")
    assert [value for value, _text in council_filter["options"]] == [str(world.commune_council.pk)]


def test_commune_office_group_filter_offers_and_applies_only_its_groups(world, rows, as_user):
    response = as_user(world.users["commune_office"]).get(
        reverse("delegations:delegate_list"), {"group": world.group_a.pk}
    )
    assert world.delegate not in listed(response)
    group_filter = next(f for f in response.context["filters"] if f["name"] == "group")
    assert [value for value, _text in group_filter["options"]] == [str(rows["commune"]["group"].pk)]


@pytest.mark.parametrize("slug", SCOPED_SLUGS + ["council"])
@pytest.mark.parametrize("other", ["province", "other"])
def test_commune_office_cannot_open_other_councils_rows(world, rows, as_user, slug, other):
    obj = world.council if slug == "council" and other == "province" else (
        world.other_council if slug == "council" else rows[other][slug])
    client = as_user(world.users["commune_office"])
    for action in ("update", "delete"):
        url = reverse(f"delegations:{slug}_{action}", args=[obj.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "Đổi tên"}).status_code == 404
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("slug", ["term", "electoral_unit", "group", "delegate", "agency", "membership"])
def test_commune_office_forms_offer_only_its_own_rows(world, rows, as_user, slug):
    form = as_user(world.users["commune_office"]).get(reverse(f"delegations:{slug}_create")).context["form"]
    for name, field in form.fields.items():
        queryset = getattr(field, "queryset", None)
        if queryset is None:
            continue
        for obj in queryset:
            assert council_of(obj) == world.commune_council.pk, (name, obj)


def test_commune_office_calendar_of_another_council_is_404(world, as_user):
    client = as_user(world.users["commune_office"])
    assert client.get(reverse("delegations:calendar"), {"council": world.council.pk}).status_code == 404
    assert client.get(reverse("delegations:calendar"), {"council": world.other_council.pk}).status_code == 404
    response = client.get(reverse("delegations:calendar"))
    assert response.context["council"] == world.commune_council
    assert list(response.context["councils"]) == [world.commune_council]


# --- the province office oversees its communes, read only --------------------------------------------

@pytest.mark.parametrize("slug", SCOPED_SLUGS)
def test_province_office_reads_commune_rows_but_cannot_change_them(world, rows, as_user, slug):
    client = as_user(world.users["office"])
    response = client.get(reverse(f"delegations:{slug}_list"))
    commune_row = rows["commune"][slug]
    by_object = {row["object"]: row for row in response.context["rows"]}
    assert commune_row in by_object and by_object[commune_row]["editable"] is False
    assert by_object[rows["province"][slug]]["editable"] is True
    assert rows["other"][slug] not in by_object
    for action in ("update", "delete"):
        url = reverse(f"delegations:{slug}_{action}", args=[commune_row.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {}).status_code == 403
    assert type(commune_row).objects.filter(pk=commune_row.pk).exists()


def test_province_office_reads_commune_council_but_cannot_change_it(world, as_user):
    client = as_user(world.users["office"])
    by_object = {row["object"]: row for row in client.get(reverse("delegations:council_list")).context["rows"]}
    assert set(by_object) == {world.council, world.commune_council}
    assert by_object[world.commune_council]["editable"] is False
    for action in ("update", "delete"):
        assert client.get(reverse(f"delegations:council_{action}", args=[world.commune_council.pk])).status_code == 403


def test_province_standing_reads_commune_rows(world, rows, as_user):
    objects = listed(as_user(world.users["standing"]).get(reverse("delegations:delegate_list")))
    assert rows["commune"]["delegate"] in objects and rows["other"]["delegate"] not in objects


def test_group_leader_and_delegate_do_not_read_commune_rows(world, rows, as_user):
    for role in ("group_leader", "delegate"):
        objects = listed(as_user(world.users[role]).get(reverse("delegations:delegate_list")))
        assert {council_of(obj) for obj in objects} == {world.council.pk}


def test_other_council_office_sees_nothing_of_bac_ninh(world, rows, as_user):
    client = as_user(world.users["other_council"])
    for slug in SCOPED_SLUGS:
        objects = listed(client.get(reverse(f"delegations:{slug}_list")))
        assert {council_of(obj) for obj in objects} == {world.other_council.pk}, slug


# --- the office's happy paths for a delegate -----------------------------------------------------------

def delegate_form(world, **changes):
    data = {"council": world.council.pk, "term": world.term.pk, "full_name": "Lê Thị Hoa", "kind": "full_time",
            "position": "Phó Trưởng ban", "organisation": "Ban Pháp chế", "phone": "0912000111",
            "email": "hoa@example.vn", "group": world.group_b.pk}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_office_creates_edits_and_deletes_a_delegate(world, as_user):
    client = as_user(world.users["office"])

    assert client.get(reverse("delegations:delegate_create")).status_code == 200
    response = client.post(reverse("delegations:delegate_create"), delegate_form(world), follow=True)
    assert response.redirect_chain == [(reverse("delegations:delegate_list"), 302)]
    hoa = Delegate.objects.get(full_name="Lê Thị Hoa")
    assert (hoa.council, hoa.term, hoa.group, hoa.kind) == (world.council, world.term, world.group_b, "full_time")
    assert "Saved: Lê Thị Hoa." in [str(m) for m in response.context["messages"]]
    assert hoa in listed(response)

    edit = reverse("delegations:delegate_update", args=[hoa.pk])
    response = client.post(edit, delegate_form(world, position="Trưởng ban"))
    assert response.status_code == 302
    hoa.refresh_from_db()
    assert hoa.position == "Trưởng ban"

    page = client.get(edit)
    assert page.status_code == 200
    html = page.content.decode()
    assert "History of changes" in html
    history = html[html.index("History of changes"):]
    assert "<del>Phó Trưởng ban</del> → <ins>Trưởng ban</ins>" in history
    assert world.users["office"].get_full_name() in history
    assert [entry["record"].history_type for entry in page.context["history"]] == ["~", "+"]

    delete = reverse("delegations:delegate_delete", args=[hoa.pk])
    confirmation = client.get(delete)
    assert confirmation.status_code == 200
    assert "Delete “Lê Thị Hoa”?" in confirmation.content.decode()
    assert Delegate.objects.filter(pk=hoa.pk).exists()
    response = client.post(delete, follow=True)
    assert response.redirect_chain == [(reverse("delegations:delegate_list"), 302)]
    assert not Delegate.objects.filter(pk=hoa.pk).exists()
    assert "Deleted: Lê Thị Hoa." in [str(m) for m in response.context["messages"]]
    assert hoa.history.first().history_type == "-"


def test_invalid_delegate_form_comes_back_with_400_and_messages(world, as_user):
    client = as_user(world.users["office"])
    before = Delegate.objects.count()
    response = client.post(reverse("delegations:delegate_create"),
                           delegate_form(world, full_name="", email="not-an-email"))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"full_name", "email"}
    html = response.content.decode()
    assert "Please correct the errors below." in html
    assert "This field is required." in html
    assert Delegate.objects.count() == before


def test_invalid_edit_keeps_the_row(world, as_user):
    url = reverse("delegations:delegate_update", args=[world.delegate.pk])
    response = as_user(world.users["office"]).post(url, delegate_form(world, full_name=""))
    assert response.status_code == 400
    world.delegate.refresh_from_db()
    assert world.delegate.full_name == "Nguyễn Anh Tuấn"


@pytest.mark.parametrize("other", ["commune", "other"])
def test_delegate_form_refuses_a_group_of_another_council(world, rows, as_user, other):
    response = as_user(world.users["office"]).post(
        reverse("delegations:delegate_create"), delegate_form(world, group=rows[other]["group"].pk)
    )
    assert response.status_code == 400
    assert "group" in response.context["form"].errors
    assert not Delegate.objects.filter(full_name="Lê Thị Hoa").exists()


def test_delegate_form_refuses_a_group_of_another_council_the_user_also_manages(world, rows, as_user):
    """An office of two councils is offered both councils' groups; the model's check still refuses a mix."""
    office = world.users["office"]
    MembershipFactory(user=office, council=world.other_council, role=Role.OFFICE)
    response = as_user(office).post(
        reverse("delegations:delegate_create"), delegate_form(world, group=rows["other"]["group"].pk)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["group"] == ["This belongs to another council."]
    assert not Delegate.objects.filter(full_name="Lê Thị Hoa").exists()


def test_delegate_form_refuses_a_term_of_another_council_the_user_also_manages(world, rows, as_user):
    office = world.users["office"]
    MembershipFactory(user=office, council=world.other_council, role=Role.OFFICE)
    response = as_user(office).post(
        reverse("delegations:delegate_create"), delegate_form(world, term=rows["other"]["term"].pk, group=None)
    )
    assert response.status_code == 400
    assert "term" in response.context["form"].errors


def test_deleting_a_term_in_use_is_refused_with_a_message(world, as_user):
    client = as_user(world.users["office"])
    url = reverse("delegations:term_delete", args=[world.term.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("delegations:term_list"), 302)]
    assert Term.objects.filter(pk=world.term.pk).exists()
    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert messages == [("error", f"{world.term} is still used by other records and cannot be deleted.")]
    assert f"{world.term} is still used by other records" in response.content.decode()
    # Nothing it protects went either.
    assert Delegate.objects.filter(pk=world.delegate.pk).exists()
    assert DelegateGroup.objects.filter(term=world.term).count() == 2


# --- defects found and fixed: kept as regression tests -----------------------------------------------

def test_office_cannot_take_over_an_account_of_another_council(world, as_user):
    victim = world.users["other_council"]
    shared = MembershipFactory(user=victim, council=world.council, role=Role.DELEGATE)
    as_user(world.users["office"]).post(
        reverse("delegations:membership_update", args=[shared.pk]),
        {"username": victim.username, "full_name": "Người Khác", "council": world.council.pk, "role": "delegate",
         "is_active": "on", "password": "Mat-khau-moi-2026"},
    )
    victim.refresh_from_db()
    assert not victim.check_password("Mat-khau-moi-2026")


def test_calendar_with_a_malformed_council_is_404(world, as_user):
    client = as_user(world.users["office"])
    client.raise_request_exception = False
    assert client.get(reverse("delegations:calendar"), {"council": "abc"}).status_code == 404

