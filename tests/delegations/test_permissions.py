"""The permission matrix of the organisation app: every view × every fixed role user.

Roles (tests/conftest.py `world`): office, standing, group_leader, delegate, agency of the Bắc Ninh
province council; other_council = office staff of the Lạng Sơn council; anonymous.
Each refused case asserts its exact status (and the login redirect for anonymous); refused POSTs
also assert that the database did not change. The office's own POSTs with the same data succeed,
so the refusals are not an artefact of bad form data."""
import datetime
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import Workbook

from delegations.models import (
    CalendarDay,
    CalendarDayKind,
    Commune,
    Council,
    Delegate,
    Membership,
    Notification,
    Role,
)
from delegations.services import DELEGATE_COLUMNS
from delegations.views.org import PAGES
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

ROLES = ["office", "standing", "group_leader", "delegate", "agency", "other_council", "anonymous"]
COUNCIL_STAFF = {"office", "standing", "group_leader", "delegate"}
# Office staff of some council: they may open the create and import pages (for their own council).
ANY_OFFICE = {"office", "other_council"}
SLUGS = list(PAGES)
ROW_ACTIONS = ("update", "delete", "unlock")  # unlock: a user's login, membership only
LOGIN = "login"


def user_for(world, role):
    return None if role == "anonymous" else world.users[role]


def assert_login_redirect(response, path):
    assert response.status_code == 302
    target = urlsplit(response.url)
    assert target.path == reverse("login")
    assert parse_qs(target.query) == {"next": [path]}


def assert_status(response, expected, path):
    if expected == LOGIN:
        assert_login_redirect(response, path)
    else:
        assert response.status_code == expected, (path, response.status_code)


# --- the rows a role tries to read or change, all of the Bắc Ninh council -------------------------

def target_row(slug, world):
    """A row of the Bắc Ninh council for the update and delete pages. Nothing depends on it (so the
    office can delete it), except the council itself, which has a commune council under it."""
    council, term = world.council, world.term
    if slug == "council":
        return council
    if slug == "term":
        return TermFactory(council=council, name="Khóa XIX", start_year=2021, end_year=2026)
    if slug == "commune":
        return CommuneFactory(council=council, name="Phường Đích")
    if slug == "electoral_unit":
        return ElectoralUnitFactory(council=council, term=term, number=7, name="Đơn vị bầu cử số 7")
    if slug == "group":
        return DelegateGroupFactory(council=council, term=term, name="Tổ đại biểu số 9")
    if slug == "delegate":
        return DelegateFactory(council=council, term=term, full_name="Hoàng Văn Đích")
    if slug == "agency":
        return AgencyFactory(council=council, name="Sở Tài chính")
    if slug == "membership":
        return MembershipFactory(user=UserFactory(username="thanhvien"), council=council, role=Role.DELEGATE)
    if slug == "calendar_day":
        return CalendarDay.objects.create(council=council, date=datetime.date(2026, 9, 3),
                                          kind=CalendarDayKind.DAY_OFF, reason="Nghỉ bù")
    raise AssertionError(f"no target row for {slug}")


def create_data(slug, world):
    """Valid form data for a new row of the Bắc Ninh council (a commune council under it for "council")."""
    council = world.council.pk
    kinh_bac = Commune.objects.get(name="Kinh Bắc")
    return {
        "council": {"name": "HĐND xã Mới", "level": "commune", "parent": council, "place_name": "Bắc Ninh",
                    "issuing_body_lines": "HỘI ĐỒNG NHÂN DÂN\nXÃ MỚI", "document_symbol": "HĐND"},
        "term": {"council": council, "name": "Khóa XXI", "start_year": 2031, "end_year": 2036},
        "commune": {"council": council, "name": "Phường Mới", "kind": "phuong", "code": "27100"},
        "electoral_unit": {"council": council, "term": world.term.pk, "number": 99, "name": "Đơn vị mới",
                           "seats": 2, "communes": [kinh_bac.pk]},
        "group": {"council": council, "term": world.term.pk, "name": "Tổ đại biểu mới", "communes": [kinh_bac.pk]},
        "delegate": {"council": council, "term": world.term.pk, "full_name": "Lê Văn Mới", "kind": "part_time",
                     "phone": "0987000111", "group": world.group_a.pk},
        "agency": {"council": council, "name": "Sở Nội vụ", "level": "province", "is_active": "on"},
        "membership": {"username": "moi", "full_name": "Phạm Văn Mới", "email": "moi@example.vn",
                       "password": "Hoi-dong-2026-an-toan", "council": council, "role": "delegate",
                       "is_active": "on"},
        "calendar_day": {"council": council, "date": "2026-09-04", "kind": "day_off", "reason": "Nghỉ bù"},
    }[slug]


