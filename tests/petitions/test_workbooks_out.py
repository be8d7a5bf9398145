"""Every workbook the product writes (issue 14, finding 7): the petition export, the report workbooks
(round and results), the petition and delegate import templates. Each is opened with openpyxl:
dates are dates shown dd/mm/yyyy, counts and shares numbers with formats, a frozen header row, an
auto-filter, long texts wrapped, A4 landscape printing with the header row repeated."""
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from delegations.models import AgencyLevel
from delegations.spreadsheets import DATE_FORMAT
from petitions import reports, services
from petitions.models import AnswerOutcome, Petition, PetitionField, ReportKind
from petitions.reports.build import build_results_report, build_round_report, workbook_bytes
from plans.models import ContactPlan, ContactRound, PlanStatus, RoundKind


def check_settings(sheet):
    assert sheet.freeze_panes == "A2", sheet.title
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
    assert sheet.auto_filter.ref.endswith(str(sheet.max_row)), (sheet.auto_filter.ref, sheet.max_row)
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == "9"  # A4
    assert sheet.print_title_rows == "$1:$1"
    assert all(cell.font.b for cell in sheet[1])
    widths = [sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]]
    assert all(5 <= width <= 70 for width in widths), widths


def column(sheet, title):
    titles = [cell.value for cell in sheet[1]]
    return [row[titles.index(title)] for row in sheet.iter_rows(min_row=2)]


def assert_dates(cells):
    filled = [cell for cell in cells if cell.value is not None]
    assert filled
    for cell in filled:
        assert isinstance(cell.value, datetime.datetime), cell.value  # openpyxl reads dates as datetimes
        assert cell.number_format == DATE_FORMAT


def assert_wrapped(cells):
    assert all(cell.alignment.wrap_text for cell in cells if cell.value)


@pytest.fixture
def data(world):
    office = world.users["office"]
    plan = ContactPlan.objects.create(council=world.council, year=2026, subject="KH", status=PlanStatus.ISSUED,
                                      number=1, issued_on=datetime.date(2026, 10, 15))
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=datetime.date(2026, 11, 2),
                                      ends_on=datetime.date(2026, 11, 20))
    field = PetitionField.objects.create(council=world.council, name="Giao thông")
    petitions = [services.petition_create(council=world.council, user=office, round=rnd, group=world.group_a,
                                          text=f"Đề nghị sửa đường liên thôn số {i} " + "rất dài " * 20)
                 for i in range(4)]
    services.petitions_classify(petitions=petitions, user=office, fields=[field], agency=world.agency,
                                level=AgencyLevel.PROVINCE)
    services.petitions_forward(petitions=petitions[:2], user=office)
    services.answer_record(petition=petitions[0], user=world.users["agency"], agency=world.agency,
                           outcome=AnswerOutcome.RESOLVED, text="Đã sửa xong.")
    return {"round": rnd, "petitions": petitions}


def test_the_petition_export(world, data, client_for):
    response = client_for(world.users["office"]).get(reverse("petitions:export"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    check_settings(sheet)
    assert sheet.max_row == 5
    assert_dates(column(sheet, "Ngày nhận"))
    assert_dates(column(sheet, "Hạn trả lời"))  # the two forwarded petitions have one
    assert_wrapped(column(sheet, "Nội dung"))
    assert sheet.column_dimensions["A"].number_format == "@"  # codes typed later stay text


def test_the_round_report_workbook(world, data):
    report = reports.report_request(user=world.users["office"], council=world.council, kind=ReportKind.ROUND,
                                    round=data["round"], signer_name="Nguyễn Văn A")
    workbook = load_workbook(io.BytesIO(workbook_bytes(build_round_report(report).sheets)))
    for sheet in workbook.worksheets:
        check_settings(sheet)
    petitions, counts = workbook["Kiến nghị"], workbook["Số liệu"]
    assert [cell.value for cell in column(petitions, "STT")] == [1, 2, 3, 4]
    assert all(cell.data_type == "n" for cell in column(petitions, "Số cử tri"))
    assert_wrapped(column(petitions, "Nội dung"))
    shares = [cell for cell in column(counts, "Tỷ lệ") if cell.value is not None]
    assert shares and all(cell.data_type == "n" and cell.number_format == "0.0%" for cell in shares)
    assert 1.0 in [cell.value for cell in shares]  # "Tổng cộng": 100% is 1.0, shown "100.0%"
    assert all(isinstance(cell.value, int) for cell in column(counts, "Số lượng") if cell.value is not None)


def test_the_results_report_workbook(world, data):
    report = reports.report_request(user=world.users["office"], council=world.council, kind=ReportKind.RESULTS,
                                    round=data["round"], signer_name="Nguyễn Văn A")
    workbook = load_workbook(io.BytesIO(workbook_bytes(build_results_report(report, datetime.date(2026, 12, 31))
                                                       .sheets)))
    for sheet in workbook.worksheets:
        check_settings(sheet)
    petitions = workbook["Kiến nghị"]
    assert petitions.max_row == 3  # the two forwarded
    assert_dates(column(petitions, "Ngày chuyển"))
    assert_dates(column(petitions, "Hạn trả lời"))
    assert all(cell.data_type == "n" for cell in column(workbook["Số liệu"], "Đã chuyển") if cell.value is not None)


@pytest.mark.parametrize("url_name, text_columns, date_columns, lists", [
    ("petitions:import_template", ["Mã", "Nội dung", "Cử tri"], ["Ngày nhận", "Hạn trả lời"], 2),
    ("delegations:import_template", ["Họ và tên", "Điện thoại", "Đơn vị bầu cử số"], [], 2),
])
def test_the_import_templates(world, client_for, url_name, text_columns, date_columns, lists):
    response = client_for(world.users["office"]).get(reverse(url_name))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    check_settings(sheet)
    letters = {cell.value: cell.column_letter for cell in sheet[1]}
    for title in text_columns:
        assert sheet.column_dimensions[letters[title]].number_format == "@", title
    for title in date_columns:
        assert sheet.column_dimensions[letters[title]].number_format == DATE_FORMAT, title
    assert len(sheet.data_validations.dataValidation) == lists  # the drop-down lists they had
    for row in sheet.iter_rows(min_row=2):  # example rows: their text cells are Text too
        phone = row[list(letters).index("Điện thoại")] if "Điện thoại" in letters else None
        if phone is not None and phone.value:
            assert (phone.value, phone.number_format, phone.data_type) in {("0912345678", "@", "s"),
                                                                            ("0987654321", "@", "s")}


def test_a_round_trip_of_an_export_still_changes_nothing(world, data, client_for):
    """Real dates in the export read back as the same petitions, unchanged."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from petitions.spreadsheets import petitions_import
    response = client_for(world.users["office"]).get(reverse("petitions:export"))
    content = b"".join(response.streaming_content)
    before = list(Petition.objects.order_by("pk").values())
    report = petitions_import(council=world.council, user=world.users["office"],
                              upload=SimpleUploadedFile("a.xlsx", content))
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    assert list(Petition.objects.order_by("pk").values()) == before
