"""The one renderer of official documents (Decree 30/2020/NĐ-CP, Appendix I): plans (KH),
reports (BC), notices (TB), minutes (BB), invitations (GM).

A document is described once as an `OfficialDocument` and printed to PDF (WeasyPrint, the
template documents/official.html) or to an editable Word copy (python-docx) from that same
description, so the two never drift apart."""
import datetime
import io
from dataclasses import dataclass, field

from django.template.loader import render_to_string

DRAFT_NUMBER_GAP = "\u00a0" * 6
DRAFT_DAY_GAP = "\u00a0" * 4


@dataclass
class Run:
    """A stretch of a paragraph in one style: printed bold, italic or underlined (PDF and Word alike)."""

    text: str
    bold: bool = False
    italic: bool = False
    underline: bool = False


@dataclass
class Block:
    """One paragraph of the body. kind: "part" (I. …, bold, not indented), "section" (1. …, bold),
    "subsection" (1.1. …, bold italic), "point" (a) …, italic), "paragraph" (indented text),
    "item" (a "- …" line),
    "plain" (a short line set flush left, as an invitation's list and particulars are),
    "table" (a ruled table of `rows`, the first row its bold header; `text`, if any, is printed
    above it in bold italic; `widths` are the columns' shares of the line, in %)."""

    kind: str
    text: str
    lead: str = ""  # printed in bold before the text, in the same paragraph
    rows: list = field(default_factory=list)    # "table" only: lists of cell texts, the header first
    widths: list = field(default_factory=list)  # "table" only: one % a column; empty: equal shares
    runs: list = field(default_factory=list)    # rich text: `Run`s printed instead of `text` (text is their join)

    @property
    def styled_runs(self):
        """What the paragraph prints after its lead: its runs, or its text as one plain run."""
        return self.runs or ([Run(self.text)] if self.text else [])

    @property
    def header(self):
        return [str(cell) for cell in self.rows[0]] if self.rows else []

    @property
    def body_rows(self):
        """The rows under the header, each cell as (text, numeric): numbers are centred."""
        return [[(str(cell), is_numeric_cell(cell)) for cell in row] for row in self.rows[1:]]

    @property
    def column_widths(self):
        count = len(self.rows[0]) if self.rows else 0
        if len(self.widths) == count:
            return list(self.widths)
        return [round(100 / count, 2)] * count if count else []


def is_numeric_cell(cell):
    """A count, a share ("12,5%") or a dash: set centred in a table."""
    text = str(cell).strip().rstrip("%").replace(",", "").replace(".", "")
    return text.isdigit() or text in ("", "-", "—")


@dataclass
class Signature:
    lines: list            # authority and position, e.g. ["TM. THƯỜNG TRỰC HĐND", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    name: str = ""


@dataclass
class OfficialDocument:
    issuer_lines: list                 # e.g. ["HỘI ĐỒNG NHÂN DÂN", "TỈNH BẮC NINH"]
    type_code: str                     # "KH", "BC", "BB", "GM", "TB"
    title: str                         # "KẾ HOẠCH"
    subject_lines: list                # the trích yếu, one entry a line
    place: str = ""
    symbol: str = "HĐND"
    number: int | None = None          # None: a draft, printed blank
    date: datetime.date | None = None  # None: a draft; the month and year below are printed
    draft_month: int | None = None
    draft_year: int | None = None
    preamble: list = field(default_factory=list)    # "Căn cứ …" paragraphs before part I
    blocks: list = field(default_factory=list)
    recipients: list = field(default_factory=list)  # without the leading "- "
    signature: Signature | None = None
    left_signature: Signature | None = None          # minutes: THƯ KÝ on the left
    show_dateline: bool = True                       # minutes carry no dateline

    @property
    def number_line(self):
        return format_number(self.number, self.type_code, self.symbol)

    @property
    def dateline(self):
        if not self.show_dateline:
            return ""
        return format_dateline(self.place, self.date, self.draft_month, self.draft_year)


def format_number(number, type_code, symbol):
    """ "Số: 05/KH-HĐND": numbers below 10 get a leading zero; a draft leaves the number blank."""
    shown = f"{number:02d}" if number is not None else DRAFT_NUMBER_GAP
    return f"Số: {shown}/{type_code}-{symbol}"


def format_dateline(place, date, draft_month=None, draft_year=None):
    """ "Bắc Ninh, ngày 06 tháng 10 năm 2025": a day below 10 and months 1–2 take a leading zero."""
    if date is not None:
        day, month, year = f"{date.day:02d}", date.month, date.year
    else:
        day, month, year = DRAFT_DAY_GAP, draft_month, draft_year
    month_text = f"{month:02d}" if month is not None and month <= 2 else (str(month) if month else DRAFT_DAY_GAP)
    return f"{place}, ngày {day} tháng {month_text} năm {year}"


def render_pdf(document):
    """The document as PDF bytes, in the Decree 30 layout."""
    from weasyprint import HTML

    html = render_to_string("documents/official.html", {"doc": document})
    return HTML(string=html).write_pdf()