def update_data(slug, world, obj):
    """Valid form data for `obj` with one field changed: (data, field name, new value)."""
    council = world.council.pk
    if slug == "council":
        data = {"name": "HĐND tỉnh Bắc Ninh (sửa)", "level": "province", "place_name": obj.place_name,
                "issuing_body_lines": obj.issuing_body_lines, "document_symbol": obj.document_symbol}
        return data, "name", data["name"]
    if slug == "term":
        data = {"council": council, "name": "Khóa XIX (sửa)", "start_year": 2021, "end_year": 2026}
        return data, "name", data["name"]
    if slug == "commune":
        data = {"council": council, "name": "Phường Đích (sửa)", "kind": "phuong"}
        return data, "name", data["name"]
    if slug == "electoral_unit":
        data = {"council": council, "term": world.term.pk, "number": obj.number, "name": "Đơn vị (sửa)", "seats": 1}
        return data, "name", data["name"]
    if slug == "group":
        data = {"council": council, "term": world.term.pk, "name": "Tổ đại biểu (sửa)"}
        return data, "name", data["name"]
    if slug == "delegate":
        data = {"council": council, "term": world.term.pk, "full_name": "Hoàng Văn Đích (sửa)",
                "kind": "full_time", "phone": obj.phone}
        return data, "full_name", data["full_name"]
    if slug == "agency":
        data = {"council": council, "name": "Sở Tài chính (sửa)", "level": "province", "is_active": "on"}
        return data, "name", data["name"]
    if slug == "membership":
        data = {"username": obj.user.username, "full_name": "Thành Viên", "council": council, "role": "standing",
                "is_active": "on"}
        return data, "role", Role.STANDING
    if slug == "calendar_day":
        data = {"council": council, "date": "2026-09-03", "kind": "day_off", "reason": "Nghỉ (sửa)"}
        return data, "reason", data["reason"]
    raise AssertionError(f"no update data for {slug}")


def row_count(slug):
    model = PAGES[slug].model
    users = get_user_model().objects.count()
    return model.objects.count(), users


# --- expected results of a GET ---------------------------------------------------------------------

def expected_status(kind, slug, role):
    if role == "anonymous":
        return LOGIN
    if kind in ("home", "inbox", "password_change"):
        return 200
    if kind == "calendar":
        # The working-day calendar belongs to council staff; an agency responder reads no council.
        return 403 if role == "agency" else 200
    if kind in ("import", "import_template", "create"):
        return 200 if role in ANY_OFFICE else 403
    if kind == "list":
        if slug == "membership":
            return 200 if role in ANY_OFFICE else 403
        return 200 if role in COUNCIL_STAFF | {"other_council"} else 403
    if kind in ROW_ACTIONS:
        if role == "office":
            return 200
        # Another council's office cannot read Bắc Ninh's rows at all; the others may not write them.
        return 404 if role == "other_council" else 403
    raise AssertionError(kind)


def matrix():
    views = [(kind, None) for kind in ("home", "inbox", "password_change", "calendar", "import", "import_template")]
    views += [(kind, slug) for slug in SLUGS for kind in ("list", "create", "update", "delete")]
    views += [("unlock", "membership")]
    for kind, slug in views:
        for role in ROLES:
            yield pytest.param(kind, slug, role, id=f"{slug + '_' if slug else ''}{kind}-{role}")


def view_url(kind, slug, world):
    if slug is None:
        names = {"home": "home", "password_change": "password_change"}
        return reverse(names.get(kind, f"delegations:{kind}"))
    if kind in ROW_ACTIONS:
        return reverse(f"delegations:{slug}_{kind}", args=[target_row(slug, world).pk])
    return reverse(f"delegations:{slug}_{kind}")


