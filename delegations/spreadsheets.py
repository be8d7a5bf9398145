"""Reading uploaded Excel sheets safely, and the delegate import template.

The column headers are a data format shared with offices' existing sheets, so they stay in
Vietnamese whatever the interface language."""
import io
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from .text import fold, text_clean
from .uploads import validate_upload

MAX_ROWS = 5000
# Workbooks in: what an uploaded .xlsx may hold (a template has 13 columns; 5 MB of upload unpacks to
# about 30 MB at most for a real sheet).
MAX_COLUMNS = 60
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100
MAX_MEMBERS = 1000

# Workbooks out. A cell holds at most 32,767 characters (Excel's limit); a text that starts with one
# of these characters is read as a formula by Excel or LibreOffice when typed or pasted ("CSV/formula
# injection"), so such texts are written as text cells, never as formulas.
CELL_MAX_CHARS = 32767
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Said in the cell itself when a text was cut, so the row shows it (a data format, in Vietnamese).
CUT_NOTE = " … [ĐÃ CẮT BỚT: văn bản dài {length} ký tự, vượt giới hạn {limit} ký tự của một ô Excel; xem đầy đủ trên hệ thống]"


class SheetError(Exception):
    """The upload cannot be read as an Excel sheet at all."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    groups_created: int = 0
    errors: list = field(default_factory=list)  # (row number, [messages])

    @property
    def ok(self):
        return not self.errors


def cell_text(value):
    """A cell as the text a person typed: 5 not "5.0", a date as dd/mm/yyyy."""
    import datetime

    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        value = value.date()
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y")
    return text_clean(str(value), single_line=False).strip()  # the one cleaning of text at the door


def text_cell(sheet, value):
    """One value as the cell to append to `sheet` (a write-only or an ordinary worksheet).

    A str that starts with =, +, -, @, tab or CR becomes a cell forced to text (`data_type` "s", where
    openpyxl would write a formula for "=…") with Excel's "quote prefix" style, so that editing it in
    Excel keeps it text; its visible text is unchanged. Other strs are text cells already. A str longer than CELL_MAX_CHARS is cut and
    ends with CUT_NOTE saying so; control characters a workbook cannot hold (XML 1.0) are dropped.
    Other values (numbers, dates, None) are returned as they are."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) > CELL_MAX_CHARS:
        note = CUT_NOTE.format(length=f"{len(value):,}".replace(",", "."), limit=f"{CELL_MAX_CHARS:,}".replace(",", "."))
        value = value[:CELL_MAX_CHARS - len(note)] + note
    if not value.startswith(FORMULA_TRIGGERS):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl makes any str starting with "=" a formula; this keeps it text
    cell.quotePrefix = True
    return cell


def text_row(sheet, values):
    """A row of values for `sheet.append`, each through `text_cell`: the one way every workbook the
    product writes (petition export, report workbooks, import templates) fills its rows."""
    return [text_cell(sheet, value) for value in values]


def read_rows(upload, columns):
    """The sheet's data rows as dicts keyed by column name, with their Excel row numbers.

    Refuses, with a message (SheetError), a file too large, a file that is not an .xlsx workbook
    whatever its name, a workbook that unpacks to too much (`check_archive`) or declares a DTD, a
    sheet of more than MAX_ROWS filled rows or with a cell past column MAX_COLUMNS, and a sheet
    whose header row does not have the template's columns.

    Time and memory stay bounded whatever the sheet declares: the workbook is read in openpyxl's
    read-only mode with its declared dimension (e.g. "A1:XFD20000") ignored, so only the cells
    present in the file are read, and no row wider than MAX_COLUMNS is accepted."""
    try:
        validate_upload(upload, ["xlsx"])
    except ValidationError as error:
        if error.code == "type":
            raise SheetError(_("The file is not an Excel workbook (.xlsx).")) from error
        raise SheetError(error.messages[0]) from error
    content = upload.read()
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise SheetError(_("The file is not an Excel workbook (.xlsx)."))
            check_archive(archive)
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            return _sheet_rows(workbook.worksheets[0], columns)
        finally:
            workbook.close()
    except SheetError:
        raise
    except (DefusedXmlException, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError,
            IndexError, TypeError, AttributeError, ParseError) as error:
        if _caused_by(error, DefusedXmlException):
            # A DTD or entity the byte scan could not see (e.g. in UTF-16): defusedxml, which openpyxl
            # uses when it is installed, refused it; openpyxl wraps that error in a ValueError.
            raise SheetError(dtd_message()) from error
        # openpyxl raises many kinds of error on a damaged or crafted workbook: all mean "not a sheet".
        raise SheetError(_("The file is not an Excel workbook (.xlsx).")) from error


