"""Workbooks in: uploaded Excel sheets read safely (size, zip bomb, DTD, width and row limits checked
first), as people make them (merged cells, numbers that lost their leading zero, dates typed as text)."""
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field
from unittest import mock
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from ..text import fold, text_clean, text_visible
from ..uploads import validate_upload

MAX_ROWS = 20_000  # a province's year of petitions in one sheet (10,000 in ≤ 20 s: `make bench`)


# Workbooks in: what an uploaded .xlsx may hold (a template has 13 columns; 5 MB of upload unpacks to
# about 30 MB at most for a real sheet).
MAX_COLUMNS = 60


MAX_UNPACKED_BYTES = 50 * 1024 * 1024


MAX_RATIO = 100


MAX_MEMBERS = 1000


class SheetError(Exception):
    """The upload cannot be read as an Excel sheet at all."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    groups_created: int = 0
    errors: list = field(default_factory=list)  # (row number, [messages])
    notes: list = field(default_factory=list)  # (row number, [what the reader did: a phone's lost zero…])

    @property
    def ok(self):
        return not self.errors


def read_rows(upload, columns, kinds=None):
    """The sheet's data rows as (Excel row number, {column key: value}) pairs: `read_sheet(…).rows`."""
    return read_sheet(upload, columns, kinds).rows


def read_sheet(upload, columns, kinds=None, progress=None):
    """The sheet as people make it (a `SheetRows`): its data rows keyed by column, with per-row notes
    and problems.

    `kinds` maps a column key to how its cells are read (TEXT by default): TEXT gives the text that
    was typed (a number 5.0 is "5"; a number formatted "0000" keeps its zeros), PHONE also gives a
    mobile number Excel stored as a number back its leading zero (with a note), DATE gives a
    `datetime.date` from a real Excel date or a text dd/mm/yyyy (an impossible or ambiguous date is
    a problem of that row). A merged range gives its value to every cell it covers (a note says so).

    Refuses, with a message (SheetError), a file too large, a file that is not an .xlsx workbook
    whatever its name, a workbook that unpacks to too much (`check_archive`) or declares a DTD, a
    sheet of more than MAX_ROWS filled rows or with a cell past column MAX_COLUMNS, and a sheet
    whose header row does not have the template's columns.

    Time and memory stay bounded whatever the sheet declares: the workbook is read in openpyxl's
    read-only mode with its declared dimension (e.g. "A1:XFD20000") ignored, so only the cells
    present in the file are read, and no row wider than MAX_COLUMNS is accepted; the merged ranges
    are read from the sheet's XML by a bounded scan (`_merged_ranges`)."""
    with _opened(upload) as (workbook, archive):
        sheet = workbook.worksheets[0]
        merges = _merged_ranges(archive, sheet._worksheet_path)
        return _sheet_rows(sheet, columns, kinds or {}, merges, progress)


def check_sheet(upload, columns):
    """Refuse (SheetError) an upload that the import could not read: what `read_sheet` refuses
    about the file, the archive and the header row, checked in a fraction of a second without
    reading the rows (the upload page answers at once; the rows are read by the background task).
    Returns the number of data rows the sheet declares (None when it declares none)."""
    with _opened(upload) as (workbook, archive):
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        header = next(sheet.iter_rows(values_only=True, max_row=1), None) or ()
        if len(header) > MAX_COLUMNS:
            raise SheetError(too_wide_message())
        _positions(header, columns)
        rows = _scan_sheet(archive, sheet._worksheet_path)
    return max(rows - 1, 0) if rows else None


CELL_REFERENCE = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\br="([A-Z]{2,3})[0-9]+"')


ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b")


