"""The one renderer of every official document (plans, reports, notices, minutes, invitations),
shared by all apps; see `documents.official`."""
from .official import (  # noqa: F401
    Block,
    OfficialDocument,
    Signature,
    file_stem,
    format_dateline,
    format_number,
    render_docx,
    render_pdf,
)