def _caused_by(error, kind):
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kind):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def dtd_message():
    """The message, translated in the language of the request."""
    return _("The workbook contains a document type declaration (DTD/XML entities), which an Excel file never "
             "needs and which is refused for safety; save the sheet again from Excel and import it.")


def check_archive(archive):
    """Refuse (SheetError) a zip archive that would unpack to more than MAX_UNPACKED_BYTES in all, or
    whose member of more than 1 MB unpacks to more than MAX_RATIO times its packed size (a "zip bomb"),
    or whose XML parts declare a DTD or entities (XXE, "billion laughs").

    The sizes are those the archive declares: Python's zipfile never unpacks a member past its declared
    size (it fails on the CRC instead), and openpyxl reads through it, so they bound the work."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise SheetError(_("The workbook has more than %(max)s parts; it is not an ordinary Excel file.")
                         % {"max": MAX_MEMBERS})
    total = sum(member.file_size for member in members)
    bomb = any(member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1)
               for member in members)
    if total > MAX_UNPACKED_BYTES or bomb:
        raise SheetError(_("The workbook unpacks to far more than its size (more than %(size)s, or over %(ratio)s "
                           "times compressed): it looks like a “zip bomb” and is refused.")
                         % {"size": filesizeformat(MAX_UNPACKED_BYTES), "ratio": MAX_RATIO})
    for member in members:
        if member.filename.lower().endswith((".xml", ".rels", ".vml")) and _declares_dtd(archive, member):
            raise SheetError(dtd_message())


def _declares_dtd(archive, member):
    """Whether an XML part holds "<!DOCTYPE" or "<!ENTITY", read in chunks (bounded by check_archive)."""
    tail = b""
    with archive.open(member) as handle:
        while chunk := handle.read(64 * 1024):
            window = tail + chunk
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                return True
            tail = window[-16:]
    return False


def _sheet_rows(sheet, columns):
    sheet.reset_dimensions()  # the declared dimension is not trusted: read only the cells present
    # Each row is as wide as its last cell present in the file (missing rows cost nothing), and the
    # first row with a cell past MAX_COLUMNS, even an empty one, is refused: no row wider is ever built.
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    if len(header) > MAX_COLUMNS:
        raise SheetError(too_wide_message())
    found = [fold(cell) for cell in header]
    positions = {}
    for key, title in columns.items():
        if fold(title) not in found:
            raise SheetError(_('The sheet has no column "%(column)s"; use the template.') % {"column": title})
        positions[key] = found.index(fold(title))
    result = []
    for number, values in enumerate(rows, start=2):
        if len(values) > MAX_COLUMNS:
            raise SheetError(too_wide_message())
        if not _filled(values):
            continue
        if len(result) >= MAX_ROWS:
            raise SheetError(_("The sheet has more than %(max)s rows; split it.") % {"max": MAX_ROWS})
        row = {}
        for key, index in positions.items():
            value = values[index] if index < len(values) else None
            row[key] = cell_text(value)
        result.append((number, row))
    return result


def too_wide_message():
    """The message, translated in the language of the request."""
    return _("The sheet has cells past column %(max)s (even empty, formatted ones); delete those columns and "
             "keep only the template's.") % {"max": MAX_COLUMNS}


def _filled(values):
    return any(v is not None and str(v).strip() != "" for v in values or ())


def template_workbook(columns, example_rows, choices=None):
    """A workbook with the header row, example rows and drop-down lists; returns bytes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    sheet.append(text_row(sheet, columns.values()))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in example_rows:
        sheet.append(text_row(sheet, [row.get(key, "") for key in columns]))
    for index, title in enumerate(columns.values(), start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(14, len(title) + 4)
    for key, options in (choices or {}).items():
        letter = sheet.cell(row=1, column=list(columns).index(key) + 1).column_letter
        validation = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
        sheet.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