def _scan_sheet(archive, path):
    """A byte scan of the worksheet's XML (bounded by check_archive), in a few milliseconds a
    megabyte: refuses (SheetError) a cell past column MAX_COLUMNS, even an empty one, as the reader
    would; returns the number of rows the part holds (for the progress bar)."""
    from openpyxl.utils.cell import column_index_from_string

    path = path.lstrip("/")
    rows, tail = 0, b""
    with archive.open(path) as handle:
        while chunk := handle.read(256 * 1024):
            window = tail + chunk
            for match in CELL_REFERENCE.finditer(window):
                if column_index_from_string(match.group(1).decode()) > MAX_COLUMNS:
                    raise SheetError(too_wide_message())
            # A row tag that ends within the tail was counted with the previous window.
            rows += sum(1 for match in ROW_START.finditer(window) if match.end() > len(tail))
            tail = window[-64:]
    return rows


class _opened:
    """The upload opened as a read-only workbook and as a zip archive, after the checks; every
    error openpyxl or zipfile may raise on a crafted file becomes a SheetError."""

    def __init__(self, upload):
        self.upload = upload

    def __enter__(self):
        try:
            validate_upload(self.upload, ["xlsx"])
        except ValidationError as error:
            if error.code == "type":
                raise SheetError(_("The file is not an Excel workbook (.xlsx).")) from error
            raise SheetError(error.messages[0]) from error
        self.upload.seek(0)
        content = self.upload.read()
        self.upload.seek(0)
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(content))
            if "xl/workbook.xml" not in self.archive.namelist():
                raise SheetError(_("The file is not an Excel workbook (.xlsx)."))
            check_archive(self.archive)
            # openpyxl looks for each sheet's declared dimension when it opens it, and parses the whole
            # sheet when there is none (a sheet written by some tools): the reader never uses it
            # (reset_dimensions), so that look is skipped (the patch lasts for the opening only).
            with mock.patch.object(ReadOnlyWorksheet, "_get_size", lambda _sheet: None):
                self.workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:
            self.__exit__(type(error), error, None)
            raise
        return self.workbook, self.archive

    def __exit__(self, kind, error, traceback):
        workbook, archive = getattr(self, "workbook", None), getattr(self, "archive", None)
        if workbook is not None:
            workbook.close()
        if archive is not None:
            archive.close()
        if error is None or isinstance(error, SheetError):
            return False
        if isinstance(error, (DefusedXmlException, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError,
                              OSError, IndexError, TypeError, AttributeError, ParseError)):
            if _caused_by(error, DefusedXmlException):
                # A DTD or entity the byte scan could not see (e.g. in UTF-16): defusedxml, which openpyxl
                # uses when it is installed, refused it; openpyxl wraps that error in a ValueError.
                raise SheetError(dtd_message()) from error
            # openpyxl raises many kinds of error on a damaged or crafted workbook: all mean "not a sheet".
            raise SheetError(_("The file is not an Excel workbook (.xlsx).")) from error
        return False


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


# How a column's cells are read (`read_sheet`'s kinds).
TEXT, PHONE, DATE = "text", "phone", "date"


# Merged ranges read from a sheet: at most this many, each at most this many cells.
MAX_MERGED_RANGES = 10_000


MERGED_RANGE = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref="([A-Za-z]{1,3}[0-9]{1,7}):([A-Za-z]{1,3}[0-9]{1,7})"')


# A date typed as text: day/month/year with "/", "-" or "." (the product's dd/mm/yyyy), or ISO yyyy-mm-dd.
DATE_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")


DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


# A Vietnamese number Excel stored as a number and so lost its leading zero: a mobile (9 digits
# after the 0: 3x, 5x, 7x, 8x, 9x) or a landline (10 digits after the 0: 2xx…).
LOST_ZERO = re.compile(r"^(?:[35789]\d{8}|2\d{9})$")


@dataclass
class SheetRows:
    """A sheet read by `read_sheet`."""

    rows: list = field(default_factory=list)  # (row number, {column key: value})
    notes: dict = field(default_factory=dict)  # row number -> [what the reader did: a merged cell filled…]
    problems: dict = field(default_factory=dict)  # row number -> [why the row cannot be read: a bad date]

    def note(self, number, message):
        self.notes.setdefault(number, []).append(message)

    def problem(self, number, message):
        self.problems.setdefault(number, []).append(message)


