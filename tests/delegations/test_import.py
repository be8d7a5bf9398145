"""Excel import of delegates and groups: the service, the upload page and the template download."""
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook

from delegations.models import Delegate, DelegateGroup, DelegateKind
from delegations.services import DELEGATE_COLUMNS, delegates_import
from tests.factories import ElectoralUnitFactory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

GOOD_ROWS = [
    {"full_name": "Nguyễn Văn An", "kind": "Chuyên trách", "position": "Phó Trưởng Ban Pháp chế",
     "organisation": "Văn phòng HĐND tỉnh", "phone": "0912345678", "email": "an.nv@example.vn",
     "group": "Tổ đại biểu số 1", "group_role": "Tổ trưởng", "electoral_unit": 1},
    {"full_name": "Trần Thị Bình", "kind": "Kiêm nhiệm", "position": "Giám đốc", "organisation": "Sở Y tế",
     "phone": "0987654321", "email": "", "group": "Tổ đại biểu số 3", "group_role": "Tổ phó",
     "electoral_unit": "2"},
    {"full_name": "Lê  Văn   Cường", "kind": "", "position": "", "organisation": "", "phone": "0903 111 222",
     "email": "", "group": "Tổ đại biểu số 3", "group_role": "Tổ trưởng", "electoral_unit": ""},
    {"full_name": "Phạm Thị Dung", "kind": "kiem nhiem", "position": "", "organisation": "",
     "phone": "0904000111", "email": "dung@example.vn", "group": "tổ đại biểu số 1", "group_role": "thành viên",
     "electoral_unit": None},
]


