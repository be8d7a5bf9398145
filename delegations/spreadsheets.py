"""Reading uploaded Excel sheets safely, and the delegate import template.

The column headers are a data format shared with offices' existing sheets, so they stay in
Vietnamese whatever the interface language."""
import io
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from .text import fold
from .uploads import validate_upload

MAX_ROWS = 5000

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
    return str(value).strip()


def text_cell(sheet, value):
    """One value as the cell to append to `sheet` (a write-only or an ordinary worksheet).

    A str is always stored as a text cell (`data_type` "s", with Excel's "quote prefix" style when it
    starts with =, +, -, @, tab or CR, so that editing the cell in Excel keeps it text): its visible
    text is unchanged, but it can never become a formula. A str longer than CELL_MAX_CHARS is cut and
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

    Refuses, with a message, a file too large, a file that is not an .xlsx workbook whatever its
    name, and a sheet whose header row does not have the template's columns."""
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
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as error:
        raise SheetError(_("The file is not an Excel workbook (.xlsx).")) from error
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    found = [fold(cell) for cell in header]
    positions = {}
    for key, title in columns.items():
        if fold(title) not in found:
            raise SheetError(_('The sheet has no column "%(column)s"; use the template.') % {"column": title})
        positions[key] = found.index(fold(title))
    result = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        if len(result) >= MAX_ROWS:
            raise SheetError(_("The sheet has more than %(max)s rows; split it.") % {"max": MAX_ROWS})
        row = {}
        for key, index in positions.items():
            value = values[index] if index < len(values) else None
            row[key] = cell_text(value)
        result.append((number, row))
    workbook.close()
    return result


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
