"""Workbooks out: every workbook the product writes (exports, reports, import templates), with text cells
that are never formulas, long texts cut with a note, dates and numbers formatted, a frozen header."""
import datetime
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .reading import DATE, MAX_ROWS, PHONE, TEXT

# Workbooks out. A cell holds at most 32,767 characters (Excel's limit); a text that starts with one
# of these characters is read as a formula by Excel or LibreOffice when typed or pasted ("CSV/formula
# injection"), so such texts are written as text cells, never as formulas.
CELL_MAX_CHARS = 32767


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# Said in the cell itself when a text was cut, so the row shows it (a data format, in Vietnamese).
CUT_NOTE = " … [ĐÃ CẮT BỚT: văn bản dài {length} ký tự, vượt giới hạn {limit} ký tự của một ô Excel; xem đầy đủ trên hệ thống]"


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


# How a column of a workbook the product writes is formatted (`Column.kind`).
LONG, INTEGER, NUMBER, PERCENT = "long", "integer", "number", "percent"


DATE_FORMAT = "dd/mm/yyyy"


FORMATS = {TEXT: "@", PHONE: "@", LONG: "@", DATE: DATE_FORMAT, INTEGER: "#,##0", NUMBER: "#,##0.0",
           PERCENT: "0.0%"}


HEADER_FONT = Font(bold=True)


HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)


WRAP = Alignment(vertical="top", wrap_text=True)


TOP = Alignment(vertical="top")


# A text column this wide or wider wraps its text (a narrower one stays on one line).
WRAP_FROM_WIDTH = 30


@dataclass
class Column:
    """One column of a sheet the product writes: its header, how its cells are formatted (TEXT,
    LONG — wrapped —, DATE, INTEGER, NUMBER, PERCENT — a ratio, 0.261 shown "26.1%") and its width
    in characters (from the header and the kind when not given)."""

    title: str
    kind: str = TEXT
    width: float | None = None

    @property
    def shown_width(self):
        if self.width:
            return self.width
        return {DATE: 12, INTEGER: 10, NUMBER: 12, PERCENT: 10, LONG: 50}.get(self.kind, max(12, len(self.title) + 4))


def workbook_new():
    """A workbook to stream sheets into (`sheet_write`), then `workbook_save`."""
    return Workbook(write_only=True)


def sheet_write(workbook, title, columns, rows, *, choices=None, choice_rows=MAX_ROWS, text_cells=False):
    """Write a sheet into a write-only `workbook` the way every workbook of the product is written:
    a bold frozen header row with an auto-filter; dates as real dates shown dd/mm/yyyy; numbers and
    ratios as numbers with their format (INTEGER "#,##0", PERCENT "0.0%"); long texts wrapped; widths
    from the columns; text columns formatted as Text ("@", so a phone typed later keeps its leading
    zero) and date columns as dates; printed on A4 landscape, one page wide, the header repeated on
    each page. Every text goes through `text_cell` (never a formula). `choices` ({column index: [options]})
    adds drop-down lists to that many rows; `text_cells` formats the text cells written as Text too
    (a template's example rows, edited by hand). Returns the worksheet."""
    ws = workbook.create_sheet(title[:31])
    for index, column in enumerate(columns, start=1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = column.shown_width
        dimension.number_format = FORMATS.get(column.kind, "@")  # the column's style: cells typed later
    ws.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=text_cell(ws, column.title))
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
        header.append(cell)
    ws.append(header)
    styles = [_column_style(column, text_cells) for column in columns]
    count = 0
    for row in rows:
        ws.append([_out_cell(ws, value, style) for value, style in zip(row, styles, strict=False)])
        count += 1
    last = get_column_letter(max(len(columns), 1))
    ws.auto_filter.ref = f"A1:{last}{count + 1}"
    for index, options in (choices or {}).items():
        letter = get_column_letter(index + 1)
        validation = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
        ws.data_validations.append(validation)
        validation.add(f"{letter}2:{letter}{choice_rows + 1}")
    page_setup(ws)
    return ws


def page_setup(ws):
    """A4 landscape, fitted to one page wide, the header row repeated on every printed page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4 (Worksheet.PAPERSIZE_A4)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True


def _column_style(column, text_cells=False):
    wrap = column.kind == LONG or (column.kind == TEXT and column.shown_width >= WRAP_FROM_WIDTH)
    return column.kind, FORMATS.get(column.kind), wrap, text_cells and column.kind in (TEXT, PHONE, LONG)


def _out_cell(ws, value, style):
    kind, number_format, wrap, as_text = style
    if isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time() else value.replace(tzinfo=None)
    if isinstance(value, (datetime.date, int, float)) and not isinstance(value, bool):
        cell = WriteOnlyCell(ws, value=value)
        if isinstance(value, datetime.date):
            cell.number_format = DATE_FORMAT if not isinstance(value, datetime.datetime) else "dd/mm/yyyy hh:mm"
        elif kind in (INTEGER, NUMBER, PERCENT):
            cell.number_format = number_format
        cell.alignment = TOP
        return cell
    value = text_cell(ws, value)
    if (wrap or as_text) and value:
        if isinstance(value, str):
            value = WriteOnlyCell(ws, value=value)
        if wrap:
            value.alignment = WRAP
        if as_text:
            value.number_format = "@"
    return value


def workbook_save(workbook, file=None):
    """Save; returns the bytes when no file is given."""
    if file is not None:
        workbook.save(file)
        return file
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_workbook(columns, example_rows, choices=None, kinds=None):
    """The import template: the header row, example rows and drop-down lists, text columns formatted
    as Text and date columns as dates (`kinds`: {key: DATE…}); returns bytes."""
    kinds = kinds or {}
    keys = list(columns)
    workbook = workbook_new()
    sheet_write(workbook, "Danh sách", [Column(title, kinds.get(key, TEXT), max(14, len(title) + 4))
                                        for key, title in columns.items()],
                ([row.get(key, "") for key in keys] for row in example_rows),
                choices={keys.index(key): options for key, options in (choices or {}).items()}, text_cells=True)
    return workbook_save(workbook)
