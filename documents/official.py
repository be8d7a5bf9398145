"""The one renderer of official documents (Decree 30/2020/NĐ-CP, Appendix I): plans (KH),
reports (BC), notices (TB), minutes (BB), invitations (GM).

A document is described once as an `OfficialDocument` and printed to PDF (WeasyPrint, the
template documents/official.html) or to an editable Word copy (python-docx) from that same
description, so the two never drift apart."""
import datetime
import functools
import io
import unicodedata
from dataclasses import dataclass, field

from django.template.loader import render_to_string

DRAFT_NUMBER_GAP = "\u00a0" * 6
DRAFT_DAY_GAP = "\u00a0" * 4

# The page (Decree 30: A4, left 30–35 mm, right 15–20 mm): the text block, in points.
PT_PER_MM = 72 / 25.4
TEXT_WIDTH_MM = 210 - 30 - 16
TEXT_WIDTH = TEXT_WIDTH_MM * PT_PER_MM
# The header's columns: the issuing body takes at least 38% of the line and grows when a long name
# (e.g. "PHƯỜNG ĐÔNG HƯNG THUẬN") needs it, as long as the motto keeps room for its first line.
ISSUER_SHARE_MIN = 0.38
MOTTO1 = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
ISSUER_PAD = 12         # pt: room beside the widest issuing-body line (Word's cell margins are 2 × 5.4 pt)
RULE_SHARE = 0.4        # the short rules under the issuing body and the subject: 2/5 of the line above
RECIPIENTS_SHARE = 0.45  # the closing table: Nơi nhận (left) and the signature (right)
FONT_DIR = "/usr/share/fonts/truetype/liberation2"
FONT_FILES = {(False, False): "LiberationSerif-Regular.ttf", (True, False): "LiberationSerif-Bold.ttf",
              (False, True): "LiberationSerif-Italic.ttf", (True, True): "LiberationSerif-BoldItalic.ttf"}


@functools.cache
def _font_metrics(bold, italic):
    """(advance widths by code point, units per em) of Liberation Serif, Times New Roman's metric twin:
    the widths Word and WeasyPrint lay the text out with."""
    from fontTools.ttLib import TTFont

    font = TTFont(f"{FONT_DIR}/{FONT_FILES[bold, italic]}", lazy=True)
    hmtx, cmap = font["hmtx"], font.getBestCmap()
    return {code: hmtx[glyph][0] for code, glyph in cmap.items()}, font["head"].unitsPerEm


