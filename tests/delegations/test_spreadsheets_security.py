"""Workbooks in: the shared .xlsx reader (delegations.spreadsheets.read_rows, behind /org/import/ and
/petitions/import/) stays bounded in time and memory whatever a crafted file declares, and refuses
zip bombs and DTDs (XXE, "billion laughs") with a 400 that names the problem (issue 10, finding 7)."""
import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from openpyxl import Workbook

from delegations import spreadsheets
from delegations.models import Delegate
from delegations.services import DELEGATE_COLUMNS
from petitions.models import Petition
from petitions.spreadsheets import PETITION_COLUMNS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = "xl/worksheets/sheet1.xml"
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def workbook_bytes(header=()):
    workbook = Workbook()
    if header:
        workbook.active.append(list(header))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def replaced(content, parts):
    """The .xlsx `content` with some parts replaced or added ({name: bytes}), each deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name in source.namelist():
            if name not in parts:
                target.writestr(name, source.read(name))
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def inline(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def far_cell_sheet(header=(), extra_rows=""):
    """A sheet that declares A1:XFD20000 and holds one cell at XFD20000 (after an optional header row)."""
    header_row = ""
    if header:
        letters = [chr(ord("A") + i) for i in range(len(header))]
        header_row = '<row r="1">' + "".join(inline(f"{c}1", t) for c, t in zip(letters, header, strict=True)) + "</row>"
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {MAIN}>'
            f'<dimension ref="A1:XFD20000"/><sheetData>{header_row}{extra_rows}'
            f'<row r="20000">{inline("XFD20000", "x")}</row></sheetData></worksheet>').encode()


def far_cell_file(header=()):
    return replaced(workbook_bytes(), {SHEET: far_cell_sheet(header)})


def dtd_file(encoding="utf-8"):
    xml = (f'<?xml version="1.0" encoding="{encoding.upper()}"?>\n'
           '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
           f'<worksheet {MAIN}><sheetData><row r="1">'
           '<c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>')
    return replaced(workbook_bytes(), {SHEET: xml.encode(encoding)})


def bomb_file(size):
    """A real workbook with a part of `size` zero bytes, deflated to about a thousandth of it."""
    return replaced(workbook_bytes(list(DELEGATE_COLUMNS.values())), {"xl/media/image1.bin": bytes(size)})


def read(content, columns=PETITION_COLUMNS):
    return spreadsheets.read_rows(SimpleUploadedFile("a.xlsx", content, content_type=XLSX), columns)


# ------------------------------------------------------------------------------ the reader itself

def test_a_5_kb_file_whose_one_cell_sits_at_xfd20000_without_a_header_is_refused_at_once():
    content = far_cell_file()
    assert len(content) < 5 * 1024
    started = time.perf_counter()
    with pytest.raises(spreadsheets.SheetError):
        read(content)
    assert time.perf_counter() - started < 2


def test_the_same_far_cell_under_a_template_header_is_refused_as_too_wide_in_under_2_s():
    content = far_cell_file(header=list(PETITION_COLUMNS.values()))
    assert len(content) < 6 * 1024
    started = time.perf_counter()
    with pytest.raises(spreadsheets.SheetError) as error:
        read(content)
    assert time.perf_counter() - started < 2
    assert str(error.value) == spreadsheets.too_wide_message()


def test_a_declared_dimension_is_ignored_and_only_the_cells_present_are_read():
    header = list(PETITION_COLUMNS.values())
    letter = chr(ord("A") + header.index(PETITION_COLUMNS["text"]))
    sheet = far_cell_sheet(header, extra_rows=f'<row r="7">{inline(f"{letter}7", "Đề nghị sửa đường")}</row>')
    sheet = sheet.replace(f'<row r="20000">{inline("XFD20000", "x")}</row>'.encode(), b"")
    started = time.perf_counter()
    rows = read(replaced(workbook_bytes(), {SHEET: sheet}))
    assert time.perf_counter() - started < 2
    assert [(number, row["text"]) for number, row in rows] == [(7, "Đề nghị sửa đường")]


def test_more_filled_rows_than_the_cap_are_refused(monkeypatch):
    monkeypatch.setattr(spreadsheets.reading, "MAX_ROWS", 3)
    workbook = Workbook()
    workbook.active.append(list(PETITION_COLUMNS.values()))
    for i in range(4):
        workbook.active.append([f"KN-{i}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(spreadsheets.SheetError, match="3"):
        read(buffer.getvalue())


@pytest.mark.parametrize("size", [60 * 1024 * 1024, 2 * 1024 * 1024])
def test_a_zip_bomb_is_refused_before_it_is_unpacked(size):
    content = bomb_file(size)
    assert len(content) < 100 * 1024
    with pytest.raises(spreadsheets.SheetError, match="zip bomb"):
        read(content, DELEGATE_COLUMNS)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_dtd_is_refused_by_name(encoding):
    # UTF-16 hides "<!DOCTYPE" from the byte scan: defusedxml, which openpyxl then uses, refuses it.
    with pytest.raises(spreadsheets.SheetError) as error:
        read(dtd_file(encoding))
    assert str(error.value) == spreadsheets.dtd_message()
    assert "DTD" in str(error.value)


def test_defusedxml_is_installed_so_openpyxl_uses_it():
    import openpyxl

    assert openpyxl.DEFUSEDXML is True


# --------------------------------------------------------------------------- through both pages

def post_import(client, world, url_name, content):
    data = {"file": SimpleUploadedFile("a.xlsx", content, content_type=XLSX)}
    if url_name == "delegations:import":
        data.update(council=world.council.pk, term=world.term.pk)
    return client.post(reverse(url_name), data)


IMPORT_URLS = ["delegations:import", "petitions:import"]


@pytest.mark.parametrize("url_name", IMPORT_URLS)
@pytest.mark.parametrize("kind", ["dtd", "bomb", "far"])
def test_both_import_pages_refuse_crafted_files_with_a_400_naming_the_problem(world, client_for, url_name, kind):
    content, message = {
        "dtd": (dtd_file(), spreadsheets.dtd_message),
        "bomb": (bomb_file(60 * 1024 * 1024), lambda: "zip bomb"),
        # The file: the template's header, then one cell at XFD20000 (33 s of a worker before).
        "far": (far_cell_file(header=list((DELEGATE_COLUMNS if url_name == "delegations:import"
                                           else PETITION_COLUMNS).values())), spreadsheets.too_wide_message),
    }[kind]
    client = client_for(world.users["office"])
    before = Delegate.objects.count(), Petition.objects.count()
    assert client.get(reverse(url_name)).status_code == 200  # templates and translations loaded: time the file
    started = time.perf_counter()
    response = post_import(client, world, url_name, content)
    assert time.perf_counter() - started < 2
    assert response.status_code == 400
    with translation.override("vi"):  # the interface's language, whatever an earlier test left active
        assert escape(message()) in response.content.decode()
    assert (Delegate.objects.count(), Petition.objects.count()) == before