@pytest.mark.parametrize("kind,slug,role", list(matrix()))
def test_get_matrix(world, client_for, kind, slug, role):
    url = view_url(kind, slug, world)
    response = client_for(user_for(world, role)).get(url)
    assert_status(response, expected_status(kind, slug, role), url)


def test_matrix_covers_every_url_of_the_app():
    """A new page added to delegations/urls.py must be added to the matrix (or to the POST-only tests)."""
    from delegations import urls

    covered = {"inbox", "calendar", "import", "import_template", "notification_open"}
    # Their role matrices are in tests/delegations/test_lawful_deadlines.py (issue 11).
    covered |= {"deadline_rules", "deadline_changes"}
    covered |= {f"{slug}_{kind}" for slug in SLUGS for kind in ("list", "create", "update", "delete")}
    covered |= {"membership_unlock"}
    # Every role's own inbox (tests/delegations/test_notify.py, issue 12).
    covered |= {"inbox_read_all", "notification_preferences"}
    # The import's page and status: role and ownership tests in tests/delegations/test_import.py (issue 14).
    covered |= {"import_job", "import_job_status"}
    assert {pattern.name for pattern in urls.urlpatterns} == covered


# --- anonymous --------------------------------------------------------------------------------------

def test_login_page_and_healthz_are_open_to_anonymous(client):
    assert client.get(reverse("login")).status_code == 200
    response = client.get(reverse("healthz"))
    # The broker may be down in a test run (503); what matters is that it answers, not a login redirect.
    assert response.status_code in (200, 503)
    assert response.json()["database"] == "ok"


def test_anonymous_is_sent_to_login_with_the_query_string_kept(client):
    url = reverse("delegations:delegate_list") + "?q=tuan&page=2"
    response = client.get(url)
    assert_login_redirect(response, url)


def test_inactive_membership_gives_no_access(world, client_for):
    Membership.objects.filter(user=world.users["office"]).update(is_active=False)
    client = client_for(world.users["office"])
    assert client.get(reverse("delegations:delegate_list")).status_code == 403
    assert client.get(reverse("delegations:delegate_create")).status_code == 403
    assert client.get(reverse("delegations:delegate_update", args=[world.delegate.pk])).status_code == 403


# --- POST attempts by refused roles ------------------------------------------------------------------

REFUSED_WRITERS = ["standing", "group_leader", "delegate", "agency", "other_council", "anonymous"]


def refused_write_status(kind, role):
    if role == "anonymous":
        return LOGIN
    if role == "other_council":
        # create: the form offers only the user's own council, so Bắc Ninh is not a valid choice;
        # update/delete: Bắc Ninh's rows do not exist for them.
        return 400 if kind == "create" else 404
    return 403


@pytest.mark.parametrize("role", REFUSED_WRITERS)
@pytest.mark.parametrize("slug", SLUGS)
def test_refused_create_post_changes_nothing(world, client_for, slug, role):
    url = reverse(f"delegations:{slug}_create")
    data = create_data(slug, world)
    before = row_count(slug)
    response = client_for(user_for(world, role)).post(url, data)
    assert_status(response, refused_write_status("create", role), url)
    assert row_count(slug) == before
    if role == "other_council":
        assert response.context["form"].errors


@pytest.mark.parametrize("role", REFUSED_WRITERS)
@pytest.mark.parametrize("slug", SLUGS)
def test_refused_update_post_changes_nothing(world, client_for, slug, role):
    obj = target_row(slug, world)
    data, field, new_value = update_data(slug, world, obj)
    old_value = getattr(obj, field)
    url = reverse(f"delegations:{slug}_update", args=[obj.pk])
    history = obj.history.count()
    response = client_for(user_for(world, role)).post(url, data)
    assert_status(response, refused_write_status("update", role), url)
    obj.refresh_from_db()
    assert getattr(obj, field) == old_value != new_value
    assert obj.history.count() == history


