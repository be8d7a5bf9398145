"""The one renderer of every official document (plans, reports, notices, minutes, invitations)
and the voter's receipt of a petition (`documents.slip`),
shared by all apps; see `documents.official`."""
from .official import (  # noqa: F401
    Block,
    OfficialDocument,
    Run,
    Signature,
    file_stem,
    format_dateline,
    format_number,
    render_docx,
    render_pdf,
)
from .slip import Slip, qr_svg_uri, render_slips_pdf  # noqa: F401
