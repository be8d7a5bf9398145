"""The receipt a voter is handed when a petition is recorded (phiếu tiếp nhận kiến nghị): the public
code, the date, the council, where it was received, and how to look it up — the public lookup address
and a QR code of that address with the code (segno: pure Python, SVG, no image library). Printed to
PDF by WeasyPrint like every document of `documents`, on A4: two slips a page, with a cut line, so that
a meeting's slips print on as few sheets as possible (one petition: one slip at the top of a page).

The slip's labels follow the interface language (Vietnamese by default, English on the switch); a
voter's name and address are printed only when the caller passes them, which it does only for staff
the one rule on voters' data allows (petitions.models.voter_data_rule)."""
import datetime
from dataclasses import dataclass, field

from django.template.loader import render_to_string


@dataclass
class Slip:
    council: str                  # "HĐND tỉnh Bắc Ninh"
    issuer_lines: list            # ["HỘI ĐỒNG NHÂN DÂN", "TỈNH BẮC NINH"]
    code: str                     # "KN-2026-7QK4M2XH9"
    received_on: datetime.date
    received_at: str              # where: the meeting, or "sent in writing"
    text: str                     # what was raised (shortened)
    lookup_page: str              # the public lookup address, as a voter types it
    lookup_url: str               # the same with the code: what the QR code holds
    voters: list = field(default_factory=list)  # (name, address) pairs; empty when not to be printed

    @property
    def received_text(self):
        return self.received_on.strftime("%d/%m/%Y")

    @property
    def qr_svg_uri(self):
        return qr_svg_uri(self.lookup_url)


def qr_svg_uri(url):
    """The QR code of `url` as an SVG data URI (error correction M: a creased slip still scans)."""
    import segno

    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2)


def render_slips_pdf(slips):
    """The slips as PDF bytes, two to an A4 page."""
    from weasyprint import HTML

    pages = [slips[index:index + 2] for index in range(0, len(slips), 2)]
    return HTML(string=render_to_string("documents/slip.html", {"pages": pages})).write_pdf()
