"""Imports read sheets as offices make them (issue 14, findings 1–3): merged cells, numbers in text
columns, dates in date columns. The team's shared cases (shared/cases/spreadsheets) are built into
each test, with the other cases of their kind beside them."""
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from delegations import spreadsheets
from delegations.models import Delegate
from delegations.services import DELEGATE_COLUMNS, delegates_import
from petitions.models import Petition, PetitionField
from petitions.spreadsheets import PETITION_COLUMNS, petitions_import
from tests.factories import CommuneFactory
from tests.shared import shared_dir

CASES = shared_dir() / "cases" / "spreadsheets"
HEADERS = list(PETITION_COLUMNS.values())
COL = {key: index for index, key in enumerate(PETITION_COLUMNS, start=1)}


@pytest.fixture(autouse=True)
def english():
    """The reader's notes and problems are asserted in English (the interface's strings, translated)."""
    with translation.override("en"):
        yield


def upload(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("a.xlsx", buffer.getvalue())


def case(name):
    """A shared case file, or the same content built here when the shared folder is absent."""
    return load_workbook(CASES / name)


@pytest.fixture
def place(world):
    PetitionField.objects.create(council=world.council, name="Giao thông")
    return CommuneFactory(council=world.council, name="Hạp Lĩnh")


def new_rows_sheet(rows):
    workbook = Workbook()
    workbook.active.append(HEADERS)
    for row in rows:
        workbook.active.append({COL[key]: value for key, value in row.items()})
    return workbook


def run(world, workbook):
    return petitions_import(council=world.council, user=world.users["office"], upload=upload(workbook))


# ------------------------------------------------------------------------------- 1. merged cells

def test_the_shared_case_a_group_merged_over_three_rows_gives_all_three_their_group(world, place):
    workbook = case("e6_merged_group.xlsx")
    sheet = workbook.active
    assert "D2:D4" in {str(r) for r in sheet.merged_cells.ranges}
    for row in (2, 3, 4):
        sheet.cell(row=row, column=COL["round"]).value = None  # the demo's round id: not in this test's data
    report = run(world, workbook)
    assert report.ok, report.errors
    assert report.created == 3
    assert list(Petition.objects.order_by("pk").values_list("group__name", flat=True)) == ["Tổ đại biểu số 2"] * 3
    assert [number for number, _notes in report.notes] == [3, 4]
    assert "merged" in report.notes[0][1][0] and "Tổ đại biểu" in report.notes[0][1][0]


def test_a_block_merged_over_two_columns_and_rows_fills_every_cell_it_covers(world, place):
    # One value for the whole block (Excel keeps only the top-left cell's): the text and its summary.
    workbook = new_rows_sheet([{"text": "Đề nghị sửa đường", "group": "Tổ đại biểu số 1"}, {}, {}])
    workbook.active.merge_cells(start_row=2, start_column=COL["text"], end_row=4, end_column=COL["summary"])
    workbook.active.merge_cells(start_row=2, start_column=COL["group"], end_row=4, end_column=COL["group"])
    report = run(world, workbook)
    assert report.ok, report.errors
    assert set(Petition.objects.values_list("text", "summary", "group__name")) == {
        ("Đề nghị sửa đường", "Đề nghị sửa đường", "Tổ đại biểu số 1")}
    assert Petition.objects.count() == 3
    assert dict(report.notes)[2] == ["“Tóm tắt” filled from the merged cells of row 2"]
    assert dict(report.notes)[4] == ["“Tổ đại biểu” filled from the merged cells of row 2",
                                     "“Nội dung”, “Tóm tắt” filled from the merged cells of row 2"]


def test_a_merged_text_fills_the_rows_and_an_empty_merged_range_fills_nothing(world, place):
    workbook = new_rows_sheet([{"text": "Nội dung chung", "summary": "a"}, {"summary": "b"}, {"summary": "c"}])
    workbook.active.merge_cells(start_row=2, start_column=COL["text"], end_row=3, end_column=COL["text"])
    workbook.active.merge_cells(start_row=2, start_column=COL["voters"], end_row=4, end_column=COL["voters"])
    report = run(world, workbook)
    assert [number for number, _problems in report.errors] == [4]  # row 4 is outside the text's range
    workbook.active.unmerge_cells(start_row=2, start_column=COL["text"], end_row=3, end_column=COL["text"])
    workbook.active.merge_cells(start_row=2, start_column=COL["text"], end_row=4, end_column=COL["text"])
    report = run(world, workbook)
    assert report.ok, report.errors
    assert list(Petition.objects.order_by("pk").values_list("text", "summary")) == [
        ("Nội dung chung", "a"), ("Nội dung chung", "b"), ("Nội dung chung", "c")]
    assert [(number, len(notes)) for number, notes in report.notes] == [(3, 1), (4, 1)]  # not the empty range
    assert all("Nội dung" in notes[0] for _number, notes in report.notes)


def test_merged_ranges_are_read_from_the_xml_within_bounds(monkeypatch):
    monkeypatch.setattr(spreadsheets.reading, "MAX_MERGED_RANGES", 2)
    workbook = Workbook()
    workbook.active.append(HEADERS)
    for row in range(2, 8, 2):
        workbook.active.append({COL["text"]: "x"})
        workbook.active.append({})
        workbook.active.merge_cells(start_row=row, start_column=COL["text"], end_row=row + 1, end_column=COL["text"])
    with pytest.raises(spreadsheets.SheetError, match="merged"):
        spreadsheets.read_sheet(upload(workbook), PETITION_COLUMNS)


# ------------------------------------------------------------------------- 2. numbers in text columns

def delegate_sheet(rows):
    workbook = Workbook()
    workbook.active.append(list(DELEGATE_COLUMNS.values()))
    for row in rows:
        workbook.active.append([row.get(key) for key in DELEGATE_COLUMNS])
    return workbook


def test_the_shared_case_a_phone_stored_as_a_number_regains_its_leading_zero_with_a_warning(world):
    workbook = case("e9_phone_number_cell.xlsx")
    phone = workbook.active.cell(row=2, column=list(DELEGATE_COLUMNS).index("phone") + 1)
    assert phone.value == 912345678  # what Excel stored
    workbook.active.cell(row=2, column=list(DELEGATE_COLUMNS).index("electoral_unit") + 1).value = None
    report = delegates_import(council=world.council, term=world.term, upload=upload(workbook))
    assert report.ok, report.errors
    assert Delegate.objects.get(full_name="Phạm Thị Thử").phone == "0912345678"
    [(number, [warning])] = report.notes
    assert number == 2 and "912345678" in warning and "0912345678" in warning


def test_the_delegates_import_page_shows_the_warning_on_its_row(world, client_for):
    from django.urls import reverse
    workbook = delegate_sheet([{"full_name": "Lê Văn Số", "phone": 912345678}])
    from delegations.models import ImportJob
    from delegations.tasks import delegates_import_task
    client = client_for(world.users["office"])
    response = client.post(reverse("delegations:import"), {
        "council": world.council.pk, "term": world.term.pk, "file": upload(workbook)})
    assert response.status_code == 302
    delegates_import_task(job_id=ImportJob.objects.get().pk)
    response = client.get(response["Location"])
    assert response.status_code == 200
    notes = response.content.decode().split('data-testid="import-notes"')[1].split("</table>")[0]
    assert "<td>2</td>" in notes and "0912345678" in notes


@pytest.mark.parametrize("stored, expected, warned", [
    (912345678, "0912345678", True),         # a mobile, 9 digits after its 0
    (912345678.0, "0912345678", True),       # the same as a float (never "912345678.0")
    (2223812345, "02223812345", True),       # a landline with its area code (02xx)
    ("0912345678", "0912345678", False),     # typed in a Text column: as it is
    ("0912 345 678", "0912345678", False),
    (84912345678, "84912345678", False),     # not a number that lost a zero: left as it is
])
def test_numbers_in_a_phone_column_come_back_as_typed(world, stored, expected, warned):
    report = delegates_import(council=world.council, term=world.term, upload=upload(delegate_sheet([
        {"full_name": "Lê Văn Số", "phone": stored}])))
    assert report.ok, report.errors
    assert Delegate.objects.get(full_name="Lê Văn Số").phone == expected
    assert bool(report.notes) is warned


@pytest.mark.parametrize("value, number_format, expected", [
    (1.0, "General", "1"), (5, "General", "5"), (12.5, "General", "12.5"), (42, "00000", "00042"),
    (912345678, "0000000000", "0912345678"),
])
def test_numbers_in_text_columns_read_as_the_text_shown(value, number_format, expected):
    workbook = Workbook()
    workbook.active.append(HEADERS)
    workbook.active.append({COL["code"]: value, COL["text"]: "x"})
    workbook.active.cell(row=2, column=COL["code"]).number_format = number_format
    [(_number, row)] = spreadsheets.read_sheet(upload(workbook), PETITION_COLUMNS).rows
    assert row["code"] == expected


def test_a_round_number_typed_as_1_0_finds_the_round(world, place):
    from plans.models import ContactPlan, ContactRound, PlanStatus, RoundKind

    plan = ContactPlan.objects.create(council=world.council, year=2026, subject="KH", status=PlanStatus.ISSUED,
                                      number=1, issued_on=datetime.date(2026, 10, 15))
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=datetime.date(2026, 11, 2),
                                      ends_on=datetime.date(2026, 12, 1))
    report = run(world, new_rows_sheet([{"round": float(rnd.pk), "text": "Kiến nghị"}]))
    assert report.ok, report.errors
    assert Petition.objects.get().round == rnd