def text_width(text, size, *, bold=False, italic=False):
    """The width in points of one line of text set in Times New Roman at `size`."""
    widths, units = _font_metrics(bold, italic)
    fallback = widths.get(ord("n"), units // 2)
    return sum(widths.get(ord(char), fallback) for char in unicodedata.normalize("NFC", text)) * size / units


def _wrap(words, size, limit):
    """Words into lines no wider than `limit` (a word longer than the limit stands alone)."""
    lines = []
    for word in words:
        if lines and text_width(f"{lines[-1]} {word}", size, bold=True) <= limit:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


@dataclass
class HeaderLayout:
    """The header as set by rule, identically in PDF and Word: the issuing body's lines (in capitals),
    their size, the two columns' widths and the rule under the issuing body (all in points)."""

    issuer_lines: list
    issuer_size: int
    issuer_width: float
    nation_width: float
    rule_width: float
    dateline_size: int = 14

    @property
    def issuer_share(self):
        return round(100 * self.issuer_width / TEXT_WIDTH, 2)

    @property
    def nation_share(self):
        return round(100 - self.issuer_share, 2)


def header_layout(issuer_lines, dateline=""):
    """Decree 30 sets the issuing body in capitals, size 12–13, bold, on its own lines. A line too
    long for the column widens the column (as far as the motto leaves room), then is set in 12 pt, and only
    then is wrapped at a word, so the header never runs into the motto's column; the rule under it
    is 2/5 of its last line (the decree: 1/3–1/2). The place and date line is set in 14 pt, or in
    13 pt when a long place name would not fit its column in 14 (the decree allows 13–14)."""
    lines = [line.strip().upper() for line in issuer_lines if line.strip()]
    column_max = TEXT_WIDTH - text_width(MOTTO1, 12, bold=True) - ISSUER_PAD
    widest_allowed = column_max - ISSUER_PAD
    size = 13
    if lines and max(text_width(line, 13, bold=True) for line in lines) > widest_allowed:
        size = 12
        lines = [wrapped for line in lines for wrapped in _wrap(line.split(), 12, widest_allowed)]
    widest = max((text_width(line, size, bold=True) for line in lines), default=0)
    issuer_width = min(max(ISSUER_SHARE_MIN * TEXT_WIDTH, widest + ISSUER_PAD), column_max)
    last = text_width(lines[-1], size, bold=True) if lines else 0
    nation_width = TEXT_WIDTH - issuer_width
    dateline_size = 14 if text_width(dateline, 14, italic=True) <= nation_width - ISSUER_PAD else 13
    return HeaderLayout(issuer_lines=lines, issuer_size=size, issuer_width=round(issuer_width, 2),
                        nation_width=round(nation_width, 2), rule_width=round(RULE_SHARE * last, 2),
                        dateline_size=dateline_size)


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

    def __post_init__(self):
        # In capitals in the description itself (not by the stylesheet), so the Word copy has them too.
        self.lines = [line.strip().upper() for line in self.lines if line.strip()]


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

    def __post_init__(self):
        self.title = self.title.upper()

    @property
    def header(self):
        return header_layout(self.issuer_lines, self.dateline)

    @property
    def subject_rule_width(self):
        """The rule under the subject: 2/5 of its last line (bold 14 pt)."""
        if not self.subject_lines:
            return 0
        return round(RULE_SHARE * min(text_width(self.subject_lines[-1], 14, bold=True), TEXT_WIDTH), 2)

    @property
    def body_blocks(self):
        """The blocks before the last one; the last is kept on one page with the signature block."""
        return self.blocks[:-1]

    @property
    def last_block(self):
        return self.blocks[-1] if self.blocks else None

    @property
    def recipient_indent(self):
        """The hanging indent of a wrapped "Nơi nhận" entry: the width of its "- "."""
        return round(text_width("- ", 11), 2)

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


def file_stem(type_code, number, issued_on, *, draft_key, intended_on=None):
    """A document's file name from its number and the year of ISSUE: "KH-05-2026"; a draft, unnumbered,
    is marked as one: "KH-du-thao-12-2026" (its id and the year it is meant for)."""
    if number is not None and issued_on is not None:
        return f"{type_code}-{number:02d}-{issued_on:%Y}"
    year = (intended_on or datetime.date.today()).year
    return f"{type_code}-du-thao-{draft_key}-{year}"


def render_pdf(document):
    """The document as PDF bytes, in the Decree 30 layout."""
    from weasyprint import HTML

    html = render_to_string("documents/official.html", {"doc": document})
    return HTML(string=html).write_pdf()


def render_docx(document):
    """The same document as an editable Word file (bytes), with the same margins, fonts and parts."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
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
    layout = document.header
    table = _docx_fixed_table(word, [layout.issuer_width, layout.nation_width])
    left, right = table.rows[0].cells
    for index, line in enumerate(layout.issuer_lines):
        target = left.paragraphs[0] if index == 0 else left.add_paragraph()
        target.alignment = center
        r = target.add_run(line)
        r.bold, r.font.size = True, Pt(layout.issuer_size)
        target.paragraph_format.space_after = Pt(0)
    _docx_rule(left, layout.rule_width, layout.issuer_width)
    para(left, document.number_line, size=13, align=center)
    right.paragraphs[0].alignment = center
    r = right.paragraphs[0].add_run(MOTTO1)
    r.bold, r.font.size = True, Pt(12)
    right.paragraphs[0].paragraph_format.space_after = Pt(0)
    motto = "Độc lập - Tự do - Hạnh phúc"
    para(right, motto, size=13, bold=True, align=center, space_after=0)
    _docx_rule(right, text_width(motto, 13, bold=True), layout.nation_width)   # the full length of the motto
    if document.dateline:
        para(right, document.dateline, size=layout.dateline_size, italic=True, align=center)

    para(word, document.title, size=14, bold=True, align=center, space_after=0)
    for line in document.subject_lines:
        para(word, line, size=14, bold=True, align=center, space_after=0)
    if document.subject_lines:
        _docx_rule(word, document.subject_rule_width, TEXT_WIDTH, cell=False, space_after=8)
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    last = None
    for text in document.preamble:
        last = para(word, text, align=justify, indent=True)
    styles = {"part": {"bold": True}, "section": {"bold": True}, "subsection": {"bold": True, "italic": True},
              "point": {"italic": True}}
    for block in document.blocks:
        if block.kind == "table":
            _docx_table(word, block, para)
            last = None
            continue
        last = para(word, block.text, align=justify, indent=block.kind not in ("part", "plain"),
                    lead=block.lead, runs=block.runs or None, **styles.get(block.kind, {}))
        if block.kind in ("part", "section", "subsection", "point"):
            last.paragraph_format.keep_with_next = True  # a heading never alone at a page's foot
    if last is not None:
        # The signature block never stands alone on a page: the body's last paragraph goes with it.
        last.paragraph_format.keep_with_next = True
        last.paragraph_format.widow_control = True

    bottom = _docx_fixed_table(word, [RECIPIENTS_SHARE * TEXT_WIDTH, (1 - RECIPIENTS_SHARE) * TEXT_WIDTH])
    _docx_keep_row_together(bottom.rows[0])
    recipients_cell, sign_cell = bottom.rows[0].cells
    if document.left_signature:
        _docx_signature(recipients_cell, document.left_signature, para)
    elif document.recipients:
        _docx_recipients(recipients_cell, recipients_cell.paragraphs[0], document, para)
    if document.signature:
        _docx_signature(sign_cell, document.signature, para)
    for cell in (recipients_cell, sign_cell):
        for paragraph in cell.paragraphs:
            paragraph.paragraph_format.keep_together = True
            paragraph.paragraph_format.keep_with_next = True
    if document.left_signature and document.recipients:
        heading = para(word, "", size=12, space_after=0)
        heading.paragraph_format.space_before = Pt(10)
        _docx_recipients(word, heading, document, para)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _docx_fixed_table(container, widths_pt):
    """A borderless one-row table of fixed column widths (points): the grid and the cells say the
    same widths, so that Word and LibreOffice lay it out as the PDF is."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Pt

    table = container.add_table(rows=1, cols=len(widths_pt))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _docx_fix_widths(table, [Pt(w) for w in widths_pt])
    return table


def _docx_fix_widths(table, widths):
    """Fixed layout, the table's width, its grid columns and every cell set to the same `widths`."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = tbl_pr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tbl_pr.append(layout)
    layout.set(qn("w:type"), "fixed")
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:w"), str(sum(int(w.twips) for w in widths)))
    tbl_w.set(qn("w:type"), "dxa")
    for grid_col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        grid_col.set(qn("w:w"), str(int(width.twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _docx_keep_row_together(row):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    cant_split = OxmlElement("w:cantSplit")
    cant_split.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(cant_split)


# Word's default cell margins (left and right), in points: the rule's paragraph is centred inside them.
DOCX_CELL_MARGIN = 5.4


def _docx_rule(container, width, available, *, cell=True, space_after=2):
    """A real rule `width` points long, centred: an empty paragraph of a tiny size whose bottom border
    spans exactly that width (its indents take the rest of the line)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    paragraph = container.add_paragraph()
    run = paragraph.add_run("")
    run.font.size = Pt(2)
    line = available - (2 * DOCX_CELL_MARGIN if cell else 0)
    side = max(0.0, (line - width) / 2)
    fmt = paragraph.paragraph_format
    fmt.left_indent, fmt.right_indent, fmt.first_line_indent = Pt(side), Pt(side), Pt(0)
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(space_after), Pt(3)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "5"), ("space", "0"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)
    return paragraph


