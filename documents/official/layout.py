"""The page as Decree 30 sets it, measured: the text block in points, Times New Roman's widths (from
Liberation Serif, its metric twin), and the header's columns and rules computed once for PDF and Word."""
import functools
import unicodedata
from dataclasses import dataclass

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