def render_docx(document):
    """The same document as an editable Word file (bytes), with the same margins, fonts and parts."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Mm, Pt

    word = Document()
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(16)
    section.different_first_page_header_footer = True
    normal = word.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    normal.font.size = Pt(14)
    normal.paragraph_format.space_after = Pt(6)

    def para(container, text, *, size=14, bold=False, italic=False, align=None, indent=False, space_after=None,
             lead="", runs=None):
        paragraph = container.add_paragraph()
        if lead:
            lead_run = paragraph.add_run(lead + " ")
            lead_run.bold, lead_run.font.size = True, Pt(size)
        for piece in runs or [Run(text)]:
            run = paragraph.add_run(piece.text)
            run.font.size, run.bold, run.italic = Pt(size), bold or piece.bold, italic or piece.italic
            if piece.underline:
                run.underline = True
        if align is not None:
            paragraph.alignment = align
        if indent:
            paragraph.paragraph_format.first_line_indent = Cm(1.27)
        if space_after is not None:
            paragraph.paragraph_format.space_after = Pt(space_after)
        return paragraph

    # Page numbers from page 2, centred in the header.
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = header.add_run()
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            element = run._r.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): tag})
        else:
            element = run._r.makeelement(qn("w:instrText"), {})
            element.text = text
        run._r.append(element)
    run.font.size = Pt(13)

    center = WD_ALIGN_PARAGRAPH.CENTER
    table = word.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    left.width, right.width = Cm(6.5), Cm(10)
    left.paragraphs[0].text = ""
    for index, line in enumerate(document.issuer_lines):
        target = left.paragraphs[0] if index == 0 else left.add_paragraph()
        target.alignment = center
        r = target.add_run(line.upper())
        r.bold, r.font.size = True, Pt(13)
        target.paragraph_format.space_after = Pt(0)
    para(left, "———", size=8, align=center, space_after=2)
    para(left, document.number_line, size=13, align=center)
    right.paragraphs[0].alignment = center
    r = right.paragraphs[0].add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    r.bold, r.font.size = True, Pt(12)
    right.paragraphs[0].paragraph_format.space_after = Pt(0)
    motto = para(right, "Độc lập - Tự do - Hạnh phúc", size=13, bold=True, align=center, space_after=2)
    motto.runs[0].underline = True
    if document.dateline:
        para(right, document.dateline, size=14, italic=True, align=center)

    para(word, document.title.upper(), size=14, bold=True, align=center, space_after=0)
    for line in document.subject_lines:
        para(word, line, size=14, bold=True, align=center, space_after=0)
    para(word, "———", size=8, align=center)
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    for text in document.preamble:
        para(word, text, align=justify, indent=True)
    styles = {"part": {"bold": True}, "section": {"bold": True}, "subsection": {"bold": True, "italic": True},
              "point": {"italic": True}}
    for block in document.blocks:
        if block.kind == "table":
            _docx_table(word, block, para)
            continue
        paragraph = para(word, block.text, align=justify, indent=block.kind not in ("part", "plain"),
                         lead=block.lead, runs=block.runs or None, **styles.get(block.kind, {}))
        if block.kind in ("part", "section", "subsection", "point"):
            paragraph.paragraph_format.keep_with_next = True  # a heading never alone at a page's foot

    bottom = word.add_table(rows=1, cols=2)
    recipients_cell, sign_cell = bottom.rows[0].cells
    if document.left_signature:
        recipients_cell.paragraphs[0].alignment = center
        for line in document.left_signature.lines:
            para(recipients_cell, line, size=14, bold=True, align=center, space_after=0)
        para(recipients_cell, "\n\n\n" + document.left_signature.name, size=14, bold=True, align=center)
    elif document.recipients:
        first = recipients_cell.paragraphs[0]
        r = first.add_run("Nơi nhận:")
        r.bold, r.italic, r.font.size = True, True, Pt(12)
        for entry in document.recipients:
            para(recipients_cell, f"- {entry}", size=11, space_after=0)
    if document.signature:
        sign_cell.paragraphs[0].alignment = center
        for line in document.signature.lines:
            para(sign_cell, line, size=14, bold=True, align=center, space_after=0)
        para(sign_cell, "\n\n\n" + document.signature.name, size=14, bold=True, align=center)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _docx_table(word, block, para):
    """A "table" block in the Word copy: a ruled table (Word's "Table Grid"), the header row bold and
    repeated on every page, cells in size 13, counts centred, as in the PDF."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    if block.text:
        para(word, block.text, size=14, bold=True, italic=True, space_after=3)
    if not block.rows:
        return
    table = word.add_table(rows=len(block.rows), cols=len(block.header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    text_width = 164  # mm: A4 210 less the 30 + 16 mm margins
    widths = [Mm(text_width * share / 100) for share in block.column_widths]
    header_row = table.rows[0]
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_row._tr.get_or_add_trPr().append(repeat)
    rows = [[(text, True) for text in block.header], *block.body_rows]
    for row_index, (row, cells) in enumerate(zip(table.rows, rows, strict=True)):
        for cell, width, (text, numeric) in zip(row.cells, widths, cells, strict=True):
            cell.width = width
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.paragraph_format.first_line_indent = None
            if numeric or row_index == 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(text)
            run.font.size, run.bold = Pt(13), row_index == 0
    para(word, "", size=6, space_after=0)
