"""Small hand-built PDF files for upload tests: a plain one, and ones with each kind of active
content a PDF can carry (built byte by byte, with a correct cross-reference table, so that pypdf
reads them as a viewer would)."""


def make_pdf(catalog_extra=b"", extra_objects=(), page_extra=b""):
    """A one-page PDF; `catalog_extra` goes into the catalog (object 1), `page_extra` into the page
    (object 3), `extra_objects` are objects 5, 6, … ."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R " + page_extra + b" >>",
        b"<< /Length 35 >>\nstream\nBT /F1 12 Tf 20 100 Td (Hi) Tj ET\nendstream",
        *extra_objects,
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


PLAIN = make_pdf()
# A destination as the open action (go to page 1) is ordinary and accepted.
GOTO_OPEN_ACTION = make_pdf(b"/OpenAction [3 0 R /Fit]")
ACTIVE = {
    "open_action_js": make_pdf(b"/OpenAction 5 0 R", [b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"]),
    "names_javascript": make_pdf(b"/Names << /JavaScript 5 0 R >>",
                                 [b"<< /Names [(x) 6 0 R] >>", b"<< /S /JavaScript /JS (this.print\\(\\)) >>"]),
    "launch": make_pdf(b"/OpenAction << /S /Launch /F (calc.exe) >>"),
    "embedded_files": make_pdf(b"/Names << /EmbeddedFiles 5 0 R >>",
                               [b"<< /Names [(a.exe) 6 0 R] >>", b"<< /Type /Filespec /F (a.exe) /EF << /F 7 0 R >> >>",
                                b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream"]),
    "rich_media": make_pdf(page_extra=b"/Annots [5 0 R]",
                           extra_objects=[b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10] >>"]),
    "xfa": make_pdf(b"/AcroForm << /Fields [] /XFA 5 0 R >>", [b"<< /Length 7 >>\nstream\n<xdp/>\nendstream"]),
    "annotation_js": make_pdf(page_extra=b"/Annots [5 0 R]",
                              extra_objects=[b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] "
                                             b"/A << /S /JavaScript /JS (app.alert\\(2\\)) >> >>"]),
    # A name written with a #hex escape: invisible to a byte scan, seen by pypdf.
    "hex_escaped_name": make_pdf(b"/OpenAction 5 0 R", [b"<< /S /J#61vaScript /J#53 (app.alert\\(3\\)) >>"]),
}
