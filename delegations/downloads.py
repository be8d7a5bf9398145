"""The one way a stored file leaves the server: `file_download`, called by every view that serves a
file once it has checked who asks (plans, minutes, invitations, reports, answers' attachments,
exports)."""
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

from .uploads import CONTENT_TYPES, EXTENSIONS, detect_kind

FALLBACK_CONTENT_TYPE = "application/octet-stream"


def file_download(source, stem):
    """A FileResponse for `source` (a FieldFile, or an open binary file), named "<stem>.<extension>".

    The content type and extension come from the file's content (delegations.uploads.detect_kind:
    PDF, PNG, JPEG, Word or Excel; anything else "application/octet-stream", ".bin"), never from its
    stored name; it is always an attachment (never shown inline by the browser) with
    "X-Content-Type-Options: nosniff". A missing file answers 404."""
    if isinstance(source, FieldFile):
        if not source:
            raise Http404
        try:
            handle = source.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
    else:
        handle = source
    kind = detect_kind(handle)
    response = FileResponse(handle, as_attachment=True,
                            filename=f"{stem}.{EXTENSIONS[kind] if kind else 'bin'}",
                            content_type=CONTENT_TYPES[kind] if kind else FALLBACK_CONTENT_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    return response