@pytest.mark.parametrize("role", REFUSED_WRITERS)
@pytest.mark.parametrize("slug", SLUGS)
def test_refused_delete_post_changes_nothing(world, client_for, slug, role):
    obj = target_row(slug, world)
    url = reverse(f"delegations:{slug}_delete", args=[obj.pk])
    response = client_for(user_for(world, role)).post(url)
    assert_status(response, refused_write_status("delete", role), url)
    assert type(obj).objects.filter(pk=obj.pk).exists()


# --- the same POSTs succeed for the office -----------------------------------------------------------

@pytest.mark.parametrize("slug", SLUGS)
def test_office_create_post_succeeds(world, client_for, slug):
    before, _users = row_count(slug)
    response = client_for(world.users["office"]).post(reverse(f"delegations:{slug}_create"), create_data(slug, world))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert response.url == reverse(f"delegations:{slug}_list")
    assert row_count(slug)[0] == before + 1


@pytest.mark.parametrize("slug", SLUGS)
def test_office_update_post_succeeds(world, client_for, slug):
    obj = target_row(slug, world)
    data, field, new_value = update_data(slug, world, obj)
    response = client_for(world.users["office"]).post(reverse(f"delegations:{slug}_update", args=[obj.pk]), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    obj.refresh_from_db()
    assert getattr(obj, field) == new_value


@pytest.mark.parametrize("slug", [slug for slug in SLUGS if slug != "council"])
def test_office_delete_post_succeeds(world, client_for, slug):
    obj = target_row(slug, world)
    response = client_for(world.users["office"]).post(reverse(f"delegations:{slug}_delete", args=[obj.pk]))
    assert response.status_code == 302
    assert response.url == reverse(f"delegations:{slug}_list")
    assert not type(obj).objects.filter(pk=obj.pk).exists()


def test_office_cannot_delete_a_council_that_has_commune_councils(world, client_for):
    client = client_for(world.users["office"])
    response = client.post(reverse("delegations:council_delete", args=[world.council.pk]), follow=True)
    assert response.status_code == 200
    assert Council.objects.filter(pk=world.council.pk).exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


# --- import -------------------------------------------------------------------------------------------

def import_upload():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(DELEGATE_COLUMNS.values()))
    sheet.append(["Đinh Văn Nhập", "Kiêm nhiệm", "", "", "0911222333", "", "", "", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "dai-bieu.xlsx"
    return buffer


@pytest.mark.parametrize("role", REFUSED_WRITERS)
def test_refused_import_post_changes_nothing(world, client_for, role):
    url = reverse("delegations:import")
    before = Delegate.objects.count()
    response = client_for(user_for(world, role)).post(
        url, {"council": world.council.pk, "term": world.term.pk, "file": import_upload()}
    )
    # Another council's office gets the form back: Bắc Ninh and its term are not choices for them.
    assert_status(response, refused_write_status("create", role), url)
    assert Delegate.objects.count() == before


def test_office_import_post_succeeds(world, client_for):
    from delegations.models import ImportJob
    from delegations.tasks import delegates_import_task

    response = client_for(world.users["office"]).post(
        reverse("delegations:import"), {"council": world.council.pk, "term": world.term.pk, "file": import_upload()}
    )
    assert response.status_code == 302  # to the import's page; the worker imports the sheet
    delegates_import_task(job_id=ImportJob.objects.get().pk)
    assert Delegate.objects.filter(council=world.council, full_name="Đinh Văn Nhập").exists()


# --- the inbox's "open" action (POST only) ------------------------------------------------------------

def test_notification_open(world, client_for):
    mine = Notification.objects.create(recipient=world.users["delegate"], subject="Lịch tiếp xúc",
                                       url=reverse("delegations:calendar"))
    url = reverse("delegations:notification_open", args=[mine.pk])

    assert_login_redirect(client_for(None).post(url), url)
    assert client_for(world.users["office"]).post(url).status_code == 404  # someone else's message
    client = client_for(world.users["delegate"])
    assert client.get(url).status_code == 405
    mine.refresh_from_db()
    assert mine.read_at is None
    response = client.post(url)
    assert response.status_code == 302 and response.url == reverse("delegations:calendar")
    mine.refresh_from_db()
    assert mine.read_at is not None