def _docx_signature(cell, signature, para):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    center = WD_ALIGN_PARAGRAPH.CENTER
    for index, line in enumerate(signature.lines):
        if index == 0:
            target = cell.paragraphs[0]
            target.alignment = center
            run = target.add_run(line)
            from docx.shared import Pt

            run.bold, run.font.size = True, Pt(14)
            target.paragraph_format.space_after = Pt(0)
        else:
            para(cell, line, size=14, bold=True, align=center, space_after=0)
    para(cell, "\n\n\n" + signature.name, size=14, bold=True, align=center)


def _docx_recipients(container, first, document, para):
    """"Nơi nhận:" (12, bold italic) and its entries (11), each wrapped line hanging after the "- "."""
    from docx.shared import Pt

    r = first.add_run("Nơi nhận:")
    r.bold, r.italic, r.font.size = True, True, Pt(12)
    first.paragraph_format.space_after = Pt(0)
    for entry in document.recipients:
        line = para(container, f"- {entry}", size=11, space_after=0)
        line.paragraph_format.left_indent = Pt(document.recipient_indent)
        line.paragraph_format.first_line_indent = Pt(-document.recipient_indent)


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
    widths = [Mm(TEXT_WIDTH_MM * share / 100) for share in block.column_widths]
    _docx_fix_widths(table, widths)
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
