"""Findings 4 and 5 of the spreadsheets-and-text issue in the imports: a cell's text is cleaned where
it is read (an agency name with a zero-width space is the agency), look-alike letters find the row
they look like, a refused value shows what cannot be seen, and a cell in an old font encoding
(TCVN3, VNI) refuses its row naming the encoding and the converted text — never stored as garbage."""
import io
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from delegations.services import DELEGATE_COLUMNS, delegates_import
from petitions.models import Petition, PetitionField
from petitions.spreadsheets import PETITION_COLUMNS, petitions_import

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet(rows, columns=PETITION_COLUMNS):
    workbook = Workbook()
    ws = workbook.active
    ws.append(list(columns.values()))
    for row in rows:
        ws.append([row.get(key) for key in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("kien-nghi.xlsx", buffer.getvalue(), content_type=XLSX)


def new_row(**cells):
    return {"text": "Đề nghị sửa cống thoát nước thôn Bắc", "fields": "Giao thông", "level": "Tỉnh",
            "agency": "Sở Xây dựng", "status": "Đã phân loại", "group": "Tổ đại biểu số 1", **cells}


@pytest.fixture
def field(world):
    return PetitionField.objects.create(council=world.council, name="Giao thông")


def run(world, *rows):
    return petitions_import(council=world.council, user=world.users["office"], upload=sheet(rows))


@pytest.mark.parametrize("agency", [
    "Sở Xây\u200b dựng",  # the case file e2_zwsp_agency.xlsx
    "\ufeffSở Xây dựng", "Sở\u00a0Xây dựng", "Sở Xây\u2060dựng".replace("\u2060", "\u2060 "),
    unicodedata.normalize("NFD", "Sở Xây dựng"),
    "Ѕở Xâу dựng",  # Cyrillic look-alikes: the same agency for duplicate detection
    "Ｓở Ｘây dựng",  # fullwidth
])
def test_an_agency_name_typed_with_invisible_or_look_alike_characters_is_the_agency(world, field, agency):
    report = run(world, new_row(agency=agency))
    assert report.ok, report.errors
    petition = Petition.objects.get()
    assert petition.agency == world.agency and petition.status == "classified"


def test_cell_text_is_stored_cleaned(world, field):
    report = run(world, new_row(text=unicodedata.normalize("NFD", "Đề nghị\u00a0sửa\u200b cống") + "\ufeff",
                                summary="Sửa\u2003cống"))
    assert report.ok, report.errors
    petition = Petition.objects.get()
    assert petition.text == "Đề nghị sửa cống" and petition.summary == "Sửa cống"


@pytest.mark.parametrize(("column", "value", "shown"), [
    ("agency", "Sở Xâу dựng mới", '"Sở Xâ⟨U+0443⟩ dựng mới"'),
    ("fields", "Giaο thông nông thôn", '"Gia⟨U+03BF⟩ thông nông thôn"'),
    ("group", "Тổ đại biểu số 9", '"⟨U+0422⟩ổ đại biểu số 9"'),
])
def test_a_refused_value_shows_what_cannot_be_seen(world, field, column, value, shown):
    from django.utils import translation

    with translation.override("vi"):
        report = run(world, new_row(**{column: value}))
    assert not report.ok and Petition.objects.count() == 0
    messages = " ".join(report.errors[0][1])
    assert shown in messages, messages


def test_the_invisible_character_of_finding_4_would_be_shown_in_the_message():
    """Cells are cleaned before lookup, so a zero-width space no longer refuses a row; the message
    helper still shows one wherever a value is refused."""
    from delegations.text import text_visible

    assert text_visible("Sở Xây\u200b dựng") == "Sở Xây⟨U+200B⟩ dựng"


@pytest.mark.parametrize(("column", "value", "encoding", "converted"), [
    ("fields", "Giao th«ng", "TCVN3", "Giao thông"),  # the case file e8_tcvn3.xlsx
    ("text", "§\u00adêng giao th«ng xuèng cÊp", "TCVN3", "Đường giao thông xuống cấp"),
    ("text", "Ñöôøng giao thoâng xuoáng caáp", "VNI", "Đường giao thông xuống cấp"),
])
def test_a_cell_in_an_old_font_encoding_refuses_its_row_naming_the_encoding(world, field, column, value, encoding,
                                                                              converted):
    from django.utils import translation

    with translation.override("vi"):
        report = run(world, new_row(), new_row(**{column: value}))
    assert not report.ok and Petition.objects.count() == 0
    [(number, messages)] = report.errors
    assert number == 3
    message = messages[0]
    assert encoding in message and converted in message and PETITION_COLUMNS[column] in message
    assert "bảng mã cũ" in message


def test_a_delegates_sheet_in_an_old_font_encoding_is_refused_naming_the_encoding(world):
    from delegations.models import Delegate

    before = Delegate.objects.count()
    report = delegates_import(council=world.council, term=world.term, upload=sheet(
        [{"full_name": "NguyÔn V¨n An", "kind": "Kiêm nhiệm"}], columns=DELEGATE_COLUMNS))
    assert not report.ok and Delegate.objects.count() == before
    assert any("TCVN3" in message and "Nguyễn Văn An" in message for message in report.errors[0][1])