def sheet_bytes(rows, columns=DELEGATE_COLUMNS):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(columns.values()))
    for row in rows:
        sheet.append([row.get(key, "") for key in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content, name="danh-sach.xlsx", content_type=XLSX):
    return SimpleUploadedFile(name, content, content_type=content_type)


def counts():
    return Delegate.objects.count(), DelegateGroup.objects.count()


@pytest.fixture
def units(world):
    return [ElectoralUnitFactory(council=world.council, term=world.term, number=n) for n in (1, 2)]


def run_import(world, content):
    return delegates_import(council=world.council, term=world.term, upload=upload(content))


def only_messages(report):
    assert len(report.errors) == 1 and report.errors[0][0] is None, report.errors
    return report.errors[0][1]


# --- a good sheet ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_good_sheet_imports_delegates_groups_leaders(world, units):
    before_delegates, before_groups = counts()

    report = run_import(world, sheet_bytes(GOOD_ROWS))

    assert report.ok, report.errors
    assert (report.created, report.updated, report.groups_created) == (4, 0, 1)
    assert counts() == (before_delegates + 4, before_groups + 1)

    an = Delegate.objects.get(full_name="Nguyễn Văn An")
    binh = Delegate.objects.get(full_name="Trần Thị Bình")
    cuong = Delegate.objects.get(full_name="Lê Văn Cường")  # spaces collapsed
    dung = Delegate.objects.get(full_name="Phạm Thị Dung")
    assert (an.council, an.term) == (world.council, world.term)
    assert an.kind == DelegateKind.FULL_TIME
    assert binh.kind == DelegateKind.PART_TIME and cuong.kind == DelegateKind.PART_TIME
    assert an.email == "an.nv@example.vn" and an.position == "Phó Trưởng Ban Pháp chế"
    assert cuong.phone == "0903111222"
    assert an.electoral_unit == units[0] and binh.electoral_unit == units[1] and cuong.electoral_unit is None

    # "Tổ đại biểu số 1" existed (group A): it is reused, also when written in another case.
    world.group_a.refresh_from_db()
    assert an.group == world.group_a and dung.group == world.group_a
    assert world.group_a.leader == an
    assert world.group_a.deputy is None
    new_group = DelegateGroup.objects.get(council=world.council, term=world.term, name="Tổ đại biểu số 3")
    assert binh.group == new_group and cuong.group == new_group
    assert new_group.leader == cuong and new_group.deputy == binh


@pytest.mark.django_db
def test_reimporting_the_same_sheet_updates_rather_than_duplicates(world, units):
    assert run_import(world, sheet_bytes(GOOD_ROWS)).ok
    after_first = counts()
    changed = [dict(GOOD_ROWS[0], position="Trưởng Ban Pháp chế", electoral_unit="2"), *GOOD_ROWS[1:]]

    report = run_import(world, sheet_bytes(changed))

    assert report.ok, report.errors
    assert (report.created, report.updated, report.groups_created) == (0, 4, 0)
    assert counts() == after_first
    an = Delegate.objects.get(full_name="Nguyễn Văn An")
    assert an.position == "Trưởng Ban Pháp chế"
    assert an.electoral_unit == units[1]
    assert Delegate.objects.filter(full_name="Nguyễn Văn An").count() == 1


@pytest.mark.django_db
def through_the_view(client, data):
    """Upload through the page; when it is accepted (a redirect to the import's page), run the task
    the commit hands to the worker and return the import's page with its report."""
    from delegations.models import ImportJob
    from delegations.tasks import delegates_import_task

    response = client.post(reverse("delegations:import"), data)
    if response.status_code != 302:
        return response
    job = ImportJob.objects.latest("pk")
    assert response["Location"] == reverse("delegations:import_job", args=[job.pk])
    delegates_import_task(job_id=job.pk)
    return client.get(response["Location"])


def test_good_sheet_through_the_view(world, units, client_for):
    before = counts()
    response = through_the_view(client_for(world.users["office"]), {
        "council": world.council.pk, "term": world.term.pk, "file": upload(sheet_bytes(GOOD_ROWS)),
    })
    assert response.status_code == 200
    assert response.context["report"].ok
    assert response.context["report"].created == 4
    assert counts() == (before[0] + 4, before[1] + 1)


# --- bad rows: nothing is imported -------------------------------------------------------------

BAD_ROWS = [
    # row 2: good, and the leader of group 1
    {"full_name": "Nguyễn Văn An", "kind": "Chuyên trách", "phone": "0912345678", "group": "Tổ đại biểu số 9",
     "group_role": "Tổ trưởng", "electoral_unit": "1"},
    # row 3: empty name
    {"full_name": "   ", "kind": "Kiêm nhiệm", "phone": "0911000003", "group": "Tổ đại biểu số 9"},
    # row 4: a kind that does not exist
    {"full_name": "Trần Văn Bốn", "kind": "Bán chuyên trách", "phone": "0911000004"},
    # row 5: bad email
    {"full_name": "Lê Thị Năm", "phone": "0911000005", "email": "nam-at-example.vn"},
    # row 6: unknown electoral unit
    {"full_name": "Phạm Văn Sáu", "phone": "0911000006", "electoral_unit": "9"},
    # row 7: the same person as row 2
    {"full_name": "nguyễn văn an", "phone": "0912 345 678", "group": "Tổ đại biểu số 9"},
    # row 8: a second leader for group 9
    {"full_name": "Hoàng Văn Tám", "phone": "0911000008", "group": "Tổ đại biểu số 9", "group_role": "Tổ trưởng"},
]


def expected_bad_row_messages():
    return {
        3: gettext("the full name is empty"),
        4: gettext('the kind "%(value)s" is not "Chuyên trách" or "Kiêm nhiệm"') % {"value": "Bán chuyên trách"},
        5: gettext('the email "%(value)s" is not valid') % {"value": "nam-at-example.vn"},
        6: gettext("there is no electoral unit number %(value)s in this council and term") % {"value": "9"},
        7: gettext("the same delegate is already in row %(row)s") % {"row": 2},
        8: gettext("the group %(group)s already has this role in row %(row)s")
        % {"group": "Tổ đại biểu số 9", "row": 2},
    }


@pytest.mark.django_db
def test_bad_rows_import_nothing_and_are_reported(world, units):
    before = counts()

    report = run_import(world, sheet_bytes(BAD_ROWS))

    assert not report.ok
    assert counts() == before
    assert not DelegateGroup.objects.filter(name="Tổ đại biểu số 9").exists()
    assert report.created == report.updated == report.groups_created == 0
    errors = dict(report.errors)
    expected = expected_bad_row_messages()
    assert sorted(errors) == sorted(expected)  # row 2 is fine and not reported
    for row, message in expected.items():
        assert message in errors[row], (row, errors[row])


@pytest.mark.django_db
def test_one_bad_row_blocks_the_good_ones_and_the_updates(world, units):
    assert run_import(world, sheet_bytes(GOOD_ROWS)).ok
    before = counts()
    rows = [dict(GOOD_ROWS[0], position="Đã đổi"), *GOOD_ROWS[1:], {"full_name": "", "phone": "0911"}]

    report = run_import(world, sheet_bytes(rows))

    assert dict(report.errors).keys() == {6}
    assert counts() == before
    assert Delegate.objects.get(full_name="Nguyễn Văn An").position == "Phó Trưởng Ban Pháp chế"


@pytest.mark.django_db
def test_bad_rows_through_the_view(world, units, client_for):
    before = counts()

    response = through_the_view(client_for(world.users["office"]), {
        "council": world.council.pk, "term": world.term.pk, "file": upload(sheet_bytes(BAD_ROWS)),
    })

    assert response.status_code == 200 and not response.context["report"].ok  # the import's page, refused
    assert counts() == before
    html = response.content.decode()
    assert 'data-testid="import-errors"' in html
    table = html.split('data-testid="import-errors"', 1)[1]
    for row, message in expected_bad_row_messages().items():
        assert f"<td>{row}</td>" in table
        assert escape(message) in table
    assert "<td>2</td>" not in table


# --- files that are not a usable sheet ---------------------------------------------------------


def zip_without_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"

NOT_EXCEL = {
    "text renamed .xlsx": "Họ và tên,Email\nNguyễn Văn An,an@example.vn\n".encode(),
    "png": PNG,
    "zip without workbook": zip_without_workbook(),
    "truncated xlsx": sheet_bytes(GOOD_ROWS)[:300],
    "empty": b"",
}


@pytest.mark.django_db
@pytest.mark.parametrize("content", NOT_EXCEL.values(), ids=NOT_EXCEL.keys())
def test_file_that_is_not_excel_is_refused(world, units, content):
    before = counts()
    report = run_import(world, content)
    assert only_messages(report) == [gettext("The file is not an Excel workbook (.xlsx).")]
    assert counts() == before


@pytest.mark.django_db
def test_file_that_is_not_excel_is_refused_by_the_view(world, units, client_for):
    before = counts()
    response = client_for(world.users["office"]).post(reverse("delegations:import"), {
        "council": world.council.pk, "term": world.term.pk,
        "file": upload(PNG, name="x.xlsx"),
    })
    assert response.status_code == 400
    assert escape(gettext("The file is not an Excel workbook (.xlsx).")) in response.content.decode()
    assert counts() == before


def padded_good_sheet(extra_bytes):
    """A valid workbook made larger by an incompressible part it does not use."""
    buffer = io.BytesIO(sheet_bytes(GOOD_ROWS))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("customXml/padding.bin", bytes(range(256)) * (extra_bytes // 256 + 1))
    return buffer.getvalue()


@pytest.mark.django_db
def test_oversized_file_is_refused(world, units, settings):
    content = padded_good_sheet(1024 * 1024)
    assert len(content) > 1024 * 1024
    before = counts()

    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    report = run_import(world, content)
    assert only_messages(report) == [gettext("The file is larger than %(size)s.") % {"size": filesizeformat(1024 * 1024)}]
    assert counts() == before

    # The same file under a larger limit imports: it was refused for its size only.
    settings.UPLOAD_MAX_BYTES = 4 * 1024 * 1024
    assert run_import(world, content).ok
    assert counts()[0] == before[0] + 4


@pytest.mark.django_db
def test_oversized_file_is_refused_by_the_view(world, units, client_for, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    before = counts()
    response = client_for(world.users["office"]).post(reverse("delegations:import"), {
        "council": world.council.pk, "term": world.term.pk, "file": upload(padded_good_sheet(1024 * 1024)),
    })
    assert response.status_code == 400
    assert escape(gettext("The file is larger than %(size)s.") % {"size": filesizeformat(1024 * 1024)}) in response.content.decode()
    assert counts() == before


@pytest.mark.django_db
def test_sheet_missing_a_column_is_refused(world, units):
    columns = {key: title for key, title in DELEGATE_COLUMNS.items() if key != "email"}
    before = counts()
    report = run_import(world, sheet_bytes(GOOD_ROWS, columns=columns))
    assert only_messages(report) == [
        gettext('The sheet has no column "%(column)s"; use the template.') % {"column": DELEGATE_COLUMNS["email"]}
    ]
    assert counts() == before


@pytest.mark.django_db
def test_sheet_with_only_a_header_is_refused(world, units):
    report = run_import(world, sheet_bytes([]))
    assert only_messages(report) == [gettext("The sheet has no data rows.")]


@pytest.mark.django_db
def test_columns_may_be_in_another_order(world, units):
    columns = dict(reversed(list(DELEGATE_COLUMNS.items())))
    report = run_import(world, sheet_bytes(GOOD_ROWS, columns=columns))
    assert report.ok, report.errors
    assert Delegate.objects.get(full_name="Nguyễn Văn An").email == "an.nv@example.vn"


# --- the template ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_template_download_is_a_workbook_with_the_columns(world, client_for):
    response = client_for(world.users["office"]).get(reverse("delegations:import_template"))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header == list(DELEGATE_COLUMNS.values())
    assert sheet.max_row >= 2  # example rows follow the header


@pytest.mark.django_db
def test_downloaded_template_round_trips(world, units, client_for):
    client = client_for(world.users["office"])
    template = client.get(reverse("delegations:import_template")).content
    # The office fills the sheet: the example rows stay, one more delegate is added.
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    examples = [row for row in sheet.iter_rows(min_row=2, values_only=True) if any(row)]
    sheet.append(["Đỗ Thị Hoa", "Kiêm nhiệm", "Chủ tịch", "UBND xã Tiên Du", "0977000111", "",
                  "Tổ đại biểu số 2", "Tổ phó", 2])
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = counts()

    response = through_the_view(client, {
        "council": world.council.pk, "term": world.term.pk, "file": upload(buffer.getvalue()),
    })

    assert response.status_code == 200, response.context["report"].errors
    report = response.context["report"]
    assert report.ok and report.created == len(examples) + 1
    assert counts()[0] == before[0] + len(examples) + 1
    hoa = Delegate.objects.get(full_name="Đỗ Thị Hoa")
    world.group_b.refresh_from_db()
    assert hoa.group == world.group_b and world.group_b.deputy == hoa
    assert hoa.electoral_unit == units[1]


# --- who may import ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["standing", "group_leader", "delegate", "agency"])
@pytest.mark.parametrize("url_name", ["delegations:import", "delegations:import_template"])
def test_roles_other_than_office_are_refused(world, client_for, role, url_name):
    response = client_for(world.users[role]).get(reverse(url_name))
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["standing", "delegate", "agency"])
def test_roles_other_than_office_cannot_post_an_import(world, units, client_for, role):
    before = counts()
    response = client_for(world.users[role]).post(reverse("delegations:import"), {
        "council": world.council.pk, "term": world.term.pk, "file": upload(sheet_bytes(GOOD_ROWS)),
    })
    assert response.status_code == 403
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["delegations:import", "delegations:import_template"])
def test_anonymous_is_redirected_to_login(world, client_for, url_name):
    response = client_for(None).get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_office_page_offers_its_own_council(world, client_for):
    response = client_for(world.users["office"]).get(reverse("delegations:import"))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields["council"].queryset) == [world.council]
    assert form.fields["term"].initial == world.term


@pytest.mark.django_db
def test_office_of_another_council_cannot_import_into_this_council(world, units, client_for):
    before = counts()
    response = client_for(world.users["other_council"]).post(reverse("delegations:import"), {
        "council": world.council.pk, "term": world.term.pk, "file": upload(sheet_bytes(GOOD_ROWS)),
    })
    assert response.status_code == 400
    form = response.context["form"]
    assert "council" in form.errors
    assert response.context["report"] is None
    assert counts() == before


@pytest.mark.django_db
def test_commune_office_cannot_import_into_its_province(world, units, client_for):
    before = counts()
    response = client_for(world.users["commune_office"]).post(reverse("delegations:import"), {
        "council": world.council.pk, "term": world.term.pk, "file": upload(sheet_bytes(GOOD_ROWS)),
    })
    assert response.status_code == 400
    assert "council" in response.context["form"].errors
    assert counts() == before


# --- the import's page and status: its uploader only -----------------------------------------------

@pytest.fixture
def delegates_job(world, units):
    from delegations.imports import import_job_start
    from delegations.tasks import delegates_import_task
    return import_job_start(kind="delegates", council=world.council, term=world.term, user=world.users["office"],
                            upload=upload(sheet_bytes(GOOD_ROWS)), task=delegates_import_task)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["standing", "group_leader", "delegate", "agency"])
