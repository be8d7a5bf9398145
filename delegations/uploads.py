"""Uploads are checked by size and by content (their first bytes), never by name or declared type;
PDFs are also inspected for active content (scripts, launch actions, embedded files) and refused
when they carry any, since a signed scan or an answer's attachment is published or read by others."""
import io
import re
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpeg": (b"\xff\xd8\xff",),
    "xlsx": (b"PK\x03\x04",),  # a zip archive; the workbook part is checked by the reader
}
LABELS = {"pdf": "PDF", "png": "PNG", "jpeg": "JPEG", "xlsx": "Excel (.xlsx)"}
# The extension a stored file gets from its content (never the uploaded name's).
EXTENSIONS = {"pdf": "pdf", "png": "png", "jpeg": "jpg", "xlsx": "xlsx", "docx": "docx"}


def validate_upload(upload, kinds):
    """The kind of an upload among `kinds` (a key of SIGNATURES), or a ValidationError saying what
    is wrong (code "size", "type", "unreadable" or "active").

    The upload is renamed "<kind>.<extension>" after its content, so that whatever stores it gets an
    extension that matches what the file is (an ".html" upload that starts with "%PDF-" is a PDF and is
    stored and served as one); storage gives it a random name (delegations.storage). A PDF is read with
    pypdf and refused if it carries JavaScript, launch actions, embedded files, rich media or XFA
    forms (`pdf_active_content`)."""
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(_("The file is larger than %(size)s.") % {"size": filesizeformat(settings.UPLOAD_MAX_BYTES)},
                              code="size")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for kind in kinds:
        if head.startswith(SIGNATURES[kind]):
            if kind == "pdf":
                _check_pdf(upload)
            upload.name = f"{kind}.{EXTENSIONS[kind]}"
            return kind
    raise ValidationError(_("The file's content is not of an accepted type (%(kinds)s).")
                          % {"kinds": ", ".join(LABELS[k] for k in kinds)}, code="type")


def _check_pdf(upload):
    data = upload.read()
    upload.seek(0)
    try:
        found = pdf_active_content(data)
    except PdfUnreadable as error:
        raise ValidationError(_("The PDF file cannot be read (it is damaged or not a real PDF document); "
                                "export or scan it again as PDF."), code="unreadable") from error
    if found:
        raise ValidationError(
            _("The PDF file contains active content (%(found)s), which is not accepted: a scan or an answer must be "
              "a plain document. Print it to PDF again or scan the paper copy.") % {"found": ", ".join(found)},
            code="active")


class PdfUnreadable(Exception):
    """pypdf cannot read the document's structure."""


# Names whose presence means the PDF can run something, open something, or carry another file.
ACTIVE_NAMES = {
    "/JavaScript": "JavaScript", "/JS": "JavaScript", "/Launch": "Launch",
    "/EmbeddedFile": "EmbeddedFile", "/EmbeddedFiles": "EmbeddedFiles", "/RichMedia": "RichMedia",
    "/XFA": "XFA",
}
# The raw backstop: a name followed by a PDF delimiter, outside streams' data (where compressed bytes
# would give chance matches of a short name such as /JS).
RAW_NAME = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)(?=[\s/<>\[\]()%{}]|$)")
STREAM_DATA = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
MAX_OBJECTS_WALKED = 200_000


def pdf_active_content(data):
    """The kinds of active content a PDF's bytes hold, sorted (empty when none): JavaScript (a
    document-level script, an /OpenAction or an annotation's action), Launch, EmbeddedFile(s),
    RichMedia, XFA.

    Every object pypdf reads (object streams included, names normalised, so "/J#61vaScript" is seen)
    is walked from the trailer: the catalog, its /Names tree, /OpenAction, /AA, /AcroForm and every page
    and annotation; a raw scan of the bytes outside streams is a backstop for objects no reference
    reaches. Raises PdfUnreadable when pypdf cannot read the document."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    found = {ACTIVE_NAMES["/" + m.group(1).decode()] for m in RAW_NAME.finditer(STREAM_DATA.sub(b"", data))}
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")  # an owner-password-only PDF opens with an empty user password; else unreadable
        root = reader.trailer["/Root"].get_object()
        if not isinstance(root, DictionaryObject):
            raise PdfUnreadable("no catalog")
        pending, seen, walked = [reader.trailer], set(), 0
        while pending and walked < MAX_OBJECTS_WALKED:
            item = pending.pop()
            if isinstance(item, IndirectObject):
                key = (item.idnum, item.generation)
                if key in seen:
                    continue
                seen.add(key)
                item = item.get_object()
            walked += 1
            if isinstance(item, DictionaryObject):  # streams are dictionaries too: their data is not read
                for name, value in item.items():
                    if name in ACTIVE_NAMES:
                        found.add(ACTIVE_NAMES[name])
                    if name == "/S" and isinstance(value, NameObject) and value in ACTIVE_NAMES:
                        found.add(ACTIVE_NAMES[value])  # an action: << /S /JavaScript … >> or /Launch
                    if name != "/Parent":
                        pending.append(value)
            elif isinstance(item, ArrayObject):
                pending.extend(item)
    except PdfUnreadable:
        raise
    except (PyPdfError, KeyError, ValueError, TypeError, AttributeError, RecursionError, OSError) as error:
        raise PdfUnreadable(str(error)) from error
    return sorted(found)


# ------------------------------------------------------------------------------ what a file is

CONTENT_TYPES = {
    "pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def detect_kind(handle):
    """The kind of a stored file from its content ("pdf", "png", "jpeg", "xlsx", "docx"), or None.
    `handle` is a seekable binary file, left at its start. An Office file is a zip archive told apart
    by its main part."""
    handle.seek(0)
    head = handle.read(16)
    handle.seek(0)
    for kind in ("pdf", "png", "jpeg"):
        if head.startswith(SIGNATURES[kind]):
            return kind
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(handle) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            names = set()
        finally:
            handle.seek(0)
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "word/document.xml" in names:
            return "docx"
    return None


def file_replace(instance, field_name, name, content):
    """Store `content` in the instance's file field and, after commit, delete the file it replaces:
    files do not pile up, and a rolled-back change keeps the old one."""
    from django.db import transaction

    field = getattr(instance, field_name)
    old = field.name if field else None
    field.save(name, content, save=False)
    instance.save(update_fields=[field_name])
    if old and old != field.name:
        storage = field.storage
        transaction.on_commit(lambda: storage.delete(old))
    return instance