def shown_value(value):
    """A refused value as an import message shows it. The one place where invisible characters are
    to be made visible ("Sở Xây⟨U+200B⟩ dựng"): delegations.text's `text_visible` is called here."""
    return text_visible(str(value))


def _merged_ranges(archive, path):
    """The sheet's merged ranges as (min column, min row, max column, max row), 1-based, read by a
    chunked scan of the worksheet's XML (openpyxl's read-only mode does not expose them). Bounded:
    the part's size by check_archive, the number of ranges by MAX_MERGED_RANGES, each range's size by
    MAX_COLUMNS and MAX_ROWS (a larger one is clipped)."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    path = path.lstrip("/")
    if path not in archive.namelist():
        return []
    found, tail = [], b""
    with archive.open(path) as handle:
        while chunk := handle.read(256 * 1024):
            window = tail + chunk
            last = 0
            for match in MERGED_RANGE.finditer(window):
                found.append((match.group(1).decode(), match.group(2).decode()))
                last = match.end()
                if len(found) > MAX_MERGED_RANGES:
                    raise SheetError(_("The sheet has more than %(max)s merged ranges; unmerge the cells.")
                                     % {"max": MAX_MERGED_RANGES})
            tail = window[max(last, len(window) - 200):]
    ranges = []
    for first, last in found:
        (col1, row1), (col2, row2) = coordinate_from_string(first), coordinate_from_string(last)
        col1, col2 = column_index_from_string(col1), column_index_from_string(col2)
        if col1 > MAX_COLUMNS:
            continue
        ranges.append((col1, row1, min(col2, MAX_COLUMNS), min(row2, row1 + MAX_ROWS)))
    return ranges


def _positions(header, columns):
    found = [fold(cell_text(cell)) for cell in header]
    positions = {}
    for key, title in columns.items():
        if fold(title) not in found:
            raise SheetError(_('The sheet has no column "%(column)s"; use the template.') % {"column": title})
        positions[key] = found.index(fold(title))
    return positions


def _sheet_rows(sheet, columns, kinds, merges, progress=None):
    sheet.reset_dimensions()  # the declared dimension is not trusted: read only the cells present
    # Each row is as wide as its last cell present in the file (missing rows cost nothing), and the
    # first row with a cell past MAX_COLUMNS, even an empty one, is refused: no row wider is ever built.
    rows = sheet.iter_rows()
    covering = {}  # row number -> [(range, min column, max column)] for the rows a merged range covers
    for merged in merges:
        col1, row1, col2, row2 = merged
        for number in range(row1, row2 + 1):
            covering.setdefault(number, []).append(merged)
    anchors = {}  # range -> the cell at its top left
    header = _with_merges(1, list(next(rows, None) or ()), covering, anchors)
    if len(header) > MAX_COLUMNS:
        raise SheetError(too_wide_message())
    positions = _positions([cell.value for cell in header], columns)
    titles = {index: columns[key] for key, index in positions.items()}
    result = SheetRows()
    for number, cells in enumerate(rows, start=2):
        if len(cells) > MAX_COLUMNS:
            raise SheetError(too_wide_message())
        cells = _with_merges(number, list(cells), covering, anchors)
        if not _filled([cell.value for cell in cells]):
            continue
        if len(result.rows) >= MAX_ROWS:
            raise SheetError(_("The sheet has more than %(max)s rows; split it.") % {"max": MAX_ROWS})
        row = {}
        for key, index in positions.items():
            cell = cells[index] if index < len(cells) else None
            row[key] = _cell_value(cell, kinds.get(key, TEXT), number, titles[index], result)
        for merged in covering.get(number, ()):
            col1, row1, col2, _row2 = merged
            anchor = anchors.get(merged)
            first = col1 if number == row1 else col1 - 1  # the top-left cell itself is not "filled"
            filled = sorted(index for index in positions.values() if first <= index < col2)
            if filled and anchor is not None and anchor.value is not None:
                result.note(number, _("%(columns)s filled from the merged cells of row %(row)s")
                            % {"columns": ", ".join(f"“{titles[index]}”" for index in filled), "row": row1})
        result.rows.append((number, row))
        if progress is not None and len(result.rows) % 200 == 0:
            progress(len(result.rows))
    return result


class _Filled:
    """A cell covered by a merged range: the value (and format) of the range's top-left cell."""

    __slots__ = ("value", "number_format", "is_date")

    def __init__(self, cell):
        self.value = cell.value
        self.number_format = getattr(cell, "number_format", "General")
        self.is_date = getattr(cell, "is_date", False)


