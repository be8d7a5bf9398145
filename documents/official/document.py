"""An official document described once (its header, number, dateline, subject, body blocks, recipients
and signatures), with the number line, the dateline and the file name as printed."""
import datetime
from dataclasses import dataclass, field

from .layout import RULE_SHARE, TEXT_WIDTH, header_layout, text_width

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
