"""The one renderer of official documents (Decree 30/2020/NĐ-CP, Appendix I): plans (KH),
reports (BC), notices (TB), minutes (BB), invitations (GM).

A document is described once as an `OfficialDocument` and printed to PDF (WeasyPrint, the
template documents/official.html) or to an editable Word copy (python-docx) from that same
description, so the two never drift apart. One module per concern: layout (the page, the fonts'
widths, the header's columns), document (the description, its number, dateline and file name),
pdf and word (the two printers). Every public name is re-exported here."""
from .document import (  # noqa: F401
    DRAFT_DAY_GAP,
    DRAFT_NUMBER_GAP,
    Block,
    OfficialDocument,
    Run,
    Signature,
    file_stem,
    format_dateline,
    format_number,
    is_numeric_cell,
)
from .layout import (  # noqa: F401
    FONT_DIR,
    FONT_FILES,
    ISSUER_PAD,
    ISSUER_SHARE_MIN,
    MOTTO1,
    PT_PER_MM,
    RECIPIENTS_SHARE,
    RULE_SHARE,
    TEXT_WIDTH,
    TEXT_WIDTH_MM,
    HeaderLayout,
    header_layout,
    text_width,
)
from .pdf import (  # noqa: F401
    render_pdf,
)
from .word import (  # noqa: F401
    DOCX_CELL_MARGIN,
    render_docx,
)