# ------------------------------------------------------------------------------------- 3. dates

def test_the_shared_case_a_new_rows_date_received_is_honoured(world, place):
    workbook = case("e4_received_date.xlsx")
    workbook.active.cell(row=2, column=COL["round"]).value = None
    report = run(world, workbook)
    assert report.ok, report.errors
    petition = Petition.objects.get()
    assert timezone.localtime(petition.created_at).date() == datetime.date(2026, 10, 15)
    assert petition.public_code.startswith("KN-2026-")


@pytest.mark.parametrize("value", [datetime.datetime(2026, 10, 15), datetime.date(2026, 10, 15), "15/10/2026",
                                   "15-10-2026", "15.10.2026", " 15/10/2026 ", "2026-10-15"])
def test_every_way_of_writing_a_date_received(world, place, value):
    report = run(world, new_rows_sheet([{"received_on": value, "text": "Kiến nghị"}]))
    assert report.ok, report.errors
    assert timezone.localtime(Petition.objects.get().created_at).date() == datetime.date(2026, 10, 15)


def test_an_empty_date_received_is_today(world, place):
    report = run(world, new_rows_sheet([{"text": "Kiến nghị"}]))
    assert report.ok, report.errors
    assert timezone.localtime(Petition.objects.get().created_at).date() == timezone.localdate()