def _with_merges(number, cells, covering, anchors):
    for merged in covering.get(number, ()):
        col1, row1, col2, _row2 = merged
        if number == row1:
            anchors[merged] = _Filled(cells[col1 - 1]) if col1 - 1 < len(cells) else None
        anchor = anchors.get(merged)
        if anchor is None or anchor.value is None:
            continue
        while len(cells) < col2:
            cells.append(_Filled(_Empty))
        for index in range(col1 - 1, col2):
            cells[index] = anchor
    return cells


class _Empty:
    value = None
    number_format = "General"
    is_date = False


def cell_text(value, number_format="General"):
    """A cell as the text a person typed: 5 not "5.0", a date as dd/mm/yyyy, and a number formatted
    with zeros ("0000000000", as offices format codes and phones) with its leading zeros."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not value.is_integer():
            return repr(value)
        text = str(int(value))
        if number_format and set(number_format) == {"0"} and len(number_format) > len(text):
            text = text.zfill(len(number_format))
        return text
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        value = value.date()
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y")
    return text_clean(str(value), single_line=False).strip()  # the one cleaning of text at the door


def _cell_value(cell, kind, number, title, result):
    value = getattr(cell, "value", None)
    number_format = getattr(cell, "number_format", "General") or "General"
    if kind == DATE:
        date, problem = parse_date(value)
        if problem:
            result.problem(number, _("the date “%(value)s” in “%(column)s”: %(problem)s")
                           % {"value": shown_value(cell_text(value, number_format)), "column": title,
                              "problem": problem})
        return date
    text = cell_text(value, number_format)
    if kind == PHONE and isinstance(value, (int, float)) and LOST_ZERO.match(text):
        result.note(number, _("the phone %(number)s in “%(column)s” was stored by Excel as a number; read as "
                              "%(phone)s (format the column as Text to keep the leading zero)")
                    % {"number": text, "column": title, "phone": "0" + text})
        text = "0" + text
    return text


def parse_date(value):
    """(date or None, problem or None) for a cell of a date column: a real Excel date, or a text
    dd/mm/yyyy (also d/m/yyyy, with "-" or "."), or yyyy-mm-dd. Refused: a date that does not exist
    (31/02/2026), and ambiguous ones: a two-digit year, a bare number (a date serial or a typing
    slip?), a date before 1900 or after 2100."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, datetime.datetime):
        if value.time() != datetime.time():
            return value.date(), None
        value = value.date()
    if isinstance(value, datetime.date):
        if not 1900 <= value.year <= 2100:
            return None, _("the year is not plausible")
        return value, None
    if isinstance(value, (int, float)):
        return None, _("a number, not a date; write it as dd/mm/yyyy")
    text = str(value).strip()
    if match := DATE_ISO.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := DATE_DMY.match(text):
        day, month, year = match.groups()
        if len(year) == 2:
            return None, _("the year has two digits; write it as dd/mm/yyyy")
        day, month, year = int(day), int(month), int(year)
    else:
        return None, _("not a date dd/mm/yyyy")
    if not 1900 <= year <= 2100:
        return None, _("the year is not plausible")
    try:
        return datetime.date(year, month, day), None
    except ValueError:
        if month > 12 and day <= 12:
            return None, _("there is no month %(month)s (is it written month first? write dd/mm/yyyy)") % {"month": month}
        return None, _("this day does not exist")


def too_wide_message():
    """The message, translated in the language of the request."""
    return _("The sheet has cells past column %(max)s (even empty, formatted ones); delete those columns and "
             "keep only the template's.") % {"max": MAX_COLUMNS}


def _filled(values):
    return any(v is not None and str(v).strip() != "" for v in values or ())
