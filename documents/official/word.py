"""An official document printed as an editable Word copy (python-docx), with the PDF's margins, fonts,
header columns, rules, tables and signature block."""
import io

from .document import Run
from .layout import MOTTO1, RECIPIENTS_SHARE, TEXT_WIDTH, TEXT_WIDTH_MM, text_width


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