def test_the_import_page_refuses_other_roles(world, delegates_job, client_for, role):
    for name in ("delegations:import_job", "delegations:import_job_status"):
        assert client_for(world.users[role]).get(reverse(name, args=[delegates_job.pk])).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["commune_office", "other_council"])
def test_another_office_never_sees_the_import(world, delegates_job, client_for, role):
    for name in ("delegations:import_job", "delegations:import_job_status"):
        assert client_for(world.users[role]).get(reverse(name, args=[delegates_job.pk])).status_code == 404


@pytest.mark.django_db
def test_the_import_page_polls_then_shows_the_report(world, delegates_job, client_for):
    from delegations.tasks import delegates_import_task
    client = client_for(world.users["office"])
    page = client.get(reverse("delegations:import_job", args=[delegates_job.pk]))
    assert f'hx-get="{reverse("delegations:import_job_status", args=[delegates_job.pk])}"' in page.content.decode()
    assert delegates_import_task(job_id=delegates_job.pk) == "done"
    status = client.get(reverse("delegations:import_job_status", args=[delegates_job.pk])).json()
    assert (status["finished"], status["read"], status["checked"], status["written"]) == (True, 4, 4, 4)
    page = client.get(reverse("delegations:import_job", args=[delegates_job.pk]))
    assert page.context["report"].created == 4 and "hx-get" not in page.content.decode()