@pytest.mark.parametrize("value, why", [
    ("31/02/2026", "does not exist"), ("10/15/2026", "month first"), ("15/10/26", "two digits"),
    ("46310", "not a date"), (46310, "number"), ("mười lăm tháng mười", "not a date"), ("15/10/1826", "plausible"),
])
def test_an_impossible_or_ambiguous_date_refuses_the_sheet_naming_the_row(world, place, value, why):
    report = run(world, new_rows_sheet([{"text": "Kiến nghị đúng", "received_on": "14/10/2026"},
                                        {"text": "Kiến nghị sai", "received_on": value}]))
    assert not report.ok
    assert [number for number, _problems in report.errors] == [3]
    assert why in report.errors[0][1][0] and "Ngày nhận" in report.errors[0][1][0]
    assert not Petition.objects.exists()  # all or nothing


def test_a_date_received_after_today_is_refused(world, place):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    report = run(world, new_rows_sheet([{"text": "Kiến nghị", "received_on": tomorrow}]))
    assert [number for number, _problems in report.errors] == [2]


def test_the_answer_date_column_is_read_as_a_date_too(world, place):
    report = run(world, new_rows_sheet([{"text": "Kiến nghị", "answer_due_on": "32/01/2027"}]))
    assert [number for number, _problems in report.errors] == [2]
    assert "Hạn trả lời" in report.errors[0][1][0]
